"""A network `driver_opts` key that only Docker understands.

## Why
Podman checks the options of a bridge network and refuses the unknown ones
when the network is created, so the `.network` unit fails and no container of
the network starts: `Error: unsupported bridge network option
com.docker.network.bridge.enable_icc`.  Verified with Podman 4.3 and 5.4:

| option | Podman 4.3 | Podman 5.4 |
|---|---|---|
| `com.docker.network.driver.mtu` | refused | accepted as `mtu` |
| `com.docker.network.bridge.name` | refused | accepted (the bridge's name) |
| `com.docker.network.bridge.enable_icc` | refused | refused |
| `...bridge.enable_ip_masquerade`, `...bridge.host_binding_ipv4` | refused | refused |
| `...bridge.gateway_mode_ipv4`, `...container_iface_prefix` | refused | refused |

Any other `com.docker.network.*` option is refused as well.  Podman's own
bridge options are `mtu`, `vlan`, `isolate`, `metric` (not in 4.3) and `no_default_route`.
macvlan/ipvlan networks take `mode` where Docker says `macvlan_mode` or
`ipvlan_mode`, and refuse Docker's MTU name (rootful; rootless see PG401).

## Example
```yaml
services:
  api:
    image: example/api
    ports: ["8080:8080"]
    networks: [backend]
networks:
  backend:
    driver_opts:
      com.docker.network.driver.mtu: "1400"            # PG405 (Podman < 5.4): written as mtu
      com.docker.network.bridge.enable_icc: "false"    # PG405: no equivalent, removed
      com.docker.network.bridge.host_binding_ipv4: "127.0.0.1"   # PG405: moved to the ports
```

## Fix
`podgen convert` and `podgen fix`:

- write `com.docker.network.driver.mtu` as `mtu` (every version accepts it);
- remove `com.docker.network.bridge.name` for targets before 5.4 (rootless,
  the bridge lives in the rootless network namespace and its name does not
  matter);
- replace `com.docker.network.bridge.host_binding_ipv4` by the same host
  address on every published port of the network's services that has none
  (Docker's meaning: publish on that address only);
- translate `macvlan_mode`/`ipvlan_mode` to `mode`;
- remove the rest, saying what is lost: `enable_icc: false` (Podman always
  lets containers of one network talk; put them on separate networks),
  `enable_ip_masquerade: false` (no equivalent; `internal: true` cuts
  outbound traffic entirely), and the others.
"""
from __future__ import annotations

import ipaddress

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.rules._base import Rule

MTU = "com.docker.network.driver.mtu"
BRIDGE_NAME = "com.docker.network.bridge.name"
HOST_BINDING = "com.docker.network.bridge.host_binding_ipv4"
DOCKER_PREFIX = "com.docker.network."
LINK_MODES = {"macvlan_mode": "mode", "ipvlan_mode": "mode"}
LOST = {
    "com.docker.network.bridge.enable_icc": "Podman always lets the containers of one network talk to each "
                                            "other; put services that must not talk on separate networks",
    "com.docker.network.bridge.enable_ip_masquerade": "Podman has no switch for it; internal: true cuts "
                                                      "outbound traffic entirely",
}


def check(project, ctx):
    for key, net in project.networks.items():
        if net.external or not net.driver_opts:
            continue
        driver = (net.driver or "bridge").lower()
        for opt, value in net.driver_opts.items():
            span = net.spans.get(("driver_opts", opt)) or net.keys.get("driver_opts") or net.span
            if driver in ("bridge", "overlay"):        # PG406 makes an overlay a bridge
                found = _bridge_option(project, ctx, key, net, opt, value, span)
            elif driver in ("macvlan", "ipvlan"):
                found = _link_option(ctx, key, net, driver, opt, value, span)
            else:
                found = None
            if found is not None:
                yield found


def _assumed(ctx) -> str:
    """What podgen assumes for a target between the two versions it knows the behaviour of."""
    version = ctx.target.version
    return "" if str(version).startswith("4.3") else f"; podgen takes the target, Podman {version}, to refuse it"


def _refused(opt: str) -> str:
    return f"Podman refuses to create the network ('unsupported bridge network option {opt}')"


def _bridge_option(project, ctx, key, net, opt, value, span):
    if opt == MTU:
        if ctx.target.at_least(5, 4):
            return None
        return ctx.diagnostic(
            span, f"network {key!r}: driver option {opt} is Docker's name for mtu; Podman 4.3 refuses it, 5.4 "
            f"accepts it{_assumed(ctx)}",
            notes=(f"written as mtu={value}, which every Podman version accepts",),
            fix=_rename(key, net, opt, "mtu", value, span))
    if opt == BRIDGE_NAME:
        if ctx.target.at_least(5, 4):
            return None
        why = ("rootless, the bridge lives in the rootless network namespace and its name does not matter"
               if ctx.target.rootless else "the bridge gets Podman's name (podmanN)")
        return ctx.diagnostic(
            span, f"network {key!r}: driver option {opt} names the bridge; Podman 4.3 refuses it ('unsupported "
            f"bridge network option {opt}'), 5.4 accepts it{_assumed(ctx)}",
            notes=(f"removed: {why}",), fix=_drop(key, net, opt, value, span, why))
    if opt == HOST_BINDING:
        return _host_binding(project, ctx, key, net, value, span)
    if opt.startswith(DOCKER_PREFIX):
        lost = LOST.get(opt, "Podman has no equivalent")
        return ctx.diagnostic(span, f"network {key!r}: driver option {opt} is Docker's: {_refused(opt)}",
                              notes=(f"removed: {lost}",), fix=_drop(key, net, opt, value, span, lost))
    return None


def _link_option(ctx, key, net, driver, opt, value, span):
    if opt == MTU:
        return ctx.diagnostic(
            span, f"network {key!r}: driver option {opt} is Docker's name for mtu; Podman maps it for bridge "
            f"networks only and refuses it here ('unsupported {driver} network option {opt}')",
            notes=(f"written as mtu={value}",), fix=_rename(key, net, opt, "mtu", value, span))
    if ctx.target.rootless and (opt in LINK_MODES or opt == "ipvlan_flag"):
        return None                         # PG401 turns the network into a bridge and drops these
    if opt in LINK_MODES:
        new = LINK_MODES[opt]
        return ctx.diagnostic(
            span, f"network {key!r}: driver option {opt} is Docker's name for {driver} {new}; Podman refuses it "
            f"('unsupported {driver} network option {opt}')", notes=(f"written as {new}={value}",),
            fix=_rename(key, net, opt, new, value, span))
    if opt.startswith(DOCKER_PREFIX) or opt == "ipvlan_flag":
        return ctx.diagnostic(
            span, f"network {key!r}: driver option {opt} is Docker's; Podman refuses it ('unsupported {driver} "
            f"network option {opt}')", notes=("removed: Podman has no equivalent",),
            fix=_drop(key, net, opt, value, span, "Podman has no equivalent"))
    return None


def _rename(key, net, old, new, value, span):
    def apply(p, key=key, old=old, new=new):
        n = p.networks.get(key)
        if n is None or old not in n.driver_opts:
            return []
        v = n.driver_opts[old]
        if new in n.driver_opts:            # both given: Podman's own name wins, as in podgen fix
            del n.driver_opts[old]
        else:                               # same place, so the generated Options= keep their order
            n.driver_opts = {(new if k == old else k): x for k, x in n.driver_opts.items()}
        return [Change("", f"networks.{key}.driver_opts", f"{old}={v}", f"{new}={v}", "PG405",
                       "Docker's option name", network=key)]

    return Fix(f"write {old} as {new}", apply=apply, source_edits=_edit(net, span, "rename_entry", new))


def _drop(key, net, opt, value, span, why):
    def apply(p, key=key, opt=opt, why=why):
        n = p.networks.get(key)
        if n is None or opt not in n.driver_opts:
            return []
        v = n.driver_opts.pop(opt)
        return [Change("", f"networks.{key}.driver_opts", f"{opt}={v}", "(removed)", "PG405",
                       why, network=key)]

    return Fix(f"remove {opt}", apply=apply, source_edits=_edit(net, span, "drop_entry"))


def _host_binding(project, ctx, key, net, value, span):
    try:
        ip = ipaddress.ip_address(str(value).strip())
    except ValueError:
        ip = None
    users = [s for s in project.services.values() if not s.network_mode and key in s.networks]
    ports = [(s, i, p) for s in users for i, p in enumerate(s.ports) if not p.host_ip]
    if ip is None:
        return ctx.diagnostic(
            span, f"network {key!r}: driver option {HOST_BINDING} is Docker's: {_refused(HOST_BINDING)}",
            notes=(f"{value!r} is not an address; removed",),
            fix=_drop(key, net, HOST_BINDING, value, span, "not an address"))
    unbound = ip.is_unspecified

    def apply(p, key=key, ip=str(ip), unbound=unbound):
        n = p.networks.get(key)
        if n is None or HOST_BINDING not in n.driver_opts:
            return []
        n.driver_opts.pop(HOST_BINDING)
        changes = [Change("", f"networks.{key}.driver_opts", f"{HOST_BINDING}={ip}", "(removed)",
                          "PG405", "published on the address through the ports instead" if not unbound
                          else "Podman publishes on every address by default", network=key)]
        if unbound:
            return changes
        for s in p.services.values():
            if s.network_mode or key not in s.networks:
                continue
            for port in s.ports:
                if not port.host_ip:
                    before = port.spec()
                    port.host_ip = ip
                    changes.append(Change(s.name, "ports", before, port.spec(), "PG405",
                                          f"network {key} published only on {ip}"))
        return changes

    edits = list(_edit(net, span, "drop_entry"))
    if not unbound:
        edits.extend(SourceEdit(p.span, "port_host_ip", str(ip)) for _s, _i, p in ports if p.span.line)
    where = (f"; its services' ports ({', '.join(sorted({s.name for s, _i, _p in ports}))}) are published on "
             f"{ip} instead" if ports and not unbound else "")
    return ctx.diagnostic(
        span, f"network {key!r}: driver option {HOST_BINDING} is Docker's: {_refused(HOST_BINDING)}{where}",
        notes=("Docker publishes the network's ports on that address only; podgen writes it into each port",)
        if not unbound else ("0.0.0.0 is what Podman does anyway",),
        fix=Fix(f"publish on {ip} through the ports" if not unbound else f"remove {HOST_BINDING}", apply=apply,
                source_edits=tuple(edits)))


def _edit(net, span, op, value=None) -> tuple:
    if not span.line or span == net.span or span == net.keys.get("driver_opts"):
        return ()
    return (SourceEdit(span, op, value),)


RULE = Rule(code="PG405", name="docker-network-option", severity=Severity.ERROR,
            summary="a driver_opts key only Docker knows: Podman refuses to create the network; translated "
                    "or removed",
            doc=__doc__, check=check, fix="always")
