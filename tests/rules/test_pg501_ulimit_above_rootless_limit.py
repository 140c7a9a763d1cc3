"""PG501 ulimit-above-rootless-limit: a ulimits value the rootless user's hard limit does not allow."""
from __future__ import annotations

import json
import resource

import pytest

from cli_run import run_podgen
from helpers import convert_text, keys, lint_diags, lint_text, unit, write
from netrules_util import assert_quadlet_accepts, convert_example, doc_example, doc_sections_ok, fix_twice, relint

# issue 12: zulip's nofile, Wazuh's, an Elasticsearch-style memlock -1, an explicit memlock in bytes
LIMITS = """\
name: big
services:
  zulip:
    image: zulip/docker-zulip
    ulimits:
      nofile: 1048576
  wazuh:
    image: wazuh/wazuh-manager
    ulimits:
      memlock:
        soft: -1
        hard: -1
      nofile:
        soft: 655360
        hard: 655360
  cache:
    image: example/cache
    ulimits:
      memlock: 16777216
"""

NEAR_MISSES = """\
name: ok
services:
  app:
    image: example/app
    ulimits:
      nofile: {soft: 1024, hard: 524288}
      memlock: 8388608
      nproc: 65535
      core: -1
  db:
    image: example/db
    ulimits:
      nofile: 524288
      memlock: {soft: 65536, hard: 262144}
"""


def test_fires_at_each_value_on_podman_5(tmp_path):
    found = lint_diags(tmp_path, LIMITS, select=["PG501"])
    assert [f"{d.span.line}:{d.span.col} {d.severity.label}" for d in found] == [
        "6:15 error", "12:15 warning", "15:15 error", "19:16 error"]
    zulip, memlock, wazuh, cache = found
    assert zulip.service == "zulip" and zulip.name == "ulimit-above-rootless-limit"
    assert zulip.message == (
        "service 'zulip': ulimits nofile 1048576 is above 524288, the hard limit systemd gives a user's services: "
        "the container does not start ('crun: setrlimit `RLIMIT_NOFILE`: Operation not permitted')")
    assert "nofile 655360 is above 524288" in wazuh.message
    assert "memlock -1 (unlimited) gets 8 MiB (8388608 bytes) rootless" in memlock.message
    assert "Elasticsearch" in memlock.message and memlock.fix is None
    assert "memlock 16777216 is above 8 MiB (8388608 bytes)" in cache.message
    assert "RLIMIT_MEMLOCK" in cache.message


def test_podman_4_refuses_minus_one_too(tmp_path):
    found = lint_diags(tmp_path, LIMITS, select=["PG501"], version=(4, 3, 0))
    assert [f"{d.span.line}:{d.span.col} {d.severity.label}" for d in found] == [
        "6:15 error", "12:15 error", "15:15 error", "19:16 error"]
    memlock = found[1]
    assert "memlock -1 (unlimited) is above 8 MiB" in memlock.message
    assert "Podman 4.3 refuses it" in memlock.message and "error setting rlimit type 8" in memlock.message
    assert "podgen takes" not in memlock.message
    assert "podgen takes Podman 4.9 to refuse -1 as 4.3 does" in \
        lint_diags(tmp_path, LIMITS, select=["PG501"], version=(4, 9, 0))[1].message


def test_near_misses_are_silent(tmp_path):
    assert lint_text(tmp_path, NEAR_MISSES, select=["PG501"]) == []
    assert lint_text(tmp_path, NEAR_MISSES, select=["PG501"], version=(4, 3, 0)) == []


def test_rootful_is_silent(tmp_path):
    assert lint_text(tmp_path, LIMITS, select=["PG501"], rootless=False) == []
    assert lint_text(tmp_path, LIMITS, select=["PG501"], rootless=False, version=(4, 3, 0)) == []


def test_soft_and_hard_apart(tmp_path):
    text = ("services:\n  app:\n    image: x\n    ulimits:\n      nofile:\n        soft: 1048576\n"
            "        hard: 1048576\n      memlock:\n        hard: -1\n        soft: 65536\n")
    found = lint_diags(tmp_path, text, select=["PG501"])
    assert [f"{d.span.line}:{d.span.col} {d.severity.label}" for d in found] == ["7:15 error", "9:15 warning"]
    assert "ulimits nofile 1048576 is above" in found[0].message
    assert "ulimits memlock hard -1 (unlimited) gets 8 MiB" in found[1].message
    # a hard limit above with a soft one below: the hard one is refused
    text = "services:\n  app:\n    image: x\n    ulimits:\n      nofile: {soft: 65536, hard: 1048576}\n"
    (d,) = lint_diags(tmp_path, text, select=["PG501"])
    assert (d.span.line, d.span.col) == (5, 35) and "nofile hard 1048576 is above 524288" in d.message


def test_notes_say_what_to_do(tmp_path):
    zulip, memlock = lint_diags(tmp_path, LIMITS, select=["PG501"])[:2]
    assert zulip.notes[0].startswith("lower it to 524288: that is the most the container can get rootless")
    assert ("/etc/systemd/system/user@.service.d/limits.conf with [Service] and LimitNOFILE=1048576, then "
            "systemctl daemon-reload and restart the user manager (systemctl restart user@UID.service") in zulip.notes[1]
    assert zulip.notes[2] == "or run the project rootful (--rootful)"
    assert "rules.ulimit-above-rootless-limit.nofile = N" in zulip.notes[3]
    assert "LimitMEMLOCK=infinity" in memlock.notes[1]
    assert zulip.fix.title == "lower nofile to 524288, the user's hard limit"


def test_convert_lowers_explicit_values_and_says_so(tmp_path):
    result = convert_text(tmp_path, LIMITS)
    assert keys(unit(result, "big-zulip.container"), "Ulimit") == ["nofile=524288"]
    wazuh = unit(result, "big-wazuh.container")
    assert keys(wazuh, "Ulimit") == ["memlock=-1", "nofile=524288"]     # Podman 5 clamps -1 itself
    assert keys(unit(result, "big-cache.container"), "Ulimit") == ["memlock=8388608"]
    change = next(c for c in result.changes if c.service == "zulip")
    assert change.describe() == ("ulimits: nofile=1048576 -> nofile=524288 (PG501: the user's hard limit, the most "
                                 "a rootless container can get; to give it more, raise LimitNOFILE= of user@.service)")


def test_convert_for_podman_4_replaces_minus_one(tmp_path):
    result = convert_text(tmp_path, LIMITS, fmt="script", version=(4, 3, 0))
    (script,) = [f.text for f in result.files]
    assert "--ulimit=memlock=8388608" in script and "--ulimit=nofile=524288" in script
    assert "-1" not in "".join(line for line in script.splitlines() if "--ulimit" in line)


def test_fix_edits_the_file(tmp_path):
    fixed = fix_twice(tmp_path, LIMITS, version=(4, 3, 0))
    assert fixed == LIMITS.replace("1048576", "524288").replace("655360", "524288") \
        .replace("-1", "8388608").replace("16777216", "8388608")
    assert relint(tmp_path, fixed, ["PG501"], version=(4, 3, 0)) == []
    fixed5 = fix_twice(tmp_path, LIMITS)
    assert "soft: -1" in fixed5 and "nofile: 524288" in fixed5          # -1 is left to Podman 5
    assert relint(tmp_path, fixed5, ["PG501"]) == ["12:15 PG501"]


def test_a_variable_is_not_rewritten(tmp_path):
    text = "services:\n  app:\n    image: x\n    ulimits:\n      nofile: ${NOFILE:-1048576}\n"
    assert lint_text(tmp_path, text, select=["PG501"]) == ["5:15 PG501"]
    fixed = fix_twice(tmp_path, text)
    assert "${NOFILE:-1048576}" in fixed


def test_rule_options(tmp_path):
    opts = {"PG501": {"nofile": 1048576, "memlock": -1}}
    assert lint_text(tmp_path, LIMITS, select=["PG501"], rule_options=opts) == []
    opts = {"PG501": {"nofile": 20000}}
    found = lint_diags(tmp_path, NEAR_MISSES, select=["PG501"], rule_options=opts)
    assert [f"{d.span.line}:{d.span.col}" for d in found] == ["6:34", "13:15"]
    assert "above 20000, the user's hard limit (configured)" in found[0].message
    assert not any("podgen assumes" in n for n in found[0].notes)
    result = convert_text(tmp_path, NEAR_MISSES, rule_options=opts)
    assert keys(unit(result, "ok-app.container"), "Ulimit")[0] == "nofile=1024:20000"


def test_host_option_reads_this_machines_limits(tmp_path):
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    text = f"services:\n  app:\n    image: x\n    ulimits:\n      nofile: {hard}\n"
    opts = {"PG501": {"nofile": "host"}}
    assert lint_text(tmp_path, text, select=["PG501"], rule_options=opts) == []
    if hard != resource.RLIM_INFINITY:
        over = text.replace(str(hard), str(hard + 1))
        (d,) = lint_diags(tmp_path, over, select=["PG501"], rule_options=opts)
        assert f"above {hard}, this machine's hard limit" in d.message


def test_options_from_the_configuration(tmp_path):
    write(tmp_path, LIMITS)
    (tmp_path / ".podgen.toml").write_text('[rules.ulimit-above-rootless-limit]\nnofile = 1048576\n'
                                           'memlock = "host"\n', encoding="utf-8")
    res = run_podgen("lint", "--format", "json", "--select", "PG501", "compose.yaml", cwd=tmp_path)
    memlock = resource.getrlimit(resource.RLIMIT_MEMLOCK)[1]
    found = [(d["line"], d["column"]) for d in json.loads(res.stdout)]
    expected = [] if memlock == resource.RLIM_INFINITY else [(12, 15)]
    if memlock != resource.RLIM_INFINITY and memlock < 16777216:
        expected.append((19, 16))
    assert found == expected, res.stdout + res.stderr


@pytest.mark.parametrize("value, where, got", [
    ('"hots"', "2:1", "not 'hots'"), ("-2", "2:1", "not -2"), ("true", "2:1", "not a boolean"),
    ("1.5", "2:1", "not a float"), ("[1]", "2:1", "not a list"),
])
def test_invalid_option_values_are_refused(tmp_path, value, where, got):
    write(tmp_path, LIMITS)
    (tmp_path / ".podgen.toml").write_text(f"[rules.PG501]\nnofile = {value}\n", encoding="utf-8")
    res = run_podgen("lint", "compose.yaml", cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    first = res.stderr.splitlines()[0]
    assert first.startswith(f"{tmp_path / '.podgen.toml'}:{where}: error: invalid podgen configuration: "
                            "rules.PG501.nofile must be a number of at least -1 (-1: unlimited) or \"host\", "), first
    assert first.endswith(got) and "Traceback" not in res.stderr


def test_unknown_option_is_refused(tmp_path):
    write(tmp_path, LIMITS)
    (tmp_path / ".podgen.toml").write_text("rules = { PG501 = { nproc = 4096 } }\n", encoding="utf-8")
    res = run_podgen("lint", "compose.yaml", cwd=tmp_path)
    assert res.returncode == 2 and ".podgen.toml:1:21: error:" in res.stderr
    assert "rule PG501 (ulimit-above-rootless-limit) has no option 'nproc'" in res.stderr


def test_documentation_and_example(tmp_path):
    assert doc_sections_ok("PG501")
    assert lint_text(tmp_path, doc_example("PG501"), select=["PG501"]) == ["5:15 PG501", "11:15 PG501"]
    explained = run_podgen("explain", "PG501")
    assert explained.returncode == 0 and "LimitNOFILE=1048576" in explained.stdout
    assert "- nofile: 524288" in explained.stdout


@pytest.mark.quadlet
def test_converted_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    assert_quadlet_accepts(tmp_path, convert_example(tmp_path, "PG501"), quadlet_generator)
