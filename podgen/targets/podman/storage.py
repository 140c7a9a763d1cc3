"""Storage: what the container mounts.

Compose keys: ``volumes`` (bind, volume, tmpfs and image mounts:
``_mount``), ``tmpfs``, ``secrets``, ``configs``, ``volumes_from``,
``storage_opt``.  Handlers are ``handler(low, svc, spec, add)`` (see ``keys.py``).
"""
from __future__ import annotations

import posixpath
import re

from podgen.model import Mount, RUNTIME_DIR, runtime_dir_path
from podgen.report.diagnostics import Severity
from podgen.targets.podman.spec import LoweringError, Opt, Requirement, check_name


_USER_PODMAN_SOCKET = re.compile(r"/run/user/[0-9]+/podman/podman\.sock")


def volumes(low, svc, spec, add):
    for m in svc.volumes:
        _mount(low, svc, spec, add, m)
    socket = next((m for m in svc.volumes if m.type == "bind" and m.source
                   and posixpath.basename(m.source) in ("podman.sock", "docker.sock")), None)
    if socket is not None and not any(str(o).startswith("label") for o in svc.raw.get("security_opt") or ()):
        add(Opt("--security-opt", "label=disable", "SecurityLabelDisable", "bool", qvalue="true", since=(4, 5),
                source="volumes", span=socket.span,
                note="the mounted API socket is labelled for the host: on SELinux hosts the container may "
                     "not use it unless labelling is off (as Podman's docs advise for socket mounts)"))


# The options Podman's mount option parser (pkg/util ProcessOptions, 4.3.1 and 5.4.2) accepts for a tmpfs
# and passes on; any other ("uid=1000", "noatime", ...) makes `podman run` fail with "unknown mount option".
# (noswap: 5.x and rootful only; noatime: after 5.4.)
_TMPFS_OPTIONS = frozenset(("size", "mode", "rw", "ro", "exec", "noexec", "suid", "nosuid", "dev", "nodev",
                            "tmpcopyup", "notmpcopyup", "private", "rprivate", "slave", "rslave", "shared",
                            "rshared", "unbindable", "runbindable", "U"))


def tmpfs(low, svc, spec, add):
    for i, t in enumerate(svc.tmpfs):
        span = svc.spans.get(("tmpfs", i)) or svc.keys.get("tmpfs") or svc.span
        add(Opt("--tmpfs", _tmpfs_value(low, svc, spec, t, span), "Tmpfs", "line", since=(4, 5),
                source="tmpfs", span=span))


def _tmpfs_value(low, svc, spec, item: str, span) -> str:
    """``/path:opts`` with only the options Podman accepts; PG701 at each option dropped."""
    target, sep, opts = item.partition(":")
    if not sep:
        return item
    kept, owner, pos = [], {}, len(target) + 1
    for opt in opts.split(","):
        key, _, value = opt.partition("=")
        at, pos = _offset_span(span, pos), pos + len(opt) + 1
        if key in _TMPFS_OPTIONS:
            kept.append(opt)
        elif key in ("uid", "gid") and value:
            owner[key] = (value, at, opt)
        elif opt:
            spec.notes.append(("PG701", low.warn(
                "PG701", svc, at, f"service {svc.name!r}: tmpfs option {opt!r} of {target} is not a Podman "
                "tmpfs option and was not converted (Podman accepts size, mode, ro, exec/noexec, "
                "suid/nosuid, dev/nodev, tmpcopyup/notmpcopyup, U)")))
    if owner:
        uid, gid = (owner.get(k, (None,))[0] for k in ("uid", "gid"))
        if uid is not None and gid is not None and (svc.user or "").strip() == f"{uid}:{gid}":
            # Podman's U on a tmpfs mounts it with uid=/gid= of the container's user (libpod, 4.3.1 and 5.4.2)
            if "U" not in kept:
                kept.append("U")
        else:
            for _, at, opt in owner.values():
                spec.notes.append(("PG701", low.warn(
                    "PG701", svc, at,
                    f"service {svc.name!r}: tmpfs option {opt!r} of {target} was not converted: Podman refuses "
                    "uid=/gid= for a tmpfs; the tmpfs belongs to the container's root (rootless: your own "
                    "user on the host), mode 1777 unless mode= says otherwise; to give it to the service's user, "
                    "set 'user: UID:GID' on the service and both uid= and gid= of that user (podgen then uses "
                    "Podman's U option)")))
    return target + (":" + ",".join(kept) if kept else "")


def _offset_span(span, offset: int):
    """The place ``offset`` characters into the scalar at ``span`` (past its opening quote), when it is on one line."""
    if not span or not span.line or not span.col:
        return span
    import linecache
    line = linecache.getline(span.file, span.line)
    quote = 1 if line[span.col - 1:span.col] in ("'", '"') else 0
    return type(span)(span.file, span.line, span.col + quote + offset)


def secrets(low, svc, spec, add):
    p = low.project
    for ref in svc.secrets:
        res = p.secrets[ref.source]
        name = res.name
        check_name("secret", name, res.keys.get("name") or ref.span)
        if res.file:
            spec.secrets.append((name, res.file))
        elif res.environment:
            value = p.environment.get(res.environment)
            spec.notes.append(("PG701", low.warn(
                "PG701", svc, ref.span,
                f"service {svc.name!r}: secret {ref.source!r} comes from the environment variable "
                f"{res.environment}; create it once with: printf %s \"${res.environment}\" | "
                f"podman secret create {name} -"
                + ("" if value is not None else f" ({res.environment} is not set here)"))))
        elif res.content is not None:
            low.unsupported(svc, "secrets", "inline secret content is not converted", spec)
        parts = [name, "type=mount"]
        if ref.target:
            parts.append(f"target={ref.target}")
        if ref.uid is not None:
            parts.append(f"uid={ref.uid}")
        if ref.gid is not None:
            parts.append(f"gid={ref.gid}")
        if ref.mode is not None:
            parts.append(f"mode={ref.mode:o}" if isinstance(ref.mode, int) else f"mode={ref.mode}")
        add(Opt("--secret", ",".join(parts), "Secret", "args", since=(4, 5), source="secrets",
                span=ref.span))


def configs(low, svc, spec, add):
    p = low.project
    for ref in svc.configs:
        res = p.configs[ref.source]
        if res.file:
            target = ref.target or f"/{ref.source}"
            add(Opt("--volume", f"{res.file}:{target}:ro", "Volume", "line", source="configs", span=ref.span))
            if ref.uid or ref.gid or ref.mode is not None:
                spec.notes.append(("PG701", low.warn(
                    "PG701", svc, ref.span, f"service {svc.name!r}: config {ref.source!r} uid/gid/mode "
                    "cannot be applied to a bind mount and were not converted", severity=Severity.INFO)))
        else:
            low.unsupported(svc, "configs", f"config {ref.source!r} is not a file; only file configs "
                             "are converted", spec)


def volumes_from(low, svc, spec, add):
    for vf in svc.raw.get("volumes_from") or ():
        ref, _, mode = str(vf).partition(":")
        if ref == "container":
            value = str(vf)[len("container:"):]
        else:
            o = low.project.services[ref]
            value = (o.container_name or f"{low.project.name}-{ref}-1") + (f":{mode}" if mode else "")
            if not any(r.service == ref for r in spec.requires):
                spec.requires.append(Requirement(ref))
        add(Opt("--volumes-from", value, source="volumes_from"))


def storage_opt(low, svc, spec, add):
    for k, v in (svc.raw.get("storage_opt") or {}).items():
        add(Opt("--storage-opt", f"{k}={v}", source="storage_opt"))


def _mount(low, svc, spec, add, m: Mount):
    p = low.project
    if m.unknown_options:
        for opt in m.unknown_options:
            if opt in ("U", "O", "copy", "nocopy", "exec", "noexec", "suid", "nosuid", "dev", "nodev",
                       "idmap", "chown"):
                continue
            spec.notes.append(("PG701", low.warn(
                "PG701", svc, m.span,
                f"service {svc.name!r}: volume option {opt!r} on {m.target} is not known to compose or "
                "podman and was dropped")))
    opts = []
    if m.read_only:
        opts.append("ro")
    if m.selinux:
        opts.append(m.selinux)
    if m.propagation:
        opts.append(m.propagation)
    if m.nocopy:
        opts.append("nocopy")
    opts.extend(o for o in m.unknown_options if o in ("U", "O", "copy", "exec", "noexec", "suid",
                                                      "nosuid", "dev", "nodev", "idmap", "chown"))
    suffix = ":" + ",".join(opts) if opts else ""
    for k in m.extra:
        if not k.startswith("x-") and k not in ("consistency",):
            low.unsupported(svc, f"volumes[].{k}", "podman -v has no such option", spec)
    if m.type == "bind":
        if not m.source:
            raise LoweringError(f"service {svc.name!r}: bind mount of {m.target} has no source", m.span,
                                "add 'source: ./path'")
        source = m.source
        if low.target.rootless and _USER_PODMAN_SOCKET.fullmatch(source):
            # the user's Podman socket (what `podgen fix` writes for PG601, once interpolated):
            # %t in units, for whichever user runs them
            source = RUNTIME_DIR + "/podman/podman.sock"
        in_runtime_dir = runtime_dir_path(source) is not None
        # a missing *.sock is a socket not created yet: mkdir would put a directory in its place
        if m.create_host_path and not in_runtime_dir and not source.endswith(".sock"):
            spec.host_dirs.append(source)
        add(Opt("--volume", f"{source}:{m.target}{suffix}", "Volume", "line", source="volumes",
                span=m.span, runtime_dir=in_runtime_dir))
    elif m.type == "volume":
        if m.subpath:
            low.unsupported(svc, "volumes[].volume.subpath", "not converted by podgen yet", spec)
        if not m.source:
            add(Opt("--volume", f"{m.target}{suffix}", "Volume", "line", source="volumes", span=m.span))
            return
        vol = p.volumes[m.source]
        q = vol.name if vol.external else f"{vol.name}.volume"
        add(Opt("--volume", f"{vol.name}:{m.target}{suffix}", "Volume", "line",
                qvalue=f"{q}:{m.target}{suffix}", source="volumes", span=m.span))
    elif m.type == "tmpfs":
        topts = []
        if m.tmpfs_size is not None:
            topts.append(f"size={m.tmpfs_size}")
        if m.tmpfs_mode is not None:
            mode = m.tmpfs_mode
            topts.append(f"mode={mode:o}" if isinstance(mode, int) else f"mode={mode}")
        if m.read_only:
            topts.append("ro")
        value = m.target + (":" + ",".join(topts) if topts else "")
        add(Opt("--tmpfs", value, "Tmpfs", "line", since=(4, 5), source="volumes", span=m.span))
    elif m.type == "image":
        add(Opt("--mount", f"type=image,source={m.source},destination={m.target}", "Mount", "args",
                since=(4, 5), source="volumes", span=m.span))
    else:
        low.unsupported(svc, "volumes", f"mount type {m.type!r} does not exist on Linux/Podman", spec)
