"""Output formats of ``podgen lint``: text, json (validated by its JSON Schema), SARIF 2.1.0, github.

The JSON Schema is ours (schemas/lint-output.schema.json) and is checked with
the ``jsonschema`` library.  The SARIF schema cannot be downloaded here, so the
SARIF tests check the structure that GitHub code scanning and SARIF viewers
rely on, field by field.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest

from cli_run import ROOT, run_podgen
from helpers import lint_diags
from podgen.report import formatters
from podgen.report.diagnostics import Diagnostic, Fix, Severity, Span
from podgen.rules import RULES

SCHEMA = json.loads((ROOT / "schemas" / "lint-output.schema.json").read_text(encoding="utf-8"))

MIXED = """\
services:
  app:
    image: "registry.example/app:${TAG}"
    ports:
      - "80:8080"
      - "443:8443"
  db:
    image: registry.example/db:1
"""


def diag(path, line, col, code="PG101", severity=Severity.ERROR, message="a message", **kw):
    kw.setdefault("name", RULES[code].name if code in RULES else "")
    return Diagnostic(Span(str(path), line, col), code, severity, message, **kw)


def validate(data):
    jsonschema.Draft7Validator(SCHEMA).validate(data)


# --- text ---------------------------------------------------------------------------------------------

def test_text_format(tmp_path):
    f = tmp_path / "compose.yaml"
    out = formatters.text([
        diag(f, 5, 9, notes=("help one", "help two"), fix=Fix("do it", apply=lambda p: [])),
        diag(f, 7, 3, "PG003", Severity.WARNING, "unset"),
        diag(f, 0, 0, "PG001", message="whole file"),
        diag("", 0, 0, "PG001", message="no file"),
    ], cwd=tmp_path)
    assert out == (
        "compose.yaml:5:9: PG101 a message\n"
        "  help: help one\n"
        "  help: help two\n"
        "  fix: do it (applied by podgen convert and podgen fix)\n"
        "compose.yaml:7:3: PG003 unset [warning]\n"
        "compose.yaml: PG001 whole file\n"
        "<input>: PG001 no file\n")
    assert formatters.text([], cwd=tmp_path) == ""
    assert formatters.text([diag(f, 1, 1, notes=("x",))], cwd=tmp_path, show_notes=False) == \
        "compose.yaml:1:1: PG101 a message\n"


def test_display_path(tmp_path):
    assert formatters.display_path(str(tmp_path / "a" / "b.yaml"), str(tmp_path)) == "a/b.yaml"
    assert formatters.display_path("/elsewhere/c.yaml", str(tmp_path)) == "/elsewhere/c.yaml"
    assert formatters.display_path("", str(tmp_path)) == "<input>"


# --- json ---------------------------------------------------------------------------------------------

def test_schema_is_valid_draft7():
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"


def test_schema_is_not_vacuous():
    good = {"code": "PG101", "name": "privileged-port", "severity": "error", "message": "m", "path": "c.yaml",
            "line": 1, "column": 1, "service": None, "notes": [], "fix": None}
    validate([good])
    for key in good:
        broken = dict(good)
        del broken[key]
        with pytest.raises(jsonschema.ValidationError):
            validate([broken])
    for key, value in (("code", "X1"), ("severity", "fatal"), ("line", -1), ("line", "1"), ("notes", "n"),
                       ("fix", {"title": "t"}), ("extra", 1)):
        with pytest.raises(jsonschema.ValidationError):
            validate([dict(good, **{key: value})])


def test_json_in_process_validates_and_keeps_every_field(tmp_path):
    diags = lint_diags(tmp_path, MIXED)
    data = json.loads(formatters.as_json(diags, cwd=str(tmp_path)))
    validate(data)
    assert [(d["code"], d["line"], d["column"]) for d in data] == \
        [("PG003", 3, 34), ("PG101", 5, 9), ("PG101", 6, 9)]
    warning, error = data[0], data[1]
    assert list(error) == ["code", "name", "severity", "message", "path", "line", "column", "service", "notes", "fix"]
    assert error["path"] == "compose.yaml" and error["service"] == "app" and error["name"] == "privileged-port"
    assert error["fix"] == {"title": "publish on host port 8080 instead of 80", "safe": True, "automatic": True}
    assert error["notes"] and all(isinstance(n, str) for n in error["notes"])
    assert warning["severity"] == "warning" and warning["fix"] is None and warning["service"] is None
    assert formatters.as_json([], cwd=str(tmp_path)) == "[]\n"


def test_json_from_the_cli_validates(tmp_path):
    (tmp_path / "compose.yaml").write_text(MIXED, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("services:\n  app: [\n", encoding="utf-8")
    (tmp_path / "schema.yaml").write_text("services:\n  app:\n    image: x\n    prots: []\n", encoding="utf-8")
    result = run_podgen("lint", "--format", "json", "compose.yaml", "bad.yaml", "schema.yaml", "missing.yaml",
                        cwd=tmp_path)
    assert result.returncode == 2
    data = json.loads(result.stdout)
    validate(data)
    assert {d["code"] for d in data} == {"PG001", "PG002", "PG003", "PG101"}
    clean = run_podgen("lint", "--format", "json", "--select", "PG2", "compose.yaml", cwd=tmp_path)
    assert clean.returncode == 0 and json.loads(clean.stdout) == []


def test_json_is_utf8_not_escaped(tmp_path):
    out = formatters.as_json([diag(tmp_path / "ü.yaml", 1, 1, message="é ☃")], cwd=str(tmp_path))
    assert "é ☃" in out and "ü.yaml" in out
    validate(json.loads(out))


# --- sarif --------------------------------------------------------------------------------------------

def sarif_of(diags, cwd) -> dict:
    return json.loads(formatters.sarif(diags, cwd=str(cwd)))


def check_sarif(doc: dict, cwd: Path):
    """The SARIF 2.1.0 structure, as the specification's required properties have it."""
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(doc["runs"], list) and len(doc["runs"]) == 1
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "podgen" and driver["version"] and driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)), "rule ids must be unique"
    for r in rules:
        assert r["shortDescription"]["text"]
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert r["helpUri"].startswith("https://")
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/")
    assert unquote(base[len("file://"):]).rstrip("/") == str(cwd).rstrip("/")
    assert run["columnKind"] == "unicodeCodePoints"
    for res in run["results"]:
        assert set(res) >= {"ruleId", "ruleIndex", "level", "message"}
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        assert isinstance(res["message"]["text"], str) and res["message"]["text"]
        for loc in res.get("locations", []):
            art = loc["physicalLocation"]["artifactLocation"]
            if "uriBaseId" in art:
                assert art["uriBaseId"] == "%SRCROOT%"
                assert not art["uri"].startswith("/") and "://" not in art["uri"] and "\\" not in art["uri"]
            else:
                assert art["uri"].startswith("file:///")
            region = loc["physicalLocation"].get("region")
            if region is not None:
                assert isinstance(region["startLine"], int) and region["startLine"] >= 1
                assert isinstance(region["startColumn"], int) and region["startColumn"] >= 1
    return run


def test_sarif_structure_from_a_real_lint(tmp_path):
    diags = lint_diags(tmp_path, MIXED)
    run = check_sarif(sarif_of(diags, tmp_path), tmp_path)
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("PG003", "warning"), ("PG101", "error"),
                                                           ("PG101", "error")]
    loc = results[1]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "compose.yaml", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 5, "startColumn": 9}
    assert results[1]["message"]["text"].startswith("service 'app' publishes host port 80")
    assert results[1]["properties"]["fix"] == "publish on host port 8080 instead of 80"
    rule = run["tool"]["driver"]["rules"][results[1]["ruleIndex"]]
    assert rule["name"] == "privileged-port" and rule["defaultConfiguration"]["level"] == "error"
    assert "## Why" in rule["help"]["markdown"]


def test_sarif_lists_every_rule_once(tmp_path):
    run = sarif_of([], tmp_path)["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == sorted(RULES)
    assert run["results"] == []


def test_sarif_levels_and_locations(tmp_path):
    sub = tmp_path / "my dir"
    diags = [diag(sub / "compose.yaml", 3, 0, "PG003", Severity.INFO, "info"),
             diag(tmp_path / "c.yaml", 0, 0, "PG001", message="whole file"),
             diag("", 0, 0, "PG001", message="no file"),
             diag("/elsewhere/x,y.yaml", 2, 4, "PG002", Severity.WARNING, "outside")]
    run = check_sarif(sarif_of(diags, tmp_path), tmp_path)
    r0, r1, r2, r3 = run["results"]
    assert r0["level"] == "note"
    assert r0["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "my%20dir/compose.yaml"
    assert r0["locations"][0]["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 1}
    assert "region" not in r1["locations"][0]["physicalLocation"]
    assert "locations" not in r2
    assert r3["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "file:///elsewhere/x%2Cy.yaml"}
    assert r3["level"] == "warning"


def test_sarif_from_the_cli(tmp_path):
    (tmp_path / "compose.yaml").write_text(MIXED, encoding="utf-8")
    result = run_podgen("lint", "--format", "sarif", "compose.yaml", cwd=tmp_path)
    assert result.returncode == 1
    run = check_sarif(json.loads(result.stdout), tmp_path)
    assert len(run["results"]) == 3


def test_sarif_notes_are_part_of_the_message(tmp_path):
    run = sarif_of([diag(tmp_path / "c.yaml", 1, 1, notes=("first help", "second help"))], tmp_path)["runs"][0]
    assert run["results"][0]["message"]["text"] == "a message\nfirst help\nsecond help"


# --- github -------------------------------------------------------------------------------------------

def test_github_escaping_of_data_and_properties():
    assert formatters._gh_escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert formatters._gh_escape_data("a:b,c") == "a:b,c"              # the message keeps : and ,
    assert formatters._gh_escape_prop("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    # '%' first, so an existing escape is not decoded by GitHub
    assert formatters._gh_escape_data("%0A") == "%250A"


def test_github_annotations(tmp_path):
    diags = [
        diag(tmp_path / "we,ird:name%.yaml", 5, 9, message="50% of ports: 80, 443\nsecond line",
             notes=("try this",)),
        diag(tmp_path / "c.yaml", 2, 3, "PG003", Severity.WARNING, "warn"),
        diag(tmp_path / "c.yaml", 4, 1, "PG003", Severity.INFO, "info"),
        diag(tmp_path / "c.yaml", 0, 0, "PG001", message="whole file"),
        diag("", 0, 0, "PG001", message="no file"),
    ]
    lines = formatters.github(diags, cwd=str(tmp_path)).splitlines()
    assert lines == [
        "::error file=we%2Cird%3Aname%25.yaml,line=5,col=9,title=PG101 privileged-port::"
        "50%25 of ports: 80, 443%0Asecond line%0Ahelp: try this",
        "::warning file=c.yaml,line=2,col=3,title=PG003 unset-variable::warn",
        "::notice file=c.yaml,line=4,col=1,title=PG003 unset-variable::info",
        "::error file=c.yaml,title=PG001 invalid-input::whole file",
        "::error title=PG001 invalid-input::no file",
    ]
    assert formatters.github([], cwd=str(tmp_path)) == ""


def test_github_one_line_per_finding_from_the_cli(tmp_path):
    (tmp_path / "compose.yaml").write_text(MIXED, encoding="utf-8")
    result = run_podgen("lint", "--format", "github", "compose.yaml", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("::warning file=compose.yaml,line=3,col=34,title=PG003 unset-variable::")
    assert lines[1].startswith("::error file=compose.yaml,line=5,col=9,title=PG101 privileged-port::")
    assert all("\n" not in line and "\r" not in line for line in lines)


def test_render_dispatch(tmp_path):
    d = [diag(tmp_path / "c.yaml", 1, 1)]
    assert formatters.render(d, "text", cwd=str(tmp_path)) == formatters.text(d, cwd=str(tmp_path))
    assert formatters.render(d, "json", cwd=str(tmp_path)) == formatters.as_json(d, cwd=str(tmp_path))
    assert formatters.render(d, "github", cwd=str(tmp_path)) == formatters.github(d, cwd=str(tmp_path))
    assert json.loads(formatters.render(d, "sarif", cwd=str(tmp_path)))["version"] == "2.1.0"
    assert set(formatters.FORMATS) == {"text", "json", "sarif", "github"}
