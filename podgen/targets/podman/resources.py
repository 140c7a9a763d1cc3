"""Resources: limits, reservations and devices.

Compose keys: ``deploy`` (``resources``; its ``restart_policy`` goes to
``lifecycle.restart_policy``), ``mem_limit``, ``mem_reservation``,
``memswap_limit``, ``mem_swappiness``, ``cpus``, ``cpu_shares``,
``cpu_quota``, ``cpu_period``, ``cpu_rt_runtime``, ``cpu_rt_period``,
``cpuset``, ``pids_limit``, ``shm_size``, ``ulimits``, ``blkio_config``,
``oom_kill_disable``, ``oom_score_adj``, ``devices``, ``device_cgroup_rules``,
``gpus``, ``sysctls``, ``runtime``.  Handlers are ``handler(low, svc, spec,
add)`` (see ``keys.py``).
"""
from __future__ import annotations

from podgen.report.diagnostics import Severity
from podgen.targets.podman.lifecycle import restart_policy
from podgen.targets.podman.spec import Opt, podman_size, raw_opt


def deploy(low, svc, spec, add):
    deploy = svc.raw.get("deploy") or {}
    span = svc.keys.get("deploy")
    res = deploy.get("resources") or {}
    limits = res.get("limits") or {}
    if limits.get("cpus") is not None:
        add(Opt("--cpus", str(limits["cpus"]), source="deploy", span=span))
    if limits.get("memory") is not None:
        add(Opt("--memory", podman_size(limits["memory"], span), source="deploy", span=span))
    if limits.get("pids") is not None:
        add(Opt("--pids-limit", str(limits["pids"]), "PidsLimit", since=(4, 7), source="deploy", span=span))
    reservations = res.get("reservations") or {}
    if reservations.get("memory") is not None:
        add(Opt("--memory-reservation", podman_size(reservations["memory"], span), source="deploy", span=span))
    if reservations.get("cpus") is not None:
        spec.notes.append(("PG701", low.warn(
            "PG701", svc, span, f"service {svc.name!r}: deploy.resources.reservations.cpus has no "
            "Podman equivalent and was not converted")))
    for dev in reservations.get("devices") or ():
        caps = set(dev.get("capabilities") or ())
        if "gpu" in caps and (dev.get("driver") in (None, "nvidia")):
            count = dev.get("count")
            ids = dev.get("device_ids")
            if ids:
                for i in ids:
                    add(Opt("--device", f"nvidia.com/gpu={i}", "AddDevice", "words", source="deploy"))
            else:
                add(Opt("--device", "nvidia.com/gpu=all", "AddDevice", "words", source="deploy",
                        note="needs the NVIDIA CDI spec (nvidia-ctk cdi generate)"))
                if count not in (None, "all"):
                    pass
        else:
            low.unsupported(svc, "deploy.resources.reservations.devices",
                             "only NVIDIA GPUs (through CDI) are converted", spec)
    restart_policy(svc, spec, deploy.get("restart_policy") or {})
    replicas = deploy.get("replicas")
    if replicas not in (None, 1, "1"):
        spec.notes.append(("PG701", low.warn(
            "PG701", svc, span, f"service {svc.name!r}: deploy.replicas={replicas} is not converted; "
            "one container is generated")))
    for key in deploy:
        if key in ("resources", "restart_policy", "replicas") or key.startswith("x-"):
            continue
        spec.notes.append(("PG701", low.warn(
            "PG701", svc, span, f"service {svc.name!r}: deploy.{key} is a Swarm setting with no "
            "Podman equivalent and was not converted")))
    for key in res:
        if key not in ("limits", "reservations"):
            low.unsupported(svc, f"deploy.resources.{key}", "no podman equivalent", spec)
    for key in limits:
        if key not in ("cpus", "memory", "pids"):
            low.unsupported(svc, f"deploy.resources.limits.{key}", "no podman equivalent", spec)


def mem_limit(low, svc, spec, add):
    add(raw_opt(svc, "mem_limit", "--memory", lambda v: podman_size(v)))


def mem_reservation(low, svc, spec, add):
    add(raw_opt(svc, "mem_reservation", "--memory-reservation", lambda v: podman_size(v)))


def memswap_limit(low, svc, spec, add):
    add(raw_opt(svc, "memswap_limit", "--memory-swap",
                     lambda v: "-1" if str(v) == "-1" else podman_size(v)))


def mem_swappiness(low, svc, spec, add):
    add(raw_opt(svc, "mem_swappiness", "--memory-swappiness"))


def cpus(low, svc, spec, add):
    add(raw_opt(svc, "cpus", "--cpus"))


def cpu_shares(low, svc, spec, add):
    add(raw_opt(svc, "cpu_shares", "--cpu-shares"))


def cpu_quota(low, svc, spec, add):
    add(raw_opt(svc, "cpu_quota", "--cpu-quota"))


def cpu_period(low, svc, spec, add):
    add(raw_opt(svc, "cpu_period", "--cpu-period"))


def cpu_rt_runtime(low, svc, spec, add):
    add(raw_opt(svc, "cpu_rt_runtime", "--cpu-rt-runtime"))


def cpu_rt_period(low, svc, spec, add):
    add(raw_opt(svc, "cpu_rt_period", "--cpu-rt-period"))


def cpuset(low, svc, spec, add):
    add(raw_opt(svc, "cpuset", "--cpuset-cpus"))


def pids_limit(low, svc, spec, add):
    add(Opt("--pids-limit", str(svc.raw["pids_limit"]), "PidsLimit", since=(4, 7), source="pids_limit"))


def shm_size(low, svc, spec, add):
    add(Opt("--shm-size", podman_size(svc.raw["shm_size"], svc.keys.get("shm_size")), "ShmSize",
            since=(4, 7), source="shm_size"))


def ulimits(low, svc, spec, add):
    for name, (soft, hard) in svc.ulimits.items():
        value = f"{name}={soft}" if soft == hard else f"{name}={soft}:{hard}"
        add(Opt("--ulimit", value, "Ulimit", "line", since=(4, 7), source="ulimits"))


def blkio_config(low, svc, spec, add):
    blk = svc.raw.get("blkio_config") or {}
    if blk.get("weight") is not None:
        add(Opt("--blkio-weight", str(blk["weight"]), source="blkio_config"))
    for key, flag, field_ in (("weight_device", "--blkio-weight-device", "weight"),
                              ("device_read_bps", "--device-read-bps", "rate"),
                              ("device_write_bps", "--device-write-bps", "rate"),
                              ("device_read_iops", "--device-read-iops", "rate"),
                              ("device_write_iops", "--device-write-iops", "rate")):
        for entry in blk.get(key) or ():
            add(Opt(flag, f"{entry.get('path')}:{entry.get(field_)}", source="blkio_config"))


def oom_kill_disable(low, svc, spec, add):
    if svc.raw.get("oom_kill_disable") in (True, "true"):
        add(Opt("--oom-kill-disable", None, source="oom_kill_disable"))


def oom_score_adj(low, svc, spec, add):
    add(raw_opt(svc, "oom_score_adj", "--oom-score-adj"))


def devices(low, svc, spec, add):
    for dev in svc.devices:
        add(Opt("--device", dev, "AddDevice", "words", source="devices"))


def device_cgroup_rules(low, svc, spec, add):
    for rule in svc.raw.get("device_cgroup_rules") or ():
        add(Opt("--device-cgroup-rule", str(rule), source="device_cgroup_rules"))


def gpus(low, svc, spec, add):
    gpus = svc.raw.get("gpus")
    if gpus == "all":
        add(Opt("--device", "nvidia.com/gpu=all", "AddDevice", "words", source="gpus"))
        return
    for g in gpus or ():
        ids = g.get("device_ids") if isinstance(g, dict) else None
        for i in ids or ["all"]:
            add(Opt("--device", f"nvidia.com/gpu={i}", "AddDevice", "words", source="gpus"))


def sysctls(low, svc, spec, add):
    for k, v in svc.sysctls.items():
        add(Opt("--sysctl", f"{k}={v}", "Sysctl", "words", since=(4, 6), source="sysctls"))


# OCI runtimes in Podman's default runtime table (containers/common, Podman 4.3.1: crun runc runj kata runsc
# krun; 5.4.2 adds crun-vm crun-wasm youki ocijail): Podman starts them when they are installed
_PODMAN_RUNTIMES = frozenset(("crun", "runc", "runj", "kata", "runsc", "krun", "crun-vm", "crun-wasm", "youki",
                              "ocijail"))


def runtime(low, svc, spec, add):
    value = svc.raw.get("runtime")
    if value is None:
        return
    name = str(value)
    span = svc.span_of("runtime")
    why = None
    if name.startswith("io.containerd."):
        why = (f"'{name}' is a containerd shim, which Podman cannot use")
        if "wasm" in name or name.split(".")[2:3] in (["spin"], ["slight"], ["wws"], ["lunatic"]):
            why += ("; Podman runs WebAssembly with crun built with wasm support: 'runtime: crun-wasm' "
                    "where it is installed (Podman switches to it by itself for wasi/wasm images), or run the "
                    "image, annotated module.wasm.image/variant=compat, with a crun built with wasm support")
    elif name in ("nvidia", "nvidia-container-runtime"):
        why = ("'nvidia' is Docker's nvidia-container-runtime; Podman uses CDI instead: "
               "'devices: [nvidia.com/gpu=all]' after 'nvidia-ctk cdi generate'")
    if why is not None:
        spec.notes.append(("PG701", low.warn(
            "PG701", svc, span, f"service {svc.name!r}: runtime {name!r} was not converted ({why})")))
        return
    if name not in _PODMAN_RUNTIMES and not name.startswith("/"):
        spec.notes.append(("PG701", low.warn(
            "PG701", svc, span,
            f"service {svc.name!r}: runtime {name!r} is passed on, but it is not one of Podman's default OCI "
            "runtimes: Podman starts it only if it is configured in containers.conf ([engine.runtimes]) "
            "or given as an absolute path", severity=Severity.INFO)))
    add(Opt("--runtime", name, source="runtime", span=svc.keys.get("runtime")))
