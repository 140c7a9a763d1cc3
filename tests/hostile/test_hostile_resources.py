"""Bounded resources: hostile input fails fast, with a clear error, in little memory.

Every case runs the real program in a child process with ``RLIMIT_AS`` at
2 GiB (a regression fails instead of swapping) and measures its wall time and
peak RSS (``os.wait4``).  A hostile file must be refused with exit 2 and a
located message in under ``SECONDS`` and ``MAX_RSS``; a legitimate
10,000-service project (~3 MB) must still load.

The limits live in podgen/load/yamlload.py (bytes, depth, nodes, text, documents,
value length), podgen/load/interpolate.py (expansion), podgen/load/normalize.py (port
mappings) and podgen/load/project.py (extends/include depth and cycles).
"""
from __future__ import annotations

import pytest

from hostile_util import run_measured, write

from podgen.load import yamlload
from podgen.load.interpolate import MAX_EXPANSION
from podgen.load.shortforms import MAX_PORT_MAPPINGS

MIB = 1024 * 1024
SECONDS = 10             # typically 0.1-2 s; generous for slow CI machines
MAX_RSS = 512 * MIB      # typically 20-200 MiB
COMMANDS = (["config"], ["lint", "compose.yaml", "--podman-version", "5.4"],
            ["convert", "compose.yaml", "-o", "out", "--podman-version", "5.4"])


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    lines = ['x-a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    names = "abcdefghijklmnop"
    for i in range(1, levels):
        lines.append(f"x-{names[i]}: &{names[i]} [" + ", ".join([f"*{names[i - 1]}"] * width) + "]")
    lines.append(f"services:\n  web:\n    image: nginx\n    command: *{names[levels - 1]}")
    return "\n".join(lines) + "\n"


def merge_bomb(levels: int = 25) -> str:
    lines = ["x-l0: &l0 {k0: v, k1: v}"]
    for i in range(1, levels):
        lines.append(f"x-l{i}: &l{i} {{a: *l{i - 1}, b: *l{i - 1}}}")
    lines.append(f"services:\n  web:\n    image: nginx\n    labels:\n      <<: *l{levels - 1}")
    return "\n".join(lines) + "\n"


def long_value_aliases() -> str:
    return (f"x-big: &big \"{'x' * (MIB - 16)}\"\n"
            "services:\n  web:\n    image: nginx\n    environment:\n"
            + "".join(f"      V{i}: *big\n" for i in range(64)))


def block_nesting(depth: int) -> str:
    return "services:\n  web:\n    image: nginx\nx-deep:\n" + "".join(
        "  " * (i + 1) + f"k{i}:\n" for i in range(depth)) + "  " * (depth + 1) + "leaf: 1\n"


CASES = {
    # name: (files, fragment of the error)
    "billion-laughs": ({"compose.yaml": billion_laughs()}, "nodes"),
    "merge-key-bomb": ({"compose.yaml": merge_bomb()}, "nodes"),
    "long-value-aliases": ({"compose.yaml": long_value_aliases()}, "MiB of text"),
    "deep-flow-nesting": ({"compose.yaml": "services: " + "[" * 100_000 + "]" * 100_000 + "\n"},
                          "nested more than"),
    "deep-block-nesting": ({"compose.yaml": block_nesting(200)}, "nested more than"),
    "huge-file": ({"compose.yaml": "services:\n  web:\n    image: nginx\n" + "# padding\n" * (2 * MIB)},
                  "larger than 16 MiB"),
    "many-nodes": ({"compose.yaml": "services:\n  web:\n    image: nginx\nx-junk: ["
                    + "0," * (6 * MIB) + "0]\n"}, "nodes"),
    "long-line": ({"compose.yaml": "services:\n  web:\n    image: nginx\n    command: \""
                   + "a" * (8 * MIB) + "\"\n"}, "KiB"),
    "many-documents": ({"compose.yaml": "services:\n  web:\n    image: nginx\n" + "---\n{}\n" * 2000},
                       "YAML documents"),
    "huge-env-file": ({"compose.yaml": "services:\n  web:\n    image: nginx\n    env_file: big.env\n",
                       "big.env": "# padding\n" * (2 * MIB)}, "larger than 16 MiB"),
    "env-file-doubling": ({"compose.yaml": "services:\n  web:\n    image: nginx\n    env_file: bomb.env\n",
                           "bomb.env": "A0=xxxxxxxxxxxxxxxx\n" + "".join(
                               f"A{i}=${{A{i - 1}}}${{A{i - 1}}}\n" for i in range(1, 64))},
                          "MiB of text"),
    "dotenv-doubling": ({"compose.yaml": "services:\n  web:\n    image: nginx:${A63:-x}\n",
                         ".env": "A0=xxxxxxxxxxxxxxxx\n" + "".join(
                             f"A{i}=${{A{i - 1}}}${{A{i - 1}}}\n" for i in range(1, 64))}, "MiB of text"),
    "interpolation-bomb": ({"compose.yaml": "services:\n  web:\n    image: nginx\n    environment:\n"
                            + "".join(f"      V{i}: ${{BIG}}\n" for i in range(200)),
                            ".env": "BIG=" + "x" * (MIB - 16) + "\n"}, "MiB of text"),
    "nested-defaults": ({"compose.yaml": "services:\n  web:\n    image: 'nginx:" + "${A:-" * 5000 + "x"
                         + "}" * 5000 + "'\n"}, "nested more than"),
    "port-ranges": ({"compose.yaml": "services:\n  web:\n    image: nginx\n    ports:\n" + "".join(
        f"      - '127.0.0.{i}:1024-65535:1024-65535'\n" for i in range(1, 31))}, "port mappings"),
    "port-ranges-many-services": ({"compose.yaml": "services:\n" + "".join(
        f"  s{i}:\n    image: nginx\n    ports: ['1024-65535:1024-65535']\n" for i in range(30))}, "port mappings"),
    "include-cycle": ({"compose.yaml": "include: [compose.yaml, compose.yaml]\nservices:\n  web:\n    image: x\n"},
                      "include cycle"),
    "extends-chain": ({"compose.yaml": "services:\n" + "".join(
        f"  s{i}:\n    extends: s{i + 1}\n" for i in range(100)) + "  s100:\n    image: nginx\n"},
        "extends chain is too long"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input_fails_fast_and_small(tmp_path, name):
    files, fragment = CASES[name]
    for fname, text in files.items():
        write(tmp_path / fname, text)
    for argv in COMMANDS:
        res = run_measured(argv, tmp_path, timeout=60)
        assert not res.timed_out, f"{argv[0]}: still running after 60 s"
        assert res.rc == 2, f"{argv[0]}: exit {res.rc}\n{res.text[-2000:]}"
        assert "Traceback" not in res.text and "internal error" not in res.text, res.text[-2000:]
        assert fragment in res.text, f"{argv[0]}: {fragment!r} not in\n{res.text[-2000:]}"
        assert ".env:" in res.text or "compose.yaml:" in res.text, res.text[-2000:]
        assert res.seconds < SECONDS, f"{argv[0]} took {res.seconds:.1f} s"
        assert res.max_rss < MAX_RSS, f"{argv[0]} used {res.max_rss / MIB:.0f} MiB"
        assert not (tmp_path / "out").exists()


def test_limits_are_what_the_tests_assume():
    assert yamlload.MAX_BYTES == 16 * MIB and yamlload.MAX_NODES == 1_000_000
    assert yamlload.MAX_DEPTH == 64 and yamlload.MAX_DOCUMENTS == 1000
    assert MAX_EXPANSION == 64 * MIB and MAX_PORT_MAPPINGS == 131_072


def ten_thousand_services() -> str:
    """A realistic 10,000-service project of about 3 MB (a port, env, labels, depends_on each)."""
    out = ["name: big", "x-labels: &labels", "  com.example.stack: big", "services:"]
    for i in range(10_000):
        out += [f"  svc{i:05d}:", f"    image: registry.example.com/team/app{i % 50}:1.{i % 7}",
                "    environment:", f"      INSTANCE: \"{i}\"", "      LOG_LEVEL: ${LOG_LEVEL:-info}",
                f"    ports: [\"{20000 + i}:8080\"]", "    labels:", "      <<: *labels",
                f"      com.example.index: \"{i}\"", "    restart: unless-stopped"]
        if i % 10:
            out.append(f"    depends_on: [svc{i - 1:05d}]")
    return "\n".join(out) + "\n"


def test_ten_thousand_services_still_load(tmp_path):
    text = ten_thousand_services()
    assert 2.5 * MIB < len(text) < 4 * MIB
    write(tmp_path / "compose.yaml", text)
    res = run_measured(["config", "--format", "json"], tmp_path, timeout=120)
    assert res.rc == 0, res.text[-2000:]
    assert res.out.count('"image"') == 10_000
    assert res.seconds < 60 and res.max_rss < 1024 * MIB, (res.seconds, res.max_rss / MIB)


def test_big_but_legitimate_env_file_loads(tmp_path):
    """100,000 variables in .env (4 MB) are read in linear time (this was quadratic: minutes)."""
    write(tmp_path / ".env", "".join(f"VAR{i}=value-{i}-${{VAR0}}\n" for i in range(100_000)))
    write(tmp_path / "compose.yaml", "services:\n  web:\n    image: nginx:${VAR99999}\n")
    res = run_measured(["config"], tmp_path, timeout=60)
    assert res.rc == 0, res.text[-2000:]
    assert "nginx:value-99999-value-0-" in res.out
    assert res.seconds < SECONDS and res.max_rss < MAX_RSS, (res.seconds, res.max_rss / MIB)


def crowded_ports() -> str:
    """Port rules' worst cases: 3,000 services on one port, 300 services on one wide host range for
    one container port, 2,000 unbracketed IPv6 ports (each of these took 5-60 s when every port
    looked at every other port, or re-read the file)."""
    out = ["name: crowded", "services:"]
    for i in range(3000):
        out += [f"  same{i}:", "    image: busybox", "    ports: [\"8080:80\", \"80:80/udp\"]"]
    for i in range(300):
        out += [f"  wide{i}:", "    image: busybox", "    ports: [\"1024-65535:80\"]"]
    for i in range(2000):
        out += [f"  v6x{i}:", "    image: busybox", f"    ports: [\"::1:{30000 + i}:80\"]"]
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("argv", [["lint", "compose.yaml", "--podman-version", "5.4", "--format", "json"],
                                  ["convert", "compose.yaml", "--podman-version", "5.4", "-q"]],
                         ids=["lint", "convert"])
def test_crowded_ports_stay_linear(tmp_path, argv):
    write(tmp_path / "compose.yaml", crowded_ports())
    res = run_measured(argv, tmp_path, timeout=120)
    assert not res.timed_out and "Traceback" not in res.text, res.text[-2000:]
    assert res.seconds < 4 * SECONDS and res.max_rss < MAX_RSS, (res.seconds, res.max_rss / MIB)
    if argv[0] == "lint":
        import json
        codes = [d["code"] for d in json.loads(res.out)]
        # every later 8080/tcp and 80/udp clashes; 80/udp is remapped by PG101 (3,000 of them);
        # every wide range is narrowed (PG102), every IPv6 address is bracketed (PG102)
        counts = tuple(codes.count(c) for c in ("PG101", "PG102", "PG103"))
        assert counts == (3000, 300 + 2000, 2 * 2999), counts
    else:
        assert res.rc == 0, res.text[-2000:]
