"""Fuzzing: no input may crash podgen.

Hypothesis builds compose documents

* **valid** ones from the compose vocabulary (services with images, commands,
  environment, ports, volumes, networks, depends_on, healthchecks, ... and
  top-level networks, volumes, secrets, configs), and
* **mutated** ones: a valid document with values replaced by other types or
  random unicode, keys added or removed, then written out and cut short,
  spliced, re-indented or peppered with random bytes; and plain random bytes,

and runs each through load -> lint -> convert (Quadlet and script) through
the API, where only ``PodgenError`` may escape, and through the command line
(``podgen.cli.main``, in-process), which may exit 0, 1 or 2 but never 3
(internal error).  The budget is fixed and ``derandomize=True`` makes CI
reproducible; a failure prints the smallest document that crashes podgen.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))

from hostile_util import cli, yaml_quote  # noqa: E402

from podgen import api  # noqa: E402
from podgen.errors import PodgenError  # noqa: E402
from podgen.target import Target  # noqa: E402

FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much, HealthCheck.large_base_example])

# --- the compose vocabulary ----------------------------------------------------------------------

NAMES = st.sampled_from(["web", "db", "cache", "app", "worker", "proxy", "a", "b-c", "x.y", "svc_1"])
IMAGES = st.sampled_from(["nginx", "nginx:1.27", "docker.io/library/redis:7", "postgres@sha256:" + "a" * 64,
                          "localhost:5000/app", "ghcr.io/o/r:tag", "busybox"])
WEIRD = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
WORDS = st.sampled_from(["sh", "-c", "echo hi", "$HOME", "$${X}", "${X:-d}", "%h", "a b", "'q'", "\"dq\"", "\\",
                         ";", "", "--flag=1", "\n", "é", "80", "true"]) | WEIRD
PORTS = st.sampled_from(["80", "8080:80", "127.0.0.1:80:80", "[::1]:8443:443", "53:53/udp", "1000-1002:1000-1002",
                         "9000-9001:80", "443", "0.0.0.0:8000:8000/tcp", "::1:80:80", "65535:65535"]) | \
    st.integers(0, 70000) | st.builds(lambda t, p: {"target": t, "published": p, "protocol": "tcp"},
                                      st.integers(1, 65535), st.sampled_from(["8080", "8000-8001", None]))
DURATIONS = st.sampled_from(["10s", "1m30s", "500ms", "2h", "0s", "1", "1.5s"])
VOLUME_SHORT = st.sampled_from(["./data:/data", "data:/var/lib/data", "/srv:/srv:ro", "~/x:/x:z", "/tmp",
                                "data:/d:nocopy", "./a:/b:rw,Z"])


def env_mapping():
    return st.dictionaries(st.from_regex(r"[A-Z_][A-Z0-9_]{0,6}", fullmatch=True),
                           st.none() | WORDS | st.integers() | st.booleans(), max_size=4)


@st.composite
def service(draw, names: list, networks: list, volumes: list, secrets: list):
    svc = {}
    if draw(st.integers(0, 9)):
        svc["image"] = draw(IMAGES)
    else:
        svc["build"] = draw(st.sampled_from([".", {"context": ".", "dockerfile": "Dockerfile"}]))
    optional = {
        "command": st.one_of(WORDS, st.lists(WORDS, max_size=4), st.none()),
        "entrypoint": st.one_of(WORDS, st.lists(WORDS, max_size=3)),
        "environment": st.one_of(env_mapping(), st.lists(st.sampled_from(["A=1", "B", "C=", "D=$$x"]), max_size=3)),
        "ports": st.lists(PORTS, max_size=3, unique_by=str),
        "expose": st.lists(st.sampled_from(["80", "8000-8002", 443]), max_size=2, unique=True),
        "volumes": st.lists(VOLUME_SHORT | st.sampled_from(volumes or ["/x"]).map(lambda v: f"{v}:/mnt/{v}"),
                            max_size=3, unique=True),
        "restart": st.sampled_from(["no", "always", "on-failure", "on-failure:3", "unless-stopped"]),
        "user": st.sampled_from(["1000", "1000:1000", "nobody", "root"]) | WEIRD,
        "working_dir": st.sampled_from(["/app", "/"]) | WEIRD,
        "labels": st.one_of(st.dictionaries(st.sampled_from(["a", "b.c", "com.x"]), WORDS, max_size=3),
                            st.lists(st.sampled_from(["a=1", "b", "c=d=e"]), max_size=2, unique=True)),
        "healthcheck": st.fixed_dictionaries(
            {"test": st.one_of(WORDS, st.lists(WORDS, max_size=3).map(lambda w: ["CMD"] + w),
                               st.just(["NONE"]), st.lists(WORDS, max_size=2).map(lambda w: ["CMD-SHELL"] + w))},
            optional={"interval": DURATIONS, "timeout": DURATIONS, "retries": st.integers(0, 5),
                      "start_period": DURATIONS, "disable": st.booleans()}),
        "cap_add": st.lists(st.sampled_from(["NET_ADMIN", "SYS_PTRACE", "ALL"]), max_size=2, unique=True),
        "dns": st.lists(st.sampled_from(["1.1.1.1", "9.9.9.9"]), max_size=2, unique=True),
        "extra_hosts": st.lists(st.sampled_from(["a:1.2.3.4", "b=::1", "host.docker.internal:host-gateway"]),
                                max_size=2, unique=True),
        "tmpfs": st.sampled_from(["/run", ["/tmp", "/run:size=64m"]]),
        "init": st.booleans(), "read_only": st.booleans(), "privileged": st.booleans(),
        "stop_grace_period": DURATIONS,
        "mem_limit": st.sampled_from(["512m", "1g", 1073741824, "1.5g"]),
        "cpus": st.sampled_from([0.5, 1, "2"]),
        "ulimits": st.sampled_from([{"nofile": 1024}, {"nofile": {"soft": 1, "hard": 2}}]),
        "sysctls": st.sampled_from([{"net.core.somaxconn": 1024}, ["net.ipv4.ip_forward=1"]]),
        "logging": st.sampled_from([{"driver": "json-file", "options": {"max-size": "10m"}},
                                    {"driver": "syslog"}]),
        "deploy": st.sampled_from([{"replicas": 2}, {"resources": {"limits": {"memory": "1g", "cpus": "0.5"}}},
                                   {"restart_policy": {"condition": "on-failure", "max_attempts": 3}}]),
        "network_mode": st.sampled_from(["host", "none", "bridge"] + [f"service:{n}" for n in names]),
        "hostname": st.sampled_from(["web", "a.b"]),
        "stop_signal": st.sampled_from(["SIGTERM", "SIGINT"]),
        "platform": st.just("linux/amd64"),
        "pull_policy": st.sampled_from(["always", "missing", "never", "daily"]),
        "security_opt": st.just(["no-new-privileges:true"]),
        "x-custom": WORDS,
    }
    if names:
        optional["depends_on"] = st.one_of(
            st.lists(st.sampled_from(names), max_size=2, unique=True),
            st.dictionaries(st.sampled_from(names), st.fixed_dictionaries(
                {"condition": st.sampled_from(["service_started", "service_healthy",
                                               "service_completed_successfully"])}), max_size=2))
        optional["links"] = st.lists(st.sampled_from(names), max_size=1)
    if networks:
        optional["networks"] = st.one_of(
            st.lists(st.sampled_from(networks), max_size=2, unique=True),
            st.dictionaries(st.sampled_from(networks), st.none() | st.fixed_dictionaries(
                {"aliases": st.lists(st.sampled_from(["alias", "x"]), max_size=2, unique=True)}), max_size=2))
    if secrets:
        optional["secrets"] = st.lists(st.sampled_from(secrets), max_size=2, unique=True)
    keys = draw(st.lists(st.sampled_from(sorted(optional)), max_size=7, unique=True))
    for key in keys:
        svc[key] = draw(optional[key])
    if "network_mode" in svc and "networks" in svc:
        del svc["networks"]
    return svc


@st.composite
def compose_document(draw):
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique=True))
    networks = draw(st.lists(st.sampled_from(["front", "back", "ext"]), max_size=2, unique=True))
    volumes = draw(st.lists(st.sampled_from(["data", "logs"]), max_size=2, unique=True))
    secrets = draw(st.lists(st.sampled_from(["pw", "token"]), max_size=1, unique=True))
    doc = {}
    if draw(st.booleans()):
        doc["name"] = draw(st.sampled_from(["demo", "my-app", "x_1"]))
    services = {}
    for i, name in enumerate(names):
        services[name] = draw(service(names[:i], networks, volumes, secrets))
    doc["services"] = services
    if networks:
        doc["networks"] = {n: draw(st.sampled_from([None, {}, {"driver": "bridge"}, {"external": True},
                                                   {"ipam": {"config": [{"subnet": "10.5.0.0/16"}]}},
                                                   {"internal": True, "name": f"custom-{n}"}]))
                           for n in networks}
    if volumes:
        doc["volumes"] = {v: draw(st.sampled_from([None, {}, {"external": True},
                                                  {"driver_opts": {"type": "tmpfs", "device": "tmpfs"}}]))
                          for v in volumes}
    if secrets:
        doc["secrets"] = {s: draw(st.sampled_from([{"file": "./secret.txt"}, {"environment": "PW"},
                                                  {"external": True}])) for s in secrets}
    return doc


# --- writing YAML ---------------------------------------------------------------------------------

def to_yaml(value, indent: int = 0) -> str:
    """Block-style YAML for dicts/lists, quoted strings (so any text survives), plain numbers."""
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}\n"
        out = "\n" if indent else ""
        for k, v in value.items():
            out += f"{pad}{yaml_quote(str(k), dollars=False)}: {to_yaml(v, indent + 1)}"
        return out
    if isinstance(value, list):
        if not value:
            return "[]\n"
        out = "\n" if indent else ""
        for v in value:
            out += f"{pad}- {to_yaml(v, indent + 1).lstrip(' ') if not isinstance(v, (dict, list)) else to_yaml(v, indent + 1).lstrip()}"
            if isinstance(v, (dict, list)) and v:
                pass
        return out
    if value is None:
        return "null\n"
    if isinstance(value, bool):
        return ("true" if value else "false") + "\n"
    if isinstance(value, (int, float)):
        return repr(value) + "\n"
    return yaml_quote(str(value), dollars=False) + "\n"


ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | WEIRD | WORDS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(WEIRD | NAMES, inner, max_size=3), max_leaves=6)


@st.composite
def mutated_document(draw):
    doc = draw(compose_document())
    for _ in range(draw(st.integers(1, 4))):
        path = [doc]
        node = doc
        while isinstance(node, (dict, list)) and node and draw(st.integers(0, 2)):
            key = draw(st.sampled_from(list(node) if isinstance(node, dict) else list(range(len(node)))))
            path.append(key)
            node = node[key]
        parent = doc
        for key in path[1:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "add", "delete"]))
        if len(path) == 1:
            if isinstance(doc, dict):
                doc[draw(WEIRD | NAMES)] = draw(ANY_VALUE)
            continue
        last = path[-1]
        if action == "replace":
            parent[last] = draw(ANY_VALUE)
        elif action == "delete":
            del parent[last]
        elif isinstance(parent, dict):
            parent[draw(WEIRD | NAMES)] = draw(ANY_VALUE)
        else:
            parent.append(draw(ANY_VALUE))
    return doc


@st.composite
def mangled_text(draw):
    text = to_yaml(draw(compose_document())).encode("utf-8")
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["truncate", "insert", "flip", "duplicate", "indent", "delete"]))
        pos = draw(st.integers(0, max(len(text) - 1, 0)))
        if kind == "truncate":
            text = text[:pos]
        elif kind == "insert":
            text = text[:pos] + draw(st.binary(max_size=8) | st.sampled_from(
                [b":", b"- ", b"\t", b"&a ", b"*a", b"<<: *a\n", b"!!binary ", b"{", b"[", b"'", b'"', b"\n  ",
                 b"%YAML 1.2\n---\n", b"---\n", b"...\n", b"? ", b"|\n", b">-\n", b"#", b"\xef\xbb\xbf", b"\\u"])) \
                + text[pos:]
        elif kind == "flip":
            if text:
                text = text[:pos] + bytes([text[pos] ^ draw(st.integers(1, 255))]) + text[pos + 1:]
        elif kind == "duplicate":
            lines = text.split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            text = b"\n".join(lines)
        elif kind == "indent":
            lines = text.split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines[i] = b" " * draw(st.integers(0, 5)) + lines[i].lstrip(b" ")
            text = b"\n".join(lines)
        else:
            end = draw(st.integers(pos, min(len(text), pos + 20)))
            text = text[:pos] + text[end:]
    return text


# --- running podgen -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workdir():
    with tempfile.TemporaryDirectory(prefix="podgen-fuzz-") as tmp:
        top = Path(tmp) / "fuzz"
        top.mkdir()
        (top / "secret.txt").write_text("s3cret\n")
        yield top


def exercise(top: Path, data: bytes, *, via_cli: bool = True):
    path = top / "compose.yaml"
    path.write_bytes(data)
    opts = api.Options(files=[str(path)], cwd=str(top), environ={"PATH": "/usr/bin:/bin", "HOME": "/home/u"},
                       target=Target(podman=(5, 4, 0)))
    loaded = None
    try:
        loaded = api.lint(opts)
    except PodgenError:
        pass
    for fmt in ("quadlet", "script"):
        try:
            api.convert(opts, output_format=fmt)
        except PodgenError:
            pass
    if via_cli:
        for argv in (["convert", "compose.yaml", "--podman-version", "5.4"],
                     ["convert", "compose.yaml", "--format", "script", "--podman-version", "4.3"],
                     ["lint", "compose.yaml", "--podman-version", "5.4", "--format", "json"],
                     ["config", "--format", "yaml"],
                     ["fix", "compose.yaml", "--diff", "--podman-version", "5.4"]):
            res = cli(argv, top)
            assert res.rc in (0, 1, 2), f"{argv}: exit {res.rc}\n{res.text[-3000:]}"
            assert "Traceback" not in res.text and "internal error" not in res.text, res.text[-3000:]
    return loaded


@FUZZ
@given(doc=compose_document())
def test_valid_documents(workdir, doc):
    exercise(workdir, to_yaml(doc).encode("utf-8"))


@FUZZ
@given(doc=mutated_document())
def test_mutated_documents(workdir, doc):
    exercise(workdir, to_yaml(doc).encode("utf-8"))


@FUZZ
@given(data=mangled_text())
def test_mangled_text(workdir, data):
    exercise(workdir, data)


@FUZZ
@given(data=st.binary(max_size=300) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_random_bytes(workdir, data):
    exercise(workdir, data, via_cli=False)


ENV_LINES = st.sampled_from(["A=1", "export B=2", "C='x y'", 'D="a\\nb ${A}"', "E", "#c", "F=${A:-z}", "G=${",
                             "H='unterminated", 'I="unterminated', "=x", " J = k ", "K=v # c", "L=$$", "M=${A:?no}",
                             "N.O-P[1]=q", "Q=\\", "", "R:s"]) | WEIRD


@FUZZ
@given(lines=st.lists(ENV_LINES, max_size=8), use=st.sampled_from(["dotenv", "env_file"]))
def test_env_files(workdir, lines, use):
    text = "\n".join(lines) + "\n"
    if use == "dotenv":
        (workdir / ".env").write_text(text, encoding="utf-8", errors="surrogatepass")
        compose = "services:\n  web:\n    image: nginx:${A:-1}\n    environment: [B, E, 'X=${F:-0}']\n"
    else:
        (workdir / ".env").unlink(missing_ok=True)
        (workdir / "app.env").write_text(text, encoding="utf-8", errors="surrogatepass")
        compose = "services:\n  web:\n    image: nginx\n    env_file: app.env\n"
    try:
        exercise(workdir, compose.encode())
    finally:
        (workdir / ".env").unlink(missing_ok=True)
