"""The compose file cannot be loaded.

## Why
podgen reads compose files exactly as Docker Compose does; what Docker Compose
refuses, podgen refuses too, but says where and how to fix it: YAML syntax
errors, duplicate keys, files that are not UTF-8 text, a document that is not
a mapping, references to services, networks, volumes or secrets that are not
defined, `extends` and `depends_on` cycles, `${VAR:?message}` with VAR unset,
missing `-f` or `env_file` files, and documents too large or too deeply nested
(alias bombs) to be real compose files.

## Example
```yaml
services:
  web:
    image: nginx
    depends_on: [db]      # PG001: undefined service "db"
```

## Fix
Follow the `help:` line printed under the error.  `podgen` exits with status 2
and writes nothing.
"""
from podgen.report.diagnostics import Severity
from podgen.rules._base import Rule

RULE = Rule(code="PG001", name="invalid-input", severity=Severity.ERROR,
            summary="the compose file cannot be loaded (syntax, encoding, references, cycles, limits)",
            doc=__doc__, stage="load")
