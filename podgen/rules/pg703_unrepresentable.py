"""A value cannot be written into a Quadlet unit without changing it.

## Why
Values pass through Quadlet's and systemd's parsers before they reach
podman.  podgen escapes `%`, `$`, quotes, backslashes, `;`, line breaks and
control characters, and writes empty arguments so that they survive, but a
few values cannot survive at all: Quadlet 5.4 writes the character U+0080 as
the byte `\\x80`, which is not the same text.  podgen refuses rather than emit
a unit that would pass something else.

## Example
```yaml
services:
  job:
    image: busybox
    command: ["echo", "\\u0080"]     # PG703: Quadlet cannot carry U+0080
```

Bytes that are not UTF-8 (an environment variable can hold them) cannot go
into a unit either: systemd skips a line that is not UTF-8.

`lint` reports this for Quadlet units, which `convert` writes by default; a
project deployed with the script says so with `lint --for script` or
`output-format = "script"` in its configuration.

## Fix
Change the value, or generate a shell script instead (`--format script`),
which can pass any value unchanged.
"""
from podgen.report.diagnostics import Severity
from podgen.rules._base import Rule

RULE = Rule(code="PG703", name="unrepresentable-value", severity=Severity.ERROR,
            summary="a value cannot be written into a Quadlet unit unchanged",
            doc=__doc__, stage="convert")
