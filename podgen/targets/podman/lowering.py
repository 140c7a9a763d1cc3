"""Lowering: a typed ``Project`` -> the ``ProjectSpec`` both writers share.

``lower(project, target, diagnostics)`` makes a ``NetworkSpec`` per network, a
``VolumeSpec`` per volume and a ``ContainerSpec`` per service, in start order.
For a service, every key it sets is looked up in ``keys.SERVICE_KEYS``: a
handler (in the module of its concern) adds options, a key with no Podman
equivalent is reported (PG701, with the reason the table gives), and so is a
key podgen does not know -- never a silent drop.  Values Podman cannot take
raise ``LoweringError`` (PG703).
"""
from __future__ import annotations

from podgen.model import Project, Service
from podgen.report.diagnostics import Diagnostic, Severity, Span
from podgen.targets.podman.identity import new_container
from podgen.targets.podman.keys import LOADED, NETWORK_KEYS, SERVICE_KEYS, NotConverted
from podgen.targets.podman.lifecycle import mark_dependencies
from podgen.targets.podman.networking import attach_networks
from podgen.targets.podman.spec import (LABEL_PROJECT, LABEL_SERVICE, ContainerSpec, NetworkSpec, Opt, ProjectSpec,
                                        VolumeSpec, check_name, ipam_driver)


class Lowering:
    """The state of one lowering: the project, the target, the diagnostics found.

    Handlers get it as their first argument (*low*) and report through ``warn``
    and ``unsupported``.
    """

    def __init__(self, project: Project, target, diagnostics: list):
        self.project = project
        self.target = target
        self.diags = diagnostics

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
        mark_dependencies(self, containers)
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
            if key not in NETWORK_KEYS and not key.startswith("x-"):
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
        """The service's spec: each key it sets goes to its handler (``keys.SERVICE_KEYS``), in file order."""
        spec = new_container(self, svc)
        add = spec.options.append
        for key in svc.keys:
            if key.startswith("x-"):
                continue
            handler = SERVICE_KEYS.get(key)
            if handler is None:
                self.unsupported(svc, key, "podgen does not know this key", spec)
            elif handler is LOADED:
                continue
            elif handler.__class__ is NotConverted:
                self.unsupported(svc, key, handler.why, spec)
            else:
                handler(self, svc, spec, add)
        # compose's labels, so `podman ps --filter label=...` works as with docker compose
        name = self.project.name
        add(Opt("--label", f"{LABEL_PROJECT}={name}", "Label", "keyval", source="labels"))
        add(Opt("--label", f"{LABEL_SERVICE}={svc.name}", "Label", "keyval", source="labels"))
        if not svc.network_mode:
            attach_networks(self, svc, spec, add)
        return spec


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
