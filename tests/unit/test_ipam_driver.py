"""ipam.driver: Docker's ``default`` means "no driver given"; netavark refuses the name
(``Error: unsupported ipam driver "default"``) and the network unit would fail, so nothing is
written for it.  Podman's own drivers pass through (issue 12: PeerTube, mailcow, wg-easy)."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, unit

TEXT = """\
name: p
services:
  app:
    image: busybox
networks:
  default:
    ipam:
      driver: {driver}
      config:
        - subnet: 10.5.0.0/16
"""


def _script_network_line(result) -> str:
    (script,) = [f.text for f in result.files if f.name.endswith(".sh")]
    (line,) = [x for x in script.splitlines() if x.lstrip().startswith("podgen_network p_default")]
    return line


@pytest.mark.parametrize("driver", ["default", '"default"'])
def test_default_is_no_driver(tmp_path, driver):
    text = TEXT.format(driver=driver)
    net = unit(convert_text(tmp_path, text), "p_default.network")
    assert keys(net, "IPAMDriver") == [] and keys(net, "Subnet") == ["10.5.0.0/16"]
    line = _script_network_line(convert_text(tmp_path, text, fmt="script", version=(4, 3, 0)))
    assert "--ipam-driver" not in line and "--subnet=10.5.0.0/16" in line


@pytest.mark.parametrize("driver", ["host-local", "dhcp", "none"])
def test_podman_drivers_pass_through(tmp_path, driver):
    text = TEXT.format(driver=driver)
    assert keys(unit(convert_text(tmp_path, text), "p_default.network"), "IPAMDriver") == [driver]
    line = _script_network_line(convert_text(tmp_path, text, fmt="script", version=(4, 3, 0)))
    assert f"--ipam-driver={driver}" in line


def test_default_without_config(tmp_path):
    text = "name: p\nservices:\n  app:\n    image: busybox\nnetworks:\n  default:\n    ipam: {driver: default}\n"
    assert "IPAMDriver" not in unit(convert_text(tmp_path, text), "p_default.network")
