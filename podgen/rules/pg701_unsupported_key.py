"""A compose key has no Podman equivalent and was not converted.

## Why
Nothing is dropped silently: every key that podgen cannot express for
Podman (Swarm-only `deploy` settings, Windows-only keys, `develop`,
`external_links`, unknown log drivers, ...) is reported with the service,
the key and its place in the file.

## Example
```yaml
services:
  web:
    image: nginx
    deploy:
      placement:            # PG701: a Swarm setting
        constraints: [node.role == manager]
```

## Fix
Remove the key, or replace it with what Podman offers (the message says
what).  Use `--ignore PG701` to accept the loss knowingly.
"""
from podgen.report.diagnostics import Severity
from podgen.rules._base import Rule

RULE = Rule(code="PG701", name="unsupported-key", severity=Severity.WARNING,
            summary="a compose key has no Podman equivalent and was not converted",
            doc=__doc__, stage="convert")
