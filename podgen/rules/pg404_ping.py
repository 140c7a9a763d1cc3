"""ICMP (ping) from containers: capabilities and the host's ping_group_range.

## Why
Three things differ from Docker (verified with Podman 4.3 and 5.4):

- **No NET_RAW by default.**  Docker grants `NET_RAW`; Podman's default
  capabilities do not include it.  Ping tools that use raw sockets (busybox,
  fping, many healthchecks) fail with `ping: permission denied (are you
  root?)`.  Containers get `net.ipv4.ping_group_range = 0 0`, so only a
  tool that uses ICMP datagram sockets and runs with group 0 works without it.
- **Rootless: ICMP leaves through the host's ping sockets.**  pasta and
  slirp4netns send echo requests to anything outside the rootless network
  namespace through unprivileged ICMP sockets of the host, which the host's
  `net.ipv4.ping_group_range` must allow for your group.  Otherwise every
  ping is lost (`100% packet loss`), even with NET_RAW; pings between
  containers of one network still work.  Many distributions allow every
  group (`0 2147483647`); some hosts allow none (`1 0`).
- **Rootless: `sysctls: net.ipv4.ping_group_range` must stay inside the
  user namespace.**  Only the group IDs mapped into the container exist
  (0-65536 with the usual 65536 subordinate IDs); Docker's common
  `"0 2147483647"` is refused: `crun: write to
  /proc/sys/net/ipv4/ping_group_range: Invalid argument` (5.4), `runc create
  failed: ... write /proc/sys/net/ipv4/ping_group_range: invalid argument`
  (4.3).

podgen looks for `ping`, `ping6` and `fping` run as a command (the program of
an exec-form list, or a command name in a shell script, `sh -c` included) in
`command`, `entrypoint` and `healthcheck`, not for the word anywhere
(`redis-cli ping`, `mysqladmin ping` or `curl http://localhost/ping` run no
ping and get no NET_RAW); for images that ping for a living (smokeping,
uptime-kuma, gatus, blackbox-exporter), for `cap_add: NET_RAW` and for the
sysctl.

## Example
```yaml
services:
  monitor:
    image: busybox
    command: ["sh", "-c", "while ping -c1 -W2 gateway; do sleep 60; done"]   # PG404
    sysctls:
      net.ipv4.ping_group_range: "0 2147483647"                           # PG404
```

## Fix
`podgen convert` and `podgen fix` add `cap_add: [NET_RAW]` to a service that
pings without it (what Docker grants by default) and narrow a rootless
`ping_group_range` to `0 65535`.  On the host, check `sysctl
net.ipv4.ping_group_range` and, as root, allow your group:
`sysctl -w net.ipv4.ping_group_range="0 2147483647"` (and a file in
/etc/sysctl.d/).  Prefer TCP or HTTP healthchecks over ping.
"""
from __future__ import annotations

import re

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.rules._base import Rule
from podgen.rules._shellcmd import runs

SYSCTL = "net.ipv4.ping_group_range"
SAFE_RANGE = "0 65535"
MAX_MAPPED_GID = 65536            # 0 = your group, 1..65536 = the usual subordinate range
PINGING_IMAGES = frozenset(("smokeping", "uptime-kuma", "gatus", "blackbox-exporter"))
PING_TOOLS = frozenset(("ping", "ping6", "fping", "fping6"))
_RAW = ("NET_RAW", "CAP_NET_RAW", "ALL")

HOST_NOTE = (f"rootless, pings beyond the containers' own network leave through the host's ICMP sockets: "
             f"the host's {SYSCTL} must include your group (check: sysctl {SYSCTL}; as root: sysctl -w "
             f"{SYSCTL}=\"0 2147483647\"), or every ping is lost")


def _has(caps, names) -> bool:
    return any(str(c).upper() in names for c in caps)


def _pings(argv=None, script=None) -> bool:
    # every name in PING_TOOLS contains "ping": most commands are ruled out without tokenizing
    if "ping" not in (script or "") and not any("ping" in w for w in argv or ()):
        return False
    return any(name in PING_TOOLS for name in runs(argv, script))


def ping_evidence(svc):
    """(span, what) of the first sign that *svc* pings, or None.

    Only a command name counts (``ping -c1 gw``, ``sh -c "... && ping6 ::1"``, ``/bin/ping``): a word
    ``ping`` anywhere else (``redis-cli ping``, ``curl http://x/ping``) is an argument, and a guess
    must never grant a capability.
    """
    command, entrypoint = svc.command, svc.entrypoint
    if entrypoint:
        # the container runs entrypoint + command: the command words are the entrypoint's arguments
        if _pings(entrypoint) or (command and _pings(list(entrypoint) + list(command))):
            key = "entrypoint" if _pings(entrypoint) else "command"
            return svc.span_of(key), f"its {key} runs ping"
    elif command and _pings(command):
        return svc.span_of("command"), "its command runs ping"
    test = svc.healthcheck.test if svc.healthcheck else None
    if test and len(test) > 1 and (_pings(argv=test[1:]) if test[0] == "CMD" else
                                   test[0] == "CMD-SHELL" and _pings(script=" ".join(test[1:]))):
        return svc.span_of("healthcheck", "test"), "its healthcheck runs ping"
    name = (svc.image or "").split("@", 1)[0].lower().rsplit("/", 1)[-1].split(":", 1)[0]
    if name in PINGING_IMAGES:
        return svc.span_of("image"), f"{name} pings the hosts it monitors"
    return None


def _range(value):
    m = re.fullmatch(r"\s*(\d+)\s+(\d+)\s*", str(value or ""))
    return (int(m.group(1)), int(m.group(2))) if m else None


def check(project, ctx):
    rootless = ctx.target.rootless
    for svc in project.services.values():
        privileged = svc.raw.get("privileged") in (True, "true")
        raw_added = privileged or _has(svc.cap_add, _RAW)
        raw_dropped = _has(svc.cap_drop, _RAW)
        evidence = ping_evidence(svc)
        explained = False
        if evidence and not raw_added and not raw_dropped:
            yield _no_net_raw(ctx, svc, evidence)
            explained = True
        if not rootless:
            continue
        value = svc.sysctls.get(SYSCTL)
        if value is not None and svc.network_mode != "host":         # host: PG402 reports net.* sysctls
            rng = _range(value)
            if rng is None or rng[0] > rng[1] or rng[1] > MAX_MAPPED_GID:
                yield _sysctl(ctx, svc, value)
                explained = True
        if explained:
            continue
        span = None
        if raw_added and not privileged and _has(svc.cap_add, _RAW):
            span = next((svc.span_of("cap_add", i) for i, c in enumerate(svc.cap_add) if str(c).upper() in _RAW),
                        svc.span_of("cap_add"))
            what = "it adds NET_RAW (raw sockets: ping, traceroute, ...)"
        elif evidence:
            span, what = evidence
        elif value is not None:
            span, what = svc.span_of("sysctls", SYSCTL), f"it sets {SYSCTL} for ICMP sockets"
        if span is not None:
            yield ctx.diagnostic(span, f"service {svc.name!r} uses ICMP ({what}): {HOST_NOTE}", service=svc.name,
                                 notes=("pings between containers of the same network are not affected",))


def _no_net_raw(ctx, svc, evidence):
    span, what = evidence

    def apply(p, service=svc.name, span=span):
        s = p.services.get(service)
        if s is None or _has(s.cap_add, _RAW):
            return []
        s.cap_add.append("NET_RAW")
        s.keys.setdefault("cap_add", span)
        return [Change(service, "cap_add", "(none)" if len(s.cap_add) == 1 else ", ".join(s.cap_add[:-1]),
                       "NET_RAW", "PG404", "Podman does not grant NET_RAW by default (Docker does)")]

    edits = (SourceEdit(svc.span, "key:add_list_item", "NET_RAW", key="cap_add"),) if svc.span.line else ()
    notes = ["Podman's default capabilities leave out NET_RAW, which Docker grants: raw-socket ping fails "
             "with 'ping: permission denied (are you root?)'"]
    if ctx.target.rootless:
        notes.append(HOST_NOTE)
    return ctx.diagnostic(span, f"service {svc.name!r} pings ({what}) without NET_RAW: Podman does not grant it "
                          "by default", service=svc.name, notes=tuple(notes),
                          fix=Fix("add NET_RAW to cap_add", apply=apply, source_edits=edits))


def _sysctl(ctx, svc, value):
    def apply(p, service=svc.name):
        s = p.services.get(service)
        if s is None or s.sysctls.get(SYSCTL) is None:
            return []
        old = s.sysctls[SYSCTL]
        s.sysctls[SYSCTL] = SAFE_RANGE
        return [Change(service, "sysctls", f"{SYSCTL}={old}", f"{SYSCTL}={SAFE_RANGE}", "PG404",
                       "rootless, only the group IDs mapped into the container can be used")]

    edits = (SourceEdit(svc.span, "key:set_kv", SAFE_RANGE, key=f"sysctls/{SYSCTL}"),) if svc.span.line else ()
    return ctx.diagnostic(
        svc.span_of("sysctls", SYSCTL),
        f"service {svc.name!r} sets {SYSCTL}={value!r}: rootless, the range must stay within the group IDs of the "
        f"user namespace (0-{MAX_MAPPED_GID}); the container fails to start ('write to "
        f"/proc/sys/net/ipv4/ping_group_range: Invalid argument')", service=svc.name, severity=Severity.ERROR,
        notes=(f"narrowed to {SAFE_RANGE!r}, which covers every group a rootless container has", HOST_NOTE),
        fix=Fix(f"set {SYSCTL} to {SAFE_RANGE!r}", apply=apply, source_edits=edits))


RULE = Rule(code="PG404", name="ping", severity=Severity.WARNING,
            summary="ping: NET_RAW is not a default capability (added); rootless ICMP depends on the host's "
                    "ping_group_range; a wide ping_group_range sysctl is refused (narrowed)",
            doc=__doc__, check=check, fix="sometimes")
