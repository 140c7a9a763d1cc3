"""What podgen generates for: the Podman version, rootless or not, port limits."""
from __future__ import annotations

import os
import re

from podgen._record import record

DEFAULT_PODMAN = (5, 4, 0)        # Debian 13, RHEL 10
MIN_QUADLET = (4, 4, 0)
MIN_SUPPORTED = (4, 0, 0)


def parse_version(text: str) -> tuple[int, int, int]:
    m = re.fullmatch(r"\s*v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+~.].*)?\s*", text or "")
    if not m:
        raise ValueError(f"invalid Podman version {text!r} (expected X.Y or X.Y.Z, e.g. 5.4)")
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


def detect_podman_version(timeout: float = 5.0) -> tuple[int, int, int] | None:
    """``podman --version`` of this machine, or None when podman is not installed."""
    exe = _which("podman")
    if not exe:
        return None
    # `podman --version` costs 30-100 ms, more than the rest of `podgen lint`: remember the
    # answer per binary (path, size, mtime) in the user's cache directory.
    try:
        st = os.stat(exe)
        stamp = f"{exe}\t{st.st_size}\t{st.st_mtime_ns}"
    except OSError:
        stamp = None
    cache = _cache_file()
    if stamp and cache:
        try:
            with open(cache, encoding="utf-8") as fh:
                cached_stamp, _, cached = fh.read().rpartition("\t")
            if cached_stamp == stamp:
                return parse_version(cached.strip())
        except (OSError, ValueError):
            pass
    import subprocess
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=timeout).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"(\d+\.\d+(?:\.\d+)?)", out)
    if not m:
        return None
    if stamp and cache:
        try:
            os.makedirs(os.path.dirname(cache), exist_ok=True)
            tmp = f"{cache}.{os.getpid()}"
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(f"{stamp}\t{m.group(1)}")
            os.replace(tmp, cache)
        except OSError:
            pass
    return parse_version(m.group(1))


def _cache_file() -> str | None:
    base = os.environ.get("XDG_CACHE_HOME") or (
        os.path.join(os.environ["HOME"], ".cache") if os.environ.get("HOME") else None)
    return os.path.join(base, "podgen", "podman-version") if base else None


def _which(name: str) -> str | None:
    """``shutil.which(name)`` for a bare name on POSIX, without importing shutil.

    ``podgen lint`` asks this on every run; importing shutil and subprocess just
    to find that podman is not installed was ~5 % of its start-up.
    """
    path = os.environ.get("PATH")
    if path is None:
        try:
            path = os.confstr("CS_PATH")
        except (AttributeError, ValueError):
            path = os.defpath
    if not path:
        return None
    seen = set()
    for directory in path.split(os.pathsep):
        if directory in seen:
            continue
        seen.add(directory)
        candidate = os.path.join(directory, name)
        if os.path.exists(candidate) and os.access(candidate, os.X_OK) and not os.path.isdir(candidate):
            return candidate
    return None


def version_text(v: tuple) -> str:
    return ".".join(str(x) for x in v[:2]) if len(v) < 3 or v[2] == 0 else ".".join(map(str, v))


@record(frozen=True)
class Target:
    podman: tuple = DEFAULT_PODMAN
    rootless: bool = True
    unprivileged_port_start: int = 1024
    detected: bool = False           # True when read from `podman --version`

    def at_least(self, *version: int) -> bool:
        return tuple(self.podman) >= tuple(version) + (0,) * (3 - len(version))

    @property
    def version(self) -> str:
        return version_text(self.podman)

    @property
    def network_cmd(self) -> str:
        """Rootless per-container networking: slirp4netns before 5.0, pasta since."""
        return "pasta" if self.at_least(5, 0) else "slirp4netns"


MIN_PODMAN = (4, 0, 0)      # the oldest Podman podgen's output runs on


def resolve_target(podman_version, rootful, unprivileged_port_start, cfg: dict, warn) -> Target:
    """The ``Target`` the command line (``--podman-version``, ``--rootful``,
    ``--unprivileged-port-start``) and the configuration ask for; else the installed Podman
    (``podman --version``), else ``DEFAULT_PODMAN``.  An installed Podman older than
    ``MIN_PODMAN`` is passed over (*warn* says so), an older version asked for is a usage error."""
    from podgen.errors import UsageError
    detected = False
    asked = podman_version or cfg.get("podman-version")
    if asked:
        try:
            version = parse_version(str(asked))
        except ValueError as exc:
            raise UsageError(str(exc), hint="e.g. --podman-version 5.4") from None
    else:
        version = detect_podman_version()
        detected = version is not None
        version = version or DEFAULT_PODMAN
    if tuple(version) < MIN_PODMAN:
        # `--network NAME:alias=...`, netavark's DNS and Quadlet all came with 4.x: what podgen
        # writes would not run on Podman 3
        shown = ".".join(map(str, version))
        if detected:    # a developer's old podman must not break the hook: check for the default
            warn(f"podgen: the installed podman is {shown}, older than podgen supports; checking for "
                 f"Podman {'.'.join(map(str, DEFAULT_PODMAN[:2]))} (choose with --podman-version)")
            version, detected = DEFAULT_PODMAN, False
        else:
            raise UsageError(f"the target is Podman {shown}; podgen generates for Podman "
                             f"{MIN_PODMAN[0]}.{MIN_PODMAN[1]} and newer",
                             hint="upgrade Podman (Debian 12 has 4.3), or generate for another machine "
                                  "with --podman-version 4.3 (or newer)")
    port_start = unprivileged_port_start if unprivileged_port_start is not None else \
        int(cfg.get("unprivileged-port-start", 1024))
    return Target(podman=version, rootless=not (rootful or cfg.get("rootful", False)),
                  unprivileged_port_start=port_start, detected=detected)
