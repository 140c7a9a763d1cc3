"""SuccessExitStatus=: a container killed by its stop signal is a normal stop, not a failed unit.

Found on real Podman 5.4 (tests/e2e): with ``init: true`` (or any program that
dies of SIGTERM) ``systemctl --user stop`` left the unit failed with status 143.
"""
from __future__ import annotations

from helpers import convert_text


def _service_lines(result, name):
    text = next(f.text for f in result.files if f.name == name)
    return [line for line in text.splitlines() if line.startswith("SuccessExitStatus=")]


def test_default_stop_signal_is_sigterm(tmp_path):
    r = convert_text(tmp_path, "name: p\nservices:\n  a:\n    image: x\n    init: true\n")
    assert _service_lines(r, "p-a.container") == ["SuccessExitStatus=143"]


def test_follows_stop_signal(tmp_path):
    r = convert_text(tmp_path, "name: p\nservices:\n  a:\n    image: x\n    stop_signal: SIGINT\n"
                               "  b:\n    image: x\n    stop_signal: QUIT\n")
    assert _service_lines(r, "p-a.container") == ["SuccessExitStatus=130"]
    assert _service_lines(r, "p-b.container") == ["SuccessExitStatus=131"]


def test_not_for_run_to_completion_units(tmp_path):
    r = convert_text(tmp_path, "name: p\nservices:\n  job:\n    image: x\n  app:\n    image: x\n"
                               "    depends_on:\n      job:\n        condition: service_completed_successfully\n")
    assert _service_lines(r, "p-job.container") == []
    assert _service_lines(r, "p-app.container") == ["SuccessExitStatus=143"]
