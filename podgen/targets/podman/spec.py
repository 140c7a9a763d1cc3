"""The lowered form of a project: what Podman must do, shared by both writers.

A compose ``Service`` becomes a ``ContainerSpec``: ``Opt`` entries (a
``podman run`` flag and, where Quadlet has one, the Quadlet key with its
parsing kind and first version) and unit-level facts (dependencies, restart
policy, directories to create).  ``quadlet.py`` and ``script.py`` only decide
*how to write* these; *what* Podman must do is decided once, by
``lowering.py`` and the handlers it dispatches to (``keys.py``).

This module holds the records and the value conversions the handlers share
(durations, sizes, image names, object names); ``LoweringError`` is a value
podgen cannot pass to Podman (PG703).
"""
from __future__ import annotations

import re
from dataclasses import field

from podgen._record import record
from podgen.load.normalize import size_bytes, SIZE_PARTS
from podgen.report.diagnostics import Span

# The labels Docker Compose puts on containers, kept so tools that group by them work.
LABEL_PROJECT = "com.docker.compose.project"
LABEL_SERVICE = "com.docker.compose.service"


@record
class Opt:
    flag: str
    value: str | None = None
    key: str | None = None          # Quadlet [Container] key, None -> PodmanArgs
    kind: str = "single"            # single | line | words | args | keyval | bool
    since: tuple = (4, 4)
    qvalue: str | None = None       # the Quadlet key's value when it differs from value
    source: str = ""
    span: Span | None = None
    note: str | None = None
    comments: list = field(default_factory=list)   # diagnostics and changes about this option
    runtime_dir: bool = False       # value starts with model.RUNTIME_DIR (%t in units, expanded in scripts)

    def arg(self) -> str:
        """The option as one podman argument (``--flag=value``)."""
        return self.flag if self.value is None else f"{self.flag}={self.value}"


@record
class Requirement:
    service: str
    condition: str = "service_started"
    required: bool = True
    restart: bool = False


@record
class ContainerSpec:
    service: str
    unit: str
    name: str
    image: str
    span: Span
    options: list = field(default_factory=list)
    command: list | None = None
    entrypoint: list | None = None
    restart: str | None = None              # compose value: no|always|on-failure[:N]|unless-stopped
    requires: list = field(default_factory=list)
    host_dirs: list = field(default_factory=list)
    secrets: list = field(default_factory=list)     # (podman secret name, file) to create
    notify_healthy: bool = False
    oneshot: bool = False
    has_healthcheck: bool = False
    health_timeout_s: int = 0
    network_owner: str | None = None        # service whose network namespace this one joins
    pod: str | None = None
    build: dict | None = None
    notes: list = field(default_factory=list)       # (code, text) comments for this unit
    stop_timeout: int | None = None


@record
class NetworkSpec:
    key: str
    unit: str
    name: str
    driver: str | None = None
    options: dict = field(default_factory=dict)
    subnets: list = field(default_factory=list)     # dicts: subnet, gateway, ip_range
    ipam_driver: str | None = None
    internal: bool = False
    ipv6: bool = False
    labels: dict = field(default_factory=dict)
    external: bool = False
    span: Span | None = None
    notes: list = field(default_factory=list)


@record
class VolumeSpec:
    key: str
    unit: str
    name: str
    driver: str | None = None
    options: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    external: bool = False
    span: Span | None = None
    notes: list = field(default_factory=list)


@record
class ProjectSpec:
    project: str
    networks: list
    volumes: list
    containers: list
    diagnostics: list


NAME_OK = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns))+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


class LoweringError(Exception):
    def __init__(self, message: str, span: Span | None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint


def parse_duration(text, span=None) -> float:
    """Compose duration (``1m30s``, ``10s``, ``500ms``, bare seconds) -> seconds."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    s = str(text).strip()
    seconds = _SECONDS.get(s)
    if seconds is not None:
        return seconds
    if re.fullmatch(r"\d+(\.\d+)?", s):
        seconds = float(s)
    elif not _DURATION.match(s):
        raise LoweringError(f"invalid duration {text!r}", span,
                            "durations look like 30s, 1m30s, 500ms or 2h")
    else:
        seconds = sum(float(n) * _UNITS[u] for n, u in _DURATION_PART.findall(s))
    _SECONDS[s] = seconds
    return seconds


# the durations parsed so far: a project repeats a few (10s, 30s) in every service's healthcheck
_SECONDS: dict = {}


def podman_duration(text, span=None) -> str:
    """A duration podman accepts (Go syntax) - compose's is already Go syntax."""
    seconds = parse_duration(text, span)
    if seconds == int(seconds):
        return f"{int(seconds)}s"
    return f"{int(round(seconds * 1000))}ms"


def podman_size(value, span=None) -> str:
    """Compose byte values (``512m``, ``1gb``, ``1073741824``) -> podman's ``512m`` form."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value != value or value in (float("inf"), float("-inf")):
            raise LoweringError(f"invalid size {value!r}", span, "sizes look like 512m, 1g or 1073741824")
        return str(int(value))
    s = str(value).strip()
    m = SIZE_PARTS.match(s)
    if not m:
        raise LoweringError(f"invalid size {value!r}", span, "sizes look like 512m, 1g or 1073741824")
    number, unit = m.group(1), m.group(2).lower()
    if "." in number:
        return str(size_bytes(s))
    return f"{number}{unit}"


def qualify_image(image: str) -> str:
    """``nginx`` -> ``docker.io/library/nginx`` (Docker's meaning, and no short-name prompt)."""
    if not image:
        return image
    name = image
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return image
    if not sep:
        return f"docker.io/library/{image}"
    return f"docker.io/{image}"


MAX_NAME = 200    # unit file names (NAME.network, PROJECT-SERVICE.container) must stay below 255 bytes


def check_name(kind: str, name: str, span) -> None:
    """Podman object names (containers, networks, volumes, secrets); also unit file names."""
    if not NAME_OK.fullmatch(name or ""):
        raise LoweringError(f"{kind} name {name!r} is not a valid Podman {kind} name", span,
                            "names use letters, digits, '_', '.', '-' and start with a letter or digit")
    if len(name.encode()) > MAX_NAME:
        raise LoweringError(f"{kind} name {name[:40]!r}... is {len(name)} characters long", span,
                            f"use at most {MAX_NAME} characters (names become unit file names)")


def ipam_driver(name: str | None) -> str | None:
    """The IPAM driver to pass to Podman: Docker's ``default`` means "none given" (Docker and
    podman-compose treat it so); netavark refuses it (``unsupported ipam driver "default"``).
    Podman's own drivers (host-local, dhcp, none) pass through."""
    if name is None or name.strip() in ("", "default"):
        return None
    return name


def unit_base(project: str, service: str) -> str:
    return f"{project}-{service}"


def raw_opt(svc, key: str, flag: str, convert=str):
    """The option ``flag=convert(value)`` for a key the model keeps only in ``Service.raw``; None if unset."""
    value = svc.raw.get(key)
    if value is None:
        return None
    return Opt(flag, convert(value), source=key, span=svc.keys.get(key))
