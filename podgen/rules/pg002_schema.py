"""The compose file does not match the Compose Specification schema.

## Why
podgen validates every file, after interpolation, against the official
compose-spec JSON schema (the copy maintained in the `check-jsonschema`
package).  A misspelt key would otherwise be ignored silently and the
container would run without it.

## Example
```yaml
services:
  web:
    image: nginx
    prots: ["8080:80"]    # PG002: unknown key 'prots' (did you mean 'ports'?)
```

## Fix
Correct the key or the value; the message points at the exact line and
column and suggests the closest valid key.  Custom keys must start with `x-`.
"""
from podgen.report.diagnostics import Severity
from podgen.rules._base import Rule

RULE = Rule(code="PG002", name="schema-violation", severity=Severity.ERROR,
            summary="the file does not match the compose-spec schema (unknown key, wrong type)",
            doc=__doc__, stage="load")
