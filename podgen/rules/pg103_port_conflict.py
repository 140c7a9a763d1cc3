"""Two services publish the same host address, port and protocol.

## Why
Only one socket can listen on a host address and port.  The service started
second fails: `Error: rootlessport listen tcp 127.0.0.1:8080: bind: address
already in use` (pasta reports it as `Failed to bind port 8080`).  Docker
Compose fails the same way, but a project often only ever ran one of the two
services at a time, or one of them came in through another `-f` file or a
profile.

What overlaps: the same protocol (tcp and udp never collide) and the same port
(ranges are expanded), on addresses that overlap.  No `host_ip` and `::`
listen on every address, `0.0.0.0` on every IPv4 address; two different
specific addresses (`127.0.0.1` and `192.0.2.10`) do not collide.  Ports of
services that have no network namespace of their own are ignored by Podman
(PG104) and not counted here.

## Example
```yaml
services:
  web:
    image: nginx
    ports: ["8080:80"]
  admin:
    image: adminer
    ports: ["8080:8080"]       # PG103: 8080/tcp is web's
```

## Fix
`podgen convert` and `podgen fix` move the later port: option `strategy` is
`next-free` (the first free port above it, the default) or `offset` (the
first free port from port + `offset`).  A privileged port is left alone when
PG101 remaps it anyway.  Ports of one short-syntax range are moved by
`convert` only.
"""
from __future__ import annotations

import ipaddress

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.errors import InputError
from podgen.rules._base import Rule
from podgen.rules.pg102_invalid_port_spec import find_port
from podgen.rules.pg104_ports_ignored import shared_netns
from podgen.rules.ports import HostPorts


def _address(ip):
    if not ip:
        return None
    try:
        return ipaddress.ip_address(ip.strip("[]"))
    except ValueError:
        return ip


def overlap(ip_a, ip_b) -> bool:
    """Do two published host addresses overlap (None = every address)?"""
    a, b = _address(ip_a), _address(ip_b)
    if a is None or b is None or a == b:
        return True
    if isinstance(a, str) or isinstance(b, str):
        return False
    for wild, other in ((a, b), (b, a)):
        if wild.is_unspecified:
            return wild.version == 6 or other.version == 4
    return False


def _entries(project):
    """(service, index, port, low, high) for every published port that Podman really publishes."""
    for svc in project.services.values():
        if shared_netns(svc) is not None:
            continue
        for index, port in enumerate(svc.ports):
            rng = port.published_range
            if rng and rng[0] != 0:
                yield svc, index, port, rng[0], rng[1]




def _privileged_remaps(project, target) -> set:
    """Host ports PG101 will publish on instead of privileged ones (not to be handed out here)."""
    if not target.rootless:
        return set()
    from podgen.rules import pg101_privileged_port as pg101
    from podgen.rules._base import RuleContext
    picks = set()
    for d in pg101.check(project, RuleContext(pg101.RULE, target)):
        for edit in (d.fix.source_edits if d.fix else ()):
            picks.add(int(edit.value))
    return picks


def _free(start: int, proto: str, taken: HostPorts) -> int | None:
    return taken.next_free(start, proto) if start <= 65535 else None


def check(project, ctx):
    strategy = ctx.option("strategy")
    offset = ctx.option("offset")
    if strategy not in ("next-free", "offset") or not isinstance(offset, int) or offset < 1:
        raise InputError(f"invalid options for PG103 port-conflict: strategy={strategy!r}, offset={offset!r}",
                         None, hint="strategy is next-free or offset; offset is a positive number of ports")
    entries = list(_entries(project))
    taken = HostPorts.of(project)
    reserved = _privileged_remaps(project, ctx.target)
    if reserved:
        for proto in {port.protocol for _s, _i, port, _l, _h in entries}:
            for number in reserved:
                taken.add(number, proto)
    # the fixes are applied one after the other to the same project: they share one index of it
    applying: dict = {}
    limit = ctx.target.unprivileged_port_start if ctx.target.rootless else 0
    # earlier single-port entries by (port, protocol), in order: the first one whose address
    # overlaps is the clash (a scan of all earlier entries made 10,000 services take 11 s)
    earlier: dict = {}
    for svc, index, port, low, high in entries:
        if low != high:
            continue                 # a range over one container port is PG102's
        same = earlier.setdefault((low, port.protocol), [])
        clash = next(((o_svc, o_port) for o_svc, o_port in same if overlap(o_port.host_ip, port.host_ip)),
                     None)
        same.append((svc, port))
        if clash is None:
            continue
        o_svc, o_port = clash
        where = f"{port.host_ip or '*'}:{low}/{port.protocol}"
        who = f"both {o_svc.name!r} and {svc.name!r}" if o_svc is not svc else f"{svc.name!r} twice"
        message = (f"host port {where} is published by {who}: the later one fails to start "
                   "('bind: address already in use')")
        if low < limit:
            yield ctx.diagnostic(port.span, message, service=svc.name,
                                 notes=("PG101 publishes both on distinct unprivileged ports",))
            continue
        new = _free(low + 1 if strategy == "next-free" else low + offset, port.protocol, taken)
        if new is None:
            yield ctx.diagnostic(port.span, message, service=svc.name,
                                 notes=("no free host port is left above it; change one of them",))
            continue
        taken.add(new, port.protocol)
        shares_item = any(p is not port and p.span == port.span for p in svc.ports)
        edits = () if shares_item else (SourceEdit(port.span, "port_published", new),)
        yield ctx.diagnostic(
            port.span, message, service=svc.name,
            notes=(f"{svc.name!r} publishes it on {new} instead (first published by {o_svc.name!r}, "
                   f"{o_port.span})",),
            fix=Fix(f"publish on host port {new} instead of {low}",
                    apply=_mover(svc.name, index, port, new, applying), source_edits=edits))


def _mover(service, index, port, new, applying: dict):
    def apply(p):
        target = find_port(p, service, port, index)
        if target is None or not target.published_range:
            return []
        index_ = _PortIndex.of(p, applying)
        if not index_.clashes(target):
            return []
        chosen = new if (new, target.protocol) not in index_.taken else _free(new, target.protocol, index_.taken)
        if chosen is None:
            return []
        before = target.spec()
        old = target.published
        index_.move(target, chosen)
        target.published = str(chosen)
        return [Change(service, "ports", before, target.spec(), "PG103",
                       f"host port {old}/{target.protocol} is also published by another service")]
    return apply


class _PortIndex:
    """The published ports of the project the fixes are applied to, by host port.

    Built once for all the PG103 fixes (one scan of the project for each fix made
    thousands of clashing services quadratic), and kept up to date as they move ports.
    """

    def __init__(self, project):
        self.single: dict = {}          # (port, protocol) -> [Port]
        self.ranges: list = []          # Port with a range of several host ports
        for _svc, _i, port, low, high in _entries(project):
            if low == high:
                self.single.setdefault((low, port.protocol), []).append(port)
            else:
                self.ranges.append(port)
        self.taken = HostPorts.of(project)

    @classmethod
    def of(cls, project, applying: dict) -> "_PortIndex":
        if applying.get("project") is not project:
            applying["project"], applying["index"] = project, cls(project)
        return applying["index"]

    def clashes(self, port) -> bool:
        """Does another published port overlap *port* (same protocol, port and address)?"""
        low, high = port.published_range
        proto = port.protocol
        if low == high:
            singles = self.single.get((low, proto), ())
        else:       # the fixes move single ports; a range (rare here) is compared with every port
            singles = [o for (number, p), ports in self.single.items() if p == proto and low <= number <= high
                       for o in ports]
        others = [o for o in singles if o is not port]
        others += [o for o in self.ranges if o is not port and o.protocol == proto
                   and o.published_range[0] <= high and low <= o.published_range[1]]
        return any(overlap(o.host_ip, port.host_ip) for o in others)

    def move(self, port, new: int) -> None:
        same = self.single.get((port.published_range[0], port.protocol))
        if same is not None and port in same:
            same.remove(port)
        self.single.setdefault((new, port.protocol), []).append(port)
        self.taken.add(new, port.protocol)


RULE = Rule(code="PG103", name="port-conflict", severity=Severity.ERROR,
            summary="two services publish the same host address, port and protocol: the later one moved",
            doc=__doc__, check=check, fix="always",
            options={"strategy": "next-free", "offset": 1000})
