"""PG601 docker-socket: the Docker socket becomes the (rootless) Podman socket."""
from __future__ import annotations

import subprocess

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import fix_twice
from realpodman import run_quadlet

SOCKET = """\
name: demo
services:
  proxy:
    image: traefik
    volumes:
      - ./traefik.yml:/etc/traefik/traefik.yml:ro
      - /var/run/docker.sock:/var/run/docker.sock:ro
  agent:
    image: portainer/agent
    volumes:
      - type: bind
        source: /run/docker.sock
        target: /var/run/docker.sock
"""


def test_fires_on_the_volume_items(tmp_path):
    diags = lint_diags(tmp_path, SOCKET, select=["PG601"])
    assert [f"{d.span.line}:{d.span.col} {d.code}" for d in diags] == ["7:9 PG601", "11:9 PG601"]
    assert "systemctl --user enable --now podman.socket" in diags[0].notes[0]
    rootful = lint_diags(tmp_path, SOCKET, select=["PG601"], rootless=False)
    assert "systemctl enable --now podman.socket" in rootful[0].notes[0]


@pytest.mark.parametrize("volume", ["docker.sock:/data", "/run/user/1000/podman/podman.sock:/var/run/docker.sock",
                                    "/srv/docker.sock.d:/x", "./docker.socket:/x"])
def test_near_misses(tmp_path, volume):
    text = f"services:\n  app:\n    image: app\n    volumes:\n      - {volume}\n" + \
        ("volumes:\n  docker.sock: {}\n" if volume.startswith("docker.sock") else "")
    assert lint_text(tmp_path, text, select=["PG601"]) == []


def test_rootless_unit_mounts_the_runtime_dir_socket(tmp_path):
    result = convert_text(tmp_path, SOCKET)
    proxy = unit(result, "demo-proxy.container")
    assert keys(proxy, "Volume")[1] == "%t/podman/podman.sock:/var/run/docker.sock:ro"
    assert "systemctl --user enable --now podman.socket" in proxy
    agent = unit(result, "demo-agent.container")
    assert keys(agent, "Volume") == ["%t/podman/podman.sock:/var/run/docker.sock"]
    # a missing bind source is created with mkdir -p; never for the socket
    assert not any("sock" in v for v in keys(proxy, "ExecStartPre") + keys(agent, "ExecStartPre"))


def test_runtime_dir_value_escapes_the_rest():
    # %t is the specifier; everything after it is escaped as usual
    from podgen.targets.podman.quadlet import runtime_dir_value
    assert runtime_dir_value("$XDG_RUNTIME_DIR/podman/podman.sock:/x%y") == "%t/podman/podman.sock:/x%%y"


def test_rootful_unit_mounts_the_system_socket(tmp_path):
    proxy = unit(convert_text(tmp_path, SOCKET, rootless=False), "demo-proxy.container")
    assert keys(proxy, "Volume")[1] == "/run/podman/podman.sock:/var/run/docker.sock:ro"


def test_script_expands_the_runtime_dir(tmp_path):
    script = convert_text(tmp_path, SOCKET, fmt="script", version=(4, 3, 1)).files[0].text
    line = next(x for x in script.splitlines() if "podman.sock:/var/run/docker.sock:ro" in x and "--volume" in x)
    word = line.strip().rstrip("\\").strip()
    assert word == '--volume="${XDG_RUNTIME_DIR:-/run/user/$(id -u)}"/podman/podman.sock:/var/run/docker.sock:ro'
    uid = subprocess.run(["id", "-u"], capture_output=True, text=True).stdout.strip()
    for env, expected in (({"XDG_RUNTIME_DIR": "/run/user/1234"}, "/run/user/1234"), ({}, f"/run/user/{uid}")):
        out = subprocess.run(["/bin/sh", "-c", f"printf '%s' {word}"], capture_output=True, text=True,
                             env={"PATH": "/usr/bin:/bin", **env}).stdout
        assert out == f"--volume={expected}/podman/podman.sock:/var/run/docker.sock:ro"


def test_fix_rewrites_the_sources(tmp_path):
    fixed = fix_twice(tmp_path, SOCKET)
    assert "      - ${XDG_RUNTIME_DIR}/podman/podman.sock:/var/run/docker.sock:ro\n" in fixed
    assert "        source: ${XDG_RUNTIME_DIR}/podman/podman.sock\n        target: /var/run/docker.sock\n" in fixed
    assert "      - ./traefik.yml:/etc/traefik/traefik.yml:ro\n" in fixed
    env = {"XDG_RUNTIME_DIR": "/run/user/1000"}
    assert lint_text(tmp_path, fixed, select=["PG601"], env=env) == []


def test_fix_rootful(tmp_path):
    fixed = fix_twice(tmp_path, SOCKET, rootless=False)
    assert "      - /run/podman/podman.sock:/var/run/docker.sock:ro\n" in fixed


@pytest.mark.quadlet
def test_fixed_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    result = convert_text(tmp_path, SOCKET)
    proc = run_quadlet(quadlet_generator, result.files, tmp_path / "units")
    assert "-v %t/podman/podman.sock:/var/run/docker.sock:ro" in proc.stdout
    # the socket unit is started first, so the mount finds a socket, not nothing
    assert "Wants=podman.socket" in proc.stdout and "After=podman.socket" in proc.stdout


@pytest.mark.parametrize("env", [{"XDG_RUNTIME_DIR": "/run/user/1000"}, {}], ids=["session", "no-XDG_RUNTIME_DIR"])
def test_fixed_file_lints_clean_and_converts_to_the_runtime_dir(tmp_path, env):
    """The round trip fix -> lint -> convert: ${XDG_RUNTIME_DIR} is /run/user/UID when unset (cron,
    sudo, CI), and the user's Podman socket becomes %t again, never a mkdir'ed directory."""
    fixed = fix_twice(tmp_path, SOCKET)
    assert lint_text(tmp_path, fixed, select=["PG003", "PG601"], env=env) == []
    result = convert_text(tmp_path, fixed, env=env)
    text = "".join(f.text for f in result.files)
    assert "Volume=%t/podman/podman.sock:/var/run/docker.sock:ro" in text
    assert "podman.sock" not in "".join(line for line in text.splitlines(True) if "mkdir" in line)
    script = convert_text(tmp_path, fixed, fmt="script", env=env).files[0].text
    assert '--volume="${XDG_RUNTIME_DIR:-/run/user/$(id -u)}"/podman/podman.sock:/var/run/docker.sock:ro' in script


def test_a_missing_socket_is_not_made_a_directory(tmp_path):
    text = "name: demo\nservices:\n  agent:\n    image: busybox\n    volumes:\n      - /srv/app/agent.sock:/agent.sock\n"
    unit_text = unit(convert_text(tmp_path, text), "demo-agent.container")
    assert "Volume=/srv/app/agent.sock:/agent.sock" in unit_text and "mkdir" not in unit_text


# issue 12 §3: --rootful units that mount the (system) Podman socket need the system podman.socket too
@pytest.mark.parametrize("rootless", [True, False], ids=["rootless", "rootful"])
def test_units_mounting_the_socket_want_podman_socket(tmp_path, rootless):
    result = convert_text(tmp_path, SOCKET, rootless=rootless)
    for name in ("demo-proxy.container", "demo-agent.container"):
        text = unit(result, name)
        assert keys(text, "Wants") == ["podman.socket"] and keys(text, "After") == ["podman.socket"], name
    if not rootless:
        assert keys(unit(result, "demo-proxy.container"), "Volume")[1] == \
            "/run/podman/podman.sock:/var/run/docker.sock:ro"


@pytest.mark.parametrize("volume", ["/run/podman/podman.sock:/var/run/docker.sock",
                                    "/var/run/podman/podman.sock:/var/run/podman.sock:ro"])
def test_rootful_podman_socket_written_in_the_file_wants_podman_socket(tmp_path, volume):
    text = f"name: demo\nservices:\n  app:\n    image: app\n    volumes:\n      - {volume}\n"
    app = unit(convert_text(tmp_path, text, rootless=False), "demo-app.container")
    assert keys(app, "Wants") == ["podman.socket"] and keys(app, "After") == ["podman.socket"]


@pytest.mark.parametrize("volume,rootless", [
    ("./podman.sock.d:/x", False),                         # a directory whose name only starts alike
    ("/srv/run/podman/podman.sock:/x", False),            # not the system socket
    ("/run/podman/podman.sock:/x", True),                 # rootless: not the user's socket (podman.socket)
    ("/data:/run/podman/podman.sock", False),             # the socket path is the target, not the source
])
def test_other_mounts_want_no_socket(tmp_path, volume, rootless):
    text = f"name: demo\nservices:\n  app:\n    image: app\n    volumes:\n      - {volume}\n"
    app = unit(convert_text(tmp_path, text, rootless=rootless), "demo-app.container")
    assert keys(app, "Wants") == [] and "podman.socket" not in keys(app, "After")
