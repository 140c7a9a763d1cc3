"""Realistic stacks written after the rules (tests/stacks/*): `podgen lint --format json`
reports exactly the codes their `# expect:` comments name, each at its line and at the
column where the offending value starts; the converted units pass the real Quadlet generator.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli_run import run_podgen

STACKS = Path(__file__).resolve().parent / "stacks"
CASES = sorted(p.parent for p in STACKS.glob("*/compose.yaml"))
EXPECT = re.compile(r"#\s*expect:\s*(PG\d{3}(?:\s+PG\d{3})*)\s*$")


def expected_findings(path: Path) -> set:
    found = set()
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        m = EXPECT.search(line)
        if m:
            found.update((lineno, code) for code in m.group(1).split())
    return found


def test_the_issue_s_stacks_are_all_here():
    assert {p.name for p in CASES} >= {
        "nextcloud", "traefik-docker-socket", "pihole-macvlan", "home-assistant-host", "vpn-sidecar",
        "legacy-links", "monitoring", "mailserver", "dns-server", "shared-host-port"}


@pytest.mark.parametrize("stack", CASES, ids=[p.name for p in CASES])
def test_lint_json_reports_the_expected_codes_where_they_apply(stack):
    compose = stack / "compose.yaml"
    proc = run_podgen("lint", "--format", "json", "--podman-version", "5.4", "compose.yaml", cwd=stack)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    findings = json.loads(proc.stdout)
    expected = expected_findings(compose)
    assert expected, f"{compose} has no '# expect:' comments"
    got = {(f["line"], f["code"]) for f in findings}
    assert got == expected, "\n".join(f"{f['line']}:{f['column']} {f['code']} {f['message']}" for f in findings)
    # exit 1 when one is a warning or worse (the default --fail-on)
    assert proc.returncode == (1 if any(f["severity"] != "info" for f in findings) else 0)
    lines = compose.read_text().splitlines()
    for f in findings:
        assert f["path"] == "compose.yaml"
        line = lines[f["line"] - 1]
        # the column is where the offending key or value starts on that line
        assert f["column"] >= 1 and line[f["column"] - 1] not in " #-", (f, line)
        assert f["message"] and f["severity"] in ("error", "warning", "info")


@pytest.mark.quadlet
@pytest.mark.parametrize("stack", CASES, ids=[p.name for p in CASES])
def test_converted_stack_is_accepted_by_real_quadlet(stack, tmp_path, quadlet_generator):
    out = tmp_path / "units"
    # with the unsafe fixes too (pihole's macvlan made a bridge, DNS's 53 remapped)
    proc = run_podgen("convert", "compose.yaml", "-o", out, "--podman-version", "5.4", "--unsafe-fixes", cwd=stack)
    assert proc.returncode == 0, proc.stderr
    # every applied repair is reported, old -> new
    assert "->" in proc.stdout + proc.stderr
    gen = quadlet_generator(out)
    assert gen.returncode == 0, gen.stderr
    services = [line for line in gen.stdout.splitlines() if line.startswith("---")]
    containers = sorted(p.stem for p in out.glob("*.container"))
    assert len(containers) == len(re.findall(r"^  \S+:$", compose_services(stack), re.M))
    assert len(services) == len(list(out.glob("*.*"))), gen.stdout


def compose_services(stack: Path) -> str:
    """The services: block of the stack (service names are the two-space-indented keys)."""
    text = (stack / "compose.yaml").read_text()
    block = text.split("\nservices:\n", 1)[1]
    return re.split(r"\n\S", block, maxsplit=1)[0]
