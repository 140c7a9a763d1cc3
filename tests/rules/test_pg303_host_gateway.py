"""PG303 host-gateway: Docker's ways to reach the host, version-aware."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import fix_twice
from realpodman import run_quadlet

OLD = (4, 3, 1)
APP = """\
name: demo
services:
  app:
    image: app
    extra_hosts:
      - "host.docker.internal:host-gateway"
      - "metrics:172.17.0.1"
      - "db.local:10.0.0.5"
    environment:
      API_URL: http://host.docker.internal:9000/
      STATSD: 172.17.0.1:8125
      OTHER: 172.17.0.10
    command: ["--upstream", "http://host.docker.internal:8080"]
"""


def found(diags):
    return [f"{d.span.line}:{d.span.col} {d.severity.label}" for d in diags]


def test_before_4_7(tmp_path):
    diags = lint_diags(tmp_path, APP, select=["PG303"], version=OLD)
    assert found(diags) == ["6:9 error", "7:9 warning", "10:16 warning", "11:15 warning", "13:14 warning"]
    assert "invalid IP address in add-host" in diags[0].message
    assert diags[1].fix is None            # no host-gateway to map 172.17.0.1 to before 4.7


def test_from_4_7(tmp_path):
    diags = lint_diags(tmp_path, APP, select=["PG303"], version=(4, 7, 0))
    assert found(diags) == ["6:9 info", "7:9 warning", "11:15 warning"]
    assert "adds host.docker.internal itself" in diags[0].message
    assert all("169.254.1.2" not in n for d in diags for n in d.notes)


def test_pasta_address_is_explained_from_5_3_rootless(tmp_path):
    diags = lint_diags(tmp_path, APP, select=["PG303"], version=(5, 3, 0))
    assert any("169.254.1.2" in n for n in diags[0].notes)
    rootful = lint_diags(tmp_path, APP, select=["PG303"], version=(5, 3, 0), rootless=False)
    assert not any("169.254.1.2" in n for d in rootful for n in d.notes)


def test_name_without_extra_hosts_is_info_from_4_7(tmp_path):
    text = "services:\n  app:\n    image: app\n    environment:\n      - URL=http://host.docker.internal\n"
    assert found(lint_diags(tmp_path, text, select=["PG303"])) == ["5:9 info"]
    assert found(lint_diags(tmp_path, text, select=["PG303"], version=OLD)) == ["5:9 warning"]


@pytest.mark.parametrize("value", ["http://host.containers.internal:9000", "172.17.0.10", "10.172.17.0.1",
                                   "my-host.docker.internal.example", "172.17.0.1.5"])
def test_near_misses(tmp_path, value):
    text = f"services:\n  app:\n    image: app\n    environment:\n      URL: \"{value}\"\n" \
           "    extra_hosts: [\"h:10.0.0.1\", \"host.docker.internal:192.0.2.1\"]\n"
    assert lint_text(tmp_path, text, select=["PG303"], version=OLD) == []


def test_convert_before_4_7(tmp_path):
    result = convert_text(tmp_path, APP, fmt="script", version=OLD)
    script = result.files[0].text
    assert "--add-host=host.docker.internal" not in script
    assert "--add-host=metrics:172.17.0.1" in script          # explained, not rewritten
    assert "--env=API_URL=http://host.containers.internal:9000/" in script
    assert "--env=STATSD=host.containers.internal:8125" in script
    assert "--env=OTHER=172.17.0.10" in script
    assert "http://host.containers.internal:8080" in script


def test_convert_from_4_7(tmp_path):
    app = unit(convert_text(tmp_path, APP, version=(5, 4, 0)), "demo-app.container")
    assert keys(app, "AddHost") == ["host.docker.internal:host-gateway", "metrics:host-gateway", "db.local:10.0.0.5"]
    assert keys(app, "Environment") == ["API_URL=http://host.docker.internal:9000/",
                                        "STATSD=host.containers.internal:8125", "OTHER=172.17.0.10"]


def test_fix_before_4_7(tmp_path):
    fixed = fix_twice(tmp_path, APP, version=OLD)
    assert fixed == """\
name: demo
services:
  app:
    image: app
    extra_hosts:
      - "metrics:172.17.0.1"
      - "db.local:10.0.0.5"
    environment:
      API_URL: http://host.containers.internal:9000/
      STATSD: host.containers.internal:8125
      OTHER: 172.17.0.10
    command: ["--upstream", "http://host.containers.internal:8080"]
"""


def test_fix_from_4_7(tmp_path):
    fixed = fix_twice(tmp_path, APP, version=(5, 4, 0))
    assert '      - "metrics:host-gateway"\n' in fixed
    assert '      - "host.docker.internal:host-gateway"\n' in fixed
    assert "      STATSD: host.containers.internal:8125\n" in fixed


def test_fix_map_form(tmp_path):
    text = "services:\n  app:\n    image: app\n    extra_hosts:\n      host.docker.internal: host-gateway\n" \
           "      other: 10.0.0.1\n"
    assert lint_text(tmp_path, text, select=["PG303"], version=OLD) == ["5:29 PG303"]
    fixed = fix_twice(tmp_path, text, version=OLD)
    assert fixed.endswith("    extra_hosts:\n      other: 10.0.0.1\n")


@pytest.mark.quadlet
def test_fixed_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    result = convert_text(tmp_path, APP, version=(4, 6, 0))
    proc = run_quadlet(quadlet_generator, result.files, tmp_path / "units")
    exec_start = [line for line in proc.stdout.splitlines() if line.startswith("ExecStart=")]
    app = next(line for line in exec_start if "docker.io/library/app" in line)
    assert "host-gateway" not in app and "--add-host=db.local:10.0.0.5" in app
