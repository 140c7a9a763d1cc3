"""Configuration: ``.podgen.toml`` or ``[tool.podgen]`` in pyproject.toml, found upwards from cwd.

Each setting is tested for its effect through the real CLI, and each kind of
mistake for a clear error: exit 2, ``file:line:col``, and the key path.
"""
from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import jsonschema
import pytest

from cli_run import ROOT, run_podgen
from podgen import config as config_mod
from podgen.errors import InputError

CONFIG_SCHEMA = json.loads((ROOT / "schemas" / "podgen-config.schema.json").read_text(encoding="utf-8"))

MIXED = """\
services:
  app:
    image: "registry.example/app:${TAG}"
    ports:
      - "80:8080"
"""


def project(tmp_path: Path, config: str | None = None, *, pyproject: str | None = None,
            compose: str = MIXED) -> Path:
    (tmp_path / "compose.yaml").write_text(compose, encoding="utf-8")
    if config is not None:
        (tmp_path / ".podgen.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(textwrap.dedent(pyproject), encoding="utf-8")
    return tmp_path


def lint_json(cwd, *args):
    result = run_podgen("lint", "--format", "json", *args, "compose.yaml", cwd=cwd)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result.returncode, [(d["code"], d["severity"]) for d in json.loads(result.stdout)]


def config_error(cwd, *args, command="lint"):
    result = run_podgen(command, *args, cwd=cwd)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


# --- settings and their effect ---------------------------------------------------------------------

def test_no_configuration(tmp_path):
    project(tmp_path)
    assert lint_json(tmp_path) == (1, [("PG003", "warning"), ("PG101", "error")])


def test_select_and_ignore(tmp_path):
    project(tmp_path, 'select = ["PG1"]\n')
    assert lint_json(tmp_path) == (1, [("PG101", "error")])
    project(tmp_path, 'ignore = ["PG101"]\n')
    assert lint_json(tmp_path) == (1, [("PG003", "warning")])
    project(tmp_path, 'select = ["PG"]\nignore = ["unset-variable", "privileged-port"]\n')   # names
    assert lint_json(tmp_path) == (0, [])


def test_cli_select_replaces_and_cli_ignore_adds(tmp_path):
    project(tmp_path, 'select = ["PG1"]\nignore = ["PG003"]\n')
    assert lint_json(tmp_path, "--select", "PG0") == (0, [])          # PG0 selected, PG003 still ignored
    assert lint_json(tmp_path, "--select", "PG") == (1, [("PG101", "error")])
    assert lint_json(tmp_path, "--ignore", "PG101") == (0, [])


def test_severity_overrides_by_code_and_name(tmp_path):
    project(tmp_path, 'severity = { PG101 = "warning", unset-variable = "info" }\n')
    assert lint_json(tmp_path) == (1, [("PG003", "info"), ("PG101", "warning")])
    text = run_podgen("lint", "compose.yaml", cwd=tmp_path)
    assert "PG101 service 'app' publishes host port 80, below 1024: rootless Podman cannot bind it [warning]" \
        in text.stdout
    project(tmp_path, '[severity]\nPG101 = "info"\nPG003 = "info"\n')
    assert lint_json(tmp_path) == (0, [("PG003", "info"), ("PG101", "info")])


def test_fail_on_and_the_command_line_overriding_it(tmp_path):
    project(tmp_path, 'fail-on = "error"\nignore = ["PG101"]\n')
    assert lint_json(tmp_path) == (0, [("PG003", "warning")])
    assert lint_json(tmp_path, "--fail-on", "warning")[0] == 1
    project(tmp_path, 'fail-on = "info"\nseverity = { PG003 = "info" }\nignore = ["PG101"]\n')
    assert lint_json(tmp_path)[0] == 1


def test_unprivileged_port_start_and_rootful(tmp_path):
    project(tmp_path, "unprivileged-port-start = 80\n")
    assert lint_json(tmp_path) == (1, [("PG003", "warning")])
    assert lint_json(tmp_path, "--unprivileged-port-start", "1024")[1][-1] == ("PG101", "error")
    project(tmp_path, "rootful = true\n")
    assert lint_json(tmp_path) == (1, [("PG003", "warning")])


def test_podman_version(tmp_path):
    project(tmp_path, 'podman-version = "4.9"\n')
    result = run_podgen("convert", "compose.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Podman 4.9 rootless" in result.stdout
    result = run_podgen("convert", "compose.yaml", "--podman-version", "5.2", cwd=tmp_path)
    assert "Podman 5.2 rootless" in result.stdout


@pytest.mark.parametrize("table", ["privileged-port", "PG101", "pg101"])
def test_rule_options_by_code_or_name(tmp_path, table):
    project(tmp_path, f"[rules.{table}]\noffset = 10000\nremap = {{}}\n")
    result = run_podgen("lint", "--format", "json", "compose.yaml", cwd=tmp_path)
    (pg101,) = [d for d in json.loads(result.stdout) if d["code"] == "PG101"]
    assert pg101["fix"]["title"] == "publish on host port 10080 instead of 80"


def test_rule_options_reach_fix_and_convert(tmp_path):
    project(tmp_path, "[rules.privileged-port]\nremap = { 80 = 9080 }\n")
    diff = run_podgen("fix", "compose.yaml", "--diff", cwd=tmp_path)
    assert diff.returncode == 1 and '+      - "9080:8080"' in diff.stdout
    convert = run_podgen("convert", "compose.yaml", cwd=tmp_path)
    assert "PublishPort=9080:8080" in convert.stdout


# --- where the configuration is found ---------------------------------------------------------------

def test_found_upwards_from_the_current_directory(tmp_path):
    project(tmp_path, 'ignore = ["PG101"]\n')
    sub = tmp_path / "deploy" / "prod"
    sub.mkdir(parents=True)
    (sub / "compose.yaml").write_text(MIXED, encoding="utf-8")
    assert lint_json(sub) == (1, [("PG003", "warning")])


def test_search_stops_at_the_top_of_a_git_checkout(tmp_path):
    project(tmp_path, 'ignore = ["PG101"]\n')
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "compose.yaml").write_text(MIXED, encoding="utf-8")
    assert lint_json(repo) == (1, [("PG003", "warning"), ("PG101", "error")])


def test_pyproject_tool_podgen(tmp_path):
    project(tmp_path, pyproject="""\
        [project]
        name = "demo"

        [tool.podgen]
        ignore = ["PG003"]
        """)
    assert lint_json(tmp_path) == (1, [("PG101", "error")])


def test_pyproject_without_tool_podgen_is_passed_over(tmp_path):
    project(tmp_path, 'ignore = ["PG101"]\n')
    sub = tmp_path / "pkg"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[project]\nname = "pkg"\n[tool.other]\npodgen = 1\n', encoding="utf-8")
    (sub / "compose.yaml").write_text(MIXED, encoding="utf-8")
    assert lint_json(sub) == (1, [("PG003", "warning")])


def test_dot_podgen_toml_wins_over_pyproject(tmp_path):
    project(tmp_path, 'ignore = ["PG101"]\n', pyproject='[tool.podgen]\nignore = ["PG003"]\n')
    assert lint_json(tmp_path) == (1, [("PG003", "warning")])


def test_dotted_keys_in_pyproject(tmp_path):
    project(tmp_path, pyproject='tool.podgen.ignore = ["PG003"]\n')
    assert lint_json(tmp_path) == (1, [("PG101", "error")])


def test_readme_configuration_example_is_valid(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Configuration", 1)[1]
    example = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    (tmp_path / "pyproject.toml").write_text(example, encoding="utf-8")
    loaded = config_mod.load_config(str(tmp_path))
    assert loaded["fail-on"] == "error" and loaded["rule_options"]["PG101"] == {"offset": 10000}


# --- mistakes: exit 2, located, naming the key ----------------------------------------------------------

@pytest.mark.parametrize("text, where, message", [
    ('selec = ["PG1"]\n', "1:1", "invalid podgen configuration: unknown key 'selec' at the top level"),
    ('select = ["PG1"]\nfail-on = "errors"\n', "2:1",
     "invalid podgen configuration: fail-on must be one of 'info', 'warning', 'error'; got 'errors'"),
    ('select = "PG1"\n', "1:1", "select must be an array, not a string"),
    ('select = ["PG1", "PG9"]\n', "1:1", "select[1]: 'PG9' matches no rule"),
    ('ignore = ["privileged-prot"]\n', "1:1", "ignore[0]: unknown rule 'privileged-prot'"),
    ('ignore = ["PG1; rm"]\n', "1:1", "ignore[0] 'PG1; rm' does not match"),
    ('\n[severity]\nPG999 = "info"\n', "3:1", "severity.PG999: unknown rule 'PG999'"),
    ('severity = { PG101 = "loud" }\n', "1:14", "severity.PG101 must be one of 'info', 'warning', 'error'"),
    ("unprivileged-port-start = 70000\n", "1:1", "unprivileged-port-start must be at most 65536"),
    ('unprivileged-port-start = "1024"\n', "1:1", "unprivileged-port-start must be an integer"),
    ('podman-version = "5"\n', "1:1", "podman-version '5' does not match"),
    ("rootful = 1\n", "1:1", "rootful must be a boolean"),
    ("[rules.nope]\noffset = 3\n", "1:1", "rules.nope: unknown rule 'nope'"),
    ("# options\n[rules.privileged-port]\nofset = 3\n", "3:1",
     "rules.privileged-port.ofset: rule PG101 (privileged-port) has no option 'ofset'"),
    ('rules = { PG101 = { offset = "x" } }\n', "1:21", "rules.PG101.offset must be an integer, not a string"),
    ("[rules.PG101]\nremap = { 80 = true }\n", "2:11", "rules.PG101.remap.80 must be an integer, not a boolean"),
    ("[rules.PG101]\noffset = 1\n[rules.privileged-port]\noffset = 2\n", "3:1",
     "options for PG101 are given twice"),
    ("rules = 3\n", "1:1", "rules must be a table"),
])
def test_bad_dot_podgen_toml(tmp_path, text, where, message):
    project(tmp_path, text)
    err = config_error(tmp_path, "lint", "compose.yaml")
    first = err.splitlines()[0]
    assert first.startswith(f"{tmp_path / '.podgen.toml'}:{where}: error: "), err
    assert message in first, err
    assert "  help: " in err


def test_unknown_key_suggests_the_right_one(tmp_path):
    project(tmp_path, 'fail_on = "error"\n')
    err = config_error(tmp_path, "lint", "compose.yaml")
    assert "unknown key 'fail_on'" in err and "did you mean 'fail-on'?" in err


@pytest.mark.parametrize("text, where, message", [
    ('[project]\nname = "x"\n\n[tool.podgen]\nfail-on = "loud"\n', "5:1", "tool.podgen.fail-on must be one of"),
    ('[tool.podgen]\nwhat = 1\n', "2:1", "unknown key 'what' in tool.podgen"),
    ('[tool.podgen.rules.privileged-port]\noffset = 1.5\n', "2:1",
     "tool.podgen.rules.privileged-port.offset must be an integer, not a number"),
    ('[tool.podgen]\nseverity = { nope = "info" }\n', "2:14", "tool.podgen.severity.nope: unknown rule 'nope'"),
    ('[tool]\npodgen = "yes"\n', "2:1", "tool.podgen must be a table"),
])
def test_bad_pyproject(tmp_path, text, where, message):
    project(tmp_path, pyproject=text)
    err = config_error(tmp_path, "lint", "compose.yaml")
    first = err.splitlines()[0]
    assert first.startswith(f"{tmp_path / 'pyproject.toml'}:{where}: error: invalid podgen configuration: "), err
    assert message in first, err


def test_invalid_toml_is_located(tmp_path):
    project(tmp_path, 'select = ["PG1"]\nfail-on = \n')
    err = config_error(tmp_path, "lint", "compose.yaml")
    assert err.startswith(f"{tmp_path / '.podgen.toml'}:2:") and "invalid TOML" in err


@pytest.mark.parametrize("command", [["lint", "compose.yaml"], ["convert", "compose.yaml"],
                                     ["fix", "compose.yaml", "--diff"]])
def test_every_command_refuses_a_bad_configuration(tmp_path, command):
    project(tmp_path, 'fail-on = "never"\n')
    err = config_error(tmp_path, *command[1:], command=command[0])
    assert "invalid podgen configuration: fail-on" in err


# --- the schema and the locator ---------------------------------------------------------------------

def test_config_schema_is_valid_draft7_and_agrees_with_podgen():
    jsonschema.Draft7Validator.check_schema(CONFIG_SCHEMA)
    from podgen.load.validator import Validator
    ours = Validator(CONFIG_SCHEMA)
    theirs = jsonschema.Draft7Validator(CONFIG_SCHEMA)
    samples = [
        {}, {"select": ["PG1", "privileged-port"]}, {"select": "PG1"}, {"select": ["pg 1"]},
        {"severity": {"PG101": "info"}}, {"severity": {"PG1": "info"}}, {"severity": {"PG101": "loud"}},
        {"fail-on": "error"}, {"fail-on": "fatal"}, {"podman-version": "4.9.3"}, {"podman-version": "v5"},
        {"unprivileged-port-start": 0}, {"unprivileged-port-start": 65537}, {"unprivileged-port-start": True},
        {"rootful": False}, {"rootful": "no"}, {"rules": {"privileged-port": {"offset": 1}}},
        {"rules": {"privileged-port": 1}}, {"rules": {"Bad Name": {}}}, {"unknown": 1},
    ]
    for sample in samples:
        assert ours.is_valid(sample) == theirs.is_valid(sample), sample


def test_key_positions():
    text = textwrap.dedent("""\
        # comment
        select = ["PG1"]
        "quoted key" = 1
        a.b = { c = 1, "d.e" = { f = 2 } }

        [rules.privileged-port]
          offset = 3
        [[arr]]
        x = 1
        """)
    pos = config_mod.key_positions(text)
    assert pos[("select",)] == (2, 1)
    assert pos[("quoted key",)] == (3, 1)
    assert pos[("a", "b")] == (4, 1)
    assert pos[("a", "b", "c")] == (4, 9)
    assert pos[("a", "b", "d.e")] == (4, 16)
    assert pos[("a", "b", "d.e", "f")] == (4, 26)
    assert pos[("rules", "privileged-port")] == (6, 1)
    assert pos[("rules", "privileged-port", "offset")] == (7, 3)
    assert pos[("arr", "x")] == (9, 1)


def test_load_config_returns_resolved_values(tmp_path):
    (tmp_path / ".podgen.toml").write_text(
        'select = ["privileged-port", "pg2"]\nseverity = { unset-variable = "info" }\n'
        "[rules.privileged-port]\noffset = 1\n", encoding="utf-8")
    loaded = config_mod.load_config(str(tmp_path))
    assert loaded["select"] == ["PG101", "PG2"]
    assert loaded["severity_map"]["PG003"].label == "info"
    assert loaded["rule_options"] == {"PG101": {"offset": 1}}
    assert loaded["path"] == str(tmp_path / ".podgen.toml")


def test_load_config_error_is_an_input_error(tmp_path):
    (tmp_path / ".podgen.toml").write_text("nope = 1\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        config_mod.load_config(str(tmp_path))
    assert info.value.pos == (str(tmp_path / ".podgen.toml"), 1, 1)
