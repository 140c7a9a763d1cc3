"""Static container addresses and subnets that the host and the LAN cannot reach (rootless).

## Why
Rootless Podman puts every bridge network of a user into one network
namespace of its own (the "rootless network namespace").  The bridges, the
container addresses and any `ipam` subnet live there; the host has no route
into it, and neither has the LAN.  Nothing fails: a request from the host to
`172.28.0.10` simply leaves by the default route and times out, and a DHCP
reservation or MAC filter on the LAN never sees the container's MAC address.
Rootful Podman (like Docker) adds the bridge to the host, which is why such
addresses work there.

Containers on the same network can still use the addresses (better: the
service names).  podgen cannot tell what an address is for, so it reports
each one:

- `ipv4_address` / `ipv6_address` / `mac_address` of a service on a bridge
  network (warning);
- a `mac_address` at service level (warning);
- an `ipam` subnet of a network whose services have no static address
  (info: the subnet is only visible to the containers).

Addresses outside the network's subnet, or given without any subnet, fail
at start: that is PG304.  macvlan/ipvlan networks are PG401.

## Example
```yaml
services:
  web:
    image: nginx
    networks:
      lan:
        ipv4_address: 172.28.0.10     # PG301: the host cannot reach it
networks:
  lan:
    ipam:
      config:
        - subnet: 172.28.0.0/24
```

## Fix
From the host, use published ports: `ports: ["127.0.0.1:8080:80"]` and
`http://127.0.0.1:8080`.  Between containers, use the service name (`web`)
instead of the address.  To look at the addresses from inside, run a command
in the rootless network namespace: `podman unshare --rootless-netns ip addr`.
If the addresses must be routable from the host or the LAN, run the project
rootful.
"""
from __future__ import annotations

from podgen.report.diagnostics import Severity
from podgen.rules._base import Rule
from podgen.rules.pg304_static_ip_outside_subnet import parse_ip

NON_BRIDGE_DRIVERS = ("macvlan", "ipvlan", "host", "none")


def bridge_network(project, key: str) -> bool:
    """True when *key* is (as far as podgen knows) a bridge network: the rootless netns kind."""
    net = project.networks.get(key)
    return net is not None and (net.driver or "bridge") not in NON_BRIDGE_DRIVERS


def _reach_notes(svc_name: str, net_key: str) -> tuple:
    return (f"other containers on {net_key!r} can reach it; better by its name {svc_name!r}",
            "from the host, publish the port (e.g. ports: [\"127.0.0.1:8080:80\"]) and use 127.0.0.1:8080",
            "to look from inside: podman unshare --rootless-netns ip addr; for routable addresses run rootful")


def check(project, ctx):
    if not ctx.target.rootless:
        return
    with_addresses = set()
    for svc in project.services.values():
        if svc.network_mode:
            continue                # its networks are not used (PG402/PG403)
        for key, att in svc.networks.items():
            if not bridge_network(project, key):
                continue
            for field in ("ipv4_address", "ipv6_address"):
                ip = getattr(att, field)
                parsed = parse_ip(ip) if ip else None
                if parsed is None or parsed.version != (4 if field == "ipv4_address" else 6):
                    continue            # no address of that family: PG304 says so
                with_addresses.add(key)
                yield ctx.diagnostic(
                    att.value_spans.get(field) or att.span,
                    f"service {svc.name!r} has the static address {ip} on network {key!r}: rootless, container "
                    "addresses exist only in your rootless network namespace, so the host and the LAN "
                    f"cannot reach {ip}", service=svc.name, notes=_reach_notes(svc.name, key))
            if att.mac_address:
                with_addresses.add(key)
                yield _mac(ctx, svc, att.mac_address, att.value_spans.get("mac_address") or att.span,
                           f"on network {key!r}")
        mac = svc.raw.get("mac_address")
        if mac and svc.networks and any(bridge_network(project, k) for k in svc.networks):
            yield _mac(ctx, svc, str(mac), svc.span_of("mac_address"), "")
    for key, net in project.networks.items():
        if key in with_addresses or net.external or not bridge_network(project, key):
            continue
        for i, cfg in enumerate(net.ipam_config):
            subnet = cfg.get("subnet") if isinstance(cfg, dict) else None
            if not subnet:
                continue
            yield ctx.diagnostic(
                net.spans.get(("ipam", i, "subnet")) or net.keys.get("ipam") or net.span,
                f"network {key!r} declares the subnet {subnet}: rootless, it exists only in your rootless "
                "network namespace; the host and the LAN have no route to it, only its containers use it",
                severity=Severity.INFO,
                notes=("reach the services from the host through published ports, and between containers "
                       "by service name",))


def _mac(ctx, svc, mac: str, span, where: str):
    where = f" {where}" if where else ""
    return ctx.diagnostic(
        span, f"service {svc.name!r} sets the MAC address {mac}{where}: rootless, the interface lives in your "
        "rootless network namespace and never appears on the LAN (DHCP reservations and MAC filters "
        "will not see it)", service=svc.name,
        notes=("the address only matters to containers on the same network; run rootful (or use "
               "macvlan rootful) if the LAN must see it",))


RULE = Rule(code="PG301", name="unreachable-static-ip", severity=Severity.WARNING,
            summary="static container address, MAC or subnet: rootless, the host and the LAN cannot reach it",
            doc=__doc__, check=check, fix="none")
