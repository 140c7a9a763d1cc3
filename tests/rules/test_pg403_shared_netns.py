"""PG403 shared-netns: network_mode service:X / container:X and the settings Podman refuses there."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import (assert_quadlet_accepts, convert_example, doc_example, doc_sections_ok, fix_twice,
                           relint)
from podgen.report.diagnostics import Severity

JOINER = """\
name: demo
services:
  vpn:
    image: gluetun
    networks:
      front:
        aliases: [tunnel]
  torrent:
    image: qbittorrent
    network_mode: "service:vpn"
    hostname: tor
    mac_address: "02:42:ac:11:00:98"
    extra_hosts:
      - "tracker.lan:192.168.1.5"
      - "peer.lan=192.168.1.6"
    networks:
      front:
        aliases: [qbit]
networks:
  front: {}
"""

PLAIN = """\
name: demo
services:
  vpn:
    image: gluetun
  torrent:
    image: qbittorrent
    network_mode: "service:vpn"
"""


def test_fires_where_each_setting_is(tmp_path):
    assert lint_text(tmp_path, JOINER, select=["PG403"]) == [
        "10:19 PG403", "11:15 PG403", "12:18 PG403", "14:9 PG403", "15:9 PG403", "16:5 PG403"]


def test_severities(tmp_path):
    explain, hostname, mac, host1, host2, nets = lint_diags(tmp_path, JOINER, select=["PG403"])
    assert (explain.severity, hostname.severity) == (Severity.INFO, Severity.INFO)
    assert {mac.severity, host1.severity, host2.severity, nets.severity} == {Severity.ERROR}
    assert "cannot set extra host entries when the container is joined" in host1.message
    assert "--mac-address can only be set when the network mode is bridge" in mac.message


def test_plain_join_is_only_explained(tmp_path):
    assert lint_text(tmp_path, PLAIN, select=["PG403"]) == ["7:19 PG403"]


def test_no_network_mode_does_not_fire(tmp_path):
    text = JOINER.replace('    network_mode: "service:vpn"\n', "")
    assert lint_text(tmp_path, text, select=["PG403"]) == []


def test_rootful_fires_too(tmp_path):
    assert len(lint_text(tmp_path, JOINER, select=["PG403"], rootless=False)) == 6


@pytest.mark.parametrize("version,written", [((5, 4, 0), "demo-vpn.container"), ((5, 2, 0), "container:demo-vpn-1")])
def test_the_explanation_matches_the_unit(tmp_path, version, written):
    (diag,) = lint_diags(tmp_path, PLAIN, select=["PG403"], version=version)
    assert f"written as Network={written}" in diag.message
    torrent = unit(convert_text(tmp_path, PLAIN, version=version), "demo-torrent.container")
    assert keys(torrent, "Network") == [written]
    if version < (5, 3, 0):
        assert keys(torrent, "Requires") == ["demo-vpn.service"] and keys(torrent, "After") == ["demo-vpn.service"]


def test_script_uses_the_container_form(tmp_path):
    script = convert_text(tmp_path, PLAIN, fmt="script").files[0].text
    assert "--network=container:demo-vpn-1 \\\n" in script


def test_convert_moves_and_removes(tmp_path):
    result = convert_text(tmp_path, JOINER)
    torrent, vpn = unit(result, "demo-torrent.container"), unit(result, "demo-vpn.container")
    assert keys(torrent, "Network") == ["demo-vpn.container"]
    assert keys(torrent, "AddHost") == [] and "mac-address" not in torrent
    assert keys(torrent, "HostName") == ["tor"]
    assert keys(vpn, "AddHost") == ["tracker.lan:192.168.1.5", "peer.lan:192.168.1.6"]
    assert keys(vpn, "Network") == ["demo_front.network:alias=vpn,alias=tunnel,alias=qbit"]


def test_container_mode_drops_what_it_cannot_move(tmp_path):
    text = JOINER.replace('"service:vpn"', '"container:external-vpn"')
    result = convert_text(tmp_path, text)
    assert keys(unit(result, "demo-torrent.container"), "Network") == ["container:external-vpn"]
    assert keys(unit(result, "demo-vpn.container"), "AddHost") == []
    assert keys(unit(result, "demo-vpn.container"), "Network") == ["demo_front.network:alias=vpn,alias=tunnel"]
    diags = lint_diags(tmp_path, text, select=["PG403"])
    assert "which is not part of this project" in diags[0].message


def test_chains_reach_the_owner(tmp_path):
    text = PLAIN + "  web:\n    image: ui\n    network_mode: service:torrent\n    extra_hosts: [\"a.lan:10.0.0.1\"]\n"
    result = convert_text(tmp_path, text)
    assert keys(unit(result, "demo-vpn.container"), "AddHost") == ["a.lan:10.0.0.1"]


def test_fix_moves_and_removes_in_the_file(tmp_path):
    fixed = fix_twice(tmp_path, JOINER)
    assert fixed == """\
name: demo
services:
  vpn:
    image: gluetun
    networks:
      front:
        aliases: [tunnel, qbit]
    extra_hosts:
      - "tracker.lan:192.168.1.5"
      - "peer.lan=192.168.1.6"
  torrent:
    image: qbittorrent
    network_mode: "service:vpn"
    hostname: tor
networks:
  front: {}
"""
    assert relint(tmp_path, fixed, ["PG403"]) == ["13:19 PG403", "14:15 PG403"]


def test_documentation_and_example(tmp_path):
    assert doc_sections_ok("PG403")
    assert lint_text(tmp_path, doc_example("PG403"), select=["PG403"]) == ["6:19 PG403", "8:9 PG403"]


@pytest.mark.quadlet
@pytest.mark.parametrize("version", [(5, 4, 0), (5, 0, 0), (4, 6, 0)])
def test_converted_units_accepted_by_real_quadlet(tmp_path, quadlet_generator, version):
    assert_quadlet_accepts(tmp_path, convert_example(tmp_path, "PG403", version=version), quadlet_generator)
    sub = tmp_path / "joiner"
    sub.mkdir()
    assert_quadlet_accepts(sub, convert_text(sub, JOINER, version=version), quadlet_generator)
