"""PG002 schema-violation: the file does not match the compose-spec schema.

An error (unknown key, wrong type) stops loading with every violation of the
file, each located; a violation caused only by an unset variable (an enum or
pattern that the empty string fails) is a warning, as Docker Compose accepts it.
"""
from __future__ import annotations

import json

import pytest

from cli_run import assert_clean_failure, run_podgen
from helpers import convert_text, lint_diags, lint_text, unit, write
from netrules_util import assert_quadlet_accepts, doc_example
from podgen.report.diagnostics import Severity
from podgen.errors import InputError, InputErrors


def violations(tmp_path, text: str) -> list:
    with pytest.raises(InputErrors) as info:
        lint_text(tmp_path, text)
    return [(e.code, e.pos[1], e.pos[2], e.message, e.hint) for e in info.value.errors]


def test_doc_example_unknown_key_with_suggestion(tmp_path):
    assert violations(tmp_path, doc_example("PG002")) == [
        ("PG002", 4, 5, "unknown key 'prots' in service 'web'", "did you mean 'ports'?")]


def test_every_violation_of_the_file_is_reported_in_place(tmp_path):
    text = "services:\n  web:\n    image: nginx\n    ports: 80\n    restart: 5\n"
    assert violations(tmp_path, text) == [
        ("PG002", 4, 12, "services.web.ports must be a list, not a number", 'write e.g. ports: ["8080:80"]'),
        ("PG002", 5, 14, "services.web.restart must be a string, not a number",
         "write text (quote it if it looks like a number or true/false)"),
    ]


def test_unknown_top_level_key(tmp_path):
    assert violations(tmp_path, "servics:\n  web:\n    image: nginx\n") == [
        ("PG002", 1, 1, "unknown key 'servics' at the top level", "did you mean 'services'?")]


@pytest.mark.parametrize("text", [
    "services:\n  web:\n    image: registry.example/web:1\n    ports: [\"8080:80\"]\n",
    # custom keys are allowed wherever they start with x-
    "x-common: &c {image: nginx}\nservices:\n  web:\n    <<: *c\n    x-prots: [\"8080:80\"]\n",
    # a quoted number where a string is expected
    "services:\n  web:\n    image: nginx\n    restart: \"no\"\n",
])
def test_near_misses(tmp_path, text):
    assert lint_text(tmp_path, text) == []


def test_set_variable_is_valid(tmp_path):
    text = "services:\n  web:\n    image: nginx\n    pull_policy: ${PP}\n"
    assert lint_text(tmp_path, text, env={"PP": "always"}) == []


# --- the soft case: an unset variable made an enum/pattern value empty --------------------------

SOFT = """\
name: demo
services:
  web:
    image: registry.example/web:1
  db:
    image: registry.example/db:1
    depends_on:
      web:
        condition: ${CONDITION}
"""


def test_blanked_enum_is_a_warning_at_the_value(tmp_path):
    diags = lint_diags(tmp_path, SOFT, select=["PG002"])
    assert [(d.span.line, d.span.col, d.code, d.severity) for d in diags] == \
        [(9, 20, "PG002", Severity.WARNING)]
    assert diags[0].message == (
        "services.db.depends_on.web.condition must be one of 'service_started', 'service_healthy', "
        "'service_completed_successfully'; got '' (an unset variable made it empty)")
    assert diags[0].name == "schema-violation"
    # the unset variable itself is reported too, at the same place
    assert lint_text(tmp_path, SOFT) == ["9:20 PG002", "9:20 PG003"]


def test_blanked_enum_near_miss_set_variable(tmp_path):
    assert lint_text(tmp_path, SOFT, env={"CONDITION": "service_started"}) == []


@pytest.mark.quadlet
def test_soft_violation_converts_and_quadlet_accepts(tmp_path, quadlet_generator):
    result = convert_text(tmp_path, SOFT)
    assert [(d.code, d.span.line, d.span.col) for d in result.diagnostics] == [("PG002", 9, 20), ("PG003", 9, 20)]
    db = unit(result, "demo-db.container")
    assert "Requires=demo-web.service\nAfter=demo-web.service\n" in db
    stdout = assert_quadlet_accepts(tmp_path, result, quadlet_generator)
    assert "---demo-db.service---" in stdout and "---demo-web.service---" in stdout


# --- podgen convert refuses ---------------------------------------------------------------------

def test_convert_in_process_raises_located(tmp_path):
    with pytest.raises(InputErrors) as info:
        convert_text(tmp_path, "services:\n  web:\n    image: nginx\n    prots: [\"8080:80\"]\n")
    (e,) = info.value.errors
    assert isinstance(e, InputError)
    assert (e.code, e.pos) == ("PG002", (str(tmp_path / "compose.yaml"), 4, 5))


def test_convert_cli_refuses_located_and_writes_nothing(tmp_path):
    path = write(tmp_path, "services:\n  web:\n    image: nginx\n    ports: 80\n    restart: 5\n")
    out = tmp_path / "units"
    result = run_podgen("convert", "compose.yaml", "-o", out, cwd=tmp_path)
    assert_clean_failure(result, help_line=False)
    lines = [line for line in result.stderr.splitlines() if not line.startswith("  ")]
    assert lines == [f"{path}:4:12: error: services.web.ports must be a list, not a number",
                     f"{path}:5:14: error: services.web.restart must be a string, not a number"]
    assert result.stdout == ""
    assert not out.exists()


def test_lint_cli_reports_each_violation(tmp_path):
    write(tmp_path, "services:\n  web:\n    image: nginx\n    prots: [\"8080:80\"]\n")
    result = run_podgen("lint", "--format", "json", "compose.yaml", cwd=tmp_path)
    assert result.returncode == 2
    (item,) = json.loads(result.stdout)
    assert (item["code"], item["name"], item["severity"], item["line"], item["column"]) == \
        ("PG002", "schema-violation", "error", 4, 5)
