"""A fake file system for the bind-mount rules (PG503, PG504): CI runs as root, who may write anywhere."""
from __future__ import annotations

import os
import posixpath
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from podgen.rules import hostfs

ROOT = Path(__file__).resolve().parents[2]


def st(mode: int, uid: int = 0):
    """An ``os.stat_result`` with *mode* (including the file type bits) and owner *uid*."""
    return os.stat_result((mode, 0, 0, 1, uid, uid, 0, 0, 0, 0))


DIR_ROOT_755 = st(stat.S_IFDIR | 0o755)


class FakeProbe(hostfs.HostProbe):
    """*paths*: path -> stat result; everything else does not exist.  *writable*: directories the
    user may create entries in (whatever their mode says)."""

    def __init__(self, paths: dict, writable=(), uid: int = 1000):
        self.paths = {"/": DIR_ROOT_755, **paths}
        self.writable = set(writable)
        self._uid = uid

    def uid(self) -> int:
        return self._uid

    def lstat(self, path):
        return self.paths.get(posixpath.normpath(path))

    stat = lstat

    def can_create_in(self, directory):
        return directory in self.writable


def use(monkeypatch, probe: hostfs.HostProbe) -> hostfs.HostProbe:
    monkeypatch.setattr(hostfs, "PROBE", probe)
    return probe


def unprivileged_runner():
    """argv prefix that runs a command as an unprivileged uid (nobody), or None when impossible.

    As a normal user commands already run unprivileged (prefix ``[]``); as root ``setpriv``
    drops to uid/gid 65534 when it is installed.
    """
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


def public_tmpdir() -> Path:
    """A temporary directory an unprivileged uid may read and write (pytest's tmp_path is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="podgen-hostfs-", dir="/tmp"))
    path.chmod(0o777)
    return path


def run_lint_as(prefix: list, compose: Path, home: Path, *args) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "XDG_CACHE_HOME": str(home / ".cache")}
    return subprocess.run(prefix + [sys.executable, "-m", "podgen", "lint", "--format", "json",
                                    "--podman-version", "5.4", str(compose), *args],
                          capture_output=True, text=True, env={**env, "PYTHONPATH": str(ROOT)},
                          cwd=str(compose.parent), timeout=120)
