"""Short syntax -> long syntax, as `docker compose config` prints it."""
from __future__ import annotations

import pytest

from podgen.errors import InputError
from podgen.load.normalize import shell_split
from podgen.load.shortforms import parse_port_spec, parse_volume_spec, resolve_path

P = ("f.yml", 1, 1)


@pytest.mark.parametrize("spec,entries", [
    ("80", [{"mode": "ingress", "target": 80, "protocol": "tcp"}]),
    ("8080:80", [{"mode": "ingress", "target": 80, "published": "8080", "protocol": "tcp"}]),
    ("127.0.0.1:8080:80/udp", [{"mode": "ingress", "host_ip": "127.0.0.1", "target": 80,
                                "published": "8080", "protocol": "udp"}]),
    ("127.0.0.1::80", [{"mode": "ingress", "host_ip": "127.0.0.1", "target": 80, "protocol": "tcp"}]),
    ("[::1]:8080:80", [{"mode": "ingress", "host_ip": "::1", "target": 80, "published": "8080",
                        "protocol": "tcp"}]),
    ("::1:8080:80", [{"mode": "ingress", "host_ip": "::1", "target": 80, "published": "8080",
                      "protocol": "tcp"}]),
    ("8000-8001:9000-9001", [{"mode": "ingress", "target": 9000, "published": "8000", "protocol": "tcp"},
                             {"mode": "ingress", "target": 9001, "published": "8001", "protocol": "tcp"}]),
    ("8000-8010:80", [{"mode": "ingress", "target": 80, "published": "8000-8010", "protocol": "tcp"}]),
])
def test_ports(spec, entries):
    assert parse_port_spec(spec, P) == entries


@pytest.mark.parametrize("spec", ["80:80:80:80", "abc", "8080:", "70000:80", "8000-8002:80-81", "1-:2"])
def test_bad_ports_are_errors(spec):
    with pytest.raises(InputError) as info:
        parse_port_spec(spec, P)
    assert info.value.pos == P and info.value.hint


def test_volumes():
    vol = parse_volume_spec("./data:/data/:ro,z", P, "/proj", "/home/u")
    assert dict(vol) | {"bind": dict(vol["bind"])} == {
        "type": "bind", "source": "/proj/data", "target": "/data", "read_only": True,
        "bind": {"selinux": "z", "create_host_path": True}}
    assert parse_volume_spec("~/x:/x", P, "/proj", "/home/u")["source"] == "/home/u/x"
    named = parse_volume_spec("data:/d:nocopy", P, "/proj", None)
    assert named["type"] == "volume" and named["volume"] == {"nocopy": True}
    anon = parse_volume_spec("/just/target", P, "/proj", None)
    assert anon["type"] == "volume" and anon["target"] == "/just/target" and "source" not in anon


def test_bad_volume_is_error():
    with pytest.raises(InputError, match="empty section"):
        parse_volume_spec(":/data", P, "/p", None)


@pytest.mark.parametrize("path,result", [
    ("./a", "/b/a"), ("a/b/", "/b/a/b"), ("../up", "/b/../up"), (".", "/b"), ("/abs/", "/abs/"),
])
def test_paths(path, result):
    assert resolve_path(path, "/b", None) == result


@pytest.mark.parametrize("text,words", [
    ('redis-server --save "" --appendonly no', ["redis-server", "--save", "", "--appendonly", "no"]),
    ("sh -c 'echo $HOME; exit 1'", ["sh", "-c", "echo $HOME; exit 1"]),
    (r'a\ b "c \"d\"" e\\f', ["a b", 'c "d"', "e\\f"]),
    ("", []),
])
def test_shell_split(text, words):
    assert shell_split(text, P) == words


def test_shell_split_unclosed_quote():
    with pytest.raises(InputError, match="unclosed"):
        shell_split("echo 'oops", P)
