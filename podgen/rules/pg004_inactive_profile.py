"""A service is only enabled by a profile that is not active, so it was not checked.

## Why
Like Docker Compose, podgen leaves out services whose `profiles:` are not
enabled (`--profile`, `COMPOSE_PROFILES`).  Nothing about them is linted or
converted: a privileged port or a Docker socket in a `debug` service goes
unnoticed until someone starts that profile.  podgen says so instead of
leaving them out silently.

## Example
```yaml
services:
  app:
    image: nginx
  debug:
    image: busybox
    profiles: [debug]     # PG004 unless --profile debug (or '*')
    ports: ["22:22"]
```

## Fix
Lint (or convert) with the profile enabled: `--profile debug`, or
`--profile '*'` for every profile.  The finding is information only: it does
not fail `lint` unless `--fail-on info`.
"""
from podgen.report.diagnostics import Severity
from podgen.rules._base import Rule

RULE = Rule(code="PG004", name="inactive-profile", severity=Severity.INFO,
            summary="a service behind a profile that is not enabled was not checked",
            doc=__doc__, stage="load")
