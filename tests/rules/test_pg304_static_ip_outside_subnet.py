"""PG304 static-ip-outside-subnet: addresses Podman cannot give (not in any subnet of the network)."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import (assert_quadlet_accepts, convert_example, doc_example, doc_sections_ok, fix_twice,
                           relint)

NO_SUBNET = """\
name: demo
services:
  db:
    image: postgres
    networks:
      backend:
        ipv4_address: 172.20.0.5
  cache:
    image: redis
    networks:
      backend:
        ipv4_address: 172.20.1.7
networks:
  backend: {}
"""

OUTSIDE = """\
name: demo
services:
  db:
    image: postgres
    networks:
      backend:
        ipv4_address: 172.20.0.5
networks:
  backend:
    ipam:
      config:
        - subnet: 10.30.0.0/24
"""


def test_fires_on_each_address_of_a_network_without_subnet(tmp_path):
    assert lint_text(tmp_path, NO_SUBNET, select=["PG304"]) == ["7:23 PG304", "12:23 PG304"]


def test_one_fix_per_network_holding_every_address(tmp_path):
    first, second = lint_diags(tmp_path, NO_SUBNET, select=["PG304"])
    assert first.fix is not None and first.fix.title == "add the subnet 172.20.0.0/23 to network 'backend'"
    assert second.fix is None
    assert "172.20.0.0/23 added to network 'backend' holds it" in second.notes[1]
    assert "not in any subnet on network demo_backend" in first.notes[0]


def test_address_outside_a_declared_subnet_is_an_error_without_fix(tmp_path):
    assert lint_text(tmp_path, OUTSIDE, select=["PG304"]) == ["7:23 PG304"]
    (diag,) = lint_diags(tmp_path, OUTSIDE, select=["PG304"])
    assert diag.fix is None
    assert "requested static ip 172.20.0.5 not in any subnet on network demo_backend" in diag.message


def test_address_inside_the_subnet_does_not_fire(tmp_path):
    assert lint_text(tmp_path, OUTSIDE.replace("10.30.0.0/24", "172.20.0.0/16"), select=["PG304"]) == []


def test_rootful_fires_too(tmp_path):
    assert lint_text(tmp_path, OUTSIDE, select=["PG304"], rootless=False) == ["7:23 PG304"]


def test_ipv6_address_with_only_an_ipv4_subnet(tmp_path):
    text = OUTSIDE.replace("        ipv4_address: 172.20.0.5\n",
                           "        ipv4_address: 10.30.0.5\n        ipv6_address: \"fd00:30::5\"\n")
    assert lint_text(tmp_path, text, select=["PG304"]) == ["8:23 PG304"]
    result = convert_text(tmp_path, text)
    assert keys(unit(result, "demo_backend.network"), "Subnet") == ["10.30.0.0/24", "fd00:30::/64"]


def test_no_fix_when_an_address_would_be_the_gateway(tmp_path):
    text = NO_SUBNET.replace("172.20.0.5", "172.20.0.1")
    diags = lint_diags(tmp_path, text, select=["PG304"])
    assert [d.span.line for d in diags] == [7, 12] and all(d.fix is None for d in diags)
    assert "declare a subnet that holds it" in diags[0].notes[1]


def test_no_fix_when_the_subnet_would_overlap_another_network(tmp_path):
    text = NO_SUBNET + ("  other:\n    ipam:\n      config:\n        - subnet: 172.20.0.0/16\n")
    text = text.replace("    image: redis\n    networks:\n      backend:\n",
                        "    image: redis\n    networks:\n      other: {}\n      backend:\n")
    diags = lint_diags(tmp_path, text, select=["PG304"])
    assert len(diags) == 2 and all(d.fix is None for d in diags)


def test_external_networks_are_not_checked(tmp_path):
    text = NO_SUBNET.replace("  backend: {}\n", "  backend:\n    external: true\n")
    assert lint_text(tmp_path, text, select=["PG304"]) == []


def test_convert_adds_the_subnet(tmp_path):
    result = convert_text(tmp_path, NO_SUBNET)
    assert keys(unit(result, "demo_backend.network"), "Subnet") == ["172.20.0.0/23"]
    assert keys(unit(result, "demo-cache.container"), "Network") == ["demo_backend.network:alias=cache,ip=172.20.1.7"]
    assert any(c.code == "PG304" and c.new == "172.20.0.0/23" for c in result.changes)
    assert "# changed: networks.backend.ipam: (no subnet) -> 172.20.0.0/23 (PG304" in unit(result, "demo-db.container")


def test_fix_adds_ipam_config_to_the_file(tmp_path):
    fixed = fix_twice(tmp_path, NO_SUBNET)
    assert fixed.endswith("networks:\n  backend:\n    ipam:\n      config:\n        - subnet: 172.20.0.0/23\n")
    assert relint(tmp_path, fixed, ["PG304"]) == []


def test_fix_appends_to_an_existing_ipam_without_subnet_of_the_family(tmp_path):
    text = OUTSIDE.replace("ipv4_address: 172.20.0.5", "ipv6_address: \"fd00:7::9\"")
    fixed = fix_twice(tmp_path, text)
    assert "        - subnet: 10.30.0.0/24\n        - subnet: fd00:7::/64\n" in fixed
    assert relint(tmp_path, fixed, ["PG304"]) == []


def test_documentation_and_example(tmp_path):
    assert doc_sections_ok("PG304")
    assert lint_text(tmp_path, doc_example("PG304"), select=["PG304"]) == ["6:23 PG304"]


@pytest.mark.quadlet
def test_fixed_example_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    result = convert_example(tmp_path, "PG304")
    network = next(f.text for f in result.files if f.name.endswith("_backend.network"))
    assert keys(network, "Subnet") == ["172.20.0.0/24"]
    assert_quadlet_accepts(tmp_path, result, quadlet_generator)


MALFORMED = """\
name: demo
services:
  a:
    image: busybox
    networks:
      back:
        ipv4_address: 10.5.0.300
  b:
    image: busybox
    networks:
      back:
        ipv4_address: "fd00:20::5"
        ipv6_address: 10.5.0.7
  c:
    image: busybox
    networks:
      back:
        ipv4_address: 10.5.0.8
networks:
  back:
    enable_ipv6: true
    ipam:
      config:
        - subnet: 10.5.0.0/16
        - subnet: fd00:20::/64
"""


def test_malformed_addresses_are_errors_and_nothing_else(tmp_path):
    diags = lint_diags(tmp_path, MALFORMED, select=("PG3",))
    found = [(d.span.line, d.span.col, d.code) for d in diags if d.code in ("PG301", "PG304")
             and d.span.line < 20]
    assert found == [(7, 23, "PG304"), (12, 23, "PG304"), (13, 23, "PG304"), (18, 23, "PG301")], found
    first = next(d for d in diags if d.span.line == 7)
    assert first.message == ("service 'a': ipv4_address '10.5.0.300' on network 'back' is not an IPv4 "
                             "address; the container cannot be created")
    assert first.severity.label == "error"
