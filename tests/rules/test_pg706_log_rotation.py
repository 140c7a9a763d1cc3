"""PG706 log-rotation: Docker's json-file/local driver and rotation options (issue 12 §3).

The driver changes only when the compose file names a Podman driver; Docker's
file drivers and their rotation options are reported (info), never translated
to k8s-file (the journal would show nothing) nor dropped silently.
"""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, unit
from netrules_util import assert_quadlet_accepts, doc_example
from podgen.report.diagnostics import Severity


def service(logging: str) -> str:
    return "name: p\nservices:\n  web:\n    image: nginx\n    logging:\n" + logging


def found(result) -> list:
    return [f"{d.span.line}:{d.span.col} {d.code}" for d in result.diagnostics]


NO_DRIVER = service("      options:\n        max-size: 10m\n        max-file: \"3\"\n")
JSON_FILE = service("      driver: json-file\n      options:\n        max-size: 10m\n        max-file: \"3\"\n")


def test_no_driver_with_rotation_options(tmp_path):
    result = convert_text(tmp_path, NO_DRIVER)
    assert found(result) == ["7:9 PG706"]
    (d,) = result.diagnostics
    assert d.severity == Severity.INFO and d.name == "log-rotation"
    assert "no podman log option" not in d.message          # issue 12: the old, wrong wording
    assert d.message.startswith("service 'web': the json-file rotation options max-size=10m, max-file=3 are "
                                "not converted: Podman's default log driver keeps the logs")
    assert "journalctl --user -u p-web.service" in d.message and "journald.conf" in d.message
    assert any("--format script" in n and "k8s-file" in n for n in d.notes)      # what a script does
    web = unit(result, "p-web.container")
    assert keys(web, "LogDriver") == [] and keys(web, "LogOpt") == []
    assert "# PG706: service 'web': the json-file rotation options" in web


def test_json_file_is_not_switched_to_k8s_file_and_max_file_is_reported(tmp_path):
    result = convert_text(tmp_path, JSON_FILE)
    assert found(result) == ["6:7 PG706"]                    # at the driver
    (d,) = result.diagnostics
    assert "logging.driver json-file and its options max-size=10m, max-file=3 are not converted" in d.message
    web = unit(result, "p-web.container")
    assert keys(web, "LogDriver") == [] and keys(web, "LogOpt") == []     # the journal keeps the logs


def test_local_driver(tmp_path):
    result = convert_text(tmp_path, service("      driver: local\n      options:\n        compress: \"true\"\n"))
    assert found(result) == ["6:7 PG706"]
    assert "logging.driver local and its option compress=true are not converted" in result.diagnostics[0].message
    assert keys(unit(result, "p-web.container"), "LogDriver") == []


def test_journald_keeps_the_driver_and_the_tag(tmp_path):
    text = service("      driver: journald\n      options:\n        tag: web\n        max-size: 1m\n")
    result = convert_text(tmp_path, text)
    assert found(result) == ["9:9 PG706"]
    assert "with the journald driver the logs go to the journal" in result.diagnostics[0].message
    web = unit(result, "p-web.container")
    assert keys(web, "LogDriver") == ["journald"] and keys(web, "LogOpt") == ["tag=web"]


def test_k8s_file_asked_for_keeps_max_size_and_reports_max_file(tmp_path):
    text = service("      driver: k8s-file\n      options:\n        max-size: 5m\n        max-file: \"2\"\n")
    result = convert_text(tmp_path, text)
    assert found(result) == ["9:9 PG706"]
    assert "max-file=2 is not converted: Podman's k8s-file driver keeps one log file" in result.diagnostics[0].message
    web = unit(result, "p-web.container")
    assert keys(web, "LogDriver") == ["k8s-file"] and keys(web, "LogOpt") == ["max-size=5m"]


@pytest.mark.parametrize("driver", ["none", "passthrough", "journald", "k8s-file"])
def test_a_podman_driver_named_is_honoured(tmp_path, driver):
    result = convert_text(tmp_path, service(f"      driver: {driver}\n"))
    assert found(result) == []
    assert keys(unit(result, "p-web.container"), "LogDriver") == [driver]


@pytest.mark.parametrize("logging", [
    "      options:\n        tag: \"{{.Name}}\"\n",                      # tag alone: kept, nothing to say
    "      driver: journald\n      options:\n        tag: web\n",
    "      driver: k8s-file\n      options:\n        max-size: 5m\n",
])
def test_near_misses_are_silent(tmp_path, logging):
    assert found(convert_text(tmp_path, service(logging))) == []


def test_tag_is_kept_with_docker_file_drivers(tmp_path):
    text = service("      driver: json-file\n      options:\n        tag: \"{{.Name}}\"\n")
    result = convert_text(tmp_path, text)
    assert found(result) == ["6:7 PG706"]
    assert "logging.driver json-file is not converted" in result.diagnostics[0].message
    assert keys(unit(result, "p-web.container"), "LogOpt") == ["tag={{.Name}}"]


def test_unsupported_driver_and_option_stay_pg701(tmp_path):
    text = service("      driver: syslog\n      options:\n        syslog-address: udp://x:514\n")
    result = convert_text(tmp_path, text)
    assert found(result) == ["6:7 PG701"]
    assert "podman has no 'syslog' log driver" in result.diagnostics[0].message
    text = service("      driver: json-file\n      options:\n        labels: a,b\n")
    assert found(convert_text(tmp_path, text)) == ["6:7 PG706", "8:9 PG701"]


def test_lint_reports_it_and_rootful_names_the_system_journal(tmp_path):
    from helpers import lint_diags
    (d,) = lint_diags(tmp_path, NO_DRIVER, select=["PG706"], rootless=False)
    assert "journalctl -u p-web.service" in d.message


def test_script_output_keeps_podmans_default(tmp_path):
    result = convert_text(tmp_path, JSON_FILE, fmt="script")
    script = unit(result, "p.sh")
    assert "--log-driver" not in script and "--log-opt" not in script
    assert "# PG706: service 'web': logging.driver json-file" in script


def test_doc_example(tmp_path):
    result = convert_text(tmp_path, doc_example("PG706"))
    assert found(result) == ["5:7 PG706"]


@pytest.mark.quadlet
def test_converted_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    text = service("      driver: journald\n      options:\n        tag: web\n        max-size: 1m\n")
    assert_quadlet_accepts(tmp_path, convert_text(tmp_path, text), quadlet_generator)
