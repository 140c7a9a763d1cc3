"""What bind-mount rules (PG503, PG504) ask the machine podgen runs on.

podgen is run where the units will run (``convert -o ~/.config/containers/systemd``),
so the file system it sees is the deploying user's.  Every question goes through
``PROBE``, which tests replace (``monkeypatch.setattr(hostfs, "PROBE", ...)``):
whether a path can be written depends on who runs the tests, and CI runs as root.
"""
from __future__ import annotations

import os
import posixpath
import stat


class HostProbe:
    """The real file system, seen by the user podgen runs as."""

    def uid(self) -> int:
        return os.geteuid()

    def lstat(self, path: str):
        """``os.lstat(path)``, or None when there is nothing there (or it cannot be seen)."""
        try:
            return os.lstat(path)
        except (OSError, ValueError):
            return None

    def stat(self, path: str):
        try:
            return os.stat(path)
        except (OSError, ValueError):
            return None

    def can_create_in(self, directory: str) -> bool:
        """May the deploying user create an entry in *directory*?

        As a normal user: ``os.access(W_OK | X_OK)``.  As root (for a rootless target, where
        the deploying user is not root) the question cannot be asked as that user: a directory
        counts as writable when root does not own it or everyone may write it (sticky /tmp).
        """
        if self.uid() != 0:
            return os.access(directory, os.W_OK | os.X_OK)
        st = self.stat(directory)
        if st is None:
            return False
        return st.st_uid != 0 or (st.st_mode & 0o003) == 0o003


PROBE = HostProbe()


def nearest_existing(path: str, probe: HostProbe | None = None) -> tuple[str, object]:
    """The closest ancestor of *path* (itself included) that exists, and its stat (following links)."""
    probe = probe or PROBE
    current = posixpath.normpath(path)
    while True:
        if probe.lstat(current) is not None:
            return current, probe.stat(current)
        parent = posixpath.dirname(current)
        if parent == current:
            return current, probe.stat(current)
        current = parent


def is_dir(st) -> bool:
    return st is not None and stat.S_ISDIR(st.st_mode)


def under(path: str, directory: str | None) -> bool:
    """Is *path* *directory* itself or inside it (lexically)?"""
    if not directory or not directory.startswith("/"):
        return False
    directory = posixpath.normpath(directory)
    path = posixpath.normpath(path)
    return path == directory or path.startswith(directory.rstrip("/") + "/")
