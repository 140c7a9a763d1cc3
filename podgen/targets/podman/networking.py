"""Networking and ports: how the container is reached and what it resolves.

Compose keys: ``ports``, ``expose``, ``networks`` (attached after
``network_mode`` is known: ``attach_networks``), ``network_mode``,
``extra_hosts``, ``dns``, ``dns_search``, ``dns_opt``, ``mac_address``.
Handlers are ``handler(low, svc, spec, add)`` (see ``keys.py``).
"""
from __future__ import annotations

from podgen.targets.podman.spec import LoweringError, Opt, Requirement, NAME_OK, raw_opt, unit_base


def ports(low, svc, spec, add):
    for port in svc.ports:
        if port.protocol not in ("tcp", "udp", "sctp"):
            raise LoweringError(f"service {svc.name!r}: unknown port protocol {port.protocol!r}",
                                port.span, "use tcp, udp or sctp")
        add(Opt("--publish", port.spec(), "PublishPort", "line", source="ports", span=port.span))
        if port.name or port.app_protocol:
            pass  # metadata only; podman has nothing to carry them


def expose(low, svc, spec, add):
    for port in svc.expose:
        add(Opt("--expose", port, "ExposeHostPort", "line", source="expose"))


def networks(low, svc, spec, add):
    pass  # attach_networks, after network_mode is known


def network_mode(low, svc, spec, add):
    mode = svc.network_mode
    span = svc.keys.get("network_mode")
    if mode.startswith("service:"):
        owner = mode[len("service:"):]
        spec.network_owner = owner
        owner_unit = unit_base(low.project.name, owner)
        owner_name = low.project.services[owner].container_name or f"{low.project.name}-{owner}-1"
        add(Opt("--network", f"container:{owner_name}", "Network", "line", since=(5, 3),
                qvalue=f"{owner_unit}.container", source="network_mode", span=span))
        if not any(r.service == owner for r in spec.requires):
            spec.requires.append(Requirement(owner))
    elif mode.startswith("container:"):
        add(Opt("--network", mode, "Network", "line", source="network_mode", span=span))
    elif mode in ("host", "none"):
        add(Opt("--network", mode, "Network", "line", source="network_mode", span=span))
    elif mode == "bridge" or mode == "default":
        add(Opt("--network", "podman", "Network", "line", source="network_mode", span=span))
    elif mode.startswith(("slirp4netns", "pasta", "ns:", "private")):
        add(Opt("--network", mode, "Network", "line", source="network_mode", span=span))
    else:
        raise LoweringError(f"service {svc.name!r}: unknown network_mode {mode!r}", span,
                            "use host, none, bridge, service:NAME or container:NAME")


def extra_hosts(low, svc, spec, add):
    for i, (host, ip) in enumerate(svc.extra_hosts):
        add(Opt("--add-host", f"{host}:{ip}", "AddHost", "line", since=(5, 3), source="extra_hosts",
                span=svc.span_of("extra_hosts", i)))


def dns(low, svc, spec, add):
    for d in svc.dns:
        add(Opt("--dns", d, "DNS", "line", since=(4, 7), source="dns"))


def dns_search(low, svc, spec, add):
    for d in svc.dns_search:
        add(Opt("--dns-search", d, "DNSSearch", "line", since=(4, 7), source="dns_search"))


def dns_opt(low, svc, spec, add):
    for d in svc.dns_opt:
        add(Opt("--dns-option", d, "DNSOption", "line", since=(4, 7), source="dns_opt"))


def mac_address(low, svc, spec, add):
    add(raw_opt(svc, "mac_address", "--mac-address"))


def attach_networks(low, svc, spec, add):
    p = low.project
    for key, att in svc.networks.items():
        net = p.networks[key]
        aliases = [svc.name] + [a for a in att.aliases if a != svc.name]
        for alias in aliases:
            if not NAME_OK.fullmatch(alias):
                raise LoweringError(f"service {svc.name!r}: network alias {alias!r} is not a valid name",
                                    att.span, "aliases are DNS names: letters, digits, '.', '-', '_'")
        extras = [f"alias={a}" for a in aliases]
        if att.ipv4_address:
            extras.append(f"ip={att.ipv4_address}")
        if att.ipv6_address:
            extras.append(f"ip6={att.ipv6_address}")
        if att.mac_address:
            extras.append(f"mac={att.mac_address}")
        if att.interface_name:
            extras.append(f"interface_name={att.interface_name}")
        for extra_key in att.extra:
            if extra_key.startswith("x-"):
                continue
            low.unsupported(svc, f"networks.{key}.{extra_key}",
                             "podman has no per-network setting for it", spec)
        suffix = ":" + ",".join(extras) if extras else ""
        if net.external:
            add(Opt("--network", net.name + suffix, "Network", "line", source="networks", span=att.span))
        else:
            add(Opt("--network", net.name + suffix, "Network", "line", qvalue=f"{net.name}.network{suffix}",
                    source="networks", span=att.span))
