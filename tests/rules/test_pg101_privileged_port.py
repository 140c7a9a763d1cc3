"""PG101 privileged-port: a host port below the unprivileged port start, remapped."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, options, unit, write
from netrules_util import assert_quadlet_accepts
from podgen.api import fix_file
from realpodman import exec_start_line, split_dryrun

PORTS = """\
name: demo
services:
  app:
    image: registry.example/app:1
    ports:
      - "80:8080"
      - "127.0.0.1:443:8443/tcp"
      - "53:53/udp"
      - "8080"
      - "9000:9000"
      - target: 25
        published: 25
"""


def test_fires_at_each_privileged_host_port(tmp_path):
    assert lint_text(tmp_path, PORTS, select=["PG101"]) == \
        ["6:9 PG101", "7:9 PG101", "8:9 PG101", "11:9 PG101"]


def test_message_notes_and_fix(tmp_path):
    d = lint_diags(tmp_path, PORTS, select=["PG101"])[0]
    assert d.severity.label == "error" and d.service == "app" and d.name == "privileged-port"
    assert "host port 80, below 1024" in d.message
    assert d.fix is not None and d.fix.title == "publish on host port 8080 instead of 80"
    assert any("ip_unprivileged_port_start=80" in n for n in d.notes)


def test_catches_not(tmp_path):
    quiet = """\
    services:
      app:
        image: x
        ports: ["8080:80", "80", "1024:1024", "0:80"]
    """
    assert lint_text(tmp_path, quiet, select=["PG101"]) == []


def test_rootful_and_lowered_port_start_are_quiet(tmp_path):
    text = 'services: {app: {image: x, ports: ["80:80"]}}\n'
    assert lint_text(tmp_path, text, select=["PG101"], rootless=False) == []
    assert lint_text(tmp_path, text, select=["PG101"], port_start=80) == []
    assert lint_text(tmp_path, text, select=["PG101"], port_start=81) == ["1:36 PG101"]


def test_remap_skips_taken_ports_and_options(tmp_path):
    text = 'services: {app: {image: x, ports: ["80:80", "8080:8081"]}}\n'
    d = lint_diags(tmp_path, text, select=["PG101"])[0]
    assert d.fix.title == "publish on host port 8081 instead of 80"
    d = lint_diags(tmp_path, text, select=["PG101"], rule_options={"PG101": {"offset": 10000, "remap": {}}})[0]
    assert d.fix.title == "publish on host port 10080 instead of 80"


def test_convert_publishes_the_new_port(tmp_path):
    result = convert_text(tmp_path, PORTS, unsafe_fixes=True)
    ports = keys(unit(result, "demo-app.container"), "PublishPort")
    assert ports[:3] == ["8080:8080", "127.0.0.1:8443:8443", "8053:53/udp"]
    assert "8025:25" in ports
    assert [c.code for c in result.changes].count("PG101") == 4


def test_convert_keeps_protocol_ports_without_unsafe_fixes(tmp_path):
    # DNS's 53 and SMTP's 25: their clients cannot be told another port, the remap needs consent
    result = convert_text(tmp_path, PORTS)
    ports = keys(unit(result, "demo-app.container"), "PublishPort")
    assert ports[:3] == ["8080:8080", "127.0.0.1:8443:8443", "53:53/udp"]
    assert "25:25" in ports and "8025:25" not in ports
    assert [c.code for c in result.changes].count("PG101") == 2
    left = [d for d in result.diagnostics if d.code == "PG101" and not d.applied]
    assert [(d.span.line, d.fix.safe) for d in left] == [(8, False), (11, False)]
    assert all(d.applied and d.fix.safe for d in result.diagnostics if d.code == "PG101" and d not in left)


def test_fix_rewrites_only_the_host_port_and_is_stable(tmp_path):
    path = write(tmp_path, PORTS)
    first = fix_file(options(path, unsafe_fixes=True), str(path))
    assert '- "8080:8080"' in first.text and '- "127.0.0.1:8443:8443/tcp"' in first.text
    assert "published: 8025" in first.text
    path.write_text(first.text)
    again = fix_file(options(path, unsafe_fixes=True), str(path))
    assert again.text == first.text
    assert lint_text(tmp_path, first.text, select=["PG101"]) == []


def test_fix_leaves_protocol_ports_without_unsafe_fixes(tmp_path):
    path = write(tmp_path, PORTS)
    result = fix_file(options(path), str(path))
    assert '- "8080:8080"' in result.text and '- "127.0.0.1:8443:8443/tcp"' in result.text
    assert '- "53:53/udp"' in result.text and "published: 25\n" in result.text
    assert "not fixed: 8:9: PG101 publish on host port 8053 instead of 53 (unsafe fix, not applied: run with " \
        "--unsafe-fixes)" in result.messages
    assert [(d.span.line, d.code) for d in result.unfixed if d.code == "PG101"] == [(8, "PG101"), (11, "PG101")]


# the protocol ports: clients cannot choose another port, so the remap is not a real fix
PROTOCOL = """\
services:
  syslog:
    image: docker.io/balabit/syslog-ng:4.7.1
    ports:
      - "514:514/udp"
      - "514:514/tcp"
      - "601:601"
  traps:
    image: example/traps
    ports: ["162:162/udp"]
  ntp:
    image: example/ntp
    ports: ["123:123/udp"]
  dns:
    image: example/resolver
    ports: ["53:53/udp", "53:53/tcp"]
  smtp:
    image: example/relay
    ports: ["25:25"]
  web:
    image: example/app
    ports: ["80:8080", "8514:8514", "123:123/tcp"]
"""


def test_protocol_ports_put_the_sysctl_first_and_the_remap_is_unsafe(tmp_path):
    diags = lint_diags(tmp_path, PROTOCOL, select=["PG101"])
    found = {(d.span.line, d.span.col): d for d in diags}
    unsafe = {(5, 9): ("syslog", 514), (6, 9): ("syslog", 514), (10, 13): ("SNMP trap", 162),
              (13, 13): ("NTP", 123), (16, 13): ("DNS", 53), (16, 26): ("DNS", 53), (19, 13): ("SMTP", 25)}
    for at, (what, port) in unsafe.items():
        d = found.pop(at)
        assert f"({what}), below 1024" in d.message and f"{what} clients cannot be told another port" in d.message
        assert d.notes[0].startswith(f"as root, let users bind it: sysctl -w net.ipv4.ip_unprivileged_port_start={port}")
        assert "/etc/sysctl.d/" in d.notes[0] and "--rootful" in d.notes[0]
        assert "is not a real fix" in d.notes[1]
        assert d.fix.safe is False and d.fix.todo and d.fix.todo[0][0] == d.service
    # near misses: syslog-conn 601, a web app on 80 (safe remap to 8080) and NTP's port over tcp
    assert sorted(found) == [(7, 9), (22, 13), (22, 37)]
    assert all(d.fix.safe and "not a real fix" not in " ".join(d.notes) for d in found.values())
    assert found[(22, 13)].fix.title == "publish on host port 8080 instead of 80"


def test_protocol_port_remap_without_and_with_unsafe_fixes(tmp_path):
    plain = convert_text(tmp_path, PROTOCOL)
    assert keys(_unit(plain, "syslog"), "PublishPort")[:2] == ["514:514/udp", "514:514"]
    assert keys(_unit(plain, "web"), "PublishPort")[0] == "8080:8080"      # the safe fix still applies
    done = convert_text(tmp_path, PROTOCOL, unsafe_fixes=True)
    # 8514/tcp is the web app's: the tcp syslog port moves on to 8515
    assert keys(_unit(done, "syslog"), "PublishPort")[:2] == ["8514:514/udp", "8515:514"]
    assert keys(_unit(done, "dns"), "PublishPort") == ["8053:53/udp", "8053:53"]
    syslog = _unit(done, "syslog")
    assert "# todo: point every syslog client of 'syslog' at host port 8514 instead of 514" in syslog


def _unit(result, service: str) -> str:
    return next(f.text for f in result.files if f.name.endswith(f"-{service}.container"))


def test_fix_moves_an_expanded_range_as_one_range(tmp_path):
    path = write(tmp_path, 'services:\n  app:\n    image: x\n    ports:\n      - "100-101:100-101"\n')
    fixed = fix_file(options(path), str(path))
    assert '- "8100-8101:100-101"' in fixed.text


def test_fix_refuses_a_range_it_cannot_move_whole(tmp_path):
    # only 1023 of 1023-1024 is privileged: moving one port of the pair would break the range
    text = 'services:\n  app:\n    image: x\n    ports:\n      - "1023-1024:1023-1024"\n'
    path = write(tmp_path, text)
    fixed = fix_file(options(path), str(path))
    assert fixed.text == text
    assert any(m.startswith("not fixed: 5:9: PG101") for m in fixed.messages)



@pytest.mark.quadlet
def test_fixed_unit_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    # the fix moves host port 80 to 8080; real Quadlet must accept the unit and publish the new port
    text = 'name: demo\nservices:\n  web:\n    image: registry.example/web:1\n    ports: ["80:80"]\n'
    result = convert_text(tmp_path, text)
    assert [(c.code, c.service, c.describe()) for c in result.changes] == \
        [("PG101", "web", "ports: 80:80 -> 8080:80 (PG101: rootless Podman cannot bind host port 80)")]
    assert keys(unit(result, "demo-web.container"), "PublishPort") == ["8080:80"]
    stdout = assert_quadlet_accepts(tmp_path, result, quadlet_generator)
    service = split_dryrun(stdout)["demo-web.service"]
    exec_start = exec_start_line(service)
    words = exec_start.split()
    assert words[words.index("--publish") + 1] == "8080:80"
    assert words.count("--publish") == 1
