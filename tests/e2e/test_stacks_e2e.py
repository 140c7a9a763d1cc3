"""Stacks podgen has never seen (tests/e2e/cases/*, used by no other test),
deployed from podgen's output on real rootless Podman - Quadlet on 5.4, the
script on 4.3 and 5.4 - and probed from inside the containers and from
127.0.0.1 only.

tiers     three networks (two internal), aliases, a published gateway that
          forwards host -> gateway -> api -> db across them; isolation
jobs      depends_on service_healthy / service_completed_successfully really
          order start-up; a named volume survives a restart
files     env_file, file secrets, a config, relative and ~ bind mounts
hardened  non-root user, read-only root + tmpfs, no capabilities, init,
          hostname, extra_hosts, ulimits, exec-form healthcheck, and a
          sidecar in the collector's network namespace
"""

from __future__ import annotations

import json

import pytest

from podgen_e2e import (exec_sh, free_loopback_port, http_get_loopback, inspect,
                        probe_http, probe_not_resolves, probe_resolves, q, run_ok, wait_file)

pytestmark = pytest.mark.e2e


# --------------------------------------------------------------------------
# tiers: networks, aliases, internal networks, isolation


def test_tiers_networks_aliases_isolation(deployment):
    # Names are resolved as applications resolve them (getaddrinfo, see
    # podgen_e2e.lookup).  busybox nslookup would fail on Podman 4.3 for names
    # on a container's second network: aardvark-dns 1.4 answers NAME.dns.podman
    # for the first network only (containers/podman#14345), the bare NAME for all.
    d = deployment
    port = free_loopback_port()
    d.convert("tiers", env={"GATEWAY_PORT": str(port)})
    d.up()
    e = d.engine
    gateway, api, db, status = (d.container(s) for s in ("gateway", "api", "db", "status"))

    # names and aliases resolve on every network a service shares with them
    probe_resolves(e, gateway, ["api", "catalog", "status"])
    probe_resolves(e, api, ["gateway", "db", "database"])
    probe_resolves(e, db, ["api"])
    probe_resolves(e, status, ["gateway"])
    # ... and nowhere else: each network isolates
    probe_not_resolves(e, status, ["api", "catalog", "db", "database"])
    probe_not_resolves(e, gateway, ["db", "database"])
    probe_not_resolves(e, db, ["gateway", "status", "catalog"])

    # the internal networks are internal
    for net, internal in (("frontend", False), ("backend", True), ("data", True)):
        got = run_ok(e, f"podman network inspect --format '{{{{.Internal}}}}' shopfront_{net}").strip()
        assert got == str(internal).lower(), (net, got)

    # container to container by alias, and
    # host -> gateway (published on loopback) -> api (alias on backend) -> db (alias on data)
    assert probe_http(e, api, "http://database:5432/").strip() == "rows: 3"
    assert http_get_loopback(port).strip() == "gateway ok"
    assert http_get_loopback(port, "/cgi-bin/chain").split() == ["gateway", "api", "rows:", "3"]
    d.finish()


# --------------------------------------------------------------------------
# jobs: start-up order, completed job, named volume persistence


def _state(engine, container: str, name: str) -> str:
    return run_ok(engine, f"podman run --rm -v ledger_state:/state localhost/busybox:test cat /state/{name}"
                  if container is None else f"podman exec {q(container)} cat /state/{name}")


def test_jobs_startup_order_and_volume_persistence(deployment):
    d = deployment
    d.convert("jobs")
    d.up()
    e = d.engine
    app, worker, db = d.container("app"), d.container("worker"), d.container("db")

    # migrate ran only after db was healthy, and completed
    assert _state(e, app, "migrations").strip() == "1"
    assert "db rows" in _state(e, app, "migrate-saw")
    r = e.sh(f"podman exec {q(app)} cat /state/errors")
    assert r.returncode != 0, f"a service started too early: {r.stdout}"
    # app started after db was healthy and migrate had completed
    db_ready, migrated = int(_state(e, app, "db-ready")), int(_state(e, app, "migrated"))
    app_start = _state(e, app, "app-start").split()
    assert app_start[:2] == ["db-ready", "migrated"], app_start
    assert db_ready <= migrated <= int(app_start[2])
    # worker started after app was healthy: its very first request was answered
    assert wait_file(e, worker, "/state/worker-start").strip() == "ledger app"
    # the job is a completed container (script) / an active run-to-completion unit (Quadlet)
    if d.quadlet:
        props = run_ok(e, f"systemctl --user show -p ActiveState -p SubState -p Result {d.unit('migrate')}")
        assert dict(x.split("=", 1) for x in props.split()) == {
            "ActiveState": "active", "SubState": "exited", "Result": "success"}, props
    else:
        state = inspect(e, d.container("migrate"), "{{.State.Status}} {{.State.ExitCode}}")
        assert state == "exited 0", state
    # health as podman sees it
    assert inspect(e, db, "{{.State.Health.Status}}") == "healthy"

    # the named volume survives a restart (units stopped and started / script down + up)
    run_ok(e, f"podman exec {q(app)} sh -c 'echo kept > /state/note'")
    d.restart()
    assert _state(e, d.container("app"), "note").strip() == "kept"
    # migrate ran again on the same volume: it counts on
    assert _state(e, d.container("app"), "migrations").strip() == "2"
    assert _state(e, d.container("app"), "app-start").split()[:2] == ["db-ready", "migrated"]
    d.finish()
    # the volume is still there after the stop/down, with its data
    assert _state(e, None, "note").strip() == "kept"


# --------------------------------------------------------------------------
# files: env_file, secrets, configs, bind mounts


ENV_FROM_FILE = {
    "PLAIN": "plain value",
    "EXPORTED": "was exported",
    "DQUOTED": 'double "quoted" with\nnewline',
    "SQUOTED": "single $NOT_EXPANDED %h",
    "INTERPOLATED": "plain value-and-more",
    "GREETING": "overrides app.env",
    "PERCENT": "50% off",
}


def test_files_env_file_secrets_configs_bind_mounts(deployment):
    d = deployment
    port = free_loopback_port()
    d.paths.append("vault-cache")
    conv = d.convert("files", env={"VAULT_PORT": str(port)})
    proj = conv.proj_dir
    assert proj == "/home/pm/proj/files"
    # podgen resolved ./ and ~ to the paths inside the engine (see podgen_e2e.py)
    units = "".join(conv.files.values())
    assert f"{proj}/static:/static:ro" in units and "/home/pm/vault-cache:/cache" in units, units
    run_ok(d.engine, "test ! -e ~/vault-cache")  # must be created, as compose does
    d.up()
    e = d.engine
    app = d.container("app")

    env = dict(x.split("=", 1) for x in json.loads(inspect(e, app, "{{json .Config.Env}}")))
    for k, v in ENV_FROM_FILE.items():
        assert env.get(k) == v, (k, env.get(k), v)

    # file secrets: byte for byte, at /run/secrets/<name> or the given target
    secret = (d.engine.home / "proj/files/secrets/api_key.txt").read_bytes().decode()
    assert run_ok(e, f"podman exec {q(app)} cat /run/secrets/api_key") == secret
    assert run_ok(e, f"podman exec {q(app)} cat /run/secrets/dbpass") == "s3cret without newline"
    # config file, read-only
    assert run_ok(e, f"podman exec {q(app)} cat /etc/app/app.conf") == '[app]\nmode = "production"\n'
    assert e.sh(f"podman exec {q(app)} sh -c 'echo x >> /etc/app/app.conf'").returncode != 0

    # relative bind mounts: read-only static content served on the published port
    assert http_get_loopback(port).strip() == "static content"
    assert e.sh(f"podman exec {q(app)} touch /static/x").returncode != 0
    # read-write ./data and the created ~/vault-cache: the container's writes land in the engine's home
    assert wait_file(e, app, "/data/from-container").strip() == "written by the container"
    assert run_ok(e, f"cat {proj}/data/from-container").strip() == "written by the container"
    assert run_ok(e, "cat ~/vault-cache/entry").strip() == "cached"
    d.finish()


# --------------------------------------------------------------------------
# hardened: user, read-only, caps, init, hostname, hosts, ulimits, sidecar


def test_hardened_collector_with_sidecar(deployment):
    d = deployment
    port = free_loopback_port()
    d.convert("hardened", env={"COLLECTOR_PORT": str(port)})
    d.up()
    e = d.engine
    collector, scraper = d.container("collector"), d.container("scraper")

    # the main process (PID 1, the init) and a process started in the container
    facts = exec_sh(e, collector, "id -u; id -g; hostname; pwd; "
                    "awk '/^Max open files/ {print $4, $5}' /proc/1/limits; "
                    "grep ^CapEff /proc/1/status; grep ^NoNewPrivs /proc/1/status; "
                    "grep -c metrics-sink /etc/hosts; cat /proc/1/comm; "
                    "touch /etc/x 2>/dev/null && echo rw-root || echo ro-root; "
                    "touch /tmp/x && echo tmp-writable")
    assert facts.returncode == 0, facts.stderr
    lines = facts.stdout.split("\n")
    assert lines[:5] == ["1234", "2345", "collector.internal", "/tmp", "512 1024"], lines
    assert lines[5].split() == ["CapEff:", "0000000000000000"], lines
    assert lines[6].split() == ["NoNewPrivs:", "1"], lines
    assert lines[7] == "1", lines
    assert lines[8] not in ("httpd", "sh"), f"init: true must put an init process at PID 1, not {lines[8]}"
    assert lines[9:11] == ["ro-root", "tmp-writable"], lines
    assert "192.0.2.10" in run_ok(e, f"podman exec {q(collector)} grep metrics-sink /etc/hosts")

    # published on loopback; the sidecar shares the collector's network namespace
    assert http_get_loopback(port, "/metrics").strip() == "collector_up 1"
    assert wait_file(e, scraper, "/tmp/scraped").strip() == "collector_up 1"
    mode = inspect(e, scraper, "{{.HostConfig.NetworkMode}}")
    assert mode.startswith("container:"), mode
    assert inspect(e, collector, "{{.State.Health.Status}}") == "healthy"
    d.finish()
