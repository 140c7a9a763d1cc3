"""e2e: the ``systemd_exec`` model of ExecStart= agrees with a real systemd 257.

tests/test_escaping_quadlet.py trusts ``tests/hostile/systemd_exec.py`` to
say what argv systemd gives podman.  This test checks that model once against
the real thing: it boots the Debian trixie engine (systemd 257 as PID 1, the
rootless user's manager), installs oneshot user units whose ``ExecStart=`` is

* the line the real Quadlet generated for a battery of nasty values (command
  arguments, environment values, labels), with ``/usr/bin/podman`` replaced by
  a tiny argv-dumping script, and
* hand-written lines that exercise every rule the model implements (quotes
  anywhere in a word, C escapes inside and outside quotes, unknown escapes,
  specifiers, ``;`` and ``\\;``, ``$VAR`` splitting, ``${VAR}``, ``$$``),

starts them, reads what the dumper received, and compares it with the model,
byte for byte.  Run it alone: at most one pytest session may boot the engine.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "hostile"))

from escaping_values import empty_service  # noqa: E402
from hostile_util import read_argv_dump  # noqa: E402
from systemd_exec import expand_env, parse_environment, split_commands, unit_values  # noqa: E402

from realpodman import run_quadlet, split_dryrun  # noqa: E402
from test_escaping_quadlet import BATTERY, convert_batch  # noqa: E402

pytestmark = pytest.mark.e2e

DUMPER = "/home/pm/.local/bin/argvdump"
DUMPS = "/home/pm/podgen-dumps"

HAND_WRITTEN = [
    'a "b c" \'d e\' f"g h"i j\'k\'l',
    '"\\n\\t\\r\\a\\b\\f\\v\\\\\\"\\\'\\s" \\n\\t \\x41\\x7e \\101\\176 \\u00e9 \\U0001F600',
    '\\q "\\q" \\x4 \\xZZ \\8 "x\\"y"',
    '%% %n %N %t %h %u %U 100%%',
    'x \\; y ";" z',
    'first ; ' + DUMPER + ' second "third word"',
    '$$ $$HOME ${PODGEN_X} a${PODGEN_X}b $PODGEN_SPLIT "${PODGEN_SPLIT}" ${PODGEN_UNSET}. $PODGEN_UNSET end',
    '"" \'\' x""y',
    'é 漢 😀 \xa0 \x85 \u2028',
    '"trailing backslash \\\\"',
]
HAND_ENV = ['PODGEN_X=ex', '"PODGEN_SPLIT=one  two\tthree"']


def _specifiers(unit: str) -> dict:
    from systemd_exec import DEFAULT_SPECIFIERS
    table = dict(DEFAULT_SPECIFIERS)
    table.update({"n": unit, "N": unit.rsplit(".", 1)[0], "p": unit.rsplit(".", 1)[0], "t": "/run/user/1000",
                  "h": "/home/pm", "u": "pm", "U": "1000", "g": "pm", "G": "1000"})
    return table


def _probe_unit(name: str, execs: list[str], env_lines: list[str]) -> str:
    lines = ["[Unit]", f"Description=podgen escaping probe {name}", "", "[Service]", "Type=oneshot",
             f"Environment=PODGEN_DUMP={DUMPS}/{name}"]
    lines += [f"Environment={e}" for e in env_lines]
    lines += [f"ExecStart={x}" for x in execs]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def engine():
    from realpodman import harness, skip_or_fail
    ok, why = harness.available("trixie")
    if not ok:
        skip_or_fail(why)
    eng = harness.get_engine("podman54")
    try:
        eng.start()
    except harness.HarnessError as exc:
        skip_or_fail(f"podman54 failed to start: {exc}")
    yield eng
    eng.sh("rm -f ~/.config/systemd/user/podgen-esc-*.service; rm -rf ~/podgen-dumps; "
           "systemctl --user daemon-reload", timeout=60)


def _generated_lines(quadlet_generator) -> dict:
    """{probe name: (ExecStart lines, Environment lines)} from the real Quadlet, for the battery."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="podgen-esc-") as tmp:
        top = Path(tmp)
        services = []
        for value in BATTERY:
            v = empty_service()
            v["command"] = ["echo", value, value]
            v["env"] = [value]
            v["labels"] = [value]
            services.append(v)
        files, kept = convert_batch(services, top)
        assert len(kept) == len(services)
        res = run_quadlet(quadlet_generator, files, top / "units")
        for name, text in split_dryrun(res.stdout).items():
            if not name.startswith("esc-s"):
                continue
            execs = [x.replace("/usr/bin/podman ", DUMPER + " ", 1) for x in unit_values(text, "Service", "ExecStart")]
            envs = unit_values(text, "Service", "Environment")
            out[f"podgen-esc-{name[:-len('.service')]}"] = (execs, envs)
    return out


def test_model_matches_real_systemd(engine, quadlet_generator):
    probes = _generated_lines(quadlet_generator)
    for i, line in enumerate(HAND_WRITTEN):
        probes[f"podgen-esc-hand{i}"] = ([f"{DUMPER} {line}"], HAND_ENV)
    with tempfile.TemporaryDirectory(prefix="podgen-esc-units-") as tmp:
        for name, (execs, envs) in probes.items():
            Path(tmp, f"{name}.service").write_text(_probe_unit(name, execs, envs), encoding="utf-8")
        engine.put(tmp, ".config/systemd/user")
    script = (f"mkdir -p {DUMPS} ~/.local/bin\n"
              f"cat > {DUMPER} <<'EOF'\n#!/bin/sh\nprintf '%s\\0' \"$#\" \"$@\" >> \"$PODGEN_DUMP\"\nEOF\n"
              f"chmod +x {DUMPER}\nsystemctl --user daemon-reload\nfailed=0\n"
              + "".join(f"systemctl --user start {name}.service || {{ echo FAILED {name}; failed=1; }}\n"
                        for name in probes)
              + "exit $failed\n")
    res = engine.sh(script, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    checked = []
    for name, (execs, envs) in probes.items():
        real = read_argv_dump(engine.home / "podgen-dumps" / name)
        unit = f"{name}.service"
        spec = _specifiers(unit)
        env = parse_environment(envs, spec)
        env["PODGEN_DUMP"] = f"{DUMPS}/{name}"
        model = []
        for x in execs:
            for _prefix, args in split_commands(x, spec):
                model.append(expand_env(args, env)[1:])   # the dumper sees argv[1:]
        assert real == model, f"{name}: systemd gave {real!r}, the model says {model!r}"
        if name.startswith("podgen-esc-esc-"):
            assert len(real) == 1, f"{name}: the generated ExecStart= ran {len(real)} commands"
        checked.append(name)
    # the model's rules were really exercised: a lone ';' separates commands, '\;' does not
    assert len(probes["podgen-esc-hand5"][0]) == 1 and checked
    semicolon = (engine.home / "podgen-dumps" / "podgen-esc-hand5").read_bytes()
    assert semicolon.count(b"second") == 1 and semicolon.startswith(b"1\0first\0"), semicolon
