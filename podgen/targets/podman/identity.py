"""Identity and environment: what the container is and what it runs with.

Compose keys: ``image``, ``build``, ``container_name`` (read when the spec is
made: ``new_container``), ``command``, ``entrypoint``, ``environment``,
``labels``, ``annotations``, ``user``, ``working_dir``, ``hostname``,
``domainname``, ``platform``, ``pull_policy``, ``tty``, ``stdin_open``.
Each handler is ``handler(low, svc, spec, add)``: *low* the ``Lowering``,
*svc* the model's ``Service``, *spec* its ``ContainerSpec``, *add* appends an
``Opt``.  The table in ``keys.py`` names them.
"""
from __future__ import annotations

import os

from podgen.model import Service
from podgen.report.diagnostics import Severity
from podgen.targets.podman.spec import (MAX_NAME, ContainerSpec, LoweringError, Opt, check_name, qualify_image, raw_opt,
                                        unit_base)


def new_container(low, svc: Service) -> ContainerSpec:
    """The service's ``ContainerSpec``: its unit and container name, its image (built ones get a
    ``localhost/`` name and PG702, how to build it), its command and entrypoint."""
    p = low.project
    image = svc.image
    build = None
    if svc.build is not None:
        build = dict(svc.build)
        if not image:
            image = f"localhost/{p.name}-{svc.name}:latest"
    spec = ContainerSpec(service=svc.name, unit=unit_base(p.name, svc.name),
                         name=svc.container_name or f"{p.name}-{svc.name}-1",
                         image=qualify_image(image or ""), span=svc.span, build=build)
    check_name("container", spec.name, svc.spans.get(("container_name",)) or svc.span)
    if len(spec.unit.encode()) > MAX_NAME:
        raise LoweringError(f"unit name {spec.unit[:40]!r}... (project-service) is too long", svc.span,
                            f"use a shorter service or project name (at most {MAX_NAME} characters together)")
    if build is not None:
        spec.notes.append(("PG702", low.warn(
            "PG702", svc, svc.keys.get("build"),
            f"service {svc.name!r} builds its image; build it first with: "
            f"{build_command(spec.image, build)}", severity=Severity.INFO)))
    spec.command = svc.command
    spec.entrypoint = svc.entrypoint
    return spec


def image(low, svc, spec, add):
    """``image``, ``build``, ``container_name``, ``command``, ``entrypoint``: read by
    ``new_container`` when the spec is made (they name it); nothing is left to add."""


build = container_name = command = entrypoint = image


def environment(low, svc, spec, add):
    for name, value in svc.environment.items():
        if value is None:
            spec.notes.append(("PG704", low.warn(
                "PG704", svc, svc.environment_spans.get(name),
                f"service {svc.name!r}: environment variable {name} has no value here and is not "
                "set in the environment podgen ran in; it was left out")))
            continue
        _check_env_name(name, svc)
        add(Opt("--env", f"{name}={value}", "Environment", "keyval", source="environment",
                span=svc.environment_spans.get(name)))


def labels(low, svc, spec, add):
    for name, value in svc.labels.items():
        span = svc.span_of("labels", name)
        _check_key_name("label", name, svc, span)
        add(Opt("--label", f"{name}={value}", "Label", "keyval", source="labels", span=span))


def annotations(low, svc, spec, add):
    for name, value in svc.annotations.items():
        _check_key_name("annotation", name, svc, svc.span_of("annotations"))
        add(Opt("--annotation", f"{name}={value}", "Annotation", "keyval", source="annotations"))


def user(low, svc, spec, add):
    add(Opt("--user", svc.user, "User", source="user", span=svc.keys.get("user")))


def working_dir(low, svc, spec, add):
    add(Opt("--workdir", svc.working_dir, "WorkingDir", since=(4, 6), source="working_dir",
            span=svc.keys.get("working_dir")))


def hostname(low, svc, spec, add):
    add(Opt("--hostname", svc.hostname, "HostName", since=(4, 6), source="hostname",
            span=svc.keys.get("hostname")))


def domainname(low, svc, spec, add):
    low.unsupported(svc, "domainname", "podman run has no --domainname; put the FQDN in hostname", spec)


def platform(low, svc, spec, add):
    add(raw_opt(svc, "platform", "--platform"))


def pull_policy(low, svc, spec, add):
    policy = str(svc.raw["pull_policy"])
    mapping = {"always": "always", "never": "never", "missing": "missing", "if_not_present": "missing",
               "build": "never"}
    if policy in mapping:
        add(Opt("--pull", mapping[policy], "Pull", since=(4, 6), source="pull_policy"))
    else:
        spec.notes.append(("PG701", low.warn(
            "PG701", svc, svc.keys.get("pull_policy"),
            f"service {svc.name!r}: pull_policy {policy!r} has no Podman equivalent; consider "
            "AutoUpdate=registry with podman-auto-update.timer")))


def tty(low, svc, spec, add):
    if svc.raw.get("tty") in (True, "true"):
        add(Opt("--tty", None, source="tty"))


def stdin_open(low, svc, spec, add):
    if svc.raw.get("stdin_open") in (True, "true"):
        add(Opt("--interactive", None, source="stdin_open"))


def build_command(image: str, build: dict) -> str:
    """The ``podman build`` that makes *image* as the compose ``build:`` section describes it."""
    import shlex
    context = str(build.get("context", "."))
    words = ["podman", "build", "-t", image]
    dockerfile = build.get("dockerfile")
    if dockerfile and dockerfile != "Dockerfile":     # the default, which podman build finds itself
        # compose resolves it against the context; podman build -f against the working directory
        words += ["-f", dockerfile if os.path.isabs(dockerfile) or "://" in context
                  else os.path.join(context, dockerfile)]
    if build.get("target"):
        words += ["--target", str(build["target"])]
    for name, value in (build.get("args") or {}).items():
        words.append(f"--build-arg={name}" if value is None else f"--build-arg={name}={value}")
    words.append(context)
    command = " ".join(shlex.quote(w) for w in words)
    if build.get("dockerfile_inline") is not None:
        command += " (with the service's dockerfile_inline saved as the Containerfile, passed with -f)"
    return command


def _check_key_name(kind: str, name: str, svc: Service, span):
    """podman splits --label/--annotation KEY=VALUE at the first '=': a key cannot hold one."""
    if not name or "=" in name:
        raise LoweringError(f"service {svc.name!r}: {kind} name {name!r} cannot be passed to podman",
                            span, f"podman reads --{kind} KEY=VALUE up to the first '='; rename the {kind}")


def _check_env_name(name: str, svc: Service):
    if not name or "\n" in name or "=" in name or "\x00" in name:
        raise LoweringError(f"service {svc.name!r}: invalid environment variable name {name!r}",
                            svc.environment_spans.get(name), "names cannot contain '=' or newlines")
