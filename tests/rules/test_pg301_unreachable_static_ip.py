"""PG301 unreachable-static-ip: rootless container addresses, MACs and subnets the host cannot reach."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import assert_quadlet_accepts, convert_example, doc_example, doc_sections_ok
from podgen.report.diagnostics import Severity

STATIC = """\
name: demo
services:
  web:
    image: nginx
    networks:
      lan:
        ipv4_address: 172.28.0.10
        ipv6_address: "fd00:28::10"
        mac_address: "02:42:ac:11:00:99"
  db:
    image: postgres
    networks: [lan]
networks:
  lan:
    enable_ipv6: true
    ipam:
      config:
        - subnet: 172.28.0.0/24
        - subnet: "fd00:28::/64"
"""

DNS_ONLY = """\
name: demo
services:
  web:
    image: nginx
    environment:
      DB_HOST: db
  db:
    image: postgres
"""


def test_fires_on_each_static_address_value(tmp_path):
    assert lint_text(tmp_path, STATIC, select=["PG301"]) == ["7:23 PG301", "8:23 PG301", "9:22 PG301"]


def test_messages_say_what_and_why(tmp_path):
    diags = lint_diags(tmp_path, STATIC, select=["PG301"])
    assert "static address 172.28.0.10 on network 'lan'" in diags[0].message
    assert "host and the LAN cannot reach" in diags[0].message
    assert any("127.0.0.1:8080" in n for n in diags[0].notes)
    assert "MAC address 02:42:ac:11:00:99" in diags[2].message
    assert all(d.severity == Severity.WARNING for d in diags)


def test_no_diagnostic_when_only_dns_names_are_used(tmp_path):
    assert lint_text(tmp_path, DNS_ONLY, select=["PG301"]) == []


def test_rootful_does_not_fire(tmp_path):
    assert lint_text(tmp_path, STATIC, select=["PG301"], rootless=False) == []


def test_subnet_without_addresses_is_info_at_the_subnet(tmp_path):
    text = DNS_ONLY.replace("    image: postgres\n", "    image: postgres\n    networks: [lan]\n") + \
        "networks:\n  lan:\n    ipam:\n      config:\n        - subnet: 10.20.0.0/24\n"
    assert lint_text(tmp_path, text, select=["PG301"]) == ["14:19 PG301"]
    (diag,) = lint_diags(tmp_path, text, select=["PG301"])
    assert diag.severity == Severity.INFO and "10.20.0.0/24" in diag.message


def test_service_level_mac_address(tmp_path):
    text = DNS_ONLY.replace("    image: postgres\n", "    image: postgres\n    mac_address: \"02:42:ac:11:00:05\"\n")
    assert lint_text(tmp_path, text, select=["PG301"]) == ["9:18 PG301"]


def test_macvlan_networks_are_left_to_pg401(tmp_path):
    text = STATIC.replace("    enable_ipv6: true\n", "    driver: macvlan\n    enable_ipv6: true\n")
    assert lint_text(tmp_path, text, select=["PG301"]) == []


def test_network_mode_services_are_not_reported(tmp_path):
    text = STATIC.replace("    image: nginx\n", "    image: nginx\n    network_mode: host\n")
    # web's networks are not used; what is left is the subnets of lan (db has no address there)
    assert lint_text(tmp_path, text, select=["PG301"]) == ["19:19 PG301", "20:19 PG301"]


def test_convert_keeps_the_addresses_and_explains(tmp_path):
    result = convert_text(tmp_path, STATIC)
    web = unit(result, "demo-web.container")
    assert keys(web, "Network") == ["demo_lan.network:alias=web,ip=172.28.0.10,ip6=fd00:28::10,"
                                    "mac=02:42:ac:11:00:99"]
    assert "# PG301: service 'web' has the static address 172.28.0.10" in web
    assert keys(unit(result, "demo_lan.network"), "Subnet") == ["172.28.0.0/24", "fd00:28::/64"]


def test_documentation_and_example(tmp_path):
    assert doc_sections_ok("PG301")
    assert lint_text(tmp_path, doc_example("PG301"), select=["PG301"]) == ["6:23 PG301"]


@pytest.mark.quadlet
def test_example_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    assert_quadlet_accepts(tmp_path, convert_example(tmp_path, "PG301"), quadlet_generator)
    other = tmp_path / "static"
    other.mkdir()
    assert_quadlet_accepts(other, convert_text(other, STATIC), quadlet_generator)


def test_a_network_finding_is_noted_in_the_network_unit_not_a_container(tmp_path):
    # the networks: section comes after the services: a finding there belongs to the network
    text = ("name: demo\nservices:\n  web:\n    image: nginx\n    networks: [back]\n"
            "networks:\n  back:\n    ipam:\n      config:\n        - subnet: 10.9.0.0/24\n")
    result = convert_text(tmp_path, text)
    assert "PG301" in unit(result, "demo_back.network")
    assert "PG301" not in unit(result, "demo-web.container")
