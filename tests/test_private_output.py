"""Files with secrets stay private (issue 12 §4): generated files that carry environment values
(environment:, env_file, or any value a .env / environment variable went into) are written 0600
(a script 0700), in a directory podgen creates 0700; the other files follow the umask.  podgen
never chmods a directory that exists, and fix keeps the compose file's mode."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from cli_run import CLEAN_ENV, ROOT, run_podgen
from helpers import options, write
from podgen.api import convert
from podgen.output import write_files

PLAIN = """\
name: shop
services:
  web:
    image: example/web
    ports: ["8080:80"]
networks:
  default:
    name: shop_default
"""

SECRET = """\
name: shop
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: s3cret
  web:
    image: example/web
"""


@contextmanager
def umask(value: int):
    old = os.umask(value)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def generate(tmp_path: Path, text: str, fmt: str = "quadlet", out: str = "out", force: bool = False,
             env=None, **kw) -> Path:
    path = write(tmp_path, text)
    result = convert(options(path, env=env, **kw), output_format=fmt)
    write_files(result.files, str(tmp_path / out), force=force, project=result.project.name)
    return tmp_path / out


def test_no_environment_values_follow_the_umask_022(tmp_path):
    with umask(0o022):
        out = generate(tmp_path, PLAIN)
    assert mode(out) == 0o755
    assert {p.name: mode(p) for p in out.iterdir()} == {"shop-web.container": 0o644, "shop_default.network": 0o644}


def test_umask_077_is_honoured(tmp_path):
    with umask(0o077):
        out = generate(tmp_path, PLAIN)
    assert mode(out) == 0o700
    assert mode(out / "shop-web.container") == 0o600


def test_umask_027_is_honoured(tmp_path):
    with umask(0o027):
        out = generate(tmp_path, PLAIN)
    assert mode(out) == 0o750 and mode(out / "shop-web.container") == 0o640


def test_environment_values_make_the_unit_private_and_the_new_directory_0700(tmp_path):
    with umask(0o022):
        out = generate(tmp_path, SECRET)
    assert "POSTGRES_PASSWORD=s3cret" in (out / "shop-db.container").read_text()
    assert mode(out / "shop-db.container") == 0o600
    assert mode(out / "shop-web.container") == 0o644       # carries no value of the environment
    assert mode(out / "shop_default.network") == 0o644
    assert mode(out) == 0o700


def test_env_file_values_are_private(tmp_path):
    (tmp_path / "db.env").write_text("POSTGRES_PASSWORD=from-file\n")
    text = "name: shop\nservices:\n  db:\n    image: postgres:16\n    env_file: db.env\n"
    with umask(0o022):
        out = generate(tmp_path, text)
    assert "from-file" in (out / "shop-db.container").read_text()
    assert mode(out / "shop-db.container") == 0o600


def test_a_dotenv_value_in_a_command_is_private(tmp_path):
    (tmp_path / ".env").write_text("REDIS_PASSWORD=hunter2\nTAG=7\n")
    text = ("name: shop\nservices:\n  cache:\n    image: redis\n    command: redis-server --requirepass "
            "${REDIS_PASSWORD}\n  web:\n    image: example/web\n    ports: [\"8080:80\"]\n")
    with umask(0o022):
        out = generate(tmp_path, text)
    assert "hunter2" in (out / "shop-cache.container").read_text()
    assert mode(out / "shop-cache.container") == 0o600
    assert mode(out / "shop-web.container") == 0o644


def test_a_variable_podgen_cannot_place_makes_every_file_private(tmp_path):
    # an x- anchor outside the services: its value belongs to no one definition
    text = ("name: shop\nx-labels: &lab\n  token: ${TOKEN}\nservices:\n  a:\n    image: x\n    labels: *lab\n"
            "  b:\n    image: y\n")
    (tmp_path / ".env").write_text("TOKEN=abc123\nPROJECT=shop\n")
    top = "name: ${PROJECT}\nservices:\n  a:\n    image: x\n  b:\n    image: y\n"
    for number, text in enumerate((text, top)):
        with umask(0o022):
            out = generate(tmp_path, text, out=f"out{number}")
        assert {p.name: mode(p) for p in out.iterdir()} == {
            "shop-a.container": 0o600, "shop-b.container": 0o600, "shop_default.network": 0o600}, number


def test_unset_and_empty_variables_are_not_values(tmp_path):
    text = "name: shop\nservices:\n  web:\n    image: example/web:${TAG:-1}\n    command: run ${EMPTY}\n"
    with umask(0o022):
        out = generate(tmp_path, text, env={"EMPTY": ""})
    assert mode(out / "shop-web.container") == 0o644


def test_script_format(tmp_path):
    for sub in "abc":
        (tmp_path / sub).mkdir()
    with umask(0o022):
        plain = generate(tmp_path / "a", PLAIN, fmt="script")
        secret = generate(tmp_path / "b", SECRET, fmt="script")
    assert mode(plain / "shop.sh") == 0o755 and mode(plain) == 0o755
    assert mode(secret / "shop.sh") == 0o700 and mode(secret) == 0o700
    with umask(0o077):
        other = generate(tmp_path / "c", PLAIN, fmt="script")
    assert mode(other / "shop.sh") == 0o700


def test_force_replace_gets_the_new_mode(tmp_path):
    with umask(0o022):
        out = generate(tmp_path, SECRET.replace("    environment:\n      POSTGRES_PASSWORD: s3cret\n", ""))
        assert mode(out / "shop-db.container") == 0o644
        generate(tmp_path, SECRET, force=True)
        assert mode(out / "shop-db.container") == 0o600
        assert "s3cret" in (out / "shop-db.container").read_text()
        # and back: a file that no longer carries the password follows the umask again
        generate(tmp_path, SECRET.replace("    environment:\n      POSTGRES_PASSWORD: s3cret\n", ""), force=True)
        assert mode(out / "shop-db.container") == 0o644


def test_an_existing_directory_is_left_as_it_is(tmp_path):
    units = tmp_path / "systemd"
    units.mkdir()
    units.chmod(0o755)
    with umask(0o022):
        generate(tmp_path, SECRET, out="systemd")
    assert mode(units) == 0o755                     # the user's directory: not chmodded
    assert mode(units / "shop-db.container") == 0o600


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_through_the_command_line(tmp_path, mask):
    write(tmp_path, SECRET)
    env = dict(CLEAN_ENV, PYTHONPATH=str(ROOT))
    proc = subprocess.run(["sh", "-c", f"umask {mask:03o} && exec {sys.executable} -m podgen convert compose.yaml "
                           "--podman-version 5.4 -o units -q"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "units"
    assert mode(out) == 0o700
    assert mode(out / "shop-db.container") == 0o600
    assert mode(out / "shop-web.container") == 0o666 & ~mask


def test_fix_keeps_the_mode_in_place_and_gives_a_new_file_the_compose_file_s(tmp_path):
    path = write(tmp_path, 'services:\n  web:\n    image: x\n    ports: ["80:80"]\n')
    path.chmod(0o640)
    res = run_podgen("fix", "compose.yaml", "--podman-version", "5.4", "-o", "fixed.yaml", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert mode(tmp_path / "fixed.yaml") == 0o640
    res = run_podgen("fix", "compose.yaml", "--podman-version", "5.4", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert mode(path) == 0o640 and "8080:80" in path.read_text()
