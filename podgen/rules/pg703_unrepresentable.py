"""A value cannot be written into a Quadlet unit without changing it.

## Why
Values pass through Quadlet's and systemd's parsers before they reach
podman.  podgen escapes `%`, `$`, quotes, backslashes and control characters,
but a few values cannot survive at all: an empty argument in `command`
(Quadlet drops empty words), a line break in a single-value key such as
`user:` or `working_dir:`, or a name that cannot be a unit file name.  podgen
refuses rather than emit a unit that would run something else.

## Example
```yaml
services:
  job:
    image: busybox
    command: ["sh", "-c", ""]     # PG703: an empty argument
```

## Fix
Change the value, or generate a shell script instead (`--format script`),
which can pass any value unchanged.
"""
from podgen.diagnostics import Severity
from podgen.rules._base import Rule

RULE = Rule(code="PG703", name="unrepresentable-value", severity=Severity.ERROR,
            summary="a value cannot be written into a Quadlet unit unchanged",
            doc=__doc__, stage="convert")
