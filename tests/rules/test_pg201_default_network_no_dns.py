"""PG201 default-network-no-dns: network_mode bridge / the 'podman' network."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_text, unit
from netrules_util import fix_twice
from realpodman import run_quadlet

BRIDGE = """\
name: demo
services:
  web:
    image: nginx
    network_mode: bridge
  db:
    image: postgres
"""

PODMAN_NET = """\
name: demo
services:
  web:
    image: nginx
    networks: [podman]
  db:
    image: postgres
    networks:
      podman:
        aliases: [database]
networks:
  podman:
    external: true
"""

DEFAULT_IS_PODMAN = """\
name: demo
services:
  web:
    image: nginx
  db:
    image: postgres
networks:
  default:
    name: podman
    external: true
"""


def test_bridge_mode_fires_on_the_value(tmp_path):
    assert lint_text(tmp_path, BRIDGE, select=["PG201"]) == ["5:19 PG201"]
    assert lint_text(tmp_path, BRIDGE.replace("bridge", "default"), select=["PG201"]) == ["5:19 PG201"]


def test_podman_network_fires_on_each_reference(tmp_path):
    assert lint_text(tmp_path, PODMAN_NET, select=["PG201"]) == ["5:16 PG201", "9:7 PG201"]


def test_default_network_named_podman_fires_on_its_key(tmp_path):
    assert lint_text(tmp_path, DEFAULT_IS_PODMAN, select=["PG201"]) == ["8:3 PG201"]


def test_single_service_needs_no_names(tmp_path):
    text = "services:\n  web:\n    image: nginx\n    network_mode: bridge\n"
    assert lint_text(tmp_path, text, select=["PG201"]) == []


@pytest.mark.parametrize("text", [
    BRIDGE.replace("bridge", "host"),
    BRIDGE.replace("    network_mode: bridge\n", ""),
    PODMAN_NET.replace("    external: true\n", "    driver: bridge\n"),      # a project network 'demo_podman'
])
def test_near_misses(tmp_path, text):
    assert lint_text(tmp_path, text, select=["PG201"]) == []


def test_convert_moves_bridge_service_to_the_project_network(tmp_path):
    result = convert_text(tmp_path, BRIDGE)
    assert "demo_default.network" in [f.name for f in result.files]
    web = unit(result, "demo-web.container")
    assert keys(web, "Network") == ["demo_default.network:alias=web"]
    assert "PG201" in web
    script = convert_text(tmp_path, BRIDGE, fmt="script").files[0].text
    assert "--network=podman" not in script and "--network=demo_default:alias=web" in script


def test_convert_replaces_the_podman_network(tmp_path):
    result = convert_text(tmp_path, PODMAN_NET)
    assert keys(unit(result, "demo-web.container"), "Network") == ["demo_default.network:alias=web"]
    assert keys(unit(result, "demo-db.container"), "Network") == ["demo_default.network:alias=db,alias=database"]
    assert sorted(f.name for f in result.files) == ["demo-db.container", "demo-web.container", "demo_default.network"]


def test_convert_gives_the_project_its_own_default_network(tmp_path):
    result = convert_text(tmp_path, DEFAULT_IS_PODMAN)
    assert keys(unit(result, "demo_default.network"), "NetworkName") == ["demo_default"]
    assert keys(unit(result, "demo-web.container"), "Network") == ["demo_default.network:alias=web"]


def test_fix_removes_network_mode(tmp_path):
    assert fix_twice(tmp_path, BRIDGE) == BRIDGE.replace("    network_mode: bridge\n", "")


def test_fix_renames_the_references(tmp_path):
    fixed = fix_twice(tmp_path, PODMAN_NET)
    assert "    networks: [default]\n" in fixed
    assert "    networks:\n      default:\n        aliases: [database]\n" in fixed
    assert lint_text(tmp_path, fixed, select=["PG201"]) == []


def test_fix_drops_a_duplicate_reference(tmp_path):
    fixed = fix_twice(tmp_path, PODMAN_NET.replace("[podman]", "[default, podman]"))
    assert "    networks: [default]\n" in fixed


def test_fix_makes_default_a_project_network(tmp_path):
    fixed = fix_twice(tmp_path, DEFAULT_IS_PODMAN)
    assert fixed.endswith("networks:\n  default: {}\n")


@pytest.mark.quadlet
@pytest.mark.parametrize("text", [BRIDGE, PODMAN_NET, DEFAULT_IS_PODMAN], ids=["bridge", "podman", "default"])
def test_fixed_units_accepted_by_real_quadlet(tmp_path, quadlet_generator, text):
    result = convert_text(tmp_path, text)
    proc = run_quadlet(quadlet_generator, result.files, tmp_path / "units")
    assert proc.stdout.count("---demo_default-network.service---") == 1


def test_fix_merges_into_an_existing_default_entry(tmp_path):
    text = PODMAN_NET.replace("        aliases: [database]\n", "        aliases: [database]\n      default:\n")
    fixed = fix_twice(tmp_path, text)
    assert "    networks:\n      default:\n        aliases: [database]\n" in fixed
    db = unit(convert_text(tmp_path, text), "demo-db.container")
    assert keys(db, "Network") == ["demo_default.network:alias=db,alias=database"]
