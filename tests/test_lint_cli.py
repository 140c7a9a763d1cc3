"""``podgen lint`` as a program: exit codes, files and projects, selection, --quiet.

Every test runs the real command line (``python -m podgen``) in a subprocess.

Exit status: 0 clean; 1 findings at or above --fail-on (default warning);
2 usage or input errors (which are also printed as located PG001/PG002
findings); 3 internal error (a short report, never a traceback).
"""
from __future__ import annotations

import json
import os
import sys
import textwrap

import pytest

from cli_run import ROOT, run_podgen

PORT_80 = """\
services:
  app:
    image: registry.example/app:1
    ports:
      - "80:8080"
"""

CLEAN = """\
services:
  app:
    image: registry.example/app:1
    ports:
      - "8080:8080"
"""

# a warning (PG003, unset variable) and an error (PG101)
MIXED = """\
services:
  app:
    image: "registry.example/app:${TAG}"
    ports:
      - "80:8080"
"""

WARNING_ONLY = """\
services:
  app:
    image: "registry.example/app:${TAG}"
"""


def write(directory, name, text):
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def codes(result) -> list:
    return [f"{d['path']}:{d['line']}:{d['column']} {d['code']}" for d in json.loads(result.stdout)]


# --- exit status 0 / 1 ---------------------------------------------------------------------------

def test_clean_file_exits_0_and_prints_nothing(tmp_path):
    write(tmp_path, "compose.yaml", CLEAN)
    result = run_podgen("lint", "compose.yaml", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_error_finding_exits_1_in_text_format(tmp_path):
    write(tmp_path, "compose.yaml", PORT_80)
    result = run_podgen("lint", "compose.yaml", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == ("compose.yaml:5:9: PG101 service 'app' publishes host port 80, below 1024: "
                        "rootless Podman cannot bind it")
    assert lines[1].startswith("  help: published on 8080 instead")
    assert lines[2] == "  fix: publish on host port 8080 instead of 80 (applied by podgen convert and podgen fix)"
    assert result.stderr == ""


def test_without_a_file_lints_the_compose_file_of_the_directory(tmp_path):
    write(tmp_path, "compose.yaml", PORT_80)
    result = run_podgen("lint", cwd=tmp_path)
    assert result.returncode == 1 and "compose.yaml:5:9: PG101" in result.stdout


def test_fail_on_thresholds(tmp_path):
    write(tmp_path, "compose.yaml", WARNING_ONLY)
    default = run_podgen("lint", "compose.yaml", cwd=tmp_path)
    assert default.returncode == 1
    assert "compose.yaml:3:34: PG003 variable TAG is not set" in default.stdout
    assert default.stdout.splitlines()[0].endswith("[warning]")
    assert run_podgen("lint", "--fail-on", "warning", "compose.yaml", cwd=tmp_path).returncode == 1
    quiet_pass = run_podgen("lint", "--fail-on", "error", "compose.yaml", cwd=tmp_path)
    assert quiet_pass.returncode == 0 and "PG003" in quiet_pass.stdout   # still shown
    assert run_podgen("lint", "--fail-on", "info", "compose.yaml", cwd=tmp_path).returncode == 1
    # the variable set: clean
    assert run_podgen("lint", "compose.yaml", cwd=tmp_path, env={"TAG": "1"}).returncode == 0


def test_error_findings_fail_at_every_threshold(tmp_path):
    write(tmp_path, "compose.yaml", PORT_80)
    for level in ("error", "warning", "info"):
        assert run_podgen("lint", "--fail-on", level, "compose.yaml", cwd=tmp_path).returncode == 1


# --- exit status 2: usage and input errors, located --------------------------------------------------

def test_yaml_syntax_error_exits_2_with_a_located_finding(tmp_path):
    write(tmp_path, "compose.yaml", "services:\n  app: [\n")
    result = run_podgen("lint", "compose.yaml", cwd=tmp_path)
    assert result.returncode == 2
    first = result.stdout.splitlines()[0]
    assert first.startswith("compose.yaml:3:1: PG001 YAML syntax error"), result.stdout
    assert "  help: " in result.stdout
    as_json = run_podgen("lint", "--format", "json", "compose.yaml", cwd=tmp_path)
    assert as_json.returncode == 2
    (item,) = json.loads(as_json.stdout)
    assert (item["code"], item["name"], item["severity"], item["line"]) == ("PG001", "invalid-input", "error", 3)


def test_schema_errors_exit_2_each_located(tmp_path):
    write(tmp_path, "compose.yaml", """\
        services:
          app:
            image: x
            prots: ["80:80"]
            ports: {a: 1}
        """)
    result = run_podgen("lint", "--format", "json", "compose.yaml", cwd=tmp_path)
    assert result.returncode == 2
    found = json.loads(result.stdout)
    assert [(d["code"], d["line"], d["column"]) for d in found] == [("PG002", 4, 5), ("PG002", 5, 12)]
    assert "unknown key 'prots'" in found[0]["message"] and "did you mean 'ports'?" in found[0]["notes"][0]
    assert all(d["name"] == "schema-violation" for d in found)


def test_missing_file_exits_2_and_names_the_file(tmp_path):
    result = run_podgen("lint", "missing.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout.splitlines()[0] == "missing.yaml: PG001 no such file"
    (item,) = json.loads(run_podgen("lint", "--format", "json", "missing.yaml", cwd=tmp_path).stdout)
    assert (item["path"], item["line"], item["code"]) == ("missing.yaml", 0, "PG001")


def test_no_compose_file_in_the_directory_exits_2(tmp_path):
    result = run_podgen("lint", cwd=tmp_path)
    assert result.returncode == 2
    assert "PG001" in result.stdout and "no compose file" in result.stdout


def test_usage_errors_exit_2(tmp_path):
    write(tmp_path, "compose.yaml", CLEAN)
    for args in (["--no-such-option"], ["--format", "xml"], ["--fail-on", "fatal"],
                 ["--select", "PG9"], ["--ignore", "no-such-rule"], ["--podman-version", "five"],
                 ["--unprivileged-port-start", "-1"]):
        result = run_podgen("lint", *args, "compose.yaml", cwd=tmp_path)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stderr.strip(), args
    unknown = run_podgen("lint", "--select", "PG9", "compose.yaml", cwd=tmp_path)
    assert "error: 'PG9' matches no rule" in unknown.stderr
    typo = run_podgen("lint", "--ignore", "privileged-prot", "compose.yaml", cwd=tmp_path)
    assert "unknown rule 'privileged-prot'" in typo.stderr and "did you mean 'privileged-port'?" in typo.stderr


def test_input_error_wins_over_findings(tmp_path):
    write(tmp_path, "a.yaml", PORT_80)
    write(tmp_path, "b.yaml", "services: [\n")
    result = run_podgen("lint", "--format", "json", "a.yaml", "b.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert [c.split(" ")[1] for c in codes(result)] == ["PG101", "PG001"]   # a.yaml is still reported


# --- exit status 3: internal errors ----------------------------------------------------------------

CRASH = """\
import sys
import podgen.api
def boom(*args, **kwargs):
    raise KeyError("simulated bug")
podgen.api.analyse = boom
from podgen.cli import main
sys.argv = ["podgen", *sys.argv[1:]]
main()
"""


def _run_crashing(tmp_path, *args, env=None):
    import subprocess
    full_env = {"PATH": "/usr/bin:/bin", "HOME": "/home/user", "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT)}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-c", CRASH, *args], cwd=tmp_path, env=full_env,
                          capture_output=True, text=True, timeout=60)


def test_internal_error_exits_3_with_a_short_report(tmp_path):
    write(tmp_path, "compose.yaml", CLEAN)
    result = _run_crashing(tmp_path, "lint", "compose.yaml")
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) <= 3, result.stderr
    assert lines[0].startswith("podgen: internal error: KeyError: 'simulated bug'")
    assert "this is a bug in podgen" in result.stderr and "PODGEN_DEBUG=1" in result.stderr
    assert result.stdout == ""


def test_internal_error_traceback_only_with_podgen_debug(tmp_path):
    write(tmp_path, "compose.yaml", CLEAN)
    result = _run_crashing(tmp_path, "lint", "compose.yaml", env={"PODGEN_DEBUG": "1"})
    assert result.returncode == 3
    assert "Traceback" in result.stderr and "simulated bug" in result.stderr


# --- several files, merged files ---------------------------------------------------------------------

def test_each_file_is_its_own_project(tmp_path):
    # the same service name and host port in two files: separate projects, so no conflict (PG103)
    write(tmp_path, "one/compose.yaml", PORT_80)
    write(tmp_path, "two/compose.yaml", PORT_80)
    write(tmp_path, "three/compose.yaml", CLEAN)
    result = run_podgen("lint", "--format", "json", "one/compose.yaml", "two/compose.yaml",
                        "three/compose.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert codes(result) == ["one/compose.yaml:5:9 PG101", "two/compose.yaml:5:9 PG101"]


def test_several_clean_files_exit_0(tmp_path):
    write(tmp_path, "a.yaml", CLEAN)
    write(tmp_path, "b.yaml", CLEAN.replace("app", "api"))
    assert run_podgen("lint", "a.yaml", "b.yaml", cwd=tmp_path).returncode == 0


def test_dash_f_files_are_merged_into_one_project(tmp_path):
    write(tmp_path, "base.yaml", CLEAN)
    write(tmp_path, "extra.yaml", """\
        services:
          app:
            ports:
              - "443:8443"
        """)
    alone = run_podgen("lint", "extra.yaml", cwd=tmp_path)
    assert alone.returncode == 2          # no image: not a project of its own
    merged = run_podgen("lint", "--format", "json", "-f", "base.yaml", "-f", "extra.yaml", cwd=tmp_path)
    assert merged.returncode == 1, merged.stdout + merged.stderr
    assert codes(merged) == ["extra.yaml:4:9 PG101"]


def test_dash_f_merge_finds_conflicts_across_files(tmp_path):
    write(tmp_path, "base.yaml", CLEAN)
    write(tmp_path, "extra.yaml", """\
        services:
          other:
            image: registry.example/other:1
            ports: ["8080:9090"]
        """)
    separate = run_podgen("lint", "--select", "PG103", "base.yaml", "extra.yaml", cwd=tmp_path)
    assert separate.returncode == 0
    merged = run_podgen("lint", "--format", "json", "--select", "PG103", "-f", "base.yaml", "-f", "extra.yaml",
                        cwd=tmp_path)
    assert merged.returncode == 1
    assert [c.split(" ")[1] for c in codes(merged)] == ["PG103"]


def test_override_file_is_linted_on_top_of_its_base(tmp_path):
    # what pre-commit passes when only the override changed: docker compose merges it onto
    # compose.yaml, and so does podgen; only the override's own findings are reported
    write(tmp_path, "compose.yaml", PORT_80)
    write(tmp_path, "compose.override.yaml", """\
        services:
          app:
            ports:
              - "443:8443"
        """)
    result = run_podgen("lint", "--format", "json", "compose.override.yaml", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert codes(result) == ["compose.override.yaml:4:9 PG101"]
    both = run_podgen("lint", "--format", "json", "compose.yaml", "compose.override.yaml", cwd=tmp_path)
    assert codes(both) == ["compose.yaml:5:9 PG101", "compose.override.yaml:4:9 PG101"]


# --- selection -----------------------------------------------------------------------------------------

def _select(tmp_path, *args):
    write(tmp_path, "compose.yaml", MIXED)
    result = run_podgen("lint", "--format", "json", *args, "compose.yaml", cwd=tmp_path)
    return result.returncode, [c.split(" ")[1] for c in codes(result)]


def test_select_and_ignore(tmp_path):
    assert _select(tmp_path) == (1, ["PG003", "PG101"])
    assert _select(tmp_path, "--select", "PG101") == (1, ["PG101"])
    assert _select(tmp_path, "--select", "PG1") == (1, ["PG101"])               # prefix
    assert _select(tmp_path, "--select", "PG0") == (1, ["PG003"])
    assert _select(tmp_path, "--select", "PG003,PG101") == (1, ["PG003", "PG101"])   # comma list
    assert _select(tmp_path, "--select", "pg003, pg2") == (1, ["PG003"])     # case, spaces
    assert _select(tmp_path, "--select", "PG003", "--select", "PG101") == (1, ["PG003", "PG101"])
    assert _select(tmp_path, "--select", "privileged-port") == (1, ["PG101"])    # by name
    assert _select(tmp_path, "--ignore", "PG1") == (1, ["PG003"])
    assert _select(tmp_path, "--ignore", "PG003,PG101") == (0, [])
    assert _select(tmp_path, "--ignore", "unset-variable", "--ignore", "PG101") == (0, [])
    assert _select(tmp_path, "--select", "PG", "--ignore", "PG101") == (1, ["PG003"])
    assert _select(tmp_path, "--select", "PG2") == (0, [])


def test_ignored_codes_do_not_fail(tmp_path):
    write(tmp_path, "compose.yaml", PORT_80)
    assert run_podgen("lint", "--ignore", "PG101", "compose.yaml", cwd=tmp_path).returncode == 0


def test_select_does_not_hide_input_errors(tmp_path):
    write(tmp_path, "compose.yaml", "services: [\n")
    result = run_podgen("lint", "--select", "PG1", "compose.yaml", cwd=tmp_path)
    assert result.returncode == 2 and "PG001" in result.stdout


# --- --quiet and formats ----------------------------------------------------------------------------

def test_quiet_prints_nothing_but_keeps_the_status(tmp_path):
    write(tmp_path, "bad.yaml", PORT_80)
    write(tmp_path, "good.yaml", CLEAN)
    write(tmp_path, "broken.yaml", "services: [\n")
    for name, status in (("bad.yaml", 1), ("good.yaml", 0), ("broken.yaml", 2)):
        for flag in ("--quiet", "-q"):
            result = run_podgen("lint", flag, name, cwd=tmp_path)
            assert (result.returncode, result.stdout, result.stderr) == (status, "", ""), (name, flag)


def test_github_format_is_the_default_under_github_actions(tmp_path):
    write(tmp_path, "compose.yaml", PORT_80)
    result = run_podgen("lint", "compose.yaml", cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=compose.yaml,line=5,col=9,title=PG101 privileged-port::")
    text = run_podgen("lint", "--format", "text", "compose.yaml", cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    assert text.stdout.startswith("compose.yaml:5:9: PG101")


def test_every_format_gives_the_same_exit_status(tmp_path):
    write(tmp_path, "compose.yaml", MIXED)
    for fmt in ("text", "json", "sarif", "github"):
        result = run_podgen("lint", "--format", fmt, "compose.yaml", cwd=tmp_path)
        assert result.returncode == 1, fmt
        assert result.stderr == "", fmt


def test_paths_are_relative_to_the_current_directory(tmp_path):
    write(tmp_path, "deploy/compose.yaml", PORT_80)
    inside = run_podgen("lint", "compose.yaml", cwd=tmp_path / "deploy")
    assert inside.stdout.startswith("compose.yaml:5:9: PG101")
    above = run_podgen("lint", "deploy/compose.yaml", cwd=tmp_path)
    assert above.stdout.startswith("deploy/compose.yaml:5:9: PG101")
    absolute = run_podgen("lint", str(tmp_path / "deploy" / "compose.yaml"), cwd=tmp_path / "deploy")
    assert absolute.stdout.startswith("compose.yaml:5:9: PG101")


def test_lint_does_not_import_jsonschema_or_jinja(tmp_path):
    """The hot path of a pre-commit hook stays light: no jsonschema, no jinja2."""
    import subprocess
    write(tmp_path, "compose.yaml", MIXED)
    probe = ("import sys\nfrom podgen.cli import main\n"
             "sys.argv = ['podgen', 'lint', '--format', sys.argv[1], 'compose.yaml']\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "sys.stderr.write(repr(sorted(m for m in ('jsonschema', 'jinja2') if m in sys.modules)))\n")
    for fmt in ("text", "json", "sarif", "github"):
        result = subprocess.run([sys.executable, "-c", probe, fmt], cwd=tmp_path, capture_output=True, text=True,
                                env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
        assert result.stderr.endswith("[]"), (fmt, result.stderr)


@pytest.mark.parametrize("how", [("--podman-version", "3.4"), ("--podman-version", "2.2.1")])
def test_podman_3_is_refused_with_advice(tmp_path, how):
    """Podman 3 has no netavark aliases or Quadlet: podgen's output would not run there."""
    write(tmp_path, "compose.yaml", "services:\n  web:\n    image: nginx\n")
    for command in ("lint", "convert"):
        res = run_podgen(command, "compose.yaml", *how, cwd=tmp_path)
        assert res.returncode == 2 and "podgen generates for Podman 4.0 and newer" in res.stderr, res.stderr
        assert "help: upgrade Podman" in res.stderr and "Traceback" not in res.stderr
    (tmp_path / ".podgen.toml").write_text('podman-version = "3.4"\n')
    assert run_podgen("lint", "compose.yaml", cwd=tmp_path).returncode == 2
    assert run_podgen("lint", "compose.yaml", "--podman-version", "4.0", cwd=tmp_path).returncode in (0, 1)


def test_an_old_installed_podman_does_not_break_the_hook(tmp_path):
    """Detected (not asked for): lint says so and checks for the default version instead."""
    write(tmp_path, "compose.yaml", "services:\n  web:\n    image: nginx\n")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "podman").write_text('#!/bin/sh\necho "podman version 3.4.4"\n')
    (fake / "podman").chmod(0o755)
    env = {"PATH": f"{fake}:{os.environ.get('PATH', '/usr/bin:/bin')}", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    res = run_podgen("lint", "compose.yaml", cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "the installed podman is 3.4.4, older than podgen supports; checking for Podman 5.4" in res.stderr
