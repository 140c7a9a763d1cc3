"""Project configuration: ``.podgen.toml`` or ``[tool.podgen]`` in ``pyproject.toml``.

Looked up from the current directory upwards; the first file found wins.
Validated against ``schemas/podgen-config.schema.json``; a bad configuration
is an input error (exit 2) naming the file and the key.

    [tool.podgen]
    select = ["PG1", "PG2"]
    ignore = ["PG701"]
    severity = { PG302 = "info" }
    fail-on = "error"
    podman-version = "4.9"
    unprivileged-port-start = 1024
    rules = { privileged-port = { offset = 10000 } }
"""
from __future__ import annotations

import json
import os

from podgen.errors import InputError

_cache: dict = {}


def schemas_dir() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    packaged = os.path.join(here, "schemas")
    if os.path.isdir(packaged):
        return packaged
    return os.path.join(os.path.dirname(here), "schemas")


def find_config(start: str):
    """(path, table) of the nearest configuration, or (None, {})."""
    directory = os.path.abspath(start)
    while True:
        dot = os.path.join(directory, ".podgen.toml")
        if os.path.isfile(dot):
            return dot, _read_toml(dot)
        py = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(py):
            with open(py, "rb") as fh:
                if b"[tool.podgen" in fh.read():
                    data = _read_toml(py)
                    return py, data.get("tool", {}).get("podgen", {})
        parent = os.path.dirname(directory)
        if parent == directory or os.path.isdir(os.path.join(directory, ".git")):
            return None, {}
        directory = parent


def _read_toml(path: str) -> dict:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"invalid TOML: {exc}", (path, 0, 0), hint="fix the configuration file") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", (path, 0, 0)) from None


def load_config(start: str) -> dict:
    """The validated configuration, with ``severity_map`` and ``rule_options`` resolved."""
    key = os.path.abspath(start)
    if key in _cache:
        return _cache[key]
    path, table = find_config(start)
    config = dict(table)
    if path is not None and table:
        _validate(table, path)
        config = _resolve(table, path)
    _cache[key] = config
    return config


def _validate(table: dict, path: str):
    from podgen.schema import Validator
    with open(os.path.join(schemas_dir(), "podgen-config.schema.json"), "rb") as fh:
        schema = json.loads(fh.read())
    errors = Validator(schema).validate(table, (path, 0, 0))
    if errors:
        e = errors[0]
        raise InputError(f"invalid podgen configuration: {e.message.replace('the document', 'config')}",
                         (path, 0, 0), hint=e.hint or "see 'podgen --help' and the README's Configuration")


def _resolve(table: dict, path: str) -> dict:
    from podgen.diagnostics import Severity
    from podgen.rules import get
    config = dict(table)
    config["severity_map"] = {code: Severity.parse(level) for code, level in table.get("severity", {}).items()}
    options = {}
    for name, values in table.get("rules", {}).items():
        rule = get(name)
        if rule is None:
            raise InputError(f"invalid podgen configuration: unknown rule {name!r} under 'rules'", (path, 0, 0),
                             hint="use a code (PG101) or a name (privileged-port); see 'podgen rules'")
        unknown = set(values) - set(rule.options)
        if unknown:
            raise InputError(f"invalid podgen configuration: rule {rule.code} has no option "
                             f"{sorted(unknown)[0]!r}", (path, 0, 0),
                             hint=f"its options: {', '.join(rule.options) or 'none'}")
        options[rule.code] = dict(values)
    config["rule_options"] = options
    return config
