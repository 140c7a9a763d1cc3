"""Logging: the log driver and its options; what becomes of Docker's rotation (PG706).

Compose key: ``logging``.  The handler is ``logging(low, svc, spec, add)``
(see ``keys.py``).
"""
from __future__ import annotations

from podgen.report.diagnostics import Severity
from podgen.targets.podman.spec import Opt, unit_base


# Podman's log drivers (kept when named); Docker's file drivers, which PG706 leaves to Podman's default
LOG_DRIVERS = ("k8s-file", "journald", "none", "passthrough")
DOCKER_FILE_LOG_DRIVERS = ("json-file", "local")
# json-file/local rotation: the journal (or k8s-file's single file) replaces it (PG706)
LOG_ROTATION_OPTIONS = ("max-size", "max-file", "compress")


def logging(low, svc, spec, add):
    """The driver changes only when the compose file names a Podman one (PG706: json-file, local)."""
    logging = svc.raw.get("logging") or {}
    driver = logging.get("driver")
    driver = None if driver is None else str(driver)
    def unsupported(what, span, why):
        spec.notes.append(("PG701", low.warn(
            "PG701", svc, span, f"service {svc.name!r}: '{what}' has no Podman equivalent and was not "
            f"converted ({why})")))

    if driver is not None and driver not in LOG_DRIVERS and driver not in DOCKER_FILE_LOG_DRIVERS:
        unsupported("logging.driver", svc.span_of("logging", "driver"),
                    f"podman has no {driver!r} log driver (it has journald, k8s-file, none, passthrough)")
        return
    if driver in LOG_DRIVERS:
        add(Opt("--log-driver", driver, "LogDriver", since=(4, 5), source="logging",
                span=svc.span_of("logging", "driver")))
    kept = {"k8s-file": ("max-size", "path")}.get(driver, ("tag",) if driver != "none" else ())
    rotation = {}
    for k, v in (logging.get("options") or {}).items():
        k = str(k)
        if k in kept:
            add(Opt("--log-opt", f"{k}={v}", "LogOpt", "words", since=(5, 2), source="logging",
                    span=svc.span_of("logging", "options", k)))
        elif k in LOG_ROTATION_OPTIONS:
            rotation[k] = v
        else:
            unsupported(f"logging.options.{k}", svc.span_of("logging", "options", k),
                        "no podman log option of that name"
                        + (f" for the {driver} driver" if driver in LOG_DRIVERS else ""))
    if rotation or driver in DOCKER_FILE_LOG_DRIVERS:
        _log_rotation(low, svc, spec, driver, rotation)


def _log_rotation(low, svc, spec, driver, rotation: dict):
    """PG706: what becomes of Docker's file logging and its rotation options (reported, not dropped)."""
    unit = f"{unit_base(low.project.name, svc.name)}.service"
    journal = f"journalctl{' --user' if low.target.rootless else ''} -u {unit}"
    listed = ", ".join(f"{k}={v}" for k, v in rotation.items())
    some = "options" if len(rotation) > 1 else "option"
    are = "are" if len(rotation) > 1 else "is"
    if driver == "k8s-file":
        span = svc.span_of("logging", "options", next(iter(rotation)))
        message = (f"service {svc.name!r}: logging {some} {listed} {are} not converted: Podman's k8s-file "
                   "driver keeps one log file, truncated when it reaches max-size")
        notes = ("max-size is passed on (--log-opt max-size); for older logs, use the journal "
                 "(remove the driver) or ship the file elsewhere",)
    elif driver in LOG_DRIVERS:
        span = svc.span_of("logging", "options", next(iter(rotation)))
        where = ("the journal, which rotates them by journald.conf (SystemMaxUse=, MaxRetentionSec=)"
                 if driver == "journald" else
                 "the unit's output, i.e. the journal" if driver == "passthrough" else "nowhere")
        message = (f"service {svc.name!r}: logging {some} {listed} {are} not converted: with the {driver} "
                   f"driver the logs go to {where}")
        notes = ()
    else:
        what = (f"logging.driver {driver}" + (f" and its {some} {listed}" if rotation else "")
                if driver else f"the json-file rotation {some} {listed}")
        span = svc.span_of("logging", "driver") if driver else svc.span_of("logging", "options",
                                                                             next(iter(rotation)))
        message = (f"service {svc.name!r}: {what} {'are' if rotation or not driver else 'is'} not converted: "
                   f"Podman's default log driver keeps the logs, on a host with systemd the journal (podman logs "
                   f"{spec.name}, or for the unit {journal}), which rotates them by its own limits "
                   "(SystemMaxUse=, MaxRetentionSec= in journald.conf)")
        notes = ("to keep a size-capped log file instead, set logging.driver: k8s-file (Podman's json-file) "
                 "with max-size, which is passed as --log-opt max-size; k8s-file keeps one file, so max-file "
                 "and compress have no equivalent",
                 "a shell script (--format script) runs podman directly: on a host without systemd "
                 "Podman's default is k8s-file, one file without a size limit (log_size_max in "
                 "containers.conf sets one)")
    spec.notes.append(("PG706", low.warn("PG706", svc, span, message, severity=Severity.INFO, notes=notes)))
