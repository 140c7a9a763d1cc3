"""PG405 docker-network-option: driver_opts only Docker knows (Podman refuses to create the network)."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import (assert_quadlet_accepts, convert_example, doc_example, doc_sections_ok, fix_twice,
                           relint)

OPTS = """\
name: shop
services:
  api:
    image: example/api
    ports:
      - "8080:8080"
      - target: 9090
        published: "9090"
      - "127.0.0.2:7000:7000"
    networks: [backend]
  worker:
    image: example/worker
networks:
  backend:
    driver_opts:
      com.docker.network.driver.mtu: "1400"
      com.docker.network.bridge.enable_icc: "false"
      com.docker.network.bridge.host_binding_ipv4: "127.0.0.1"
      isolate: "true"
"""


def test_fires_at_each_docker_option_before_5_4(tmp_path):
    assert lint_text(tmp_path, OPTS, select=["PG405"], version=(4, 9, 0)) == ["16:7 PG405", "17:7 PG405",
                                                                            "18:7 PG405"]


def test_podman_5_4_maps_the_mtu_itself(tmp_path):
    assert lint_text(tmp_path, OPTS, select=["PG405"]) == ["17:7 PG405", "18:7 PG405"]


def test_podman_options_do_not_fire(tmp_path):
    text = OPTS.split("    driver_opts:\n")[0] + "    driver_opts:\n      mtu: \"1400\"\n      isolate: \"true\"\n"
    assert lint_text(tmp_path, text, select=["PG405"], version=(4, 3, 0)) == []


def test_fires_rootful_too(tmp_path):
    assert len(lint_text(tmp_path, OPTS, select=["PG405"], rootless=False)) == 2


def test_messages_quote_podman(tmp_path):
    icc, binding = lint_diags(tmp_path, OPTS, select=["PG405"])
    assert "('unsupported bridge network option com.docker.network.bridge.enable_icc')" in icc.message
    assert "separate networks" in icc.notes[0]
    assert "its services' ports (api) are published on 127.0.0.1 instead" in binding.message


def test_convert_translates_removes_and_binds_the_ports(tmp_path):
    result = convert_text(tmp_path, OPTS, version=(4, 9, 0))
    net = unit(result, "shop_backend.network")
    assert keys(net, "Options") == ["mtu=1400", "isolate=true"]
    api = unit(result, "shop-api.container")
    assert keys(api, "PublishPort") == ["127.0.0.1:8080:8080", "127.0.0.1:9090:9090", "127.0.0.2:7000:7000"]
    assert keys(unit(result, "shop-worker.container"), "PublishPort") == []


def test_unspecified_binding_only_goes_away(tmp_path):
    text = OPTS.replace('"127.0.0.1"', '"0.0.0.0"')
    result = convert_text(tmp_path, text)
    assert keys(unit(result, "shop-api.container"), "PublishPort") == ["8080:8080", "9090:9090",
                                                                      "127.0.0.2:7000:7000"]
    assert keys(unit(result, "shop_backend.network"), "Options") == ["com.docker.network.driver.mtu=1400",
                                                                      "isolate=true"]


@pytest.mark.parametrize("version,options", [((4, 9, 0), ["isolate=true"]),
                                             ((5, 4, 0), ["com.docker.network.bridge.name=br-shop", "isolate=true"])])
def test_bridge_name_before_and_since_5_4(tmp_path, version, options):
    text = OPTS.split("    driver_opts:\n")[0] + \
        "    driver_opts:\n      com.docker.network.bridge.name: br-shop\n      isolate: \"true\"\n"
    found = lint_text(tmp_path, text, select=["PG405"], version=version)
    assert found == (["16:7 PG405"] if version < (5, 4, 0) else [])
    assert keys(unit(convert_text(tmp_path, text, version=version), "shop_backend.network"), "Options") == options


def test_macvlan_modes_rootful(tmp_path):
    text = """\
services:
  app:
    image: x
    networks: [lan]
networks:
  lan:
    driver: macvlan
    driver_opts:
      parent: eth0
      macvlan_mode: bridge
      com.docker.network.driver.mtu: "1400"
"""
    assert lint_text(tmp_path, text, select=["PG405"], rootless=False) == ["10:7 PG405", "11:7 PG405"]
    net = next(f.text for f in convert_text(tmp_path, text, rootless=False).files if f.name.endswith("_lan.network"))
    assert keys(net, "Options") == ["parent=eth0", "mode=bridge", "mtu=1400"]
    # rootless, PG401 makes it a bridge and drops the macvlan options; the MTU is still translated
    assert lint_text(tmp_path, text, select=["PG405"]) == ["11:7 PG405"]


def test_fix_edits_the_file(tmp_path):
    fixed = fix_twice(tmp_path, OPTS, version=(4, 9, 0))
    assert fixed == """\
name: shop
services:
  api:
    image: example/api
    ports:
      - "127.0.0.1:8080:8080"
      - target: 9090
        published: "9090"
        host_ip: 127.0.0.1
      - "127.0.0.2:7000:7000"
    networks: [backend]
  worker:
    image: example/worker
networks:
  backend:
    driver_opts:
      mtu: "1400"
      isolate: "true"
"""
    assert relint(tmp_path, fixed, ["PG405"], version=(4, 9, 0)) == []


def test_documentation_and_example(tmp_path):
    assert doc_sections_ok("PG405")
    assert lint_text(tmp_path, doc_example("PG405"), select=["PG405"], version=(4, 9, 0)) == [
        "9:7 PG405", "10:7 PG405", "11:7 PG405"]


@pytest.mark.quadlet
@pytest.mark.parametrize("version", [(5, 4, 0), (4, 9, 0)])
def test_converted_units_accepted_by_real_quadlet(tmp_path, quadlet_generator, version):
    assert_quadlet_accepts(tmp_path, convert_example(tmp_path, "PG405", version=version), quadlet_generator)


def test_network_changes_are_the_networks_not_a_services(tmp_path):
    """A driver option removed from a network is said of the network (its unit and the CLI line),
    not of the first service that happens to use it."""
    from cli_run import run_podgen
    from helpers import write
    write(tmp_path, OPTS)
    res = run_podgen("convert", "compose.yaml", "--podman-version", "5.4", cwd=tmp_path)
    lines = [line for line in res.stderr.splitlines() if "driver_opts" in line and line.startswith("changed:")]
    assert lines and all(line.startswith("changed: network backend: networks.backend.driver_opts") for line in lines)
    result = convert_text(tmp_path, OPTS)
    assert "driver_opts" in unit(result, "shop_backend.network")
    assert "networks.backend.driver_opts" not in unit(result, "shop-api.container")
