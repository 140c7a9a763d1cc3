"""Health, restart and dependencies: when the container starts, stops and counts as up.

Compose keys: ``depends_on``, ``links`` (the start order; their aliases are
PG202's fix), ``restart`` (and ``deploy.restart_policy``: ``restart_policy``),
``healthcheck``, ``init``, ``stop_signal``, ``stop_grace_period``.  After all
services: ``mark_dependencies`` (who must notify when healthy, who runs once).
Handlers are ``handler(low, svc, spec, add)`` (see ``keys.py``).
"""
from __future__ import annotations

import json

from podgen.report.diagnostics import Severity
from podgen.targets.podman.spec import LoweringError, Opt, Requirement, parse_duration, podman_duration


def depends_on(low, svc, spec, add):
    for dep in svc.depends_on.values():
        spec.requires.append(Requirement(dep.service, dep.condition, dep.required, dep.restart))


def links(low, svc, spec, add):
    for target, _alias in svc.links:
        if not any(r.service == target for r in spec.requires):
            spec.requires.append(Requirement(target, required=False))


def restart(low, svc, spec, add):
    value = svc.restart
    if value == "":
        return          # e.g. restart: ${POLICY} with POLICY unset (PG003): Compose's default, "no"
    if value not in ("no", "always", "unless-stopped", "on-failure") and not (
            value.startswith("on-failure:") and value[len("on-failure:"):].isdigit()):
        raise LoweringError(f"service {svc.name!r}: unknown restart policy {value!r}",
                            svc.keys.get("restart"), "use no, always, on-failure[:N] or unless-stopped")
    spec.restart = value



def restart_policy(svc, spec, policy: dict):
    """``deploy.restart_policy`` (read by ``resources.deploy``): the policy when ``restart:`` sets none."""
    if policy and "restart" not in svc.keys:
        cond = policy.get("condition", "any")
        spec.restart = {"none": "no", "on-failure": "on-failure", "any": "always"}.get(cond, "always")
        if policy.get("max_attempts") is not None and spec.restart == "on-failure":
            spec.restart = f"on-failure:{policy['max_attempts']}"

def healthcheck(low, svc, spec, add):
    hc = svc.healthcheck
    span = svc.keys.get("healthcheck")
    if hc.disable or (hc.test and hc.test[0] == "NONE"):
        add(Opt("--health-cmd", "none", "HealthCmd", since=(4, 5), source="healthcheck", span=span))
        return
    if hc.test:
        kind = hc.test[0]
        if kind == "CMD-SHELL":
            cmd = " ".join(hc.test[1:])
            value = cmd
        elif kind == "CMD":
            value = json.dumps(hc.test[1:], ensure_ascii=False)
        else:
            raise LoweringError(f"service {svc.name!r}: healthcheck test must start with CMD, CMD-SHELL "
                                f"or NONE, not {kind!r}", svc.span_of("healthcheck", "test"),
                                "e.g. test: [\"CMD\", \"pg_isready\"]")
        add(Opt("--health-cmd", value, "HealthCmd", since=(4, 5), source="healthcheck", span=span))
        spec.has_healthcheck = True
    for attr, flag, key in (("interval", "--health-interval", "HealthInterval"),
                            ("timeout", "--health-timeout", "HealthTimeout"),
                            ("start_period", "--health-start-period", "HealthStartPeriod")):
        v = getattr(hc, attr)
        if v is not None:
            add(Opt(flag, podman_duration(v, svc.span_of("healthcheck", attr)), key, since=(4, 5),
                    source="healthcheck"))
    if hc.retries is not None:
        add(Opt("--health-retries", str(hc.retries), "HealthRetries", since=(4, 5), source="healthcheck"))
    if hc.start_interval is not None:
        spec.notes.append(("PG701", low.warn(
            "PG701", svc, svc.span_of("healthcheck", "start_interval"),
            f"service {svc.name!r}: healthcheck.start_interval has no Podman equivalent and was "
            "not converted", severity=Severity.INFO)))
    interval = parse_duration(hc.interval or "30s")
    timeout = parse_duration(hc.timeout or "30s")
    start = parse_duration(hc.start_period or "0s")
    retries = hc.retries if hc.retries is not None else 3
    spec.health_timeout_s = int(start + (interval + timeout) * (retries + 1)) + 30


def init(low, svc, spec, add):
    if svc.init:
        add(Opt("--init", None, "RunInit", "bool", qvalue="true", source="init"))


def stop_signal(low, svc, spec, add):
    add(Opt("--stop-signal", svc.stop_signal, "StopSignal", since=(5, 2), source="stop_signal"))


def stop_grace_period(low, svc, spec, add):
    seconds = parse_duration(svc.stop_grace_period, svc.keys.get("stop_grace_period"))
    whole = max(int(seconds + 0.999), 0)
    spec.stop_timeout = whole
    add(Opt("--stop-timeout", str(whole), "StopTimeout", since=(5, 0), source="stop_grace_period"))


def mark_dependencies(low, containers):
    by_service = {c.service: c for c in containers}
    for c in containers:
        for req in c.requires:
            dep = by_service.get(req.service)
            if dep is None:
                continue
            if req.condition == "service_healthy":
                if dep.has_healthcheck:
                    dep.notify_healthy = True
                else:
                    svc = low.project.services[c.service]
                    hc = low.project.services[req.service].healthcheck
                    # podgen cannot look into images: a HEALTHCHECK in the image is invisible
                    why = (f"the healthcheck of {req.service!r} sets no test (podgen cannot see one "
                           "its image may define)" if hc is not None and not hc.disable and not hc.test
                           else f"{req.service!r} has no healthcheck")
                    c.notes.append(("PG705", low.warn(
                        "PG705", svc, svc.depends_on[req.service].span,
                        f"service {c.service!r} waits for {req.service!r} to be healthy, but "
                        f"{why}; it only waits for it to start")))
            elif req.condition == "service_completed_successfully":
                dep.oneshot = True
    for c in containers:
        if c.oneshot and c.restart in ("always", "unless-stopped"):
            # systemd refuses Restart=always (and on-success) for Type=oneshot: "Service has Restart=
            # set to either always or on-success, which isn't allowed for Type=oneshot services"
            svc = low.project.services[c.service]
            c.notes.append(("PG701", low.warn(
                "PG701", svc, svc.keys.get("restart") or svc.keys.get("deploy") or svc.span,
                f"service {c.service!r}: restart: {c.restart} is not converted: others wait for it to "
                "complete, so it runs to completion once (systemd refuses Restart=always for such a "
                "Type=oneshot unit); restart: on-failure is kept", severity=Severity.INFO)))
