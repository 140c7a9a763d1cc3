"""PG402 host-network: network_mode: host rootless, and what Podman refuses with it."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import (assert_quadlet_accepts, convert_example, doc_example, doc_sections_ok, fix_twice,
                           relint)
from podgen.report.diagnostics import Severity

HOST = """\
name: demo
services:
  web:
    image: nginx
    network_mode: host
    expose: ["80", "8443"]
    sysctls:
      net.core.somaxconn: "1024"
      kernel.msgmax: "65536"
  app:
    image: example/app
"""


def test_fires_at_network_mode_and_at_the_net_sysctl(tmp_path):
    assert lint_text(tmp_path, HOST, select=["PG402"]) == ["5:19 PG402", "8:7 PG402"]


def test_low_port_makes_it_an_error(tmp_path):
    main, sysctl = lint_diags(tmp_path, HOST, select=["PG402"])
    assert main.severity == Severity.ERROR
    assert "cannot listen on 80 (below 1024" in main.message and "8443" not in main.message
    assert "ip_unprivileged_port_start=80" in main.notes[0]
    assert sysctl.severity == Severity.ERROR
    assert "sysctl net.core.somaxconn=1024 can't be set since Network Namespace set to host" in sysctl.message


def test_unprivileged_port_start_is_the_limit(tmp_path):
    main, _ = lint_diags(tmp_path, HOST, select=["PG402"], port_start=80)
    assert main.severity == Severity.INFO and "cannot listen" not in main.message


def test_info_when_harmless_warning_when_others_use_its_name(tmp_path):
    text = HOST.replace('    expose: ["80", "8443"]\n', '    expose: ["8443"]\n')
    assert lint_diags(tmp_path, text, select=["PG402"])[0].severity == Severity.INFO
    other_host = text + "    environment:\n      DOCS: https://web.example.com/web-ui\n"
    assert lint_diags(tmp_path, other_host, select=["PG402"])[0].severity == Severity.INFO
    text += "    environment:\n      API_URL: http://web:8443/\n"
    main = lint_diags(tmp_path, text, select=["PG402"])[0]
    assert main.severity == Severity.WARNING and "(app refers to it by name)" in main.message


def test_bridge_service_does_not_fire(tmp_path):
    text = HOST.replace("    network_mode: host\n", "")
    assert lint_text(tmp_path, text, select=["PG402"]) == []


def test_rootful_reports_only_what_podman_refuses(tmp_path):
    assert lint_text(tmp_path, HOST, select=["PG402"], rootless=False) == ["8:7 PG402"]


def test_networks_and_mac_address_next_to_host(tmp_path):
    text = HOST.replace("    network_mode: host\n",
                        "    network_mode: host\n    mac_address: \"02:42:ac:11:00:02\"\n    networks: [default]\n")
    found = lint_text(tmp_path, text, select=["PG402"], rootless=False)
    assert found == ["6:5 PG402", "7:5 PG402", "10:7 PG402"]
    result = convert_text(tmp_path, text, rootless=False, fmt="script")
    run = result.files[0].text.split("podgen_run demo-web-1", 1)[1].split("\n\n", 1)[0]
    assert "--network=host" in run and "--mac-address" not in run and "somaxconn" not in run
    fixed = fix_twice(tmp_path, text, rootless=False)
    assert "mac_address" not in fixed and "networks" not in fixed and "somaxconn" not in fixed


def test_convert_removes_the_sysctl_and_keeps_host(tmp_path):
    result = convert_text(tmp_path, HOST)
    web = unit(result, "demo-web.container")
    assert keys(web, "Network") == ["host"]
    assert keys(web, "Sysctl") == ["kernel.msgmax=65536"]
    assert "# changed: sysctls: net.core.somaxconn=1024 -> (removed) (PG402" in web
    assert "# PG402: service 'web' uses the host's network" in web


@pytest.mark.parametrize("sysctls,left", [
    ('    sysctls:\n      net.core.somaxconn: "1024"\n', ""),
    ('    sysctls:\n      - net.core.somaxconn=1024\n      - kernel.msgmax=65536\n',
     "    sysctls:\n      - kernel.msgmax=65536\n"),
])
def test_fix_removes_the_sysctl_in_both_syntaxes(tmp_path, sysctls, left):
    text = f"services:\n  web:\n    image: nginx\n    network_mode: host\n{sysctls}"
    fixed = fix_twice(tmp_path, text)
    assert fixed == f"services:\n  web:\n    image: nginx\n    network_mode: host\n{left}"
    assert [f for f in relint(tmp_path, fixed, ["PG402"]) if f != "4:19 PG402"] == []


def test_documentation_and_example(tmp_path):
    assert doc_sections_ok("PG402")
    assert lint_text(tmp_path, doc_example("PG402"), select=["PG402"]) == ["4:19 PG402", "7:7 PG402"]


@pytest.mark.quadlet
def test_converted_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    assert_quadlet_accepts(tmp_path, convert_example(tmp_path, "PG402"), quadlet_generator)
    sub = tmp_path / "host"
    sub.mkdir()
    assert_quadlet_accepts(sub, convert_text(sub, HOST), quadlet_generator)
