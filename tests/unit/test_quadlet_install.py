"""[Install] WantedBy=default.target only for what Docker starts again after a reboot (issue 12 §3).

After a reboot Docker starts the containers that were running with `always`, `unless-stopped` or
`on-failure` (moby/moby#47846); `no` never, nor a job that had already exited.  A one-shot setup
job (kong migrations bootstrap, bench new-site) must not run again at every boot.
"""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, unit

KONG = """\
name: kong
services:
  migrations:
    image: kong:3
    command: kong migrations bootstrap
    restart: on-failure
  kong:
    image: kong:3
    restart: unless-stopped
    depends_on:
      migrations: {condition: service_completed_successfully}
      db: {condition: service_started}
  db:
    image: postgres:16
  adminer:
    image: adminer
"""


def test_services_with_a_restart_policy_are_installed_jobs_and_no_policy_are_not(tmp_path):
    result = convert_text(tmp_path, KONG)
    assert keys(unit(result, "kong-kong.container"), "WantedBy") == ["default.target"]
    for name in ("migrations", "db", "adminer"):
        text = unit(result, f"kong-{name}.container")
        assert "\n[Install]\n" not in text and keys(text, "WantedBy") == [], name


def test_a_unit_without_install_says_why_and_how_to_start_it(tmp_path):
    result = convert_text(tmp_path, KONG)
    migrations = unit(result, "kong-migrations.container")
    assert ("# Not started at boot (no [Install] section): restart: on-failure - it runs to completion (a "
            "depends_on waits for it to complete successfully), and Docker does not start a job that has exited "
            "again after a reboot.  It starts with kong-kong.service, which needs it, or by hand: "
            "systemctl --user start kong-migrations.service") in migrations
    assert keys(migrations, "Restart") == ["on-failure"]        # still restarted when it fails
    adminer = unit(result, "kong-adminer.container")
    assert ("# Not started at boot (no [Install] section): restart: no - Docker does not start it again after "
            "a reboot either.  Start it by hand: systemctl --user start kong-adminer.service") in adminer


@pytest.mark.parametrize("policy,installed", [("always", True), ("unless-stopped", True), ("on-failure", True),
                                              ("on-failure:3", True), ("no", False), ('"no"', False)])
def test_by_policy(tmp_path, policy, installed):
    text = f"name: p\nservices:\n  s:\n    image: busybox\n    restart: {policy}\n"
    job = unit(convert_text(tmp_path, text), "p-s.container")
    assert (keys(job, "WantedBy") == ["default.target"]) == installed
    assert ("Not started at boot" in job) != installed


def test_deploy_restart_policy_counts_too(tmp_path):
    text = "name: p\nservices:\n  s:\n    image: busybox\n    deploy:\n      restart_policy: {condition: any}\n"
    assert keys(unit(convert_text(tmp_path, text), "p-s.container"), "WantedBy") == ["default.target"]


def test_rootful_names_the_system_manager(tmp_path):
    job = unit(convert_text(tmp_path, KONG, rootless=False), "kong-adminer.container")
    assert "by hand: systemctl start kong-adminer.service" in job


def test_a_long_running_on_failure_service_starts_at_boot_its_on_failure_job_does_not(tmp_path):
    """Kong's own compose file: the gateway and its migrations both say restart: on-failure."""
    text = KONG.replace("restart: unless-stopped", "restart: on-failure")
    result = convert_text(tmp_path, text)
    assert keys(unit(result, "kong-kong.container"), "WantedBy") == ["default.target"]
    assert keys(unit(result, "kong-migrations.container"), "WantedBy") == []
