"""A `ulimits` value above the hard limit of the user who runs the containers.

## Why
Rootless, a container cannot get more than the hard limits of the user who
starts it: raising a hard limit needs CAP_SYS_RESOURCE in the host's user
namespace.  For Quadlet units that user's limits are those of their systemd
user manager (`user@UID.service`); on current distributions systemd gives it
NOFILE 524288 (soft 1024) and MEMLOCK 8 MiB.  Compose's `memlock` is in
bytes: 8 MiB is 8388608.  Verified with Podman 4.3.1 (runc) and 5.4.2 and
5.8.6 (crun):

- an explicit value above the hard limit: the container does not start
  (Podman 5: ``crun: setrlimit `RLIMIT_NOFILE`: Operation not permitted``;
  Podman 4: `error setting rlimit type 7: operation not permitted`);
- `-1` (unlimited): Podman 5 replaces it by the hard limit, silently:
  `memlock: -1` starts with 8 MiB, which services that lock their memory
  (Elasticsearch with `bootstrap.memory_lock=true`) then refuse; Podman 4.3
  with runc refuses it like any other raise.  podgen reports `-1` as an error
  for every 4.x target and as a warning for 5.x.

podgen checks `nofile` and `memlock`, whose defaults it can state; the
others (`nproc`, ...) depend on the host.  Rootful Podman is not limited.

## Example
```yaml
services:
  zulip:
    image: zulip/docker-zulip
    ulimits:
      nofile: 1048576              # PG501 error: above 524288
  elasticsearch:
    image: elasticsearch:8.15.0
    ulimits:
      memlock:
        soft: -1
        hard: -1                   # PG501 warning (Podman 5): gets 8 MiB
```

## Fix
`podgen convert` and `podgen fix` lower an explicit value to the hard limit
(the most the container can get rootless) and, on Podman 4, replace `-1` by
it.  To give the service what it asks for instead, raise the limit of the
user manager, as root:

```ini
# /etc/systemd/system/user@.service.d/limits.conf
[Service]
LimitNOFILE=1048576
LimitMEMLOCK=infinity
```

then `systemctl daemon-reload` and restart the user manager
(`systemctl restart user@UID.service`, or log out everywhere and back in);
or run the project rootful.  If the host's limits differ from systemd's
defaults, tell podgen (options `nofile` and `memlock`: a number, `-1` for
unlimited, or `"host"` to read this machine's own hard limits when linting
on the host that will run the units):

```toml
[tool.podgen.rules.ulimit-above-rootless-limit]
nofile = "host"
memlock = 67108864
```
"""
from __future__ import annotations

from podgen.report.diagnostics import Change, Fix, Severity, SourceEdit
from podgen.rules._base import Rule

# compose name -> (resource name, systemd key, number in runc's error)
LIMITS = {"nofile": ("RLIMIT_NOFILE", "LimitNOFILE", 7), "memlock": ("RLIMIT_MEMLOCK", "LimitMEMLOCK", 8)}
DEFAULTS = {"nofile": 524288, "memlock": 8 * 1024 * 1024}
HOST = "host"
DROP_IN = "/etc/systemd/system/user@.service.d/limits.conf"


def check_option(name, value):
    """An option is a number of at least -1 (-1: unlimited) or "host"."""
    if value == HOST or (type(value) is int and value >= -1):
        return None
    if isinstance(value, bool):
        got = "a boolean"
    elif isinstance(value, int):
        got = f"{value}"
    elif isinstance(value, str):
        got = repr(value)
    else:
        got = f"a {type(value).__name__}"
    return (), 'a number of at least -1 (-1: unlimited) or "host"', got


def _host_limit(name: str):
    import resource
    hard = resource.getrlimit(getattr(resource, LIMITS[name][0]))[1]
    return None if hard == resource.RLIM_INFINITY else hard


def _limit(ctx, name: str):
    """(hard limit or None for unlimited, what it is)."""
    value = ctx.option(name)
    if value == HOST:
        return _host_limit(name), "this machine's hard limit"
    if check_option(name, value) is not None:
        value = DEFAULTS[name]
    if value == -1:
        return None, ""
    if value == DEFAULTS[name]:
        return value, "the hard limit systemd gives a user's services"
    return value, "the user's hard limit (configured)"


def _int(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _human(name: str, value: int) -> str:
    if name != "memlock":
        return str(value)
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if value >= size and value % size == 0:
            return f"{value // size} {unit} ({value} bytes)"
    return f"{value} bytes"


def check(project, ctx):
    if not ctx.target.rootless:
        return
    for svc in project.services.values():
        for name, (soft, hard) in svc.ulimits.items():
            if name not in LIMITS:
                continue
            limit, source = _limit(ctx, name)
            if limit is None:
                continue
            found = _check_one(ctx, svc, name, {"soft": _int(soft), "hard": _int(hard)}, limit, source)
            if found is not None:
                yield found


def _check_one(ctx, svc, name, values, limit, source):
    over = [part for part, v in values.items() if v is not None and v > limit]
    unlimited = [part for part, v in values.items() if v == -1]
    if not over and not unlimited:
        return None
    refuses = not ctx.target.at_least(5, 0)       # runc: every raise; crun under Podman 5: -1 is clamped
    spans = {part: svc.span_of("ulimits", name, part) for part in values}
    where = "hard" if "hard" in over or (not over and "hard" in unlimited) else (over or unlimited)[0]
    span = spans[where]
    resource, key, number = LIMITS[name]
    limit_text = _human(name, limit)
    shown = str(values[where]) if values["soft"] == values["hard"] else f"{where} {values[where]}"
    if values[where] == -1:
        shown += " (unlimited)"
    wanted = "infinity" if -1 in values.values() else str(max(v for v in values.values() if v is not None))
    notes = []
    if over or refuses:
        if refuses:
            why = (f"Podman {ctx.target.version} refuses it and the container does not start (runc: 'error "
                   f"setting rlimit type {number}: operation not permitted')")
            if values[where] == -1 and not ctx.target.version.startswith("4.3"):
                why += f"; podgen takes Podman {ctx.target.version} to refuse -1 as 4.3 does"
        else:
            why = f"the container does not start ('crun: setrlimit `{resource}`: Operation not permitted')"
        message = f"service {svc.name!r}: ulimits {name} {shown} is above {limit_text}, {source}: {why}"
        severity = Severity.ERROR
        notes.append(("write" if values[where] == -1 else "lower it to") + f" {limit}: that is the most "
                     "the container can get rootless (podgen convert and podgen fix do)")
    else:
        message = (f"service {svc.name!r}: ulimits {name} {shown} gets {limit_text} rootless, {source}: Podman "
                   f"{ctx.target.version} replaces -1 by it without a word")
        if name == "memlock":
            message += ("; a service that locks its memory (Elasticsearch with bootstrap.memory_lock=true) then "
                        "refuses to start")
        severity = Severity.WARNING
        notes.append(f"write {limit} to say what the service really gets, if that is enough for it")
    notes.append(f"or raise the limit of your user's services, as root: {DROP_IN} with [Service] and "
                 f"{key}={wanted}, then systemctl daemon-reload and restart the user manager (systemctl "
                 "restart user@UID.service, or log out everywhere and back in)")
    notes.append("or run the project rootful (--rootful)")
    if source.startswith("the hard limit systemd"):
        notes.append(f"podgen assumes systemd's default ({name} {limit}); if the host's hard limit differs, say so "
                     f"in podgen's configuration: rules.ulimit-above-rootless-limit.{name} = N, or \"host\" to "
                     "read this machine's")
    fix = _fix(svc, name, values, spans, limit, refuses) if severity is Severity.ERROR else None
    return ctx.diagnostic(span, message, service=svc.name, severity=severity, notes=notes, fix=fix)


def _fix(svc, name, values, spans, limit, refuses):
    def lowered(v):
        if v is None:
            return v
        return limit if v > limit or (v == -1 and refuses) else v

    new = {part: lowered(v) for part, v in values.items()}
    edits = []
    seen = set()
    for part in ("soft", "hard"):
        span = spans[part]
        if new[part] != values[part] and span.line and span not in seen and span != svc.span_of("ulimits"):
            seen.add(span)
            edits.append(SourceEdit(span, "replace", new[part]))

    def text(soft, hard):
        return f"{name}={soft}" if soft == hard else f"{name}={soft}:{hard}"

    def apply(p, service=svc.name, name=name, lowered=lowered):
        s = p.services.get(service)
        if s is None or name not in s.ulimits:
            return []
        soft, hard = s.ulimits[name]
        ns, nh = lowered(_int(soft)), lowered(_int(hard))
        if (ns, nh) == (_int(soft), _int(hard)):
            return []
        s.ulimits[name] = (ns, nh)
        return [Change(service, "ulimits", text(soft, hard), text(ns, nh), "PG501",
                       f"the user's hard limit, the most a rootless container can get; to give it more, raise "
                       f"{LIMITS[name][1]}= of user@.service")]

    return Fix(f"lower {name} to {limit}, the user's hard limit", apply=apply, source_edits=tuple(edits))


RULE = Rule(code="PG501", name="ulimit-above-rootless-limit", severity=Severity.ERROR,
            summary="a ulimits value above the rootless user's hard limit (nofile 524288, memlock 8 MiB): the "
                    "container does not start, or -1 silently gets the limit; explicit values lowered to it",
            doc=__doc__, check=check, fix="sometimes",
            options=dict(DEFAULTS), check_option=check_option)
