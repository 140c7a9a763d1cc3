"""Hostile values for the escaping tests, and the compose text that carries them.

Shared by tests/test_escaping_quadlet.py (real Quadlet + systemd model) and
tests/test_escaping_shell.py (real dash and bash).
"""
from __future__ import annotations

from hypothesis import strategies as st

from hostile_util import yaml_quote
from podgen.load.shortforms import clean_target

# Characters that mean something to YAML, compose, Quadlet, systemd or a shell.
NASTY = list("%$\"'\\;{}()[]<>|&*?!#~`=:,. \t\n\r-/@^") + [
    "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x81", "\x85", "\x9f", "\xa0",
    "\u2028", "\ufeff", "é", "ß", "漢", "😀", "\U0010fffd",
]
WORDS = ["%%", "%h", "%n", "%t", "%", "$$", "$HOME", "${HOME}", "${PODGEN_EMPTY}", "$1", "${X:-y}", "\\n", "\\x41",
         "\\", "\\\\", "\"\"", "''", ";", "\\;", " ; ", "&&", "|", "$(id)", "`id`", "\n[Service]\nExecStartPre=/bin/evil",
         "\nExecStart=/bin/evil", "a\\\nb", "-", "--", "--rm", "=", "x=y", "#", "# comment", "  lead", "trail  ",
         "\"quoted\"", "'single'", "it's", "C:\\dir", "/", "//", "./x", "..", "~", "none", "NONE", "*", "!"]


def text(exclude: str = "\x00"):
    """Hostile text: nasty characters, nasty words and any other characters (never surrogates)."""
    return st.lists(st.one_of(st.sampled_from([c for c in NASTY if c not in exclude]), st.sampled_from(WORDS),
                              st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                                             blacklist_characters=exclude), max_size=4)),
                    max_size=8).map("".join)


# U+0080 is left out for Quadlet: it cannot carry it, so podgen refuses it (test_u0080_is_refused),
# and a refused value would take its whole service out of the check.
TEXT = text("\x00\x80")


@st.composite
def service_values(draw, text=TEXT):
    """The values of one service: env and label values, command, entrypoint, user, ..."""
    nonempty = text.filter(lambda s: s != "")
    # a path component: no '/', not '.'/'..' (bind sources must not move around)
    component = text.map(lambda s: s.replace("/", "_")).filter(lambda s: s not in ("", ".", ".."))
    return {
        "env": draw(st.lists(text, min_size=1, max_size=3)),
        "labels": draw(st.lists(text, max_size=2)),
        "command": draw(st.none() | st.lists(text, min_size=1, max_size=5)),
        "entrypoint": draw(st.none() | st.lists(text, min_size=1, max_size=3)),
        "user": draw(st.none() | nonempty),
        "working_dir": draw(st.none() | nonempty.map(lambda s: "/" + s)),
        "health": draw(st.none() | nonempty | st.lists(text, min_size=1, max_size=3)),
        "bind": draw(st.none() | st.tuples(component, nonempty)),
        "dns_search": draw(st.none() | nonempty),
    }


def empty_service() -> dict:
    return {"env": [], "labels": [], "command": None, "entrypoint": None, "user": None, "working_dir": None,
            "health": None, "bind": None, "dns_search": None}


def compose_text(services: list, bind_root: str, create_host_path: bool = False) -> str:
    q = yaml_quote
    lines = ["services:"]
    for i, v in enumerate(services):
        lines += [f"  s{i}:", "    image: docker.io/library/busybox:latest"]
        if v["env"]:
            lines.append("    environment:")
            lines += [f"      V{k}: {q(val)}" for k, val in enumerate(v["env"])]
        if v["labels"]:
            lines.append("    labels:")
            lines += [f"      l{k}: {q(val)}" for k, val in enumerate(v["labels"])]
        for key in ("command", "entrypoint"):
            if v[key] is not None:
                lines.append(f"    {key}: [{', '.join(q(w) for w in v[key])}]")
        for key in ("user", "working_dir", "dns_search"):
            if v[key] is not None:
                lines.append(f"    {key}: {q(v[key])}")
        if v["health"] is not None:
            test = ["CMD-SHELL", v["health"]] if isinstance(v["health"], str) else ["CMD"] + v["health"]
            lines.append(f"    healthcheck: {{test: [{', '.join(q(w) for w in test)}]}}")
        if v["bind"] is not None:
            src, dst = v["bind"]
            lines.append(f"    volumes: [{{type: bind, source: {q(bind_root + '/' + src)}, "
                         f"target: {q('/' + dst)}"
                         + (", bind: {create_host_path: true}" if create_host_path else "") + "}]")
    return "\n".join(lines) + "\n"


def expected_args(v: dict, bind_root: str) -> dict:
    """What podman must receive for one service (flag -> list of values, plus command/entrypoint)."""
    exp = {"env": {f"V{k}": val for k, val in enumerate(v["env"])},
           "labels": {f"l{k}": val for k, val in enumerate(v["labels"])},
           "command": v["command"] or [], "entrypoint": v["entrypoint"],
           "user": v["user"], "workdir": v["working_dir"], "dns_search": v["dns_search"]}
    if v["health"] is not None:
        exp["health"] = v["health"]        # a string (CMD-SHELL) or the list podman gets as JSON (CMD)
    if v["bind"] is not None:
        src, dst = v["bind"]
        exp["volume"] = f"{bind_root}/{src}:{clean_target('/' + dst)}"
    return exp


