"""PG401 macvlan-rootless: macvlan/ipvlan networks cannot work rootless; rewritten to a bridge."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, options, unit, write
from netrules_util import (assert_quadlet_accepts, convert_example, doc_example, doc_sections_ok, fix_twice,
                           relint)
from podgen.api import fix_file

MACVLAN = """\
name: home
services:
  ha:
    image: ghcr.io/home-assistant/home-assistant:stable
    networks:
      lan:
        ipv4_address: 192.168.1.50
networks:
  lan:
    driver: macvlan
    driver_opts:
      parent: eth0
      macvlan_mode: bridge
      mtu: "1400"
    ipam:
      config:
        - subnet: 192.168.1.0/24
          gateway: 192.168.1.1
"""

DHCP = """\
name: home
services:
  ha:
    image: example/ha
    networks: [lan]
networks:
  lan:
    driver: ipvlan
    driver_opts:
      parent: eth0
    ipam:
      driver: dhcp
"""


def test_fires_at_the_driver_value(tmp_path):
    assert lint_text(tmp_path, MACVLAN, select=["PG401"]) == ["10:13 PG401"]
    (diag,) = lint_diags(tmp_path, MACVLAN, select=["PG401"])
    assert "network 'lan' uses the macvlan driver (parent eth0)" in diag.message
    assert "used by ha" in diag.message
    assert diag.fix is not None and diag.fix.safe is False


def test_ipvlan_fires_too(tmp_path):
    assert lint_text(tmp_path, DHCP, select=["PG401"]) == ["8:13 PG401"]


def test_bridge_driver_does_not_fire(tmp_path):
    assert lint_text(tmp_path, MACVLAN.replace("driver: macvlan", "driver: bridge"), select=["PG401"]) == []


def test_rootful_does_not_fire_and_keeps_macvlan(tmp_path):
    assert lint_text(tmp_path, MACVLAN, select=["PG401"], rootless=False) == []
    net = unit(convert_text(tmp_path, MACVLAN, rootless=False), "home_lan.network")
    assert keys(net, "Driver") == ["macvlan"]
    assert "Options=parent=eth0" in net


def test_convert_rootless_makes_a_bridge(tmp_path):
    result = convert_text(tmp_path, MACVLAN, unsafe_fixes=True)
    net = unit(result, "home_lan.network")
    assert keys(net, "Driver") == []
    assert keys(net, "Options") == ["mtu=1400"]
    # the LAN's subnet would hide the LAN inside the rootless network namespace: dropped, with the
    # static address that only meant something on the LAN
    assert keys(net, "Subnet") == [] and keys(net, "Gateway") == []
    ha = unit(result, "home-ha.container")
    assert keys(ha, "Network") == ["home_lan.network:alias=ha"]
    assert "changed: networks: lan (macvlan) -> lan (bridge) (dropped parent, macvlan_mode, ipam) (PG401" in ha
    assert "changed: networks: lan at 192.168.1.50 -> lan (address chosen by Podman) (PG401" in ha
    # the network's own unit says what became of it, in its header
    header = [line for line in net.splitlines() if line.startswith("#")]
    assert any(line.startswith("# changed: networks: lan (macvlan) -> lan (bridge)") for line in header), net


def test_convert_script_rootless_makes_a_bridge(tmp_path):
    script = convert_text(tmp_path, MACVLAN, fmt="script", unsafe_fixes=True).files[0].text
    create = next(line for line in script.splitlines() if line.strip().startswith("podgen_network home_lan"))
    assert "--driver" not in create and "parent" not in create and "--opt=mtu=1400" in create
    assert "--subnet" not in create
    assert "    --network=home_lan:alias=ha \\" in script.splitlines()       # no ip= any more


def test_convert_drops_a_dhcp_ipam_driver(tmp_path):
    result = convert_text(tmp_path, DHCP, unsafe_fixes=True)
    net = unit(result, "home_lan.network")
    assert keys(net, "Driver") == [] and keys(net, "IPAMDriver") == [] and keys(net, "Options") == []


def test_fix_rewrites_the_network(tmp_path):
    fixed = fix_twice(tmp_path, MACVLAN, unsafe_fixes=True)
    assert fixed.endswith("    driver: bridge\n    driver_opts:\n      mtu: \"1400\"\n")
    assert "parent" not in fixed and "macvlan_mode" not in fixed and "192.168.1" not in fixed
    # the service stays on the network (its emptied settings become null, not a removed key)
    assert "    networks:\n      lan:\nnetworks:\n" in fixed
    assert relint(tmp_path, fixed, ["PG401", "PG301", "PG304"]) == []


def test_fix_removes_empty_driver_opts_and_dhcp(tmp_path):
    fixed = fix_twice(tmp_path, DHCP, unsafe_fixes=True)
    assert fixed.endswith("networks:\n  lan:\n    driver: bridge\n")
    assert relint(tmp_path, fixed, ["PG401"]) == []


def test_without_unsafe_fixes_convert_keeps_macvlan_and_reports_it(tmp_path):
    # a bridge changes how the LAN reaches the service: only with --unsafe-fixes
    result = convert_text(tmp_path, MACVLAN)
    net = unit(result, "home_lan.network")
    assert keys(net, "Driver") == ["macvlan"] and "Options=parent=eth0" in net
    assert not [c for c in result.changes if c.code == "PG401"]
    (diag,) = [d for d in result.diagnostics if d.code == "PG401"]
    assert diag.applied is False and diag.fix.safe is False
    from podgen.report.formatters import text
    shown = text([diag], unsafe_fixes=False)
    assert "  fix: make 'lan' a bridge network (unsafe fix, not applied: run with --unsafe-fixes)" in shown
    assert "todo" not in unit(result, "home-ha.container")


def test_with_unsafe_fixes_convert_says_what_is_left_to_do(tmp_path):
    result = convert_text(tmp_path, MACVLAN, unsafe_fixes=True)
    (diag,) = [d for d in result.diagnostics if d.code == "PG401"]
    assert diag.applied is True
    todo = "ha now publishes no ports: on 'lan' the LAN reached it at 192.168.1.50 on every port; add `ports:`"
    assert [t for _s, t in diag.fix.todo][0].startswith(todo)
    assert f"# todo: {todo}" in unit(result, "home-ha.container")
    # a service that publishes ports is reached there, at the host's address
    with_ports = MACVLAN.replace("    networks:\n      lan:\n        ipv4", "    ports: [\"8123:8123\"]\n"
                                 "    networks:\n      lan:\n        ipv4")
    (diag,) = lint_diags(tmp_path, with_ports, select=["PG401"])
    assert diag.fix.todo == (("ha", "ha is now reachable from the LAN only on its published ports (8123:8123), at "
                                    "the host's address instead of 192.168.1.50: point its clients there"),)


def test_without_unsafe_fixes_fix_leaves_the_file(tmp_path):
    path = write(tmp_path, MACVLAN)
    result = fix_file(options(path), str(path))
    assert result.text == MACVLAN
    assert result.messages == ["not fixed: 10:13: PG401 make 'lan' a bridge network (unsafe fix, not applied: "
                               "run with --unsafe-fixes)"]
    assert [d.code for d in result.unfixed] == ["PG401"]
    done = fix_file(options(path, unsafe_fixes=True), str(path))
    assert done.messages[0] == "fixed: 10:13: PG401 make 'lan' a bridge network (unsafe fix)"
    assert done.messages[1].startswith("  todo: ha now publishes no ports")


def test_documentation_and_example(tmp_path):
    assert doc_sections_ok("PG401")
    assert lint_text(tmp_path, doc_example("PG401"), select=["PG401"]) == ["9:13 PG401"]


@pytest.mark.quadlet
def test_converted_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    assert_quadlet_accepts(tmp_path, convert_example(tmp_path, "PG401"), quadlet_generator)
    for name, text in (("macvlan", MACVLAN), ("dhcp", DHCP)):
        sub = tmp_path / name
        sub.mkdir()
        assert_quadlet_accepts(sub, convert_text(sub, text), quadlet_generator)
