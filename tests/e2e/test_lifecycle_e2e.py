"""The life cycle of podgen's output on real rootless Podman: what happens
after the first start.

Both: a service that crashes is restarted by its ``restart:`` policy (podman's
--restart for the script, systemd's Restart= for Quadlet).
script (podman43, podman54): ``up`` again after a configuration change
recreates exactly the changed container; ``up`` restarts a stopped container
without recreating it; ``down`` twice.
Quadlet (podman54): the units Docker would start again after a reboot (a
restart policy on a long-running service) are enabled for the user's login/boot through
WantedBy=default.target; regenerating, ``daemon-reload`` and a restart of one
service apply a change to that service only.
"""

from __future__ import annotations

import pytest

from podgen_e2e import (Deployment, container_ids, inspect, leftovers, probe_http,
                        quadlet_install, quadlet_start, run_ok, script_down, script_up)

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["podman43", "podman54"])
def script_deployment(request, tmp_path):
    d = Deployment(request.getfixturevalue(request.param), "script", tmp_path)
    yield d
    d.remove_files()


@pytest.fixture
def quadlet_deployment(podman54, tmp_path):
    d = Deployment(podman54, "quadlet", tmp_path)
    yield d
    d.remove_files()


def _release(engine, container: str) -> str:
    env = inspect(engine, container, "{{range .Config.Env}}{{println .}}{{end}}")
    return next(line.split("=", 1)[1] for line in env.splitlines() if line.startswith("RELEASE="))


def _restarted_once(d) -> None:
    """flaky crashed once (exit 3) and its restart policy brought it back (bounded wait)."""
    e, flaky = d.engine, d.container("flaky")
    out = run_ok(e, f"""
i=0
while [ $i -lt 60 ]; do
    [ "$(podman exec {flaky} cat /state/starts 2>/dev/null | wc -l)" = 2 ] && break
    i=$((i+1)); sleep 0.25
done
podman exec {flaky} cat /state/starts""")
    assert out.split() == ["start", "start"], out
    if d.quadlet:
        assert run_ok(e, f"systemctl --user show -P NRestarts {d.unit('flaky')}").strip() == "1"
        assert run_ok(e, f"systemctl --user is-active {d.unit('flaky')}").strip() == "active"
    else:
        assert inspect(e, flaky, "{{.RestartCount}} {{.State.Running}}") == "1 true"


def test_script_recreates_only_what_changed(script_deployment):
    d = script_deployment
    e = d.engine
    d.convert("reconfig", env={"RELEASE": "1"})
    d.up()
    web, worker, flaky = d.container("web"), d.container("worker"), d.container("flaky")
    _restarted_once(d)
    ids = container_ids(e)
    assert sorted(ids) == sorted([web, worker, flaky, d.container("idle")])
    assert probe_http(e, worker, "http://web:8080/").strip() == "release 1"

    # a stopped container is started again by up, not recreated
    run_ok(e, f"podman stop -t 5 {worker}")
    script_up(d.conv)
    assert container_ids(e) == ids
    assert inspect(e, worker, "{{.State.Running}}") == "true"

    # a configuration change recreates exactly the container it concerns
    d.convert("reconfig", env={"RELEASE": "2"})
    r = script_up(d.conv)
    after = container_ids(e)
    assert after[worker] == ids[worker], "worker did not change and must not be recreated"
    assert after[flaky] == ids[flaky], "flaky did not change and must not be recreated"
    assert after[web] != ids[web], f"web changed and must be recreated\n{r.stderr}"
    assert _release(e, web) == "2"
    assert probe_http(e, worker, "http://web:8080/").strip() == "release 2"

    script_down(d.conv)
    assert leftovers(e) == ([], [])
    script_down(d.conv)  # a second down succeeds and does nothing
    assert leftovers(e) == ([], [])


def test_quadlet_enabled_and_reconfigured(quadlet_deployment):
    d = quadlet_deployment
    e = d.engine
    conv = d.convert("reconfig", env={"RELEASE": "1"})
    d.up()
    web, worker = d.container("web"), d.container("worker")
    # [Install] WantedBy=default.target: the services start with the user's session / at boot (linger),
    # only those Docker starts again after a reboot (a restart policy on a long-running service)
    wants = run_ok(e, "systemctl --user list-dependencies --plain --no-legend default.target").split()
    for unit in conv.services("container"):
        boot = "idle" not in unit      # idle has no restart policy: not started at boot
        assert (unit in wants) == boot, f"{unit}: wanted by default.target should be {boot}:\n{wants}"
    _restarted_once(d)
    ids = container_ids(e)
    assert _release(e, web) == "1"

    # regenerate with a change, reload, restart the changed service
    d.convert("reconfig", env={"RELEASE": "2"})
    quadlet_install(d.conv)
    d.installed = True
    run_ok(e, f"systemctl --user restart {d.unit('web')}", timeout=120)
    quadlet_start(d.conv)
    after = container_ids(e)
    assert after[worker] == ids[worker], "restarting web must leave worker alone"
    assert _release(e, web) == "2"
    assert probe_http(e, worker, "http://web:8080/").strip() == "release 2"
    d.finish()


def test_failed_job_blocks_its_dependents(deployment):
    d = deployment
    e = d.engine
    conv = d.convert("failing-job")
    app = d.container("app")
    if d.quadlet:
        quadlet_install(conv)
        r = e.sh(f"systemctl --user start {d.unit('app')}", timeout=120)
        assert r.returncode != 0, "app started although its job failed"
        job = run_ok(e, f"systemctl --user show -p ActiveState -p Result -p ExecMainStatus {d.unit('job')}")
        assert dict(x.split("=", 1) for x in job.split()) == {
            "ActiveState": "failed", "Result": "exit-code", "ExecMainStatus": "5"}, job
        assert run_ok(e, f"systemctl --user is-active {d.unit('app')} || true").strip() == "inactive"
        assert leftovers(e)[0] == [], "no container may be left: the job's was removed (--rm), app's never created"
        run_ok(e, f"systemctl --user reset-failed {d.unit('job')}")
    else:
        r = e.sh(f"sh {conv.script} up", timeout=120)
        assert r.returncode != 0, f"up succeeded although the job failed:\n{r.stdout}{r.stderr}"
        assert "exited with status 5" in r.stderr, r.stderr
        assert run_ok(e, f"podman container exists {app} || echo absent").strip() == "absent"
        script_down(d.conv)
        assert leftovers(e) == ([], [])
