"""`ports` on a service that does not have its own network namespace are ignored.

## Why
A published port forwards to the container's network namespace.  With
`network_mode: host`, `none`, `service:X` or `container:X` the container has no
namespace of its own to forward to, and Podman drops the ports with only a
warning on the terminal, which nobody sees under systemd:
`Port mappings have been discarded as one of the Host, Container, Pod, and None
network modes are in use`.  The service then looks published but is not:

- `service:X` / `container:X`: the ports must be published by X, whose
  namespace the service joins (Docker Compose rejects this combination too);
- `host`: the application listens on the host directly, on its container port;
  rootless Podman cannot bind ports below 1024 there;
- `none`: there is no network to publish on.

## Example
```yaml
services:
  vpn:
    image: vpn
  app:
    image: app
    network_mode: "service:vpn"
    ports: ["8080:80"]         # PG104: publish it on vpn instead
```

## Fix
`podgen convert` and `podgen fix` move the ports of a `service:X` service to X
(the service that owns the namespace, following chains) and drop the ports of
`host`, `none` and `container:` services, saying so.
"""
from __future__ import annotations

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.rules._base import Rule

DISCARDED = ("Port mappings have been discarded as one of the Host, Container, Pod, and None "
             "network modes are in use")


def shared_netns(svc) -> str | None:
    """The network_mode that makes *svc* use a namespace not its own, or None."""
    mode = svc.network_mode
    if mode and (mode in ("host", "none") or mode.startswith(("service:", "container:"))):
        return mode
    return None


def netns_owner(project, svc) -> str | None:
    """For ``service:X`` (followed through chains): the service owning the namespace, or None."""
    seen = {svc.name}
    current = svc
    while current.network_mode and current.network_mode.startswith("service:"):
        name = current.network_mode[len("service:"):]
        if name in seen or name not in project.services:
            return None
        seen.add(name)
        current = project.services[name]
    if current is svc or shared_netns(current) is not None:
        return None
    return current.name


def check(project, ctx):
    for svc in project.services.values():
        mode = shared_netns(svc)
        if mode is None or not svc.ports:
            continue
        owner = netns_owner(project, svc) if mode.startswith("service:") else None
        done = set()
        for port in svc.ports:
            if port.span in done:
                continue           # one short-syntax range expanded into several ports
            done.add(port.span)
            if owner is not None:
                yield _move(project, ctx, svc, port, mode, owner)
            else:
                yield _drop(ctx, svc, port, mode)


def _why(mode: str) -> str:
    if mode == "host":
        return "it uses the host's network directly, so the application listens on host ports itself"
    if mode == "none":
        return "it has no network at all"
    if mode.startswith("container:"):
        return (f"it joins the network namespace of container {mode[len('container:'):]!r}; "
                "publish the port on that container instead")
    return f"it joins {mode[len('service:'):]!r}'s network namespace, which cannot publish ports either"


def _drop(ctx, svc, port, mode):
    def apply(p, service=svc.name, span=port.span, mode=mode):
        s = p.services[service]
        gone = [x for x in s.ports if x.span == span]
        s.ports = [x for x in s.ports if x.span != span]
        return [Change(service, "ports", x.spec(), "(removed)", "PG104",
                       f"ignored with network_mode: {mode}") for x in gone]

    notes = [f"Podman ignores it with the warning '{DISCARDED}'"]
    if mode == "host":
        notes.append(f"the application listens on the host's port {port.target} itself; rootless Podman "
                     "cannot bind ports below the unprivileged port start (1024) there")
    return ctx.diagnostic(
        port.span, f"service {svc.name!r} publishes {port.spec()} but uses network_mode: {mode}: the port "
        f"is ignored ({_why(mode)})", service=svc.name, notes=notes,
        fix=Fix("remove the port", apply=apply, source_edits=(SourceEdit(port.span, "drop_item"),)))


def _move(project, ctx, svc, port, mode, owner):
    def apply(p, service=svc.name, span=port.span, owner=owner):
        s = p.services[service]
        moving = [x for x in s.ports if x.span == span]
        if not moving or owner not in p.services:
            return []
        s.ports = [x for x in s.ports if x.span != span]
        dest = p.services[owner]
        changes = []
        for x in moving:
            if not any(d.spec() == x.spec() for d in dest.ports):
                dest.ports.append(x)
            changes.append(Change(service, "ports", x.spec(), "(removed)", "PG104",
                                  f"moved to {owner}, whose network namespace {service} shares"))
            changes.append(Change(owner, "ports", "(none)", x.spec(), "PG104",
                                  f"moved from {service}, which shares this network namespace"))
        return changes

    owner_svc = project.services[owner]
    edits = ()
    if owner_svc.span.file == port.span.file:
        edits = (SourceEdit(port.span, "move_item", owner_svc.span, key="ports"),)
    via = "" if mode == f"service:{owner}" else f" (through {mode})"
    return ctx.diagnostic(
        port.span, f"service {svc.name!r} publishes {port.spec()} but shares {owner!r}'s network "
        f"namespace{via}: the port is ignored; {owner!r} must publish it", service=svc.name,
        notes=(f"Podman ignores it with the warning '{DISCARDED}'",
               f"moved to {owner!r}; {svc.name!r} is reachable on it through {owner!r}"),
        fix=Fix(f"publish the port on {owner!r}", apply=apply, source_edits=edits))


RULE = Rule(code="PG104", name="ports-ignored", severity=Severity.WARNING,
            summary="ports on a service with network_mode host/none/service:/container: are ignored: "
                    "moved to the namespace owner or removed",
            doc=__doc__, check=check, fix="always")
