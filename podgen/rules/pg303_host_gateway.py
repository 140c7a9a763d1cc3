"""The container expects to reach the Docker host by a Docker-only name or address.

## Why
Compose files reach services on the host in Docker's ways:
`host.docker.internal`, `extra_hosts: ["x:host-gateway"]`, or the `docker0`
bridge address `172.17.0.1`.  Under Podman:

- `host-gateway` is understood from Podman 4.7 on.  Before, the container is
  not created: `Error: invalid IP address in add-host: "host-gateway"`.
- `host.docker.internal` is added to `/etc/hosts` by Podman 4.7 and newer;
  before, the name does not resolve.  Every version adds
  `host.containers.internal`, Podman's own name for the host.
- `172.17.0.1` is the address of Docker's `docker0` bridge, which does not
  exist under Podman: connections time out or go elsewhere.
- Rootless, the host is reached through the user-mode network: from Podman 5.3
  with pasta, `host.containers.internal` and `host-gateway` are `169.254.1.2`,
  which pasta maps to the host.  Either way a host service listening only on
  `127.0.0.1` is not reachable; it must listen on another address.

## Example
```yaml
services:
  app:
    image: app
    extra_hosts: ["host.docker.internal:host-gateway"]   # PG303 (error before 4.7)
    environment:
      API_URL: http://172.17.0.1:9000                   # PG303: docker0
```

## Fix
Before Podman 4.7, `podgen convert` and `podgen fix` remove `host-gateway`
entries and replace `host.docker.internal` with `host.containers.internal`.
`172.17.0.1` becomes `host.containers.internal` in values, and `host-gateway`
in `extra_hosts` from 4.7 on.  From 4.7 on, `host-gateway` and
`host.docker.internal` work and are only explained (info).
"""
from __future__ import annotations

import re

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.rules._base import Rule

HOST_DOCKER = r"(?<![\w.-])host\.docker\.internal(?![\w-])"
DOCKER0 = r"(?<![\w.])172\.17\.0\.1(?!\d|\.\d)"
PODMAN_HOST = "host.containers.internal"
LOOPBACK = "host services listening only on 127.0.0.1 are not reachable from containers; they must listen on " \
           "another address"


def _notes(ctx) -> tuple:
    notes = [LOOPBACK]
    if ctx.target.rootless and ctx.target.at_least(5, 3):
        notes.append(f"Podman {ctx.target.version} with pasta maps {PODMAN_HOST} and host-gateway to 169.254.1.2, "
                     "which pasta forwards to the host")
    return tuple(notes)


def check(project, ctx):
    modern = ctx.target.at_least(4, 7)
    for svc in project.services.values():
        for i, (host, ip) in enumerate(svc.extra_hosts):
            span = svc.span_of("extra_hosts", i)
            if ip == "host-gateway":
                yield _host_gateway(ctx, svc, i, host, span, modern)
            elif ip == "172.17.0.1":
                yield _docker0_host(ctx, svc, i, host, span, modern)
        # names the service maps itself, to an address that works on the target
        mapped = {h for h, ip in svc.extra_hosts if ip != "172.17.0.1" and (ip != "host-gateway" or modern)}
        values = [("environment", name, value) for name, value in svc.environment.items() if value]
        if svc.command:
            values.append(("command", None, " ".join(svc.command)))
        for key, name, value in values:
            # both patterns need their literal text: most values are ruled out without a regex
            if "172.17.0.1" not in value and "host.docker.internal" not in value:
                continue
            span = svc.span_of("command") if key == "command" else svc.span_of(key, name)
            label = f"environment variable {name}" if name else "command"
            if re.search(DOCKER0, value):
                yield _replace(ctx, svc, key, name, span, DOCKER0, PODMAN_HOST, Severity.WARNING,
                               f"service {svc.name!r}: {label} uses 172.17.0.1, Docker's docker0 bridge, which "
                               "does not exist under Podman")
            if re.search(HOST_DOCKER, value) and "host.docker.internal" not in mapped:
                if modern:
                    yield ctx.diagnostic(
                        span, f"service {svc.name!r}: {label} uses host.docker.internal, which Podman "
                        f"{ctx.target.version} adds to /etc/hosts for the host", service=svc.name,
                        severity=Severity.INFO, notes=_notes(ctx))
                else:
                    yield _replace(ctx, svc, key, name, span, HOST_DOCKER, PODMAN_HOST, Severity.WARNING,
                                   f"service {svc.name!r}: {label} uses host.docker.internal, which does not "
                                   f"resolve under Podman {ctx.target.version} (added in 4.7)")


def _host_gateway(ctx, svc, index, host, span, modern):
    if modern:
        extra = " (Podman adds host.docker.internal itself)" if host == "host.docker.internal" else ""
        return ctx.diagnostic(
            span, f"service {svc.name!r}: {host}:host-gateway points at the host; Podman "
            f"{ctx.target.version} understands host-gateway{extra}", service=svc.name,
            severity=Severity.INFO, notes=_notes(ctx))

    def apply(p, service=svc.name, entry=(host, "host-gateway")):
        s = p.services[service]
        if entry not in s.extra_hosts:
            return []
        s.extra_hosts = [e for e in s.extra_hosts if e != entry]
        return [Change(service, "extra_hosts", f"{host}:host-gateway", "(removed)", "PG303",
                       f"Podman before 4.7 rejects host-gateway; use {PODMAN_HOST}")]

    return ctx.diagnostic(
        span, f"service {svc.name!r}: Podman {ctx.target.version} rejects host-gateway in extra_hosts "
        "('invalid IP address in add-host: \"host-gateway\"'); it needs Podman 4.7", service=svc.name,
        severity=Severity.ERROR,
        notes=(f"removed: Podman adds {PODMAN_HOST} for the host; point the application at that name"
               + (f" instead of {host}" if host != PODMAN_HOST else ""),) + _notes(ctx),
        fix=Fix("remove the host-gateway entry", apply=apply, source_edits=(SourceEdit(span, "drop_item"),)))


def _docker0_host(ctx, svc, index, host, span, modern):
    message = (f"service {svc.name!r}: extra_hosts maps {host} to 172.17.0.1, Docker's docker0 bridge, which "
               "does not exist under Podman")
    if not modern:
        return ctx.diagnostic(span, message, service=svc.name,
                              notes=(f"point the application at {PODMAN_HOST}, which Podman adds for the host",)
                              + _notes(ctx))

    def apply(p, service=svc.name, entry=(host, "172.17.0.1")):
        s = p.services[service]
        if entry not in s.extra_hosts:
            return []
        s.extra_hosts = [(h, "host-gateway") if (h, ip) == entry else (h, ip) for h, ip in s.extra_hosts]
        return [Change(service, "extra_hosts", f"{host}:172.17.0.1", f"{host}:host-gateway", "PG303",
                       "docker0 does not exist under Podman")]

    return ctx.diagnostic(
        span, message, service=svc.name, notes=("mapped to host-gateway, the host as Podman sees it",) + _notes(ctx),
        fix=Fix("map it to host-gateway", apply=apply,
                source_edits=(SourceEdit(span, "replace_text", (DOCKER0, "host-gateway")),)))


def _replace(ctx, svc, key, name, span, pattern, new, severity, message):
    def apply(p, service=svc.name):
        s = p.services[service]
        if key == "environment":
            old = s.environment.get(name)
            if not old or not re.search(pattern, old):
                return []
            s.environment[name] = re.sub(pattern, new, old)
            return [Change(service, "environment", f"{name}={old}", f"{name}={s.environment[name]}", "PG303",
                           "Docker's name for the host")]
        if not s.command or not any(re.search(pattern, w) for w in s.command):
            return []
        before = " ".join(s.command)
        s.command = [re.sub(pattern, new, w) for w in s.command]
        return [Change(service, "command", before, " ".join(s.command), "PG303", "Docker's name for the host")]

    return ctx.diagnostic(
        span, message, service=svc.name, severity=severity,
        notes=(f"replaced with {new}, which Podman adds to /etc/hosts for the host",) + _notes(ctx),
        fix=Fix(f"use {new}", apply=apply, source_edits=(SourceEdit(span, "replace_text", (pattern, new)),)))


RULE = Rule(code="PG303", name="host-gateway", severity=Severity.WARNING,
            summary="host.docker.internal, host-gateway or docker0's 172.17.0.1: version-aware rewrite to "
                    "Podman's host name",
            doc=__doc__, check=check, fix="sometimes")
