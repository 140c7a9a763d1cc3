"""`network_mode: host`: what changes rootless, and what Podman refuses.

## Why
A host-network container uses the network namespace Podman runs in.  Rootless
that is the user's, so (verified with Podman 4.3 and 5.4):

- the application binds its ports as the user: below
  `net.ipv4.ip_unprivileged_port_start` (1024) it fails with `bind:
  Permission denied` (error when the service's `ports` or `expose` name such
  a port);
- it has no DNS name: other services cannot resolve it by its service name;
  they must use `host.containers.internal` (warning when another service
  links to it or names it in its environment or command, info otherwise);
- `ports:` are ignored (PG104).

Whether rootless or not, Podman refuses:

- `net.*` sysctls: `Error: sysctl net.ipv4.ping_group_range=0 1 can't be set
  since Network Namespace set to host: invalid argument`;
- `networks:` next to it (Docker Compose calls them mutually exclusive,
  Podman says `cannot set multiple networks without bridge network mode,
  selected mode host`); podgen ignores them;
- a service-level `mac_address`: `--mac-address can only be set when the
  network mode is bridge`.

## Example
```yaml
services:
  web:
    image: nginx
    network_mode: host        # PG402: nginx listens on 80
    expose: ["80"]
    sysctls:
      net.core.somaxconn: 1024   # PG402: refused with the host network
```

## Fix
Let the application listen on a port from 1024 up, or, as root, lower the
limit: `sysctl -w net.ipv4.ip_unprivileged_port_start=80`.  Or drop
`network_mode: host` and publish the ports (`ports: ["8080:80"]`): the
service then gets a DNS name on the project network.  `podgen convert` and
`podgen fix` remove the `net.*` sysctls, `networks` and `mac_address` of a
host-network service (set the sysctls on the host instead).
"""
from __future__ import annotations

import re

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.rules._base import Rule


def _low_ports(svc, start: int) -> list:
    found = []
    for p in svc.ports:
        if p.target < start and p.target not in found:
            found.append(p.target)
    for e in svc.expose:
        m = re.match(r"^(\d+)", str(e))
        if m and int(m.group(1)) < start and int(m.group(1)) not in found:
            found.append(int(m.group(1)))
    return found


_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def name_references(project) -> dict:
    """word -> services whose environment values, command or entrypoint contain it (links too)."""
    refs: dict = {}
    for svc in project.services.values():
        texts = [v for v in svc.environment.values() if v] + list(svc.command or ()) + list(svc.entrypoint or ())
        words = {w.rstrip(".") for t in texts for w in _WORD.findall(str(t))}
        words.update(target for target, _alias in svc.links)
        for w in words:
            refs.setdefault(w, set()).add(svc.name)
    return refs


def check(project, ctx):
    refs = None
    for svc in project.services.values():
        if svc.network_mode != "host":
            continue
        span = svc.span_of("network_mode")
        if ctx.target.rootless:
            if refs is None:
                refs = name_references(project)
            others = sorted(refs.get(svc.name, set()) - {svc.name})
            yield _main(ctx, svc, span, others)
        for name in svc.sysctls:
            if name.startswith("net."):
                yield _sysctl(ctx, svc, name)
        if "networks" in svc.keys:
            yield _drop_key(ctx, svc, "networks",
                            f"service {svc.name!r} sets networks next to network_mode: host: Podman refuses "
                            "that ('cannot set multiple networks without bridge network mode, selected mode "
                            "host'); the networks are ignored")
        if svc.raw.get("mac_address"):
            yield _drop_key(ctx, svc, "mac_address",
                            f"service {svc.name!r} sets mac_address with network_mode: host: Podman refuses "
                            "it ('--mac-address can only be set when the network mode is bridge')")


def _main(ctx, svc, span, others):
    start = ctx.target.unprivileged_port_start
    low = _low_ports(svc, start)
    message = f"service {svc.name!r} uses the host's network: rootless, it binds its ports as your user"
    notes = []
    severity = Severity.INFO
    if low:
        message += (f", so it cannot listen on {', '.join(map(str, low))} (below {start}: "
                    "'bind: Permission denied')")
        notes.append(f"make it listen on a port from {start} up, or as root: sysctl -w "
                     f"net.ipv4.ip_unprivileged_port_start={min(low)}; or drop network_mode: host and "
                     "publish the port")
        severity = Severity.ERROR
    message += "; it has no DNS name on the project network"
    if others:
        message += f" ({', '.join(others)} refer{'s' if len(others) == 1 else ''} to it by name)"
        severity = max(severity, Severity.WARNING)
    notes.append(f"other containers reach it as host.containers.internal:PORT, not as {svc.name!r} (when it "
                 "listens on an address other than 127.0.0.1)")
    return ctx.diagnostic(span, message, service=svc.name, severity=severity, notes=tuple(notes))


def _sysctl(ctx, svc, name):
    value = svc.sysctls.get(name)

    def apply(p, service=svc.name, name=name):
        s = p.services.get(service)
        if s is None or name not in s.sysctls:
            return []
        old = s.sysctls.pop(name)
        if not s.sysctls:
            s.keys.pop("sysctls", None)
        return [Change(service, "sysctls", f"{name}={old}", "(removed)", "PG402",
                       "Podman refuses net.* sysctls with network_mode: host")]

    edits = (SourceEdit(svc.span, "drop_kv", key=f"sysctls/{name}"),) if svc.span.line else ()
    return ctx.diagnostic(
        svc.span_of("sysctls", name),
        f"service {svc.name!r} sets the sysctl {name} with network_mode: host: Podman refuses to start it "
        f"('sysctl {name}={value} can't be set since Network Namespace set to host')", service=svc.name,
        severity=Severity.ERROR,
        notes=("it would change the host's own setting: set it on the host (as root) if it is needed",),
        fix=Fix(f"remove the sysctl {name}", apply=apply, source_edits=edits))


def _drop_key(ctx, svc, key: str, message: str):
    def apply(p, service=svc.name, key=key):
        s = p.services.get(service)
        if s is None or key not in s.keys:
            return []
        s.keys.pop(key)
        old = s.raw.pop(key, None)
        if key == "networks":
            old = ", ".join(s.networks)
            s.networks = {}
        return [Change(service, key, str(old), "(removed)", "PG402",
                       "not possible with network_mode: host")]

    edits = (SourceEdit(svc.span, "key:remove_key", key=key),) if svc.span.line else ()
    return ctx.diagnostic(svc.keys.get(key) or svc.span, message, service=svc.name, severity=Severity.ERROR,
                          fix=Fix(f"remove {key}", apply=apply, source_edits=edits))


RULE = Rule(code="PG402", name="host-network", severity=Severity.WARNING,
            summary="network_mode: host: rootless no ports below 1024 and no DNS name; net.* sysctls, "
                    "networks and mac_address refused",
            doc=__doc__, check=check, fix="sometimes")
