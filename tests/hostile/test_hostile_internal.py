"""When podgen itself fails: a short report and exit 3, never a traceback, never output.

Also the other ways a run can end (Ctrl-C, a closed pipe, exhausted memory or
recursion) and ``convert --check`` against an output directory holding
things that are not podgen's files (binary data, a FIFO, a directory).
"""
from __future__ import annotations

import os

import pytest

from hostile_util import cli, run_measured, snapshot, write

COMPOSE = "services:\n  web:\n    image: nginx\n"


def test_internal_error_is_a_short_report(tmp_path, monkeypatch):
    write(tmp_path / "compose.yaml", COMPOSE)
    import podgen.targets.podman.quadlet as quadlet

    def broken(self):
        raise KeyError("a bug")
    monkeypatch.setattr(quadlet.QuadletEmitter, "emit", broken)
    before = snapshot(tmp_path)
    res = cli(["convert", "compose.yaml", "-o", "out", "--podman-version", "5.4"], tmp_path)
    assert res.rc == 3, res.text
    assert "internal error: KeyError: 'a bug' at " in res.err and "please report it" in res.err
    assert "Traceback" not in res.text and len(res.err.splitlines()) == 2, res.err
    assert snapshot(tmp_path) == before


def test_internal_error_traceback_on_request(tmp_path, monkeypatch):
    write(tmp_path / "compose.yaml", COMPOSE)
    import podgen.targets.podman.quadlet as quadlet
    monkeypatch.setattr(quadlet.QuadletEmitter, "emit", lambda self: 1 / 0)
    res = cli(["convert", "compose.yaml", "--podman-version", "5.4"], tmp_path, env={"PODGEN_DEBUG": "1"})
    assert res.rc == 3 and "Traceback" in res.err and "ZeroDivisionError" in res.err


@pytest.mark.parametrize("exc,rc,message", [
    (KeyboardInterrupt(), 130, "interrupted"),
    (RecursionError(), 2, "nested too deeply"),
    (MemoryError(), 2, "out of memory"),
])
def test_other_ways_to_end(tmp_path, monkeypatch, exc, rc, message):
    write(tmp_path / "compose.yaml", COMPOSE)
    import podgen.api as api

    def boom(*a, **kw):
        raise exc
    monkeypatch.setattr(api, "load_project", boom)
    res = cli(["lint", "compose.yaml", "--podman-version", "5.4"], tmp_path)
    assert res.rc == rc and message in res.err and "Traceback" not in res.text, res.text


def test_closed_stdout_is_not_an_error(tmp_path):
    """``podgen convert | head -1``: the pipe closes early; exit quietly."""
    write(tmp_path / "compose.yaml", "services:\n" + "".join(f"  s{i}:\n    image: nginx\n" for i in range(300)))
    import subprocess
    import sys
    from hostile_util import ROOT
    proc = subprocess.run(f"{sys.executable} -m podgen convert compose.yaml --podman-version 5.4 | head -c 10",
                          shell=True, cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("kind", ["binary", "fifo", "directory", "latin1"])
def test_check_against_foreign_things(tmp_path, kind):
    write(tmp_path / "compose.yaml", COMPOSE)
    out = tmp_path / "out"
    out.mkdir()
    target = out / f"{tmp_path.name.lower()}-web.container"
    if kind == "binary":
        target.write_bytes(os.urandom(4096))
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    else:
        target.write_bytes("# caf\xe9\n".encode("latin-1"))
    res = run_measured(["convert", "compose.yaml", "-o", "out", "--check", "--podman-version", "5.4"], tmp_path,
                       timeout=30)
    assert not res.timed_out and res.rc == 1, res.text
    assert target.name in res.err and "out of date" in res.err and "Traceback" not in res.text
