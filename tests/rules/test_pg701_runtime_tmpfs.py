"""PG701 for values Podman refuses at start (issue 12, corpus deploy): a containerd shim as ``runtime``
and tmpfs options Podman's mount option parser does not know (``uid=``/``gid=``).

Evidence: Podman 4.3.1 and 5.4.2 ``pkg/util`` ProcessOptions accepts for a tmpfs only size, mode, rw/ro,
exec/noexec, suid/nosuid, dev/nodev, tmpcopyup/notmpcopyup, propagation and U; libpod turns U on a tmpfs
into uid=/gid= of the container's user.  Podman's default runtime table (containers/common) holds crun,
runc, runj, kata, runsc, krun (and crun-vm, crun-wasm, youki, ocijail in 5.x); never a containerd shim.
"""
from __future__ import annotations

import pytest

from helpers import convert_text, keys, unit
from netrules_util import assert_quadlet_accepts
from realpodman import exec_start_line, split_dryrun

CORPUS = "/work/shared/corpus"


def found(result, code="PG701") -> list:
    return [(d.span.line, d.span.col, d.severity.label) for d in result.diagnostics if d.code == code]


def script_of(result) -> str:
    return "".join(f.text for f in result.files if f.name.endswith(".sh"))


WASM = """\
name: demo
services:
  app:
    image: registry.example/app:1
    runtime: io.containerd.wasmedge.v1
"""


def test_containerd_shim_fires_at_the_value_and_is_not_emitted(tmp_path):
    result = convert_text(tmp_path, WASM)
    assert found(result) == [(5, 14, "warning")]
    msg = [d.message for d in result.diagnostics if d.code == "PG701"][0]
    assert "containerd shim" in msg and "crun-wasm" in msg and "module.wasm.image/variant=compat" in msg
    app = unit(result, "demo-app.container")
    assert not [line for line in app.splitlines() if "wasmedge" in line and not line.startswith("#")]
    script = convert_text(tmp_path, WASM, "script")
    assert not [line for line in script_of(script).splitlines()
                if "wasmedge" in line and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("name", ["runc", "crun"])
def test_podman_runtimes_are_silent_and_passed_on(tmp_path, name):
    result = convert_text(tmp_path, WASM.replace("io.containerd.wasmedge.v1", name))
    assert found(result) == []
    assert f"--runtime={name}" in keys(unit(result, "demo-app.container"), "PodmanArgs")


@pytest.mark.parametrize("name", ["krun", "runsc", "kata", "youki", "crun-wasm"])
def test_podman_default_table_runtimes_pass_silently(tmp_path, name):
    result = convert_text(tmp_path, WASM.replace("io.containerd.wasmedge.v1", name))
    assert found(result) == []
    assert f"--runtime={name}" in keys(unit(result, "demo-app.container"), "PodmanArgs")


def test_nvidia_runtime_is_replaced_by_cdi_advice(tmp_path):
    result = convert_text(tmp_path, WASM.replace("io.containerd.wasmedge.v1", "nvidia"))
    assert found(result) == [(5, 14, "warning")]
    assert "nvidia.com/gpu=all" in result.diagnostics[0].message
    assert not any("runtime" in a for a in keys(unit(result, "demo-app.container"), "PodmanArgs"))


def test_unknown_runtime_passed_on_with_a_note(tmp_path):
    result = convert_text(tmp_path, WASM.replace("io.containerd.wasmedge.v1", "sysbox-runc"))
    assert found(result) == [(5, 14, "info")]
    assert "--runtime=sysbox-runc" in keys(unit(result, "demo-app.container"), "PodmanArgs")


TMPFS = """\
name: demo
services:
  app:
    image: registry.example/app:1
    tmpfs:
      - "/unifi/log:uid=1000,gid=1000"
      - /tmp:size=16M,noatime
      - /run:mode=1777,size=1m
"""


def test_tmpfs_options_podman_refuses_fire_at_each_option(tmp_path):
    result = convert_text(tmp_path, TMPFS)
    assert found(result) == [(6, 21, "warning"), (6, 30, "warning"), (7, 23, "warning")]
    msgs = [d.message for d in result.diagnostics if d.code == "PG701"]
    assert "'uid=1000'" in msgs[0] and "container's root" in msgs[0] and "user: UID:GID" in msgs[0]
    assert "'noatime'" in msgs[2]
    app = unit(result, "demo-app.container")
    assert keys(app, "Tmpfs") == ["/unifi/log", "/tmp:size=16M", "/run:mode=1777,size=1m"]
    script = script_of(convert_text(tmp_path, TMPFS, "script"))
    assert "--tmpfs=/unifi/log " in script
    assert not [line for line in script.splitlines() if "uid=" in line and not line.lstrip().startswith("#")]


def test_near_miss_size_and_mode_only(tmp_path):
    text = TMPFS.replace('      - "/unifi/log:uid=1000,gid=1000"\n', "").replace(",noatime", ",mode=0750,ro")
    result = convert_text(tmp_path, text)
    assert found(result) == []
    assert keys(unit(result, "demo-app.container"), "Tmpfs") == ["/tmp:size=16M,mode=0750,ro",
                                                                  "/run:mode=1777,size=1m"]


def test_uid_gid_of_the_containers_user_becomes_U(tmp_path):
    text = TMPFS.replace("    tmpfs:\n", '    user: "1000:1000"\n    tmpfs:\n')
    result = convert_text(tmp_path, text)
    assert found(result) == [(8, 23, "warning")]          # noatime only
    assert keys(unit(result, "demo-app.container"), "Tmpfs")[0] == "/unifi/log:U"


def test_uid_gid_of_another_user_is_dropped(tmp_path):
    text = TMPFS.replace("    tmpfs:\n", '    user: "1001:1001"\n    tmpfs:\n')
    result = convert_text(tmp_path, text)
    assert found(result)[:2] == [(7, 21, "warning"), (7, 30, "warning")]
    assert keys(unit(result, "demo-app.container"), "Tmpfs")[0] == "/unifi/log"


def _corpus(tmp_path, name, fmt="quadlet"):
    with open(f"{CORPUS}/{name}") as f:
        return convert_text(tmp_path, f.read(), fmt)


def test_corpus_unifi_regression(tmp_path):
    result = _corpus(tmp_path, "11notes-unifi__compose.yml")
    assert [f for f in found(result)] == [(20, 21, "warning"), (20, 30, "warning"), (21, 21, "warning"),
                                          (21, 30, "warning"), (22, 15, "warning"), (22, 24, "warning")]
    text = "".join(f.text for f in result.files)
    assert not [line for line in text.splitlines() if "uid=" in line and not line.startswith("#")]
    script = script_of(_corpus(tmp_path, "11notes-unifi__compose.yml", "script"))
    assert not [line for line in script.splitlines() if "uid=" in line and not line.lstrip().startswith("#")]


def test_corpus_wasmedge_regression(tmp_path):
    result = _corpus(tmp_path, "awesome-compose__wasmedge-kafka-mysql.yml")
    assert (32, 14, "warning") in found(result)
    text = "".join(f.text for f in result.files)
    assert not [line for line in text.splitlines() if "io.containerd" in line and not line.startswith("#")]
    script = script_of(_corpus(tmp_path, "awesome-compose__wasmedge-kafka-mysql.yml", "script"))
    assert not [line for line in script.splitlines()
                if "io.containerd" in line and not line.lstrip().startswith("#")]


@pytest.mark.quadlet
def test_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    text = WASM + TMPFS.split("image: registry.example/app:1\n", 1)[1]
    result = convert_text(tmp_path, text)
    stdout = assert_quadlet_accepts(tmp_path, result, quadlet_generator)
    exec_start = exec_start_line(split_dryrun(stdout)["demo-app.service"])
    assert "--runtime" not in exec_start and "uid=" not in exec_start and "noatime" not in exec_start
    assert "--tmpfs /tmp:size=16M" in exec_start
