"""Emit stage (script): ProjectSpec -> one POSIX sh file with ``up`` and ``down``.

``up`` is idempotent: networks, volumes and secrets are created only when
missing; a container is recreated only when its podgen configuration hash
changed, otherwise it is just started.  Containers start in dependency order,
waiting for health (``podman healthcheck run``) or completion where compose
asked for it.  ``down`` removes containers (reverse order) and networks and
keeps volumes, as ``docker compose down`` does.  Every value is single-quoted.
Works with Podman 4.3 (no systemd required).
"""
from __future__ import annotations

import hashlib
import json

from podgen.targets.podman.escape import shell_quote
from podgen.targets.podman.spec import ContainerSpec, ProjectSpec
from podgen.model import RUNTIME_DIR

HASH_LABEL = "io.podgen.config-hash"


def network_args(net) -> list:
    args = []
    if net.driver:
        args.append(f"--driver={net.driver}")
    if net.ipam_driver:
        args.append(f"--ipam-driver={net.ipam_driver}")
    for sub in net.subnets:
        if "subnet" in sub:
            args.append(f"--subnet={sub['subnet']}")
        if "gateway" in sub:
            args.append(f"--gateway={sub['gateway']}")
        if "ip_range" in sub:
            args.append(f"--ip-range={sub['ip_range']}")
    if net.internal:
        args.append("--internal")
    if net.ipv6:
        args.append("--ipv6")
    for k, v in net.options.items():
        args.append(f"--opt={k}={v}")
    for k, v in net.labels.items():
        args.append(f"--label={k}={v}")
    return args


def volume_args(vol) -> list:
    args = []
    if vol.driver:
        args.append(f"--driver={vol.driver}")
    for k, v in vol.options.items():
        args.append(f"--opt={k}={v}")
    for k, v in vol.labels.items():
        args.append(f"--label={k}={v}")
    return args


def container_args(c: ContainerSpec) -> list:
    """Arguments after ``podman run -d --name NAME`` (the image and command included)."""
    args = []
    # a run-to-completion container keeps on-failure (as with Docker), not always/unless-stopped (PG701)
    if c.restart and c.restart != "no" and not (c.oneshot and c.restart in ("always", "unless-stopped")):
        args.append(f"--restart={c.restart}")
    for opt in c.options:
        args.append(_runtime_dir_arg(opt) if opt.runtime_dir else opt.arg())
    if c.entrypoint is not None:
        args.append("--entrypoint=" + (json.dumps(c.entrypoint, ensure_ascii=False) if c.entrypoint else ""))
    args.append(c.image)
    if c.command:
        args.extend(c.command)
    return args


# The user's runtime directory as sh expands it ($XDG_RUNTIME_DIR is unset under su/sudo).
RUNTIME_DIR_SH = '"${XDG_RUNTIME_DIR:-/run/user/$(id -u)}"'


class ShellWord(str):
    """An argument with a part the shell must expand: ``quoted`` is how it is written in sh."""

    quoted: str


def _runtime_dir_arg(opt) -> ShellWord:
    word = ShellWord(opt.arg())
    rest = opt.value[len(RUNTIME_DIR):]
    word.quoted = shell_quote(f"{opt.flag}=") + RUNTIME_DIR_SH + (shell_quote(rest) if rest else "")
    return word


def _sh(arg: str) -> str:
    return arg.quoted if isinstance(arg, ShellWord) else shell_quote(arg)


def config_hash(args: list) -> str:
    h = hashlib.sha256()
    for a in args:
        h.update(a.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()[:16]


class ScriptModel:
    """What the template needs, every value already shell-quoted."""

    def __init__(self, spec: ProjectSpec, header: list):
        self.project = spec.project
        self.header = header
        self.networks = []
        self.volumes = []
        self.secrets = []
        self.containers = []
        for net in spec.networks:
            if net.external:
                continue
            self.networks.append({"name": shell_quote(net.name), "args": " ".join(
                shell_quote(a) for a in network_args(net)), "notes": _notes(net.notes)})
        for vol in spec.volumes:
            if vol.external:
                continue
            self.volumes.append({"name": shell_quote(vol.name), "args": " ".join(
                shell_quote(a) for a in volume_args(vol)), "notes": _notes(vol.notes)})
        seen_secrets = set()
        by_service = {c.service: c for c in spec.containers}
        for c in spec.containers:
            for name, path in c.secrets:
                if name not in seen_secrets:
                    seen_secrets.add(name)
                    self.secrets.append({"name": shell_quote(name), "file": shell_quote(path)})
        for c in spec.containers:
            args = container_args(c)
            waits = []
            for req in c.requires:
                dep = by_service.get(req.service)
                if dep is None:
                    continue
                if req.condition == "service_healthy" and dep.has_healthcheck:
                    waits.append(("healthy", shell_quote(dep.name), max(dep.health_timeout_s, 30), req.service))
                elif req.condition == "service_completed_successfully":
                    waits.append(("completed", shell_quote(dep.name), 0, req.service))
            self.containers.append({
                "service": c.service,
                "name": shell_quote(c.name),
                "raw_name": c.name,
                "hash": config_hash(args),
                "args": " \\\n    ".join(_sh(a) for a in args),
                "dirs": [shell_quote(d) for d in dict.fromkeys(c.host_dirs)],
                "waits": waits,
                "notes": _notes(c.notes) + [text for opt in c.options for text in opt.comments],
                "stop_timeout": c.stop_timeout if c.stop_timeout is not None else 10,
            })


def _notes(notes) -> list:
    return [f"{n[0]}: {n[1]}" for n in notes]
