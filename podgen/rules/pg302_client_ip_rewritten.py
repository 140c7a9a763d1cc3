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
dnsmasq, powerdns, ...), by image name, and any service publishing a mail
port (25, 110, 143, 465, 587, 993, 995) or DNS's port 53.

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

With pasta or slirp4netns the service leaves the project network (Podman:
`cannot set multiple networks without bridge network mode`), so it no longer
reaches the other services by name: publish their ports and point the proxy
at `host.containers.internal:PORT` (bind those ports to an address other than
127.0.0.1: the host's loopback is not reachable from pasta).  podgen does not
rewrite this itself because that changes how the proxy finds its backends.
"""
from __future__ import annotations

import re

from podgen.diagnostics import Severity
from podgen.rules._base import Rule

PROXY_WORDS = frozenset(("traefik", "nginx", "openresty", "angie", "caddy", "haproxy", "envoy", "swag",
                         "httpd", "apache", "varnish", "pomerium"))
MAIL_WORDS = frozenset(("postfix", "mailserver", "mailcow", "mailu", "dovecot", "exim", "exim4", "maddy",
                        "stalwart", "haraka", "opensmtpd", "poste"))
DNS_WORDS = frozenset(("pihole", "adguardhome", "unbound", "bind9", "coredns", "dnsmasq", "pdns", "powerdns",
                       "blocky", "technitium", "knot", "nsd"))
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
    if words & PROXY_WORDS:
        return "reverse proxy / web server"
    if any(p.target in MAIL_PORTS for p in svc.ports):
        return "mail server"
    if any(p.target == DNS_PORT for p in svc.ports):
        return "DNS server"
    return None


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
        port = next((p for p in published if p.target in MAIL_PORTS), published[0]) \
            if kind == "mail server" else published[0]
        yield ctx.diagnostic(
            port.span,
            f"service {svc.name!r} ({kind}) publishes ports on a rootless bridge network: Podman rewrites the "
            "clients' source address, so it sees its own container address instead (client-IP logs, "
            "allow-lists and rate limits break)",
            service=svc.name,
            notes=(advice(ctx, svc),
                   "outside the project network it reaches the other services through their published ports "
                   "at host.containers.internal, not by name"))


RULE = Rule(code="PG302", name="client-ip-rewritten", severity=Severity.WARNING,
            summary="a proxy, mail or DNS server published on a rootless bridge network sees its own "
                    "address instead of its clients'",
            doc=__doc__, check=check, fix="none")
