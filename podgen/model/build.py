"""Building the typed ``Project`` from a ``LoadedProject`` (normalised config with positions).

``build_project`` reads each section; ``_service`` reads a service key by key:
the keys that hold one string are copied (``_SCALAR_KEYS``), every other typed
key has a reader in ``_READERS``.  A key with neither stays in ``Service.raw``
only (the Podman target reads those there, or reports them: PG701).
"""
from __future__ import annotations

from podgen.load.scalars import scalar_text
from podgen.load.shortforms import UNKNOWN_OPTIONS
from podgen.load.yamlload import YMap, YSeq
from podgen.model import (Dependency, FileRef, FileResource, Healthcheck, Mount, Network, NetworkAttachment, Port,
                          Project, Service, Volume, _span, plain)


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
        if key in _SCALAR_KEYS:
            setattr(svc, key, scalar_text(value))
        elif key in _TEXT_LISTS:
            setattr(svc, key, [scalar_text(v) for v in value])
            if key == "tmpfs":          # each item's place (PG701 points at a tmpfs option podgen drops)
                for i, ipos in enumerate(getattr(value, "ipos", ())):
                    spans[(key, i)] = _span(ipos)
        else:
            reader = _READERS.get(key)
            if reader is not None:
                reader(svc, key, value, vpos, spans)
    return svc


# keys whose value is one string, and keys whose value is a list of strings (same field name)
_SCALAR_KEYS = frozenset(("image", "container_name", "network_mode", "restart", "user", "working_dir", "hostname",
                          "domainname", "stop_signal", "stop_grace_period"))
_TEXT_LISTS = frozenset(("expose", "tmpfs", "cap_drop", "dns", "dns_search", "dns_opt", "profiles"))


def _read_build(svc, key, value, vpos, spans):
    svc.build = plain(value)


def _read_command(svc, key, value, vpos, spans):        # command, entrypoint
    setattr(svc, key, None if value is None else [scalar_text(v) for v in value])


def _read_environment(svc, key, value, vpos, spans):
    env, env_spans, kpos, vpos = svc.environment, svc.environment_spans, value.kpos, value.vpos
    for k, v in value.items():
        env[k] = v if type(v) is str else None if v is None else scalar_text(v)
        env_spans[k] = _span(kpos[k])
        spans[("environment", k)] = _span(vpos[k])


def _read_labels(svc, key, value, vpos, spans):
    svc.labels = _str_map(value)
    for k in value:
        spans[("labels", k)] = _span(value.kpos[k])


def _read_annotations(svc, key, value, vpos, spans):
    svc.annotations = _str_map(value)


def _read_ports(svc, key, value, vpos, spans):
    for i, p in enumerate(value):
        port = Port(target=int(p["target"]), published=_opt_str(p.get("published")),
                    host_ip=_opt_str(p.get("host_ip")), protocol=scalar_text(p.get("protocol", "tcp")),
                    mode=scalar_text(p.get("mode", "ingress")), name=_opt_str(p.get("name")),
                    app_protocol=_opt_str(p.get("app_protocol")), span=_span(value.ipos[i]))
        svc.ports.append(port)


def _read_networks(svc, key, value, vpos, spans):
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


def _read_volumes(svc, key, value, vpos, spans):
    for i, v in enumerate(value):
        svc.volumes.append(_mount(v, value.ipos[i]))


def _read_depends_on(svc, key, value, vpos, spans):
    for dep, d in value.items():
        svc.depends_on[dep] = Dependency(
            service=dep, condition=scalar_text(d.get("condition", "service_started")),
            required=_bool(d.get("required", True)), restart=_bool(d.get("restart", False)),
            span=_span(value.kpos[dep]))


def _read_links(svc, key, value, vpos, spans):
    for i, link in enumerate(value):
        target, _, alias = scalar_text(link).partition(":")
        svc.links.append((target, alias or target))
        spans[("links", i)] = _span(value.ipos[i])


def _read_healthcheck(svc, key, value, vpos, spans):
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


def _read_logging(svc, key, value, vpos, spans):      # positions only: the value stays in svc.raw
    if type(value) is YMap:
        for k in value:
            spans[("logging", k)] = _span(value.kpos[k])
        options = value.get("options")
        if type(options) is YMap:
            for k in options:
                spans[("logging", "options", k)] = _span(options.kpos[k])


def _read_cap_add(svc, key, value, vpos, spans):
    svc.cap_add = [scalar_text(v) for v in value]
    for i, pos in enumerate(getattr(value, "ipos", ())):
        spans[("cap_add", i)] = _span(pos)


def _read_devices(svc, key, value, vpos, spans):
    for i, d in enumerate(value):
        if type(d) is YMap:
            src = scalar_text(d.get("source", ""))
            dst = scalar_text(d.get("target", "")) or src
            perms = scalar_text(d.get("permissions", ""))
            svc.devices.append(":".join(x for x in (src, dst, perms) if x))
        else:
            svc.devices.append(scalar_text(d))
        spans[("devices", i)] = _span(value.ipos[i])


def _read_sysctls(svc, key, value, vpos, spans):
    svc.sysctls = _str_map(value)
    for k in value:
        spans[("sysctls", k)] = _span(value.kpos[k])


def _read_ulimits(svc, key, value, vpos, spans):
    for k, v in value.items():
        spans[("ulimits", k)] = _span(value.vpos[k])
        if type(v) is YMap:
            svc.ulimits[k] = (v.get("soft"), v.get("hard"))
            for part in ("soft", "hard"):       # the int form's soft and hard share its position
                if part in v:
                    spans[("ulimits", k, part)] = _span(v.vpos[part])
        else:
            svc.ulimits[k] = (v, v)


def _read_extra_hosts(svc, key, value, vpos, spans):
    for i, entry in enumerate(value):
        host, _, ip = scalar_text(entry).partition("=")
        svc.extra_hosts.append((host, ip))
        spans[("extra_hosts", i)] = _span(value.ipos[i])


def _read_init(svc, key, value, vpos, spans):
    svc.init = _bool(value)


def _read_file_refs(svc, key, value, vpos, spans):     # secrets, configs
    refs = []
    for i, ref in enumerate(value):
        refs.append(FileRef(source=scalar_text(ref["source"]),
                            target=scalar_text(ref.get("target") or ""),
                            uid=_opt_str(ref.get("uid")), gid=_opt_str(ref.get("gid")),
                            mode=ref.get("mode"), span=_span(value.ipos[i])))
    setattr(svc, key, refs)


_READERS = {
    "build": _read_build, "command": _read_command, "entrypoint": _read_command,
    "environment": _read_environment, "labels": _read_labels, "annotations": _read_annotations,
    "ports": _read_ports, "networks": _read_networks, "volumes": _read_volumes,
    "depends_on": _read_depends_on, "links": _read_links, "healthcheck": _read_healthcheck,
    "logging": _read_logging, "cap_add": _read_cap_add, "devices": _read_devices, "sysctls": _read_sysctls,
    "ulimits": _read_ulimits, "extra_hosts": _read_extra_hosts, "init": _read_init,
    "secrets": _read_file_refs, "configs": _read_file_refs,
}


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
