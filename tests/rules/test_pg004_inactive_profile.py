"""PG004 inactive-profile: a service behind a profile that is not enabled is left out, and said so."""
from __future__ import annotations

from cli_run import run_podgen
from helpers import lint_diags, lint_text, write

TEXT = """\
name: demo
services:
  app:
    image: nginx
  debug:
    image: busybox
    profiles: [debug]
    ports: ["22:22"]
  tools:
    image: busybox
    profiles: [tools, ops]
"""


def test_fires_at_each_left_out_service(tmp_path):
    diags = lint_diags(tmp_path, TEXT, select=("PG004",))
    assert [(d.span.line, d.span.col, d.service) for d in diags] == [(5, 3, "debug"), (9, 3, "tools")]
    assert diags[0].message == "service 'debug' is left out: it is only enabled by profile debug, which is not active"
    assert diags[0].notes == ("to check and convert it too: --profile debug (or '*' for every profile)",)
    assert diags[1].message == "service 'tools' is left out: it is only enabled by profiles tools, ops, none of them active"
    assert diags[0].severity.label == "info" and diags[0].name == "inactive-profile"


def test_near_misses_active_profiles(tmp_path):
    assert lint_text(tmp_path, TEXT, select=("PG004",), profiles=("*",)) == []
    assert lint_text(tmp_path, TEXT, select=("PG004",), profiles=("debug", "ops")) == []
    assert lint_text(tmp_path, TEXT, select=("PG004",), profiles=("debug",)) == ["9:3 PG004"]
    # with the profile on, the service is checked: its privileged port is found
    assert "8:13 PG101" in lint_text(tmp_path, TEXT, profiles=("debug",))


def test_info_does_not_fail_the_hook_and_fix_takes_profiles(tmp_path):
    write(tmp_path, TEXT)
    lint = run_podgen("lint", "compose.yaml", "--podman-version", "5.4", cwd=tmp_path)
    assert lint.returncode == 0 and "PG004" in lint.stdout, lint.stdout
    fixed = run_podgen("fix", "compose.yaml", "--profile", "debug", "--diff", "--podman-version", "5.4", cwd=tmp_path)
    assert '+    ports: ["8022:22"]' in fixed.stdout, fixed.stdout + fixed.stderr
