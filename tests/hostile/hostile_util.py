"""Shared helpers for the hostile-input tests (tests/hostile/).

Two ways to run the command line:

* ``cli(argv, cwd)`` calls ``podgen.cli.main`` in this process (the same code
  path as the ``podgen`` program: click, error rendering, exit codes) and
  returns ``Result(rc, out, err)``.  Fast: the category tests use it.
* ``run_measured(argv, cwd)`` runs ``python -m podgen`` in a child process
  with ``RLIMIT_AS`` (2 GiB) and returns the exit status, output, wall time
  and peak RSS of that child (``os.wait4``).  The resource and battery tests
  use it, so a regression fails instead of swapping.

``check_broken(path, ...)`` runs ``convert -o``, ``lint``, ``config`` and
``fix --diff`` on one broken file and checks what every one of them must do:
exit 2 (never 3, never a traceback), name the file (and line:col when given),
say what is wrong and what to do, and write nothing anywhere.
"""
from __future__ import annotations

import contextlib
import gc
import io
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from cli_run import assert_clean_failure  # noqa: F401  (tests/cli_run.py, on sys.path by tests/conftest.py)

ROOT = Path(__file__).resolve().parents[2]
GIB = 1024 ** 3
# Variables that would change what podgen loads; cleared for every run.
COMPOSE_VARS = ("COMPOSE_FILE", "COMPOSE_PROJECT_NAME", "COMPOSE_PROFILES", "COMPOSE_PATH_SEPARATOR",
                "COMPOSE_ENV_FILES", "PODGEN_DEBUG", "GITHUB_ACTIONS")
TARGET = ("--podman-version", "5.4")


@dataclass
class Result:
    rc: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def cli(argv, cwd, env: dict | None = None) -> Result:
    """``podgen ARGV`` in-process, in *cwd*; SystemExit becomes the exit status."""
    from podgen import cli as podgen_cli
    gc_was_enabled = gc.isenabled()     # main() turns the collector off for its short-lived process
    out, err = io.StringIO(), io.StringIO()
    saved_cwd = os.getcwd()
    saved_env = {k: os.environ.get(k) for k in COMPOSE_VARS + tuple(env or ())}
    for k in COMPOSE_VARS:
        os.environ.pop(k, None)
    os.environ.update(env or {})
    rc = 0
    try:
        os.chdir(cwd)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                podgen_cli.main([str(a) for a in argv])
            except SystemExit as exc:
                rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        if gc_was_enabled:
            gc.enable()
        os.chdir(saved_cwd)
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return Result(rc, out.getvalue(), err.getvalue())


def snapshot(top: Path) -> dict:
    """Every path below *top* (files with size and mtime), to prove nothing was written."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            found[os.path.relpath(p, top)] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return found


COMMANDS = ("convert", "lint", "config", "fix")


def command_argv(command: str, path: Path, outdir: Path, extra=()) -> list:
    name = path.name
    if command == "convert":
        return ["convert", name, "-o", outdir, *TARGET, *extra]
    if command == "lint":
        return ["lint", name, *TARGET, *extra]
    if command == "config":
        return ["config", "-f", name, *extra]
    if command == "fix":
        return ["fix", name, "--diff", *TARGET]
    raise ValueError(command)


def check_broken(path: Path, *fragments, where: str | None = None, commands=COMMANDS, help_line=True,
                 env: dict | None = None, extra=(), file: str | None = None) -> dict:
    """All four commands refuse *path* cleanly (see module docstring); return their results.

    *where* is ``"LINE:COL"``; the file must be named as ``NAME:LINE:COL`` (``lint``
    prints paths relative to the current directory, the others absolute ones).
    *file* is the name of the file at fault when it is not *path* (an env file).
    """
    path = Path(path)
    top = path.parent
    outdir = top / "out-units"
    before = snapshot(top)
    results = {}
    for command in commands:
        extra_args = extra if command in ("convert", "lint") else ()
        res = cli(command_argv(command, path, outdir, extra_args), top, env)
        name = file or path.name
        located = f"{name}:{where}" if where else None
        assert_clean_failure(res, file=name, where=located, fragments=fragments, help_line=help_line)
        assert not outdir.exists(), f"{command} created {outdir}"
        assert snapshot(top) == before, f"{command} changed files in {top}"
        results[command] = res
    return results


def write(path: Path, text, encoding="utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding=encoding)
    return path


# --- running the real program with limits ------------------------------------------------

@dataclass
class Measured:
    rc: int
    out: str
    err: str
    seconds: float
    max_rss: int          # bytes
    timed_out: bool = False

    @property
    def text(self) -> str:
        return self.out + self.err


def _limits(address_space: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.setsid()
    return apply


def run_measured(argv, cwd, *, timeout: float = 60, address_space: int = 2 * GIB, env: dict | None = None,
                 prefix=()) -> Measured:
    """``python -m podgen ARGV`` with RLIMIT_AS; its own wall time and peak RSS (wait4)."""
    full_env = {"PATH": "/usr/bin:/bin", "HOME": "/home/user", "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT),
                "PYTHONDONTWRITEBYTECODE": "1"}
    full_env.update(env or {})
    out_f = open(_tmpfile(), "w+b")
    err_f = open(_tmpfile(), "w+b")
    cmd = [*prefix, sys.executable, "-m", "podgen", *map(str, argv)]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=out_f, stderr=err_f, stdin=subprocess.DEVNULL,
                            preexec_fn=_limits(address_space))
    timed_out = threading.Event()

    def kill():
        timed_out.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    seconds = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    out_f.seek(0)
    err_f.seek(0)
    out = out_f.read().decode("utf-8", "replace")
    err = err_f.read().decode("utf-8", "replace")
    for f in (out_f, err_f):
        name = f.name
        f.close()
        os.unlink(name)
    return Measured(proc.returncode, out, err, seconds, usage.ru_maxrss * 1024, timed_out.is_set())


def _tmpfile() -> str:
    import tempfile
    fd, name = tempfile.mkstemp(prefix="podgen-hostile-")
    os.close(fd)
    return name


def world_dir(prefix: str = "podgen-hostile-") -> Path:
    """A temporary directory other users can enter (pytest's tmp_path is private to root)."""
    import tempfile
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


def as_nobody_prefix() -> list | None:
    """Command prefix that drops to uid/gid 65534, or None when that is impossible here."""
    if os.geteuid() != 0:
        return None
    for tool in ("/usr/bin/setpriv", "/bin/setpriv"):
        if os.path.exists(tool):
            return [tool, "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    return None


# --- a podman that records its arguments -------------------------------------------------------

# Run a generated script with PODMAN=<this file> and PODGEN_DUMP=<a file>; read_argv_dump(<that file>)
# then gives every podman call.
FAKE_PODMAN = """#!/bin/sh
# records its arguments (count, then each one NUL-terminated) and plays a podman with nothing in it
printf '%s\\0' "$#" "$@" >> "$PODGEN_DUMP"
case "$1 $2" in
    "network exists"*|"volume exists"*|"container exists"*|"secret inspect"*) exit 1 ;;
    "wait "*) echo 0 ;;
esac
exit 0
"""


def read_argv_dump(path: Path) -> list[list[bytes]]:
    """The calls recorded by ``printf '%s\\0' "$#" "$@" >> FILE`` (FAKE_PODMAN), each as its argv[1:]."""
    data = Path(path).read_bytes().split(b"\0")
    calls, i = [], 0
    while i < len(data) - 1:
        n = int(data[i])
        calls.append(data[i + 1:i + 1 + n])
        i += 1 + n
    return calls


# --- writing arbitrary text into a compose file ----------------------------------------------

def yaml_quote(value: str, *, dollars: bool = True) -> str:
    """*value* as a YAML double-quoted scalar that loads back to exactly *value*.

    Everything YAML would fold, refuse or treat as a line break is escaped; with
    *dollars* a ``$`` is written ``$$`` so compose interpolation gives it back.
    """
    if dollars:
        value = value.replace("$", "$$")
    out = ['"']
    for ch in value:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or 0x7F <= o <= 0x9F or ch in "\u2028\u2029\ufeff" or 0xD800 <= o <= 0xDFFF \
                or o in (0xFFFE, 0xFFFF):
            out.append(f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)
