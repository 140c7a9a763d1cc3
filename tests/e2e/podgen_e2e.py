"""Helpers for the end-to-end tests of podgen's output on real rootless Podman.

How podgen is run
-----------------
podgen is meant to run on the machine where its output is deployed: it
resolves relative bind-mount paths, ``~`` and ``env_file`` against that
machine's file system.  The engines' user ``pm`` has its home at
``/home/pm`` inside the engine, which the host sees as ``engine.home``.  So
that podgen sees exactly the paths the engine sees, each case is copied into
the engine (``/home/pm/proj/NAME``, owned by pm) and podgen runs on the host
in a private mount namespace where ``/home`` is a fresh tmpfs and
``/home/pm`` is a bind mount of ``engine.home``, with ``HOME=/home/pm`` and
the project directory as its working directory: the generated absolute paths
(``/home/pm/proj/NAME/conf``...) are then the paths inside the engine, as
they would be for a user running podgen on their own machine.  Nothing is
rewritten after podgen.

Network rules (see /work/shared/docs/real-podman.md): from the host only
127.0.0.1; container-to-container traffic only inside the networks podgen's
output creates; every wait bounded in count and time.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CASES = HERE / "cases"
EXAMPLES = ROOT / "examples"
IMAGE = "localhost/busybox:test"
ENGINE_HOME = "/home/pm"

def target_version(engine) -> str:
    """The --podman-version for an engine: "4.3" or "5.4"."""
    return ".".join(engine.version.split(".")[:2])


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loopback_port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def http_get_loopback(port: int, path: str = "/", attempts: int = 60, delay: float = 0.25) -> str:
    """GET http://127.0.0.1:port/path from the host; bounded retries.  Never any other address."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    last: Exception | None = None
    for _ in range(attempts):
        try:
            with opener.open(f"http://127.0.0.1:{port}{path}", timeout=3) as resp:
                return resp.read().decode()
        except (urllib.error.URLError, ConnectionError, OSError) as exc:
            last = exc
            time.sleep(delay)
    raise AssertionError(f"no answer on 127.0.0.1:{port} after {attempts} attempts: {last}")


def run_ok(engine, script: str, timeout: float = 120) -> str:
    r = engine.sh(script, timeout=timeout)
    assert r.returncode == 0, f"rc={r.returncode}\n--- script\n{script}\n--- stdout\n{r.stdout}\n--- stderr\n{r.stderr}"
    return r.stdout


def q(s: str) -> str:
    return shlex.quote(s)


# --------------------------------------------------------------------------
# converting


@dataclass
class Converted:
    engine: object
    name: str                 # case name (directory under /home/pm/proj)
    fmt: str
    project: str              # compose project name
    out: Path                 # host directory with podgen's output
    files: dict = field(default_factory=dict)   # file name -> text
    output: str = ""          # podgen's stdout + stderr
    proj_dir: str = ""        # the project directory inside the engine

    # ---- script --------------------------------------------------------
    @property
    def script(self) -> str:
        """The script inside the engine (``sh SCRIPT up``)."""
        return f"{ENGINE_HOME}/out/{self.name}/{self.project}.sh"

    # ---- quadlet -------------------------------------------------------
    def services(self, kind: str = "container") -> list:
        """systemd service names Quadlet generates for our units of one kind."""
        suffix = {"container": "", "network": "-network", "volume": "-volume"}[kind]
        return sorted(n[: -len(kind) - 1] + suffix + ".service" for n in self.files if n.endswith("." + kind))

    def all_services(self) -> list:
        return self.services("container") + self.services("network") + self.services("volume")


def prepare_case(case: str | Path, staging: Path, replace: dict | None = None, *, image_swap: bool = False) -> Path:
    """Copy a case directory to *staging*; in its compose file, swap every image for the local
    busybox (*image_swap*) and replace text (*replace*: old -> new, each must occur)."""
    src = Path(case) if Path(case).is_absolute() else CASES / str(case)
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(src, staging, ignore=shutil.ignore_patterns("expected"))
    for path in staging.glob("*compose.y*ml"):
        text = path.read_text(encoding="utf-8")
        new = text
        for old, value in (replace or {}).items():
            assert old in new, f"{path}: {old!r} not found"
            new = new.replace(old, value)
        if image_swap:
            new = re.sub(r"(?m)^(\s*image:\s*)\S+\s*$", r"\g<1>" + IMAGE, new)
        if new != text:
            path.write_text(new, encoding="utf-8")
    return staging


# run podgen with /home/pm of the engine mounted at /home/pm (see the module docstring)
_NS_SCRIPT = r"""
set -eu
home=$1; dir=$2; shift 2
mount -t tmpfs -o mode=755,size=1m podgen-e2e-home /home
mkdir /home/pm
mount --bind "$home" /home/pm
cd "$dir"
exec "$@"
"""


def run_podgen_in_engine_paths(engine, args: list, cwd: str, timeout: float = 120,
                               env: dict | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": ENGINE_HOME, "LANG": "C.UTF-8", "PYTHONPATH": str(ROOT),
           "XDG_RUNTIME_DIR": "/run/user/1000", **(env or {})}
    cmd = ["unshare", "-m", "--propagation", "private", "--", "/bin/sh", "-c", _NS_SCRIPT, "podgen-e2e",
           str(engine.home), cwd, sys.executable, "-m", "podgen", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)


def convert(engine, case: str | Path, fmt: str, tmp_path: Path, *, name: str | None = None,
            replace: dict | None = None, image_swap: bool = False, extra_args=(), expect_rc: int = 0,
            env: dict | None = None) -> Converted:
    """Copy *case* into the engine and run ``podgen convert`` on it for the engine's version.

    *env* is podgen's environment on top of a clean one (compose variables such as ports).
    """
    name = name or Path(case).name
    staging = prepare_case(case, tmp_path / f"case-{name}", replace, image_swap=image_swap)
    proj_dir = engine.put(staging, f"proj/{name}")
    out = tmp_path / f"out-{name}-{fmt}"
    if out.exists():
        shutil.rmtree(out)
    args = ["convert", "compose.yaml", "--format", fmt, "--podman-version", target_version(engine),
            "-o", str(out), *extra_args]
    r = run_podgen_in_engine_paths(engine, args, proj_dir, env=env)
    output = r.stdout + r.stderr
    assert r.returncode == expect_rc, f"podgen {' '.join(args)} -> {r.returncode}\n{output}"
    files = {p.name: p.read_text(encoding="utf-8") for p in sorted(out.iterdir())} if out.exists() else {}
    project = _project_name(files, fmt) or name
    conv = Converted(engine, name, fmt, project, out, files, output, proj_dir)
    if fmt == "script":
        engine.put(out, f"out/{name}")
    return conv


def _project_name(files: dict, fmt: str) -> str | None:
    for text in files.values():
        m = re.search(r"\(project '([^']+)'", text)
        if m:
            return m.group(1)
    return None


# --------------------------------------------------------------------------
# Quadlet deployment (podman54)


def quadlet_install(conv: Converted) -> None:
    eng = conv.engine
    eng.put(conv.out, ".config/containers/systemd")
    run_ok(eng, "systemctl --user daemon-reload", timeout=60)
    # Quadlet generated every unit we installed
    listed = run_ok(eng, "systemctl --user list-unit-files --no-legend --plain " +
                    " ".join(q(s) for s in conv.all_services()) + " | awk '{print $1}'")
    missing = sorted(set(conv.all_services()) - set(listed.split()))
    assert not missing, f"Quadlet did not generate {missing}; installed {sorted(conv.files)}"


def quadlet_start(conv: Converted, services: list | None = None, timeout: float = 180) -> None:
    """Start the container services (networks and volumes come as dependencies); none may fail."""
    eng = conv.engine
    services = services or conv.services("container")
    r = eng.sh("systemctl --user start " + " ".join(q(s) for s in services), timeout=timeout)
    if r.returncode != 0:
        raise AssertionError(f"systemctl --user start failed ({r.returncode}): {r.stderr}\n" + quadlet_debug(conv))
    assert_no_failed_units(conv)


# podman's transient units that run a container's healthcheck (CONTAINERID-RANDOM.service/.timer):
# one fails each time a check fails, e.g. while the service is still starting
_HEALTHCHECK_UNIT = re.compile(r"^[0-9a-f]{64}-[0-9a-f]+\.(service|timer)$")


def failed_units(engine) -> list:
    """Failed user units, except podman's healthcheck runs."""
    out = run_ok(engine, "systemctl --user list-units --state=failed --no-legend --plain | awk '{print $1}'")
    return sorted(u for u in out.split() if not _HEALTHCHECK_UNIT.match(u))


def assert_no_failed_units(conv: Converted, active: bool = True) -> None:
    eng = conv.engine
    units = conv.all_services()
    out = eng.sh("systemctl --user is-active " + " ".join(q(s) for s in units), timeout=30).stdout
    states = dict(zip(units, out.split()))
    failed = failed_units(eng)
    assert not failed, f"failed units: {failed}\n" + quadlet_debug(conv)
    if active:
        bad = {u: s for u, s in states.items() if s != "active"}
        assert not bad, f"units not active: {bad}\n" + quadlet_debug(conv)


def quadlet_debug(conv: Converted) -> str:
    units = " ".join(q(s) for s in conv.all_services())
    r = conv.engine.sh(f"systemctl --user status --no-pager -l {units} 2>&1 | tail -n 80; "
                       f"journalctl --user --no-pager -n 60 2>&1 | tail -n 60", timeout=30)
    return r.stdout


# --------------------------------------------------------------------------
# container helpers (both engines)


def inspect(engine, container: str, fmt: str) -> str:
    return run_ok(engine, f"podman container inspect --format {q(fmt)} {q(container)}").rstrip("\n")


def inspect_json(engine, container: str, fmt: str):
    return json.loads(inspect(engine, container, "{{json " + fmt + "}}"))


def container_ids(engine) -> dict:
    """name -> id of every container of pm."""
    out = run_ok(engine, "podman ps -a --format '{{.Names}} {{.ID}}'")
    return dict(line.split() for line in out.splitlines() if line.strip())


def exec_sh(engine, container: str, script: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return engine.sh(f"podman exec {q(container)} sh -c {q(script)}", timeout=timeout)


def wait_file(engine, container: str, path: str, tries: int = 80) -> str:
    """cat a file in a container once it exists (bounded: tries x 0.25 s)."""
    out = run_ok(engine, f"""
i=0
while [ $i -lt {tries} ]; do
    podman exec {q(container)} test -s {q(path)} && break
    i=$((i+1)); sleep 0.25
done
podman exec {q(container)} cat {q(path)}
""", timeout=tries * 0.25 + 60)
    return out


# Name resolution as applications see it (the C library's getaddrinfo, with
# resolv.conf's search list), not busybox nslookup, which queries only
# name.dns.podman on the first nameserver.  wget to port 1 of the name: "bad
# address" if it does not resolve, otherwise it prints the address it tried
# ("can't connect to remote host (10.89.0.2): Connection refused") - a TCP
# SYN to a container on a network the test created, nothing else.
_GETADDR = "wget -q -T 2 -O /dev/null http://{name}:1/ 2>&1"


def lookup_all(engine, container: str, names: list) -> dict:
    """{name: the address it resolves to inside *container*, or None} (one podman exec)."""
    script = "for n in " + " ".join(q(n) for n in names) + "; do printf '%s ' \"$n\"; { " + \
        _GETADDR.replace("{name}", '"$n"') + "; } | tr '\\n' ' '; echo; done"
    r = engine.sh(f"podman exec {q(container)} sh -c {q(script)}", timeout=60)
    assert r.returncode == 0, f"podman exec {container}: {r.stderr}"
    found = {}
    for line in r.stdout.splitlines():
        name, _, answer = line.partition(" ")
        if "bad address" in answer:
            found[name] = None
            continue
        m = re.search(r"\((\d+\.\d+\.\d+\.\d+)\)", answer)
        assert m, f"{container}: unexpected answer for {name!r}: {answer!r}"
        found[name] = m.group(1)
    assert sorted(found) == sorted(names), (names, r.stdout)
    return found


def resolves(engine, container: str, name: str, tries: int = 20) -> bool:
    """Does *name* resolve inside *container* (bounded retries: aardvark-dns may need a moment)?"""
    for _ in range(tries):
        if lookup_all(engine, container, [name])[name]:
            return True
        time.sleep(0.25)
    return False


def probe_resolves(engine, container: str, names: list, tries: int = 20) -> None:
    """Every name resolves inside *container* (bounded retries)."""
    for _ in range(tries):
        missing = [n for n, a in lookup_all(engine, container, names).items() if not a]
        if not missing:
            return
        time.sleep(0.25)
    raise AssertionError(f"{container}: {missing} do not resolve")


def probe_not_resolves(engine, container: str, names: list) -> None:
    """None of the names resolves inside *container* (run after positive probes, so DNS is up)."""
    bad = {n: a for n, a in lookup_all(engine, container, names).items() if a}
    assert not bad, f"{container} resolves {bad} but must not"


def probe_http(engine, container: str, url: str, tries: int = 40) -> str:
    """wget -qO- URL from inside *container*, bounded retries."""
    r = engine.sh(f"""
i=0
while [ $i -lt {tries} ]; do
    if out=$(podman exec {q(container)} wget -qO- -T 3 {q(url)} 2>/dev/null); then printf '%s' "$out"; exit 0; fi
    i=$((i+1)); sleep 0.25
done
podman exec {q(container)} wget -qO- -T 3 {q(url)}
""", timeout=tries * 4 + 60)
    assert r.returncode == 0, f"{container}: GET {url} failed:\n{r.stdout}{r.stderr}"
    return r.stdout


def leftovers(engine) -> tuple:
    """(containers, non-default networks) of pm."""
    out = run_ok(engine, "podman ps -a --format '{{.Names}}'; echo ---; podman network ls --format '{{.Name}}'")
    cons, nets = out.split("---\n")
    return sorted(cons.split()), sorted(n for n in nets.split() if n != "podman")


def script_up(conv: Converted, timeout: float = 240) -> subprocess.CompletedProcess:
    r = conv.engine.sh(f"sh {q(conv.script)} up", timeout=timeout)
    assert r.returncode == 0, f"{conv.project}.sh up -> {r.returncode}\n--- stdout\n{r.stdout}\n--- stderr\n{r.stderr}"
    return r


def script_down(conv: Converted, timeout: float = 180) -> subprocess.CompletedProcess:
    r = conv.engine.sh(f"sh {q(conv.script)} down", timeout=timeout)
    assert r.returncode == 0, f"{conv.project}.sh down -> {r.returncode}\n--- stdout\n{r.stdout}\n--- stderr\n{r.stderr}"
    return r


def skip_unless_port_free(port: int) -> None:
    if not loopback_port_free(port):
        pytest.skip(f"127.0.0.1:{port} is in use on this host (another test run?); the case needs it")


# --------------------------------------------------------------------------
# one deployment of podgen's output: Quadlet on podman54, the script on both


MODES = ("podman43-script", "podman54-script", "podman54-quadlet")


class Deployment:
    """podgen's output for one case, deployed the way a user deploys it.

    quadlet: units copied to ~/.config/containers/systemd, daemon-reload,
    ``systemctl --user start`` of the container services.  script: ``sh
    PROJECT.sh up`` / ``down`` inside the engine.
    """

    def __init__(self, engine, fmt: str, tmp_path: Path):
        self.engine = engine
        self.fmt = fmt
        self.tmp_path = tmp_path
        self.conv: Converted | None = None
        self.installed = False
        self.paths: list = []      # files the test created in pm's home, removed afterwards

    def __repr__(self) -> str:
        return f"<Deployment {self.engine.name} {self.fmt}>"

    @property
    def quadlet(self) -> bool:
        return self.fmt == "quadlet"

    def convert(self, case, **kw) -> Converted:
        name = kw.get("name") or Path(case).name
        self.paths += [f"proj/{name}", f"out/{name}"]
        self.conv = convert(self.engine, case, self.fmt, self.tmp_path, **kw)
        self.installed = False
        return self.conv

    def remove_files(self) -> None:
        """Remove what the test put into pm's home (the engine fixture removes the rest)."""
        if not self.paths or not self.engine.alive():
            return
        # podman unshare: files written by containers may belong to pm's sub-ids
        r = self.engine.sh("podman unshare rm -rf -- " + " ".join(q(p) for p in self.paths) +
                           " && { rmdir proj out 2>/dev/null || true; }", timeout=60)
        assert r.returncode == 0, f"could not remove {self.paths}: {r.stderr}"

    def container(self, service: str) -> str:
        return f"{self.conv.project}-{service}-1"

    def unit(self, service: str) -> str:
        return f"{self.conv.project}-{service}.service"

    def up(self, services: list | None = None, timeout: float = 240) -> None:
        if self.quadlet:
            if not self.installed:
                quadlet_install(self.conv)
                self.installed = True
            quadlet_start(self.conv, [self.unit(s) for s in services] if services else None, timeout=timeout)
        else:
            assert services is None, "the script starts every service"
            script_up(self.conv, timeout=timeout)

    def stop(self, timeout: float = 120, killed: tuple = ()) -> None:
        """Quadlet: stop every container service; script: down.  Checks nothing is left running.

        *killed*: services whose main process ignores SIGTERM (busybox httpd or
        a shell loop as PID 1): podman kills them after their stop timeout, the
        container exits 137 and systemd marks the unit failed - as for any
        program that ignores SIGTERM under systemd.  Checked, then reset.
        """
        if self.quadlet:
            units = self.conv.services("container")
            r = self.engine.sh("systemctl --user stop " + " ".join(q(u) for u in units), timeout=timeout)
            assert r.returncode == 0, f"systemctl --user stop: {r.stderr}\n" + quadlet_debug(self.conv)
            out = run_ok(self.engine, "systemctl --user is-active " + " ".join(q(u) for u in units) + " || true")
            states = dict(zip(units, out.split()))
            failed = failed_units(self.engine)
            expected = sorted(self.unit(s) for s in killed)
            assert failed == expected, (
                f"failed after stop: {failed}, expected {expected}\n" + quadlet_debug(self.conv))
            for unit in expected:
                status = run_ok(self.engine, f"systemctl --user show -P ExecMainStatus {q(unit)}").strip()
                assert status == "137", f"{unit} failed with status {status}, not 137 (SIGKILL after the timeout)"
            if expected:
                run_ok(self.engine, "systemctl --user reset-failed " + " ".join(q(u) for u in expected))
            bad = {u: st for u, st in states.items() if st not in ("inactive", "failed")}
            assert not bad, f"after stop: {bad}"
            cons, _nets = leftovers(self.engine)
            assert cons == [], f"containers left after systemctl --user stop: {cons}"
        else:
            script_down(self.conv, timeout=timeout)
            cons, nets = leftovers(self.engine)
            assert (cons, nets) == ([], []), f"left after down: containers {cons}, networks {nets}"

    def restart(self) -> None:
        """Stop everything and start it again (volumes are kept in both forms)."""
        self.stop()
        self.up()

    def finish(self, killed: tuple = ()) -> None:
        """The end of every deployment test.

        script: a second ``up`` succeeds and recreates nothing, ``down`` leaves
        no container and no network, a second ``down`` succeeds.  quadlet:
        every unit still active and none failed, then ``systemctl --user
        stop`` stops them all without failures and leaves no container.
        """
        if self.quadlet:
            assert_no_failed_units(self.conv, active=False)
            self.stop(killed=killed)
            return
        before = container_ids(self.engine)
        running_before = run_ok(self.engine, "podman ps --format '{{.Names}}'").split()
        r = script_up(self.conv)
        after = container_ids(self.engine)
        assert after == before, f"a second up recreated containers: {before} -> {after}\n{r.stderr}"
        running_after = run_ok(self.engine, "podman ps --format '{{.Names}}'").split()
        assert set(running_before) <= set(running_after), (running_before, running_after)
        self.stop()
        script_down(self.conv)
        assert leftovers(self.engine) == ([], [])


def deployment_fixture(request, tmp_path):
    engine_name, fmt = request.param.split("-")
    engine = request.getfixturevalue(engine_name)
    return Deployment(engine, fmt, tmp_path)


@pytest.fixture(params=MODES)
def deployment(request, tmp_path):
    """A Deployment per mode: podman43-script, podman54-script, podman54-quadlet."""
    d = deployment_fixture(request, tmp_path)
    yield d
    d.remove_files()
