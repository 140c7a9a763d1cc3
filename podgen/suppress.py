"""Inline suppressions: ``# podgen: ignore[PG101]`` on the line or the line above.

``# podgen: ignore`` without codes silences every code on that line.
"""
from __future__ import annotations

import re

_PATTERN = re.compile(r"#\s*podgen:\s*ignore(?:\[([A-Za-z0-9_,\s-]*)\])?")
_cache: dict = {}


def _directives(text: str) -> dict:
    out = {}
    if "podgen:" not in text:
        return out
    for number, line in enumerate(text.splitlines(), start=1):
        m = _PATTERN.search(line)
        if not m:
            continue
        codes = m.group(1)
        out[number] = None if codes is None else {c.strip().upper() for c in codes.split(",") if c.strip()}
    return out


def suppressed(diag, sources: dict) -> bool:
    path = diag.span.file
    text = sources.get(path)
    if text is None or not diag.span.line:
        return False
    key = (path, id(text))
    table = _cache.get(key)
    if table is None:
        table = _cache[key] = _directives(text)
    if not table:
        return False
    for line in (diag.span.line, diag.span.line - 1):
        if line in table:
            codes = table[line]
            if codes is None or diag.code in codes:
                return True
    return False
