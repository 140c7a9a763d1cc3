"""PG003 unset-variable: a ${VAR} that is not set became an empty string (a warning)."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import assert_quadlet_accepts, doc_example
from podgen.report.diagnostics import Severity
from realpodman import exec_start_line, option_values, split_dryrun

UNSET = """\
name: demo
services:
  web:
    image: registry.example/web:${TAG}
    environment:
      GREETING: hello-${NAME}-world
      TWICE: "${TWICE}${TWICE}"
      BARE: $BARE
"""


def test_fires_at_each_scalar_holding_an_unset_variable(tmp_path):
    # located at the variable itself, not at the start of its value
    assert lint_text(tmp_path, UNSET, select=["PG003"]) == ["4:33 PG003", "6:23 PG003", "7:15 PG003", "8:13 PG003"]


def test_message_severity_and_note(tmp_path):
    d = lint_diags(tmp_path, UNSET, select=["PG003"])[0]
    assert (d.code, d.name, d.severity) == ("PG003", "unset-variable", Severity.WARNING)
    assert d.message == "variable TAG is not set; it was replaced by an empty string"
    assert d.notes == (f"set TAG in the environment or in {tmp_path / '.env'}",)


def test_a_variable_is_reported_once_at_its_first_use(tmp_path):
    text = "services:\n  a:\n    image: x:${V}\n  b:\n    image: y:${V}\n"
    assert lint_text(tmp_path, text, select=["PG003"]) == ["3:14 PG003"]


def test_doc_example(tmp_path):
    assert lint_text(tmp_path, doc_example("PG003"), select=["PG003"]) == ["3:21 PG003"]


@pytest.mark.parametrize("value", [
    "${V:-default}",      # default when unset or empty
    "${V-default}",       # default when unset
    "${V-}",              # explicitly empty default
    "${V:+set}",          # alternative value: empty when unset, on purpose
    "$${V}",              # escaped: a literal ${V}
    "$$V",
])
def test_near_misses_unset_but_intended(tmp_path, value):
    text = f"services:\n  web:\n    image: x\n    environment:\n      A: {value}\n"
    assert lint_text(tmp_path, text, select=["PG003"]) == []


def test_near_miss_set_in_environment_or_dotenv(tmp_path):
    text = "services:\n  web:\n    image: x:${TAG}\n    environment:\n      A: ${FROM_DOTENV}\n"
    (tmp_path / ".env").write_text("FROM_DOTENV=1\n")
    assert lint_text(tmp_path, text, select=["PG003"], env={"TAG": "1"}) == []
    # set to the empty string is set: Docker Compose does not warn either
    assert lint_text(tmp_path, text, select=["PG003"], env={"TAG": ""}) == []


def test_required_variable_is_pg001_not_pg003(tmp_path):
    from podgen.errors import InputError
    with pytest.raises(InputError) as info:
        lint_text(tmp_path, "services:\n  web:\n    image: x:${TAG:?set TAG}\n")
    assert (info.value.code, info.value.pos[1:]) == ("PG001", (3, 12))


def test_convert_uses_the_empty_string(tmp_path):
    result = convert_text(tmp_path, UNSET, env={"TAG": "1"})
    assert [(d.code, d.span.line, d.span.col) for d in result.diagnostics] == \
        [("PG003", 6, 23), ("PG003", 7, 15), ("PG003", 8, 13)]
    web = unit(result, "demo-web.container")
    assert keys(web, "Image") == ["registry.example/web:1"]
    assert keys(web, "Environment") == ["GREETING=hello--world", "TWICE=", "BARE="]
    # the comment stays next to the line the value became
    assert "# PG003: variable NAME is not set; it was replaced by an empty string\nEnvironment=GREETING=" in web


@pytest.mark.quadlet
def test_converted_unit_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    result = convert_text(tmp_path, UNSET, env={"TAG": "1"})
    stdout = assert_quadlet_accepts(tmp_path, result, quadlet_generator)
    service = split_dryrun(stdout)["demo-web.service"]
    exec_start = exec_start_line(service)
    assert option_values(exec_start, "--env") == ["BARE=", "GREETING=hello--world", "TWICE="]


def test_unset_restart_policy_means_no_policy(tmp_path):
    # Docker Compose treats restart: "" as its default ("no"); only PG003 says the variable is unset
    text = "name: demo\nservices:\n  web:\n    image: busybox\n    restart: ${POLICY}\n"
    result = convert_text(tmp_path, text)
    assert [d.code for d in result.diagnostics] == ["PG003"]
    assert "Restart=" not in unit(result, "demo-web.container")
