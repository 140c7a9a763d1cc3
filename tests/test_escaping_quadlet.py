"""Property test: every value reaches podman unchanged through Quadlet 5.4.2 and systemd.

Hypothesis generates projects whose services carry hostile text (``%``, ``$``,
quotes, backslashes, ``;``, control characters, line breaks, unicode, empty
words...) in environment values, labels, command and entrypoint arguments,
user, working_dir, healthcheck commands (shell and exec form), bind-mount
paths and DNS search domains.  podgen converts each project to Quadlet units;
the **real Quadlet generator** turns them into services; ``systemd_exec``
interprets each ``ExecStart=`` (and podgen's own ``ExecStartPre=``) the way
systemd does; the argument podman would receive must equal the original value
byte for byte.  podgen may instead refuse a value, but only with a located
PG703 error and only for what Quadlet truly cannot carry (U+0080).

Each example is one project of up to 6 services, converted and generated in
one batch; the budget is fixed (``derandomize``) so CI is reproducible.
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))

from escaping_values import compose_text, empty_service, expected_args, service_values  # noqa: E402
from systemd_exec import exec_argv, podman_run_options  # noqa: E402

from realpodman import run_quadlet, split_dryrun  # noqa: E402

from podgen.api import Options, convert  # noqa: E402
from podgen.target import Target  # noqa: E402

pytestmark = pytest.mark.quadlet

def refusable(v: dict) -> bool:
    """What podgen may refuse for Quadlet: U+0080 anywhere, DEL in the (JSON, single-line) entrypoint."""
    values = list(v["env"]) + list(v["labels"]) + (v["command"] or []) + (v["entrypoint"] or [])
    values += [x for x in (v["user"], v["working_dir"], v["dns_search"]) if x is not None]
    values += [v["health"]] if isinstance(v["health"], str) else (v["health"] or [])
    values += list(v["bind"] or ())
    return any("\x80" in x for x in values) or any("\x7f" in x for x in (v["entrypoint"] or []))


def convert_batch(services: list, top: Path):
    """Convert; drop the services podgen refuses (checking that it may); return (files, kept)."""
    bind_root = str(top / "binds")
    kept = dict(enumerate(services))
    while kept:
        order = sorted(kept)
        # create_host_path: the unit creates the source first (ExecStartPre=, checked below)
        (top / "compose.yaml").write_text(compose_text([kept[i] for i in order], bind_root, True),
                                          encoding="utf-8")
        opts = Options(files=[str(top / "compose.yaml")], cwd=str(top), project_name="esc",
                       environ={"PATH": "/usr/bin:/bin", "HOME": "/home/pm"},
                       target=Target(podman=(5, 4, 0), rootless=True, unprivileged_port_start=1024))
        result = convert(opts, output_format="quadlet")
        refused = {d.service for d in result.diagnostics if d.code == "PG703"}
        if not refused:
            return result.files, {f"s{n}": kept[i] for n, i in enumerate(order)}
        for d in result.diagnostics:
            if d.code == "PG703":
                assert d.span.file and d.span.line, f"PG703 without a location: {d.message}"
        for name in refused:
            assert name is not None, [d.message for d in result.diagnostics if d.code == "PG703"]
            original = order[int(name[1:])]
            assert refusable(kept[original]), (
                f"podgen refused a value Quadlet can carry: "
                f"{[d.message for d in result.diagnostics if d.code == 'PG703' and d.service == name]}")
            del kept[original]
    return [], {}


# the short and long spelling of a flag (Quadlet writes -v, the PodmanArgs= fallback --volume=)
ALIASES = {b"-v": b"--volume", b"-w": b"--workdir", b"-e": b"--env", b"-u": b"--user", b"-l": b"--label"}


def values_of(opts, flag: bytes) -> list[str]:
    return [v.decode("utf-8") for f, v in opts if ALIASES.get(f, f) == flag]


def check_service(name: str, unit: str, v: dict, bind_root: str):
    commands = exec_argv(unit, "ExecStart")
    assert len(commands) == 1, f"{name}: ExecStart= holds {len(commands)} commands: {commands!r}"
    opts, image, cmd = podman_run_options(commands[0])
    exp = expected_args(v, bind_root)
    assert image == b"docker.io/library/busybox:latest"
    env = dict(e.split("=", 1) for e in values_of(opts, b"--env"))
    assert env == exp["env"]
    labels = dict(lb.split("=", 1) for lb in values_of(opts, b"--label"))
    assert {k: labels.get(k) for k in exp["labels"]} == exp["labels"]
    assert set(labels) == set(exp["labels"]) | {"com.docker.compose.project", "com.docker.compose.service"}
    assert [c.decode("utf-8") for c in cmd] == exp["command"]
    entry = values_of(opts, b"--entrypoint")
    assert (json.loads(entry[0]) if entry else None) == exp["entrypoint"]
    assert values_of(opts, b"--user") == ([exp["user"]] if exp["user"] is not None else [])
    assert values_of(opts, b"--workdir") == ([exp["workdir"]] if exp["workdir"] is not None else [])
    assert values_of(opts, b"--dns-search") == ([exp["dns_search"]] if exp["dns_search"] is not None else [])
    health = values_of(opts, b"--health-cmd")
    if "health" not in exp:
        assert health == []
    elif isinstance(exp["health"], str):
        assert health == [exp["health"]]
    else:
        assert len(health) == 1 and json.loads(health[0]) == exp["health"], health
    assert values_of(opts, b"--volume") == ([exp["volume"]] if "volume" in exp else [])
    # podgen's own ExecStartPre= lines (not re-quoted by Quadlet): one command each, nothing more;
    # the bind source is created by a fixed script that gets the path, byte for byte, as $1
    pres = exec_argv(unit, "ExecStartPre")
    for pre in pres:
        assert pre[0].startswith(b"/usr/bin/") or pre[:4] == MKDIR_ARGV, pre
    made = [pre[4].decode("utf-8") for pre in pres if pre[:4] == MKDIR_ARGV]
    assert made == ([f"{bind_root}/{v['bind'][0]}"] if v["bind"] is not None else []), made


MKDIR_ARGV = [b"/bin/sh", b"-c", b'[ -e "$1" ] || mkdir -p "$1"', b"mkdir"]


SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


@SETTINGS
@given(services=st.lists(service_values(), min_size=1, max_size=6))
def test_values_reach_podman_unchanged(quadlet_generator, services):
    with tempfile.TemporaryDirectory(prefix="podgen-esc-") as tmp:
        top = Path(tmp)
        files, kept = convert_batch(services, top)
        if not kept:
            return
        res = run_quadlet(quadlet_generator, files, top / "units")
        generated = split_dryrun(res.stdout)
        for name, v in kept.items():
            unit = generated.get(f"esc-{name}.service")
            assert unit is not None, f"Quadlet generated no esc-{name}.service: {res.stderr[-2000:]}"
            check_service(name, unit, v, str(top / "binds"))


# A fixed battery that must always pass, whatever Hypothesis draws (also the e2e test's input).
BATTERY = [
    "%", "%%", "%h", "%n%N%t", "$", "$$", "$HOME", "${HOME}", "$${HOME}", "${PODGEN_EMPTY}", "${PODGEN_SEMICOLON}",
    ";", "\\;", "a;b", "; /bin/false", "\"", "'", "\"\"", "''", "\\", "\\\\", "\\n", "\\x41", "\\u00e9", "\\101",
    "a b", "  ", "\t", "\n", "\r\n", "line1\nline2", "\nExecStartPre=/bin/false", "\n[Service]\nUser=root",
    "\x01\x07\x1b\x1f", "\x7f", "\x85", "\xa0", "\u2028", "é", "漢字", "😀", "=", "a=b=c", "#not a comment",
    "-", "--rm", "it's \"quoted\" \\ %s $1", "",
]


@pytest.mark.parametrize("form", ["command", "env", "label"])
def test_battery(quadlet_generator, form):
    with tempfile.TemporaryDirectory(prefix="podgen-esc-") as tmp:
        top = Path(tmp)
        services = []
        for value in BATTERY:
            v = empty_service()
            if form == "command":
                v["command"] = ["echo", value, value]
            elif form == "env":
                v["env"] = [value]
            else:
                v["labels"] = [value]
            services.append(v)
        files, kept = convert_batch(services, top)
        assert len(kept) == len(services), "podgen refused a battery value"
        res = run_quadlet(quadlet_generator, files, top / "units")
        generated = split_dryrun(res.stdout)
        for name, v in kept.items():
            check_service(name, generated[f"esc-{name}.service"], v, str(top / "binds"))


@pytest.mark.parametrize("field,text", [
    ("command", "    command: [echo, \"a\\x80b\"]\n"),
    ("environment", "    environment: {A: \"\\x80\"}\n"),
    ("user", "    user: \"u\\x80\"\n"),
    ("volumes", "    volumes: [\"/srv/\\x80:/d\"]\n"),
])
def test_u0080_is_refused(tmp_path, field, text):
    """Quadlet writes U+0080 as the byte \\x80 (not the character): refused, located, nothing written."""
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n" + text, encoding="utf-8")
    opts = Options(files=[str(tmp_path / "compose.yaml")], cwd=str(tmp_path), project_name="esc",
                   environ={"PATH": "/usr/bin:/bin", "HOME": "/home/pm"}, target=Target(podman=(5, 4, 0)))
    errors = [d for d in convert(opts).diagnostics if d.code == "PG703"]
    assert len(errors) == 1 and "U+0080" in errors[0].message, errors
    assert errors[0].span.line == 4, errors[0].span
    script = convert(opts, output_format="script")          # a script carries it unchanged
    assert not [d for d in script.diagnostics if d.code == "PG703"]


@pytest.mark.parametrize("field,text", [
    ("command", "    command: [echo, \"a${RAW}\"]\n"),
    ("environment", "    environment: {A: \"${RAW}\"}\n"),
    ("labels", "    labels: {l: \"${RAW}\"}\n"),
    ("volumes", "    volumes: [\"/srv/${RAW}:/d\"]\n"),
])
def test_undecodable_bytes_are_refused(tmp_path, field, text):
    """Bytes that are not UTF-8 (os.environ keeps them as surrogates) cannot go into a unit: systemd
    skips a line that is not UTF-8.  Refused and located, not written and not a crash."""
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: busybox\n" + text, encoding="utf-8")
    opts = Options(files=[str(tmp_path / "compose.yaml")], cwd=str(tmp_path), project_name="esc",
                   environ={"PATH": "/usr/bin:/bin", "HOME": "/home/pm", "RAW": "x\udcffy"},
                   target=Target(podman=(5, 4, 0)))
    result = convert(opts)
    errors = [d for d in result.diagnostics if d.code == "PG703"]
    assert len(errors) == 1 and "UTF-8" in errors[0].message, errors
    assert errors[0].span.line == 4, errors[0].span
    for f in result.files:              # what is rendered anyway (comments) is valid UTF-8
        f.text.encode("utf-8")
