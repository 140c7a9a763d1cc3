"""Model stage: the typed project, built from the loaded one.

In: ``podgen.load``'s ``LoadedProject`` (``build.py: build_project``).  Out: a
``Project`` of ``Service``/``Network``/``Volume``/``FileResource`` records
(this module), the one shape every later stage reads: rules analyse it,
``podgen.rewrite`` repairs it, ``podgen.targets`` lower it.  May import the
load stage's value helpers (``YMap``, ``scalar_text``),
``podgen.report.diagnostics`` (``Span``) and the base modules; nothing above.

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
        from podgen.model._clone import deep_clone   # copy.deepcopy, several times faster on the model
        return deep_clone(self)
