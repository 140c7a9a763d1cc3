"""A `network_mode` the target's Podman does not have: `pasta` before Podman 4.4.

## Why
Podman's `pasta` network mode (user-mode networking through passt/pasta)
came with Podman 4.4 (containers/podman#16141, merged November 2022, first
released in 4.4.0).  Podman 4.3 does not know it and reads its options as
those of a bridge network, so the container never starts (verified with
4.3.1): `Error: invalid option for network pasta: unknown bridge network
option: --ipv4-only`.  A plain `network_mode: pasta` fails the same way.

Podman 4.3's rootless default, `slirp4netns`, is user-mode networking too
(its own network stack, ports forwarded from the host); options with a
slirp4netns equivalent are translated:

| pasta | slirp4netns |
|---|---|
| `--mtu N`, `-m N` | `mtu=N` |
| `--ipv4-only`, `-4` | `enable_ipv6=false` |
| `--map-gw` | `allow_host_loopback=true` |
| `--no-map-gw` | (slirp4netns' default) |
| `--outbound ADDR`, `-o ADDR` | `outbound_addr=ADDR` (`outbound_addr6` for IPv6) |
| `--outbound-if4 IF`, `--outbound-if6 IF` | `outbound_addr=IF`, `outbound_addr6=IF` |

Every other pasta option (addresses, routes, DNS, port forwarding, ...) has
none and is named in the finding.

The rule is a table of network modes and the versions that have them:
Podman 6 removes `slirp4netns` (`--network=slirp4netns` fails and points to
pasta), so a 6.x target will add the opposite entry (`slirp4netns` from 6.0
-> `pasta`, `mtu=N` -> `--mtu,N`, `enable_ipv6=false` -> `--ipv4-only`, ...)
once podgen has such a target.

## Example
```yaml
services:
  app:
    image: alpine
    network_mode: "pasta:--ipv4-only,--mtu,1280"   # PG407 with --podman-version 4.3
```

## Fix
`podgen convert` and `podgen fix` write `slirp4netns` with the translated
options (`slirp4netns:enable_ipv6=false,mtu=1280` above).  Unlike pasta,
slirp4netns gives the container its own address (10.0.2.100), not the
host's, and its published ports do not keep the client's address (PG302).
Or target Podman 4.4 or newer.
"""
from __future__ import annotations

from typing import Callable

from podgen._record import record
from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.rules._base import Rule


@record(frozen=True)
class Unavailable:
    """A network mode that Podman has only from ``since`` (and before ``until``), and what replaces it."""
    since: tuple | None
    until: tuple | None
    replacement: str
    translate: Callable            # options (list of str) -> (replacement options, options with no equivalent)
    why: str


# pasta options that take a value (as the next item, or written --opt=value)
PASTA_WITH_VALUE = frozenset((
    "-m", "--mtu", "-a", "--address", "-n", "--netmask", "-g", "--gateway", "-i", "--interface",
    "-o", "--outbound", "--outbound-if4", "--outbound-if6", "-D", "--dns", "--dns-forward", "-S", "--search",
    "-t", "--tcp-ports", "-u", "--udp-ports", "-T", "-U", "--map-host-loopback", "--map-guest-addr",
    "-p", "--pcap", "-I", "--ns-ifname", "-M", "--mac-addr", "--userns", "--netns", "-P", "--pid",
    "-l", "--log-file", "--runas", "-H", "--hostname", "--fqdn"))


def _pasta_items(options: list) -> list:
    """``["--mtu", "1280", "-4"]`` -> ``[("--mtu", "1280", "--mtu,1280"), ("-4", None, "-4")]``."""
    out, i = [], 0
    while i < len(options):
        item = options[i]
        name, eq, value = item.partition("=")
        if eq and name.startswith("-"):
            out.append((name, value, item))
        elif item in PASTA_WITH_VALUE and i + 1 < len(options):
            out.append((item, options[i + 1], f"{item},{options[i + 1]}"))
            i += 1
        else:
            out.append((item, None, item))
        i += 1
    return out


def pasta_to_slirp4netns(options: list) -> tuple:
    mapped, lost = [], []
    for name, value, text in _pasta_items(options):
        if name in ("-m", "--mtu") and value:
            mapped.append(f"mtu={value}")
        elif name in ("-4", "--ipv4-only") and value is None:
            mapped.append("enable_ipv6=false")
        elif name == "--map-gw" and value is None:
            mapped.append("allow_host_loopback=true")
        elif name == "--no-map-gw" and value is None:
            pass                                    # slirp4netns does not reach the host's loopback by default
        elif name in ("-o", "--outbound") and value:
            mapped.append(f"outbound_addr6={value}" if ":" in value else f"outbound_addr={value}")
        elif name == "--outbound-if4" and value:
            mapped.append(f"outbound_addr={value}")
        elif name == "--outbound-if6" and value:
            mapped.append(f"outbound_addr6={value}")
        else:
            lost.append(text)
    return list(dict.fromkeys(mapped)), lost


MODES = {
    "pasta": Unavailable(since=(4, 4), until=None, replacement="slirp4netns", translate=pasta_to_slirp4netns,
                         why="pasta came with Podman 4.4"),
    # Podman 6 removes slirp4netns: "slirp4netns": Unavailable(since=None, until=(6, 0), replacement="pasta",
    # translate=slirp4netns_to_pasta, ...), once podgen has 6.x targets
}


def _unavailable(mode: str, target):
    entry = MODES.get(mode)
    if entry is None:
        return None
    if entry.since and not target.at_least(*entry.since):
        return entry
    if entry.until and target.at_least(*entry.until):
        return entry
    return None


def replacement_for(network_mode: str, target):
    """(new network_mode, options with no equivalent, the entry), or None when the target has the mode."""
    mode, _, opts = network_mode.partition(":")
    entry = _unavailable(mode, target)
    if entry is None:
        return None
    mapped, lost = entry.translate([o for o in opts.split(",") if o] if opts else [])
    new = entry.replacement + (":" + ",".join(mapped) if mapped else "")
    return new, lost, entry


def check(project, ctx):
    for svc in project.services.values():
        if not svc.network_mode:
            continue
        found = replacement_for(svc.network_mode, ctx.target)
        if found is None:
            continue
        new, lost, entry = found
        mode = svc.network_mode.partition(":")[0]
        notes = [f"written as network_mode: {new} (user-mode networking with port forwarding, like {mode})"]
        if lost:
            notes.append(f"{mode} option{'s' if len(lost) > 1 else ''} with no {entry.replacement} equivalent, "
                         f"removed: {', '.join(lost)}")
        notes.append(f"or target a Podman that has {mode} ({entry.why})")
        yield ctx.diagnostic(
            svc.span_of("network_mode"),
            f"service {svc.name!r}: network_mode {svc.network_mode!r} is not available in Podman "
            f"{ctx.target.version} ({entry.why}): the container does not start",
            service=svc.name, notes=tuple(notes), fix=_fix(svc, new, lost))


def _fix(svc, new: str, lost: list) -> Fix:
    def apply(p, service=svc.name, new=new, lost=tuple(lost)):
        s = p.services.get(service)
        if s is None or s.network_mode == new:
            return []
        before, s.network_mode = s.network_mode, new
        if "network_mode" in s.raw:
            s.raw["network_mode"] = new
        why = "the target's Podman does not have this network mode"
        if lost:
            why += f"; no equivalent for {', '.join(lost)}"
        return [Change(service, "network_mode", before, new, "PG407", why)]

    span = svc.spans.get(("network_mode",))
    edits = (SourceEdit(span, "replace", new),) if span and span.line else ()
    return Fix(f"use network_mode: {new}", apply=apply, source_edits=edits)


RULE = Rule(code="PG407", name="network-mode-unavailable", severity=Severity.ERROR,
            summary="a network_mode the target's Podman does not have (pasta before 4.4): converted to "
                    "slirp4netns",
            doc=__doc__, check=check, fix="always")
