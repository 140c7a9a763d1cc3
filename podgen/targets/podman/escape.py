"""Escaping values for systemd/Quadlet unit files and for POSIX sh.

A value from a compose file must reach the container byte for byte.  On its
way into a Quadlet unit it crosses three parsers:

1. Quadlet reads the key with one of five lookup kinds (single value, one
   argument per line, word list, exec-style arguments, key=value list); only
   the last two split words and undo C escapes.
2. Quadlet writes ``ExecStart=`` for the generated service, re-quoting each
   argument, but leaves ``%`` and ``$`` alone.
3. systemd expands ``%`` specifiers when it loads ``ExecStart=`` and ``$VAR``
   when it runs it: ``%%`` and ``$$`` are the literal forms.

So every value is first escaped for step 3, then written in the form its
lookup kind needs.  What cannot be written (a newline in a single-value key,
an empty argument in ``Exec=``) is reported, never mangled.

Two things Quadlet 5.4 gets wrong when it re-quotes for step 2, so they are
refused here (``Exec=`` writes them as a variable instead, see
``podgen.targets.podman.quadlet.EXEC_WORD_VARS``):

* an argument that is exactly ``;`` is written unquoted, and a lone ``;`` in
  ``ExecStart=`` ends the command: the following words would run as a second
  command (``Type=oneshot`` units accept several);
* U+0080 is written ``\\x80``, which systemd turns into the single byte 0x80,
  not the character (every other non-ASCII character is written as it is).

Bytes that are not UTF-8 (from an environment variable, which Python decodes
with ``surrogateescape``) cannot go into a unit either: systemd ignores a line
that is not UTF-8.  A shell script carries them unchanged (files are written
with ``surrogateescape``).
"""
from __future__ import annotations

import re

# Fast paths (one regex scan instead of a Python loop per character); the loops
# below still decide what to say or write when one of these characters is there.
_CONTROL_BUT_TAB = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
_C_SPECIAL = re.compile('["\\\\\x00-\x1f\x7f]')     # what _c_quote escapes
# what check_raw_line must look at: control characters but tab, U+0080, undecodable bytes
_RAW_LINE_SUSPECT = re.compile("[\x00-\x08\x0a-\x1f\x7f\x80\ud800-\udfff]")
_NOT_UTF8 = re.compile("[\ud800-\udfff]")
_NOT_UTF8_WHY = ("is not valid UTF-8 (undecodable bytes, e.g. from an environment variable), "
                 "and systemd ignores a unit line that is not UTF-8")


class Verbatim(str):
    """Text that is already escaped for systemd (e.g. contains a deliberate ``%h``)."""

    __slots__ = ()


class Unrepresentable(ValueError):
    """The value cannot be written for this key kind."""


def systemd_escape(value: str) -> str:
    """``%`` -> ``%%`` and ``$`` -> ``$$`` (idempotent for Verbatim text)."""
    if isinstance(value, Verbatim):
        return str(value)
    return value.replace("%", "%%").replace("$", "$$")


def specifier_escape(value: str) -> str:
    """For keys systemd reads with specifiers but without $ expansion (Description=)."""
    return value.replace("%", "%%")


_SAFE_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=:,./@%$")
_SAFE_WORD_RE = re.compile(r"[a-zA-Z0-9_\-+=:,./@%$]*\Z")   # all(ch in _SAFE_WORD ...)
# Fast paths for the common values, each a subset of what the checks below accept unchanged:
# a non-empty safe word without % or $ (quote_word returns it as it is), and printable ASCII
# that neither starts nor ends with a space nor ends with a backslash (check_raw_line accepts it)
_PLAIN_WORD_RE = re.compile(r"[a-zA-Z0-9_\-+=:,./@]+\Z")
_PLAIN_LINE_RE = re.compile(r"(?! )[ -~]*[!-\[\]-~]\Z")


def _c_quote(text: str) -> str:
    if _C_SPECIAL.search(text) is None:
        return '"' + text + '"'
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_SEMICOLON = "a lone ';' argument ends the command in ExecStart=, and Quadlet writes it unquoted"
_U0080 = "Quadlet writes U+0080 as the byte \\x80 in ExecStart=, which is not the same character"


def quote_word(value: str) -> str:
    """One argument for exec-style and key=value keys (systemd word splitting + C escapes)."""
    if _PLAIN_WORD_RE.match(value) is not None:
        return value
    if value == "":
        raise Unrepresentable("an empty argument is dropped by Quadlet's argument parsing")
    if "\x00" in value:
        raise Unrepresentable("a NUL byte cannot be passed to a program")
    if value == ";":
        raise Unrepresentable(_SEMICOLON)
    if "\x80" in value:
        raise Unrepresentable(_U0080)
    if _NOT_UTF8.search(value) is not None:
        raise Unrepresentable("the argument " + _NOT_UTF8_WHY)
    text = systemd_escape(value)
    if _SAFE_WORD_RE.match(text):
        return text
    return _c_quote(text)


def quote_words(values) -> str:
    return " ".join(quote_word(v) for v in values)


def check_raw_line(value: str, what: str = "value") -> None:
    """Raise Unrepresentable if *value* cannot be written raw after ``Key=``."""
    if _PLAIN_LINE_RE.match(value) is not None and value != ";":
        return
    if _RAW_LINE_SUSPECT.search(value) is not None:
        if _NOT_UTF8.search(value) is not None:
            raise Unrepresentable(f"the {what} {_NOT_UTF8_WHY}")
        if "\n" in value or "\r" in value:
            raise Unrepresentable(f"the {what} contains a line break")
        if "\x00" in value:
            raise Unrepresentable(f"the {what} contains a NUL byte")
        if any(ord(ch) < 0x20 and ch != "\t" for ch in value) or "\x7f" in value:
            raise Unrepresentable(f"the {what} contains a control character")
    if value != value.strip():
        raise Unrepresentable(f"the {what} starts or ends with whitespace, which unit files drop")
    if value.endswith("\\"):
        raise Unrepresentable(f"the {what} ends with a backslash, which continues the line in unit files")
    if value == ";":
        raise Unrepresentable(_SEMICOLON)
    if "\x80" in value:
        raise Unrepresentable(_U0080)


def single_value(value: str, *, strips_quotes: bool = True) -> str:
    """A value for a single-value key (Image=, User=, HealthCmd=, ...): raw, not quoted.

    Quadlet 5.0+ strips leading and trailing double quotes from such values.
    """
    check_raw_line(value)
    if strips_quotes and (value.startswith('"') or value.endswith('"')):
        raise Unrepresentable("the value starts or ends with a double quote, which Quadlet strips")
    return systemd_escape(value)


def line_value(value: str) -> str:
    """A value for a one-argument-per-line key (Volume=, PublishPort=, Network=, ...)."""
    check_raw_line(value)
    return systemd_escape(value)


def word_value(value: str) -> str:
    """One item of a word-list key (AddCapability=, Sysctl=, AddDevice=, ...)."""
    if value == "" or any(ch.isspace() for ch in value) or any(ch in value for ch in "\"'\\"):
        raise Unrepresentable("word-list keys split on whitespace and strip quotes")
    check_raw_line(value)
    return systemd_escape(value)


def comment(text: str) -> str:
    """One-line comment text: control characters are shown escaped, never emitted raw."""
    text = str(text)
    if _COMMENT_SPECIAL.search(text) is None:
        return text
    out = []
    for ch in text:
        if ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        elif 0xD800 <= ord(ch) <= 0xDFFF:     # an undecodable byte (surrogateescape) or a lone surrogate
            out.append(f"\\x{ord(ch) & 0xFF:02x}" if 0xDC80 <= ord(ch) <= 0xDCFF else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


_COMMENT_SPECIAL = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


# --- POSIX shell ------------------------------------------------------------------------

def shell_quote(value: str) -> str:
    """Single-quote for sh: everything is literal inside '...' except ' itself."""
    if value == "":
        return "''"
    if _SHELL_SAFE_RE.match(value):
        return value
    return "'" + value.replace("'", "'\\''") + "'"


_SHELL_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=:,./@%")
_SHELL_SAFE_RE = re.compile(r"[a-zA-Z0-9_\-+=:,./@%]*\Z")   # all(ch in _SHELL_SAFE ...)


def shell_words(values) -> str:
    return " ".join(shell_quote(v) for v in values)
