"""How systemd turns an ``ExecStart=`` line into the argv of a program (a faithful model).

The escaping tests (tests/test_escaping_*.py) need to know what podman would
receive from a unit Quadlet generated, without starting systemd for every
value.  This module interprets a command line the way systemd 257 does
(systemd.service(5) "COMMAND LINES", systemd.unit(5) "SPECIFIERS",
``config_parse_exec``, ``extract_first_word``, ``cunescape_one``,
``replace_env_argv``), in this order:

1. specifiers, when the unit is loaded: ``%%`` -> ``%``, ``%n``/``%N``/``%t``...
   from the table given; an unknown specifier is an error (systemd refuses
   the unit), a trailing lone ``%`` is kept;
2. splitting into words: whitespace separates, ``"..."`` and ``'...'`` quote
   (and may appear anywhere in a word), C escapes (``\\n``, ``\\t``, ``\\xNN``,
   ``\\uNNNN``, ``\\NNN`` octal, ...) are undone inside and outside quotes,
   unknown escapes are kept as they are; ``\\xNN`` and octal escapes give raw
   bytes; an unquoted word that is exactly ``;`` ends the command and a
   following word starts another one, ``\\;`` is a literal ``;``;
3. the optional executable prefixes (``-``, ``@``, ``:``, ``+``, ``!``);
4. environment variables, when the command runs: a word that is exactly
   ``$NAME`` becomes the variable's value split at whitespace (zero or more
   words), ``${NAME}`` anywhere in a word becomes its value as it is (an
   unset variable gives ""), ``$$`` is ``$``; any other ``$`` stays.

Everything works on bytes, like systemd, so a ``\\x80`` that is not the
character U+0080 shows up as the byte it is.  ``test_escaping_systemd.py``
(an e2e test) checks this model against a real systemd 257 with a fixed
battery of nasty values.
"""
from __future__ import annotations

import re

WHITESPACE = b" \t\n\r"
DEFAULT_SPECIFIERS = {
    "n": "UNIT.service", "N": "UNIT", "p": "UNIT", "P": "UNIT", "i": "", "I": "", "j": "UNIT", "J": "UNIT",
    "t": "/run/user/1000", "T": "/tmp", "V": "/var/tmp", "h": "/home/pm", "u": "pm", "U": "1000",
    "g": "pm", "G": "1000", "s": "/bin/sh", "S": "/home/pm/.local/state", "C": "/home/pm/.cache",
    "E": "/home/pm/.config", "L": "/home/pm/.local/state/log", "H": "host", "l": "host", "q": "host",
    "m": "0" * 32, "b": "1" * 32, "o": "0" * 32, "v": "6.1.0", "a": "x86-64", "w": "13", "W": "",
    "A": "", "B": "", "M": "", "y": "/path/UNIT.service", "Y": "/path", "f": "/UNIT", "d": "/creds",
}


class ExecError(ValueError):
    """systemd would refuse the line (or podgen wrote something it never should)."""


def expand_specifiers(text: str, table: dict | None = None) -> str:
    table = DEFAULT_SPECIFIERS if table is None else table
    out = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= n:
            out.append("%")            # systemd copies a trailing lone '%'
            break
        nxt = text[i + 1]
        if nxt == "%":
            out.append("%")
        elif nxt in table:
            out.append(table[nxt])
        else:
            raise ExecError(f"unknown specifier %{nxt}")
        i += 2
    return "".join(out)


_HEX = b"0123456789abcdefABCDEF"


def _cunescape_one(data: bytes, i: int):
    """(length consumed after the backslash, bytes) for the escape at data[i:], or None."""
    if i >= len(data):
        return None
    c = data[i:i + 1]
    simple = {b"a": b"\a", b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v",
              b"\\": b"\\", b'"': b'"', b"'": b"'", b"s": b" "}
    if c in simple:
        return 1, simple[c]
    if c == b"x":
        h = data[i + 1:i + 3]
        if len(h) < 2 or any(b not in _HEX for b in h):
            return None
        v = int(h, 16)
        if v == 0:
            return None
        return 3, bytes([v])                       # eight-bit: a raw byte, not a character
    if c in (b"u", b"U"):
        width = 4 if c == b"u" else 8
        h = data[i + 1:i + 1 + width]
        if len(h) < width or any(b not in _HEX for b in h):
            return None
        v = int(h, 16)
        if v == 0 or v > 0x10FFFF:
            return None
        return 1 + width, chr(v).encode("utf-8", "surrogatepass")
    if c in b"01234567" and c:
        o = data[i:i + 3]
        if len(o) < 3 or any(b not in b"01234567" for b in o):
            return None
        v = int(o, 8)
        if v == 0 or v > 255:
            return None
        return 3, bytes([v])
    return None


def _extract_word(data: bytes, i: int):
    """systemd extract_first_word(UNQUOTE|CUNESCAPE|UNESCAPE_RELAX) from data[i:]: (word|None, next i)."""
    n = len(data)
    while i < n and data[i] in WHITESPACE:
        i += 1
    if i >= n:
        return None, i
    out = bytearray()
    quote = 0
    while i < n:
        c = data[i]
        if c == 0x5C:  # backslash
            esc = _cunescape_one(data, i + 1)
            if esc is not None:
                used, value = esc
                out += value
                i += 1 + used
            elif i + 1 < n:
                out += data[i:i + 2]            # unknown escape: kept (UNESCAPE_RELAX)
                i += 2
            else:
                out += b"\\"                    # trailing backslash: kept
                i += 1
            continue
        if quote:
            if c == quote:
                quote = 0
            else:
                out.append(c)
            i += 1
            continue
        if c in (0x22, 0x27):
            quote = c
            i += 1
            continue
        if c in WHITESPACE:
            break
        out.append(c)
        i += 1
    if quote:
        raise ExecError("unbalanced quotes")
    return bytes(out), i


def split_commands(line: str, specifiers: dict | None = None) -> list[tuple[str, list[bytes]]]:
    """An ``ExecStart=`` value -> [(prefixes, [argv0, arg1, ...]), ...] (one entry per command)."""
    data = expand_specifiers(line, specifiers).encode("utf-8", "surrogateescape")
    commands = []
    i, n = 0, len(data)
    while True:
        while i < n and data[i] in WHITESPACE:
            i += 1
        if i >= n:
            break
        first, i = _extract_word(data, i)
        if first is None:
            break
        if first == b";":
            continue
        m = re.match(rb"^([-@:+!|]*)(.*)$", first, re.S)
        prefixes, argv0 = m.group(1).decode(), m.group(2)
        args = [argv0]
        while True:
            while i < n and data[i] in WHITESPACE:
                i += 1
            if i >= n:
                break
            if data[i:i + 1] == b";" and (i + 1 >= n or data[i + 1] in WHITESPACE):
                i += 1
                break
            if data[i:i + 2] == b"\\;" and (i + 2 >= n or data[i + 2] in WHITESPACE):
                args.append(b";")
                i += 2
                continue
            word, i = _extract_word(data, i)
            if word is None:
                break
            args.append(word)
        commands.append((prefixes, args))
    return commands


_NAME = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


def expand_env(args: list[bytes], env: dict) -> list[bytes]:
    """systemd replace_env_argv: what the program gets after variables are substituted."""
    benv = {k.encode(): v.encode("utf-8", "surrogateescape") for k, v in env.items()}
    out: list[bytes] = []
    for k, word in enumerate(args):
        if k > 0 and word[:1] == b"$" and word[1:2] not in (b"{", b"$"):
            name = word[1:]
            if not _NAME.fullmatch(name):
                raise ExecError(f"word {word!r} is an unescaped $ (systemd would drop or split it)")
            value = benv.get(name, b"")
            out.extend(w for w in re.split(rb"[ \t\n\r]+", value) if w)
            continue
        out.append(_replace_env(word, benv))
    return out


def _replace_env(word: bytes, env: dict) -> bytes:
    out = bytearray()
    i, n = 0, len(word)
    while i < n:
        c = word[i:i + 1]
        if c != b"$":
            out += c
            i += 1
            continue
        nxt = word[i + 1:i + 2]
        if nxt == b"$":
            out += b"$"
            i += 2
        elif nxt == b"{":
            end = word.find(b"}", i + 2)
            if end < 0:
                raise ExecError(f"unterminated ${{ in {word!r}")
            name = word[i + 2:end]
            if not _NAME.fullmatch(name):
                raise ExecError(f"${{{name!r}}} in {word!r} is not a plain variable reference")
            out += env.get(name, b"")
            i = end + 1
        else:
            out += b"$"
            i += 1
    return bytes(out)


def parse_environment(values: list[str], specifiers: dict | None = None) -> dict:
    """``Environment=`` lines of a unit -> {name: value} (later assignments win)."""
    env: dict = {}
    for line in values:
        data = expand_specifiers(line, specifiers).encode("utf-8", "surrogateescape")
        i = 0
        while True:
            word, i = _extract_word(data, i)
            if word is None:
                break
            name, eq, value = word.partition(b"=")
            if not eq:
                raise ExecError(f"Environment= word {word!r} has no '='")
            env[name.decode()] = value.decode("utf-8", "surrogateescape")
    return env


def unit_values(unit_text: str, section: str, key: str) -> list[str]:
    """Values of ``key=`` in ``[section]`` of a unit file (systemd's line rules: no continuation)."""
    current = None
    out = []
    ws = " \t\r\n"      # systemd strips ASCII whitespace only (str.strip() would also eat U+0085...)
    for raw in unit_text.split("\n"):
        line = raw.strip(ws)
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            continue
        if current == section and "=" in line:
            k, v = line.split("=", 1)
            if k.strip(ws) == key:
                out.append(v.strip(ws))
    return out


def exec_argv(unit_text: str, key: str = "ExecStart", specifiers: dict | None = None,
              extra_env: dict | None = None) -> list[list[bytes]]:
    """Every ``key=`` command of ``[Service]`` as the argv it runs with (one list per command)."""
    env = dict(extra_env or {})
    env.update(parse_environment(unit_values(unit_text, "Service", "Environment"), specifiers))
    out = []
    for line in unit_values(unit_text, "Service", key):
        for _prefixes, args in split_commands(line, specifiers):
            out.append(expand_env(args, env))
    return out


# --- what podman makes of its arguments -----------------------------------------------------

BOOLEAN_FLAGS = frozenset((b"-d", b"--detach", b"--rm", b"--replace", b"--init", b"--read-only", b"--privileged",
                           b"--tty", b"-t", b"--interactive", b"-i", b"--ignore", b"--oom-kill-disable"))


def podman_run_options(argv: list[bytes]):
    """``podman run OPTIONS IMAGE CMD...`` -> ([(flag, value|None), ...], image, [cmd...])."""
    if argv[:2] != [b"/usr/bin/podman", b"run"]:
        raise ExecError(f"not a podman run command: {argv[:3]!r}")
    opts = []
    i = 2
    while i < len(argv):
        a = argv[i]
        if not a.startswith(b"-"):
            return opts, a, argv[i + 1:]
        if a.startswith(b"--") and b"=" in a:
            flag, _, value = a.partition(b"=")
            opts.append((flag, value))
            i += 1
        elif a in BOOLEAN_FLAGS:
            opts.append((a, None))
            i += 1
        else:
            if i + 1 >= len(argv):
                raise ExecError(f"option {a!r} without a value")
            opts.append((a, argv[i + 1]))
            i += 2
    raise ExecError("no image in podman run command")
