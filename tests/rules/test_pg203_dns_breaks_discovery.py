"""PG203 dns-breaks-discovery: dns before 4.4.3, and dns with a shared network namespace."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import fix_twice
from podgen.report.diagnostics import Severity
from realpodman import run_quadlet

CUSTOM_DNS = """\
name: demo
services:
  app:
    image: app
    dns: [9.9.9.9]
  db:
    image: postgres
"""

JOINER = """\
name: demo
services:
  app:
    image: app
  sidecar:
    image: proxy
    network_mode: "service:app"
    dns: 1.1.1.1
    dns_search:
      - example.org
"""


@pytest.mark.parametrize("version", [(4, 3, 1), (4, 4, 2)])
def test_custom_dns_before_4_4_3_fires_on_the_key(tmp_path, version):
    diags = lint_diags(tmp_path, CUSTOM_DNS, select=["PG203"], version=version)
    assert [f"{d.span.line}:{d.span.col} {d.code}" for d in diags] == ["5:5 PG203"]
    assert diags[0].severity is Severity.WARNING and diags[0].fix is None


@pytest.mark.parametrize("version", [(4, 4, 3), (4, 9, 0), (5, 4, 0)])
def test_custom_dns_is_fine_from_4_4_3(tmp_path, version):
    assert lint_text(tmp_path, CUSTOM_DNS, select=["PG203"], version=version) == []


@pytest.mark.parametrize("text", [
    CUSTOM_DNS.replace("    dns: [9.9.9.9]\n", "    dns: [9.9.9.9]\n    network_mode: bridge\n"),   # no aardvark
    CUSTOM_DNS.replace("    dns: [9.9.9.9]\n", "    dns: [9.9.9.9]\n    network_mode: host\n"),
    CUSTOM_DNS.replace("  db:\n    image: postgres\n", ""),                                         # alone
    CUSTOM_DNS.replace("dns: [9.9.9.9]", "dns_search: [example.org]"),
])
def test_near_misses_on_old_podman(tmp_path, text):
    assert lint_text(tmp_path, text, select=["PG203"], version=(4, 3, 1)) == []


@pytest.mark.parametrize("mode", ["service:app", "container:other", "none"])
def test_dns_with_a_shared_namespace_is_an_error_on_every_version(tmp_path, mode):
    text = JOINER.replace("service:app", mode)
    for version in ((4, 3, 1), (5, 4, 0)):
        diags = lint_diags(tmp_path, text, select=["PG203"], version=version, rootless=False)
        assert [f"{d.span.line}:{d.span.col} {d.code}" for d in diags] == ["8:5 PG203", "9:5 PG203"]
        assert all(d.severity is Severity.ERROR for d in diags)
        assert "conflicting options: dns and the network mode" in diags[0].message


def test_convert_drops_dns_of_the_joiner(tmp_path):
    sidecar = unit(convert_text(tmp_path, JOINER), "demo-sidecar.container")
    assert keys(sidecar, "DNS") == [] and keys(sidecar, "DNSSearch") == []
    assert "dns: 1.1.1.1 -> (removed) (PG203" in sidecar
    script = convert_text(tmp_path, JOINER, fmt="script").files[0].text
    assert "--dns" not in script and "dns: 1.1.1.1 -> (removed)" in script


def test_convert_keeps_dns_on_new_podman(tmp_path):
    app = unit(convert_text(tmp_path, CUSTOM_DNS), "demo-app.container")
    assert keys(app, "DNS") == ["9.9.9.9"]


def test_fix_removes_the_keys(tmp_path):
    assert fix_twice(tmp_path, JOINER) == JOINER.replace("    dns: 1.1.1.1\n    dns_search:\n      - example.org\n",
                                                         "")


@pytest.mark.quadlet
def test_fixed_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    result = convert_text(tmp_path, JOINER)
    proc = run_quadlet(quadlet_generator, result.files, tmp_path / "units")
    sidecar = proc.stdout.split("---demo-sidecar.service---", 1)[1]
    assert "--dns" not in sidecar
