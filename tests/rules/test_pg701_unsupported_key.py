"""PG701 unsupported-key: a compose key with no Podman equivalent, reported (never dropped silently).

PG701 is found while converting (``stage="convert"``): the tests read the
diagnostics of ``convert`` and check the finding is also written into the unit.
"""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, unit
from netrules_util import assert_quadlet_accepts, doc_example
from podgen.report.diagnostics import Severity
from realpodman import exec_start_line, split_dryrun

UNSUPPORTED = """\
name: demo
services:
  web:
    image: registry.example/web:1
    networks: [back]
    deploy:
      placement:
        constraints: [node.role == manager]
    develop:
      watch: []
    cgroup_parent: mygroup
    external_links: [other]
    healthcheck:
      test: ["CMD", "true"]
      start_interval: 5s
networks:
  back:
    ipam:
      options: {foo: bar}
"""


def found(result, code="PG701") -> list:
    return [(d.span.line, d.span.col, d.severity.label) for d in result.diagnostics if d.code == code]


def test_fires_at_each_key(tmp_path):
    result = convert_text(tmp_path, UNSUPPORTED)
    assert found(result) == [
        (6, 5, "warning"),      # deploy (placement is reported on the deploy key)
        (9, 5, "warning"),      # develop
        (11, 5, "warning"),     # cgroup_parent
        (12, 5, "warning"),     # external_links
        (15, 23, "info"),       # healthcheck.start_interval (its value)
        (18, 5, "warning"),     # networks.back.ipam (options)
    ]
    assert [d.code for d in result.diagnostics] == ["PG701"] * 6


def test_messages_name_the_service_and_the_key(tmp_path):
    result = convert_text(tmp_path, UNSUPPORTED)
    messages = [d.message for d in result.diagnostics if d.code == "PG701"]
    assert messages[0] == ("service 'web': deploy.placement is a Swarm setting with no Podman equivalent "
                           "and was not converted")
    assert messages[1] == ("service 'web': 'develop' has no Podman equivalent and was not converted "
                           "(used by 'docker compose watch', which Podman has no equivalent of)")
    assert messages[5] == "network 'back': ipam options have no Podman equivalent and were not converted"
    assert all(d.name == "unsupported-key" for d in result.diagnostics)
    assert [d.service for d in result.diagnostics] == ["web"] * 5 + [None]


def test_doc_example(tmp_path):
    result = convert_text(tmp_path, doc_example("PG701"))
    assert [(d.code, d.span.line, d.span.col, d.severity) for d in result.diagnostics] == \
        [("PG701", 4, 5, Severity.WARNING)]


def test_each_finding_is_written_into_the_unit(tmp_path):
    result = convert_text(tmp_path, UNSUPPORTED)
    web = unit(result, "demo-web.container")
    assert "# PG701: service 'web': cgroup_parent is not converted: under systemd the unit owns the cgroup\n" in web
    assert "mygroup" not in web
    assert "# PG701: network 'back': ipam options have no Podman equivalent and were not converted\n" in \
        unit(result, "demo_back.network")


NEAR_MISS = """\
name: demo
x-defaults: {restart: always}
services:
  web:
    image: registry.example/web:1
    x-owner: team-a
    restart: always
    deploy:
      replicas: 1
      resources:
        limits: {memory: 256m, cpus: "0.5"}
      restart_policy: {condition: on-failure}
    healthcheck:
      test: ["CMD", "true"]
      interval: 5s
networks:
  default:
    ipam:
      config:
        - subnet: 10.5.0.0/24
"""


def test_near_misses_converted_keys_and_extensions(tmp_path):
    result = convert_text(tmp_path, NEAR_MISS)
    assert found(result) == []
    web = unit(result, "demo-web.container")
    assert keys(web, "PodmanArgs") == ["--cpus=0.5", "--memory=256m"]
    assert keys(web, "HealthInterval") == ["5s"]


@pytest.mark.parametrize("replicas,count", [(1, 0), (2, 1)])
def test_replicas_above_one_is_reported(tmp_path, replicas, count):
    text = f"services:\n  web:\n    image: x\n    deploy:\n      replicas: {replicas}\n"
    assert found(convert_text(tmp_path, text)) == [(4, 5, "warning")] * count


@pytest.mark.quadlet
def test_converted_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    result = convert_text(tmp_path, UNSUPPORTED)
    stdout = assert_quadlet_accepts(tmp_path, result, quadlet_generator)
    service = split_dryrun(stdout)["demo-web.service"]
    exec_start = exec_start_line(service)
    # what was not converted does not reach podman
    assert "--cgroup-parent" not in exec_start and "mygroup" not in exec_start
    assert "other" not in exec_start
    assert '--health-cmd "[\\"true\\"]" ' in exec_start
