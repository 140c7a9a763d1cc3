"""Unsafe fixes (issue 12 §4): fixes that change how a service is reached (PG401's macvlan made a
bridge, PG101's remap of a protocol port such as DNS's 53 or syslog's 514) are applied by
``convert`` and ``fix`` only with ``--unsafe-fixes`` (or ``unsafe-fixes = true``); without it they
are reported with the fix they would apply.  ruff's convention."""
from __future__ import annotations

import json
from pathlib import Path

from cli_run import run_podgen

MACVLAN = """\
name: home
services:
  portainer:
    image: docker.io/portainer/portainer-ce:2.21.0
    networks:
      lan:
        ipv4_address: 192.168.1.60
networks:
  lan:
    driver: macvlan
    driver_opts:
      parent: eth0
    ipam:
      config:
        - subnet: 192.168.1.0/24
"""

PORTS = """\
name: edge
services:
  web:
    image: example/app
    ports: ["80:8080"]
  syslog:
    image: example/collector
    ports: ["514:514/udp"]
"""

V = ("--podman-version", "5.4")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "compose.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_lint_marks_unsafe_fixes_and_counts_the_hidden_ones(tmp_path):
    write(tmp_path, PORTS)
    res = run_podgen("lint", "compose.yaml", *V, cwd=tmp_path)
    assert res.returncode == 1
    assert "  fix: publish on host port 8080 instead of 80 (applied by podgen convert and podgen fix)" in res.stdout
    assert "  fix: publish on host port 8514 instead of 514 (unsafe fix: podgen convert and podgen fix apply it " \
        "only with --unsafe-fixes)" in res.stdout
    assert res.stderr.strip() == ("podgen: 1 hidden fix can be enabled with the --unsafe-fixes option of podgen "
                                  "convert and podgen fix")
    res = run_podgen("lint", "--format", "json", "compose.yaml", *V, cwd=tmp_path)
    fixes = {(f["line"], f["code"]): f["fix"] for f in json.loads(res.stdout) if f["fix"]}
    assert fixes[(5, "PG101")]["safe"] is True
    assert fixes[(8, "PG101")]["safe"] is False
    assert res.stderr == ""         # the hint is for people: not with --format json


def test_convert_macvlan_without_and_with_the_flag(tmp_path):
    write(tmp_path, MACVLAN)
    res = run_podgen("convert", "compose.yaml", *V, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "Driver=macvlan" in res.stdout
    assert "  fix: make 'lan' a bridge network (unsafe fix, not applied: run with --unsafe-fixes)" in res.stderr
    assert "podgen: 1 unsafe fix not applied (PG401, listed above)" in res.stderr
    assert "changed:" not in res.stderr and "todo:" not in res.stderr
    res = run_podgen("convert", "compose.yaml", *V, "--unsafe-fixes", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "Driver=macvlan" not in res.stdout
    assert "  fix: make 'lan' a bridge network (unsafe fix, applied: --unsafe-fixes)" in res.stderr
    assert "changed: portainer: networks: lan (macvlan) -> lan (bridge)" in res.stderr
    # derived from what the fix changed: no ports published, and the LAN address is gone
    todo = ("todo: portainer now publishes no ports: on 'lan' the LAN reached it at 192.168.1.60 on every port; "
            "add `ports:` for what the LAN must reach (published on the host's address)")
    assert todo in res.stderr.splitlines()
    assert "# " + todo in res.stdout
    assert "unsafe fix not applied" not in res.stderr and "not repaired" not in res.stderr


def test_convert_protocol_port_without_and_with_the_flag(tmp_path):
    write(tmp_path, PORTS)
    res = run_podgen("convert", "compose.yaml", *V, cwd=tmp_path)
    # the safe fix (a web app's 80 -> 8080) is applied without the flag
    assert "PublishPort=8080:8080" in res.stdout and "PublishPort=514:514/udp" in res.stdout
    assert "changed: web: ports: 80:8080 -> 8080:8080" in res.stderr
    assert "  fix: publish on host port 8514 instead of 514 (unsafe fix, not applied: run with --unsafe-fixes)" \
        in res.stderr
    assert "podgen: 1 error(s) not repaired" in res.stderr
    res = run_podgen("convert", "compose.yaml", *V, "--unsafe-fixes", "-o", "out", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    unit = (tmp_path / "out" / "edge-syslog.container").read_text()
    assert "PublishPort=8514:514/udp" in unit
    assert "todo: point every syslog client of 'syslog' at host port 8514 instead of 514" in res.stderr
    # the regenerate command keeps the flag, so --check compares against the same output
    assert "--unsafe-fixes" in unit.split("[Unit]", 1)[0]
    check = run_podgen("convert", "compose.yaml", *V, "--unsafe-fixes", "-o", "out", "--check", cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    check = run_podgen("convert", "compose.yaml", *V, "-o", "out", "--check", cwd=tmp_path)
    assert check.returncode == 1 and "edge-syslog.container" in check.stderr


def test_fix_without_and_with_the_flag(tmp_path):
    path = write(tmp_path, MACVLAN)
    res = run_podgen("fix", "compose.yaml", *V, cwd=tmp_path)
    assert res.returncode == 1
    assert path.read_text() == MACVLAN
    assert "not fixed: 10:13: PG401 make 'lan' a bridge network (unsafe fix, not applied: run with " \
        "--unsafe-fixes)" in res.stderr
    res = run_podgen("fix", "compose.yaml", *V, "--unsafe-fixes", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "    driver: bridge\n" in path.read_text() and "192.168.1.60" not in path.read_text()
    assert "fixed: 10:13: PG401 make 'lan' a bridge network (unsafe fix)" in res.stderr
    assert "  todo: portainer now publishes no ports" in res.stderr


def test_fix_protocol_port_needs_the_flag_and_the_safe_fix_does_not(tmp_path):
    path = write(tmp_path, PORTS)
    res = run_podgen("fix", "compose.yaml", *V, cwd=tmp_path)
    assert res.returncode == 1
    assert '["8080:8080"]' in path.read_text() and '["514:514/udp"]' in path.read_text()
    res = run_podgen("fix", "compose.yaml", *V, "--unsafe-fixes", cwd=tmp_path)
    assert '["8514:514/udp"]' in path.read_text()
    assert "  todo: point every syslog client of 'syslog' at host port 8514" in res.stderr


def test_configuration_key_and_no_flag(tmp_path):
    write(tmp_path, MACVLAN)
    (tmp_path / ".podgen.toml").write_text("unsafe-fixes = true\n")
    res = run_podgen("convert", "compose.yaml", *V, cwd=tmp_path)
    assert "Driver=macvlan" not in res.stdout and "todo: portainer" in res.stderr
    res = run_podgen("convert", "compose.yaml", *V, "--no-unsafe-fixes", cwd=tmp_path)
    assert "Driver=macvlan" in res.stdout
    (tmp_path / ".podgen.toml").write_text('unsafe-fixes = "yes"\n')
    res = run_podgen("convert", "compose.yaml", *V, cwd=tmp_path)
    assert res.returncode == 2 and "unsafe-fixes" in res.stderr


def test_help_mentions_the_flag():
    for command in ("convert", "fix"):
        res = run_podgen(command, "--help")
        words = " ".join(res.stdout.split())
        assert "--unsafe-fixes / --no-unsafe-fixes" in words and "how a service is reached" in words
