"""A static container address that is not in its network's subnet.

## Why
Podman gives a container a static address only from a subnet of the network
it joins.  Otherwise the container is created but does not start:
`Error: requested static ip 172.20.0.5 not in any subnet on network app_lan`
(Podman 4.3 and 5.4 alike).  Two compose files get there:

- the address is outside every `ipam` subnet of the network (a typo, or
  the subnet was changed and the address was not);
- the network declares no subnet at all.  Podman then picks the first free
  /24 from 10.89.0.0 upwards (10.89.1.0/24, ...) for IPv4, or a random
  fd00::/8 /64 for IPv6, so the address is almost never in it.  (Docker
  refuses static addresses on such networks outright.)

## Example
```yaml
services:
  db:
    image: postgres
    networks:
      backend:
        ipv4_address: 172.20.0.5        # PG304: backend has no subnet
networks:
  backend: {}
```

An `ipv4_address` or `ipv6_address` that is not an address of that family
(`10.5.0.300`, an IPv6 address under `ipv4_address`) is reported too: the
container could not be created at all.

## Fix
When the network declares no subnet of that address family, `podgen convert`
and `podgen fix` add one that holds every static address of the network:
the /24 (IPv4) or /64 (IPv6) around them, widened when they are further
apart (down to /16 and /48).  Nothing is added when that subnet would overlap
another network of the project, or an address would be the subnet's first
address (Podman's gateway); the subnet may still collide with a network that
exists on the host outside this project (`subnet ... is already used on the
host or by another config`): pick another one then.  An address outside a
declared subnet is not changed: correct the address or the subnet.
"""
from __future__ import annotations

import ipaddress

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.rules._base import Rule

FIELDS = (("ipv4_address", 4), ("ipv6_address", 6))
# the narrowest and the widest subnet podgen derives, per address family
PREFIXES = {4: (24, 16), 6: (64, 48)}


def parse_ip(text):
    try:
        return ipaddress.ip_address(str(text).strip())
    except ValueError:
        return None


def parse_subnet(text):
    try:
        return ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        return None


def declared_subnets(net) -> list:
    out = []
    for cfg in net.ipam_config:
        sub = parse_subnet(cfg.get("subnet")) if isinstance(cfg, dict) and cfg.get("subnet") else None
        if sub is not None:
            out.append(sub)
    return out


def static_addresses(project):
    """(service, network key, field, ip text, ipaddress) for every static address podgen emits."""
    for svc in project.services.values():
        if svc.network_mode:
            continue
        for key, att in svc.networks.items():
            for field, family in FIELDS:
                text = getattr(att, field)
                ip = parse_ip(text) if text else None
                if ip is not None and ip.version == family:
                    yield svc, key, att, field, text, ip


def derive_subnet(addresses: list, version: int, taken: list):
    """The smallest subnet (/24../16 or /64../48) holding *addresses*, or None."""
    narrow, wide = PREFIXES[version]
    for prefix in range(narrow, wide - 1, -1):
        net = ipaddress.ip_network(f"{addresses[0]}/{prefix}", strict=False)
        if not all(a in net for a in addresses):
            continue
        first = net.network_address + 1
        if any(a in (net.network_address, first, net.broadcast_address) for a in addresses):
            return None
        if any(net.overlaps(t) for t in taken if t.version == version):
            return None
        return net
    return None


def malformed_addresses(project, ctx):
    """ipv4_address/ipv6_address values that are no address of that family: podman refuses them."""
    for svc in project.services.values():
        for key, att in svc.networks.items():
            for field, family in FIELDS:
                text = getattr(att, field)
                if not text:
                    continue
                ip = parse_ip(text)
                if ip is not None and ip.version == family and str(text).strip() == str(text):
                    continue
                yield ctx.diagnostic(
                    att.value_spans.get(field) or att.span,
                    f"service {svc.name!r}: {field} {text!r} on network {key!r} is not an IPv{family} address; "
                    "the container cannot be created", service=svc.name,
                    notes=(f"write an IPv{family} address in the network's subnet, e.g. "
                           + ("172.20.0.5" if family == 4 else "fd00:20::5"),))


def check(project, ctx):
    yield from malformed_addresses(project, ctx)
    by_network: dict = {}
    for svc, key, att, field, text, ip in static_addresses(project):
        net = project.networks.get(key)
        if net is None or net.external:
            continue
        by_network.setdefault((key, ip.version), []).append((svc, att, field, text, ip))
    all_declared = [s for n in project.networks.values() for s in declared_subnets(n)]
    for (key, version), entries in by_network.items():
        net = project.networks[key]
        same_family = [s for s in declared_subnets(net) if s.version == version]
        if same_family:
            for svc, att, field, text, ip in entries:
                if not any(ip in s for s in same_family):
                    yield ctx.diagnostic(
                        att.value_spans.get(field) or att.span,
                        f"service {svc.name!r}: static address {text} is not in the subnet of network {key!r} "
                        f"({', '.join(map(str, same_family))}); Podman refuses to start it ('requested static ip "
                        f"{text} not in any subnet on network {net.name}')", service=svc.name,
                        notes=("correct the address, or the network's ipam subnet",))
            continue
        derived = derive_subnet([e[4] for e in entries], version, all_declared)
        for n, (svc, att, field, text, ip) in enumerate(entries):
            picks = "the first free /24 from 10.89.0.0" if version == 4 else "a random fd00::/8 /64"
            notes = [f"Podman picks {picks} for a network without a subnet; it fails with 'requested static "
                     f"ip {text} not in any subnet on network {net.name}'"]
            fix = None
            if derived is not None and n == 0:
                fix = _fix(net, key, derived, svc.name)
                notes.append(f"the subnet {derived} is added to network {key!r}")
            elif derived is not None:
                notes.append(f"the subnet {derived} added to network {key!r} holds it")
            else:
                notes.append(f"declare a subnet that holds it under networks.{key}.ipam.config")
            yield ctx.diagnostic(
                att.value_spans.get(field) or att.span,
                f"service {svc.name!r}: static address {text} on network {key!r}, which declares no IPv{version} "
                "subnet: Podman cannot give the container this address", service=svc.name,
                notes=tuple(notes), fix=fix)


def _fix(net, key: str, subnet, service: str):
    text = str(subnet)

    def apply(p, key=key, text=text, version=subnet.version, service=service):
        target = p.networks.get(key)
        if target is None or any(s.version == version for s in declared_subnets(target)):
            return []
        target.ipam_config.append({"subnet": text})
        return [Change(service, f"networks.{key}.ipam", "(no subnet)", text, "PG304",
                       "static addresses need a subnet that holds them")]

    edits = () if net.implicit or not net.span.line else (SourceEdit(net.span, "key:add_ipam_subnet", text),)
    return Fix(f"add the subnet {text} to network {key!r}", apply=apply, source_edits=edits)


RULE = Rule(code="PG304", name="static-ip-outside-subnet", severity=Severity.ERROR,
            summary="static address outside its network's subnet, or on a network without one: "
                    "the container does not start",
            doc=__doc__, check=check, fix="sometimes")
