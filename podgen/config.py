"""Project configuration: ``.podgen.toml`` or ``[tool.podgen]`` in ``pyproject.toml``.

Looked up from the current directory upwards (stopping at the top of a git
checkout); in each directory ``.podgen.toml`` wins over ``pyproject.toml``,
and a ``pyproject.toml`` without a ``[tool.podgen]`` table is passed over.
Validated against ``schemas/podgen-config.schema.json`` and against the rule
registry; a bad configuration is an input error (exit 2) located at
``file:line:col`` and naming the key path (``tool.podgen.rules.PG101.offset``).

    [tool.podgen]
    select = ["PG1", "PG2"]
    ignore = ["PG701"]
    severity = { PG302 = "info" }
    fail-on = "error"
    podman-version = "4.9"
    output-format = "quadlet"     # or "script": convert's default, what lint checks values for
    unprivileged-port-start = 1024
    unsafe-fixes = false          # true: convert and fix apply unsafe fixes (as --unsafe-fixes)
    rules = { privileged-port = { offset = 10000 } }

Rules are named by code (``PG101``), code prefix (``PG1``, only in select and
ignore) or name (``privileged-port``).
"""
from __future__ import annotations

import json
import os
import re

from podgen.errors import InputError

_cache: dict = {}
_PREFIX = re.compile(r"PG[0-9]{0,3}\Z")


def schemas_dir() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    packaged = os.path.join(here, "schemas")
    if os.path.isdir(packaged):
        return packaged
    return os.path.join(os.path.dirname(here), "schemas")


def _find(start: str):
    """(path, table, key prefix, text) of the nearest configuration, or (None, {}, (), "")."""
    directory = os.path.abspath(start)
    while True:
        dot = os.path.join(directory, ".podgen.toml")
        if os.path.isfile(dot):
            text = _read_text(dot)
            return dot, _parse_toml(text, dot), (), text
        py = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(py):
            text = _read_text(py)
            if "podgen" in text:
                data = _parse_toml(text, py)
                tool = data.get("tool")
                if isinstance(tool, dict) and "podgen" in tool:
                    table = tool["podgen"]
                    if not isinstance(table, dict):
                        raise _error(py, text, ("tool", "podgen"), "tool.podgen must be a table",
                                     hint="write [tool.podgen] followed by key = value lines")
                    return py, table, ("tool", "podgen"), text
        parent = os.path.dirname(directory)
        if parent == directory or os.path.exists(os.path.join(directory, ".git")):
            return None, {}, (), ""
        directory = parent


def find_config(start: str):
    """(path, table) of the nearest configuration, or (None, {})."""
    path, table, _prefix, _text = _find(start)
    return path, table


def _read_text(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", (path, 0, 0)) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("invalid podgen configuration: the file is not UTF-8 text", (path, 0, 0)) from None


def _parse_toml(text: str, path: str) -> dict:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", message)
        pos = (path, int(m.group(1)), int(m.group(2))) if m else (path, 0, 0)
        if m:
            message = message[:m.start()]
        raise InputError(f"invalid TOML: {message}", pos, hint="fix the configuration file") from None


# --- where a key is written ----------------------------------------------------------------------

_BARE = r"[A-Za-z0-9_-]+"
_KEY_PART = rf"(?:{_BARE}|\"(?:[^\"\\]|\\.)*\"|'[^']*')"
_DOTTED = re.compile(rf"\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*")


def _split_dotted(text: str) -> tuple:
    parts = []
    for m in re.finditer(_KEY_PART, text):
        part = m.group(0)
        if part[:1] in "\"'":
            part = part[1:-1]
        parts.append(part)
    return tuple(parts)


def _inline_keys(line: str, start: int, base: tuple):
    """(path, col) of each key of the inline table(s) that open at line[start] ('{')."""
    stack = [base]
    last_key = None
    i = start + 1
    expect_key = True
    while i < len(line) and stack:
        ch = line[i]
        if ch in "\"'":
            end = i + 1
            while end < len(line) and line[end] != ch:
                end += 2 if ch == '"' and line[end] == "\\" else 1
            if expect_key:
                m = _DOTTED.match(line, i)
                if m and line[m.end():m.end() + 1] == "=":
                    last_key = stack[-1] + _split_dotted(m.group(1))
                    yield last_key, i + 1
                    i = m.end() + 1
                    expect_key = False
                    continue
            i = end + 1
            continue
        if ch == "{":
            stack.append(last_key or stack[-1])
            expect_key = True
        elif ch == "}":
            stack.pop()
        elif ch == ",":
            expect_key = True
        elif ch == "#":
            break
        elif expect_key and not ch.isspace():
            m = _DOTTED.match(line, i)
            if m and line[m.end():m.end() + 1] == "=":
                last_key = stack[-1] + _split_dotted(m.group(1))
                yield last_key, i + 1
                i = m.end() + 1
                expect_key = False
                continue
        i += 1


def key_positions(text: str) -> dict:
    """Key path -> (line, col) for the keys and table headers of a TOML text (best effort).

    ``tomllib`` keeps no positions; this scan understands table headers,
    dotted keys and inline tables, which is all a configuration file uses.
    """
    out: dict = {}
    table: tuple = ()
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if stripped.startswith("["):
            inner = stripped[2:stripped.find("]]")] if stripped.startswith("[[") else \
                stripped[1:stripped.find("]")]
            table = _split_dotted(inner)
            out.setdefault(table, (number, indent + 1))
            continue
        m = _DOTTED.match(line)
        if not m or line[m.end():m.end() + 1] != "=":
            continue
        path = table + _split_dotted(m.group(1))
        out.setdefault(path, (number, indent + 1))
        rest = line[m.end() + 1:]
        brace = rest.find("{")
        if brace >= 0 and not rest[:brace].strip():
            offset = m.end() + 1 + brace
            for sub, col in _inline_keys(line, offset, path):
                out.setdefault(sub, (number, col))
    return out


def _locate(text: str, path: tuple):
    """(line, col) of the deepest key of *path* written in *text*; (0, 0) if none is."""
    positions = key_positions(text)
    keys = tuple(p for p in path if not isinstance(p, int))
    for n in range(len(keys), 0, -1):
        if keys[:n] in positions:
            return positions[keys[:n]]
    return 0, 0


def _key_path(prefix: tuple, path: tuple) -> str:
    out = ""
    for part in tuple(prefix) + tuple(path):
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part)
            if not re.fullmatch(_BARE, text):
                text = json.dumps(text)
            out += ("." if out else "") + text
    return out or "the configuration"


def _error(path: str, text: str, keys: tuple, message: str, hint: str | None = None) -> InputError:
    line, col = _locate(text, keys)
    return InputError(f"invalid podgen configuration: {message}", (path, line, col),
                      hint=hint or "see the README's Configuration section and 'podgen rules'")


# --- validation ----------------------------------------------------------------------------------

def _positioned(value, base: tuple, positions: dict, path: str):
    """The table as YMap/YSeq whose keys and values carry their file positions (for the validator)."""
    from podgen.load.yamlload import YMap, YSeq

    def at(keys):
        keys = tuple(k for k in keys if not isinstance(k, int))
        for n in range(len(keys), 0, -1):
            if keys[:n] in positions:
                line, col = positions[keys[:n]]
                return (path, line, col)
        return (path, 0, 0)

    def convert(node, keys):
        if isinstance(node, dict):
            out = YMap()
            out.pos = at(keys)
            for k, v in node.items():
                out[k] = convert(v, keys + (k,))
                out.kpos[k] = out.vpos[k] = at(keys + (k,))
            return out
        if isinstance(node, list):
            out = YSeq()
            out.pos = at(keys)
            for i, item in enumerate(node):
                out.append(convert(item, keys + (i,)))
                out.ipos.append(out.pos)
            return out
        return node
    return convert(value, base)


def _schema(prefix: tuple) -> dict:
    with open(os.path.join(schemas_dir(), "podgen-config.schema.json"), "rb") as fh:
        schema = json.loads(fh.read())
    if not prefix:
        return schema
    # validate {"tool": {"podgen": table}} so that messages name the full key path
    definitions = schema.pop("definitions", {})
    inner = {k: v for k, v in schema.items() if k not in ("$schema", "$id")}
    wrapped: dict = inner
    for part in reversed(prefix):
        wrapped = {"type": "object", "properties": {part: wrapped}}
    wrapped["definitions"] = definitions
    return wrapped


def _validate(table: dict, path: str, prefix: tuple = (), text: str = ""):
    from podgen.load.validator import Validator
    positions = key_positions(text) if text else {}
    document = table
    for part in reversed(prefix):
        document = {part: document}
    document = _positioned(document, (), positions, path)
    errors = Validator(_schema(prefix)).validate(document, (path, 0, 0))
    if errors:
        e = errors[0]
        message, hint = e.message.replace("the document", "the configuration"), e.hint
        # the validator speaks YAML; a configuration is TOML
        for yaml_word, toml_word, toml_hint in (
                ("a mapping", "a table", "write [TABLE] with key = value lines, or key = { k = v }"),
                ("a list", "an array", 'write key = ["a", "b"]')):
            if f"must be {yaml_word}" in message:
                hint = toml_hint
            message = message.replace(yaml_word, toml_word)
        raise InputError(f"invalid podgen configuration: {message}", e.pos or (path, 0, 0),
                         hint=hint or "see the README's Configuration section and 'podgen rules'")


def resolve_selectors(values, *, where=None) -> tuple:
    """Codes, code prefixes and rule names -> codes and prefixes; an unknown one is an error.

    ``where(index, value, message, hint)`` builds the error (the CLI and the
    configuration file report differently); without it a UsageError is raised.
    """
    from podgen.rules import REDIRECTS, RULES, get
    out = []
    for i, value in enumerate(values):
        raw = str(value).strip()
        upper = raw.upper()
        if _PREFIX.match(upper):
            upper = REDIRECTS.get(upper, upper)
            if not any(code.startswith(upper) for code in RULES):
                message = f"{raw!r} matches no rule"
                hint = "known codes: " + ", ".join(RULES)
                if where is not None:
                    raise where(i, value, message, hint)
                from podgen.errors import UsageError
                raise UsageError(message, hint=hint)
            out.append(upper)
            continue
        rule = get(raw)
        if rule is None:
            import difflib
            close = difflib.get_close_matches(raw.lower(), [r.name for r in RULES.values()], 1, 0.6)
            message = f"unknown rule {raw!r}"
            hint = f"did you mean {close[0]!r}?" if close else "use a code (PG101), a prefix (PG1) or a " \
                "name (privileged-port); see 'podgen rules'"
            if where is not None:
                raise where(i, value, message, hint)
            from podgen.errors import UsageError
            raise UsageError(message, hint=hint)
        out.append(rule.code)
    return tuple(out)


def _option_type_error(default, value):
    """None if *value* fits the type of the option's *default*, else the expected type's name."""
    def kind(v):
        if isinstance(v, bool):
            return "a boolean"
        if isinstance(v, int):
            return "an integer"
        if isinstance(v, float):
            return "a number"
        if isinstance(v, str):
            return "a string"
        if isinstance(v, dict):
            return "a table"
        if isinstance(v, list):
            return "an array"
        return type(v).__name__
    want, got = kind(default), kind(value)
    if default is None or want == got or (want == "a number" and got == "an integer"):
        if isinstance(default, dict) and isinstance(value, dict) and default:
            kinds = {kind(v) for v in default.values()}
            if len(kinds) == 1:
                (inner,) = kinds
                for k, v in value.items():
                    if kind(v) != inner:
                        return (k,), inner, kind(v)
        return None
    return (), want, got


def _resolve(table: dict, path: str, prefix: tuple = (), text: str = "") -> dict:
    from podgen.report.diagnostics import Severity
    from podgen.rules import get

    def fail(keys, message, hint=None):
        return _error(path, text, prefix + tuple(keys), message, hint)

    config = dict(table)
    for key in ("select", "ignore"):
        if key in table:
            def where(i, value, message, hint, key=key):
                return fail((key, i), f"{_key_path(prefix, (key, i))}: {message}", hint)
            config[key] = list(resolve_selectors(table[key], where=where))
    severity = {}
    for name, level in table.get("severity", {}).items():
        rule = get(name)
        if rule is None:
            raise fail(("severity", name), f"{_key_path(prefix, ('severity', name))}: unknown rule {name!r}",
                       "use a code (PG101) or a name (privileged-port); see 'podgen rules'")
        severity[rule.code] = Severity.parse(level)
    config["severity_map"] = severity
    options = {}
    for name, values in table.get("rules", {}).items():
        rule = get(name)
        if rule is None:
            raise fail(("rules", name), f"{_key_path(prefix, ('rules', name))}: unknown rule {name!r}",
                       "use a code (PG101) or a name (privileged-port); see 'podgen rules'")
        if rule.code in options:
            raise fail(("rules", name), f"{_key_path(prefix, ('rules', name))}: options for {rule.code} "
                       "are given twice (by code and by name)", "keep one of the two tables")
        for option, value in values.items():
            keys = ("rules", name, option)
            if option not in rule.options:
                known = ", ".join(rule.options) or "none"
                raise fail(keys, f"{_key_path(prefix, keys)}: rule {rule.code} ({rule.name}) has no option "
                           f"{option!r}", f"its options: {known}")
            problem = rule.check_option(option, value) if rule.check_option is not None \
                else _option_type_error(rule.options[option], value)
            if problem is not None:
                sub, want, got = problem
                raise fail(keys + sub, f"{_key_path(prefix, keys + sub)} must be {want}, not {got}",
                           f"the default is {rule.options[option]!r}")
        options[rule.code] = dict(values)
    config["rule_options"] = options
    return config


def load_config(start: str) -> dict:
    """The validated configuration, with ``select``/``ignore`` as codes and prefixes,
    ``severity_map`` (code -> Severity) and ``rule_options`` (code -> options) resolved."""
    key = os.path.abspath(start)
    if key in _cache:
        return _cache[key]
    path, table, prefix, text = _find(start)
    config = dict(table)
    if path is not None:
        _validate(table, path, prefix, text)
        config = _resolve(table, path, prefix, text)
        config["path"] = path
    _cache[key] = config
    return config
