"""Lowering: a compose Service -> what podman must do, shared by both emitters.

Each compose key becomes ``Opt`` entries (a ``podman run`` flag and, where
Quadlet has one, the Quadlet key with its parsing kind and first version)
or unit-level facts (dependencies, restart policy, directories to create).
The Quadlet and script emitters only decide *how to write* these; *what*
podman must do is decided once, here.  A key with no equivalent becomes a
diagnostic naming the key, the service and the place - never a silent drop.
"""
from __future__ import annotations

import json
import os
import posixpath
import re
from dataclasses import field

from podgen._record import record
from podgen.report.diagnostics import Diagnostic, Severity, Span
from podgen.model import RUNTIME_DIR, Mount, Project, Service, runtime_dir_path
from podgen.load.normalize import SIZE_PARTS, size_bytes

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


# Keys resolved while loading (nothing left to emit) or handled by dedicated code below.
LOAD_TIME_KEYS = frozenset(("extends", "profiles", "env_file"))
_HANDLED_KEYS = LOAD_TIME_KEYS | {"image", "build", "container_name", "command", "entrypoint"}
_MISSING = object()
NO_EQUIVALENT = {
    "credential_spec": "a Windows container feature",
    "isolation": "a Windows container feature",
    "cpu_count": "Windows only",
    "cpu_percent": "Windows only",
    "develop": "used by 'docker compose watch', which Podman has no equivalent of",
    "provider": "service providers are a Docker Compose plugin mechanism",
    "models": "Docker Model Runner is not available to Podman",
    "attach": "log attachment is a 'docker compose up' option",
    "pull_refresh_after": "Podman has no periodic re-pull; use AutoUpdate=registry",
    "external_links": "the linked container is outside the project; put it on a shared network instead",
    "post_start": "lifecycle hooks have no podman run flag",
    "pre_stop": "lifecycle hooks have no podman run flag",
    "use_api_socket": "Docker's API socket is not available; mount the Podman socket explicitly",
    "label_file": "podgen does not read label files yet; copy the labels into 'labels:'",
    "scale": "one container per service is generated",
}

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


_NAME_OK = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")
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
    if not _NAME_OK.fullmatch(name or ""):
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


class Lowering:
    def __init__(self, project: Project, target, diagnostics: list):
        self.project = project
        self.target = target
        self.diags = diagnostics
        # compose key -> the k_<key> function or None, looked up once; functions, not bound methods,
        # which would make a reference cycle (the CLI runs without the cyclic garbage collector)
        self._handlers: dict = {}

    # --- diagnostics -----------------------------------------------------------------
    def warn(self, code: str, svc: Service | None, span, message: str, *, severity=Severity.WARNING,
             notes=(), name="") -> str:
        from podgen.rules import RULES
        rule = RULES.get(code)
        self.diags.append(Diagnostic(Span.of(span) if span is not None else (svc.span if svc else Span("")),
                                     code, severity, message, service=svc.name if svc else None,
                                     notes=tuple(notes), name=name or (rule.name if rule else "")))
        return message

    def unsupported(self, svc: Service, key: str, why: str, spec: ContainerSpec | None = None):
        msg = self.warn("PG701", svc, svc.keys.get(key, svc.span),
                        f"service {svc.name!r}: '{key}' has no Podman equivalent and was not converted ({why})")
        if spec is not None:
            spec.notes.append(("PG701", msg))

    # --- the project ---------------------------------------------------------------------
    def run(self) -> ProjectSpec:
        p = self.project
        networks = [self.network(n) for n in p.networks.values()]
        volumes = [self.volume(v) for v in p.volumes.values()]
        containers = []
        for name in start_order(p):
            containers.append(self.container(p.services[name]))
        self.mark_dependencies(containers)
        return ProjectSpec(project=p.name, networks=networks, volumes=volumes,
                           containers=containers, diagnostics=self.diags)

    def network(self, net) -> NetworkSpec:
        check_name("network", net.name, net.spans.get(("name",)) or net.span)
        spec = NetworkSpec(key=net.key, unit=net.name, name=net.name, driver=net.driver,
                           options=dict(net.driver_opts), ipam_driver=ipam_driver(net.ipam_driver),
                           internal=net.internal, ipv6=net.enable_ipv6, external=net.external,
                           span=net.span)
        spec.labels = {LABEL_PROJECT: self.project.name, "com.docker.compose.network": net.key}
        spec.labels.update(net.labels)
        if spec.driver == "bridge":
            spec.driver = None
        for cfg in net.ipam_config:
            sub = {k: cfg.get(k) for k in ("subnet", "gateway", "ip_range") if cfg.get(k)}
            if sub:
                spec.subnets.append(sub)
            if cfg.get("aux_addresses"):
                spec.notes.append(("PG701", self.warn(
                    "PG701", None, net.span,
                    f"network {net.key!r}: ipam aux_addresses have no Podman equivalent and were not converted")))
        if net.ipam_options:
            spec.notes.append(("PG701", self.warn(
                "PG701", None, net.keys.get("ipam", net.span),
                f"network {net.key!r}: ipam options have no Podman equivalent and were not converted")))
        if net.attachable:
            pass  # every podman network is attachable
        for key in net.keys:
            if key not in ("name", "driver", "driver_opts", "ipam", "internal", "enable_ipv6", "external",
                           "attachable", "labels", "enable_ipv4") and not key.startswith("x-"):
                self.warn("PG701", None, net.keys[key],
                          f"network {net.key!r}: '{key}' has no Podman equivalent and was not converted")
        if net.enable_ipv4 is False:
            spec.notes.append(("PG701", self.warn(
                "PG701", None, net.keys.get("enable_ipv4", net.span),
                f"network {net.key!r}: 'enable_ipv4: false' is not supported by podman network create; "
                "the network gets IPv4 as well")))
        return spec

    def volume(self, vol) -> VolumeSpec:
        check_name("volume", vol.name, vol.keys.get("name") or vol.span)
        spec = VolumeSpec(key=vol.key, unit=vol.name, name=vol.name, driver=vol.driver,
                          options=dict(vol.driver_opts), external=vol.external, span=vol.span)
        if spec.driver == "local":
            spec.driver = None
        spec.labels = {LABEL_PROJECT: self.project.name, "com.docker.compose.volume": vol.key}
        spec.labels.update(vol.labels)
        return spec

    # --- one service ----------------------------------------------------------------------
    def container(self, svc: Service) -> ContainerSpec:
        p = self.project
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
            spec.notes.append(("PG702", self.warn(
                "PG702", svc, svc.keys.get("build"),
                f"service {svc.name!r} builds its image; build it first with: "
                f"{build_command(spec.image, build)}", severity=Severity.INFO)))
        opts = spec.options
        add = opts.append
        spec.command = svc.command
        spec.entrypoint = svc.entrypoint
        handlers = self._handlers
        for key in svc.keys:
            if key in _HANDLED_KEYS or key.startswith("x-"):
                continue
            handler = handlers.get(key, _MISSING)
            if handler is _MISSING:
                handler = handlers[key] = getattr(type(self), "k_" + key, None)
            if handler is not None:
                handler(self, svc, spec, add)
            elif key in NO_EQUIVALENT:
                self.unsupported(svc, key, NO_EQUIVALENT[key], spec)
            else:
                self.unsupported(svc, key, "podgen does not know this key", spec)
        # compose's labels, so `podman ps --filter label=...` works as with docker compose
        add(Opt("--label", f"{LABEL_PROJECT}={p.name}", "Label", "keyval", source="labels"))
        add(Opt("--label", f"{LABEL_SERVICE}={svc.name}", "Label", "keyval", source="labels"))
        if not svc.network_mode:
            self.attach_networks(svc, spec, add)
        return spec

    # each k_<compose key> turns one key into options --------------------------------------
    def k_environment(self, svc, spec, add):
        for name, value in svc.environment.items():
            if value is None:
                spec.notes.append(("PG704", self.warn(
                    "PG704", svc, svc.environment_spans.get(name),
                    f"service {svc.name!r}: environment variable {name} has no value here and is not "
                    "set in the environment podgen ran in; it was left out")))
                continue
            _check_env_name(name, svc)
            add(Opt("--env", f"{name}={value}", "Environment", "keyval", source="environment",
                    span=svc.environment_spans.get(name)))

    def k_labels(self, svc, spec, add):
        for name, value in svc.labels.items():
            span = svc.span_of("labels", name)
            _check_key_name("label", name, svc, span)
            add(Opt("--label", f"{name}={value}", "Label", "keyval", source="labels", span=span))

    def k_annotations(self, svc, spec, add):
        for name, value in svc.annotations.items():
            _check_key_name("annotation", name, svc, svc.span_of("annotations"))
            add(Opt("--annotation", f"{name}={value}", "Annotation", "keyval", source="annotations"))

    def k_ports(self, svc, spec, add):
        for port in svc.ports:
            if port.protocol not in ("tcp", "udp", "sctp"):
                raise LoweringError(f"service {svc.name!r}: unknown port protocol {port.protocol!r}",
                                    port.span, "use tcp, udp or sctp")
            add(Opt("--publish", port.spec(), "PublishPort", "line", source="ports", span=port.span))
            if port.name or port.app_protocol:
                pass  # metadata only; podman has nothing to carry them

    def k_expose(self, svc, spec, add):
        for port in svc.expose:
            add(Opt("--expose", port, "ExposeHostPort", "line", source="expose"))

    def k_networks(self, svc, spec, add):
        pass  # attach_networks, after network_mode is known

    def k_network_mode(self, svc, spec, add):
        mode = svc.network_mode
        span = svc.keys.get("network_mode")
        if mode.startswith("service:"):
            owner = mode[len("service:"):]
            spec.network_owner = owner
            owner_unit = unit_base(self.project.name, owner)
            owner_name = self.project.services[owner].container_name or f"{self.project.name}-{owner}-1"
            add(Opt("--network", f"container:{owner_name}", "Network", "line", since=(5, 3),
                    qvalue=f"{owner_unit}.container", source="network_mode", span=span))
            if not any(r.service == owner for r in spec.requires):
                spec.requires.append(Requirement(owner))
        elif mode.startswith("container:"):
            add(Opt("--network", mode, "Network", "line", source="network_mode", span=span))
        elif mode in ("host", "none"):
            add(Opt("--network", mode, "Network", "line", source="network_mode", span=span))
        elif mode == "bridge" or mode == "default":
            add(Opt("--network", "podman", "Network", "line", source="network_mode", span=span))
        elif mode.startswith(("slirp4netns", "pasta", "ns:", "private")):
            add(Opt("--network", mode, "Network", "line", source="network_mode", span=span))
        else:
            raise LoweringError(f"service {svc.name!r}: unknown network_mode {mode!r}", span,
                                "use host, none, bridge, service:NAME or container:NAME")

    def attach_networks(self, svc, spec, add):
        p = self.project
        for key, att in svc.networks.items():
            net = p.networks[key]
            aliases = [svc.name] + [a for a in att.aliases if a != svc.name]
            for alias in aliases:
                if not _NAME_OK.fullmatch(alias):
                    raise LoweringError(f"service {svc.name!r}: network alias {alias!r} is not a valid name",
                                        att.span, "aliases are DNS names: letters, digits, '.', '-', '_'")
            extras = [f"alias={a}" for a in aliases]
            if att.ipv4_address:
                extras.append(f"ip={att.ipv4_address}")
            if att.ipv6_address:
                extras.append(f"ip6={att.ipv6_address}")
            if att.mac_address:
                extras.append(f"mac={att.mac_address}")
            if att.interface_name:
                extras.append(f"interface_name={att.interface_name}")
            for extra_key in att.extra:
                if extra_key.startswith("x-"):
                    continue
                self.unsupported(svc, f"networks.{key}.{extra_key}",
                                 "podman has no per-network setting for it", spec)
            suffix = ":" + ",".join(extras) if extras else ""
            if net.external:
                add(Opt("--network", net.name + suffix, "Network", "line", source="networks", span=att.span))
            else:
                add(Opt("--network", net.name + suffix, "Network", "line", qvalue=f"{net.name}.network{suffix}",
                        source="networks", span=att.span))

    def k_volumes(self, svc, spec, add):
        for m in svc.volumes:
            self.mount(svc, spec, add, m)
        socket = next((m for m in svc.volumes if m.type == "bind" and m.source
                       and posixpath.basename(m.source) in ("podman.sock", "docker.sock")), None)
        if socket is not None and not any(str(o).startswith("label") for o in svc.raw.get("security_opt") or ()):
            add(Opt("--security-opt", "label=disable", "SecurityLabelDisable", "bool", qvalue="true", since=(4, 5),
                    source="volumes", span=socket.span,
                    note="the mounted API socket is labelled for the host: on SELinux hosts the container may "
                         "not use it unless labelling is off (as Podman's docs advise for socket mounts)"))

    def mount(self, svc, spec, add, m: Mount):
        p = self.project
        if m.unknown_options:
            for opt in m.unknown_options:
                if opt in ("U", "O", "copy", "nocopy", "exec", "noexec", "suid", "nosuid", "dev", "nodev",
                           "idmap", "chown"):
                    continue
                spec.notes.append(("PG701", self.warn(
                    "PG701", svc, m.span,
                    f"service {svc.name!r}: volume option {opt!r} on {m.target} is not known to compose or "
                    "podman and was dropped")))
        opts = []
        if m.read_only:
            opts.append("ro")
        if m.selinux:
            opts.append(m.selinux)
        if m.propagation:
            opts.append(m.propagation)
        if m.nocopy:
            opts.append("nocopy")
        opts.extend(o for o in m.unknown_options if o in ("U", "O", "copy", "exec", "noexec", "suid",
                                                          "nosuid", "dev", "nodev", "idmap", "chown"))
        suffix = ":" + ",".join(opts) if opts else ""
        for k in m.extra:
            if not k.startswith("x-") and k not in ("consistency",):
                self.unsupported(svc, f"volumes[].{k}", "podman -v has no such option", spec)
        if m.type == "bind":
            if not m.source:
                raise LoweringError(f"service {svc.name!r}: bind mount of {m.target} has no source", m.span,
                                    "add 'source: ./path'")
            source = m.source
            if self.target.rootless and _USER_PODMAN_SOCKET.fullmatch(source):
                # the user's Podman socket (what `podgen fix` writes for PG601, once interpolated):
                # %t in units, for whichever user runs them
                source = RUNTIME_DIR + "/podman/podman.sock"
            in_runtime_dir = runtime_dir_path(source) is not None
            # a missing *.sock is a socket not created yet: mkdir would put a directory in its place
            if m.create_host_path and not in_runtime_dir and not source.endswith(".sock"):
                spec.host_dirs.append(source)
            add(Opt("--volume", f"{source}:{m.target}{suffix}", "Volume", "line", source="volumes",
                    span=m.span, runtime_dir=in_runtime_dir))
        elif m.type == "volume":
            if m.subpath:
                self.unsupported(svc, "volumes[].volume.subpath", "not converted by podgen yet", spec)
            if not m.source:
                add(Opt("--volume", f"{m.target}{suffix}", "Volume", "line", source="volumes", span=m.span))
                return
            vol = p.volumes[m.source]
            q = vol.name if vol.external else f"{vol.name}.volume"
            add(Opt("--volume", f"{vol.name}:{m.target}{suffix}", "Volume", "line",
                    qvalue=f"{q}:{m.target}{suffix}", source="volumes", span=m.span))
        elif m.type == "tmpfs":
            topts = []
            if m.tmpfs_size is not None:
                topts.append(f"size={m.tmpfs_size}")
            if m.tmpfs_mode is not None:
                mode = m.tmpfs_mode
                topts.append(f"mode={mode:o}" if isinstance(mode, int) else f"mode={mode}")
            if m.read_only:
                topts.append("ro")
            value = m.target + (":" + ",".join(topts) if topts else "")
            add(Opt("--tmpfs", value, "Tmpfs", "line", since=(4, 5), source="volumes", span=m.span))
        elif m.type == "image":
            add(Opt("--mount", f"type=image,source={m.source},destination={m.target}", "Mount", "args",
                    since=(4, 5), source="volumes", span=m.span))
        else:
            self.unsupported(svc, "volumes", f"mount type {m.type!r} does not exist on Linux/Podman", spec)

    def k_tmpfs(self, svc, spec, add):
        for t in svc.tmpfs:
            add(Opt("--tmpfs", t, "Tmpfs", "line", since=(4, 5), source="tmpfs"))

    def k_depends_on(self, svc, spec, add):
        for dep in svc.depends_on.values():
            spec.requires.append(Requirement(dep.service, dep.condition, dep.required, dep.restart))

    def k_links(self, svc, spec, add):
        for target, _alias in svc.links:
            if not any(r.service == target for r in spec.requires):
                spec.requires.append(Requirement(target, required=False))

    def k_restart(self, svc, spec, add):
        value = svc.restart
        if value == "":
            return          # e.g. restart: ${POLICY} with POLICY unset (PG003): Compose's default, "no"
        if value not in ("no", "always", "unless-stopped", "on-failure") and not (
                value.startswith("on-failure:") and value[len("on-failure:"):].isdigit()):
            raise LoweringError(f"service {svc.name!r}: unknown restart policy {value!r}",
                                svc.keys.get("restart"), "use no, always, on-failure[:N] or unless-stopped")
        spec.restart = value

    def k_deploy(self, svc, spec, add):
        deploy = svc.raw.get("deploy") or {}
        span = svc.keys.get("deploy")
        res = deploy.get("resources") or {}
        limits = res.get("limits") or {}
        if limits.get("cpus") is not None:
            add(Opt("--cpus", str(limits["cpus"]), source="deploy", span=span))
        if limits.get("memory") is not None:
            add(Opt("--memory", podman_size(limits["memory"], span), source="deploy", span=span))
        if limits.get("pids") is not None:
            add(Opt("--pids-limit", str(limits["pids"]), "PidsLimit", since=(4, 7), source="deploy", span=span))
        reservations = res.get("reservations") or {}
        if reservations.get("memory") is not None:
            add(Opt("--memory-reservation", podman_size(reservations["memory"], span), source="deploy", span=span))
        if reservations.get("cpus") is not None:
            spec.notes.append(("PG701", self.warn(
                "PG701", svc, span, f"service {svc.name!r}: deploy.resources.reservations.cpus has no "
                "Podman equivalent and was not converted")))
        for dev in reservations.get("devices") or ():
            caps = set(dev.get("capabilities") or ())
            if "gpu" in caps and (dev.get("driver") in (None, "nvidia")):
                count = dev.get("count")
                ids = dev.get("device_ids")
                if ids:
                    for i in ids:
                        add(Opt("--device", f"nvidia.com/gpu={i}", "AddDevice", "words", source="deploy"))
                else:
                    add(Opt("--device", "nvidia.com/gpu=all", "AddDevice", "words", source="deploy",
                            note="needs the NVIDIA CDI spec (nvidia-ctk cdi generate)"))
                    if count not in (None, "all"):
                        pass
            else:
                self.unsupported(svc, "deploy.resources.reservations.devices",
                                 "only NVIDIA GPUs (through CDI) are converted", spec)
        policy = deploy.get("restart_policy") or {}
        if policy and "restart" not in svc.keys:
            cond = policy.get("condition", "any")
            spec.restart = {"none": "no", "on-failure": "on-failure", "any": "always"}.get(cond, "always")
            if policy.get("max_attempts") is not None and spec.restart == "on-failure":
                spec.restart = f"on-failure:{policy['max_attempts']}"
        replicas = deploy.get("replicas")
        if replicas not in (None, 1, "1"):
            spec.notes.append(("PG701", self.warn(
                "PG701", svc, span, f"service {svc.name!r}: deploy.replicas={replicas} is not converted; "
                "one container is generated")))
        for key in deploy:
            if key in ("resources", "restart_policy", "replicas") or key.startswith("x-"):
                continue
            spec.notes.append(("PG701", self.warn(
                "PG701", svc, span, f"service {svc.name!r}: deploy.{key} is a Swarm setting with no "
                "Podman equivalent and was not converted")))
        for key in res:
            if key not in ("limits", "reservations"):
                self.unsupported(svc, f"deploy.resources.{key}", "no podman equivalent", spec)
        for key in limits:
            if key not in ("cpus", "memory", "pids"):
                self.unsupported(svc, f"deploy.resources.limits.{key}", "no podman equivalent", spec)

    def k_healthcheck(self, svc, spec, add):
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
            spec.notes.append(("PG701", self.warn(
                "PG701", svc, svc.span_of("healthcheck", "start_interval"),
                f"service {svc.name!r}: healthcheck.start_interval has no Podman equivalent and was "
                "not converted", severity=Severity.INFO)))
        interval = parse_duration(hc.interval or "30s")
        timeout = parse_duration(hc.timeout or "30s")
        start = parse_duration(hc.start_period or "0s")
        retries = hc.retries if hc.retries is not None else 3
        spec.health_timeout_s = int(start + (interval + timeout) * (retries + 1)) + 30

    def k_user(self, svc, spec, add):
        add(Opt("--user", svc.user, "User", source="user", span=svc.keys.get("user")))

    def k_working_dir(self, svc, spec, add):
        add(Opt("--workdir", svc.working_dir, "WorkingDir", since=(4, 6), source="working_dir",
                span=svc.keys.get("working_dir")))

    def k_hostname(self, svc, spec, add):
        add(Opt("--hostname", svc.hostname, "HostName", since=(4, 6), source="hostname",
                span=svc.keys.get("hostname")))

    def k_domainname(self, svc, spec, add):
        self.unsupported(svc, "domainname", "podman run has no --domainname; put the FQDN in hostname", spec)

    def k_cap_add(self, svc, spec, add):
        for cap in svc.cap_add:
            add(Opt("--cap-add", cap, "AddCapability", "words", source="cap_add"))

    def k_cap_drop(self, svc, spec, add):
        for cap in svc.cap_drop:
            add(Opt("--cap-drop", cap, "DropCapability", "words", source="cap_drop"))

    def k_devices(self, svc, spec, add):
        for dev in svc.devices:
            add(Opt("--device", dev, "AddDevice", "words", source="devices"))

    def k_device_cgroup_rules(self, svc, spec, add):
        for rule in svc.raw.get("device_cgroup_rules") or ():
            add(Opt("--device-cgroup-rule", str(rule), source="device_cgroup_rules"))

    def k_gpus(self, svc, spec, add):
        gpus = svc.raw.get("gpus")
        if gpus == "all":
            add(Opt("--device", "nvidia.com/gpu=all", "AddDevice", "words", source="gpus"))
            return
        for g in gpus or ():
            ids = g.get("device_ids") if isinstance(g, dict) else None
            for i in ids or ["all"]:
                add(Opt("--device", f"nvidia.com/gpu={i}", "AddDevice", "words", source="gpus"))

    def k_sysctls(self, svc, spec, add):
        for k, v in svc.sysctls.items():
            add(Opt("--sysctl", f"{k}={v}", "Sysctl", "words", since=(4, 6), source="sysctls"))

    def k_ulimits(self, svc, spec, add):
        for name, (soft, hard) in svc.ulimits.items():
            value = f"{name}={soft}" if soft == hard else f"{name}={soft}:{hard}"
            add(Opt("--ulimit", value, "Ulimit", "line", since=(4, 7), source="ulimits"))

    def k_extra_hosts(self, svc, spec, add):
        for i, (host, ip) in enumerate(svc.extra_hosts):
            add(Opt("--add-host", f"{host}:{ip}", "AddHost", "line", since=(5, 3), source="extra_hosts",
                    span=svc.span_of("extra_hosts", i)))

    def k_dns(self, svc, spec, add):
        for d in svc.dns:
            add(Opt("--dns", d, "DNS", "line", since=(4, 7), source="dns"))

    def k_dns_search(self, svc, spec, add):
        for d in svc.dns_search:
            add(Opt("--dns-search", d, "DNSSearch", "line", since=(4, 7), source="dns_search"))

    def k_dns_opt(self, svc, spec, add):
        for d in svc.dns_opt:
            add(Opt("--dns-option", d, "DNSOption", "line", since=(4, 7), source="dns_opt"))

    def k_init(self, svc, spec, add):
        if svc.init:
            add(Opt("--init", None, "RunInit", "bool", qvalue="true", source="init"))

    def k_stop_signal(self, svc, spec, add):
        add(Opt("--stop-signal", svc.stop_signal, "StopSignal", since=(5, 2), source="stop_signal"))

    def k_stop_grace_period(self, svc, spec, add):
        seconds = parse_duration(svc.stop_grace_period, svc.keys.get("stop_grace_period"))
        whole = max(int(seconds + 0.999), 0)
        spec.stop_timeout = whole
        add(Opt("--stop-timeout", str(whole), "StopTimeout", since=(5, 0), source="stop_grace_period"))

    def k_secrets(self, svc, spec, add):
        p = self.project
        for ref in svc.secrets:
            res = p.secrets[ref.source]
            name = res.name
            check_name("secret", name, res.keys.get("name") or ref.span)
            if res.file:
                spec.secrets.append((name, res.file))
            elif res.environment:
                value = p.environment.get(res.environment)
                spec.notes.append(("PG701", self.warn(
                    "PG701", svc, ref.span,
                    f"service {svc.name!r}: secret {ref.source!r} comes from the environment variable "
                    f"{res.environment}; create it once with: printf %s \"${res.environment}\" | "
                    f"podman secret create {name} -"
                    + ("" if value is not None else f" ({res.environment} is not set here)"))))
            elif res.content is not None:
                self.unsupported(svc, "secrets", "inline secret content is not converted", spec)
            parts = [name, "type=mount"]
            if ref.target:
                parts.append(f"target={ref.target}")
            if ref.uid is not None:
                parts.append(f"uid={ref.uid}")
            if ref.gid is not None:
                parts.append(f"gid={ref.gid}")
            if ref.mode is not None:
                parts.append(f"mode={ref.mode:o}" if isinstance(ref.mode, int) else f"mode={ref.mode}")
            add(Opt("--secret", ",".join(parts), "Secret", "args", since=(4, 5), source="secrets",
                    span=ref.span))

    def k_configs(self, svc, spec, add):
        p = self.project
        for ref in svc.configs:
            res = p.configs[ref.source]
            if res.file:
                target = ref.target or f"/{ref.source}"
                add(Opt("--volume", f"{res.file}:{target}:ro", "Volume", "line", source="configs", span=ref.span))
                if ref.uid or ref.gid or ref.mode is not None:
                    spec.notes.append(("PG701", self.warn(
                        "PG701", svc, ref.span, f"service {svc.name!r}: config {ref.source!r} uid/gid/mode "
                        "cannot be applied to a bind mount and were not converted", severity=Severity.INFO)))
            else:
                self.unsupported(svc, "configs", f"config {ref.source!r} is not a file; only file configs "
                                 "are converted", spec)

    def k_read_only(self, svc, spec, add):
        if svc.raw.get("read_only") in (True, "true"):
            add(Opt("--read-only", None, "ReadOnly", "bool", qvalue="true", source="read_only"))

    def k_privileged(self, svc, spec, add):
        if svc.raw.get("privileged") in (True, "true"):
            add(Opt("--privileged", None, source="privileged"))

    def k_shm_size(self, svc, spec, add):
        add(Opt("--shm-size", podman_size(svc.raw["shm_size"], svc.keys.get("shm_size")), "ShmSize",
                since=(4, 7), source="shm_size"))

    def k_pids_limit(self, svc, spec, add):
        add(Opt("--pids-limit", str(svc.raw["pids_limit"]), "PidsLimit", since=(4, 7), source="pids_limit"))

    def _simple(self, svc, key, flag, convert=str):
        value = svc.raw.get(key)
        if value is None:
            return None
        return Opt(flag, convert(value), source=key, span=svc.keys.get(key))

    def k_mem_limit(self, svc, spec, add):
        add(self._simple(svc, "mem_limit", "--memory", lambda v: podman_size(v)))

    def k_mem_reservation(self, svc, spec, add):
        add(self._simple(svc, "mem_reservation", "--memory-reservation", lambda v: podman_size(v)))

    def k_memswap_limit(self, svc, spec, add):
        add(self._simple(svc, "memswap_limit", "--memory-swap",
                         lambda v: "-1" if str(v) == "-1" else podman_size(v)))

    def k_mem_swappiness(self, svc, spec, add):
        add(self._simple(svc, "mem_swappiness", "--memory-swappiness"))

    def k_cpus(self, svc, spec, add):
        add(self._simple(svc, "cpus", "--cpus"))

    def k_cpu_shares(self, svc, spec, add):
        add(self._simple(svc, "cpu_shares", "--cpu-shares"))

    def k_cpu_quota(self, svc, spec, add):
        add(self._simple(svc, "cpu_quota", "--cpu-quota"))

    def k_cpu_period(self, svc, spec, add):
        add(self._simple(svc, "cpu_period", "--cpu-period"))

    def k_cpu_rt_runtime(self, svc, spec, add):
        add(self._simple(svc, "cpu_rt_runtime", "--cpu-rt-runtime"))

    def k_cpu_rt_period(self, svc, spec, add):
        add(self._simple(svc, "cpu_rt_period", "--cpu-rt-period"))

    def k_cpuset(self, svc, spec, add):
        add(self._simple(svc, "cpuset", "--cpuset-cpus"))

    def k_oom_kill_disable(self, svc, spec, add):
        if svc.raw.get("oom_kill_disable") in (True, "true"):
            add(Opt("--oom-kill-disable", None, source="oom_kill_disable"))

    def k_oom_score_adj(self, svc, spec, add):
        add(self._simple(svc, "oom_score_adj", "--oom-score-adj"))

    def k_security_opt(self, svc, spec, add):
        for opt in svc.raw.get("security_opt") or ():
            opt = str(opt)
            if opt in ("no-new-privileges", "no-new-privileges:true", "no-new-privileges=true"):
                add(Opt("--security-opt", "no-new-privileges", "NoNewPrivileges", "bool", qvalue="true",
                        source="security_opt"))
            else:
                add(Opt("--security-opt", opt.replace(":", "=", 1) if opt.startswith(("seccomp:", "apparmor:"))
                        else opt, source="security_opt"))

    def k_group_add(self, svc, spec, add):
        for g in svc.raw.get("group_add") or ():
            add(Opt("--group-add", str(g), "GroupAdd", "line", since=(5, 1), source="group_add"))

    def k_userns_mode(self, svc, spec, add):
        add(Opt("--userns", str(svc.raw["userns_mode"]), "UserNS", since=(4, 5), source="userns_mode",
                span=svc.keys.get("userns_mode")))

    def _namespace(self, svc, key, flag):
        value = str(svc.raw.get(key))
        if value.startswith("service:"):
            other = value[len("service:"):]
            if other not in self.project.services:
                raise LoweringError(f"service {svc.name!r}: {key} refers to undefined service {other!r}",
                                    svc.keys.get(key))
            o = self.project.services[other]
            value = "container:" + (o.container_name or f"{self.project.name}-{other}-1")
        return Opt(flag, value, source=key, span=svc.keys.get(key))

    def k_pid(self, svc, spec, add):
        add(self._namespace(svc, "pid", "--pid"))

    def k_ipc(self, svc, spec, add):
        add(self._namespace(svc, "ipc", "--ipc"))

    def k_uts(self, svc, spec, add):
        add(self._namespace(svc, "uts", "--uts"))

    def k_cgroup(self, svc, spec, add):
        add(Opt("--cgroupns", str(svc.raw["cgroup"]), source="cgroup"))

    def k_cgroup_parent(self, svc, spec, add):
        spec.notes.append(("PG701", self.warn(
            "PG701", svc, svc.keys.get("cgroup_parent"),
            f"service {svc.name!r}: cgroup_parent is not converted: under systemd the unit owns the cgroup")))

    def k_logging(self, svc, spec, add):
        """The driver changes only when the compose file names a Podman one (PG706: json-file, local)."""
        logging = svc.raw.get("logging") or {}
        driver = logging.get("driver")
        driver = None if driver is None else str(driver)
        def unsupported(what, span, why):
            spec.notes.append(("PG701", self.warn(
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
            self.log_rotation(svc, spec, driver, rotation)

    def log_rotation(self, svc, spec, driver, rotation: dict):
        """PG706: what becomes of Docker's file logging and its rotation options (reported, not dropped)."""
        unit = f"{unit_base(self.project.name, svc.name)}.service"
        journal = f"journalctl{' --user' if self.target.rootless else ''} -u {unit}"
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
        spec.notes.append(("PG706", self.warn("PG706", svc, span, message, severity=Severity.INFO, notes=notes)))

    def k_platform(self, svc, spec, add):
        add(self._simple(svc, "platform", "--platform"))

    def k_runtime(self, svc, spec, add):
        add(self._simple(svc, "runtime", "--runtime"))

    def k_storage_opt(self, svc, spec, add):
        for k, v in (svc.raw.get("storage_opt") or {}).items():
            add(Opt("--storage-opt", f"{k}={v}", source="storage_opt"))

    def k_pull_policy(self, svc, spec, add):
        policy = str(svc.raw["pull_policy"])
        mapping = {"always": "always", "never": "never", "missing": "missing", "if_not_present": "missing",
                   "build": "never"}
        if policy in mapping:
            add(Opt("--pull", mapping[policy], "Pull", since=(4, 6), source="pull_policy"))
        else:
            spec.notes.append(("PG701", self.warn(
                "PG701", svc, svc.keys.get("pull_policy"),
                f"service {svc.name!r}: pull_policy {policy!r} has no Podman equivalent; consider "
                "AutoUpdate=registry with podman-auto-update.timer")))

    def k_mac_address(self, svc, spec, add):
        add(self._simple(svc, "mac_address", "--mac-address"))

    def k_volumes_from(self, svc, spec, add):
        for vf in svc.raw.get("volumes_from") or ():
            ref, _, mode = str(vf).partition(":")
            if ref == "container":
                value = str(vf)[len("container:"):]
            else:
                o = self.project.services[ref]
                value = (o.container_name or f"{self.project.name}-{ref}-1") + (f":{mode}" if mode else "")
                if not any(r.service == ref for r in spec.requires):
                    spec.requires.append(Requirement(ref))
            add(Opt("--volumes-from", value, source="volumes_from"))

    def k_tty(self, svc, spec, add):
        if svc.raw.get("tty") in (True, "true"):
            add(Opt("--tty", None, source="tty"))

    def k_stdin_open(self, svc, spec, add):
        if svc.raw.get("stdin_open") in (True, "true"):
            add(Opt("--interactive", None, source="stdin_open"))

    def k_blkio_config(self, svc, spec, add):
        blk = svc.raw.get("blkio_config") or {}
        if blk.get("weight") is not None:
            add(Opt("--blkio-weight", str(blk["weight"]), source="blkio_config"))
        for key, flag, field_ in (("weight_device", "--blkio-weight-device", "weight"),
                                  ("device_read_bps", "--device-read-bps", "rate"),
                                  ("device_write_bps", "--device-write-bps", "rate"),
                                  ("device_read_iops", "--device-read-iops", "rate"),
                                  ("device_write_iops", "--device-write-iops", "rate")):
            for entry in blk.get(key) or ():
                add(Opt(flag, f"{entry.get('path')}:{entry.get(field_)}", source="blkio_config"))

    # --- after all services ----------------------------------------------------------------
    def mark_dependencies(self, containers):
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
                        svc = self.project.services[c.service]
                        hc = self.project.services[req.service].healthcheck
                        # podgen cannot look into images: a HEALTHCHECK in the image is invisible
                        why = (f"the healthcheck of {req.service!r} sets no test (podgen cannot see one "
                               "its image may define)" if hc is not None and not hc.disable and not hc.test
                               else f"{req.service!r} has no healthcheck")
                        c.notes.append(("PG705", self.warn(
                            "PG705", svc, svc.depends_on[req.service].span,
                            f"service {c.service!r} waits for {req.service!r} to be healthy, but "
                            f"{why}; it only waits for it to start")))
                elif req.condition == "service_completed_successfully":
                    dep.oneshot = True
        for c in containers:
            if c.oneshot and c.restart in ("always", "unless-stopped"):
                # systemd refuses Restart=always (and on-success) for Type=oneshot: "Service has Restart=
                # set to either always or on-success, which isn't allowed for Type=oneshot services"
                svc = self.project.services[c.service]
                c.notes.append(("PG701", self.warn(
                    "PG701", svc, svc.keys.get("restart") or svc.keys.get("deploy") or svc.span,
                    f"service {c.service!r}: restart: {c.restart} is not converted: others wait for it to "
                    "complete, so it runs to completion once (systemd refuses Restart=always for such a "
                    "Type=oneshot unit); restart: on-failure is kept", severity=Severity.INFO)))


# Podman's log drivers (kept when named); Docker's file drivers, which PG706 leaves to Podman's default
LOG_DRIVERS = ("k8s-file", "journald", "none", "passthrough")
DOCKER_FILE_LOG_DRIVERS = ("json-file", "local")
# json-file/local rotation: the journal (or k8s-file's single file) replaces it (PG706)
LOG_ROTATION_OPTIONS = ("max-size", "max-file", "compress")

_USER_PODMAN_SOCKET = re.compile(r"/run/user/[0-9]+/podman/podman\.sock")


def _check_key_name(kind: str, name: str, svc: Service, span):
    """podman splits --label/--annotation KEY=VALUE at the first '=': a key cannot hold one."""
    if not name or "=" in name:
        raise LoweringError(f"service {svc.name!r}: {kind} name {name!r} cannot be passed to podman",
                            span, f"podman reads --{kind} KEY=VALUE up to the first '='; rename the {kind}")


def _check_env_name(name: str, svc: Service):
    if not name or "\n" in name or "=" in name or "\x00" in name:
        raise LoweringError(f"service {svc.name!r}: invalid environment variable name {name!r}",
                            svc.environment_spans.get(name), "names cannot contain '=' or newlines")


def start_order(project: Project) -> list:
    """Services in an order where dependencies come first (file order otherwise)."""
    names = list(project.services)
    deps = {}
    for n, svc in project.services.items():
        d = list(svc.depends_on)
        if svc.network_mode and svc.network_mode.startswith("service:"):
            d.append(svc.network_mode[len("service:"):])
        d.extend(t for t, _ in svc.links)
        for vf in svc.raw.get("volumes_from") or ():
            ref = str(vf).split(":", 1)[0]
            if ref != "container":
                d.append(ref)
        deps[n] = [x for x in d if x in project.services]
    placed: list = []
    seen: set = set()
    visiting: set = set()
    for n in names:
        stack = [(n, iter(deps[n]))]
        if n in seen:
            continue
        visiting.add(n)
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                visiting.discard(node)
                if node not in seen:
                    seen.add(node)
                    placed.append(node)
                continue
            if nxt in seen or nxt in visiting:
                continue
            visiting.add(nxt)
            stack.append((nxt, iter(deps[nxt])))
    return placed


def lower(project: Project, target, diagnostics: list) -> ProjectSpec:
    return Lowering(project, target, diagnostics).run()
