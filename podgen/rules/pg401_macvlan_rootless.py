"""macvlan and ipvlan networks do not work rootless.

## Why
A macvlan or ipvlan interface hangs off a host interface (`parent`) and puts
the container directly on the LAN.  Rootless Podman creates networks inside
the user's rootless network namespace, which has no host interfaces, and an
unprivileged user may not create such interfaces on the host anyway.  What
happens depends on the options (verified):

- no `parent`, no subnet (DHCP): the container fails with `netavark: unable
  to obtain lease: socket "/run/podman/nv-proxy.sock": No such file or
  directory (os error 2), is the netavark-dhcp-proxy.socket unit enabled?`
  (5.4; the DHCP proxy is a root service); Podman 4.3 refuses to create the
  network: `macvlan driver needs at least one subnet specified, DHCP is not
  yet supported with netavark`;
- a `parent` that does not exist in the rootless namespace: `parent
  interface enp3s0 does not exist` (5.4), `netavark: Netlink error: No such
  device (os error 19)` (4.3);
- ipvlan: `netavark: create ipvlan interface: Netlink error: Operation not
  supported (os error 95)` (5.4), `unsupported driver ipvlan: invalid
  argument` (4.3);
- `parent: eth0` when the host's interface is also called eth0: pasta gives
  the rootless namespace an interface of that name, so the container starts,
  but it sits on pasta's private link, not on the LAN: the LAN cannot reach
  it.

## Example
```yaml
services:
  homeassistant:
    image: ghcr.io/home-assistant/home-assistant:stable
    networks:
      lan:
        ipv4_address: 192.168.1.50
networks:
  lan:
    driver: macvlan           # PG401
    driver_opts:
      parent: eth0
    ipam:
      config:
        - subnet: 192.168.1.0/24
```

## Fix
Run the project rootful (`--rootful`), where macvlan works as with Docker.
Or, rootless, use a bridge network and publish the ports the LAN needs:
`podgen convert` and `podgen fix` do this with `--unsafe-fixes` (an unsafe
fix: the services are no longer on the LAN; without the option it is only
reported).  They then say what is left to do: a service that publishes no
ports is reachable by nobody outside the host's containers until it gets
`ports:`, and one that does is reached at the host's address instead of its
LAN address.  They change the driver to `bridge`, drop the options only
macvlan/ipvlan know (`parent`, `macvlan_mode`, `ipvlan_mode`, `ipvlan_flag`,
`mode`, `bclim`) and the `ipam` section, and the services' static addresses
on it.  A LAN subnet kept on the bridge would be routed to the bridge inside
the rootless network namespace: the containers could no longer reach the
hosts of the real LAN (the router, its DNS server), and the static addresses
only made sense on the LAN.  Podman then picks a free private subnet.
"""
from __future__ import annotations

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.rules._base import Rule

DRIVERS = ("macvlan", "ipvlan")
LINK_OPTIONS = ("parent", "macvlan_mode", "ipvlan_mode", "ipvlan_flag", "mode", "bclim")


def check(project, ctx):
    if not ctx.target.rootless:
        return
    for key, net in project.networks.items():
        if net.external or (net.driver or "").lower() not in DRIVERS:
            continue
        members = [s for s in project.services.values() if not s.network_mode and key in s.networks]
        users = sorted(s.name for s in members)
        parent = net.driver_opts.get("parent")
        where = f" (parent {parent})" if parent else ""
        uses = f"; used by {', '.join(users)}" if users else ""
        yield ctx.diagnostic(
            net.spans.get(("driver",)) or net.keys.get("driver") or net.span,
            f"network {key!r} uses the {net.driver} driver{where}: rootless Podman has no access to the host's "
            f"interfaces, so its containers cannot join the LAN (they fail to start or stay isolated){uses}",
            notes=("run this project rootful (--rootful), or use a bridge network and publish the ports the LAN "
                   "needs",
                   f"with --unsafe-fixes, convert and fix make it a bridge network: {key!r} stays private to the "
                   "rootless network namespace; "
                   "its LAN subnet and static addresses are dropped (inside the namespace they would hide "
                   "the LAN itself)"),
            fix=_fix(net, key, members))


STATIC = ("ipv4_address", "ipv6_address")


def _fix(net, key: str, users: list) -> Fix:
    dropped = [k for k in net.driver_opts if k in LINK_OPTIONS]
    has_ipam = bool(net.ipam_driver or net.ipam_config or net.ipam_options)

    def apply(p, key=key):
        target = p.networks.get(key)
        if target is None or (target.driver or "").lower() not in DRIVERS:
            return []
        before = target.driver
        target.driver = "bridge"
        gone = [k for k in target.driver_opts if k in LINK_OPTIONS]
        for k in gone:
            del target.driver_opts[k]
        if target.ipam_driver or target.ipam_config or target.ipam_options:
            # the LAN's subnet would hide the LAN itself inside the rootless network namespace
            target.ipam_driver, target.ipam_config, target.ipam_options = None, [], {}
            gone.append("ipam")
        extra = f" (dropped {', '.join(gone)})" if gone else ""
        users = [s for s in p.services.values() if not s.network_mode and key in s.networks]
        changes = []
        for s in users:
            att = s.networks[key]
            addresses = [getattr(att, f) for f in STATIC if getattr(att, f)]
            for f in STATIC:
                setattr(att, f, None)
            changes.append(Change(s.name, "networks", f"{key} ({before})", f"{key} (bridge){extra}", "PG401",
                                  f"rootless Podman cannot use {before} networks", network=key))
            if addresses:
                changes.append(Change(s.name, "networks", f"{key} at {', '.join(addresses)}",
                                      f"{key} (address chosen by Podman)", "PG401",
                                      "a LAN address means nothing on a rootless bridge", network=key))
        return changes or [Change("", f"networks.{key}.driver", before, "bridge", "PG401",
                                  f"rootless Podman cannot use {before} networks", network=key)]

    edits = []
    if net.span.line and net.spans.get(("driver",)):
        edits.append(SourceEdit(net.spans[("driver",)], "replace", "bridge"))
        for k in dropped:
            if ("driver_opts", k) in net.spans:
                edits.append(SourceEdit(net.spans[("driver_opts", k)], "drop_entry"))
        if has_ipam:
            edits.append(SourceEdit(net.span, "key:remove_key", key="ipam"))
        for svc in users:
            att = svc.networks[key]
            for f in STATIC:
                if getattr(att, f) and f in att.value_spans:
                    edits.append(SourceEdit(att.value_spans[f], "clear_entry"))
    return Fix(f"make {key!r} a bridge network", apply=apply, source_edits=tuple(edits), safe=False,
               todo=_todo(key, users))


def _todo(key: str, users: list) -> tuple:
    """What each service of the network must still get once it is a bridge: on the LAN it
    answered on every port at its own address; on a bridge only its published ports answer,
    at the host's address."""
    out = []
    for svc in users:
        att = svc.networks[key]
        addresses = [a for a in (getattr(att, f) for f in STATIC) if a]
        was = f"at {' and '.join(addresses)}" if addresses else "at its own LAN address"
        ports = [p.spec() for p in svc.ports]
        if not ports:
            out.append((svc.name, f"{svc.name} now publishes no ports: on {key!r} the LAN reached it {was} on "
                                  "every port; add `ports:` for what the LAN must reach (published on the "
                                  "host's address)"))
        else:
            out.append((svc.name, f"{svc.name} is now reachable from the LAN only on its published ports "
                                  f"({', '.join(ports)}), at the host's address instead of {was.removeprefix('at ')}: "
                                  "point its clients there"))
    return tuple(out)


RULE = Rule(code="PG401", name="macvlan-rootless", severity=Severity.ERROR,
            summary="macvlan/ipvlan network: rootless Podman cannot attach to host interfaces; "
                    "converted to a bridge with --unsafe-fixes",
            doc=__doc__, check=check, fix="sometimes")
