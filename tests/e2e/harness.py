"""End-to-end harness: real rootless Podman 4.3.1 and 5.4.2 for podgen's tests.

Standard library only.  Needs root on a Linux host; everything the tests touch
lives in cached Debian roots built by ``setup_roots.sh`` next to this file.

Two engines:

* ``podman43`` (Debian bookworm root): Podman 4.3.1, slirp4netns, runc +
  cgroupfs, no systemd.  A long-lived holder (``catatonit -P`` as PID 1 of its
  own mount + PID namespaces) keeps podman's rootless state consistent across
  ``Engine.sh`` calls.
* ``podman54`` (Debian trixie root): Podman 5.4.2, pasta, Quadlet.  systemd 257
  is booted as PID 1 of its own mount + PID + cgroup namespaces, so Quadlet
  units deploy exactly as users deploy them (``~/.config/containers/systemd``,
  ``systemctl --user daemon-reload``, ``systemctl --user start X.service``).

The engines of ``get_engine()`` get no network namespace of their own:
published ports answer on the host's 127.0.0.1, and tests must only ever
connect to 127.0.0.1 / [::1] from the host.  ``Engine(suite, own_netns=True)``
(used by the corpus deploy test) runs in a private network namespace instead:
``lo`` up, plus a veth pair whose one end carries an address and the default
route (pasta needs an interface with a route) and whose other end has no
address, so anything sent off loopback is dropped inside the namespace and no
published port can collide with the host or with another engine.

Each engine runs on a throw-away overlay over the cached root (the cache is
never modified by tests) with a fresh ``/home/pm`` on a real directory (rootless
overlay storage cannot live on overlayfs).  ``close()`` kills every process via
the engine's own cgroup v2 subtree and unmounts everything.

Static checks that need no running engine:

* ``quadlet_dryrun(unit_dir)``: the real Quadlet 5.4.2 generator from the
  trixie root, run on the host through that root's dynamic loader (a few ms,
  no root privileges needed once the cache exists).
* ``systemd_analyze_verify(unit_dir)``: generate with Quadlet, then
  ``systemd-analyze verify`` (systemd 257) in a chroot of the trixie root
  inside a private mount namespace (~50 ms, needs root).
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import itertools
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Mapping, Sequence

HERE = Path(__file__).resolve().parent
SETUP_SCRIPT = HERE / "setup_roots.sh"
MARKER_NAME = ".podgen-e2e-ready"

USER = "pm"
UID = 1000
GID = 1000
USER_HOME = PurePosixPath("/home/pm")
RUNTIME_DIR = "/run/user/1000"
BUSYBOX_TREE = "/opt/podgen-e2e/busybox-rootfs"
BUSYBOX_IMAGE = "localhost/busybox:test"
BUSYBOX_ALIASES = ("docker.io/library/busybox:latest",)
SCRIPT_DIR = PurePosixPath("/var/lib/podgen-e2e/scripts")

SUITES = {
    "bookworm": {"name": "podman43", "quadlet": False, "systemd": False},
    "trixie": {"name": "podman54", "quadlet": True, "systemd": True},
}
ENGINE_SUITE = {v["name"]: k for k, v in SUITES.items()}

CLEAN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Time limits (seconds).  Every wait in this module is bounded by one of these.
SETUP_TIMEOUT = float(os.environ.get("PODGEN_E2E_SETUP_TIMEOUT", "1500"))
BOOT_TIMEOUT = 90.0
USER_MANAGER_TIMEOUT = 60.0
TEARDOWN_TIMEOUT = 30.0
CLEANUP_TIMEOUT = 150.0


class HarnessError(RuntimeError):
    """The harness itself failed (setup, boot, teardown), not the code under test."""


class EngineDied(HarnessError):
    """PID 1 of an engine's namespaces is gone."""


def _log(msg: str) -> None:
    print(f"[podgen-e2e] {msg}", file=sys.stderr, flush=True)


def cache_dir() -> Path:
    return Path(os.environ.get("PODGEN_E2E_CACHE", "/var/tmp/podgen-e2e"))


def _clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {"PATH": CLEAN_PATH, "LANG": "C.UTF-8", "HOME": "/root", "TERM": "dumb"}
    if extra:
        env.update(extra)
    return env


# --------------------------------------------------------------------------
# subprocess helpers


def _descendants(pid: int, limit: int = 4096) -> list[int]:
    out: list[int] = []
    todo = [pid]
    while todo and len(out) < limit:
        kids = _children(todo.pop())
        out += kids
        todo += kids
    return out


def _killpg(proc: subprocess.Popen) -> None:
    """Kill proc, its process group and every descendant (su -c starts a new
    session, so the process group alone is not enough).  Processes that
    daemonised away (conmon, containers) are not descendants and survive."""
    victims = _descendants(proc.pid)
    for pid in [proc.pid, *victims]:
        try:
            os.kill(pid, signal.SIGSTOP)  # no more forking while we collect
        except OSError:
            pass
    victims = sorted(set(victims) | set(_descendants(proc.pid)))
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    for pid in [proc.pid, *victims]:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def _run(
    args: Sequence[str],
    *,
    timeout: float,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = False,
    cwd: str | os.PathLike | None = None,
) -> subprocess.CompletedProcess:
    """subprocess.run with its own process group, killed as a whole on timeout."""
    proc = subprocess.Popen(
        list(args),
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        encoding="utf-8",
        errors="replace",
        env=dict(env) if env is not None else None,
        cwd=cwd,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        _killpg(proc)
        try:
            out, err = proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            # a daemonised grandchild still holds the pipes; give up on them
            for f in (proc.stdout, proc.stderr, proc.stdin):
                try:
                    if f:
                        f.close()
                except OSError:
                    pass
            proc.kill()
            proc.wait(5)
            out, err = "", ""
        raise subprocess.TimeoutExpired(list(args), timeout, output=out, stderr=err) from None
    res = subprocess.CompletedProcess(list(args), proc.returncode, out, err)
    if check and res.returncode != 0:
        raise subprocess.CalledProcessError(res.returncode, res.args, res.stdout, res.stderr)
    return res


def _wait_until(
    what: str,
    probe: Callable[[], object],
    timeout: float,
    interval: float = 0.2,
    max_tries: int | None = None,
) -> object:
    """Call probe() until it returns something truthy; bounded in time and count."""
    deadline = time.monotonic() + timeout
    tries = max_tries if max_tries is not None else max(1, int(timeout / interval) + 5)
    last_exc: BaseException | None = None
    for _ in range(tries):
        try:
            value = probe()
            if value:
                return value
            last_exc = None
        except EngineDied:
            raise
        except (OSError, subprocess.SubprocessError, HarnessError) as exc:
            last_exc = exc
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    extra = f" (last error: {last_exc})" if last_exc else ""
    raise HarnessError(f"timed out after {timeout:.0f} s waiting for {what}{extra}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------
# mounts and cgroups


def _unescape_mountinfo(s: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), s)


def _mounts() -> list[tuple[str, str]]:
    """(mount point, fs type) of the host mount namespace, in mount order."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            sep = parts.index("-")
            out.append((_unescape_mountinfo(parts[4]), parts[sep + 1]))
    return out


def _mounts_below(path: Path) -> list[str]:
    p = str(path)
    return [m for m, _ in _mounts() if m == p or m.startswith(p + "/")]


def _unmount_below(path: Path) -> None:
    """Unmount everything at or below path, deepest first (lazy as a last resort)."""
    for _ in range(20):
        below = _mounts_below(path)
        if not below:
            return
        for m in sorted(set(below), key=lambda s: s.count("/"), reverse=True):
            r = _run(["umount", m], timeout=20)
            if r.returncode != 0:
                _run(["umount", "-l", m], timeout=20)
    left = _mounts_below(path)
    if left:
        raise HarnessError(f"could not unmount {left}")


def _safe_rmtree(path: Path) -> None:
    if not path.exists():
        return
    if _mounts_below(path):
        raise HarnessError(f"refusing to delete {path}: mounts below it: {_mounts_below(path)}")
    _run(["rm", "-rf", "--one-file-system", str(path)], timeout=120, check=True)


def _cgroup2_root() -> Path | None:
    """Where the cgroup v2 hierarchy is mounted on the host (hybrid or unified)."""
    for mnt, fstype in _mounts():
        if fstype == "cgroup2":
            return Path(mnt)
    return None


def _cgroup_procs(cg: Path) -> list[int]:
    pids: list[int] = []
    for d, _subdirs, files in os.walk(cg):
        if "cgroup.procs" in files:
            try:
                pids += [int(x) for x in Path(d, "cgroup.procs").read_text().split()]
            except OSError:
                pass
    return pids


def _kill_cgroup(cg: Path, timeout: float = TEARDOWN_TIMEOUT) -> None:
    if not cg.exists():
        return
    try:
        (cg / "cgroup.kill").write_text("1")
    except OSError:
        pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = _cgroup_procs(cg)
        if not pids:
            break
        for pid in pids:  # fallback where cgroup.kill is missing; exact pids only
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.1)
    # remove the subtree, leaves first
    for d, _subdirs, _files in sorted(os.walk(cg), key=lambda t: t[0].count("/"), reverse=True):
        for _ in range(50):
            try:
                os.rmdir(d)
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.1)


def _proc_start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            kids += [int(x) for x in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
        return kids
    except OSError:
        pass
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(d))
    return kids


# --------------------------------------------------------------------------
# cache / setup


def _script_hash() -> str:
    return hashlib.sha256(SETUP_SCRIPT.read_bytes()).hexdigest()[:16]


def root_dir(suite: str) -> Path:
    return cache_dir() / suite


def root_is_ready(suite: str) -> bool:
    try:
        marker = (root_dir(suite) / MARKER_NAME).read_text().strip()
    except OSError:
        return False
    return marker == f"suite={suite} script={_script_hash()}"


_setup_lock = threading.Lock()
_setup_failures: dict[str, str] = {}


def _host_prep() -> None:
    tun = Path("/dev/net/tun")
    if tun.exists() and os.geteuid() == 0:
        os.chmod(tun, 0o666)


def ensure_roots(*suites: str) -> None:
    """Build the cached roots that are missing or out of date (runs setup_roots.sh)."""
    suites = suites or tuple(SUITES)
    with _setup_lock:
        for s in suites:
            if s in _setup_failures:
                raise HarnessError(_setup_failures[s])
        missing = [s for s in suites if not root_is_ready(s)]
        if not missing:
            return
        if os.geteuid() != 0:
            raise HarnessError(
                f"cached roots {missing} missing under {cache_dir()}; building them needs root "
                f"(run: sudo bash {SETUP_SCRIPT})"
            )
        cache_dir().mkdir(parents=True, exist_ok=True)
        log = cache_dir() / "setup.log"
        _log(f"building roots {missing} with {SETUP_SCRIPT.name} (log: {log}); takes a few minutes")
        t0 = time.monotonic()
        with open(log, "w") as lf:
            proc = subprocess.Popen(
                ["bash", str(SETUP_SCRIPT), *missing],
                stdin=subprocess.DEVNULL,
                stdout=lf,
                stderr=subprocess.STDOUT,
                env=_clean_env({"PODGEN_E2E_CACHE": str(cache_dir())}),
                start_new_session=True,
            )
            try:
                rc = proc.wait(SETUP_TIMEOUT)
            except subprocess.TimeoutExpired:
                _killpg(proc)
                proc.wait(10)
                rc = -9
        if rc != 0 or not all(root_is_ready(s) for s in missing):
            msg = f"setup_roots.sh failed (exit {rc}); last lines of {log}:\n{_tail(log)}"
            for s in missing:
                _setup_failures[s] = msg
            raise HarnessError(msg)
        _log(f"roots {missing} ready in {time.monotonic() - t0:.0f} s")


_available: dict[tuple[str, ...], tuple[bool, str]] = {}


def available(*suites: str, build: bool = True) -> tuple[bool, str]:
    """Can the harness run here?  Returns (True, "") or (False, reason).

    With build=True (default) the cached roots are built if missing, so a
    setup failure is reported as a reason too.
    """
    suites = suites or tuple(SUITES)
    key = tuple(suites) + (("build",) if build else ())
    if key in _available:
        return _available[key]

    def check() -> tuple[bool, str]:
        if not sys.platform.startswith("linux"):
            return False, "needs Linux"
        if os.geteuid() != 0:
            return False, "needs root (namespaces, mounts, debootstrap); run pytest as root"
        for tool in ("unshare", "nsenter", "mount", "umount", "chroot", "tar"):
            if shutil.which(tool, path=CLEAN_PATH) is None:
                return False, f"host tool {tool!r} missing (util-linux/coreutils)"
        try:
            if int(Path("/proc/sys/user/max_user_namespaces").read_text()) < 100:
                return False, "user namespaces disabled (user.max_user_namespaces)"
        except OSError:
            return False, "kernel without user namespaces"
        if "overlay" not in Path("/proc/filesystems").read_text():
            _run(["modprobe", "overlay"], timeout=20)
            if "overlay" not in Path("/proc/filesystems").read_text():
                return False, "kernel without overlayfs"
        if re.search(r"[,:\s]", str(cache_dir())):
            return False, f"cache path {cache_dir()} must not contain ',', ':' or blanks (overlay options)"
        cg = _cgroup2_root()
        if cg is None:
            return False, "no cgroup v2 hierarchy mounted on the host (needed for systemd and teardown)"
        probe = cg / f"podgen-e2e-probe-{os.getpid()}"
        try:
            probe.mkdir()
            probe.rmdir()
        except OSError as exc:
            return False, f"cannot create cgroups under {cg}: {exc}"
        if not all(root_is_ready(s) for s in suites):
            if shutil.which("debootstrap", path=CLEAN_PATH) is None and shutil.which(
                "apt-get", path=CLEAN_PATH
            ) is None:
                return False, "debootstrap missing and no apt-get to install it"
            if not build:
                return False, f"cached roots not built under {cache_dir()}"
            try:
                ensure_roots(*suites)
            except HarnessError as exc:
                return False, str(exc)
        return True, ""

    res = check()
    _available[key] = res
    return res


# --------------------------------------------------------------------------
# boot scripts (run by the host's /bin/sh inside the new namespaces)

_BOOT_COMMON = r"""
set -eu
M=$1
SUITE=$2
mount -t proc proc "$M/proc"
mount -t sysfs -o nosuid,nodev,noexec sysfs "$M/sys"
if [ "$SUITE" = trixie ]; then
    mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$M/sys/fs/cgroup"
else
    mount --rbind /sys/fs/cgroup "$M/sys/fs/cgroup"
fi
# a minimal /dev: never expose the host console or kmsg
mount -t tmpfs -o mode=755,nosuid,size=1m tmpfs "$M/dev"
for n in null zero full random urandom tty; do
    : > "$M/dev/$n"; mount --bind "/dev/$n" "$M/dev/$n"
done
mkdir "$M/dev/net"; : > "$M/dev/net/tun"; mount --bind /dev/net/tun "$M/dev/net/tun"
if [ -c /dev/fuse ]; then : > "$M/dev/fuse"; mount --bind /dev/fuse "$M/dev/fuse"; fi
: > "$M/dev/console"; mount --bind /dev/null "$M/dev/console"
mkdir "$M/dev/pts" "$M/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$M/dev/pts"
ln -s pts/ptmx "$M/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$M/dev/shm"
ln -s /proc/self/fd "$M/dev/fd"
ln -s /proc/self/fd/0 "$M/dev/stdin"
ln -s /proc/self/fd/1 "$M/dev/stdout"
ln -s /proc/self/fd/2 "$M/dev/stderr"
if [ "$SUITE" != trixie ]; then
    mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$M/run"
    mkdir -p "$M/run/user/1000" "$M/run/lock"
    chown 1000:1000 "$M/run/user/1000"
    chmod 700 "$M/run/user/1000"
    mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$M/tmp"
fi
cd "$M"
mkdir -p .podgen-oldroot
pivot_root . .podgen-oldroot
cd /
umount -l /.podgen-oldroot
rmdir /.podgen-oldroot
mount --make-rshared /
if [ "$SUITE" = trixie ]; then
    exec /usr/bin/env -i container=other PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        /lib/systemd/systemd --log-target=console --show-status=no
fi
: > /run/podgen-e2e-ready
exec /usr/bin/catatonit -P
"""

# joins the engine's cgroup (if any) then execs the rest of the arguments
_EXEC_WRAPPER = 'if [ -n "$1" ]; then echo $$ > "$1" || exit 125; fi; shift; exec "$@"'


# --------------------------------------------------------------------------
# engines


class Engine:
    """One rootless Podman installation, started lazily.

    Attributes (available after start(); reading them starts the engine):
      name         "podman43" or "podman54"
      version      e.g. "4.3.1" (parsed from `podman --version`)
      has_quadlet  True for podman54
      root         host path of the running root (overlay over the cache)
      home         host path of /home/pm inside the root
    """

    def __init__(self, suite: str, *, own_netns: bool = False):
        if suite not in SUITES:
            raise ValueError(f"unknown suite {suite!r}; expected one of {list(SUITES)}")
        self.suite = suite
        self.name: str = SUITES[suite]["name"]
        self.has_quadlet: bool = SUITES[suite]["quadlet"]
        self.has_systemd: bool = SUITES[suite]["systemd"]
        self.own_netns = own_netns
        self._version: str | None = None
        self.version_output: str | None = None
        self.boot_notes: str = ""
        self._lock = threading.RLock()
        self._started = False
        self._starting = False
        self._start_error: str | None = None
        self._closed = False
        self._proc: subprocess.Popen | None = None
        self._pid1: int | None = None
        self._rundir: Path | None = None
        self._merged: Path | None = None
        self._cgroup: Path | None = None
        self._exec_cgroup: Path | None = None
        self._inuse_fd: int | None = None
        self._counter = itertools.count(1)

    # ---------------------------------------------------------------- props
    def __repr__(self) -> str:
        state = "running" if self._started and not self._closed else "stopped"
        return f"<Engine {self.name} ({self.suite}) {state}>"

    @property
    def version(self) -> str:
        self.start()
        assert self._version is not None
        return self._version

    @property
    def version_info(self) -> tuple[int, ...]:
        return tuple(int(x) for x in re.findall(r"\d+", self.version)[:3])

    @property
    def root(self) -> Path:
        self.start()
        assert self._merged is not None
        return self._merged

    @property
    def home(self) -> Path:
        return self.root / str(USER_HOME).lstrip("/")

    @property
    def pid1(self) -> int:
        self.start()
        assert self._pid1 is not None
        return self._pid1

    def alive(self) -> bool:
        return (
            self._started
            and not self._closed
            and self._proc is not None
            and self._proc.poll() is None
            and self._pid1 is not None
            and Path(f"/proc/{self._pid1}").exists()
        )

    # ---------------------------------------------------------------- start
    def start(self) -> "Engine":
        with self._lock:
            if self._start_error is not None:
                raise HarnessError(f"{self.name}: an earlier start failed: {self._start_error}")
            if self._closed:
                raise HarnessError(f"{self.name} was closed")
            if self._started or self._starting:
                return self
            ok, why = available(self.suite)
            if not ok:
                raise HarnessError(f"{self.name}: harness not available: {why}")
            t0 = time.monotonic()
            self._starting = True
            try:
                self._start()
            except BaseException as exc:
                detail = self._diagnostics()
                self._start_error = f"{exc}\n{detail}"
                try:
                    self._teardown()
                except HarnessError as texc:
                    detail += f"\n{texc}"
                if isinstance(exc, HarnessError):
                    raise HarnessError(f"{self.name}: start failed: {exc}\n{detail}") from exc
                raise
            finally:
                self._starting = False
            self._started = True
            _log(f"{self.name}: podman {self._version} ready in {time.monotonic() - t0:.1f} s")
            return self

    def _start(self) -> None:
        _host_prep()
        reap_stale_runs()
        lower = root_dir(self.suite)
        run_base = cache_dir() / "run"
        run_base.mkdir(parents=True, exist_ok=True)
        # a shared lock tells setup_roots.sh not to replace this root meanwhile
        self._inuse_fd = os.open(cache_dir() / f"{self.suite}.inuse", os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(self._inuse_fd, fcntl.LOCK_SH)

        rundir = run_base / f"{self.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        rundir.mkdir()
        self._rundir = rundir
        (rundir / "owner").write_text(f"{os.getpid()} {_proc_start_time(os.getpid())}\n")
        upper, work, merged, home = (rundir / d for d in ("upper", "work", "merged", "home"))
        for d in (upper, work, merged):
            d.mkdir()
        _run(
            ["mount", "-t", "overlay", "overlay", "-o",
             f"lowerdir={lower},upperdir={upper},workdir={work}", str(merged)],
            timeout=30, check=True,
        )
        self._merged = merged
        _run(["mount", "--make-private", str(merged)], timeout=10, check=True)
        # fresh home on a real file system (rootless overlay storage lives there)
        shutil.copytree(lower / "home" / USER, home, symlinks=True)
        for d, _dirs, files in os.walk(home):
            os.lchown(d, UID, GID)
            for f in files:
                os.lchown(os.path.join(d, f), UID, GID)
        os.chmod(home, 0o755)
        _run(["mount", "--bind", str(home), str(merged / "home" / USER)], timeout=10, check=True)
        _run(["mount", "--make-private", str(merged / "home" / USER)], timeout=10, check=True)
        scripts = merged / str(SCRIPT_DIR).lstrip("/")
        scripts.mkdir(parents=True, exist_ok=True)
        os.chmod(scripts, 0o755)

        cg2 = _cgroup2_root()
        if cg2 is None:
            raise HarnessError("no cgroup v2 hierarchy")
        self._cgroup = cg2 / rundir.name.replace(".", "_")
        self._cgroup.mkdir()
        (rundir / "cgroup").write_text(str(self._cgroup))
        if self.has_systemd:
            # below the namespace root, which systemd owns
            self._exec_cgroup = self._cgroup / "podgen-exec"
            self._exec_cgroup.mkdir()
        else:
            self._exec_cgroup = self._cgroup

        # own UTS and IPC namespaces too: systemd sets the hostname at boot
        # and logind removes the user's IPC objects at logout
        ns = ["-m", "-p", "-u", "-i", "-f", "--propagation", "private"]
        if self.own_netns:
            ns.append("-n")
        if self.has_systemd:
            ns.append("-C")
        (rundir / "boot.sh").write_text(_BOOT_COMMON)
        boot_log = open(rundir / "boot.log", "w")
        try:
            self._proc = subprocess.Popen(
                ["/bin/sh", "-c", _EXEC_WRAPPER, "podgen-e2e-boot", str(self._cgroup / "cgroup.procs"),
                 "unshare", *ns, "--", "/bin/sh", str(rundir / "boot.sh"), str(merged), self.suite],
                stdin=subprocess.DEVNULL,
                stdout=boot_log,
                stderr=subprocess.STDOUT,
                env=_clean_env(),
                start_new_session=True,
            )
        finally:
            boot_log.close()

        want = "systemd" if self.has_systemd else "catatonit"

        def find_pid1() -> int | None:
            if self._proc.poll() is not None:
                raise EngineDied(f"namespace launcher exited with {self._proc.returncode}")
            for kid in _children(self._proc.pid):
                try:
                    if os.readlink(f"/proc/{kid}/exe").endswith("/" + want):
                        return kid
                except OSError:
                    pass
            return None

        self._pid1 = int(_wait_until(f"{want} to start as PID 1", find_pid1, timeout=30, interval=0.05))
        if self.own_netns:
            self._setup_netns()
        if self.has_systemd:
            self._boot_systemd()
        else:
            _wait_until(
                "the holder namespace",
                lambda: self.root_sh("test -e /run/podgen-e2e-ready", timeout=10).returncode == 0,
                timeout=20,
            )
        self._import_images()

    # a private network namespace that nothing can leave: lo, and a veth pair
    # inside the namespace (no dummy module on these kernels) whose addressed
    # end holds the default route towards an address nobody answers for
    _NETNS_SETUP = """set -e
ip link set lo up
ip link add pgnet0 type veth peer name pgnet1
ip addr add 10.255.255.1/24 dev pgnet0
ip link set pgnet0 up
ip link set pgnet1 up
ip route add default via 10.255.255.254 dev pgnet0
"""

    def _setup_netns(self) -> None:
        r = self.root_sh(self._NETNS_SETUP, timeout=30)
        if r.returncode != 0:
            raise HarnessError(f"network namespace setup failed: {r.stdout}{r.stderr}")

    def _boot_systemd(self) -> None:
        state = {"v": ""}

        def booted() -> bool:
            r = self.root_sh("systemctl is-system-running", timeout=10)
            state["v"] = r.stdout.strip()
            return state["v"] in ("running", "degraded")

        _wait_until("systemd to finish booting", booted, timeout=BOOT_TIMEOUT, interval=0.25)
        if state["v"] == "degraded":
            failed = self.root_sh("systemctl --failed --no-legend --plain", timeout=10).stdout.strip()
            self.boot_notes = f"systemd degraded; failed units:\n{failed}"
        r = self.root_sh("systemctl start network-online.target && loginctl enable-linger pm", timeout=60)
        if r.returncode != 0:
            raise HarnessError(f"network-online/linger failed: {r.stderr.strip()}")
        _wait_until(
            "user@1000.service",
            lambda: self.root_sh(
                f"systemctl is-active -q user@{UID}.service && test -S {RUNTIME_DIR}/bus", timeout=10
            ).returncode == 0,
            timeout=USER_MANAGER_TIMEOUT,
            interval=0.25,
        )

    def _import_images(self) -> None:
        tags = " ".join(shlex.quote(t) for t in BUSYBOX_ALIASES)
        r = self.sh(
            f"""set -e
tar -C {BUSYBOX_TREE} -cf - . | podman import --change 'CMD ["sh"]' - {BUSYBOX_IMAGE} >/dev/null
for t in {tags}; do podman tag {BUSYBOX_IMAGE} "$t"; done
podman --version
""",
            timeout=120,
        )
        if r.returncode != 0:
            raise HarnessError(f"busybox import failed: {r.stdout}\n{r.stderr}")
        self.version_output = r.stdout.strip().splitlines()[-1]
        m = re.search(r"(\d+\.\d+\.\d+\S*)", self.version_output)
        self._version = m.group(1) if m else self.version_output

    def _diagnostics(self) -> str:
        parts = []
        if self._rundir is not None:
            parts.append(f"boot log ({self._rundir / 'boot.log'}):\n{_tail(self._rundir / 'boot.log')}")
        if self.has_systemd and self._pid1 and Path(f"/proc/{self._pid1}").exists():
            try:
                r = self.root_sh(
                    "systemctl --failed --no-legend --plain; journalctl -b --no-pager -n 40", timeout=15
                )
                parts.append(f"systemd:\n{r.stdout}{r.stderr}")
            except (subprocess.SubprocessError, HarnessError, OSError):
                pass
        return "\n".join(parts)

    # ---------------------------------------------------------------- exec
    def _nsenter(self, args: Sequence[str]) -> list[str]:
        if self._pid1 is None:
            raise HarnessError(f"{self.name} is not running")
        if self._proc is not None and self._proc.poll() is not None:
            raise EngineDied(
                f"{self.name}: PID 1 of the engine has exited ({self._proc.returncode}); "
                f"boot log:\n{_tail(self._rundir / 'boot.log') if self._rundir else ''}"
            )
        flags = ["-m", "-p", "-u", "-i", "-r", "-w"] + (["-C"] if self.has_systemd else []) + \
            (["-n"] if self.own_netns else [])
        cg = str(self._exec_cgroup / "cgroup.procs") if self._exec_cgroup else ""
        return ["/bin/sh", "-c", _EXEC_WRAPPER, "podgen-e2e-exec", cg,
                "nsenter", "-t", str(self._pid1), *flags, "--", *args]

    def root_sh(self, script: str, timeout: float = 60, *, input: str | None = None) -> subprocess.CompletedProcess:
        """Run a shell script as root inside the engine's namespaces (not rootless!)."""
        return _run(self._nsenter(["/bin/sh", "-c", script]), timeout=timeout, input=input, env=_clean_env())

    def sh(
        self,
        script: str,
        timeout: float = 60,
        *,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
        check: bool = False,
    ) -> subprocess.CompletedProcess:
        """Run a POSIX shell script as the rootless user pm, in pm's home.

        The script gets a login environment (su -l) plus XDG_RUNTIME_DIR and,
        on podman54, DBUS_SESSION_BUS_ADDRESS, so `systemctl --user` works.
        Returns CompletedProcess (text stdout/stderr).  Raises
        subprocess.TimeoutExpired after killing the script on timeout, and
        CalledProcessError on failure if check=True.
        """
        self.start()
        n = next(self._counter)
        name = f"s{os.getpid()}-{n}.sh"
        host_file = self.root / str(SCRIPT_DIR).lstrip("/") / name
        lines = [f"export XDG_RUNTIME_DIR={RUNTIME_DIR}"]
        if self.has_systemd:
            lines.append(f"export DBUS_SESSION_BUS_ADDRESS=unix:path={RUNTIME_DIR}/bus")
        lines.append(f"export PODGEN_E2E_ENGINE={self.name}")
        for k, v in (env or {}).items():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", k):
                raise ValueError(f"bad environment variable name {k!r}")
            lines.append(f"export {k}={shlex.quote(str(v))}")
        lines.append('cd "$HOME"')
        host_file.write_text("\n".join(lines) + "\n" + script + "\n")
        os.chmod(host_file, 0o644)
        try:
            res = _run(
                self._nsenter(["su", "-l", USER, "-s", "/bin/sh", "-c", f"exec /bin/sh {SCRIPT_DIR / name}"]),
                timeout=timeout,
                input=input,
                env=_clean_env(),
            )
        finally:
            try:
                host_file.unlink()
            except OSError:
                pass
        if check and res.returncode != 0:
            raise subprocess.CalledProcessError(res.returncode, script, res.stdout, res.stderr)
        return res

    # ---------------------------------------------------------------- files
    _NOT_VISIBLE = ("/proc", "/sys", "/dev", "/run", "/tmp")

    def put(self, local_path: str | os.PathLike, dest_in_root: str | os.PathLike) -> str:
        """Copy a file or directory into the root, owned by pm.

        dest_in_root is a path inside the root; a relative one is taken
        relative to /home/pm.  Paths under /tmp, /run, /proc, /sys and /dev
        are refused (they are namespace-private mounts, not visible from the
        host).  An existing directory destination is merged into.  Returns the
        absolute path inside the root.
        """
        src = Path(local_path)
        if not src.exists():
            raise FileNotFoundError(src)
        dest = PurePosixPath(str(dest_in_root))
        if not dest.is_absolute():
            dest = USER_HOME / dest
        if ".." in dest.parts:
            raise ValueError(f"'..' not allowed in {dest_in_root!r}")
        for p in self._NOT_VISIBLE:
            if str(dest) == p or str(dest).startswith(p + "/"):
                raise ValueError(f"{dest} is inside a namespace-private mount; use a path under {USER_HOME}")
        host = self.root / str(dest).lstrip("/")
        # create missing parents owned by pm
        missing = []
        parent = host.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        for d in reversed(missing):
            d.mkdir()
            os.lchown(d, UID, GID)
        if src.is_dir():
            shutil.copytree(src, host, symlinks=True, dirs_exist_ok=True)
            for d, dirs, files in os.walk(host):
                os.lchown(d, UID, GID)
                for f in files + [x for x in dirs if os.path.islink(os.path.join(d, x))]:
                    os.lchown(os.path.join(d, f), UID, GID)
        else:
            shutil.copy2(src, host, follow_symlinks=True)
            os.lchown(host, UID, GID)
        return str(dest)

    # ------------------------------------------------------------- cleanup
    def cleanup(self, timeout: float = CLEANUP_TIMEOUT) -> subprocess.CompletedProcess:
        """Remove everything tests left for pm: Quadlet/user units, containers,
        pods, non-default networks, volumes, secrets.  Raises HarnessError if
        containers, pods, networks or volumes are still there afterwards."""
        if not self._started or self._closed or not self.alive():
            return subprocess.CompletedProcess(["cleanup"], 0, "", "engine not running")
        quadlet_part = ""
        if self.has_systemd:
            quadlet_part = f"""
gen={RUNTIME_DIR}/systemd/generator
units=""
for f in "$gen"/*.service "$gen"/*.socket "$gen"/*.timer \
         "$HOME"/.config/systemd/user/*.service "$HOME"/.config/systemd/user/*.socket \
         "$HOME"/.config/systemd/user/*.timer "$HOME"/.config/systemd/user/*.target; do
    [ -f "$f" ] || continue
    units="$units ${{f##*/}}"
done
if [ -n "$units" ]; then
    # queue the stop jobs (so that no Restart= fires), then kill the
    # containers at once instead of waiting out podman's 10 s stop timeout
    timeout -k 5 30 systemctl --user stop --no-block $units || echo "WARN: systemctl --user stop failed" >&2
    timeout -k 5 60 podman pod rm -a -f -t 0 >/dev/null 2>&1
    timeout -k 5 60 podman rm -a -f -t 0 >/dev/null 2>&1
    i=0
    while [ $i -lt 240 ]; do
        busy=$(systemctl --user is-active $units 2>/dev/null | grep -cE '^(active|activating|deactivating|reloading|refreshing)$')
        [ "$busy" = 0 ] && break
        i=$((i+1)); sleep 0.25
    done
    [ "$busy" = 0 ] || echo "WARN: units still stopping: $units" >&2
    timeout -k 5 60 systemctl --user stop $units || echo "WARN: systemctl --user stop failed" >&2
fi
# transient/leftover units of the tests
rm -rf "$HOME/.config/containers/systemd" "$HOME/.config/systemd/user"
timeout -k 5 30 systemctl --user daemon-reload || echo "WARN: daemon-reload failed" >&2
timeout -k 5 30 systemctl --user reset-failed || true
"""
        else:
            quadlet_part = 'rm -rf "$HOME/.config/containers/systemd"\n'
        script = quadlet_part + """
T="timeout -k 5 60"
$T podman pod rm -a -f -t 0 >/dev/null 2>&1 || echo "WARN: pod rm failed" >&2
$T podman rm -a -f -t 0 >/dev/null 2>&1 || echo "WARN: rm failed" >&2
for n in $($T podman network ls --format '{{.Name}}'); do
    [ "$n" = podman ] && continue
    $T podman network rm -f "$n" >/dev/null 2>&1 || echo "WARN: network rm $n failed" >&2
done
$T podman volume rm -a -f >/dev/null 2>&1 || echo "WARN: volume rm failed" >&2
for s in $($T podman secret ls --format '{{.ID}}' 2>/dev/null); do
    $T podman secret rm "$s" >/dev/null 2>&1 || echo "WARN: secret rm $s failed" >&2
done
left=""
c=$(podman ps -aq | wc -l); [ "$c" = 0 ] || left="$left containers=$c"
p=$(podman pod ps -q | wc -l); [ "$p" = 0 ] || left="$left pods=$p"
n=$(podman network ls --format '{{.Name}}' | grep -vx podman | wc -l); [ "$n" = 0 ] || left="$left networks=$n"
v=$(podman volume ls -q | wc -l); [ "$v" = 0 ] || left="$left volumes=$v"
[ -z "$left" ] || echo "LEFTOVER:$left"
"""
        r = self.sh(script, timeout=timeout)
        if "LEFTOVER:" in r.stdout or r.returncode != 0:
            raise HarnessError(f"{self.name}: cleanup incomplete (rc={r.returncode}): {r.stdout}{r.stderr}")
        return r

    # --------------------------------------------------------------- close
    def close(self) -> None:
        """Kill every process of the engine and unmount everything. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._teardown()

    def _teardown(self) -> None:
        self._closed = True
        errors = []
        # PID 1 first: the kernel then kills the whole PID namespace, and the
        # launcher (unshare) reaps PID 1 before we reap the launcher.
        if self._pid1 is not None:
            try:
                os.kill(self._pid1, signal.SIGKILL)
            except OSError:
                pass
        if self._proc is not None:
            try:
                self._proc.wait(TEARDOWN_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                try:
                    self._proc.wait(5)
                except subprocess.TimeoutExpired:
                    errors.append("namespace launcher did not exit")
        if self._cgroup is not None and self._cgroup.exists():
            _kill_cgroup(self._cgroup)
            if self._cgroup.exists():
                errors.append(f"cgroup {self._cgroup} not removed")
        if self._rundir is not None:
            try:
                _unmount_below(self._rundir)
                _safe_rmtree(self._rundir)
            except (HarnessError, subprocess.SubprocessError, OSError) as exc:
                errors.append(str(exc))
        if self._inuse_fd is not None:
            os.close(self._inuse_fd)
            self._inuse_fd = None
        self._started = False
        if errors:
            raise HarnessError(f"{self.name}: teardown problems: {'; '.join(errors)}")


# --------------------------------------------------------------------------
# engine registry


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def get_engine(name: str) -> Engine:
    """The process-wide engine "podman43"/"podman54" (or "bookworm"/"trixie")."""
    suite = ENGINE_SUITE.get(name, name)
    if suite not in SUITES:
        raise ValueError(f"unknown engine {name!r}")
    with _engines_lock:
        eng = _engines.get(suite)
        if eng is None or eng._closed:
            eng = Engine(suite)
            _engines[suite] = eng
        return eng


def close_all() -> None:
    for eng in list(_engines.values()):
        try:
            eng.close()
        except HarnessError as exc:
            _log(str(exc))


atexit.register(close_all)


def reap_stale_runs() -> list[str]:
    """Tear down run directories left by dead processes (e.g. a killed pytest)."""
    base = cache_dir() / "run"
    reaped: list[str] = []
    if not base.is_dir() or os.geteuid() != 0:
        return reaped
    for d in sorted(base.iterdir()):
        try:
            pid_s, start = (d / "owner").read_text().split()
            if _proc_start_time(int(pid_s)) == start:
                continue  # owner still alive
        except (OSError, ValueError):
            pass
        try:
            cg = Path((d / "cgroup").read_text().strip())
            _kill_cgroup(cg)
        except OSError:
            pass
        try:
            _unmount_below(d)
            _safe_rmtree(d)
            reaped.append(d.name)
        except (HarnessError, subprocess.SubprocessError, OSError) as exc:
            _log(f"could not reap stale run {d}: {exc}")
    if reaped:
        _log(f"reaped stale runs: {reaped}")
    return reaped


# --------------------------------------------------------------------------
# static checks with the real Quadlet 5.4.2 generator


def _trixie_loader_cmd(root: Path, binary: str) -> list[str]:
    libs = ":".join(str(root / p) for p in ("usr/lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu/systemd"))
    return [str(root / "usr/lib64/ld-linux-x86-64.so.2"), "--library-path", libs, "--argv0", binary,
            str(root / binary.lstrip("/"))]


def _quadlet_root() -> Path:
    if not root_is_ready("trixie"):
        ensure_roots("trixie")
    return root_dir("trixie")


def quadlet_dryrun(
    unit_dir: str | os.PathLike,
    user: bool = True,
    *,
    timeout: float = 30,
    extra_args: Iterable[str] = (),
) -> subprocess.CompletedProcess:
    """Run the real Quadlet 5.4.2 generator in dry-run mode on unit_dir.

    Equivalent to `QUADLET_UNIT_DIRS=unit_dir /usr/libexec/podman/quadlet
    -dryrun [-user]` on a Podman 5.4.2 machine.  stdout holds the generated
    units (`---name.service---` sections, see split_dryrun()); stderr the
    messages; returncode is non-zero when any unit failed to convert.  No
    systemd is booted; the binary runs on the host through the trixie root's
    own dynamic loader (no root privileges needed once the cache exists).
    """
    root = _quadlet_root()
    udir = Path(unit_dir).resolve()
    if not udir.is_dir():
        raise FileNotFoundError(f"unit directory {udir} does not exist")
    cmd = _trixie_loader_cmd(root, "/usr/libexec/podman/quadlet") + ["-dryrun", "-no-kmsg-log"]
    if user:
        cmd.append("-user")
    cmd += list(extra_args)
    env = {"PATH": CLEAN_PATH, "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/root"),
           "QUADLET_UNIT_DIRS": str(udir)}
    return _run(cmd, timeout=timeout, env=env)


_UNIT_HEADER = re.compile(r"---(.+)---")


def split_dryrun(stdout: str) -> dict[str, str]:
    """Split quadlet -dryrun output into {"web.service": "<unit text>", ...}.

    Splits on "\\n" only, as systemd reads lines, and keeps each unit's text as
    it is: str.splitlines() would also break lines at U+2028, U+0085, \\x1c...
    and str.strip() eat such characters at the ends, where a value may
    legitimately hold them (tests/test_escaping_quadlet.py).
    """
    units: dict[str, str] = {}
    current: str | None = None
    buf: list[str] = []
    for line in stdout.split("\n"):
        m = _UNIT_HEADER.fullmatch(line)
        if m:
            if current is not None:
                units[current] = "\n".join(buf) + "\n"
            current, buf = m.group(1), []
        elif current is not None:
            buf.append(line)
    if current is not None:
        units[current] = "\n".join(buf) + "\n"
    return units


def systemd_analyze_verify(
    unit_dir: str | os.PathLike, user: bool = True, *, timeout: float = 60
) -> subprocess.CompletedProcess:
    """Generate units from unit_dir with Quadlet 5.4.2, then run systemd 257's
    `systemd-analyze [--user] verify` on every generated unit.

    returncode is 0 only if generation and verification both succeeded.
    stdout = verify's stdout; stderr = quadlet's messages followed by verify's.
    Runs chrooted in the trixie root inside a private mount namespace (root needed).
    """
    root = _quadlet_root()
    udir = Path(unit_dir).resolve()
    if not udir.is_dir():
        raise FileNotFoundError(f"unit directory {udir} does not exist")
    if os.geteuid() != 0:
        raise HarnessError("systemd_analyze_verify needs root (chroot + mount namespace)")
    with tempfile.TemporaryDirectory(prefix="podgen-verify-") as out:
        gen_cmd = _trixie_loader_cmd(root, "/usr/libexec/podman/quadlet") + ["-no-kmsg-log"]
        if user:
            gen_cmd.append("-user")
        gen_cmd.append(out)
        env = {"PATH": CLEAN_PATH, "LANG": "C.UTF-8", "HOME": "/root", "QUADLET_UNIT_DIRS": str(udir)}
        gen = _run(gen_cmd, timeout=timeout, env=env)
        names = sorted(p.name for p in Path(out).iterdir() if p.is_file())
        if not names:
            return subprocess.CompletedProcess(gen.args, gen.returncode or 1, "",
                                               gen.stderr + "\nno units were generated\n")
        inner = "/run/podgen-verify"
        verify = ["systemd-analyze"] + (["--user"] if user else []) + ["verify"] + [f"{inner}/{n}" for n in names]
        script = (
            'set -e; R=$1; O=$2; shift 2\n'
            'mount -t proc proc "$R/proc"\n'
            'mount -t tmpfs -o mode=755 tmpfs "$R/run"\n'
            'mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"\n'
            f'mkdir -p "$R{inner}" "$R/run/user/0"\n'
            f'mount --bind "$O" "$R{inner}"\n'
            'exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 '
            'HOME=/root XDG_RUNTIME_DIR=/run/user/0 SYSTEMD_LOG_COLOR=0 "$@"\n'
        )
        ver = _run(
            ["unshare", "-m", "--propagation", "private", "--", "/bin/sh", "-c", script, "verify",
             str(root), out, *verify],
            timeout=timeout,
            env=_clean_env(),
        )
    rc = gen.returncode or ver.returncode
    return subprocess.CompletedProcess(verify, rc, ver.stdout, gen.stderr + ver.stderr)


def quadlet_version() -> str:
    """Version printed by the cached Quadlet generator (e.g. "5.4.2")."""
    root = _quadlet_root()
    r = _run(_trixie_loader_cmd(root, "/usr/libexec/podman/quadlet") + ["-version"], timeout=20,
             env=_clean_env())
    return r.stdout.strip()


__all__ = [
    "Engine",
    "EngineDied",
    "HarnessError",
    "available",
    "cache_dir",
    "close_all",
    "ensure_roots",
    "get_engine",
    "quadlet_dryrun",
    "quadlet_version",
    "reap_stale_runs",
    "root_is_ready",
    "split_dryrun",
    "systemd_analyze_verify",
]
