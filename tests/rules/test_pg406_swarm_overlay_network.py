"""PG406 swarm-overlay-network: a Docker Swarm overlay network becomes a bridge."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import (assert_quadlet_accepts, convert_example, doc_example, doc_sections_ok, fix_twice,
                           relint)

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / \
    "caddy-docker-proxy__standalone-swarm-example.yml"

OVERLAY = """\
name: swarm
services:
  web:
    image: traefik/whoami
    networks:
      proxy:
        aliases: [whoami]
networks:
  proxy:
    driver: overlay
    attachable: true
    driver_opts:
      encrypted: "true"
      com.docker.network.driver.overlay.vxlanid_list: "4097"
      mtu: "1400"
"""


def test_fires_at_the_driver_value(tmp_path):
    assert lint_text(tmp_path, OVERLAY, select=["PG406"]) == ["10:13 PG406"]
    (diag,) = lint_diags(tmp_path, OVERLAY, select=["PG406"])
    assert "network 'proxy' uses the Docker Swarm overlay driver" in diag.message
    assert "failed to find driver or plugin \"overlay\"" in diag.message and "used by web" in diag.message
    assert diag.fix is not None and diag.fix.safe is True
    # nothing Swarm-only is dropped without a word
    assert any("encrypted" in n for n in diag.notes)
    assert any("attachable" in n for n in diag.notes)


def test_docker_options_of_an_overlay_are_pg405s(tmp_path):
    assert lint_text(tmp_path, OVERLAY, select=["PG405"]) == ["14:7 PG405"]


@pytest.mark.parametrize("driver", ["bridge", "macvlan", "Bridge"])
def test_near_misses_do_not_fire(tmp_path, driver):
    assert lint_text(tmp_path, OVERLAY.replace("driver: overlay", f"driver: {driver}"), select=["PG406"]) == []


def test_no_driver_and_external_do_not_fire(tmp_path):
    assert lint_text(tmp_path, OVERLAY.replace("    driver: overlay\n", ""), select=["PG406"]) == []
    external = "name: s\nservices:\n  a:\n    image: x\n    networks: [n]\nnetworks:\n  n:\n    external: true\n"
    assert lint_text(tmp_path, external, select=["PG406"]) == []


def test_rootful_fires_too(tmp_path):
    assert lint_text(tmp_path, OVERLAY, select=["PG406"], rootless=False) == ["10:13 PG406"]


def test_corpus_regression(tmp_path):
    if not CORPUS.exists():
        pytest.skip("no shared corpus")
    text = CORPUS.read_text()
    found = lint_text(tmp_path, text, select=["PG406"])
    assert len(found) == 1 and found[0].endswith("PG406")
    line = int(found[0].split(":")[0])
    assert text.splitlines()[line - 1].strip() == "driver: overlay"
    result = convert_text(tmp_path, text)
    (net,) = [f.text for f in result.files if f.name.endswith(".network")]
    assert keys(net, "Driver") == []


def test_convert_makes_a_bridge(tmp_path):
    result = convert_text(tmp_path, OVERLAY)
    net = unit(result, "swarm_proxy.network")
    assert keys(net, "Driver") == []
    assert keys(net, "Options") == ["mtu=1400"]           # encrypted (PG406) and the vxlan id (PG405) removed
    web = unit(result, "swarm-web.container")
    assert keys(web, "Network") == ["swarm_proxy.network:alias=web,alias=whoami"]
    assert "changed: networks: proxy (overlay) -> proxy (bridge) (dropped encrypted) (PG406" in web
    (diag,) = [d for d in result.diagnostics if d.code == "PG406"]
    assert diag.applied is True


def test_convert_script_makes_a_bridge(tmp_path):
    script = convert_text(tmp_path, OVERLAY, fmt="script").files[0].text
    create = next(line for line in script.splitlines() if line.strip().startswith("podgen_network swarm_proxy"))
    assert "--driver" not in create and "overlay" not in create and "encrypted" not in create
    assert "--opt=mtu=1400" in create


def test_convert_for_podman_43_script(tmp_path):
    script = convert_text(tmp_path, OVERLAY, fmt="script", version=(4, 3, 0)).files[0].text
    assert "overlay" not in "\n".join(l for l in script.splitlines() if not l.lstrip().startswith("#"))


def test_fix_rewrites_the_network(tmp_path):
    fixed = fix_twice(tmp_path, OVERLAY)
    assert "    driver: bridge\n" in fixed and "overlay" not in fixed and "encrypted" not in fixed
    assert fixed.endswith("    driver: bridge\n    attachable: true\n    driver_opts:\n      mtu: \"1400\"\n")
    assert relint(tmp_path, fixed, ["PG406", "PG405"]) == []


def test_documentation_and_example(tmp_path):
    assert doc_sections_ok("PG406")
    assert lint_text(tmp_path, doc_example("PG406"), select=["PG406"]) == ["7:13 PG406"]


@pytest.mark.quadlet
def test_converted_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    assert_quadlet_accepts(tmp_path, convert_example(tmp_path, "PG406"), quadlet_generator)
    sub = tmp_path / "overlay"
    sub.mkdir()
    assert_quadlet_accepts(sub, convert_text(sub, OVERLAY), quadlet_generator)
    if CORPUS.exists():
        corpus = tmp_path / "corpus"
        corpus.mkdir()
        assert_quadlet_accepts(corpus, convert_text(corpus, CORPUS.read_text()), quadlet_generator)
