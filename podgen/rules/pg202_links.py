"""`links` with an alias: Podman has no links, so the alias does not resolve.

## Why
`podman run` has no `--link` (`Error: unknown flag: --link`).  On a network
with DNS every service already resolves by its name, so a plain link
(`links: [db]`) only orders start-up, and podgen keeps that order
(`Wants=`/`After=` in units, start order in scripts).  A link alias
(`links: ["db:database"]`) is another name for the target, which nothing
registers under Podman: lookups of `database` fail with `NXDOMAIN`.  A link
between services that share no network with DNS cannot work at all.

## Example
```yaml
services:
  web:
    image: app
    links: ["db:database"]     # PG202: 'database' must become an alias of db
  db:
    image: postgres
```

## Fix
`podgen convert` and `podgen fix` give the target the link alias as a network
alias on the first network the two services share (`aliases:` under the
target's `networks:`).  Unlike a link, a network alias is visible to every
service on that network.  Services that share no network need one first.
"""
from __future__ import annotations

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.rules._base import Rule
from podgen.rules.pg104_ports_ignored import netns_owner


def _netns(project, svc):
    """The service whose networks *svc* uses: itself, or the owner of the namespace it joins."""
    owner = netns_owner(project, svc) if (svc.network_mode or "").startswith("service:") else None
    return project.services[owner] if owner else svc


def _shared(project, svc, target) -> list:
    """Networks both are on; Podman's default network has no DNS, so an alias there is useless (PG201)."""
    return [n for n in svc.networks if n in target.networks
            and getattr(project.networks.get(n), "name", None) != "podman"]


def _podman_nets(project, svc) -> set:
    """The ways *svc* is on Podman's default network: network_mode bridge, or a network named podman."""
    found = {n for n in svc.networks if getattr(project.networks.get(n), "name", None) == "podman"}
    if svc.network_mode == "bridge":
        found.add("podman")
    return found


def _resolves(target, alias: str, nets) -> bool:
    return alias in (target.name, target.container_name) or any(
        alias in target.networks[n].aliases for n in nets)


def check(project, ctx):
    for svc in project.services.values():
        for i, (name, alias) in enumerate(svc.links):
            if name not in project.services:
                continue
            target = _netns(project, project.services[name])
            span = svc.span_of("links", i)
            shared = _shared(project, _netns(project, svc), target)
            if not shared:
                # on Podman's default network only, PG201 moves both to the project network, and
                # convert then adds the alias there (podgen fix does it on its next run)
                # PG201 may bring them together on the project network; the fix checks again then
                on_podman = bool(_podman_nets(project, _netns(project, svc)) or _podman_nets(project, target))
                yield ctx.diagnostic(
                    span, f"service {svc.name!r} links to {name!r}, but they share no network with DNS: Podman "
                    "has no links, so they cannot reach each other by name", service=svc.name,
                    notes=(f"PG201 moves the one on Podman's default network to the project network" if on_podman
                           else f"put {svc.name!r} and {name!r} on a common network",),
                    fix=Fix(f"add the alias {alias!r} once both are on the project network",
                            apply=_adder(svc.name, name, alias)) if on_podman and alias != name else None)
                continue
            if _resolves(target, alias, shared):
                continue
            net = shared[0]
            yield ctx.diagnostic(
                span, f"service {svc.name!r} links to {name!r} as {alias!r}: Podman has no links, so "
                f"{alias!r} does not resolve", service=svc.name,
                notes=(f"{alias!r} becomes a network alias of {target.name!r} on network {net!r} (visible to "
                       "every service on it)",),
                fix=Fix(f"add the alias {alias!r} to {target.name!r} on network {net!r}",
                        apply=_adder(svc.name, name, alias),
                        source_edits=(SourceEdit(target.span, "key:add_network_alias", alias, key=net),)))


def _adder(linker: str, name: str, alias: str):
    def apply(p):
        if linker not in p.services or name not in p.services:
            return []
        target = _netns(p, p.services[name])
        shared = _shared(p, _netns(p, p.services[linker]), target)
        if not shared or _resolves(target, alias, shared):
            return []
        att = target.networks[shared[0]]
        att.aliases.append(alias)
        return [Change(target.name, "networks", f"{shared[0]} without alias {alias}", f"alias={alias}", "PG202",
                       f"{linker} links to it as {alias}; Podman has no links")]
    return apply


RULE = Rule(code="PG202", name="links", severity=Severity.WARNING,
            summary="links: Podman has no --link; a link alias becomes a network alias of the target",
            doc=__doc__, check=check, fix="sometimes")
