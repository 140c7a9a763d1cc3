"""`network_mode: service:X` / `container:X`: one network namespace for two containers.

## Why
The service joins X's network namespace: it has X's addresses, X's ports and
X's localhost, X's `/etc/resolv.conf` and DNS names, and no network settings
of its own.  podgen writes `Network=X.container` (Quadlet 5.3 and newer;
Quadlet adds `Requires=`/`After=` on X) or `Network=container:NAME` plus
`Requires=`/`After=` on X's unit (older Quadlet, and scripts).  If X's
container is recreated on its own (a crash and `Restart=`), the joined
namespace is gone: restart this service too (an explicit `systemctl --user
restart X` does that through `Requires=`).

Settings of the joining service that Podman refuses (verified, 4.3 and 5.4):

- `extra_hosts`: `cannot set extra host entries when the container is joined
  to another containers network namespace`;
- `mac_address`: `--mac-address can only be set when the network mode is
  bridge`;
- `networks` (and their aliases and addresses): `--network-alias can only be
  set when the network mode is bridge` (Docker Compose rejects `networks`
  next to `network_mode` too); podgen ignores them.

`hostname` is accepted by Podman (unlike Docker), but it only names the
container to itself: the DNS names are X's (info).  `dns*` is PG203 and
`ports` is PG104.

Why not a pod: a Quadlet `.pod` (Podman 5.0) would also share one
namespace, but only the pod's name resolves on its networks (the members'
names do not), members cannot set `hostname` (`cannot set hostname when
joining the pod UTS namespace`), ports, networks and aliases must move to the
pod (`NetworkAlias=` needs 5.2, `DNS=`/`AddHost=` 5.3), and Quadlet forces
`Restart=on-failure` on the pod.  `Network=X.container` keeps each service's
own unit, name, hostname and restart policy and works from Quadlet 4.4 on.

## Example
```yaml
services:
  vpn:
    image: gluetun
  torrent:
    image: qbittorrent
    network_mode: "service:vpn"     # PG403 (info)
    extra_hosts:
      - "tracker.lan:192.168.1.5"   # PG403: moved to vpn
```

## Fix
`podgen convert` and `podgen fix` move `extra_hosts` to X (the joining
container sees X's hosts entries) and the aliases of `networks` to X's
attachment to the same network, and remove `mac_address` and `networks`
from the joining service.  For `container:NAME` (outside the project) they
are only removed: set them on NAME.
"""
from __future__ import annotations

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.rules._base import Rule


def owner_of(project, svc):
    """The service whose namespace *svc* ends up in (following service: chains), or None."""
    seen = {svc.name}
    current = svc
    while current.network_mode and current.network_mode.startswith("service:"):
        name = current.network_mode[len("service:"):]
        if name in seen or name not in project.services:
            return None
        seen.add(name)
        current = project.services[name]
    return None if current is svc else current


def check(project, ctx):
    for svc in project.services.values():
        mode = svc.network_mode or ""
        if not mode.startswith(("service:", "container:")):
            continue
        owner = owner_of(project, svc) if mode.startswith("service:") else None
        yield _explain(project, ctx, svc, mode, owner)
        for i, (host, ip) in enumerate(svc.extra_hosts):
            yield _extra_host(ctx, svc, mode, owner, i, host, ip)
        if svc.raw.get("mac_address"):
            yield _remove(ctx, svc, "mac_address", svc.span_of("mac_address"),
                          f"service {svc.name!r} sets mac_address but joins another network namespace "
                          f"({mode}): Podman refuses it ('--mac-address can only be set when the network mode "
                          "is bridge')")
        if "networks" in svc.keys:
            yield _networks(ctx, svc, mode, owner)
        if svc.hostname:
            yield ctx.diagnostic(
                svc.span_of("hostname"),
                f"service {svc.name!r} sets hostname {svc.hostname!r} but shares the network namespace of "
                f"{_whose(mode, owner)}: the name is only known to the container itself; other services reach it "
                f"through the names of {_whose(mode, owner)}", service=svc.name, severity=Severity.INFO,
                notes=("Podman accepts it (Docker refuses hostname with network_mode service:/container:)",))


def _whose(mode: str, owner) -> str:
    if owner is not None:
        return repr(owner.name)
    return f"container {mode.split(':', 1)[1]!r}"


def _explain(project, ctx, svc, mode, owner):
    if mode.startswith("container:"):
        name = mode[len("container:"):]
        return ctx.diagnostic(
            svc.span_of("network_mode"),
            f"service {svc.name!r} joins the network namespace of container {name!r}, which is not part of "
            f"this project: written as Network=container:{name}; {name!r} must be running before it starts "
            "(podgen cannot order the units)", service=svc.name, severity=Severity.INFO,
            notes=("it shares that container's addresses, ports and localhost, and has no DNS name of its own",))
    direct = mode[len("service:"):]
    target = project.services.get(direct)
    cname = (target.container_name or f"{project.name}-{direct}-1") if target else direct
    unit = f"{project.name}-{direct}"
    if ctx.target.at_least(5, 3):
        how = f"Network={unit}.container in its unit (Quadlet adds Requires=/After= on {unit}.service)"
    else:
        how = (f"Network=container:{cname} with Requires=/After= on {unit}.service in its unit "
               f"(Network={unit}.container needs Quadlet 5.3; target is {ctx.target.version})")
    how += f", --network=container:{cname} in scripts"
    via = f" (through {direct!r})" if owner is not None and owner.name != direct else ""
    whose = owner.name if owner is not None else direct
    return ctx.diagnostic(
        svc.span_of("network_mode"),
        f"service {svc.name!r} joins the network namespace of {whose!r}{via}: it shares its addresses, ports "
        f"and localhost and is reached through the names of {whose!r}; written as {how}",
        service=svc.name, severity=Severity.INFO,
        notes=(f"if the container of {direct!r} is recreated on its own, restart {svc.name!r} too: a restart "
               f"of {unit}.service does that (Requires=)",))


def _extra_host(ctx, svc, mode, owner, index, host, ip):
    span = svc.span_of("extra_hosts", index)
    refused = ("Podman refuses it ('cannot set extra host entries when the container is joined to another "
               "containers network namespace')")

    def apply(p, service=svc.name, entry=(host, ip), owner=owner.name if owner is not None else None):
        s = p.services.get(service)
        if s is None or entry not in s.extra_hosts:
            return []
        s.extra_hosts = [e for e in s.extra_hosts if e != entry]
        if not s.extra_hosts:
            s.keys.pop("extra_hosts", None)
        changes = [Change(service, "extra_hosts", f"{entry[0]}:{entry[1]}", "(removed)", "PG403",
                          f"moved to {owner}" if owner else "not possible in a joined network namespace")]
        dest = p.services.get(owner) if owner else None
        if dest is not None:
            if entry not in dest.extra_hosts:
                dest.extra_hosts.append(entry)
                dest.keys.setdefault("extra_hosts", span)
            changes.append(Change(owner, "extra_hosts", "(none)", f"{entry[0]}:{entry[1]}", "PG403",
                                  f"moved from {service}, which shares this network namespace"))
        return changes

    if owner is not None:
        edits = (SourceEdit(span, "move_item", owner.span, key="extra_hosts"),) \
            if owner.span.file == span.file and span.line else ()
        return ctx.diagnostic(
            span, f"service {svc.name!r} adds the host entry {host}:{ip} but joins the network namespace of "
            f"{owner.name!r}: {refused}", service=svc.name,
            notes=(f"moved to {owner.name!r}: the joining container sees its hosts entries",),
            fix=Fix(f"move {host}:{ip} to {owner.name!r}", apply=apply, source_edits=edits))
    edits = (SourceEdit(span, "drop_item"),) if span.line else ()
    return ctx.diagnostic(
        span, f"service {svc.name!r} adds the host entry {host}:{ip} but uses network_mode: {mode}: {refused}",
        service=svc.name, notes=(f"set it on {mode.split(':', 1)[1]!r} instead",),
        fix=Fix(f"remove {host}:{ip}", apply=apply, source_edits=edits))


def _remove(ctx, svc, key, span, message):
    def apply(p, service=svc.name, key=key):
        s = p.services.get(service)
        if s is None or key not in s.keys:
            return []
        s.keys.pop(key)
        old = s.raw.pop(key, None)
        return [Change(service, key, str(old), "(removed)", "PG403",
                       "not possible in a joined network namespace")]

    edits = (SourceEdit(svc.span, "key:remove_key", key=key),) if svc.span.line else ()
    return ctx.diagnostic(span, message, service=svc.name, fix=Fix(f"remove {key}", apply=apply,
                                                                       source_edits=edits))


def _networks(ctx, svc, mode, owner):
    moves = []          # (network, alias) given to the owner
    if owner is not None:
        for key, att in svc.networks.items():
            if key in owner.networks:
                moves.extend((key, a) for a in att.aliases if a != owner.name and a not in owner.networks[key].aliases)

    def apply(p, service=svc.name, owner=owner.name if owner is not None else None, moves=tuple(moves)):
        s = p.services.get(service)
        if s is None or "networks" not in s.keys:
            return []
        old = ", ".join(s.networks)
        s.keys.pop("networks")
        s.raw.pop("networks", None)
        s.networks = {}
        changes = [Change(service, "networks", old, "(removed)", "PG403",
                          f"it uses {owner}'s networks" if owner else "it joins another network namespace")]
        dest = p.services.get(owner) if owner else None
        for net, alias in moves:
            att = dest.networks.get(net) if dest is not None else None
            if att is not None and alias not in att.aliases:
                att.aliases.append(alias)
                changes.append(Change(owner, "networks", f"{net}", f"{net} (alias {alias})", "PG403",
                                      f"alias of {service}, which shares this network namespace"))
        return changes

    edits = []
    if svc.span.line:
        edits.append(SourceEdit(svc.span, "key:remove_key", key="networks"))
        if owner is not None and owner.span.file == svc.span.file:
            edits.extend(SourceEdit(owner.span, "key:add_network_alias", alias, key=net) for net, alias in moves)
    moved = f"; its aliases {', '.join(a for _, a in moves)} go to {owner.name!r}" if moves else ""
    return ctx.diagnostic(
        svc.keys.get("networks") or svc.span,
        f"service {svc.name!r} sets networks but uses network_mode: {mode}: Podman refuses network settings for "
        "a container that joins another network namespace ('--network-alias can only be set when the network "
        f"mode is bridge'), and Docker Compose refuses the combination{moved}", service=svc.name,
        fix=Fix("remove networks" + (f" (aliases to {owner.name!r})" if moves else ""), apply=apply,
                source_edits=tuple(edits)))


RULE = Rule(code="PG403", name="shared-netns", severity=Severity.ERROR,
            summary="network_mode service:X or container:X shares X's namespace; the joining service's "
                    "extra_hosts, mac_address and networks are refused: moved to X or removed",
            doc=__doc__, check=check, fix="always")
