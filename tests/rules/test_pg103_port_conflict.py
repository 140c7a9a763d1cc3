"""PG103 port-conflict: the same host address/port/protocol published twice."""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, lint_diags, lint_text, options, unit, write
from netrules_util import fix_twice
from realpodman import run_quadlet

CLASH = """\
name: demo
services:
  web:
    image: nginx
    ports: ["8080:80"]
  admin:
    image: adminer
    ports:
      - "8443:443"
      - "8080:8080"
"""


def test_fires_on_the_later_item_and_names_both(tmp_path):
    diags = lint_diags(tmp_path, CLASH, select=["PG103"])
    assert [f"{d.span.line}:{d.span.col} {d.code}" for d in diags] == ["10:9 PG103"]
    assert "'web' and 'admin'" in diags[0].message and "*:8080/tcp" in diags[0].message


def services(*ports) -> str:
    out = "services:\n"
    for i, p in enumerate(ports):
        out += f"  s{i}:\n    image: x\n    ports: [{p}]\n"
    return out


@pytest.mark.parametrize("a,b", [
    ('"8080:80"', '"8080:80/udp"'),                       # tcp and udp do not collide
    ('"127.0.0.1:8080:80"', '"192.0.2.10:8080:80"'),      # different specific addresses
    ('"0.0.0.0:8080:80"', '"[::1]:8080:80"'),             # IPv4 wildcard vs an IPv6 address
    ('"8080:80"', '"8081:80"'),
    ('"80"', '"80"'),                                     # random host ports
])
def test_near_misses(tmp_path, a, b):
    assert lint_text(tmp_path, services(a, b), select=["PG103"]) == []


@pytest.mark.parametrize("a,b", [
    ('"127.0.0.1:8080:80"', '"8080:80"'),                 # no host_ip = every address
    ('"0.0.0.0:8080:80"', '"127.0.0.1:8080:80"'),
    ('"[::]:8080:80"', '"127.0.0.1:8080:80"'),            # :: is dual-stack
    ('"127.0.0.1:8080:80"', '"127.0.0.1:8080:81"'),
    ('"8079-8081:79-81"', '"8081:90"'),                   # ranges are expanded
    ('"8080:80/udp"', '{target: 53, published: 8080, protocol: udp}'),
])
def test_overlaps(tmp_path, a, b):
    assert lint_text(tmp_path, services(a, b), select=["PG103"]) == ["7:13 PG103"]


def test_same_service_twice(tmp_path):
    diags = lint_diags(tmp_path, services('"8080:80", "8080:81"'), select=["PG103"])
    assert [f"{d.span.line}:{d.span.col}" for d in diags] == ["4:24"]
    assert "'s0' twice" in diags[0].message


def test_ports_of_shared_namespaces_do_not_count(tmp_path):
    text = services('"8080:80"') + "  side:\n    image: y\n    network_mode: host\n    ports: [\"8080:80\"]\n"
    assert lint_text(tmp_path, text, select=["PG103"]) == []


def test_convert_moves_the_later_port_to_the_next_free_one(tmp_path):
    text = CLASH + "  other:\n    image: o\n    ports: [\"8081:81\"]\n"
    result = convert_text(tmp_path, text)
    assert keys(unit(result, "demo-web.container"), "PublishPort") == ["8080:80"]
    assert keys(unit(result, "demo-admin.container"), "PublishPort") == ["8443:443", "8082:8080"]
    assert "changed ports: 8080:8080 -> 8082:8080 (PG103" in unit(result, "demo-admin.container")


def test_offset_strategy(tmp_path):
    path = write(tmp_path, CLASH)
    from podgen.api import convert
    result = convert(options(path, rule_options={"PG103": {"strategy": "offset", "offset": 100}}))
    assert keys(unit(result, "demo-admin.container"), "PublishPort") == ["8443:443", "8180:8080"]


@pytest.mark.parametrize("bad", [{"strategy": "random"}, {"offset": 0}, {"offset": "10"}])
def test_invalid_options_are_input_errors(tmp_path, bad):
    from podgen.api import lint
    from podgen.errors import InputError
    with pytest.raises(InputError, match="invalid options for PG103"):
        lint(options(write(tmp_path, CLASH), rule_options={"PG103": bad}))


def test_privileged_clash_is_left_to_pg101(tmp_path):
    text = services('"80:80"', '"80:8080"')
    diags = lint_diags(tmp_path, text, select=["PG103"])
    assert [d.fix for d in diags] == [None]
    result = convert_text(tmp_path, "name: demo\n" + text)
    assert keys(unit(result, "demo-s0.container"), "PublishPort") == ["8080:80"]
    assert keys(unit(result, "demo-s1.container"), "PublishPort") == ["8081:8080"]
    # rootful, 80 can be bound and the clash is moved by PG103
    rootful = convert_text(tmp_path, "name: demo\n" + text, rootless=False)
    assert keys(unit(rootful, "demo-s1.container"), "PublishPort") == ["81:8080"]


def test_new_port_avoids_pg101_remaps(tmp_path):
    # PG101 moves s0's port 80 to 8080 (the remap table); PG103 must not hand 8080 out as well
    text = "name: demo\n" + services('"80:80"', '"8079:80"', '"8079:81"')
    result = convert_text(tmp_path, text)
    published = [keys(unit(result, f"demo-s{i}.container"), "PublishPort")[0].split(":")[0] for i in range(3)]
    assert published == ["8080", "8079", "8081"]
    # podgen fix computes its edits up front: they must agree with convert
    fixed = fix_twice(tmp_path, text)
    assert 'ports: ["8080:80"]' in fixed and 'ports: ["8081:81"]' in fixed


def test_fix_rewrites_the_later_port_once(tmp_path):
    text = fix_twice(tmp_path, CLASH)
    assert 'ports: ["8080:80"]' in text
    assert '      - "8443:443"\n      - "8081:8080"\n' in text


def test_fix_and_convert_agree(tmp_path):
    text = fix_twice(tmp_path, CLASH)
    assert lint_text(tmp_path, text, select=["PG103"]) == []


@pytest.mark.quadlet
def test_fixed_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    result = convert_text(tmp_path, CLASH)
    proc = run_quadlet(quadlet_generator, result.files, tmp_path / "units")
    assert "--publish 8081:8080" in proc.stdout
