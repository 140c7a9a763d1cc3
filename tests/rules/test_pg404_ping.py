"""PG404 ping: NET_RAW, the host's ping_group_range and the ping_group_range sysctl."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, unit
from netrules_util import (assert_quadlet_accepts, convert_example, doc_example, doc_sections_ok, fix_twice,
                           relint)
from podgen.report.diagnostics import Severity

PINGER = """\
name: net
services:
  monitor:
    image: busybox
    command: ["sh", "-c", "while ping -c1 -W2 gateway; do sleep 60; done"]
    sysctls:
      net.ipv4.ping_group_range: "0 2147483647"
  web:
    image: nginx
    command: ["nginx", "-g", "daemon off; error_log /dev/stderr mapping;"]
"""

HEALTH = """\
services:
  app:
    image: example/app
    healthcheck:
      test: ["CMD", "ping", "-c1", "db"]
"""


def test_fires_at_the_command_and_at_the_sysctl(tmp_path):
    assert lint_text(tmp_path, PINGER, select=["PG404"]) == ["5:14 PG404", "7:7 PG404"]
    ping, sysctl = lint_diags(tmp_path, PINGER, select=["PG404"])
    assert ping.severity == Severity.WARNING and "without NET_RAW" in ping.message
    assert sysctl.severity == Severity.ERROR and "ping_group_range: Invalid argument" in sysctl.message


def test_healthcheck_ping(tmp_path):
    assert lint_text(tmp_path, HEALTH, select=["PG404"]) == ["5:13 PG404"]


@pytest.mark.parametrize("command", ['["nginx", "-g", "daemon off;"]', '["./pinger"]', '"echo mapping"',
                                     '["sh", "-c", "curl -f http://ping.example/"]'])
def test_words_that_only_look_like_ping_do_not_fire(tmp_path, command):
    text = f"services:\n  app:\n    image: example/app\n    command: {command}\n"
    assert lint_text(tmp_path, text, select=["PG404"]) == []


def test_image_that_pings_for_a_living(tmp_path):
    text = "services:\n  kuma:\n    image: louislam/uptime-kuma:1\n"
    assert lint_text(tmp_path, text, select=["PG404"]) == ["3:12 PG404"]


def test_net_raw_added_rootless_explains_the_host_setting(tmp_path):
    text = HEALTH + "    cap_add:\n      - CHOWN\n      - NET_RAW\n"
    assert lint_text(tmp_path, text, select=["PG404"]) == ["8:9 PG404"]
    (diag,) = lint_diags(tmp_path, text, select=["PG404"])
    assert "ping_group_range must include your group" in diag.message and diag.fix is None


def test_rootful_only_misses_net_raw(tmp_path):
    assert lint_text(tmp_path, PINGER, select=["PG404"], rootless=False) == ["5:14 PG404"]
    text = HEALTH + "    cap_add: [NET_RAW]\n"
    assert lint_text(tmp_path, text, select=["PG404"], rootless=False) == []


def test_privileged_or_dropped_net_raw_gets_no_fix(tmp_path):
    for extra in ("    privileged: true\n", "    cap_drop: [ALL]\n"):
        diags = lint_diags(tmp_path, HEALTH + extra, select=["PG404"])
        assert all("without NET_RAW" not in d.message for d in diags), extra


def test_narrow_range_is_fine_but_explained(tmp_path):
    text = "services:\n  app:\n    image: x\n    sysctls:\n      - net.ipv4.ping_group_range=0 1000\n"
    assert lint_text(tmp_path, text, select=["PG404"]) == ["5:9 PG404"]
    (diag,) = lint_diags(tmp_path, text, select=["PG404"])
    assert diag.severity == Severity.WARNING and diag.fix is None
    assert lint_text(tmp_path, text, select=["PG404"], rootless=False) == []


def test_host_network_sysctl_is_left_to_pg402(tmp_path):
    text = PINGER.replace("    image: busybox\n", "    image: busybox\n    network_mode: host\n")
    assert lint_text(tmp_path, text, select=["PG404"]) == ["6:14 PG404"]


def test_convert_adds_net_raw_and_narrows_the_range(tmp_path):
    result = convert_text(tmp_path, PINGER)
    monitor = unit(result, "net-monitor.container")
    assert keys(monitor, "AddCapability") == ["NET_RAW"]
    assert keys(monitor, "PodmanArgs") == ['"--sysctl=net.ipv4.ping_group_range=0 65535"']
    assert keys(unit(result, "net-web.container"), "AddCapability") == []


def test_fix_edits_the_file(tmp_path):
    fixed = fix_twice(tmp_path, PINGER)
    assert '      net.ipv4.ping_group_range: "0 65535"\n    cap_add:\n      - NET_RAW\n' in fixed
    assert relint(tmp_path, fixed, ["PG404"]) == ["9:9 PG404"]     # only the host's ping_group_range is left


def test_fix_appends_to_an_existing_cap_add_and_list_sysctls(tmp_path):
    text = HEALTH + "    cap_add: [CHOWN]\n    sysctls:\n      - net.ipv4.ping_group_range=0 2147483647\n"
    fixed = fix_twice(tmp_path, text)
    assert "    cap_add: [CHOWN, NET_RAW]\n    sysctls:\n      - net.ipv4.ping_group_range=0 65535\n" in fixed


def test_documentation_and_example(tmp_path):
    assert doc_sections_ok("PG404")
    assert lint_text(tmp_path, doc_example("PG404"), select=["PG404"]) == ["4:14 PG404", "6:7 PG404"]


@pytest.mark.quadlet
def test_converted_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    assert_quadlet_accepts(tmp_path, convert_example(tmp_path, "PG404"), quadlet_generator)
    sub = tmp_path / "pinger"
    sub.mkdir()
    assert_quadlet_accepts(sub, convert_text(sub, PINGER), quadlet_generator)


# issue 12: "ping" as an argument or in a URL is not ping, and must not grant NET_RAW
NOT_PING = [
    ("command", '["redis-cli", "ping"]'),
    ("command", "redis-cli -h cache ping"),
    ("command", '["mysqladmin", "ping", "-h", "localhost"]'),
    ("command", '["valkey-cli", "ping"]'),
    ("command", '["curl", "-f", "http://localhost/ping"]'),
    ("command", '["sh", "-c", "wget -qO- http://x:8080/api/ping || exit 1"]'),
    ("command", """["mongosh", "--eval", "db.adminCommand('ping')"]"""),
    ("command", '["sh", "-c", "echo ping; test -x /bin/ping && echo $(date) ping"]'),
    ("command", '["sh", "-c", "for h in ping pong; do echo $h; done"]'),
    ("entrypoint", '["redis-cli"]\n    command: ["ping"]'),
    ("entrypoint", '["/docker-entrypoint.sh"]\n    command: ["ping", "-c1", "x"]'),   # unknown: no guess
    ("healthcheck", '\n      test: ["CMD", "redis-cli", "ping"]'),
    ("healthcheck", '\n      test: ["CMD", "valkey-cli", "ping"]'),
    ("healthcheck", '\n      test: ["CMD-SHELL", "mysqladmin ping -h localhost --silent"]'),
    ("healthcheck", "\n      test: curl -f http://localhost/ping || exit 1"),
    ("healthcheck", "\n      test: wget -qO- http://x:8080/api/ping"),
    ("healthcheck", """\n      test: ["CMD", "mongosh", "--quiet", "--eval", "db.adminCommand('ping')"]"""),
    ("healthcheck", """\n      test: echo 'db.runCommand("ping").ok' | mongosh localhost:27017/test --quiet"""),
    ("healthcheck", '\n      test: ["CMD-SHELL", "[ \\"$(redis-cli ping)\\" = PONG ]"]'),
]


@pytest.mark.parametrize("key,value", NOT_PING)
def test_ping_as_an_argument_is_silent_and_gets_no_net_raw(tmp_path, key, value):
    text = f"name: p\nservices:\n  app:\n    image: example/app\n    {key}: {value}\n"
    assert lint_text(tmp_path, text, select=["PG404"]) == []
    assert keys(unit(convert_text(tmp_path, text), "p-app.container"), "AddCapability") == []
    assert "NET_RAW" not in fix_twice(tmp_path, text)


PINGS = [
    ("command", '["ping", "-c1", "gw"]', "5:14"),
    ("command", "ping -c1 gw", "5:14"),
    ("command", '["sh", "-c", "while ping -c1 x; do sleep 60; done"]', "5:14"),
    ("command", 'sh -c "while ping -c1 x; do sleep 60; done"', "5:14"),
    ("command", '["/bin/ping", "-c1", "gw"]', "5:14"),
    ("command", '["fping", "-l", "gw"]', "5:14"),
    ("command", '["sh", "-c", "test -e /x && ping6 ::1"]', "5:14"),
    ("command", '["sh", "-ec", "r=$(timeout 5 ping -c1 gw) || exit 1"]', "5:14"),
    ("command", '["sh", "-c", "nice -n 5 sudo -u me /usr/bin/ping -c1 gw >/dev/null 2>&1"]', "5:14"),
    ("entrypoint", '["sh", "-c"]\n    command: ["exec ping -c1 gw"]', "6:14"),
    ("entrypoint", '["/bin/ping"]', "5:17"),
    ("healthcheck", '\n      test: ["CMD-SHELL", "ping -c 1 localhost || exit 1"]', "6:13"),
    ("healthcheck", "\n      test: ping -c 1 localhost || exit 1", "6:13"),
    ("healthcheck", '\n      test: ["CMD", "/bin/ping", "-c1", "db"]', "6:13"),
]


@pytest.mark.parametrize("key,value,where", PINGS)
def test_ping_run_as_a_command_fires(tmp_path, key, value, where):
    text = f"name: p\nservices:\n  app:\n    image: example/app\n    {key}: {value}\n"
    assert lint_text(tmp_path, text, select=["PG404"]) == [f"{where} PG404"]
    assert keys(unit(convert_text(tmp_path, text), "p-app.container"), "AddCapability") == ["NET_RAW"]
