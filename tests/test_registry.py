"""The rule registry is a public interface: codes, names, docs, tests and the README table.

Like ruff's ``generate-all --mode check``: the README's rules table is
generated from the registry (``python -m podgen.report.docs``) and this test fails
while it is stale.  Every analysis rule must have its own test module under
tests/rules/; a missing one is a failure (listed), never a skip.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from cli_run import run_podgen
from podgen.report import docs
from podgen.report.diagnostics import Severity
from podgen.rules import BY_NAME, REDIRECTS, RULES, analysis_rules, get

ROOT = Path(__file__).resolve().parent.parent
RULE_TESTS = ROOT / "tests" / "rules"
CODE_RE = re.compile(r"PG[0-9]{3}\Z")
NAME_RE = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")
# the documented ranges (podgen/rules/_base.py): hundreds digit -> topic
RANGES = {"0": "input", "1": "published ports", "2": "names and DNS", "3": "addresses and reachability",
          "4": "network modes and drivers", "5": "rootless privileges (limits, mounts)", "6": "host integration",
          "7": "compose keys"}


def test_codes_are_unique_and_keyed_by_their_own_code():
    codes = [r.code for r in RULES.values()]
    assert len(codes) == len(set(codes))
    assert all(key == rule.code for key, rule in RULES.items())


def test_codes_are_well_formed_and_in_documented_ranges():
    bad = [c for c in RULES if not CODE_RE.match(c)]
    assert not bad, f"codes must be PG + 3 digits: {bad}"
    outside = [c for c in RULES if c[2] not in RANGES]
    assert not outside, f"codes outside the documented ranges {sorted(RANGES)}xx: {outside}"
    documented = (ROOT / "podgen" / "rules" / "_base.py").read_text(encoding="utf-8")
    for digit in RANGES:
        assert f"PG{digit}xx" in documented, f"range PG{digit}xx is not described in rules/_base.py"


def test_names_are_unique_kebab_case_and_not_codes():
    names = [r.name for r in RULES.values()]
    assert len(names) == len(set(names)), "two rules share a name"
    bad = [n for n in names if not NAME_RE.match(n) or CODE_RE.match(n.upper())]
    assert not bad, f"names must be kebab-case words: {bad}"
    assert set(BY_NAME) == set(names)


def test_module_file_names_match_codes():
    for path in sorted((ROOT / "podgen" / "rules").glob("pg[0-9]*.py")):
        module = __import__(f"podgen.rules.{path.stem}", fromlist=["RULE"])
        assert hasattr(module, "RULE"), f"{path.name} defines no RULE"
        assert module.RULE.code == "PG" + path.stem[2:5], f"{path.name} holds {module.RULE.code}"
        assert RULES.get(module.RULE.code) is module.RULE, \
            f"{path.name} is not registered in podgen/rules/__init__.py"


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_fields(code):
    rule = RULES[code]
    assert isinstance(rule.severity, Severity)
    assert rule.fix in ("none", "sometimes", "always")
    assert rule.stage in ("load", "analysis", "convert")
    assert (rule.check is not None) == (rule.stage == "analysis"), \
        "analysis rules, and only they, have a check function"
    assert rule.summary and "\n" not in rule.summary and not rule.summary.endswith(".")
    assert isinstance(rule.options, dict)
    assert get(code) is rule and get(code.lower()) is rule and get(rule.name) is rule


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_docstring_has_why_example_fix(code):
    doc = RULES[code].doc or ""
    first = doc.strip().splitlines()[0] if doc.strip() else ""
    assert first and not first.startswith("#"), "the docstring starts with a one-line summary"
    headings = re.findall(r"^## (\w+)", doc, re.M)
    for section in ("Why", "Example", "Fix"):
        assert section in headings, f"{code}: no '## {section}' section"
        body = doc.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
        assert body.strip(), f"{code}: '## {section}' is empty"
    assert headings.index("Why") < headings.index("Example") < headings.index("Fix")
    example = doc.split("## Example", 1)[1].split("\n## ", 1)[0]
    assert "```" in example, f"{code}: the example is not a code block"


def test_redirects_point_at_current_codes():
    for old, new in REDIRECTS.items():
        assert CODE_RE.match(old) and old not in RULES, f"redirected code {old} is reused"
        assert new in RULES, f"{old} redirects to unknown {new}"
        assert get(old) is RULES[new]


def _test_functions(path: Path) -> list:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.name for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test_")]


def test_every_analysis_rule_has_a_test_module():
    missing = []
    empty = []
    for rule in analysis_rules():
        found = sorted(RULE_TESTS.glob(f"test_{rule.code.lower()}_*.py")) + \
            sorted(RULE_TESTS.glob(f"test_{rule.code.lower()}.py"))
        if not found:
            missing.append(f"{rule.code} {rule.name}: tests/rules/test_{rule.code.lower()}_*.py")
        elif not any(_test_functions(p) for p in found):
            empty.append(f"{rule.code}: {found[0].name} has no test function")
    assert not missing and not empty, "rules without tests:\n  " + "\n  ".join(missing + empty)


def test_rule_test_modules_name_real_rules():
    stray = []
    for path in sorted(RULE_TESTS.glob("test_pg*.py")):
        code = "PG" + path.stem.split("_")[1][2:]
        if code not in RULES:
            stray.append(path.name)
    assert not stray, f"tests for rules that do not exist: {stray}"


def test_readme_table_is_generated_from_the_registry():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert docs.BEGIN in readme and docs.END in readme
    assert docs.readme_table(readme) == docs.rules_table(), \
        "README.md's rules table is stale: run python -m podgen.report.docs"


def test_rules_table_lists_every_rule_in_code_order():
    rows = [line for line in docs.rules_table().splitlines()[2:]]
    codes = [row.split("|")[1].strip() for row in rows]
    assert codes == sorted(RULES)
    for row, code in zip(rows, codes):
        assert row.count("|") - row.count("\\|") == 6, row


def test_docs_check_mode(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{docs.BEGIN}\n| stale |\n{docs.END}\n", encoding="utf-8")
    assert docs.main(["--check", str(readme)]) == 1
    assert docs.main([str(readme)]) == 0
    assert docs.main(["--check", str(readme)]) == 0
    assert docs.readme_table(readme.read_text(encoding="utf-8")) == docs.rules_table()


# --- podgen explain / podgen rules ------------------------------------------------------------------

@pytest.mark.parametrize("code", sorted(RULES))
def test_explain_every_rule_in_process(code):
    from click.testing import CliRunner

    from podgen.cli import cli
    rule = RULES[code]
    for arg in (code, code.lower(), rule.name):
        result = CliRunner().invoke(cli, ["explain", arg])
        assert result.exit_code == 0, result.output
        assert result.output.startswith(f"{code} {rule.name} ({rule.severity.label}; automatic fix: ")
        assert "## Why" in result.output and "## Fix" in result.output


def test_explain_cli_by_code_and_by_name():
    by_code = run_podgen("explain", "PG101")
    by_name = run_podgen("explain", "privileged-port")
    assert by_code.returncode == 0 and by_name.returncode == 0
    assert by_code.stdout == by_name.stdout
    assert by_code.stdout.startswith("PG101 privileged-port (error; automatic fix: yes)")
    assert "## Options" in by_code.stdout and "offset" in by_code.stdout


def test_explain_unknown_code_exits_2_with_the_list():
    result = run_podgen("explain", "PG999")
    assert result.returncode == 2
    assert "unknown rule 'PG999'" in result.stderr
    for code in RULES:
        assert code in result.stderr
    assert "Traceback" not in result.stderr


def test_rules_command_formats():
    import json
    text = run_podgen("rules")
    assert text.returncode == 0
    lines = text.stdout.splitlines()
    assert [line.split()[0] for line in lines] == sorted(RULES)
    assert all(RULES[line.split()[0]].name == line.split()[1] for line in lines)
    data = json.loads(run_podgen("rules", "--format", "json").stdout)
    assert [r["code"] for r in data] == sorted(RULES)
    assert set(data[0]) == {"code", "name", "severity", "fix", "summary", "options"}
    assert all(r["severity"] in ("error", "warning", "info") for r in data)
    markdown = run_podgen("rules", "--format", "markdown")
    assert markdown.returncode == 0 and markdown.stdout == docs.rules_table()
    bad = run_podgen("rules", "--format", "xml")
    assert bad.returncode == 2
