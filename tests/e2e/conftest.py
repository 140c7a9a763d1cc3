"""Fixtures for podgen's end-to-end tests on real rootless Podman.

Engines (see harness.py):
  podman43 / podman54   the engine, started once per session, cleaned after
                        each test (Quadlet units, containers, pods, networks,
                        volumes, secrets of the rootless user)
  podman_engine         parametrized over both
  podman43_session / podman54_session   the same without per-test cleanup
Static checks:
  quadlet_generator     real Quadlet 5.4.2 -dryrun (tests/realpodman.py)
  quadlet_verify        Quadlet + systemd-analyze verify

Without the means to run (not root, no debootstrap, ...) the fixtures skip,
unless PODGEN_E2E_REQUIRED=1 (CI), in which case they fail.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest


def _load_realpodman():
    for name in ("realpodman", "tests.realpodman", "podgen_realpodman"):
        if name in sys.modules:
            return sys.modules[name]
    path = Path(__file__).resolve().parents[1] / "realpodman.py"
    spec = importlib.util.spec_from_file_location("podgen_realpodman", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["podgen_realpodman"] = mod
    spec.loader.exec_module(mod)
    return mod


realpodman = _load_realpodman()
harness = realpodman.harness

# re-exported so that pytest registers them for tests below this directory
quadlet_generator = realpodman.quadlet_generator
quadlet_verify = realpodman.quadlet_verify
import podgen_e2e  # noqa: E402

# podgen's output deployed per engine and format
deployment = podgen_e2e.deployment


def pytest_collection_finish(session):
    """Start the corpus deploy workers (test_corpus_deploy_e2e.py) as early as possible: they run
    in the background on engines of their own while the rest of the suite runs."""
    if session.config.option.collectonly:
        return
    wanted: dict = {}
    for item in session.items:
        if item.nodeid.split("::")[0].endswith("test_corpus_deploy_e2e.py"):
            callspec = getattr(item, "callspec", None)
            if callspec is not None and "entry" in callspec.params:
                wanted.setdefault(callspec.params["mode"], set()).add(callspec.params["entry"].name)
    if not wanted:
        return
    ok, _why = harness.available()
    if ok:      # otherwise each test skips (or fails under PODGEN_E2E_REQUIRED=1) with the reason
        import corpus_deploy
        for mode, names in wanted.items():
            corpus_deploy.start(modes=(mode,), names=names)


def pytest_configure(config):
    # harmless if the top-level configuration registers it too
    config.addinivalue_line("markers", "e2e: end-to-end test on real rootless Podman (needs root)")


def _engine_for_session(name: str):
    ok, why = harness.available()
    if not ok:
        realpodman.skip_or_fail(why)
    engine = harness.get_engine(name)
    try:
        engine.start()
    except harness.HarnessError as exc:
        realpodman.skip_or_fail(f"{name} failed to start: {exc}")
    return engine


@pytest.fixture(scope="session")
def podman43_session():
    engine = _engine_for_session("podman43")
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def podman54_session():
    engine = _engine_for_session("podman54")
    yield engine
    engine.close()


@pytest.fixture
def podman43(podman43_session):
    yield podman43_session
    podman43_session.cleanup()


@pytest.fixture
def podman54(podman54_session):
    yield podman54_session
    podman54_session.cleanup()


@pytest.fixture(params=["podman43", "podman54"])
def podman_engine(request):
    """Each test using this runs once per engine."""
    return request.getfixturevalue(request.param)
