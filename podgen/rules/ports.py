"""Helpers shared by the port rules (not a rule)."""
from __future__ import annotations


def published_ports(project):
    """(service, index, Port) for every port with a host port, in file order."""
    for svc in project.services.values():
        for index, port in enumerate(svc.ports):
            if port.published:
                yield svc, index, port


class HostPorts:
    """How many published ports use each host port, per protocol.

    A range counts once on every port it covers without being listed port by port
    (``1024-65535:80`` is two entries of a difference array, not 64,512 set members),
    and ``next_free`` jumps over taken stretches instead of stepping through them
    (the skips are remembered, union-find style), so that thousands of services on
    one port, or on wide ranges, stay linear.  Counts only grow (``add``), which is
    what keeps the remembered skips true: a port once taken stays taken.
    """

    def __init__(self, ranges=()):
        self._ranges: dict = {}      # protocol -> [(low, high)], folded into _counts when first asked
        self._counts: dict = {}      # protocol -> list of 65,537 counts
        self._skips: dict = {}       # (protocol, allow) -> {port: a port at or after it to look at next}
        for low, high, proto in ranges:
            self._ranges.setdefault(proto, []).append((low, high))

    @classmethod
    def of(cls, project) -> "HostPorts":
        """Every published host port of *project* (ports Podman ignores included, as before)."""
        return cls((port.published_range + (port.protocol,)
                    for _svc, _i, port in published_ports(project) if port.published_range))

    def _table(self, proto: str) -> list:
        counts = self._counts.get(proto)
        if counts is None:
            from itertools import accumulate
            diff = [0] * 65538
            for low, high in self._ranges.pop(proto, ()):
                if 0 <= low <= high <= 65535:
                    diff[low] += 1
                    diff[high + 1] -= 1
            counts = self._counts[proto] = list(accumulate(diff))
        return counts

    def count(self, port: int, proto: str) -> int:
        return self._table(proto)[port] if 0 <= port <= 65535 else 0

    def __contains__(self, key) -> bool:
        port, proto = key
        return self.count(port, proto) > 0

    def add(self, port: int, proto: str) -> None:
        # the skips stay true: they only ever lead past ports that were taken, and a search
        # still looks at the count of the port it lands on
        self._table(proto)[port] += 1

    def next_free(self, start: int, proto: str, allow: int = 0) -> int | None:
        """The first port from *start* used at most *allow* times; None above 65535."""
        counts = self._table(proto)
        skips = self._skips.setdefault((proto, allow), {})
        port = start
        path = []
        while port <= 65535:
            ahead = skips.get(port)
            if ahead is None:
                if counts[port] <= allow:
                    break
                ahead = port + 1
            path.append(port)
            port = ahead
        for seen in path:              # path compression: the next search jumps straight here
            skips[seen] = port
        return port if port <= 65535 else None

    def next_free_besides(self, start: int, proto: str, own: tuple) -> int | None:
        """``next_free`` for a port that itself publishes the range *own*: its own use does not count."""
        low, high = own
        if start < low:
            port = self.next_free(start, proto)
            if port is None or port < low:
                return port
            start = low
        if start <= high:
            port = self.next_free(start, proto, allow=1)
            if port is not None and port <= high:
                return port
            start = high + 1
        return self.next_free(start, proto)



# Protocol ports: services whose clients cannot be told another port (a router's or a printer's
# syslog target, an NTP or DNS server handed out by DHCP, an MX record, a switch's trap receiver,
# a NAS's RADIUS server) and which identify or authorise their clients by source address.
# (port, transport) -> what listens there.  Both PG101 (remapping one is not a fix) and PG302
# (the client address is lost) use it.
PROTOCOL_PORTS = {
    (25, "tcp"): "SMTP",                    # other mail servers deliver to port 25 only (MX has no port)
    (53, "udp"): "DNS", (53, "tcp"): "DNS",  # resolvers are given addresses, never ports
    (123, "udp"): "NTP",
    (162, "udp"): "SNMP trap", (162, "tcp"): "SNMP trap",
    (514, "udp"): "syslog", (514, "tcp"): "syslog",
    (6514, "tcp"): "syslog over TLS",       # RFC 5425
    (1812, "udp"): "RADIUS", (1813, "udp"): "RADIUS",           # authentication, accounting
    (1645, "udp"): "RADIUS", (1646, "udp"): "RADIUS",           # the pre-RFC ports (Cisco's default)
    (2055, "udp"): "NetFlow", (4739, "udp"): "IPFIX", (6343, "udp"): "sFlow",  # flow exporters
}


def protocol_port(port, *, published_only: bool = False) -> str | None:
    """The protocol a port speaks to clients that cannot choose another port: by its host port
    (what the clients send to), else (unless *published_only*) by its container port (the server
    inside, e.g. ``8514:514/udp``)."""
    proto = (port.protocol or "tcp").lower()
    rng = port.published_range
    if rng is not None and rng[0] == rng[1] and (rng[0], proto) in PROTOCOL_PORTS:
        return PROTOCOL_PORTS[(rng[0], proto)]
    return None if published_only else PROTOCOL_PORTS.get((port.target, proto))
