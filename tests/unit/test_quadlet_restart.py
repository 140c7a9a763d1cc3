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
