"""An `environment:` entry takes its value from the shell, which does not have it.

## Why
`environment: [DEBUG]` (no `=`) passes the variable through from the shell
that runs `docker compose up`.  A systemd unit has no such shell: the value
is resolved when podgen runs, and when it is not set there it is left out.

## Example
```yaml
services:
  app:
    image: busybox
    environment:
      - API_TOKEN            # PG704 when API_TOKEN is not set
```

## Fix
Set the variable when running podgen, give it a value in the file, or load
it from an `env_file`.
"""
from podgen.report.diagnostics import Severity
from podgen.rules._base import Rule

RULE = Rule(code="PG704", name="unset-environment", severity=Severity.WARNING,
            summary="an environment entry without a value is not set here and was left out",
            doc=__doc__, stage="convert")
