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

## Fix
Add a `healthcheck:` to the dependency, or use `condition: service_started`.
"""
from podgen.diagnostics import Severity
from podgen.rules._base import Rule

RULE = Rule(code="PG705", name="healthy-without-healthcheck", severity=Severity.WARNING,
            summary="depends_on service_healthy, but the dependency has no healthcheck",
            doc=__doc__, stage="convert")
