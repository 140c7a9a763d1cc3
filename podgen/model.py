"""Model stage: typed dataclasses between loading and everything after it.

Rules and emitters read these, never raw YAML.  Every object keeps the
``Span`` of the compose text it came from, so diagnostics and comments in the
generated files point at ``file:line:col``.  ``Service.keys`` lists every key
the service set (with its span) and ``Service.raw`` the normalised value of each
key without a typed field, so that a key podgen cannot express is reported
rather than lost.
"""
from __future__ import annotations

from dataclasses import field

from podgen._record import record
from podgen.report.diagnostics import Span
from podgen.load.normalize import UNKNOWN_OPTIONS, scalar_text
from podgen.load.yamlload import YMap, YSeq


# A bind source under the user's runtime directory ($XDG_RUNTIME_DIR, systemd's %t) starts with
# this; the emitters write it as ``%t`` in units and expand it in scripts.  Compose cannot produce it
# (bind sources are absolute paths after loading), so rules set it (e.g. the Podman socket).
RUNTIME_DIR = "$XDG_RUNTIME_DIR"


def runtime_dir_path(source: str | None) -> str | None:
    """``$XDG_RUNTIME_DIR/x`` -> ``/x``; None for any other source."""
    if source and (source == RUNTIME_DIR or source.startswith(RUNTIME_DIR + "/")):
        return source[len(RUNTIME_DIR):]
    return None


_span = Span.of      # (path, line, col) -> Span; called for every key and value of the model


def plain(value):
    if type(value) is YMap:
        return {k: plain(v) for k, v in value.items()}
    if type(value) is YSeq:
        return [plain(v) for v in value]
    return value


@record
class Port:
    target: int
    published: str | None = None
    host_ip: str | None = None
    protocol: str = "tcp"
    mode: str = "ingress"
    name: str | None = None
    app_protocol: str | None = None
    span: Span = field(default_factory=lambda: Span(""))

    @property
    def published_range(self) -> tuple[int, int] | None:
        if not self.published:
            return None
        text = self.published
        try:
            if "-" in text:
                a, b = text.split("-", 1)
                return int(a), int(b)
            port = int(text)
            return port, port
        except ValueError:
            return None

    @property
    def host_port(self) -> int | None:
        r = self.published_range
        return r[0] if r else None

    def spec(self) -> str:
        """``[ip:]host:container[/proto]`` with IPv6 bracketed, as podman wants it."""
        ip = self.host_ip or ""
        if ip and ":" in ip and not ip.startswith("["):
            ip = f"[{ip}]"
        head = ""
        if ip:
            head = f"{ip}:{self.published or ''}:"
        elif self.published:
            head = f"{self.published}:"
        proto = "" if self.protocol == "tcp" else f"/{self.protocol}"
        return f"{head}{self.target}{proto}"


@record
class NetworkAttachment:
    name: str
    aliases: list = field(default_factory=list)
    ipv4_address: str | None = None
    ipv6_address: str | None = None
    mac_address: str | None = None
    interface_name: str | None = None
    extra: dict = field(default_factory=dict)     # other per-network keys (priority, driver_opts, ...)
    span: Span = field(default_factory=lambda: Span(""))
    value_spans: dict = field(default_factory=dict)   # key -> Span of its value (ipv4_address, ...)


@record
class Mount:
    type: str
    target: str
    source: str | None = None
    read_only: bool = False
    selinux: str | None = None
    propagation: str | None = None
    create_host_path: bool = False
    nocopy: bool = False
    subpath: str | None = None
    tmpfs_size: object = None
    tmpfs_mode: object = None
    unknown_options: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    span: Span = field(default_factory=lambda: Span(""))
    source_span: Span | None = None     # where the source is written (= span in the short syntax)


@record
class Dependency:
    service: str
    condition: str = "service_started"
    required: bool = True
    restart: bool = False
    span: Span = field(default_factory=lambda: Span(""))


@record
class Healthcheck:
    test: list | None = None
    interval: str | None = None
    timeout: str | None = None
    retries: int | None = None
    start_period: str | None = None
    start_interval: str | None = None
    disable: bool = False
    span: Span = field(default_factory=lambda: Span(""))


@record
class FileRef:
    """A service's use of a secret or config."""

    source: str
    target: str
    uid: str | None = None
    gid: str | None = None
    mode: int | None = None
    span: Span = field(default_factory=lambda: Span(""))


@record
class Service:
    name: str
    span: Span
    image: str | None = None
    build: dict | None = None
    container_name: str | None = None
    command: list | None = None
    entrypoint: list | None = None
    environment: dict = field(default_factory=dict)        # name -> value (None = unset)
    environment_spans: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)
    ports: list = field(default_factory=list)
    expose: list = field(default_factory=list)
    networks: dict = field(default_factory=dict)           # name -> NetworkAttachment
    network_mode: str | None = None
    volumes: list = field(default_factory=list)
    tmpfs: list = field(default_factory=list)
    depends_on: dict = field(default_factory=dict)         # name -> Dependency
    links: list = field(default_factory=list)              # (service, alias)
    restart: str | None = None
    healthcheck: Healthcheck | None = None
    user: str | None = None
    working_dir: str | None = None
    hostname: str | None = None
    domainname: str | None = None
    cap_add: list = field(default_factory=list)
    cap_drop: list = field(default_factory=list)
    devices: list = field(default_factory=list)
    sysctls: dict = field(default_factory=dict)
    ulimits: dict = field(default_factory=dict)            # name -> (soft, hard)
    extra_hosts: list = field(default_factory=list)        # (host, ip)
    dns: list = field(default_factory=list)
    dns_search: list = field(default_factory=list)
    dns_opt: list = field(default_factory=list)
    init: bool | None = None
    stop_signal: str | None = None
    stop_grace_period: str | None = None
    secrets: list = field(default_factory=list)            # FileRef
    configs: list = field(default_factory=list)            # FileRef
    profiles: list = field(default_factory=list)
    keys: dict = field(default_factory=dict)               # every key set -> Span
    raw: dict = field(default_factory=dict)                # key without a field below -> plain value
    spans: dict = field(default_factory=dict)              # (key, subkey...) -> Span for nested values

    def span_of(self, key: str, *rest) -> Span:
        return self.spans.get((key,) + rest) or self.keys.get(key) or self.span

    @property
    def resolved_container_name(self) -> str:
        return self.container_name or f"{self.project}-{self.name}-1"

    project: str = ""


@record
class Network:
    key: str
    name: str
    driver: str | None = None
    driver_opts: dict = field(default_factory=dict)
    ipam_driver: str | None = None
    ipam_config: list = field(default_factory=list)        # dicts: subnet, gateway, ip_range, aux_addresses
    ipam_options: dict = field(default_factory=dict)
    internal: bool = False
    enable_ipv6: bool = False
    enable_ipv4: bool | None = None
    external: bool = False
    attachable: bool = False
    labels: dict = field(default_factory=dict)
    implicit: bool = False                                  # the project's default network
    keys: dict = field(default_factory=dict)
    span: Span = field(default_factory=lambda: Span(""))
    # (key,) -> Span of its value; ("driver_opts", k) -> Span of the option's key;
    # ("ipam", i, k) -> Span of the value of ipam.config[i].k
    spans: dict = field(default_factory=dict)


@record
class Volume:
    key: str
    name: str
    driver: str | None = None
    driver_opts: dict = field(default_factory=dict)
    external: bool = False
    labels: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)
    span: Span = field(default_factory=lambda: Span(""))


@record
class FileResource:
    """A top-level secret or config."""

    key: str
    name: str
    file: str | None = None
    environment: str | None = None
    content: str | None = None
    external: bool = False
    keys: dict = field(default_factory=dict)
    span: Span = field(default_factory=lambda: Span(""))


@record
class Project:
    name: str
    services: dict
    networks: dict
    volumes: dict
    secrets: dict
    configs: dict
    files: list
    project_dir: str
    home: str | None = None
    environment: dict = field(default_factory=dict)
    span: Span = field(default_factory=lambda: Span(""))
    # value position -> (text before interpolation, names of the unset or empty variables in it)
    emptied: dict = field(default_factory=dict)

    def clone(self) -> "Project":
        from podgen._clone import deep_clone   # copy.deepcopy, several times faster on the model
        return deep_clone(self)


# --- building the model from the normalised config ---------------------------------------

def _bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "on")
    return bool(value)


def _opt_str(value):
    return None if value is None else scalar_text(value)


def _str_map(m) -> dict:
    if not m:
        return {}
    return {str(k): (None if v is None else scalar_text(v)) for k, v in m.items()}


def build_project(loaded) -> Project:
    """LoadedProject (normalised config with positions) -> typed Project."""
    cfg = loaded.config
    name = loaded.name
    networks = {}
    for key, spec in (cfg.get("networks") or {}).items():
        networks[key] = _network(key, spec, cfg["networks"])
    volumes = {key: _volume(key, spec, cfg["volumes"]) for key, spec in (cfg.get("volumes") or {}).items()}
    secrets = {key: _file_resource(key, spec, cfg["secrets"]) for key, spec in (cfg.get("secrets") or {}).items()}
    configs = {key: _file_resource(key, spec, cfg["configs"]) for key, spec in (cfg.get("configs") or {}).items()}
    services = {}
    svc_map = cfg.get("services") or YMap()
    for sname, spec in svc_map.items():
        svc = _service(sname, spec, svc_map)
        svc.project = name
        services[sname] = svc
    return Project(name=name, services=services, networks=networks, volumes=volumes,
                   secrets=secrets, configs=configs, files=list(loaded.files),
                   project_dir=loaded.project_dir, home=loaded.home,
                   environment=dict(loaded.environment), span=_span(cfg.pos),
                   emptied=getattr(loaded, "emptied", None) or {})


def _network(key: str, spec: YMap, parent: YMap) -> Network:
    ipam = spec.get("ipam") or {}
    configs = [plain(c) for c in (ipam.get("config") or [])]
    external = spec.get("external")
    return Network(
        key=key, name=scalar_text(spec.get("name") or key), driver=_opt_str(spec.get("driver")),
        driver_opts=_str_map(spec.get("driver_opts")), ipam_driver=_opt_str(ipam.get("driver")),
        ipam_config=configs, ipam_options=_str_map(ipam.get("options")),
        internal=_bool(spec.get("internal", False)), enable_ipv6=_bool(spec.get("enable_ipv6", False)),
        enable_ipv4=None if spec.get("enable_ipv4") is None else _bool(spec.get("enable_ipv4")),
        external=bool(external) if not isinstance(external, YMap) else True,
        attachable=_bool(spec.get("attachable", False)), labels=_labels(spec.get("labels")),
        implicit=bool(spec.get("x-podgen-implicit")),
        keys={k: _span(spec.kpos[k]) for k in spec if not k.startswith("x-podgen-")},
        span=_span(parent.kpos.get(key, spec.pos)), spans=_network_spans(spec))


def _network_spans(spec: YMap) -> dict:
    spans = {(k,): _span(spec.vpos[k]) for k in spec if not k.startswith("x-podgen-")}
    opts = spec.get("driver_opts")
    if type(opts) is YMap:
        spans.update((("driver_opts", k), _span(opts.kpos[k])) for k in opts)
    ipam = spec.get("ipam")
    configs = ipam.get("config") if type(ipam) is YMap else None
    if type(configs) is YSeq:
        for i, cfg in enumerate(configs):
            if type(cfg) is YMap:
                spans.update((("ipam", i, k), _span(cfg.vpos[k])) for k in cfg)
    return spans


def _labels(value) -> dict:
    if not value:
        return {}
    if type(value) is YSeq:
        out = {}
        for item in value:
            k, _, v = scalar_text(item).partition("=")
            out[k] = v
        return out
    return _str_map(value)


def _volume(key: str, spec: YMap, parent: YMap) -> Volume:
    external = spec.get("external")
    return Volume(key=key, name=scalar_text(spec.get("name") or key), driver=_opt_str(spec.get("driver")),
                  driver_opts=_str_map(spec.get("driver_opts")),
                  external=bool(external) if not isinstance(external, YMap) else True,
                  labels=_labels(spec.get("labels")), keys={k: _span(spec.kpos[k]) for k in spec},
                  span=_span(parent.kpos.get(key, spec.pos)))


def _file_resource(key: str, spec: YMap, parent: YMap) -> FileResource:
    external = spec.get("external")
    return FileResource(key=key, name=scalar_text(spec.get("name") or key), file=_opt_str(spec.get("file")),
                        environment=_opt_str(spec.get("environment")), content=_opt_str(spec.get("content")),
                        external=bool(external) if not isinstance(external, YMap) else True,
                        keys={k: _span(spec.kpos[k]) for k in spec},
                        span=_span(parent.kpos.get(key, spec.pos)))


def _service(name: str, spec: YMap, parent: YMap) -> Service:
    svc = Service(name=name, span=_span(parent.kpos.get(name, spec.pos)))
    svc.keys = {k: _span(spec.kpos[k]) for k in spec}
    # the typed keys are read from their fields; copying their (nested) values too was a sixth of this
    svc.raw = {k: plain(v) for k, v in spec.items() if k not in _TYPED_KEYS}
    spans = svc.spans
    for key, value in spec.items():
        vpos = spec.vpos[key]
        spans[(key,)] = _span(vpos)
        if key == "image":
            svc.image = scalar_text(value)
        elif key == "build":
            svc.build = plain(value)
        elif key == "container_name":
            svc.container_name = scalar_text(value)
        elif key == "command":
            svc.command = None if value is None else [scalar_text(v) for v in value]
        elif key == "entrypoint":
            svc.entrypoint = None if value is None else [scalar_text(v) for v in value]
        elif key == "environment":
            env, env_spans, kpos, vpos = svc.environment, svc.environment_spans, value.kpos, value.vpos
            for k, v in value.items():
                env[k] = v if type(v) is str else None if v is None else scalar_text(v)
                env_spans[k] = _span(kpos[k])
                spans[("environment", k)] = _span(vpos[k])
        elif key == "labels":
            svc.labels = _str_map(value)
            for k in value:
                spans[("labels", k)] = _span(value.kpos[k])
        elif key == "annotations":
            svc.annotations = _str_map(value)
        elif key == "ports":
            for i, p in enumerate(value):
                port = Port(target=int(p["target"]), published=_opt_str(p.get("published")),
                            host_ip=_opt_str(p.get("host_ip")), protocol=scalar_text(p.get("protocol", "tcp")),
                            mode=scalar_text(p.get("mode", "ingress")), name=_opt_str(p.get("name")),
                            app_protocol=_opt_str(p.get("app_protocol")), span=_span(value.ipos[i]))
                svc.ports.append(port)
        elif key == "expose":
            svc.expose = [scalar_text(v) for v in value]
        elif key == "networks":
            for net, att in value.items():
                a = NetworkAttachment(name=net, span=_span(value.kpos[net]))
                spans[("networks", net)] = a.span
                if type(att) is YMap:
                    a.aliases = [scalar_text(x) for x in (att.get("aliases") or [])]
                    a.ipv4_address = _opt_str(att.get("ipv4_address"))
                    a.ipv6_address = _opt_str(att.get("ipv6_address"))
                    a.mac_address = _opt_str(att.get("mac_address"))
                    a.interface_name = _opt_str(att.get("interface_name"))
                    for k, v in att.items():
                        spans[("networks", net, k)] = _span(att.kpos[k])
                        a.value_spans[k] = _span(att.vpos[k])
                        if k not in ("aliases", "ipv4_address", "ipv6_address", "mac_address", "interface_name"):
                            a.extra[k] = plain(v)
                svc.networks[net] = a
        elif key == "network_mode":
            svc.network_mode = scalar_text(value)
        elif key == "volumes":
            for i, v in enumerate(value):
                svc.volumes.append(_mount(v, value.ipos[i]))
        elif key == "tmpfs":
            svc.tmpfs = [scalar_text(v) for v in value]
        elif key == "depends_on":
            for dep, d in value.items():
                svc.depends_on[dep] = Dependency(
                    service=dep, condition=scalar_text(d.get("condition", "service_started")),
                    required=_bool(d.get("required", True)), restart=_bool(d.get("restart", False)),
                    span=_span(value.kpos[dep]))
        elif key == "links":
            for i, link in enumerate(value):
                target, _, alias = scalar_text(link).partition(":")
                svc.links.append((target, alias or target))
                spans[("links", i)] = _span(value.ipos[i])
        elif key == "restart":
            svc.restart = scalar_text(value)
        elif key == "healthcheck":
            hc = Healthcheck(span=_span(vpos))
            test = value.get("test")
            hc.test = [scalar_text(t) for t in test] if type(test) is YSeq else None
            hc.interval = _opt_str(value.get("interval"))
            hc.timeout = _opt_str(value.get("timeout"))
            hc.retries = None if value.get("retries") is None else int(value.get("retries"))
            hc.start_period = _opt_str(value.get("start_period"))
            hc.start_interval = _opt_str(value.get("start_interval"))
            hc.disable = _bool(value.get("disable", False))
            for k in value:
                spans[("healthcheck", k)] = _span(value.vpos[k])
            svc.healthcheck = hc
        elif key == "logging":      # positions only: the value stays in svc.raw
            if type(value) is YMap:
                for k in value:
                    spans[("logging", k)] = _span(value.kpos[k])
                options = value.get("options")
                if type(options) is YMap:
                    for k in options:
                        spans[("logging", "options", k)] = _span(options.kpos[k])
        elif key == "user":
            svc.user = scalar_text(value)
        elif key == "working_dir":
            svc.working_dir = scalar_text(value)
        elif key == "hostname":
            svc.hostname = scalar_text(value)
        elif key == "domainname":
            svc.domainname = scalar_text(value)
        elif key == "cap_add":
            svc.cap_add = [scalar_text(v) for v in value]
            for i, pos in enumerate(getattr(value, "ipos", ())):
                spans[("cap_add", i)] = _span(pos)
        elif key == "cap_drop":
            svc.cap_drop = [scalar_text(v) for v in value]
        elif key == "devices":
            for i, d in enumerate(value):
                if type(d) is YMap:
                    src = scalar_text(d.get("source", ""))
                    dst = scalar_text(d.get("target", "")) or src
                    perms = scalar_text(d.get("permissions", ""))
                    svc.devices.append(":".join(x for x in (src, dst, perms) if x))
                else:
                    svc.devices.append(scalar_text(d))
                spans[("devices", i)] = _span(value.ipos[i])
        elif key == "sysctls":
            svc.sysctls = _str_map(value)
            for k in value:
                spans[("sysctls", k)] = _span(value.kpos[k])
        elif key == "ulimits":
            for k, v in value.items():
                spans[("ulimits", k)] = _span(value.vpos[k])
                if type(v) is YMap:
                    svc.ulimits[k] = (v.get("soft"), v.get("hard"))
                    for part in ("soft", "hard"):       # the int form's soft and hard share its position
                        if part in v:
                            spans[("ulimits", k, part)] = _span(v.vpos[part])
                else:
                    svc.ulimits[k] = (v, v)
        elif key == "extra_hosts":
            for i, entry in enumerate(value):
                host, _, ip = scalar_text(entry).partition("=")
                svc.extra_hosts.append((host, ip))
                spans[("extra_hosts", i)] = _span(value.ipos[i])
        elif key == "dns":
            svc.dns = [scalar_text(v) for v in value]
        elif key == "dns_search":
            svc.dns_search = [scalar_text(v) for v in value]
        elif key == "dns_opt":
            svc.dns_opt = [scalar_text(v) for v in value]
        elif key == "init":
            svc.init = _bool(value)
        elif key == "stop_signal":
            svc.stop_signal = scalar_text(value)
        elif key == "stop_grace_period":
            svc.stop_grace_period = scalar_text(value)
        elif key in ("secrets", "configs"):
            refs = []
            for i, ref in enumerate(value):
                refs.append(FileRef(source=scalar_text(ref["source"]),
                                    target=scalar_text(ref.get("target") or ""),
                                    uid=_opt_str(ref.get("uid")), gid=_opt_str(ref.get("gid")),
                                    mode=ref.get("mode"), span=_span(value.ipos[i])))
            setattr(svc, key, refs)
        elif key == "profiles":
            svc.profiles = [scalar_text(v) for v in value]
    return svc


# the keys _service gives a typed field (and so does not keep in Service.raw)
_TYPED_KEYS = frozenset((
    "image", "build", "container_name", "command", "entrypoint", "environment", "labels", "annotations",
    "ports", "expose", "networks", "network_mode", "volumes", "tmpfs", "depends_on", "links", "restart",
    "healthcheck", "user", "working_dir", "hostname", "domainname", "cap_add", "cap_drop", "devices",
    "sysctls", "ulimits", "extra_hosts", "dns", "dns_search", "dns_opt", "init", "stop_signal",
    "stop_grace_period", "secrets", "configs", "profiles"))


def _mount(v, pos) -> Mount:
    m = Mount(type=scalar_text(v.get("type", "volume")), target=scalar_text(v.get("target", "")),
              source=_opt_str(v.get("source")), read_only=_bool(v.get("read_only", False)),
              span=_span(pos), source_span=_span(v.vpos.get("source")) if "source" in v else None)
    bind = v.get("bind") or {}
    volume = v.get("volume") or {}
    tmpfs = v.get("tmpfs") or {}
    m.selinux = _opt_str(bind.get("selinux"))
    m.propagation = _opt_str(bind.get("propagation"))
    m.create_host_path = _bool(bind.get("create_host_path", False))
    m.nocopy = _bool(volume.get("nocopy", False))
    m.subpath = _opt_str(volume.get("subpath"))
    m.tmpfs_size = tmpfs.get("size")
    m.tmpfs_mode = tmpfs.get("mode")
    m.unknown_options = [scalar_text(o) for o in (v.get(UNKNOWN_OPTIONS) or [])]
    for k, val in v.items():
        if k not in ("type", "target", "source", "read_only", "bind", "volume", "tmpfs", UNKNOWN_OPTIONS):
            m.extra[k] = plain(val)
    for k, val in bind.items():
        if k not in ("selinux", "propagation", "create_host_path"):
            m.extra["bind." + k] = plain(val)
    for k, val in volume.items():
        if k not in ("nocopy", "subpath"):
            m.extra["volume." + k] = plain(val)
    return m
