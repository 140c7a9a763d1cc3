"""The service builds its image.

## Why
Quadlet `.build` units exist only from Podman 5.2 and podgen does not
generate them yet: the container unit refers to the image by name, so the
image must exist before the unit starts.

## Example
```yaml
services:
  app:
    build: ./app            # PG702
```

## Fix
Build the image once (`podman build -t localhost/<project>-<service>:latest
./app`, the command is in the message) or give the service an `image:` from a
registry.
"""
from podgen.report.diagnostics import Severity
from podgen.rules._base import Rule

RULE = Rule(code="PG702", name="image-build", severity=Severity.INFO,
            summary="the service builds its image; build it before starting the units",
            doc=__doc__, stage="convert")
