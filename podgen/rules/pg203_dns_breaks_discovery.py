"""`dns:` that breaks service discovery or that Podman refuses.

## Why
Two combinations go wrong:

- **Custom DNS servers on a network with DNS, Podman before 4.4.3.**  The
  container's `/etc/resolv.conf` then lists only the given servers, not the
  network's aardvark-dns, so service names stop resolving (`server can't find
  db: NXDOMAIN`).  Since 4.4.3 Podman keeps aardvark-dns as the resolver and
  forwards other names to the given servers, so the setting is harmless there.
- **`dns`, `dns_search` or `dns_opt` with `network_mode: none`,
  `container:X` or `service:X`.**  The container has no resolver of its own to
  configure and Podman refuses to create it: `Error: conflicting options: dns
  and the network mode` (Docker refuses it as well).

## Example
```yaml
services:
  app:
    image: app
    dns: [9.9.9.9]             # PG203 with --podman-version 4.3
  sidecar:
    image: proxy
    network_mode: "service:app"
    dns: [1.1.1.1]             # PG203: conflicting options
```

## Fix
For the conflict, `podgen convert` and `podgen fix` remove the DNS settings of
the service that joins another namespace: it uses the resolver of the
namespace it joins (set them there).  Before 4.4.3, remove `dns:` (aardvark-dns
forwards other names to the host's resolvers) or target Podman 4.4.3 or newer.
"""
from __future__ import annotations

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.rules._base import Rule

DNS_KEYS = ("dns", "dns_search", "dns_opt")


def _no_own_resolver(mode) -> bool:
    return bool(mode) and (mode == "none" or mode.startswith(("container:", "service:")))


def _has_dns(project, key: str) -> bool:
    net = project.networks.get(key)
    return net is not None and net.name != "podman" and net.driver not in ("host", "none")


def check(project, ctx):
    old = not ctx.target.at_least(4, 4, 3)
    for svc in project.services.values():
        if _no_own_resolver(svc.network_mode):
            for key in DNS_KEYS:
                if getattr(svc, key) and key in svc.keys:
                    yield _conflict(ctx, svc, key)
            continue
        if not old or not svc.dns or svc.network_mode or len(project.services) < 2:
            continue
        nets = [n for n in svc.networks if _has_dns(project, n)]
        if nets:
            yield ctx.diagnostic(
                svc.keys.get("dns", svc.span),
                f"service {svc.name!r} sets dns: {', '.join(svc.dns)} on network {nets[0]!r}: Podman "
                f"{ctx.target.version} then drops the network's DNS server, and service names stop resolving",
                service=svc.name,
                notes=("Podman 4.4.3 and newer keep aardvark-dns and forward other names to these servers; "
                       "target it, or remove dns: (aardvark-dns forwards to the host's resolvers)",))


def _conflict(ctx, svc, key):
    mode = svc.network_mode

    def apply(p, service=svc.name, key=key):
        s = p.services[service]
        values = getattr(s, key)
        if not values:
            return []
        setattr(s, key, [])
        return [Change(service, key, ", ".join(values), "(removed)", "PG203",
                       f"Podman refuses {key} with network_mode: {mode}")]

    owner = mode.split(":", 1)[1] if ":" in mode else None
    where = f"set it on {owner!r}, whose resolver this service uses" if owner else "there is no network"
    return ctx.diagnostic(
        svc.keys[key], f"service {svc.name!r} sets {key} with network_mode: {mode}: Podman refuses to create "
        "the container ('conflicting options: dns and the network mode')", service=svc.name,
        severity=Severity.ERROR, notes=(f"removed: {where}",),
        fix=Fix(f"remove {key}", apply=apply,
                source_edits=(SourceEdit(svc.span_of(key), "remove_item"),)))


RULE = Rule(code="PG203", name="dns-breaks-discovery", severity=Severity.WARNING,
            summary="dns: hides service names before Podman 4.4.3; refused with network_mode "
                    "none/container:/service:",
            doc=__doc__, check=check, fix="sometimes")
