"""A `${VAR}` used in the compose file is not set.

## Why
Like Docker Compose, podgen replaces an unset variable by an empty string.
That is rarely what the author meant: an image tag, a port or a password
silently becomes empty.

## Example
```yaml
services:
  db:
    image: postgres:${PG_VERSION}    # PG003 when PG_VERSION is unset
```

## Fix
Set the variable in the environment or in the project's `.env` file, give it
a default (`${PG_VERSION:-16}`), or make it required (`${PG_VERSION:?set it}`).
"""
from podgen.report.diagnostics import Severity
from podgen.rules._base import Rule

RULE = Rule(code="PG003", name="unset-variable", severity=Severity.WARNING,
            summary="a ${VAR} in the file is not set and became an empty string",
            doc=__doc__, stage="load")
