"""Every loadable entry of the real-world corpus starts on real rootless Podman:
Quadlet units on Podman 5.4.2 under systemd, the script on Podman 4.3.1.

The work happens in two background workers (corpus_deploy.py), one per engine,
started as soon as pytest has collected these tests (conftest.py); each test
waits for its entry's result.  One test per engine and entry, so a failure
names both.

KNOWN: entries that cannot start for a reason podgen cannot fix; the test
checks that podgen reports the reason (its rule code) and that the entry
indeed does not start, so the list cannot rot.  XFAIL: podgen bugs found by
this test, to be fixed in podgen (an entry that starts again fails the test
until it is taken off the list).
"""

from __future__ import annotations

import time

import pytest

import corpus_deploy as cd
import realpodman

harness = realpodman.harness

pytestmark = pytest.mark.e2e

ENTRIES = cd.loadable()
CASES = [(mode, e) for mode in cd.MODES for e in ENTRIES]
# the whole corpus on one engine, from the worker's start (the engine boots first)
TOTAL_TIMEOUT = 45 * 60

# (mode, entry) -> (why it cannot start, the code podgen reports for it)
KNOWN: dict = {
    ("podman54-quadlet", "awesome-compose__wasmedge-kafka-mysql.yml"): (
        "a WebAssembly image (platform: wasi/wasm, written for containerd's wasmedge shim): Podman 5 runs "
        "it with crun's wasm handler, which needs crun built with WasmEdge and libwasmedge on the host "
        "(here: 'crun-wasm: could not load libwasmedge.so.0')", "PG701"),
}
# the workers (started when collection finishes) make no second attempt for these
cd.NO_RETRY.update(KNOWN)

# (mode, entry) -> podgen bug (the exact failure is in the test's output)
XFAIL: dict = {}


def _worker(mode: str):
    w = cd.worker(mode)
    if w is None:
        ok, why = harness.available()
        if not ok:
            realpodman.skip_or_fail(why)
        w = cd.start(names={e.name for e in ENTRIES})[mode]
    return w


@pytest.mark.parametrize("mode,entry", CASES, ids=[f"{m}-{e.name.rstrip('/')}" for m, e in CASES])
def test_corpus_entry_starts(mode, entry):
    w = _worker(mode)
    res = w.result(entry.name, timeout=max(60.0, w.t0 + TOTAL_TIMEOUT - time.monotonic()))
    # what the test does before deploying matches what podgen's model says the entry needs
    assert res.missing_secrets == sorted(cd.USER_SECRETS.get(entry.name, [])), \
        "file secrets missing from the corpus changed: update corpus_deploy.USER_SECRETS"
    assert res.missing_files == sorted(cd.PROJECT_FILES.get(entry.name, [])), \
        "bind sources missing from the corpus changed: update corpus_deploy.PROJECT_FILES"
    admin = cd.ADMIN_DIRS.get(entry.name, {})
    assert set(res.outside_binds) <= set(admin), \
        "bind sources outside $HOME changed: update corpus_deploy.ADMIN_DIRS"
    if admin and "PG503" not in res.codes and any(owner == "pm" for owner in admin.values()):
        pytest.fail(f"podgen does not report PG503 for {sorted(admin)} (codes: {sorted(res.codes)})")
    key = (mode, entry.name)
    if key in KNOWN:
        reason, code = KNOWN[key]
        assert code in res.codes, f"podgen no longer reports {code} for {entry.name} ({reason}); codes: " \
            f"{sorted(res.codes)}"
        assert not res.ok, f"{entry.name} now starts on {mode}: take it off KNOWN ({reason})"
        return
    if key in XFAIL:
        if res.ok:
            pytest.fail(f"{entry.name} now starts on {mode}: take it off XFAIL ({XFAIL[key]})")
        pytest.xfail(f"{XFAIL[key]}\n{res.message[:3000]}")
    assert res.ok, f"{res.summary()}\n{res.message}\n--- first attempt\n{res.first_failure}"
    if res.first_failure:
        import warnings
        warnings.warn(f"{entry.name} on {mode} started only on the second attempt; the first failed with:\n"
                      f"{res.first_failure[:2000]}", stacklevel=1)
