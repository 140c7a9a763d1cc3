"""The target Podman version: parsing, detection, and the per-binary cache."""
from __future__ import annotations

import os

import pytest

from podgen.target import Target, detect_podman_version, parse_version


@pytest.mark.parametrize("text,version", [("5.4", (5, 4, 0)), ("4.3.1", (4, 3, 1)), ("v5.0.2-rc1", (5, 0, 2))])
def test_parse(text, version):
    assert parse_version(text) == version


@pytest.mark.parametrize("text", ["", "five", "5", "5.x"])
def test_parse_rejects(text):
    with pytest.raises(ValueError):
        parse_version(text)


def test_target_helpers():
    t = Target(podman=(4, 7, 0))
    assert t.at_least(4, 6) and t.at_least(4, 7) and not t.at_least(4, 7, 1)
    assert t.network_cmd == "slirp4netns" and Target(podman=(5, 0, 0)).network_cmd == "pasta"


def _fake_podman(bindir, version, marker):
    exe = bindir / "podman"
    exe.write_text(f"#!/bin/sh\necho called >> {marker}\necho 'podman version {version}'\n")
    exe.chmod(0o755)
    return exe


def test_detection_is_cached_per_binary(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    marker = tmp_path / "calls"
    exe = _fake_podman(bindir, "4.9.3", marker)
    monkeypatch.setenv("PATH", str(bindir))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert detect_podman_version() == (4, 9, 3)
    assert detect_podman_version() == (4, 9, 3)
    assert marker.read_text().count("called") == 1          # the second answer came from the cache
    exe.write_text(exe.read_text().replace("4.9.3", "5.2.0") + "# upgraded\n")
    os.utime(exe, ns=(1, 2))
    assert detect_podman_version() == (5, 2, 0)              # a new binary is asked again


def test_no_podman_means_none(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert detect_podman_version() is None
