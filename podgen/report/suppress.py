"""Inline suppressions: ``# podgen: ignore[PG101]`` on the line or the line above.

* ``# podgen: ignore[PG101]`` at the end of a line silences PG101 there;
* the same comment on a line of its own silences the next line with content
  (several such comment lines stack);
* ``# podgen: ignore[PG101,PG103]`` lists several codes; rule names work too
  (``ignore[privileged-port]``);
* ``# podgen: ignore`` without a list silences every code.

Only real YAML comments count: a ``#`` inside a quoted string or glued to a
word (``a#b``) is not a comment.
"""
from __future__ import annotations

import re

_DIRECTIVE = re.compile(r"podgen:\s*ignore(?:\[([^\]]*)\])?(?![\w\[-])")
_CODE = re.compile(r"PG[0-9]{3}\Z")
_cache: dict = {}


def comment_start(line: str) -> int:
    """Index of the ``#`` that starts the YAML comment of *line*, or -1."""
    quote = None
    prev = " "
    i = 0
    while i < len(line):
        ch = line[i]
        if quote == '"':
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                quote = None
        elif quote == "'":
            if ch == "'":
                if line[i + 1:i + 2] == "'":
                    i += 2
                    continue
                quote = None
        elif ch in "\"'" and (prev.isspace() or prev in ":-[{,?"):
            quote = ch
        elif ch == "#" and prev.isspace():
            return i
        prev = ch
        i += 1
    return -1


def _codes(text: str | None):
    """None (every code) or the set of codes a directive lists (names resolved to codes)."""
    if text is None:
        return None
    out = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if _CODE.match(part.upper()):
            out.add(part.upper())
            continue
        from podgen.rules import get
        rule = get(part)
        out.add(rule.code if rule is not None else part.upper())
    return out


_NONE = object()


def _directive(line: str):
    """_NONE when *line* has no directive in its comment, else what ``_codes`` returns."""
    at = comment_start(line)
    if at < 0:
        return _NONE
    m = _DIRECTIVE.search(line, at)
    return _NONE if m is None else _codes(m.group(1))


def directives(text: str) -> dict:
    """Line number (1-based) -> None (every code) or the set of codes silenced on that line."""
    out: dict = {}
    if "podgen:" not in text:
        return out
    pending: list = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        found = _directive(line) if "podgen:" in line else _NONE
        if stripped.startswith("#"):        # a comment line: applies to the next line with content
            if found is not _NONE:
                pending.append(found)
            continue
        if not stripped:
            continue
        for codes in pending:
            _add(out, number, codes)
        pending = []
        if found is not _NONE:
            _add(out, number, found)
    return out


def _add(table: dict, line: int, codes):
    if codes is None or table.get(line, set()) is None:
        table[line] = None
        return
    table.setdefault(line, set()).update(codes)


def suppressed(diag, sources: dict) -> bool:
    path = diag.span.file
    text = sources.get(path)
    if text is None or not diag.span.line:
        return False
    entry = _cache.get(path)
    if entry is None or (entry[0] is not text and entry[0] != text):
        entry = _cache[path] = (text, directives(text))
    table = entry[1]
    if diag.span.line not in table:
        return False
    codes = table[diag.span.line]
    return codes is None or diag.code in codes
