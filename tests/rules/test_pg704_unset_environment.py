"""PG704 unset-environment: ``environment: [VAR]`` takes VAR from podgen's environment; unset, it is left out."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, unit
from netrules_util import assert_quadlet_accepts, doc_example
from podgen.report.diagnostics import Severity
from realpodman import exec_start_line, option_values, split_dryrun

PASS_THROUGH = """\
name: demo
services:
  lst:
    image: registry.example/app:1
    environment:
      - API_TOKEN
      - FROM_SHELL
      - FROM_DOTENV
      - EMPTY=
      - PLAIN=1
  map:
    image: registry.example/app:1
    environment:
      API_TOKEN:
      FROM_SHELL:
      EMPTY: ""
"""


def convert(tmp_path, text=PASS_THROUGH, **kw):
    (tmp_path / ".env").write_text("FROM_DOTENV=dotenv\n")
    return convert_text(tmp_path, text, env={"FROM_SHELL": "shell"}, **kw)


def test_fires_at_each_unset_entry(tmp_path):
    result = convert(tmp_path)
    assert [(d.code, d.span.line, d.span.col, d.service) for d in result.diagnostics] == \
        [("PG704", 6, 9, "lst"), ("PG704", 14, 7, "map")]
    d = result.diagnostics[0]
    assert (d.severity, d.name) == (Severity.WARNING, "unset-environment")
    assert d.message == ("service 'lst': environment variable API_TOKEN has no value here and is not set in "
                         "the environment podgen ran in; it was left out")


def test_doc_example(tmp_path):
    result = convert_text(tmp_path, doc_example("PG704"))
    assert [(d.code, d.span.line, d.span.col) for d in result.diagnostics] == [("PG704", 5, 9)]


def test_near_misses_set_values_are_passed(tmp_path):
    result = convert(tmp_path)
    assert keys(unit(result, "demo-lst.container"), "Environment") == \
        ["FROM_SHELL=shell", "FROM_DOTENV=dotenv", "EMPTY=", "PLAIN=1"]
    assert keys(unit(result, "demo-map.container"), "Environment") == ["FROM_SHELL=shell", "EMPTY="]


def test_set_in_the_environment_is_quiet(tmp_path):
    result = convert_text(tmp_path, PASS_THROUGH, env={"API_TOKEN": "t", "FROM_SHELL": "s", "FROM_DOTENV": "d"})
    assert result.diagnostics == []
    assert keys(unit(result, "demo-map.container"), "Environment") == ["API_TOKEN=t", "FROM_SHELL=s", "EMPTY="]


def test_finding_is_written_into_the_unit(tmp_path):
    lst = unit(convert(tmp_path), "demo-lst.container")
    assert "# PG704: service 'lst': environment variable API_TOKEN has no value here" in lst
    assert "API_TOKEN=" not in keys(lst, "Environment")


@pytest.mark.quadlet
def test_converted_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    result = convert(tmp_path)
    stdout = assert_quadlet_accepts(tmp_path, result, quadlet_generator)
    service = split_dryrun(stdout)["demo-lst.service"]
    exec_start = exec_start_line(service)
    assert sorted(option_values(exec_start, "--env")) == \
        ["EMPTY=", "FROM_DOTENV=dotenv", "FROM_SHELL=shell", "PLAIN=1"]
