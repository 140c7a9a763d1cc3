"""Real Quadlet 5.4.2 / systemd 257 static checks for any podgen test.

Re-exports the fast, boot-free helpers of tests/e2e/harness.py and defines the
pytest fixtures ``quadlet_generator`` and ``quadlet_verify``, with helpers to run
Quadlet on podgen's output and read what it generated (``run_quadlet``,
``split_dryrun``, ``exec_start_line``, ``option_values``).  Register the fixtures in
a conftest by importing them, e.g. in tests/conftest.py::

    from realpodman import quadlet_generator, quadlet_verify  # noqa: F401

(or ``from tests.realpodman import ...`` if tests/ is a package).

The fixtures skip when the cached trixie root cannot be had here (not root and
no cache, no debootstrap, ...), unless PODGEN_E2E_REQUIRED=1, in which case
they fail loudly.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

_HARNESS_MODULE = "podgen_e2e_harness"


def load_harness():
    """Import tests/e2e/harness.py exactly once per process, whatever sys.path is."""
    mod = sys.modules.get(_HARNESS_MODULE)
    if mod is not None:
        return mod
    path = Path(__file__).resolve().parent / "e2e" / "harness.py"
    spec = importlib.util.spec_from_file_location(_HARNESS_MODULE, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[_HARNESS_MODULE] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        del sys.modules[_HARNESS_MODULE]
        raise
    return mod


harness = load_harness()

quadlet_dryrun = harness.quadlet_dryrun
systemd_analyze_verify = harness.systemd_analyze_verify
split_dryrun = harness.split_dryrun
quadlet_version = harness.quadlet_version
available = harness.available
HarnessError = harness.HarnessError


def e2e_required() -> bool:
    return os.environ.get("PODGEN_E2E_REQUIRED", "") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip (normal runs) or fail (PODGEN_E2E_REQUIRED=1, i.e. CI)."""
    if e2e_required():
        pytest.fail(f"PODGEN_E2E_REQUIRED=1 but real Podman is unavailable: {reason}", pytrace=False)
    pytest.skip(f"real Podman unavailable: {reason}")


def quadlet_available() -> tuple[bool, str]:
    """Can quadlet_dryrun() run here?  Builds the trixie root if needed and possible."""
    if harness.root_is_ready("trixie"):
        return True, ""
    return harness.available("trixie")


@pytest.fixture(scope="session")
def quadlet_generator():
    """Callable ``(unit_dir, user=True) -> CompletedProcess``: real Quadlet 5.4.2 -dryrun."""
    ok, why = quadlet_available()
    if not ok:
        skip_or_fail(why)
    return quadlet_dryrun


@pytest.fixture(scope="session")
def quadlet_verify():
    """Callable ``(unit_dir, user=True) -> CompletedProcess``: Quadlet + systemd-analyze verify."""
    ok, why = quadlet_available()
    if not ok:
        skip_or_fail(why)
    if os.geteuid() != 0:
        skip_or_fail("systemd-analyze verify needs root (chroot into the trixie root)")
    return systemd_analyze_verify


def run_quadlet(generator, files, unit_dir: Path):
    """Write podgen's output *files* into *unit_dir* and run the real Quadlet on it; it must succeed.

    *generator* is the ``quadlet_generator`` fixture; returns its CompletedProcess
    (``split_dryrun(proc.stdout)`` gives the generated services).
    """
    unit_dir = Path(unit_dir)
    unit_dir.mkdir(exist_ok=True)
    for f in files:
        (unit_dir / f.name).write_text(f.text, encoding="utf-8")
    proc = generator(unit_dir)
    assert proc.returncode == 0, proc.stderr
    return proc


def exec_start_line(service: str) -> str:
    """The one ``ExecStart=`` line of a generated service (ValueError unless there is exactly one)."""
    (line,) = [line for line in service.splitlines() if line.startswith("ExecStart=")]
    return line


def option_values(command_line: str, option: str) -> list[str]:
    """The word after each *option* word of a command line split at whitespace (``--env`` -> ``["A=1", ...]``)."""
    words = command_line.split()
    return [words[i + 1] for i, w in enumerate(words) if w == option]


__all__ = [
    "HarnessError",
    "available",
    "e2e_required",
    "exec_start_line",
    "harness",
    "load_harness",
    "option_values",
    "quadlet_available",
    "quadlet_dryrun",
    "quadlet_generator",
    "quadlet_verify",
    "quadlet_version",
    "run_quadlet",
    "skip_or_fail",
    "split_dryrun",
    "systemd_analyze_verify",
]
