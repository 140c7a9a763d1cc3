"""``.env`` and ``env_file`` parsing with Docker Compose's dotenv rules.

* ``KEY=value`` and ``export KEY=value``; blank lines and ``#`` comments skipped;
* unquoted values are trimmed, a `` #`` starts an inline comment, ``${VAR}`` expands;
* ``'single'`` quotes are literal and may span lines;
* ``"double"`` quotes understand ``\\n \\t \\r \\\\ \\" \\$`` and expand variables;
* a bare ``KEY`` takes its value from the environment, or is skipped.

Podman's own ``--env-file`` keeps quotes and drops ``export`` lines, which is
why podgen parses env files itself and never passes them through.
"""
from __future__ import annotations

import bisect
import re
from collections import ChainMap

from podgen.errors import InputError
from podgen.load.interpolate import Interpolator

_KEY_RE = re.compile(r"[A-Za-z0-9_.\-\[\]]+")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "$": "$$", "'": "'"}


def parse_env_text(text: str, path: str, lookup: dict | None = None, *, raw: bool = False) -> dict:
    """Parse dotenv *text*; *lookup* supplies values for expansion and bare keys."""
    lookup = lookup or {}
    result: dict[str, str] = {}
    i = 0
    n = len(text)
    # one interpolator for the whole file: later lines see earlier ones, and the expansion
    # budget is shared, so A=x, B=${A}${A}, C=${B}${B}, ... cannot double its way to gigabytes
    interp = Interpolator(ChainMap(result, lookup))
    newlines = [m.start() for m in re.finditer("\n", text)]

    def where(idx: int):
        line = bisect.bisect_left(newlines, idx)
        return (path, line + 1, idx - (newlines[line - 1] if line else -1))

    while i < n:
        # skip whitespace and blank lines
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        if text[i] == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        start = i
        if text.startswith("export ", i) or text.startswith("export\t", i):
            i += 7
            while i < n and text[i] in " \t":
                i += 1
        m = _KEY_RE.match(text, i)
        eol = text.find("\n", i)
        eol = n if eol < 0 else eol
        if not m:
            raise InputError(f"invalid line in env file: {text[start:eol].strip()!r}", where(start),
                             hint="each line must look like KEY=value")
        key = m.group(0)
        i = m.end()
        while i < n and text[i] in " \t":
            i += 1
        if i >= n or text[i] in "\r\n#":
            # bare KEY: value from the environment, if any
            if key in lookup and lookup[key] is not None:
                result[key] = lookup[key]
            i = eol + 1
            continue
        if text[i] not in "=:":
            raise InputError(f"invalid line in env file: {text[start:eol].strip()!r}", where(start),
                             hint="each line must look like KEY=value")
        i += 1
        while i < n and text[i] in " \t":
            i += 1
        value, i = _value(text, i, eol, key, raw, interp, where)
        result[key] = value
    return result


def _value(text: str, i: int, eol: int, key: str, raw: bool, interp, where) -> tuple:
    """The value that starts at *i* (quoted, unquoted or raw) and where the next line starts."""
    n = len(text)
    if raw:
        value = text[i:eol].rstrip("\r")
        i = eol + 1
    elif i < n and text[i] == "'":
        close = text.find("'", i + 1)
        if close < 0:
            raise InputError(f"unterminated single-quoted value for {key}", where(i),
                             hint="close the quote")
        value = text[i + 1:close]
        i = _skip_rest(text, close + 1)
    elif i < n and text[i] == '"':
        j = i + 1
        buf = []
        while j < n and text[j] != '"':
            if text[j] == "\\" and j + 1 < n:
                buf.append(_ESCAPES.get(text[j + 1], "\\" + text[j + 1]))
                j += 2
            else:
                buf.append(text[j])
                j += 1
        if j >= n:
            raise InputError(f"unterminated double-quoted value for {key}", where(i),
                             hint="close the quote")
        value = _expand("".join(buf), interp, where, i)
        i = _skip_rest(text, j + 1)
    else:
        value = text[i:eol]
        hash_at = _inline_comment(value)
        if hash_at >= 0:
            value = value[:hash_at]
        value = _expand(value.strip(), interp, where, i)
        i = eol + 1
    return value, i


def _inline_comment(value: str) -> int:
    for idx, ch in enumerate(value):
        if ch == "#" and idx > 0 and value[idx - 1] in " \t":
            return idx
    return -1


def _skip_rest(text: str, i: int) -> int:
    eol = text.find("\n", i)
    return len(text) if eol < 0 else eol + 1


def _expand(value: str, interp: Interpolator, where, idx: int) -> str:
    if "$" not in value:
        return value
    return interp.substitute(value, where(idx))


def read_env_file(path: str, lookup: dict | None = None, *, raw: bool = False,
                  origin=None) -> dict:
    """Read and parse an env file; a missing or unreadable file is a located error."""
    from podgen.load.yamlload import decode_bytes, MAX_BYTES
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)   # decode_bytes refuses anything longer
    except FileNotFoundError:
        raise InputError(f"env file {path} not found", origin,
                         hint="create it, fix the path, or mark it optional with "
                              "'required: false'") from None
    except IsADirectoryError:
        raise InputError(f"env file {path} is a directory", origin,
                         hint="env_file names a file of KEY=value lines") from None
    except OSError as exc:
        raise InputError(f"cannot read env file {path}: {exc.strerror}", origin,
                         hint="check that the file exists and is readable by this user") from None
    try:
        text = decode_bytes(data, path, "env file")
        return parse_env_text(text, path, lookup, raw=raw)
    except InputError as exc:
        if origin and origin[0] != path:     # say which compose file asked for this env file
            exc.notes = tuple(exc.notes) + (f"the env file is used at {origin[0]}:{origin[1]}:{origin[2]}",)
        raise
