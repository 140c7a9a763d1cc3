"""Proof that the real-Podman harness works, with hand-written inputs only.

Network rules: from the host only 127.0.0.1; container-to-container traffic
only inside networks these tests create; every loop bounded.
"""

from __future__ import annotations

import functools
import textwrap
import time

import pytest

import podgen_e2e
from podgen_e2e import IMAGE, free_loopback_port, http_get_loopback

pytestmark = pytest.mark.e2e

# podgen_e2e's, with this module's shorter default bound
run_ok = functools.partial(podgen_e2e.run_ok, timeout=90)


# a shell function for scripts: retry a command up to N times, 0.25 s apart
RETRY = textwrap.dedent(
    """\
    retry() { n=$1; shift; i=0
      while [ "$i" -lt "$n" ]; do "$@" && return 0; i=$((i+1)); sleep 0.25; done
      "$@"; }
    """
)


def test_engine_identity(podman_engine):
    e = podman_engine
    r = e.sh("id -u; id -un; echo $XDG_RUNTIME_DIR; podman --version")
    uid, user, xdg, ver = r.stdout.split("\n")[:4]
    assert (uid, user, xdg) == ("1000", "pm", "/run/user/1000")
    assert e.version in ver
    if e.name == "podman43":
        assert e.version == "4.3.1" and not e.has_quadlet
        assert run_ok(e, "podman info --format '{{.Host.NetworkBackend}}'").strip() == "netavark"
    else:
        assert e.version == "5.4.2" and e.has_quadlet
        # rootless default network mode on 5.x is pasta
        assert "pasta" in run_ok(e, "podman info --format '{{.Host.Pasta.Executable}}'")
        assert run_ok(e, "systemctl --user is-system-running || true").strip() in ("running", "degraded")
    # the busybox image is there under both names, without pulling
    out = run_ok(e, f"podman run --rm --pull=never {IMAGE} echo hello; "
                    "podman run --rm --pull=never docker.io/library/busybox:latest echo short")
    assert out.split() == ["hello", "short"]


def test_name_and_alias_resolution_on_user_network(podman_engine):
    out = run_ok(
        podman_engine,
        RETRY
        + f"""
set -e
podman network create e2e-smoke-net >/dev/null
podman run -d --name e2e-alpha --network e2e-smoke-net --network-alias alpha-alias \
    {IMAGE} httpd -f -p 8080 -h /var/www >/dev/null
podman run --rm --network e2e-smoke-net {IMAGE} sh -c '
    ok=0
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
        if nslookup e2e-alpha >/dev/null 2>&1 && nslookup alpha-alias >/dev/null 2>&1; then ok=1; break; fi
        sleep 0.25
    done
    [ $ok = 1 ] || {{ echo "no DNS answer"; nslookup e2e-alpha; exit 1; }}
    echo "by-name: $(wget -qO- -T 5 http://e2e-alpha:8080/)"
    echo "by-alias: $(wget -qO- -T 5 http://alpha-alias:8080/)"
'
""",
    )
    assert "by-name: podgen e2e busybox" in out
    assert "by-alias: podgen e2e busybox" in out


def test_default_network_has_no_dns(podman_engine):
    # documented rootless behaviour the converter relies on (limitation L3)
    r = podman_engine.sh(
        f"""
podman run -d --name e2e-lonely {IMAGE} sleep 300 >/dev/null
podman run --rm {IMAGE} nslookup e2e-lonely
"""
    )
    assert r.returncode != 0


def test_published_port_answers_on_host_loopback(podman_engine):
    port = free_loopback_port()
    run_ok(
        podman_engine,
        f"podman run -d --name e2e-web -p 127.0.0.1:{port}:8080 {IMAGE} httpd -f -p 8080 -h /var/www",
    )
    assert http_get_loopback(port, attempts=40).strip() == "podgen e2e busybox"


def test_put_copies_files_owned_by_pm(podman_engine, tmp_path):
    proj = tmp_path / "proj"
    (proj / "sub").mkdir(parents=True)
    (proj / "compose.yaml").write_text("services: {}\n")
    (proj / "sub" / "x.txt").write_text("x\n")
    dest = podman_engine.put(proj, "projects/p1")
    assert dest == "/home/pm/projects/p1"
    out = run_ok(podman_engine, "cd projects/p1 && cat compose.yaml sub/x.txt && stat -c %U compose.yaml sub . ..")
    assert out.split() == ["services:", "{}", "x", "pm", "pm", "pm", "pm"]
    single = tmp_path / "single.env"
    single.write_text("A=1\n")
    assert podman_engine.put(single, "/home/pm/e.env") == "/home/pm/e.env"
    assert run_ok(podman_engine, "cat ~/e.env").strip() == "A=1"


def test_quadlet_network_and_container_start_with_systemctl_user(podman54, tmp_path):
    port = free_loopback_port()
    unit_dir = podman54.home / ".config/containers/systemd"
    files = {
        "e2esmoke.network": "[Network]\nNetworkName=e2esmoke\n",
        "e2eweb.container": textwrap.dedent(
            f"""\
            [Unit]
            Description=podgen e2e smoke web

            [Container]
            Image={IMAGE}
            ContainerName=e2eweb
            Network=e2esmoke.network
            NetworkAlias=web
            PublishPort=127.0.0.1:{port}:8080
            Exec=httpd -f -p 8080 -h /var/www

            [Service]
            # cleanup() must not be fooled by a restart policy
            Restart=always

            [Install]
            WantedBy=default.target
            """
        ),
    }
    staging = tmp_path / "units"
    staging.mkdir()
    for name, text in files.items():
        (staging / name).write_text(text)
    assert podman54.put(staging, ".config/containers/systemd") == "/home/pm/.config/containers/systemd"
    assert (unit_dir / "e2eweb.container").is_file()
    out = run_ok(
        podman54,
        """
set -e
systemctl --user daemon-reload
systemctl --user start e2eweb.service
systemctl --user is-active e2eweb.service e2esmoke-network.service
podman ps --format '{{.Names}}'
podman run --rm --network e2esmoke localhost/busybox:test wget -qO- -T 5 http://web:8080/
""",
        timeout=120,
    )
    assert out.split("\n")[:2] == ["active", "active"], out
    assert "e2eweb" in out and "podgen e2e busybox" in out
    assert http_get_loopback(port, attempts=40).strip() == "podgen e2e busybox"

    podman54.cleanup()
    after = run_ok(
        podman54,
        "systemctl --user is-active e2eweb.service || true; ls ~/.config/containers/systemd 2>&1 || true;"
        " podman ps -aq | wc -l; podman network ls --format '{{.Name}}'",
    )
    state, ls_out, count, nets = after.split("\n")[:4]
    assert state in ("inactive", "unknown"), after
    assert "No such file" in ls_out
    assert count.strip() == "0" and nets == "podman"


def test_quadlet_dryrun_accepts_valid_unit(quadlet_generator, tmp_path):
    (tmp_path / "app.network").write_text("[Network]\n")
    (tmp_path / "web.container").write_text(
        "[Container]\nImage=docker.io/library/busybox:latest\nNetwork=app.network\n"
        "PublishPort=127.0.0.1:18080:8080\nExec=httpd -f -p 8080\n"
    )
    r = quadlet_generator(tmp_path)
    assert r.returncode == 0, r.stderr
    assert "---web.service---" in r.stdout and "---app-network.service---" in r.stdout
    assert "--network systemd-app" in r.stdout
    assert "podman-user-wait-network-online.service" in r.stdout  # user mode
    r_sys = quadlet_generator(tmp_path, user=False)
    assert r_sys.returncode == 0 and "network-online.target" in r_sys.stdout


def test_quadlet_dryrun_rejects_unknown_key(quadlet_generator, tmp_path):
    (tmp_path / "bad.container").write_text("[Container]\nImage=docker.io/library/busybox:latest\nFrobnicate=yes\n")
    r = quadlet_generator(tmp_path)
    assert r.returncode != 0
    assert "Frobnicate" in r.stderr and "unsupported key" in r.stderr


def test_quadlet_dryrun_is_fast(quadlet_generator, tmp_path):
    (tmp_path / "a.container").write_text("[Container]\nImage=docker.io/library/busybox:latest\n")
    t0 = time.monotonic()
    for _ in range(10):
        assert quadlet_generator(tmp_path).returncode == 0
    assert (time.monotonic() - t0) / 10 < 0.5


def test_systemd_analyze_verify(quadlet_verify, tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    (good / "web.container").write_text("[Container]\nImage=docker.io/library/busybox:latest\nEnvironment=A=100%%\n")
    r = quadlet_verify(good)
    assert r.returncode == 0, r.stderr
    bad = tmp_path / "bad"
    bad.mkdir()
    # Quadlet accepts this, systemd rejects the specifier
    (bad / "web.container").write_text("[Container]\nImage=docker.io/library/busybox:latest\nEnvironment=A=100%Q\n")
    r = quadlet_verify(bad)
    assert r.returncode != 0
    assert "Invalid slot" in r.stderr or "specifier" in r.stderr


def test_cleanup_leaves_nothing(podman_engine):
    e = podman_engine
    run_ok(
        e,
        f"""
set -e
podman network create e2e-clean-net >/dev/null
podman volume create e2e-clean-vol >/dev/null
printf s3cret | podman secret create e2e-clean-secret - >/dev/null
podman pod create --name e2e-clean-pod >/dev/null
podman run -d --pod e2e-clean-pod {IMAGE} sleep 300 >/dev/null
podman run -d --name e2e-clean-c --network e2e-clean-net -v e2e-clean-vol:/data {IMAGE} sleep 300 >/dev/null
""",
    )
    e.cleanup()
    out = run_ok(
        e,
        "echo c=$(podman ps -aq | wc -l) p=$(podman pod ps -q | wc -l) v=$(podman volume ls -q | wc -l)"
        " s=$(podman secret ls -q 2>/dev/null | wc -l) n=$(podman network ls --format '{{.Name}}' | tr '\\n' ,)",
    )
    assert out.strip() == "c=0 p=0 v=0 s=0 n=podman,"
