"""PG705 healthy-without-healthcheck: ``condition: service_healthy`` on a service without a healthcheck.

podgen falls back to waiting for the start (Requires=/After= without
``Notify=healthy`` on the dependency) and says so.
"""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, unit
from netrules_util import assert_quadlet_accepts, doc_example
from podgen.report.diagnostics import Severity
from realpodman import split_dryrun

DEPS = """\
name: demo
services:
  app:
    image: registry.example/app:1
    depends_on:
      db: {condition: service_healthy}
      cache:
        condition: service_healthy
      checked: {condition: service_healthy}
      off: {condition: service_healthy}
  db:
    image: registry.example/db:1
  cache:
    image: registry.example/cache:1
  checked:
    image: registry.example/db:1
    healthcheck:
      test: ["CMD", "pg_isready"]
  off:
    image: registry.example/db:1
    healthcheck:
      disable: true
"""


def test_fires_at_each_dependency_without_healthcheck(tmp_path):
    result = convert_text(tmp_path, DEPS)
    assert [(d.code, d.span.line, d.span.col, d.service) for d in result.diagnostics] == [
        ("PG705", 6, 7, "app"), ("PG705", 7, 7, "app"), ("PG705", 10, 7, "app")]
    d = result.diagnostics[0]
    assert (d.severity, d.name) == (Severity.WARNING, "healthy-without-healthcheck")
    assert d.message == ("service 'app' waits for 'db' to be healthy, but 'db' has no healthcheck; "
                         "it only waits for it to start")


def test_doc_example(tmp_path):
    result = convert_text(tmp_path, doc_example("PG705"))
    assert [(d.code, d.span.line, d.span.col) for d in result.diagnostics] == [("PG705", 5, 7)]


def test_falls_back_to_waiting_for_the_start(tmp_path):
    result = convert_text(tmp_path, DEPS)
    app = unit(result, "demo-app.container")
    assert keys(app, "Requires") == ["demo-db.service", "demo-cache.service", "demo-checked.service",
                                     "demo-off.service"]
    assert keys(app, "After") == keys(app, "Requires")
    assert "# PG705: service 'app' waits for 'db' to be healthy" in app
    # only the dependency with a healthcheck reports healthy to systemd
    assert keys(unit(result, "demo-checked.container"), "Notify") == ["healthy"]
    for name in ("db", "cache", "off"):
        assert keys(unit(result, f"demo-{name}.container"), "Notify") == []


@pytest.mark.parametrize("condition", ["service_started", "service_completed_successfully"])
def test_near_misses_other_conditions(tmp_path, condition):
    text = (f"name: demo\nservices:\n  app:\n    image: x\n    depends_on:\n      db: {{condition: {condition}}}\n"
            "  db:\n    image: y\n")
    assert convert_text(tmp_path, text).diagnostics == []


def test_near_miss_short_syntax_and_healthcheck(tmp_path):
    text = ("name: demo\nservices:\n  app:\n    image: x\n    depends_on: [db]\n  web:\n    image: x\n"
            "    depends_on:\n      db: {condition: service_healthy}\n  db:\n    image: y\n"
            "    healthcheck:\n      test: [\"CMD-SHELL\", \"true\"]\n")
    result = convert_text(tmp_path, text)
    assert result.diagnostics == []
    assert keys(unit(result, "demo-db.container"), "Notify") == ["healthy"]


@pytest.mark.quadlet
def test_converted_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    result = convert_text(tmp_path, DEPS)
    stdout = assert_quadlet_accepts(tmp_path, result, quadlet_generator)
    units = split_dryrun(stdout)
    app = units["demo-app.service"].splitlines()
    assert "Requires=demo-db.service" in app and "After=demo-db.service" in app
    assert "--sdnotify=healthy" in units["demo-checked.service"]
    assert "--sdnotify=healthy" not in units["demo-db.service"]


def test_healthcheck_with_timings_only_counts_as_none(tmp_path):
    """`interval:` without `test:` times the image's HEALTHCHECK under Docker, which podgen cannot
    see: the message says so, and the dependency is not waited on for a health status."""
    text = ("name: demo\nservices:\n  app:\n    image: registry.example/app:1\n    depends_on:\n"
            "      db: {condition: service_healthy}\n  db:\n    image: registry.example/db:1\n"
            "    healthcheck:\n      interval: 5s\n      retries: 2\n")
    result = convert_text(tmp_path, text)
    [d] = result.diagnostics
    assert (d.code, d.span.line, d.span.col) == ("PG705", 6, 7)
    assert d.message == ("service 'app' waits for 'db' to be healthy, but the healthcheck of 'db' sets no "
                         "test (podgen cannot see one its image may define); it only waits for it to start")
    assert keys(unit(result, "demo-db.container"), "Notify") == []
    assert keys(unit(result, "demo-db.container"), "HealthInterval") == ["5s"]


def test_the_unit_comment_does_not_promise_a_health_wait(tmp_path):
    app = unit(convert_text(tmp_path, DEPS), "demo-app.container")
    assert "# depends_on: starts after db (which has no healthcheck to wait for)" in app
    assert "# depends_on: starts once checked is healthy" in app
