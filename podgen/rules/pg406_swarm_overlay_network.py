"""`driver: overlay`: a Docker Swarm network, which Podman does not have.

## Why
An overlay network spans the hosts of a Docker Swarm.  Podman has no Swarm
and no overlay driver, so the network is never created and no container of
it starts (verified): `Error: failed to find driver or plugin "overlay"`
(Podman 5.4), `Error: unsupported driver overlay: invalid argument` (4.3).
On one host a bridge network does what the overlay did for the services:
they resolve each other by service name and alias, and stay isolated from the
services of other networks.

Swarm-only settings of the network:

- `attachable: true` lets standalone containers join an overlay; every
  Podman network is attachable, so nothing is lost;
- the driver option `encrypted` encrypts the traffic between Swarm nodes; on
  one host it never leaves the host, and a bridge refuses the option
  (`unsupported bridge network option encrypted`);
- other `com.docker.network.*` options (such as
  `com.docker.network.driver.overlay.vxlanid_list`) are Docker's: PG405
  translates or removes them as for a bridge.

The service-level `deploy:` keys only Swarm honours (`placement`, `labels`,
`update_config`, `mode`, ...) are reported by PG701.

## Example
```yaml
services:
  whoami:
    image: traefik/whoami
    networks: [proxy]
networks:
  proxy:
    driver: overlay           # PG406
    attachable: true
```

## Fix
`podgen convert` and `podgen fix` make it a bridge network (`driver:
bridge`, so no `Driver=` is generated) and remove `encrypted`.  Services
that run on several Swarm nodes (`deploy.replicas`, PG701) get one container
on this host.
"""
from __future__ import annotations

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.rules._base import Rule

DRIVER = "overlay"
# overlay-only driver options that are not Docker's com.docker.network.* (those are PG405's)
SWARM_OPTIONS = ("encrypted",)


def check(project, ctx):
    for key, net in project.networks.items():
        if net.external or (net.driver or "").lower() != DRIVER:
            continue
        users = sorted(s.name for s in project.services.values() if not s.network_mode and key in s.networks)
        uses = f"; used by {', '.join(users)}" if users else ""
        dropped = [k for k in net.driver_opts if k in SWARM_OPTIONS]
        notes = [f"on one host a bridge network gives its services the same names, aliases and isolation: "
                 f"convert and fix make {key!r} a bridge"]
        if dropped:
            notes.append(f"driver option {', '.join(dropped)} (Swarm's encryption between nodes) is removed: "
                         "on one host the traffic never leaves the host, and a bridge refuses the option")
        if net.attachable:
            notes.append("attachable: true needs nothing: every Podman network is attachable")
        yield ctx.diagnostic(
            net.spans.get(("driver",)) or net.keys.get("driver") or net.span,
            f"network {key!r} uses the Docker Swarm overlay driver: Podman has none and refuses to create the "
            f"network ('failed to find driver or plugin \"overlay\"'){uses}",
            notes=tuple(notes), fix=_fix(net, key, dropped))


def _fix(net, key: str, dropped: list) -> Fix:
    def apply(p, key=key):
        target = p.networks.get(key)
        if target is None or (target.driver or "").lower() != DRIVER:
            return []
        before = target.driver
        target.driver = "bridge"
        gone = [k for k in target.driver_opts if k in SWARM_OPTIONS]
        for k in gone:
            del target.driver_opts[k]
        extra = f" (dropped {', '.join(gone)})" if gone else ""
        why = "Podman has no Swarm overlay driver; on one host a bridge does the same"
        changes = [Change(s.name, "networks", f"{key} ({before})", f"{key} (bridge){extra}", "PG406", why,
                          network=key)
                   for s in p.services.values() if not s.network_mode and key in s.networks]
        return changes or [Change("", f"networks.{key}.driver", before, "bridge", "PG406", why, network=key)]

    edits = []
    if net.span.line and net.spans.get(("driver",)):
        edits.append(SourceEdit(net.spans[("driver",)], "replace", "bridge"))
        for k in dropped:
            if ("driver_opts", k) in net.spans:
                edits.append(SourceEdit(net.spans[("driver_opts", k)], "drop_entry"))
    return Fix(f"make {key!r} a bridge network", apply=apply, source_edits=tuple(edits))


RULE = Rule(code="PG406", name="swarm-overlay-network", severity=Severity.WARNING,
            summary="driver: overlay (Docker Swarm): Podman has no such driver; converted to a bridge",
            doc=__doc__, check=check, fix="always")
