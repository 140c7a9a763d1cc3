"""A service is on Podman's default network, which has no DNS.

## Why
Podman's default network `podman` does not run aardvark-dns ("it does not
support dns resolution because of backwards compatibility with Docker"):
containers on it cannot resolve each other's names, and lookups fail with
`NXDOMAIN` / `bad address`.  Only networks created with `podman network create`
(every project network podgen generates) resolve container names and aliases.
Compose files reach the default network in three ways:

- `network_mode: bridge` (or `default`), which Podman maps to `podman`;
- a service joining a network declared with `name: podman` (usually
  `external: true`), meant as "the normal network";
- the project's `default` network declared as that network.

A service there cannot reach the other services by name, nor they it.  The
rule only fires when the project has other services to talk to.

## Example
```yaml
services:
  web:
    image: nginx
    network_mode: bridge       # PG201
  db:
    image: postgres
```

## Fix
`podgen convert` and `podgen fix` put the service on the project's default
network `<project>_default` (created if the project has none), which has DNS:
`network_mode: bridge` is removed, a `podman` network reference becomes
`default`, and a `default` network declared as `podman` becomes the project's
own.
"""
from __future__ import annotations

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.model import Network, NetworkAttachment
from podgen.rules._base import Rule

PODMAN_DEFAULT = "podman"
DEFAULT = "default"


def ensure_default_network(project) -> Network:
    """The project's ``default`` network, created (``<project>_default``) or made a project network."""
    net = project.networks.get(DEFAULT)
    if net is None:
        net = Network(key=DEFAULT, name=f"{project.name}_default", implicit=True)
        project.networks[DEFAULT] = net
    elif net.name == PODMAN_DEFAULT:
        net.name = f"{project.name}_default"
        net.external = False
    return net


def _attach_default(project, svc, old: NetworkAttachment | None = None):
    ensure_default_network(project)
    att = svc.networks.get(DEFAULT)
    if att is None:
        att = NetworkAttachment(name=DEFAULT, span=old.span if old else svc.span)
        svc.networks[DEFAULT] = att
    if old is not None:
        att.aliases.extend(a for a in old.aliases if a not in att.aliases)


def check(project, ctx):
    if len(project.services) < 2:
        return                           # nobody else to find by name
    default = project.networks.get(DEFAULT)
    if default is not None and default.name == PODMAN_DEFAULT:
        yield _default_is_podman(project, ctx, default)
    for svc in project.services.values():
        if svc.network_mode in ("bridge", "default"):
            yield _bridge_mode(ctx, svc)
            continue
        for key, att in svc.networks.items():
            net = project.networks.get(key)
            if key != DEFAULT and net is not None and net.name == PODMAN_DEFAULT:
                yield _podman_network(ctx, svc, key, att)


def _bridge_mode(ctx, svc):
    span = svc.span_of("network_mode")
    mode = svc.network_mode

    def apply(p, service=svc.name):
        s = p.services[service]
        if s.network_mode not in ("bridge", "default"):
            return []
        s.network_mode = None
        s.keys.pop("network_mode", None)
        _attach_default(p, s)
        return [Change(service, "networks", f"network_mode: {mode}", p.networks[DEFAULT].name, "PG201",
                       "Podman's default network has no DNS")]

    return ctx.diagnostic(
        span, f"service {svc.name!r} uses network_mode: {mode}, i.e. Podman's default network "
        f"'{PODMAN_DEFAULT}', which has no DNS: it and the other services cannot find each other by name",
        service=svc.name, notes=("it joins the project's default network instead, which has DNS",),
        fix=Fix("join the project's default network", apply=apply,
                source_edits=(SourceEdit(span, "remove_item"),)))


def _podman_network(ctx, svc, key, att):
    def apply(p, service=svc.name, key=key):
        s = p.services[service]
        old = s.networks.pop(key, None)
        if old is None:
            return []
        _attach_default(p, s, old)
        if not any(key in other.networks for other in p.services.values()):
            p.networks.pop(key, None)
        return [Change(service, "networks", PODMAN_DEFAULT, p.networks[DEFAULT].name, "PG201",
                       "Podman's default network has no DNS")]

    return ctx.diagnostic(
        att.span, f"service {svc.name!r} joins network {key!r}, which is Podman's default network "
        f"'{PODMAN_DEFAULT}' and has no DNS: the services on it cannot find each other by name",
        service=svc.name, notes=("it joins the project's default network instead, which has DNS",),
        fix=Fix("join the project's default network", apply=apply,
                source_edits=(SourceEdit(att.span, "rename_entry", DEFAULT),)))


def _default_is_podman(project, ctx, net):
    def apply(p):
        d = p.networks.get(DEFAULT)
        if d is None or d.name != PODMAN_DEFAULT:
            return []
        ensure_default_network(p)
        users = [n for n, s in p.services.items() if DEFAULT in s.networks]
        return [Change(n, "networks", PODMAN_DEFAULT, d.name, "PG201", "Podman's default network has no DNS")
                for n in users]

    edits = tuple(SourceEdit(net.span, "key:remove_key", key=k) for k in ("name", "external")
                  if k in net.keys)
    return ctx.diagnostic(
        net.span, f"the project's default network is Podman's default network '{PODMAN_DEFAULT}', which "
        "has no DNS: the services cannot find each other by name",
        notes=(f"the project gets its own {project.name}_default network instead, which has DNS",),
        fix=Fix("give the project its own default network", apply=apply, source_edits=edits))


RULE = Rule(code="PG201", name="default-network-no-dns", severity=Severity.WARNING,
            summary="network_mode: bridge or the 'podman' network: no DNS between services; "
                    "moved to the project network",
            doc=__doc__, check=check, fix="always")
