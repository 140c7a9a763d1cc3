"""PG407 network-mode-unavailable: pasta before Podman 4.4 becomes slirp4netns, options translated."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import assert_quadlet_accepts, doc_example, doc_sections_ok, fix_twice, relint
from podgen.rules.pg407_network_mode_unavailable import pasta_to_slirp4netns

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "podman-test__pasta_opts.yml"
V43 = (4, 3, 1)

PASTA = """\
name: net
services:
  app:
    image: alpine
    network_mode: "pasta:--ipv4-only,--mtu,1280,-a,10.0.2.0,--dns-forward,10.0.2.3"
    command: ["top"]
"""


def test_fires_at_the_network_mode_value(tmp_path):
    assert lint_text(tmp_path, PASTA, select=["PG407"], version=V43) == ["5:19 PG407"]
    (diag,) = lint_diags(tmp_path, PASTA, select=["PG407"], version=V43)
    assert "not available in Podman 4.3.1 (pasta came with Podman 4.4)" in diag.message
    assert diag.fix is not None and diag.fix.safe is True
    # every option without an equivalent is named
    assert any("removed: -a,10.0.2.0, --dns-forward,10.0.2.3" in n for n in diag.notes), diag.notes


def test_plain_pasta_fires(tmp_path):
    text = PASTA.replace('"pasta:--ipv4-only,--mtu,1280,-a,10.0.2.0,--dns-forward,10.0.2.3"', "pasta")
    assert lint_text(tmp_path, text, select=["PG407"], version=(4, 3, 0)) == ["5:19 PG407"]
    assert lint_text(tmp_path, text, select=["PG407"], version=(4, 3, 0), rootless=False) == ["5:19 PG407"]


@pytest.mark.parametrize("version", [(4, 4, 0), (4, 9, 4), (5, 4, 0)])
def test_pasta_on_44_and_later_does_not_fire(tmp_path, version):
    assert lint_text(tmp_path, PASTA, select=["PG407"], version=version) == []


@pytest.mark.parametrize("mode", ["slirp4netns", "slirp4netns:mtu=1280", "host", "bridge", "none"])
def test_other_modes_on_43_do_not_fire(tmp_path, mode):
    text = PASTA.replace('"pasta:--ipv4-only,--mtu,1280,-a,10.0.2.0,--dns-forward,10.0.2.3"', f'"{mode}"')
    assert lint_text(tmp_path, text, select=["PG407"], version=V43) == []


def test_translation():
    assert pasta_to_slirp4netns(["--ipv4-only", "--mtu", "1280"]) == (["enable_ipv6=false", "mtu=1280"], [])
    assert pasta_to_slirp4netns(["-4", "-m", "9000"]) == (["enable_ipv6=false", "mtu=9000"], [])
    assert pasta_to_slirp4netns(["--mtu=1500", "--map-gw", "--no-map-gw"]) == (
        ["mtu=1500", "allow_host_loopback=true"], [])
    assert pasta_to_slirp4netns(["-o", "192.0.2.5", "--outbound-if6", "eth1"]) == (
        ["outbound_addr=192.0.2.5", "outbound_addr6=eth1"], [])
    assert pasta_to_slirp4netns(["-6", "-t", "8080", "--dns", "1.1.1.1"]) == (
        [], ["-6", "-t,8080", "--dns,1.1.1.1"])


def test_corpus_regression(tmp_path):
    if not CORPUS.exists():
        pytest.skip("no shared corpus")
    text = CORPUS.read_text()
    assert lint_text(tmp_path, text, select=["PG407"], version=V43) == ["4:19 PG407"]
    assert lint_text(tmp_path, text, select=["PG407"]) == []
    script = convert_text(tmp_path, text, fmt="script", version=V43).files[0].text
    assert "    --network=slirp4netns:enable_ipv6=false,mtu=1280 \\" in script.splitlines()
    assert "--network=pasta" not in script


def test_convert_script_for_43(tmp_path):
    result = convert_text(tmp_path, PASTA, fmt="script", version=V43)
    lines = result.files[0].text.splitlines()
    assert "    --network=slirp4netns:enable_ipv6=false,mtu=1280 \\" in lines
    (change,) = [c for c in result.changes if c.code == "PG407"]
    assert (change.service, change.what, change.new) == ("app", "network_mode",
                                                         "slirp4netns:enable_ipv6=false,mtu=1280")
    assert "no equivalent for -a,10.0.2.0, --dns-forward,10.0.2.3" in result.files[0].text


def test_convert_quadlet_keeps_pasta_on_54(tmp_path):
    app = unit(convert_text(tmp_path, PASTA), "net-app.container")
    assert keys(app, "Network") == ["pasta:--ipv4-only,--mtu,1280,-a,10.0.2.0,--dns-forward,10.0.2.3"]


def test_fix_rewrites_the_file(tmp_path):
    fixed = fix_twice(tmp_path, PASTA, version=V43)
    assert '    network_mode: "slirp4netns:enable_ipv6=false,mtu=1280"\n' in fixed
    assert relint(tmp_path, fixed, ["PG407"], version=V43) == []


def test_documentation_and_example(tmp_path):
    assert doc_sections_ok("PG407")
    assert lint_text(tmp_path, doc_example("PG407"), select=["PG407"], version=V43) == ["4:19 PG407"]


@pytest.mark.quadlet
def test_fixed_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    # Podman 4.3 has no Quadlet (podgen writes a script for it): check that the fixed file's
    # Network=slirp4netns:... is accepted by the real generator (4.4 is the first Quadlet target)
    fixed = fix_twice(tmp_path, PASTA, version=V43)
    sub = tmp_path / "fixed"
    sub.mkdir()
    result = convert_text(sub, fixed, version=(4, 4, 0))
    assert keys(unit(result, "net-app.container"), "Network") == ["slirp4netns:enable_ipv6=false,mtu=1280"]
    assert_quadlet_accepts(sub, result, quadlet_generator)
