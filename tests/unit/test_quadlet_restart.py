"""restart: on-failure:N in a Quadlet unit: N restarts, counted the way systemd counts starts."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, unit

TEXT = "name: p\nservices:\n  job:\n    image: busybox\n    restart: {policy}\n"


@pytest.mark.parametrize("policy,burst", [("on-failure:3", ["4"]), ("on-failure:1", ["2"]), ("on-failure:0", []),
                                          ("on-failure", []), ("always", [])])
def test_start_limit_counts_the_first_start_too(tmp_path, policy, burst):
    job = unit(convert_text(tmp_path, TEXT.format(policy=policy)), "p-job.container")
    assert keys(job, "StartLimitBurst") == burst
    # a window long enough for a slow crash loop (systemd's default is 10 s)
    assert keys(job, "StartLimitIntervalSec") == (["600"] if burst else [])
    assert keys(job, "Restart") == (["always"] if policy == "always" else ["on-failure"])


def test_deploy_max_attempts_is_the_same_limit(tmp_path):
    text = ("name: p\nservices:\n  job:\n    image: busybox\n    deploy:\n      restart_policy:\n"
            "        condition: on-failure\n        max_attempts: 2\n")
    job = unit(convert_text(tmp_path, text), "p-job.container")
    assert (keys(job, "StartLimitBurst"), keys(job, "Restart")) == (["3"], ["on-failure"])
    assert "# restart: on-failure:2: at most 2 restart(s) within 10 minutes" in job


def test_rootful_comment_names_the_system_manager(tmp_path):
    job = unit(convert_text(tmp_path, TEXT.format(policy="on-failure:3"), rootless=False), "p-job.container")
    assert "(systemctl reset-failed clears it)" in job


# issue 12 §3: a run-to-completion unit (service_completed_successfully) keeps restart: on-failure
ONESHOT = ("name: p\nservices:\n  migrate:\n    image: kong\n    command: kong migrations bootstrap\n"
           "    restart: {policy}\n  app:\n    image: kong\n    depends_on:\n"
           "      migrate: {{condition: service_completed_successfully}}\n")


@pytest.mark.parametrize("policy,restart,burst", [("on-failure", ["on-failure"], []),
                                                  ("on-failure:3", ["on-failure"], ["4"])])
def test_run_to_completion_unit_keeps_on_failure(tmp_path, policy, restart, burst):
    result = convert_text(tmp_path, ONESHOT.format(policy=policy))
    job = unit(result, "p-migrate.container")
    assert keys(job, "Type") == ["oneshot"] and keys(job, "Restart") == restart
    assert keys(job, "StartLimitBurst") == burst
    assert "cannot restart" not in job and "is not used" not in job
    assert [d for d in result.diagnostics if d.code == "PG701"] == []
    script = unit(convert_text(tmp_path, ONESHOT.format(policy=policy), fmt="script"), "p.sh")
    assert f"--restart={policy} " in script


@pytest.mark.parametrize("policy", ["always", "unless-stopped"])
def test_run_to_completion_unit_drops_always_with_a_located_finding(tmp_path, policy):
    result = convert_text(tmp_path, ONESHOT.format(policy=policy))
    job = unit(result, "p-migrate.container")
    assert keys(job, "Type") == ["oneshot"] and keys(job, "Restart") == []   # systemd would refuse the unit
    assert f"# restart: {policy} is not used: systemd refuses Restart=always" in job
    (d,) = [d for d in result.diagnostics if d.code == "PG701"]
    assert (d.span.line, d.span.col, d.severity.label, d.service) == (6, 5, "info", "migrate")
    assert f"restart: {policy} is not converted" in d.message
    assert "--restart" not in unit(convert_text(tmp_path, ONESHOT.format(policy=policy), fmt="script"), "p.sh")


def test_a_service_nothing_waits_for_keeps_always(tmp_path):
    result = convert_text(tmp_path, ONESHOT.format(policy="always").split("  app:")[0])
    job = unit(result, "p-migrate.container")
    assert keys(job, "Type") == [] and keys(job, "Restart") == ["always"]
    assert [d.code for d in result.diagnostics] == []
