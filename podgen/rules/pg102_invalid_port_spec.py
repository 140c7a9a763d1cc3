"""A published port that Docker Compose accepts but Podman refuses.

## Why
Three `ports` forms mean something to Docker Compose and fail under Podman:

- **A host port range over one container port** (`"8000-8010:80"`).  Compose
  reads it as "any free port of the range"; Podman wants ranges of equal length
  and refuses to create the container:
  `Error: host and container port ranges have different lengths: 11 vs 1`.
- **An IPv6 host address without brackets** (`"::1:6000:6000"`).  Compose
  splits on the last two colons; `podman run -p` cannot and stops with
  `Error: invalid port format - format is [[hostIP:]hostPort:]containerPort`.
  podgen always writes `[::1]` in what it generates, so this only matters when
  the compose file is used with plain podman or podman-compose (info).
- **SCTP published by rootless Podman** (`"9000:9000/sctp"`).  The container is
  created, then fails to start with `Error: rootlessport spec was not
  validated?`: rootless port forwarding handles TCP and UDP only.

## Example
```yaml
services:
  web:
    image: nginx
    ports:
      - "8000-8010:80"        # PG102: a range over one container port
      - "::1:6000:6000"       # PG102 (info): write "[::1]:6000:6000"
      - "3868:3868/sctp"      # PG102: no SCTP rootless
```

## Fix
`podgen convert` and `podgen fix` publish a range over one container port on a
single port of the range: the first one that no other service publishes (and,
rootless, that is not privileged).  `podgen fix` brackets IPv6 host addresses
(Docker Compose accepts `[::1]:6000:6000` too).  SCTP cannot be published
rootless: run the project rootful, or publish TCP/UDP if the application
offers it.
"""
from __future__ import annotations

import os

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.rules._base import Rule
from podgen.rules.ports import HostPorts


def find_port(project, service: str, port, index: int):
    """The clone's copy of *port* (fixes run on a copy of the model, maybe after other fixes)."""
    svc = project.services.get(service)
    if svc is None:
        return None
    if index < len(svc.ports) and _same_port(svc.ports[index], port):
        return svc.ports[index]
    return next((p for p in svc.ports if _same_port(p, port)), None)


def _same_port(a, b) -> bool:
    return (a.span, a.target, a.protocol, a.host_ip) == (b.span, b.target, b.protocol, b.host_ip)


def source_scalar(span) -> str | None:
    """The scalar that starts at *span*, as written in the file (no quotes); None for a mapping."""
    if not span.file or not span.line:
        return None
    lines = _source_lines(span.file)
    if lines is None or span.line > len(lines):
        return None
    line = lines[span.line - 1]
    rest = line.rstrip("\r\n")[span.col - 1:]
    if rest[:1] in ("'", '"'):
        end = rest.find(rest[0], 1)
        return rest[1:end] if end > 0 else None
    if rest[:1] in ("{", "[", "&", "*", "!", "|", ">"):
        return None
    for stop in (", ", ",", "]", "}", " #"):
        cut = rest.find(stop)
        if cut >= 0:
            rest = rest[:cut]
    rest = rest.strip()
    if not rest or ": " in rest or rest.endswith(":"):
        return None
    return rest


_lines_cache: dict = {}


def _source_lines(path: str) -> list | None:
    """The lines of *path*, read once per version of the file (one read per port made a file
    with thousands of IPv6 ports quadratic)."""
    try:
        st = os.stat(path)
        key = (path, st.st_mtime_ns, st.st_size)
        lines = _lines_cache.get(key)
        if lines is None:
            with open(path, encoding="utf-8") as fh:
                lines = fh.read().split("\n")
            _lines_cache.clear()        # one file at a time is enough: ports are checked file by file
            _lines_cache[key] = lines
        return lines
    except (OSError, UnicodeDecodeError):
        return None


def bracketed(text: str) -> str | None:
    """``::1:80:80[/proto]`` -> ``[::1]:80:80[/proto]``; None when it is not that form."""
    body, slash, proto = text.partition("/")
    parts = body.split(":")
    if body.startswith("[") or len(parts) < 4:
        return None
    ip = ":".join(parts[:-2])
    return f"[{ip}]:{parts[-2]}:{parts[-1]}" + (slash + proto if slash else "")


def _pick(ctx, rng, proto: str, taken, floor: int) -> int:
    """A port of *rng* no other published port uses (*taken*: a HostPorts that counts *rng* too)."""
    start = max(rng[0], floor)
    if start <= rng[1]:
        candidate = taken.next_free_besides(start, proto, rng)
        if candidate is not None and candidate <= rng[1]:
            return candidate
    if rng[0] < floor:
        # the whole range is privileged: remap its first port as PG101 remaps a single one,
        # otherwise the fixed spec would still fail rootless
        from podgen.rules.pg101_privileged_port import _new_port
        opts = ctx.options_of("PG101")
        new = _new_port(rng[0], opts["remap"], opts["offset"],
                        lambda start: taken.next_free_besides(start, proto, rng))
        if new <= 65535:
            return new
    return rng[0]


def check(project, ctx):
    rootless = ctx.target.rootless
    floor = ctx.target.unprivileged_port_start if rootless else 1
    taken = None            # every published host port, counted once (for the first range)
    for svc in project.services.values():
        reported = set()
        for index, port in enumerate(svc.ports):
            rng = port.published_range
            if rng and rng[0] != rng[1]:
                if taken is None:
                    taken = HostPorts.of(project)
                yield _range(ctx, svc, index, port, rng, floor, taken)
            first = port.span not in reported
            reported.add(port.span)
            if port.host_ip and ":" in port.host_ip and first:
                found = _ipv6(ctx, svc, port)
                if found is not None:
                    yield found
            if port.protocol == "sctp" and rootless and first:
                yield ctx.diagnostic(
                    port.span, f"service {svc.name!r} publishes SCTP port {port.spec()}: rootless Podman "
                    "cannot forward SCTP (the container fails with 'rootlessport spec was not validated?')",
                    service=svc.name,
                    notes=("run this project rootful, or publish the port as tcp/udp if the application "
                           "supports it",))


def _range(ctx, svc, index, port, rng, floor, taken):
    new = _pick(ctx, rng, port.protocol, taken, floor)

    def apply(p, service=svc.name, index=index, port=port, new=new):
        target = find_port(p, service, port, index)
        r = target.published_range if target is not None else None
        if r is None or r[0] == r[1]:
            return []
        before = target.spec()
        target.published = str(new)
        return [Change(service, "ports", before, target.spec(), "PG102",
                       "Podman refuses a host port range over one container port")]

    return ctx.diagnostic(
        port.span,
        f"service {svc.name!r} publishes host ports {port.published} for the single container port "
        f"{port.target}: Podman refuses ranges of different lengths "
        f"('host and container port ranges have different lengths: {rng[1] - rng[0] + 1} vs 1')",
        service=svc.name,
        notes=(f"published on host port {new} instead" + (
            "" if rng[0] <= new <= rng[1] else f" (the whole range is below {floor}, which rootless Podman "
            "cannot bind)"),),
        fix=Fix(f"publish on host port {new} " + ("of the range" if rng[0] <= new <= rng[1] else "instead"),
                apply=apply,
                source_edits=(SourceEdit(port.span, "port_published", new),)))


def _ipv6(ctx, svc, port):
    token = source_scalar(port.span)
    if token is None or "[" in token:
        return None          # long syntax (host_ip: is fine there) or already bracketed
    new = None if "$" in token else bracketed(token)
    edits = (SourceEdit(port.span, "replace", new),) if new else ()
    fix = Fix(f"write {new}", source_edits=edits) if new else None
    return ctx.diagnostic(
        port.span,
        f"service {svc.name!r}: IPv6 host address {port.host_ip} in port {token!r} is not bracketed; "
        "plain podman rejects it ('invalid port format'), podgen writes it bracketed",
        service=svc.name, severity=Severity.INFO, fix=fix,
        notes=(f"write {new!r}, which Docker Compose accepts too" if new else
               "write the address in brackets, e.g. \"[::1]:8080:80\"",))


RULE = Rule(code="PG102", name="invalid-port-spec", severity=Severity.ERROR,
            summary="a port Podman refuses: host range over one container port, unbracketed IPv6, "
                    "rootless SCTP",
            doc=__doc__, check=check, fix="sometimes")

__all__ = ["RULE", "find_port", "source_scalar", "bracketed"]
