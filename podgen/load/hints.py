"""How to write a value the schema refused: the "help:" line of a PG002 type error.

``type_hint(path, expected)`` gives an example for the compose key at the end
of *path* (``ports: ["8080:80"]``), else how a value of the expected JSON type
is written in YAML.  Used by ``validator.py``.
"""
from __future__ import annotations


# What a key's value looks like, for "must be a list, not a number" errors.
_EXAMPLES = {
    "ports": 'ports: ["8080:80"]', "expose": 'expose: ["8080"]',
    "environment": "environment: {KEY: value}, or a list of KEY=value",
    "labels": "labels: {key: value}, or a list of key=value",
    "command": 'command: ["sh", "-c", "echo hi"], or one string',
    "entrypoint": 'entrypoint: ["/bin/sh", "-c"], or one string',
    "volumes": 'volumes: ["./data:/data"]', "networks": "networks: [front, back]",
    "depends_on": "depends_on: [db]", "secrets": "secrets: [db_password]", "configs": "configs: [app_config]",
    "dns": 'dns: ["9.9.9.9"]', "extra_hosts": 'extra_hosts: ["host.local:10.0.0.5"]',
    "healthcheck": 'healthcheck: {test: ["CMD", "true"], interval: 30s}',
    "services": "services: then one indented NAME: with its settings per service",
}
_BY_TYPE = {"array": 'a list: [a, b], or one "- item" per line', "object": "indented KEY: value lines",
            "string": "text (quote it if it looks like a number or true/false)",
            "integer": "a whole number without quotes", "number": "a number without quotes",
            "boolean": "true or false"}


def type_hint(path: tuple, expected) -> str | None:
    """How to write a value of the *expected* type(s) at *path*."""
    for part in reversed(path):
        if isinstance(part, str):
            if part in _EXAMPLES:
                return "write e.g. " + _EXAMPLES[part]
            break
    kinds = expected if isinstance(expected, list) else [expected]
    words = [_BY_TYPE[k] for k in kinds if k in _BY_TYPE]
    return "write " + ", or ".join(dict.fromkeys(words)) if words else None
