"""PG703 unrepresentable-value: a value that cannot be written into a Quadlet unit unchanged.

Always an error: ``convert`` marks the result failed (the CLI exits 2 and writes
nothing) rather than emit a unit that would pass something else.  Two paths
report it: the Quadlet emitter (U+0080 and the like, located diagnostics) and
lowering errors (a value podman cannot take at all), raised as an ``InputError``
with code PG703.  A shell script (``--format script``) carries any value.
``lint`` reports both too (checking for Quadlet unless ``--for script`` or
``output-format = "script"`` says the project is deployed with a script).
"""
from __future__ import annotations

import pytest

from cli_run import run_podgen
from helpers import convert_text, keys, unit, write
from netrules_util import assert_quadlet_accepts, doc_example
from podgen.report.diagnostics import Severity
from podgen.errors import InputError
from realpodman import split_dryrun

U0080 = """\
name: demo
services:
  job:
    image: busybox
    command: ["echo", "\\u0080"]
    environment:
      A: "x\\u0080"
    labels:
      b: "\\u0080"
"""

U0080_MESSAGE = "Quadlet writes U+0080 as the byte \\x80 in ExecStart=, which is not the same character"


def pg703(result) -> list:
    return [(d.span.line, d.span.col) for d in result.diagnostics if d.code == "PG703"]


def test_fires_at_each_value(tmp_path):
    result = convert_text(tmp_path, U0080)
    assert pg703(result) == [(5, 14), (7, 7), (9, 7)]
    assert [d.code for d in result.diagnostics] == ["PG703"] * 3
    assert {(d.severity, d.name, d.service) for d in result.diagnostics} == \
        {(Severity.ERROR, "unrepresentable-value", "job")}
    assert result.failed


def test_messages(tmp_path):
    command, env, label = convert_text(tmp_path, U0080).diagnostics
    assert command.message == f"command ['echo', '\\x80'] cannot be written as Exec=: {U0080_MESSAGE}"
    assert command.notes == ("use a shell script: convert --format script (lint --for script)",)
    assert env.message == ("Environment= (and PodmanArgs=): cannot write '--env=A=x\\x80' into a Quadlet "
                           f"unit: {U0080_MESSAGE}")
    assert label.message.startswith("Label= (and PodmanArgs=): cannot write '--label=b=\\x80'")


def test_doc_example(tmp_path):
    result = convert_text(tmp_path, doc_example("PG703"))
    assert [(d.code, d.span.line, d.span.col) for d in result.diagnostics] == [("PG703", 4, 14)]
    assert result.failed


def test_working_dir_is_located_at_its_key(tmp_path):
    text = 'name: demo\nservices:\n  job:\n    image: busybox\n    working_dir: "/w\\u0080"\n'
    assert pg703(convert_text(tmp_path, text)) == [(5, 5)]


def test_script_format_carries_the_value(tmp_path):
    result = convert_text(tmp_path, U0080, fmt="script")
    assert result.diagnostics == [] and not result.failed
    script = result.files[0].text
    lines = [line.strip() for line in script.splitlines()]
    assert "'--env=A=x\u0080' \\" in lines and "'--label=b=\u0080' \\" in lines
    assert lines[lines.index("echo \\") + 1] == "'\u0080'"


NEAR = """\
name: demo
services:
  job:
    image: busybox
    command: ["echo", "\\u0081", "é", "100%", "$$HOME", "a;b", ""]
    environment:
      A: "x\\u007f\\u0081"
"""


def test_near_misses_other_characters_are_escaped(tmp_path):
    result = convert_text(tmp_path, NEAR)
    assert result.diagnostics == [] and not result.failed
    job = unit(result, "demo-job.container")
    assert keys(job, "Exec") == ['echo "\u0081" "é" 100%% $$HOME "a;b" ${PODGEN_EMPTY}']


@pytest.mark.quadlet
def test_near_misses_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    result = convert_text(tmp_path, NEAR)
    stdout = assert_quadlet_accepts(tmp_path, result, quadlet_generator)
    service = split_dryrun(stdout)["demo-job.service"]
    (exec_start,) = [line for line in service.splitlines() if line.startswith("ExecStart=")]
    # Quadlet rewrites the words its own way; systemd then expands %%, $$ and ${PODGEN_EMPTY}
    assert "Environment=PODGEN_EMPTY=" in service.splitlines()
    assert exec_start.endswith("busybox echo \u0081 é 100%% $$HOME a;b ${PODGEN_EMPTY}")


# --- lowering errors: raised, located, code PG703 --------------------------------------------------

def test_unknown_restart_policy_raises_located(tmp_path):
    with pytest.raises(InputError) as info:
        convert_text(tmp_path, "services:\n  job:\n    image: busybox\n    restart: bogus\n")
    e = info.value
    assert (e.code, e.pos) == ("PG703", (str(tmp_path / "compose.yaml"), 4, 5))
    assert e.message == "service 'job': unknown restart policy 'bogus'"


def test_restart_near_miss(tmp_path):
    result = convert_text(tmp_path, "name: demo\nservices:\n  job:\n    image: busybox\n    restart: on-failure:3\n")
    assert result.diagnostics == []
    assert keys(unit(result, "demo-job.container"), "Restart") == ["on-failure"]


# --- the CLI refuses: exit 2, file:line:col, nothing written ---------------------------------------

def test_convert_cli_refuses_emitter_errors(tmp_path):
    write(tmp_path, U0080)
    out = tmp_path / "units"
    result = run_podgen("convert", "compose.yaml", "-o", out, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    located = [line.split(" PG703 ")[0] for line in result.stderr.splitlines() if " PG703 " in line]
    assert located == ["compose.yaml:5:14:", "compose.yaml:7:7:", "compose.yaml:9:7:"]
    assert result.stderr.splitlines()[-1] == \
        "podgen: 3 value(s) cannot be written as Quadlet units; nothing was written"
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stdout == ""
    assert not out.exists()


def test_convert_cli_refuses_lowering_errors(tmp_path):
    path = write(tmp_path, "services:\n  job:\n    image: busybox\n    restart: bogus\n")
    out = tmp_path / "units"
    result = run_podgen("convert", "compose.yaml", "-o", out, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [f"{path}:4:5: error: service 'job': unknown restart policy 'bogus'",
                                          "  help: use no, always, on-failure[:N] or unless-stopped"]
    assert result.stdout == ""
    assert not out.exists()


def test_convert_cli_script_format_succeeds(tmp_path):
    write(tmp_path, U0080)
    out = tmp_path / "deploy"
    result = run_podgen("convert", "compose.yaml", "--format", "script", "-o", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "PG703" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["demo.sh"]


# --- lint reports it too, for the output the project uses ---------------------------------------------

def lint_pg703(result) -> list:
    return [line.split(" PG703 ")[0] for line in result.stdout.splitlines() if " PG703 " in line]


def test_lint_reports_what_convert_refuses(tmp_path):
    write(tmp_path, U0080)
    result = run_podgen("lint", "compose.yaml", "--podman-version", "5.4", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert lint_pg703(result) == ["compose.yaml:5:14:", "compose.yaml:7:7:", "compose.yaml:9:7:"]
    assert "lint --for script" in result.stdout


def test_lint_for_script_accepts_it(tmp_path):
    write(tmp_path, U0080)
    result = run_podgen("lint", "compose.yaml", "--podman-version", "5.4", "--for", "script", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_lint_follows_output_format_in_the_configuration(tmp_path):
    write(tmp_path, U0080)
    (tmp_path / ".podgen.toml").write_text('output-format = "script"\n')
    result = run_podgen("lint", "compose.yaml", "--podman-version", "5.4", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    # --for wins over the configuration
    result = run_podgen("lint", "compose.yaml", "--podman-version", "5.4", "--for", "quadlet", cwd=tmp_path)
    assert lint_pg703(result) == ["compose.yaml:5:14:", "compose.yaml:7:7:", "compose.yaml:9:7:"]


def test_convert_follows_output_format_in_the_configuration(tmp_path):
    write(tmp_path, U0080)
    (tmp_path / ".podgen.toml").write_text('output-format = "script"\n')
    result = run_podgen("convert", "compose.yaml", "-o", tmp_path / "deploy", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "deploy").iterdir()) == ["demo.sh"]


def test_lint_without_quadlet_on_the_target_checks_for_a_script(tmp_path):
    """Podman 4.3 has no Quadlet: convert can only write a script there, which carries the value."""
    write(tmp_path, U0080)
    result = run_podgen("lint", "compose.yaml", "--podman-version", "4.3", cwd=tmp_path)
    assert "PG703" not in result.stdout, result.stdout


def test_lint_reports_lowering_errors(tmp_path):
    write(tmp_path, "services:\n  job:\n    image: busybox\n    restart: bogus\n")
    result = run_podgen("lint", "compose.yaml", "--podman-version", "5.4", "--for", "script", cwd=tmp_path)
    assert result.returncode == 1
    assert lint_pg703(result) == ["compose.yaml:4:5:"]
