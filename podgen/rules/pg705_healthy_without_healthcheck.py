"""`depends_on: condition: service_healthy` names a service without a healthcheck.

## Why
Without a healthcheck the dependency can never report "healthy"; Docker
Compose fails, podgen falls back to waiting for the start only and says so.

## Example
```yaml
services:
  app:
    image: busybox
    depends_on:
      db: {condition: service_healthy}   # PG705
  db:
    image: postgres                      # no healthcheck
```

A healthcheck that sets only timings (`interval:`, `retries:` ...) and no
`test:` counts as none: Docker would time the image's own `HEALTHCHECK`, but
podgen cannot look into images, and a unit waiting for a health status that
never comes would fail to start.

## Fix
Add a `healthcheck:` with a `test:` to the dependency (the image's
`HEALTHCHECK` command, from `podman image inspect`), or use
`condition: service_started`.
"""
from podgen.report.diagnostics import Severity
from podgen.rules._base import Rule

RULE = Rule(code="PG705", name="healthy-without-healthcheck", severity=Severity.WARNING,
            summary="depends_on service_healthy, but the dependency has no healthcheck",
            doc=__doc__, stage="convert")
