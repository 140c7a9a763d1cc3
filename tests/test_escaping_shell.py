"""Property test: the generated script passes every value to podman unchanged, in dash and bash.

The same hostile values as tests/test_escaping_quadlet.py (plus U+0080, which
a script carries fine) go into a project; ``convert --format script`` writes
the script; the script runs ``up`` under a real ``dash`` (Debian's ``sh``)
and a real ``bash`` with ``PODMAN`` set to an argv dumper; every ``podman run``
must receive exactly the arguments podgen meant, byte for byte, and nothing
else may run (the dumper records every call; a value that broke out of its
quotes would add calls or arguments).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))

from escaping_values import compose_text, empty_service, expected_args, service_values, text  # noqa: E402
from hostile_util import FAKE_PODMAN, read_argv_dump  # noqa: E402

from podgen.api import Options, convert  # noqa: E402
from podgen.target import Target  # noqa: E402

SHELLS = [s for s in ("dash", "bash") if shutil.which(s)]

def run_script(shell: str, script: Path, top: Path) -> list[list[bytes]]:
    dump = top / f"dump-{shell}"
    dump.unlink(missing_ok=True)
    env = {"PATH": "/usr/bin:/bin", "PODMAN": str(top / "podman"), "PODGEN_DUMP": str(dump), "LANG": "C.UTF-8",
           "HOME": str(top)}
    res = subprocess.run([shell, str(script), "up"], cwd=top, env=env, capture_output=True, timeout=60)
    assert res.returncode == 0, (shell, res.stderr.decode("utf-8", "replace"))
    assert res.stdout == b"" and res.stderr == b"", (shell, res.stdout, res.stderr)
    return read_argv_dump(dump)


def opt_values(args: list[bytes]):
    """``podman run`` arguments as podgen writes them (--flag=value) -> ([(flag, value)], image, cmd)."""
    opts = []
    for i, a in enumerate(args):
        if not a.startswith(b"-"):
            return opts, a, args[i + 1:]
        flag, eq, value = a.partition(b"=")
        opts.append((flag, value if eq else None))
    raise AssertionError(f"no image in {args!r}")


def check_run(call: list[bytes], v: dict, bind_root: str):
    assert call[:3] == [b"run", b"-d", b"--name"], call[:4]
    assert call[4] == b"--label" and call[5].startswith(b"io.podgen.config-hash="), call[4:6]
    opts, image, cmd = opt_values(call[6:])
    assert image == b"docker.io/library/busybox:latest"
    exp = expected_args(v, bind_root)

    def values(flag):
        return [val.decode("utf-8") for f, val in opts if f == flag]
    assert dict(e.split("=", 1) for e in values(b"--env")) == exp["env"]
    labels = dict(lb.split("=", 1) for lb in values(b"--label"))
    assert labels == {**exp["labels"], "com.docker.compose.project": "esc",
                      "com.docker.compose.service": labels.get("com.docker.compose.service")}
    assert [c.decode("utf-8") for c in cmd] == exp["command"]
    entry = values(b"--entrypoint")
    assert (json.loads(entry[0]) if entry else None) == exp["entrypoint"]
    for key, flag in (("user", b"--user"), ("workdir", b"--workdir"), ("dns_search", b"--dns-search")):
        assert values(flag) == ([exp[key]] if exp[key] is not None else []), key
    health = values(b"--health-cmd")
    if "health" not in exp:
        assert health == []
    elif isinstance(exp["health"], str):
        assert health == [exp["health"]]
    else:
        assert len(health) == 1 and json.loads(health[0]) == exp["health"]
    assert values(b"--volume") == ([exp["volume"]] if "volume" in exp else [])


def check_project(services: list):
    with tempfile.TemporaryDirectory(prefix="podgen-sh-") as tmp:
        top = Path(tmp)
        bind_root = str(top / "binds")
        (top / "compose.yaml").write_text(compose_text(services, bind_root), encoding="utf-8")
        (top / "podman").write_text(FAKE_PODMAN)
        os.chmod(top / "podman", 0o755)
        opts = Options(files=[str(top / "compose.yaml")], cwd=str(top), project_name="esc",
                       environ={"PATH": "/usr/bin:/bin", "HOME": "/home/pm"}, target=Target(podman=(4, 3, 1)))
        result = convert(opts, output_format="script")
        assert not [d for d in result.diagnostics if d.code == "PG703"], result.diagnostics
        script = top / result.files[0].name
        script.write_text(result.files[0].text, encoding="utf-8")
        for shell in SHELLS:
            calls = run_script(shell, script, top)
            runs = [c for c in calls if c[:1] == [b"run"]]
            others = [c for c in calls if c[:1] != [b"run"]]
            # nothing but podman's own bookkeeping calls besides one run per service
            assert all(c[0] in (b"network", b"volume", b"container", b"secret") for c in others), others
            assert len(runs) == len(services), (shell, len(runs))
            assert not (top / "pwned").exists(), "a value ran a command"
            for call in runs:
                name = call[3].decode()
                assert name.startswith("esc-s") and name.endswith("-1"), name
                check_run(call, services[int(name[5:-2])], bind_root)


pytestmark = pytest.mark.skipif(not SHELLS, reason="neither dash nor bash is installed")


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(services=st.lists(service_values(text("\x00")), min_size=1, max_size=6))
def test_script_passes_values_unchanged(services):
    check_project(services)


BATTERY = ["'", "''", "'\\''", "\"", "$", "$(touch pwned)", "`touch pwned`", "${HOME}", "$HOME", "\\", "\\'", "!",
           "a b", "\n", "\nrm -rf /\n", "; touch pwned", "&& touch pwned", "| touch pwned", "#", "*", "~", "-n",
           "--", "\x01\x1b[31m", "\x7f", "\x80", "\u2028", "é", "😀", "%", "%%", "", " "]


def test_battery():
    services = []
    for value in BATTERY:
        v = empty_service()
        v["env"] = [value]
        v["command"] = ["echo", value]
        v["labels"] = [value]
        services.append(v)
    check_project(services)


def test_shell_is_really_dash():
    """Debian's sh is dash; the script must work with it (and with bash, checked above)."""
    assert "dash" in SHELLS or pytest.skip("dash is not installed")


def test_undecodable_bytes_from_the_environment_reach_podman(tmp_path):
    """A variable holding bytes that are not UTF-8 is passed on byte for byte, through -o and sh."""
    (tmp_path / "compose.yaml").write_text(
        "services:\n  s0:\n    image: busybox\n    environment: {A: \"${RAW}\"}\n"
        "    command: [echo, \"${RAW}\"]\n    labels: {l: \"${RAW}\"}\n", encoding="utf-8")
    (tmp_path / "podman").write_text(FAKE_PODMAN)
    os.chmod(tmp_path / "podman", 0o755)
    env = {**os.environ, "RAW": "a\udcffb\udc80"}      # os.environ's form of the bytes a\xffb\x80
    res = subprocess.run([sys.executable, "-m", "podgen", "convert", "compose.yaml", "--format", "script",
                          "-p", "esc", "--podman-version", "4.3", "-o", "out", "-q"],
                         cwd=tmp_path, env=env, capture_output=True)
    assert res.returncode == 0, res.stderr.decode("utf-8", "replace")
    assert b"Traceback" not in res.stderr
    for shell in SHELLS:
        [run] = [c for c in run_script(shell, tmp_path / "out" / "esc.sh", tmp_path) if c[:1] == [b"run"]]
        assert b"--env=A=a\xffb\x80" in run and b"--label=l=a\xffb\x80" in run, run
        assert run[-2:] == [b"echo", b"a\xffb\x80"], run
