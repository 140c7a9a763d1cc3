"""The Docker socket is bind-mounted: under Podman there is no Docker daemon.

## Why
Tools such as Traefik, Portainer, Watchtower or CI runners talk to the Docker
API through `/var/run/docker.sock`.  Under Podman there is usually no such
file; where Docker is installed next to Podman, the socket belongs to root and
the `docker` group, and a rootless container sees other containers than
Podman's.  Podman serves a Docker-compatible API on its own socket instead:
`$XDG_RUNTIME_DIR/podman/podman.sock` for the user (`podman.socket` user
unit), `/run/podman/podman.sock` for root.  Mounting a missing socket fails
(`Error: statfs /var/run/docker.sock: no such file or directory`), and
podgen's `mkdir -p` of a missing bind source would make a directory there.

## Example
```yaml
services:
  traefik:
    image: traefik
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock:ro     # PG601
```

## Fix
`podgen convert` mounts the Podman socket at the same place in the container:
`%t/podman/podman.sock` in units (systemd's runtime directory),
`"${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/podman/podman.sock"` in scripts,
`/run/podman/podman.sock` rootful.  `podgen fix` writes
`${XDG_RUNTIME_DIR}/podman/podman.sock` as the source, which podgen reads back
as the runtime directory again (`%t`), also where `XDG_RUNTIME_DIR` is unset
(cron, sudo, CI: podgen then takes systemd's `/run/user/UID`).  A missing
`*.sock` bind source is never created as a directory.  Enable the socket once:
`systemctl --user enable --now podman.socket` (rootful:
`systemctl enable --now podman.socket`).  On SELinux hosts a container may
not use a socket labelled for the host: a service that mounts an API socket
gets `SecurityLabelDisable=true` (`--security-opt label=disable`) unless its
`security_opt` sets a `label` option itself.
"""
from __future__ import annotations

import posixpath

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.model import RUNTIME_DIR
from podgen.rules._base import Rule

ROOTLESS_SOCKET = RUNTIME_DIR + "/podman/podman.sock"
ROOTFUL_SOCKET = "/run/podman/podman.sock"
COMPOSE_ROOTLESS_SOCKET = "${XDG_RUNTIME_DIR}/podman/podman.sock"


def is_docker_socket(mount) -> bool:
    return mount.type == "bind" and bool(mount.source) and \
        posixpath.basename(mount.source.rstrip("/")) == "docker.sock"


def check(project, ctx):
    rootless = ctx.target.rootless
    socket = ROOTLESS_SOCKET if rootless else ROOTFUL_SOCKET
    enable = "systemctl --user enable --now podman.socket" if rootless else "systemctl enable --now podman.socket"
    for svc in project.services.values():
        for index, mount in enumerate(svc.volumes):
            if not is_docker_socket(mount):
                continue

            def apply(p, service=svc.name, index=index, span=mount.span, old=mount.source):
                s = p.services[service]
                m = s.volumes[index] if index < len(s.volumes) and s.volumes[index].span == span else \
                    next((v for v in s.volumes if v.span == span), None)
                if m is None or m.source != old:
                    return []
                m.source = socket
                m.create_host_path = False
                return [Change(service, "volumes", old, socket, "PG601",
                               f"no Docker daemon under Podman; mount Podman's API socket, enabled with: {enable}")]

            yield ctx.diagnostic(
                mount.span, f"service {svc.name!r} mounts the Docker socket {mount.source}: there is no Docker "
                "daemon under Podman", service=svc.name,
                notes=(f"the Podman socket (Docker-compatible API) is mounted at {mount.target} instead; "
                       f"enable it once with: {enable}",),
                fix=Fix("mount the Podman socket", apply=apply,
                        source_edits=(SourceEdit(mount.span, "bind_source",
                                                 COMPOSE_ROOTLESS_SOCKET if rootless else ROOTFUL_SOCKET),)))


RULE = Rule(code="PG601", name="docker-socket", severity=Severity.ERROR,
            summary="the Docker socket is bind-mounted: replaced by the (rootless) Podman socket",
            doc=__doc__, check=check, fix="always")
