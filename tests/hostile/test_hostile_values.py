"""Values with newlines, %, $, quotes, backslashes and ; never add a directive or a command.

Each hostile value goes into one compose key at a time (environment, labels,
command, entrypoint, user, working_dir, hostname, healthcheck, image, bind
paths, tmpfs, dns, extra_hosts, secrets target, logging options, ...).  For
Quadlet, podgen either refuses it (PG703, located, nothing written) or writes
units whose *structure* - the sections and keys, line by line - is exactly
that of the same project with a harmless value: the value stayed inside its
line.  For the script, the same project must run the same sequence of podman
commands under ``sh`` (dash) as the harmless one.

(That the values also arrive unchanged is what tests/test_escaping_*.py check
with Hypothesis, the real Quadlet and real shells.)
"""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from hostile_util import FAKE_PODMAN, cli, read_argv_dump, snapshot, write, yaml_quote

HOSTILE = [
    "a\nb", "x\nExecStartPre=/bin/sh -c 'touch /tmp/pwned'", "\n[Service]\nExecStart=/bin/evil", "\r\nUser=root",
    "%h%n%t%%", "100%", "$HOME ${HOME} $$ $(id) `id`", "'", "\"", "\"quoted\"", "back\\slash\\", "\\",
    "a;b", ";", "; rm -rf ~", "&& touch pwned", "| sh", "#comment", "  spaced  ", "\t", "\x1b[31m", "\x7f",
    "é ✓ 😀", "\u2028\u2029\x85", "--privileged", "-v /:/host", "=", "",
]
IDS = [repr(v)[1:-1][:20] or "empty" for v in HOSTILE]

BASE = "services:\n  web:\n    image: docker.io/library/busybox:latest\n"
FIELDS = {
    "env-value": "    environment:\n      V: {v}\n",
    "label-value": "    labels:\n      l: {v}\n",
    "annotation-value": "    annotations:\n      a: {v}\n",
    "command": "    command: [echo, {v}, {v}]\n",
    "command-string": "    command: {v}\n",
    "entrypoint": "    entrypoint: [{v}]\n",
    "user": "    user: {v}\n",
    "working_dir": "    working_dir: {v}\n",
    "hostname": "    hostname: {v}\n",
    "health-shell": "    healthcheck:\n      test: {v}\n",
    "health-exec": "    healthcheck:\n      test: [CMD, {v}]\n",
    "image": None,
    "bind-source": "    volumes: [{{type: bind, source: {v}, target: /data}}]\n",
    "bind-target": "    volumes: [{{type: bind, source: /srv, target: {v}}}]\n",
    "tmpfs": "    tmpfs: [{v}]\n",
    "dns": "    dns: [{v}]\n",
    "dns_search": "    dns_search: [{v}]\n",
    "extra_hosts": "    extra_hosts:\n      host: {v}\n",
    "stop_signal": "    stop_signal: {v}\n",
    "cap_add": "    cap_add: [{v}]\n",
    "sysctl-value": "    sysctls:\n      net.core.somaxconn: {v}\n",
    "log-tag": "    logging:\n      driver: journald\n      options:\n        tag: {v}\n",
    "secret-target": "    secrets: [{{source: pw, target: {v}}}]\nsecrets:\n  pw:\n    file: ./pw.txt\n",
}
SAFE = "harmless"


def compose(field: str, value: str) -> str:
    q = yaml_quote(value)
    if field == "image":
        return f"services:\n  web:\n    image: {q}\n"
    return BASE + FIELDS[field].format(v=q)


def structure(files) -> list:
    """(file, section, key) for every non-comment line: what the units *say*, not what values are."""
    out = []
    for f in files:
        section = None
        for line in f.text.split("\n"):
            if not line or line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line
                out.append((f.name, section, None))
                continue
            assert "=" in line, f"{f.name}: a line that is neither a section, a comment nor a key: {line!r}"
            key, value = line.split("=", 1)
            if section == "[Service]" and key == "Environment" and value in ("PODGEN_EMPTY=", "PODGEN_SEMICOLON=;"):
                continue     # what an empty or ';' argument of Exec= expands from
            if section == "[Service]" and key == "SuccessExitStatus":
                continue     # follows stop_signal (SIGTERM: 143)
            assert key.isidentifier() or key.replace("-", "").isalnum(), f"{f.name}: odd key {key!r}"
            out.append((f.name, section, key))
    return out


def convert(top, text: str, fmt: str = "quadlet"):
    from podgen.api import Options
    from podgen.api import convert as api_convert
    from podgen.target import Target
    write(top / "compose.yaml", text)
    write(top / "pw.txt", "secret\n")
    opts = Options(files=[str(top / "compose.yaml")], cwd=str(top), project_name="p",
                   environ={"PATH": "/usr/bin:/bin", "HOME": "/home/u"}, target=Target(podman=(5, 4, 0)))
    return api_convert(opts, output_format=fmt)


def try_convert(top, text: str, fmt: str = "quadlet"):
    """The ConvertResult, or the PodgenError that refused the input while loading."""
    from podgen.errors import PodgenError
    try:
        return convert(top, text, fmt)
    except PodgenError as exc:
        return exc


_SAFE: dict = {}


def safe_structure(top, field: str):
    if field not in _SAFE:
        result = convert(top, compose(field, SAFE))
        assert not result.failed
        _SAFE[field] = result.files
    return _SAFE[field]


@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
@pytest.mark.parametrize("field", sorted(FIELDS))
def test_quadlet_structure_is_unchanged(tmp_path, field, value):
    safe = safe_structure(tmp_path, field)
    hostile = try_convert(tmp_path, compose(field, value))
    if not hasattr(hostile, "files") or hostile.failed:
        # refused while loading (an invalid duration, port, name ...) or PG703: located, nothing written
        if hasattr(hostile, "failed"):
            assert all(d.span.file and d.span.line for d in hostile.diagnostics if d.code == "PG703")
        before = snapshot(tmp_path)
        res = cli(["convert", "compose.yaml", "-o", "out", "--podman-version", "5.4", "-p", "p"], tmp_path)
        assert res.rc == 2 and "compose.yaml:" in res.err and "Traceback" not in res.text, res.text
        assert snapshot(tmp_path) == before
        return
    same_structure(hostile.files, safe, exec_may_vanish=field == "command-string")


# Keys a [Container] line may carry; a value Quadlet cannot take as its own key falls back to
# PodmanArgs= (and User=+Group= become one PodmanArgs=--user=), so only that section may differ.
CONTAINER_KEYS = frozenset((
    "ContainerName", "Image", "Exec", "Entrypoint", "Environment", "Label", "Annotation", "Network", "Volume",
    "Tmpfs", "User", "Group", "WorkingDir", "HostName", "HealthCmd", "DNS", "DNSSearch", "AddHost", "StopSignal",
    "AddCapability", "Sysctl", "LogDriver", "LogOpt", "Secret", "PodmanArgs", "Notify"))


def same_structure(hostile, safe, exec_may_vanish=False):
    h, s = structure(hostile), structure(safe)
    assert [x for x in h if x[1] != "[Container]"] == [x for x in s if x[1] != "[Container]"], \
        "the value changed a section other than [Container]"
    hc = [x[2] for x in h if x[1] == "[Container]" and x[2]]
    sc = [x[2] for x in s if x[1] == "[Container]" and x[2]]
    assert set(hc) <= CONTAINER_KEYS, set(hc) - CONTAINER_KEYS
    # User=a:b is written User=a + Group=b; a fallback may merge them into one PodmanArgs=
    assert abs(len(hc) - len(sc)) <= 1, (sc, hc)
    assert hc.count("Exec") == sc.count("Exec") or (exec_may_vanish and hc.count("Exec") == 0)
    assert hc.count("Image") == sc.count("Image") == 1


def podman_calls(top, text: str, shell: str) -> list:
    result = convert(top, text, "script")
    script = top / "p.sh"
    script.write_text(result.files[0].text, encoding="utf-8")
    write(top / "podman", FAKE_PODMAN).chmod(0o755)
    dump = top / "dump"
    dump.unlink(missing_ok=True)
    res = subprocess.run([shell, str(script), "up"], cwd=top, capture_output=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "PODMAN": str(top / "podman"), "PODGEN_DUMP": str(dump)})
    assert res.returncode == 0, res.stderr
    return read_argv_dump(dump)


def one_service_per_field(value: str, fields) -> str:
    """A project with one service per field, each carrying *value* in that field."""
    out, extra = ["services:"], ""
    for i, field in enumerate(fields):
        body = compose(field, value).split("\n", 2)[2]          # after "services:\n  web:\n"
        if "\nsecrets:\n" in body:
            body, extra = body.split("\nsecrets:\n")[0] + "\n", "secrets:\n  pw:\n    file: ./pw.txt\n"
        out.append(f"  s{i}:\n" + body.rstrip("\n"))
    return "\n".join(out) + "\n" + extra


@pytest.mark.skipif(not shutil.which("dash"), reason="dash is not installed")
@pytest.mark.parametrize("value", HOSTILE, ids=IDS)
def test_script_runs_the_same_commands(tmp_path, value):
    """Every field that loads, one service each: the same podman calls as with a harmless value."""
    fields = [f for f in sorted(FIELDS) if not isinstance(try_convert(tmp_path, compose(f, value), "script"),
                                                          Exception)]
    safe = podman_calls(tmp_path, one_service_per_field(SAFE, fields), "dash")
    hostile = podman_calls(tmp_path, one_service_per_field(value, fields), "dash")
    assert [c[:2] for c in hostile] == [c[:2] for c in safe]
    runs_safe = [c for c in safe if c[0] == b"run"]
    runs_hostile = [c for c in hostile if c[0] == b"run"]
    assert len(runs_safe) == len(runs_hostile) == len(fields)
    from podgen.load.normalize import shell_split
    for field, rs, rh in zip(fields, runs_safe, runs_hostile):
        expected = len(rs)
        if field == "command-string":     # a string command is split into words, as compose does
            expected += len(shell_split(value, None)) - 1
        assert len(rh) == expected, (field, rs, rh)
    assert not os.path.exists(tmp_path / "pwned") and not os.path.exists("/tmp/pwned")
