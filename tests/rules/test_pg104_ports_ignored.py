"""PG104 ports-ignored: ports on services without a network namespace of their own."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import fix_twice
from realpodman import run_quadlet

JOINER = """\
name: demo
services:
  vpn:
    image: vpn
    ports: ["51820:51820/udp"]
  app:
    image: app
    network_mode: "service:vpn"
    ports:
      - "8080:80"   # the web UI
      - target: 9090
        published: 9090
"""


def test_fires_on_each_port_item(tmp_path):
    assert lint_text(tmp_path, JOINER, select=["PG104"]) == ["10:9 PG104", "11:9 PG104"]


@pytest.mark.parametrize("mode", ["host", "none", "container:other", "service:vpn"])
def test_every_shared_mode_fires(tmp_path, mode):
    text = JOINER.replace('"service:vpn"', f'"{mode}"')
    assert lint_text(tmp_path, text, select=["PG104"], rootless=False) == ["10:9 PG104", "11:9 PG104"]


@pytest.mark.parametrize("mode", ["bridge", "slirp4netns", "pasta"])
def test_own_namespace_modes_do_not_fire(tmp_path, mode):
    assert lint_text(tmp_path, JOINER.replace('"service:vpn"', mode), select=["PG104"]) == []


def test_joiner_without_ports_does_not_fire(tmp_path):
    text = "services:\n  a:\n    image: a\n    ports: [\"8080:80\"]\n  b:\n    image: b\n    network_mode: host\n"
    assert lint_text(tmp_path, text, select=["PG104"]) == []


def test_convert_moves_ports_to_the_owner(tmp_path):
    result = convert_text(tmp_path, JOINER)
    vpn = unit(result, "demo-vpn.container")
    assert keys(vpn, "PublishPort") == ["51820:51820/udp", "8080:80", "9090:9090"]
    assert "changed ports: (none) -> 8080:80 (PG104: moved from app" in vpn
    app = unit(result, "demo-app.container")
    assert keys(app, "PublishPort") == []
    assert keys(app, "Network") == ["demo-vpn.container"]


def test_convert_follows_service_chains(tmp_path):
    text = JOINER + "  sidecar:\n    image: s\n    network_mode: service:app\n    ports: [\"7000:7000\"]\n"
    diags = lint_diags(tmp_path, text, select=["PG104"])
    assert "shares 'vpn''s network namespace (through service:app)" in diags[-1].message
    result = convert_text(tmp_path, text)
    assert keys(unit(result, "demo-vpn.container"), "PublishPort")[-1] == "7000:7000"


def test_convert_drops_ports_of_host_services(tmp_path):
    result = convert_text(tmp_path, JOINER.replace('"service:vpn"', "host"), fmt="script")
    script = result.files[0].text
    run_app = script.split("podgen_run demo-app-1", 1)[1].split("\n\n", 1)[0]
    assert "--network=host" in run_app and "--publish" not in run_app
    assert "ports: 8080:80 -> (removed) (PG104" in script


def test_fix_moves_the_items_to_the_owner(tmp_path):
    text = fix_twice(tmp_path, JOINER)
    assert text == """\
name: demo
services:
  vpn:
    image: vpn
    ports: ["51820:51820/udp", "8080:80", {target: 9090, published: 9090}]
  app:
    image: app
    network_mode: "service:vpn"
"""


def test_fix_creates_the_owner_ports(tmp_path):
    text = JOINER.replace('    ports: ["51820:51820/udp"]\n', "")
    fixed = fix_twice(tmp_path, text)
    assert fixed.startswith("name: demo\nservices:\n  vpn:\n    image: vpn\n    ports:\n      - \"8080:80\"")
    assert "network_mode: \"service:vpn\"\n" in fixed and fixed.count("ports:") == 1


def test_fix_removes_ports_of_host_services(tmp_path):
    fixed = fix_twice(tmp_path, JOINER.replace('"service:vpn"', "host"))
    assert "8080" not in fixed and "9090" not in fixed and fixed.count("ports:") == 1


@pytest.mark.quadlet
def test_fixed_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    result = convert_text(tmp_path, JOINER)
    proc = run_quadlet(quadlet_generator, result.files, tmp_path / "units")
    vpn_service = proc.stdout.split("---demo-vpn.service---", 1)[1].split("---", 1)[0]
    assert "--publish 8080:80" in vpn_service
