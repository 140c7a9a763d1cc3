"""A bind source with a private SELinux label (`:Z`) is mounted by several services.

## Why
On SELinux hosts (Fedora, RHEL, CentOS Stream) `:Z` relabels the source for
one container only: its files get that container's private MCS categories.
When a second service mounts the same source, whichever container starts last
relabels the files for itself, and the other one loses access to them
(`Permission denied`, and AVC denials in the audit log) — often only after a
restart changed the order.  `:z` gives the files a shared label that every
container may use.

podgen reports every service after the first one that mounts the same source
path (written the same way after `./` and `~` are resolved; a mount of a
directory inside it is not compared) when at least one of the mounts uses
`:Z` (or `bind.selinux: Z`).  On hosts without SELinux the labels do
nothing, and the finding is harmless.

## Example
```yaml
services:
  app:
    image: example/app
    volumes: ["./shared:/data:Z"]
  worker:
    image: example/worker
    volumes: ["./shared:/data:Z"]     # PG505
```

## Fix
Use the shared label `:z` on every mount of the source
(`./shared:/data:z`), or keep `:Z` on one service only and give each service
its own directory.
"""
from __future__ import annotations

import posixpath

from podgen.report.diagnostics import Severity
from podgen.rules._base import Rule


def _where(span) -> str:
    name = posixpath.basename(span.file) if span.file else ""
    return f"{name}:{span.line}" if span.line else name


def check(project, ctx):
    by_source: dict = {}
    for svc in project.services.values():
        for mount in svc.volumes:
            if mount.type == "bind" and mount.source:
                by_source.setdefault(posixpath.normpath(mount.source), []).append((svc, mount))
    for source, uses in by_source.items():
        if len({svc.name for svc, _ in uses}) < 2 or not any(m.selinux == "Z" for _, m in uses):
            continue
        first_svc, first = uses[0]
        private = sorted({svc.name for svc, m in uses if m.selinux == "Z"})
        seen = {first_svc.name}
        for svc, mount in uses[1:]:
            if svc.name in seen:
                continue
            seen.add(svc.name)
            who = ", ".join(repr(n) for n in private)
            yield ctx.diagnostic(
                mount.span, f"service {svc.name!r} mounts {source}, which service {first_svc.name!r} also mounts "
                f"({_where(first.span)}), and {who} label{'s' if len(private) == 1 else ''} it private (:Z): "
                "on SELinux hosts the last container to start locks the other out", service=svc.name,
                notes=(f"use the shared label :z on every mount of {source}",))


RULE = Rule(code="PG505", name="selinux-private-label-shared", severity=Severity.INFO,
            summary="one bind source with a private :Z label in several services: use :z",
            doc=__doc__, check=check)
