"""Rootless Podman cannot publish a host port below the unprivileged port start.

## Why
An unprivileged user may not bind ports below
`net.ipv4.ip_unprivileged_port_start` (1024 unless the host changed it).
Rootless Podman publishes ports as that user, so the container fails to start:

- Podman 4 (rootlessport): `rootlessport cannot expose privileged port 80, you can
  add 'net.ipv4.ip_unprivileged_port_start=80' to /etc/sysctl.conf (currently 1024),
  or choose a larger port number (>= 1024)`
- Podman 5 (pasta): `pasta failed with exit code 1: Failed to bind port 80 (Permission denied)`

## Example
```yaml
services:
  web:
    image: nginx
    ports: ["80:80"]        # PG101
```

## Fix
`podgen convert` and `podgen fix` publish on a high port instead: 80 -> 8080,
443 -> 8443, any other port P -> P + 8000 (options `remap` and `offset`),
skipping ports already taken.  The container port is unchanged.  Alternatively
keep the port and, as root, lower the limit for everyone:
`sysctl -w net.ipv4.ip_unprivileged_port_start=80` (and a file in
/etc/sysctl.d/), or run the project rootful.  Set the host's value with
`--unprivileged-port-start` so podgen checks against it.

A protocol port whose clients cannot be told another port is different:
SMTP (25: other mail servers deliver to port 25 only), DNS (53), NTP
(123/udp), SNMP traps (162), syslog (514).  Routers, printers, phones and
resolvers keep sending to the standard port, so publishing syslog on 8514 is
not a real fix.  For these the advice is the sysctl above, made permanent:

```sh
echo net.ipv4.ip_unprivileged_port_start=514 | sudo tee /etc/sysctl.d/50-unprivileged-ports.conf
sudo sysctl --system
```

(then convert with `--unprivileged-port-start 514`), or running the project
rootful.  The remap is still offered, as an unsafe fix: `podgen convert` and
`podgen fix` apply it only with `--unsafe-fixes`.  Such a service usually
also needs its clients' addresses, which a rootless bridge network loses
(PG302).
"""
from __future__ import annotations

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.rules._base import Rule
from podgen.rules.ports import HostPorts, protocol_port, published_ports


def _new_port(port: int, remap: dict, offset: int, free) -> int:
    """The remapped port (option remap, else port + offset), or the first free one above it;
    *free(start)* finds that one (None: none left); over 65535 when there is none."""
    candidate = int(remap.get(str(port), remap.get(port, port + offset)))
    if candidate > 65535:
        return candidate
    found = free(candidate)
    return 65536 if found is None else found


def check(project, ctx):
    if not ctx.target.rootless:
        return
    limit = ctx.target.unprivileged_port_start
    remap = ctx.option("remap")
    offset = ctx.option("offset")
    taken = HostPorts.of(project)
    for svc, index, port in published_ports(project):
        mode = svc.network_mode or ""
        if mode in ("host", "none") or mode.startswith("container:"):
            continue  # podman ignores these ports (PG104 removes them); service:X ones move to X
        rng = port.published_range
        if rng is None or rng[0] >= limit or rng[0] == 0:
            continue
        if rng[0] != rng[1]:
            yield ctx.diagnostic(port.span, f"service {svc.name!r} publishes host ports {port.published}, "
                                 f"below {limit}: rootless Podman cannot bind them", service=svc.name,
                                 notes=(f"publish it on one host port from {limit} up (the PG102 fix does), or "
                                        "lower net.ipv4.ip_unprivileged_port_start as root",))
            continue
        old = rng[0]
        new = _new_port(old, remap, offset, lambda start, proto=port.protocol: taken.next_free(start, proto))
        if new > 65535:
            continue
        taken.add(new, port.protocol)

        def apply(p, service=svc.name, index=index, old=old, new=new):
            target = p.services[service].ports[index]
            before = target.spec()
            target.published = str(new)
            return [Change(service, "ports", before, target.spec(), "PG101",
                           f"rootless Podman cannot bind host port {old}")]

        title = f"publish on host port {new} instead of {old}"
        edits = (SourceEdit(port.span, "port_published", new),)
        what = protocol_port(port, published_only=True)
        if what is None:
            yield ctx.diagnostic(
                port.span,
                f"service {svc.name!r} publishes host port {old}, below {limit}: rootless Podman cannot bind it",
                service=svc.name,
                notes=(f"published on {new} instead; or, as root: sysctl -w "
                       f"net.ipv4.ip_unprivileged_port_start={old}",),
                fix=Fix(title, apply=apply, source_edits=edits))
            continue
        # the clients of a protocol port cannot be told another one: the remap needs consent
        proto = port.protocol or "tcp"
        yield ctx.diagnostic(
            port.span,
            f"service {svc.name!r} publishes host port {old}/{proto} ({what}), below {limit}: rootless Podman "
            f"cannot bind it, and {what} clients cannot be told another port",
            service=svc.name,
            notes=(f"as root, let users bind it: sysctl -w net.ipv4.ip_unprivileged_port_start={old}, kept "
                   f"across reboots by a file in /etc/sysctl.d/ (echo net.ipv4.ip_unprivileged_port_start={old} "
                   "| sudo tee /etc/sysctl.d/50-unprivileged-ports.conf), then convert with "
                   f"--unprivileged-port-start {old}; or run the project rootful (--rootful)",
                   f"publishing on {new} instead is not a real fix: {what} clients keep sending to {old} "
                   "(an unsafe fix, applied only with --unsafe-fixes)"),
            fix=Fix(title, apply=apply, source_edits=edits, safe=False,
                    todo=((svc.name, f"point every {what} client of {svc.name!r} at host port {new} instead "
                                     f"of {old}; clients that cannot be told a port keep sending to {old}: "
                                     "lower net.ipv4.ip_unprivileged_port_start instead"),)))


RULE = Rule(code="PG101", name="privileged-port", severity=Severity.ERROR,
            summary="host port below the unprivileged port start (1024): remapped (a protocol port such as "
                    "DNS's 53 or syslog's 514 only with --unsafe-fixes: its clients cannot change port)",
            doc=__doc__, check=check, fix="always",
            options={"remap": {"80": 8080, "443": 8443}, "offset": 8000})
