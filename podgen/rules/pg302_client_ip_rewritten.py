"""A service that needs its clients' addresses sees a rewritten source address (rootless).

## Why
Rootless Podman forwards a published port of a bridge-network container
through `rootlessport`, which opens a new connection from inside the rootless
network namespace.  The application sees that connection's source, not the
client's.  Measured with a CGI printing `REMOTE_ADDR` for a client on the
host's 127.0.0.1 (Podman 5.4; 4.3 gives the same for bridge and slirp4netns):

| network of the container | `REMOTE_ADDR` seen |
|---|---|
| rootless bridge network, 4.3 and 5.4 | the container's own address (10.89.0.2) |
| rootless `slirp4netns` (4.x default) | 10.0.2.100, its own tap address |
| `slirp4netns:port_handler=slirp4netns` | 10.0.2.2 (a LAN client's real address) |
| `pasta` (5.x default without a network) | the client's (from the host's loopback: the host's address) |
| rootful | the client's address |

Every request then comes "from" one address: access logs and statistics
lose the client, IP allow-lists either allow everybody or nobody,
rate-limiting and fail2ban ban the proxy itself, and a mail server treats all
senders as local (open relay risk) or rejects them.  Nothing fails at
start.

podgen reports services that care: reverse proxies and web servers
(traefik, nginx, caddy, haproxy, envoy, nginx-proxy(-manager), swag, httpd,
...), mail servers (postfix, docker-mailserver, mailcow, mailu, dovecot,
...), DNS servers and filters (pihole, adguardhome, unbound, bind9, coredns,
dnsmasq, powerdns, ...), syslog, NTP and RADIUS servers (rsyslog,
syslog-ng, chrony, ntpd, freeradius, snmptrapd), by image name, and any
service publishing a mail port (25, 110, 143, 465, 587, 993, 995) or a port
of a protocol whose server knows its clients by their address, on the host
or in the container:

| port | protocol | what the lost address breaks |
|---|---|---|
| 25/tcp | SMTP | every sender looks local (open relay) or is refused |
| 53/udp, 53/tcp | DNS | ACLs, per-client rules (Pi-hole groups), rate limits |
| 123/udp | NTP | `restrict` rules and rate limits (kiss-o'-death for all) |
| 162/udp, 162/tcp | SNMP traps | every trap seems to come from one agent |
| 514/udp, 514/tcp, 6514/tcp | syslog (6514: over TLS) | every message seems to come from one host |
| 1812, 1813, 1645, 1646 (udp) | RADIUS | clients (NAS) are found by address: all are unknown |
| 2055/udp, 4739/udp, 6343/udp | NetFlow, IPFIX, sFlow | every exporter seems to be one device |

These clients also cannot be told another port (an MX record, a router's
syslog target, an NTP server from DHCP), so remapping the low ones (PG101)
is no fix either: lower `net.ipv4.ip_unprivileged_port_start` or run rootful.
A web application on 8514 or a resolver's client port (8053:5353) is not one.

## Example
```yaml
services:
  proxy:
    image: traefik:v3
    ports: ["8443:443"]        # PG302: traefik logs 10.89.0.x for every client
```

## Fix
Only the edge service has to change:

- Podman 5: `network_mode: pasta` for it (pasta keeps the client address);
- Podman 4: `network_mode: "slirp4netns:port_handler=slirp4netns"`;
- or `network_mode: host` (then it must listen on ports from 1024 up, see
  PG402), or run the project rootful.

pasta and host networking bind the host port as the user too: a port below
1024 (syslog's 514, DNS's 53) still needs
`net.ipv4.ip_unprivileged_port_start` lowered (PG101).  Running the project
rootful solves both.

With pasta or slirp4netns the service leaves the project network (Podman:
`cannot set multiple networks without bridge network mode`), so it no longer
reaches the other services by name: publish their ports and point the proxy
at `host.containers.internal:PORT` (bind those ports to an address other than
127.0.0.1: the host's loopback is not reachable from pasta).  podgen does not
rewrite this itself because that changes how the proxy finds its backends.
"""
from __future__ import annotations

import re

from podgen.report.diagnostics import Severity
from podgen.rules._base import Rule
from podgen.rules.ports import protocol_port

PROXY_WORDS = frozenset(("traefik", "nginx", "openresty", "angie", "caddy", "haproxy", "envoy", "swag",
                         "httpd", "apache", "varnish", "pomerium"))
MAIL_WORDS = frozenset(("postfix", "mailserver", "mailcow", "mailu", "dovecot", "exim", "exim4", "maddy",
                        "stalwart", "haraka", "opensmtpd", "poste"))
DNS_WORDS = frozenset(("pihole", "adguardhome", "unbound", "bind9", "coredns", "dnsmasq", "pdns", "powerdns",
                       "blocky", "technitium", "knot", "nsd"))
SYSLOG_WORDS = frozenset(("rsyslog", "syslog", "snmptrapd"))       # syslog-ng: "syslog"
NTP_WORDS = frozenset(("chrony", "chronyd", "ntp", "ntpd", "openntpd"))
RADIUS_WORDS = frozenset(("freeradius", "radius"))
# images named after one of the words above that do not serve clients themselves
NOT_A_SERVER = frozenset(("exporter", "prometheus", "ui", "admin", "certbot", "logrotate"))
MAIL_PORTS = frozenset((25, 110, 143, 465, 587, 993, 995))
DNS_PORT = 53


def image_words(image: str | None) -> set:
    """Words of the image's name (the last path component, without tag and digest)."""
    if not image:
        return set()
    name = image.split("@", 1)[0].lower().rsplit("/", 1)[-1].split(":", 1)[0]
    return {w for w in re.split(r"[-_.]", name) if w}


def client_kind(svc) -> str | None:
    """What kind of client-address-sensitive server *svc* is, or None."""
    words = image_words(svc.image)
    if words & NOT_A_SERVER:
        words = set()
    if words & MAIL_WORDS:
        return "mail server"
    if words & DNS_WORDS:
        return "DNS server"
    if words & SYSLOG_WORDS:
        return "SNMP trap receiver" if "snmptrapd" in words else "syslog server"
    if words & NTP_WORDS:
        return "NTP server"
    if words & RADIUS_WORDS:
        return "RADIUS server"
    if words & PROXY_WORDS:
        return "reverse proxy / web server"
    if any(p.target in MAIL_PORTS and (p.protocol or "tcp") == "tcp" for p in svc.ports):
        return "mail server"
    if any(p.target == DNS_PORT for p in svc.ports):
        return "DNS server"
    what = next((w for w in map(protocol_port, svc.ports) if w), None)
    return KINDS.get(what) if what else None


# what a protocol port (podgen.rules.ports.PROTOCOL_PORTS) serves, and what its lost client address breaks
KINDS = {"SMTP": "mail server", "DNS": "DNS server", "NTP": "NTP server", "SNMP trap": "SNMP trap receiver",
         "syslog": "syslog server", "syslog over TLS": "syslog server", "RADIUS": "RADIUS server",
         "NetFlow": "flow collector", "IPFIX": "flow collector", "sFlow": "flow collector"}
BREAKS = {
    "SMTP": "every sender looks local (an open relay) or is refused",
    "DNS": "access lists, per-client rules and rate limits see one client",
    "NTP": "restrict rules and rate limits see one client",
    "SNMP trap": "every trap seems to come from one agent",
    "syslog": "every message seems to come from one host",
    "syslog over TLS": "every message seems to come from one host",
    "RADIUS": "every request comes from an unknown client (RADIUS finds a client's secret by its address) "
              "and is dropped",
    "NetFlow": "every exporter seems to be one device",
    "IPFIX": "every exporter seems to be one device",
    "sFlow": "every exporter seems to be one device",
}


def rewrites_source(project, svc) -> bool:
    """Do the service's published ports reach it through a rewriting forwarder (rootless)?"""
    mode = svc.network_mode
    if mode in (None, "bridge", "default"):
        nets = [project.networks.get(k) for k in svc.networks] if mode is None else []
        return not nets or any(n is None or (n.driver or "bridge") == "bridge" for n in nets)
    if mode.startswith("slirp4netns"):
        return "port_handler=slirp4netns" not in mode
    return False            # pasta, host, none, service:/container: (PG104), ns:...


def advice(ctx, svc) -> str:
    if ctx.target.at_least(5, 0):
        return (f"give {svc.name!r} network_mode: pasta (keeps the client address), or network_mode: host, "
                "or run it rootful")
    return (f"give {svc.name!r} network_mode: \"slirp4netns:port_handler=slirp4netns\" (keeps the client "
            "address), or network_mode: host, or run it rootful")


def check(project, ctx):
    if not ctx.target.rootless:
        return
    for svc in project.services.values():
        published = list(svc.ports)          # "80" alone is published too, on a random host port
        if not published:
            continue
        kind = client_kind(svc)
        if kind is None or not rewrites_source(project, svc):
            continue
        port = next((p for p in published if p.target in MAIL_PORTS and (p.protocol or "tcp") == "tcp"),
                    None) if kind == "mail server" else None
        port = port or next((p for p in published if protocol_port(p)), published[0])
        what = protocol_port(port)
        rest = ("outside the project network it reaches the other services through their published ports "
                "at host.containers.internal, not by name")
        if what is None:
            yield ctx.diagnostic(
                port.span,
                f"service {svc.name!r} ({kind}) publishes ports on a rootless bridge network: Podman rewrites "
                "the clients' source address, so it sees its own container address instead (client-IP logs, "
                "allow-lists and rate limits break)",
                service=svc.name, notes=(advice(ctx, svc), rest))
            continue
        low = port.published_range and port.published_range[0] < ctx.target.unprivileged_port_start \
            and port.published_range[0] or None
        notes = [advice(ctx, svc)]
        if low:
            notes.append(f"pasta and host networking bind host port {low} as your user too: as root, lower "
                         f"net.ipv4.ip_unprivileged_port_start to {low} first (PG101); running it rootful "
                         "solves both")
        yield ctx.diagnostic(
            port.span,
            f"service {svc.name!r} ({kind}) publishes {port.spec()} "
            f"on a rootless bridge network: Podman's port forwarder (rootlessport) replaces each {what} "
            f"client's source address with the container's own, so {BREAKS[what]}",
            service=svc.name, notes=(*notes, rest))


RULE = Rule(code="PG302", name="client-ip-rewritten", severity=Severity.WARNING,
            summary="a proxy, mail, DNS, syslog, NTP or RADIUS server published on a rootless bridge network "
                    "sees its own address instead of its clients'",
            doc=__doc__, check=check, fix="none")
