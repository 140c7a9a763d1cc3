"""Security: privileges, capabilities, labels and namespaces.

Compose keys: ``cap_add``, ``cap_drop``, ``privileged``, ``read_only``,
``security_opt``, ``userns_mode``, ``group_add``, ``pid``, ``ipc``, ``uts``
(``service:NAME`` becomes that service's container: ``_namespace``),
``cgroup``, ``cgroup_parent``.  Handlers are ``handler(low, svc, spec, add)``
(see ``keys.py``).
"""
from __future__ import annotations

from podgen.targets.podman.spec import LoweringError, Opt


def cap_add(low, svc, spec, add):
    for cap in svc.cap_add:
        add(Opt("--cap-add", cap, "AddCapability", "words", source="cap_add"))


def cap_drop(low, svc, spec, add):
    for cap in svc.cap_drop:
        add(Opt("--cap-drop", cap, "DropCapability", "words", source="cap_drop"))


def privileged(low, svc, spec, add):
    if svc.raw.get("privileged") in (True, "true"):
        add(Opt("--privileged", None, source="privileged"))


def read_only(low, svc, spec, add):
    if svc.raw.get("read_only") in (True, "true"):
        add(Opt("--read-only", None, "ReadOnly", "bool", qvalue="true", source="read_only"))


def security_opt(low, svc, spec, add):
    for opt in svc.raw.get("security_opt") or ():
        opt = str(opt)
        if opt in ("no-new-privileges", "no-new-privileges:true", "no-new-privileges=true"):
            add(Opt("--security-opt", "no-new-privileges", "NoNewPrivileges", "bool", qvalue="true",
                    source="security_opt"))
        else:
            add(Opt("--security-opt", opt.replace(":", "=", 1) if opt.startswith(("seccomp:", "apparmor:"))
                    else opt, source="security_opt"))


def userns_mode(low, svc, spec, add):
    add(Opt("--userns", str(svc.raw["userns_mode"]), "UserNS", since=(4, 5), source="userns_mode",
            span=svc.keys.get("userns_mode")))


def group_add(low, svc, spec, add):
    for g in svc.raw.get("group_add") or ():
        add(Opt("--group-add", str(g), "GroupAdd", "line", since=(5, 1), source="group_add"))


def pid(low, svc, spec, add):
    add(_namespace(low, svc, "pid", "--pid"))


def ipc(low, svc, spec, add):
    add(_namespace(low, svc, "ipc", "--ipc"))


def uts(low, svc, spec, add):
    add(_namespace(low, svc, "uts", "--uts"))


def cgroup(low, svc, spec, add):
    add(Opt("--cgroupns", str(svc.raw["cgroup"]), source="cgroup"))


def cgroup_parent(low, svc, spec, add):
    spec.notes.append(("PG701", low.warn(
        "PG701", svc, svc.keys.get("cgroup_parent"),
        f"service {svc.name!r}: cgroup_parent is not converted: under systemd the unit owns the cgroup")))


def _namespace(low, svc, key, flag):
    value = str(svc.raw.get(key))
    if value.startswith("service:"):
        other = value[len("service:"):]
        if other not in low.project.services:
            raise LoweringError(f"service {svc.name!r}: {key} refers to undefined service {other!r}",
                                svc.keys.get(key))
        o = low.project.services[other]
        value = "container:" + (o.container_name or f"{low.project.name}-{other}-1")
    return Opt(flag, value, source=key, span=svc.keys.get(key))
