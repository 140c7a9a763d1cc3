"""Running the real ``podgen`` program from tests, importable by name.

(``from conftest import ...`` is ambiguous once tests/e2e/conftest.py is
collected too, so the CLI tests of lint, fix, config and the formatters import
from here.)
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
