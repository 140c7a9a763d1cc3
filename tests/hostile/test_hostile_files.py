"""Files that are missing, unreadable, directories, devices or broken env files.

Checks a missing ``-f`` file, a directory given as the file, a missing or
broken ``env_file``/``--env-file``/``.env``, device files that never end, and
(as an unprivileged user, since CI runs as root) a compose file and an env
file that cannot be read.
"""
from __future__ import annotations

import os
import shutil

import pytest

from hostile_util import (as_nobody_prefix, assert_clean_failure, check_broken, cli, run_measured, snapshot,
                          world_dir, write)

COMPOSE = "services:\n  web:\n    image: nginx\n"


@pytest.mark.parametrize("argv", [
    ["convert", "nope.yaml", "-o", "out", "--podman-version", "5.4"],
    ["convert", "compose.yaml", "-f", "nope.yaml", "--podman-version", "5.4"],
    ["lint", "nope.yaml", "--podman-version", "5.4"],
    ["lint", "-f", "compose.yaml", "-f", "nope.yaml", "--podman-version", "5.4"],
    ["config", "-f", "nope.yaml"],
    ["fix", "nope.yaml", "--diff"],
])
def test_missing_compose_file(tmp_path, argv):
    write(tmp_path / "compose.yaml", COMPOSE)
    before = snapshot(tmp_path)
    res = cli(argv, tmp_path)
    assert_clean_failure(res, file="nope.yaml", fragments=("no such file",))
    assert snapshot(tmp_path) == before


def test_no_compose_file_in_directory(tmp_path):
    for argv in (["convert", "--podman-version", "5.4"], ["config"], ["lint", "--podman-version", "5.4"]):
        res = cli(argv, tmp_path)
        assert_clean_failure(res, fragments=("no compose file found",))
        assert str(tmp_path) in res.text
    assert not any(tmp_path.iterdir())


def test_directory_instead_of_file(tmp_path):
    (tmp_path / "compose.yaml").mkdir()
    res = cli(["config", "-f", "compose.yaml"], tmp_path)
    assert_clean_failure(res, file="compose.yaml", fragments=("is a directory",))
    for argv in (["convert", "compose.yaml"], ["lint", "compose.yaml"], ["fix", "compose.yaml"]):
        res = cli(argv, tmp_path)     # click refuses it before podgen runs: still exit 2
        assert_clean_failure(res, file="compose.yaml", fragments=("is a directory",), help_line=False)


def test_missing_env_file(tmp_path):
    path = write(tmp_path / "compose.yaml", COMPOSE + "    env_file: missing.env\n")
    check_broken(path, "env file", "missing.env not found", "required: false", where="4:15")


def test_optional_env_file_may_be_missing(tmp_path):
    write(tmp_path / "compose.yaml", COMPOSE + "    env_file: [{path: missing.env, required: false}]\n")
    assert cli(["config"], tmp_path).rc == 0


def test_missing_env_file_option(tmp_path):
    write(tmp_path / "compose.yaml", COMPOSE)
    for argv in (["config", "--env-file", "missing.env"],
                 ["convert", "compose.yaml", "--env-file", "missing.env", "--podman-version", "5.4"],
                 ["lint", "compose.yaml", "--env-file", "missing.env", "--podman-version", "5.4"]):
        assert_clean_failure(cli(argv, tmp_path), file="missing.env", fragments=("not found",))


def test_env_file_is_a_directory(tmp_path):
    (tmp_path / "app.env").mkdir()
    path = write(tmp_path / "compose.yaml", COMPOSE + "    env_file: app.env\n")
    check_broken(path, "app.env is a directory", where="4:15")


@pytest.mark.parametrize("content,where,fragment", [
    (b"A=1\n!!not a line\n", "2:1", "invalid line in env file: '!!not a line'"),
    (b'A=1\nB="never closed\n', "2:3", "unterminated double-quoted value for B"),
    (b"A='never closed\n", "1:3", "unterminated single-quoted value for A"),
    (b"A=1\nB=\x00\x01\x02\n", "2:3", "binary file, not an env file"),
    (b"A=caf\xe9\n", "1:6", "not valid UTF-8"),
    (b"A=${B\n", "1:3", "'${' is never closed"),
    (b"A=${B:?B is needed here}\n", "1:3", "required variable B is missing a value: B is needed here"),
])
def test_broken_env_file(tmp_path, content, where, fragment):
    write(tmp_path / "app.env", content)
    path = write(tmp_path / "compose.yaml", COMPOSE + "    env_file: app.env\n")
    check_broken(path, fragment, file="app.env", where=where)


@pytest.mark.parametrize("content,where,fragment", [
    (b"TAG=1\nnot a line\n", "2:1", "invalid line in env file"),
    (b"TAG=\xff\n", "1:5", "not valid UTF-8"),
])
def test_broken_dotenv(tmp_path, content, where, fragment):
    write(tmp_path / ".env", content)
    path = write(tmp_path / "compose.yaml", "services:\n  web:\n    image: nginx:${TAG:-1}\n")
    check_broken(path, fragment, file=".env", where=where)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_endless_device_files(tmp_path, device):
    """-f /dev/zero or env_file: /dev/urandom: read at most the size limit, then refuse."""
    if not os.path.exists(device):
        pytest.skip(f"{device} missing")
    write(tmp_path / "compose.yaml", COMPOSE + f"    env_file: {device}\n")
    for argv in (["config", "-f", device], ["config"]):
        res = run_measured(argv, tmp_path, timeout=30)
        assert res.rc == 2 and not res.timed_out, res.text
        assert device in res.text and "Traceback" not in res.text, res.text
        assert res.max_rss < 512 * 1024 ** 2, res.max_rss


# --- as an unprivileged user -----------------------------------------------------------------

@pytest.fixture
def nobody_dir():
    prefix = as_nobody_prefix()
    if prefix is None:
        pytest.skip("needs root and setpriv to run podgen as uid 65534 (an unreadable file is readable by root)")
    path = world_dir()
    yield path, prefix
    shutil.rmtree(path, ignore_errors=True)


def test_unreadable_compose_file_as_nobody(nobody_dir):
    top, prefix = nobody_dir
    path = write(top / "compose.yaml", COMPOSE)
    path.chmod(0o000)
    for argv in (["config", "-f", "compose.yaml"], ["lint", "compose.yaml", "--podman-version", "5.4"],
                 ["convert", "compose.yaml", "--podman-version", "5.4"], ["fix", "compose.yaml", "--diff"]):
        res = run_measured(argv, top, prefix=prefix, env={"HOME": str(top)})
        # click checks FILE arguments itself ("is not readable"); -f files are podgen's
        assert_clean_failure(res, file="compose.yaml", help_line=argv[0] == "config")
        assert "permission denied" in res.text or "is not readable" in res.text, res.text


def test_unreadable_env_file_as_nobody(nobody_dir):
    top, prefix = nobody_dir
    write(top / "compose.yaml", COMPOSE + "    env_file: secret.env\n")
    write(top / "secret.env", "A=1\n").chmod(0o000)
    res = run_measured(["lint", "compose.yaml", "--podman-version", "5.4"], top, prefix=prefix,
                       env={"HOME": str(top)})
    assert_clean_failure(res, file="secret.env", where="compose.yaml:4:15",
                         fragments=("cannot read env file", "Permission denied"))
