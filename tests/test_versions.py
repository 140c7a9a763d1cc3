"""Keys newer than the target Podman are never emitted.

The table is transcribed from the Quadlet key reference (first release whose
generator knows the key) independently of podgen's own lowering table, so a
wrong ``since`` in podgen shows up here.  A generator rejects a whole unit for
one unknown key, so this matters.
"""
from __future__ import annotations

import configparser

import pytest

from corpus_util import CORPUS, entries
from helpers import options
from podgen.api import Options, convert
from podgen.target import Target

SINCE = {
    "Container": {
        "AddCapability": (4, 4), "AddDevice": (4, 4), "AddHost": (5, 3), "Annotation": (4, 4),
        "ContainerName": (4, 4), "DNS": (4, 7), "DNSOption": (4, 7), "DNSSearch": (4, 7),
        "DropCapability": (4, 4), "Entrypoint": (5, 0), "Environment": (4, 4), "EnvironmentFile": (4, 4),
        "Exec": (4, 4), "ExposeHostPort": (4, 4), "GroupAdd": (5, 1), "Group": (4, 4),
        "HealthCmd": (4, 5), "HealthInterval": (4, 5), "HealthRetries": (4, 5), "HealthStartPeriod": (4, 5),
        "HealthTimeout": (4, 5), "HostName": (4, 6), "Image": (4, 4), "IP": (4, 5), "IP6": (4, 5),
        "Label": (4, 4), "LogDriver": (4, 5), "LogOpt": (5, 2), "Mount": (4, 5), "Network": (4, 4),
        "NetworkAlias": (5, 2), "NoNewPrivileges": (4, 4), "Notify": (4, 4), "PidsLimit": (4, 7),
        "Pod": (5, 0), "PodmanArgs": (4, 4), "PublishPort": (4, 4), "Pull": (4, 6), "ReadOnly": (4, 4),
        "RunInit": (4, 4), "Secret": (4, 5), "SecurityLabelDisable": (4, 5), "ShmSize": (4, 7),
        "StopSignal": (5, 2), "StopTimeout": (5, 0),
        "Sysctl": (4, 6), "Timezone": (4, 4), "Tmpfs": (4, 5), "Ulimit": (4, 7), "User": (4, 4),
        "UserNS": (4, 5), "Volume": (4, 4), "WorkingDir": (4, 6),
    },
    "Network": {"DisableDNS": (4, 4), "Driver": (4, 4), "Gateway": (4, 4), "IPAMDriver": (4, 4),
                "IPRange": (4, 4), "IPv6": (4, 4), "Internal": (4, 4), "Label": (4, 4),
                "NetworkName": (4, 7), "Options": (4, 4), "PodmanArgs": (4, 6), "Subnet": (4, 4), "DNS": (4, 7)},
    "Volume": {"Copy": (4, 4), "Device": (4, 4), "Driver": (4, 8), "Group": (4, 4), "Label": (4, 4),
               "Options": (4, 4), "PodmanArgs": (4, 6), "Type": (4, 4), "User": (4, 4), "VolumeName": (4, 7)},
    "Pod": {"PodName": (5, 0), "PublishPort": (5, 0), "Network": (5, 0), "NetworkAlias": (5, 2),
            "PodmanArgs": (5, 0), "Volume": (5, 0), "AddHost": (5, 3), "DNS": (5, 3), "DNSOption": (5, 3),
            "DNSSearch": (5, 3), "IP": (5, 3), "IP6": (5, 3), "ShmSize": (5, 4), "ServiceName": (5, 3)},
}
TARGETS = [(4, 4, 0), (4, 6, 0), (4, 7, 0), (4, 9, 0), (5, 0, 0), (5, 2, 0), (5, 3, 0), (5, 4, 0)]


def _projects():
    from pathlib import Path
    root = Path(__file__).resolve().parents[1] / "examples"
    out = [("example:" + p.parent.name, lambda t, p=p: options(p, version=t)) for p in sorted(root.glob("*/compose.yaml"))]
    if (CORPUS / "MANIFEST.tsv").exists():
        for e in entries():
            if e.loaded in ("loaded", "loaded_with_dummy_env"):
                out.append(("corpus:" + e.name, lambda t, e=e: Options(
                    files=e.files, cwd=str(e.cwd), environ={"PATH": "/usr/bin", "HOME": "/home/user", **e.env},
                    target=Target(podman=t))))
    return out


PROJECTS = _projects()


def _sections(text: str):
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    # repeated keys are fine for Quadlet; configparser only needs to see them once
    seen = []
    for line in text.splitlines():
        if line.startswith("["):
            seen.append((line.strip("[]"), []))
        elif "=" in line and not line.startswith("#") and seen:
            seen[-1][1].append(line.split("=", 1)[0])
    return seen


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: "%d.%d" % t[:2])
def test_no_key_newer_than_the_target(target):
    problems = []
    for name, make in PROJECTS:
        result = convert(make(target))
        for f in result.files:
            for section, keys in _sections(f.text):
                table = SINCE.get(section)
                if table is None:
                    continue
                for key in keys:
                    since = table.get(key)
                    if since is None:
                        problems.append(f"{name}/{f.name}: [{section}] {key} is not a known Quadlet key")
                    elif since > target[:2]:
                        problems.append(f"{name}/{f.name}: [{section}] {key} needs {since}, target {target[:2]}")
    assert not problems, "\n".join(problems[:20])


def test_quadlet_below_4_4_is_refused_with_advice(tmp_path):
    from podgen.errors import InputError
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  a: {image: busybox}\n")
    with pytest.raises(InputError) as info:
        convert(options(compose, version=(4, 3, 0)))
    assert "--format script" in info.value.hint
    # the script works for 4.3
    assert convert(options(compose, version=(4, 3, 0)), output_format="script").files
