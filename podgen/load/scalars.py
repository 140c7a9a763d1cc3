"""YAML scalars as Docker Compose reads them (go-yaml v3), and as it prints them.

``resolve_plain`` gives an unquoted scalar its type (null, bool, int in Go's
forms, float, else text); ``resolve_tagged`` applies an explicit tag
(``!!str``, ``!!int`` ...; compose's merge tags ``!reset``/``!override`` are
``MERGE_TAGS``); ``scalar_text`` prints a value back as Go's fmt does
(1 -> "1", true -> "true").  Used by ``yamlload`` (the composer's hot path)
and by every later step of loading.
"""
from __future__ import annotations

import re

from podgen.errors import InputError

_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_TRUE = frozenset(("true", "True", "TRUE"))
_FALSE = frozenset(("false", "False", "FALSE"))
_INF = {".inf": float("inf"), ".Inf": float("inf"), ".INF": float("inf"),
        "+.inf": float("inf"), "+.Inf": float("inf"), "+.INF": float("inf"),
        "-.inf": float("-inf"), "-.Inf": float("-inf"), "-.INF": float("-inf")}
_NAN = frozenset((".nan", ".NaN", ".NAN"))
_FLOAT_RE = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
NUMBER_START = frozenset("0123456789+-.")
PLAIN_WORDS = _NULLS | _TRUE | _FALSE   # plain scalars that are not text
# every character of the numbers, .inf and .nan forms below (0x1F, 0o17, 0b1, 1_000, -1.5e3, .NaN)
_NUMBER_CHARS = frozenset("0123456789_+-.xXoObBeEaAcCdDfFiInN")


def _parse_go_int(text: str):
    """strconv.ParseInt(text, 0, 64) as go-yaml v3 calls it: 0x, 0o, 0b, 0-octal."""
    s = text
    sign = 1
    if s[:1] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if not s:
        return None
    base = 10
    low = s[:2].lower()
    if low == "0x":
        base, s = 16, s[2:]
    elif low == "0o":
        base, s = 8, s[2:]
    elif low == "0b":
        base, s = 2, s[2:]
    elif len(s) > 1 and s[0] == "0":
        base, s = 8, s[1:]
    if not s or not s.isascii() or not s.isalnum():
        return None
    try:
        return sign * int(s, base)
    except ValueError:
        return None


def resolve_plain(text: str):
    """Type of an untagged plain scalar, as go-yaml v3 decodes it into `any`."""
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text[0] not in NUMBER_START or not _NUMBER_CHARS.issuperset(text):
        return text     # e.g. ./data:/data or 10s: no number, infinity or NaN has these characters
    plain = text.replace("_", "")
    value = _parse_go_int(plain) if plain else None
    if value is not None:
        return value
    if _FLOAT_RE.match(plain):
        return float(plain)
    if text in _INF:
        return _INF[text]
    if text in _NAN:
        return float("nan")
    return text


# Compose's merge tags: `!reset` drops what earlier files (or documents) set at that place,
# `!override` replaces it instead of merging (compose-go's ResetProcessor)
MERGE_TAGS = frozenset(("!reset", "!override"))


def resolve_tagged(tag: str, text: str, pos):
    if tag in ("tag:yaml.org,2002:str", "!"):
        return text
    if tag == "tag:yaml.org,2002:int":
        value = _parse_go_int(text.replace("_", ""))
        if value is None:
            raise InputError(f"cannot decode {text!r} as !!int", pos,
                             hint="write a whole number, or remove the !!int tag")
        return value
    if tag == "tag:yaml.org,2002:float":
        try:
            return float(text.replace("_", ""))
        except ValueError:
            raise InputError(f"cannot decode {text!r} as !!float", pos,
                             hint="write a number, or remove the !!float tag") from None
    if tag == "tag:yaml.org,2002:bool":
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise InputError(f"cannot decode {text!r} as !!bool", pos,
                         hint="write true or false, or remove the !!bool tag")
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"):
        return text
    raise InputError(f"unsupported YAML tag {tag}", pos,
                     hint="Compose files use plain YAML (and !reset / !override); remove the tag")


# --- text handling -----------------------------------------------------------


def scalar_text(value) -> str:
    """A YAML scalar as Go's fmt prints it in compose (1 -> "1", true -> "true")."""
    if type(value) is str:      # most are text already
        return value
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        if value == int(value) and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    return str(value)
