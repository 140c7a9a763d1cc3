"""Running the real ``podgen`` program from tests, importable by name.

(``from conftest import ...`` is ambiguous once tests/e2e/conftest.py is
collected too, so the CLI tests of lint, fix, config and the formatters import
from here.)

``assert_clean_failure(res, ...)`` checks that a command refused cleanly: the
exit status, no traceback, the file and ``FILE:LINE:COL`` named, a ``help:``
line; for ``run_podgen``'s results and tests/hostile's in-process ones alike.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# a fixed environment, so results do not depend on who runs the tests
CLEAN_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/home/user", "LANG": "C.UTF-8"}


def run_podgen(*args, cwd=None, env=None, input=None, timeout=60):
    """Run ``python -m podgen ARGS`` (the real command line) and capture everything."""
    full_env = dict(CLEAN_ENV)
    full_env["PYTHONPATH"] = str(ROOT)
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "podgen", *map(str, args)], cwd=cwd, env=full_env,
                          input=input, capture_output=True, text=True, timeout=timeout)


def assert_clean_failure(res, *, rc: int = 2, file: str | None = None, where: str | None = None,
                         fragments=(), help_line: bool = True):
    """*res* (a CompletedProcess of ``run_podgen`` or a ``hostile_util.Result``) is a clean refusal.

    Exit status *rc*; no traceback or internal error in stdout + stderr; *file*,
    *where* (``FILE:LINE:COL``) and every fragment named there; with *help_line*,
    a ``help:`` line saying what to do.
    """
    if isinstance(res, subprocess.CompletedProcess):
        code, text = res.returncode, (res.stdout or "") + (res.stderr or "")
    else:
        code, text = res.rc, res.text
    assert code == rc, f"exit {code}, expected {rc}:\n{text}"
    assert "Traceback" not in text, text
    assert "internal error" not in text, text
    if file is not None:
        assert file in text, f"{file!r} not named in:\n{text}"
    if where is not None:
        assert where in text, f"{where!r} (line:col) not in:\n{text}"
    for frag in fragments:
        assert frag in text, f"{frag!r} not in:\n{text}"
    if help_line:
        assert "help:" in text, f"no 'help:' line (what to do) in:\n{text}"
