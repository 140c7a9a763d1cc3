"""After merging: profiles, names, ``env_file``, defaults and references.

``finish(doc, name, env, loader)`` turns the merged document of all files into
the project config that ``LoadedProject.config`` holds: the services the active
profiles enable (the others reported, PG004), every reference to a network,
volume, secret, config or service checked (an ``InputError`` at its place,
with a "did you mean"), ``env_file`` read into ``environment``, the implicit
``default`` network made explicit, names given to the resources in use, and
the start-up order checked for cycles.
"""
from __future__ import annotations

import os
import re

from podgen.errors import InputError, did_you_mean
from podgen.load.envfile import read_env_file
from podgen.load.merge import merge_maps
from podgen.load.normalize import size_bytes
from podgen.load.scalars import scalar_text
from podgen.load.shortforms import MAX_PORT_MAPPINGS, too_many_ports
from podgen.load.yamlload import new_map, put
from podgen.load.yamlload import YMap
from podgen.report.diagnostics import Diagnostic, Severity, Span


def finish(doc: YMap, name: str, env: dict, loader) -> YMap:
    """The merged document -> the project config: active services only (profiles), every
    reference checked, ``env_file`` read into ``environment``, the default network made
    explicit, and only the networks, volumes, secrets and configs a service uses, named."""
    services, disabled = _active_services(doc, env, loader)
    pools = {key: doc.get(key) if type(doc.get(key)) is YMap else new_map(doc.pos)
             for key in ("networks", "volumes", "secrets", "configs")}
    used = {key: set() for key in pools}
    port_mappings = 0
    for sname, svc in services.items():
        if "container_name" in svc:
            check_object_name("container", scalar_text(svc["container_name"]), svc.vpos["container_name"])
        port_mappings += len(svc.get("ports") or ())
        if port_mappings > MAX_PORT_MAPPINGS:
            raise too_many_ports(svc.vpos.get("ports", svc.pos))
        _check_service(sname, svc, services, disabled, env, loader, pools, used)
    _check_cycles(services)
    return _project_config(doc, name, services, pools, used)


def _active_services(doc: YMap, env: dict, loader) -> tuple:
    """(the services the active profiles enable, the names of the others); each one left out is
    reported (PG004)."""
    services = doc.get("services")
    if type(services) is not YMap:
        services = new_map(doc.pos)
    profiles = _active_profiles(loader.opts.profiles, env)
    enabled = new_map(services.pos)
    disabled = set()
    for sname, svc in services.items():
        sp = svc.get("profiles")
        if sp and "*" not in profiles and not (set(map(str, sp)) & profiles):
            disabled.add(sname)
            names = [str(p) for p in sp]
            which = (f"profile {names[0]}, which is not active" if len(names) == 1
                     else f"profiles {', '.join(names)}, none of them active")
            enable = f"--profile {names[0]} (or '*' for every profile)" if len(names) == 1 else "--profile '*'"
            loader.diagnostics.append(Diagnostic(
                Span.of(services.kpos[sname]), "PG004", Severity.INFO,
                f"service {sname!r} is left out: it is only enabled by {which}", service=sname,
                name="inactive-profile", notes=(f"to check and convert it too: {enable}",)))
            continue
        put(enabled, sname, svc, services.kpos[sname], services.vpos[sname])
    return enabled, disabled


def _check_service(sname: str, svc: YMap, services: YMap, disabled: set, env: dict, loader, pools: dict,
                   used: dict):
    """One active service: its image, resources and environment, and every name it refers to."""
    if "image" not in svc and "build" not in svc:
        raise InputError(f"service {sname!r} has neither an image nor a build context",
                         services.kpos[sname],
                         hint="add 'image: NAME[:TAG]' (or a 'build:' section); if this file overrides "
                              "another, give both: -f compose.yaml -f THIS-FILE")
    _check_resource_aliases(sname, svc)
    _env_files_into_environment(svc, env, loader)
    _resolve_bare_environment(svc, env)
    networks, volumes = pools["networks"], pools["volumes"]
    if "network_mode" not in svc and "networks" not in svc:
        default = new_map(svc.pos)
        put(default, "default", None, svc.pos)
        put(svc, "networks", default, svc.pos)
    for net in (svc.get("networks") or {}):
        if net not in networks and net != "default":
            raise InputError(f"service {sname!r} refers to undefined network {net!r}",
                             svc["networks"].kpos.get(net, svc.kpos.get("networks")),
                             hint="declare it under the top-level 'networks:' key"
                                  + _suffix(did_you_mean(net, networks)))
        used["networks"].add(net)
    for i, vol in enumerate(svc.get("volumes") or ()):
        if type(vol) is YMap and vol.get("type") == "volume" and vol.get("source"):
            src = vol["source"]
            if src not in volumes:
                raise InputError(f"service {sname!r} refers to undefined volume {src!r}",
                                 svc["volumes"].ipos[i],
                                 hint="declare it under the top-level 'volumes:' key, or use "
                                      "./path for a bind mount" + _suffix(did_you_mean(src, volumes)))
            used["volumes"].add(src)
    for kind in ("secrets", "configs"):
        pool = pools[kind]
        for i, ref in enumerate(svc.get(kind) or ()):
            src = ref.get("source") if type(ref) is YMap else ref
            if src not in pool:
                raise InputError(f"service {sname!r} refers to undefined {kind[:-1]} {src!r}",
                                 svc[kind].ipos[i],
                                 hint=f"declare it under the top-level '{kind}:' key"
                                      + _suffix(did_you_mean(src, pool)))
            used[kind].add(src)
    _check_service_refs(sname, svc, services, disabled)


def _project_config(doc: YMap, name: str, services: YMap, pools: dict, used: dict) -> YMap:
    """The output mapping: name, the used networks (named, checked, with ipam), services, the used
    volumes, secrets and configs (named), and the document's x- keys."""
    networks = pools["networks"]
    out = new_map(doc.pos)
    put(out, "name", name, doc.kpos.get("name", doc.pos))
    if used["networks"]:
        nets = new_map(networks.pos)
        for net in sorted(used["networks"]):
            spec = networks.get(net)
            spec = merge_maps(spec, new_map(spec.pos)) if type(spec) is YMap else new_map(
                networks.vpos.get(net, doc.pos))
            _name_resource(spec, name, net)
            check_object_name("network", spec["name"], spec.vpos.get("name", networks.kpos.get(net, doc.pos)))
            if net not in networks:
                put(spec, "x-podgen-implicit", True, spec.pos)
            if "ipam" not in spec and not spec.get("external"):
                put(spec, "ipam", new_map(spec.pos), spec.pos)
            put(nets, net, spec, networks.kpos.get(net, doc.pos), networks.vpos.get(net, doc.pos))
        put(out, "networks", nets, doc.kpos.get("networks", doc.pos))
    put(out, "services", services, doc.kpos.get("services", doc.pos))
    for key in ("volumes", "secrets", "configs"):
        pool = pools[key]
        if not used[key]:
            continue
        res = new_map(pool.pos)
        for rname in sorted(used[key]):
            spec = pool[rname]
            spec = merge_maps(spec, new_map(spec.pos)) if type(spec) is YMap else new_map(pool.vpos[rname])
            _name_resource(spec, name, rname)
            if key != "configs":     # configs are bind-mounted files, not podman objects
                check_object_name(key[:-1], spec["name"], spec.vpos.get("name", pool.kpos[rname]))
            put(res, rname, spec, pool.kpos[rname], pool.vpos[rname])
        put(out, key, res, doc.kpos.get(key, doc.pos))
    for key, value in doc.items():
        if isinstance(key, str) and key.startswith("x-"):
            put(out, key, value, doc.kpos[key], doc.vpos[key])
    return out


def _suffix(text: str | None) -> str:
    return f"; {text}" if text else ""


def _active_profiles(given, env: dict) -> set:
    profiles = set(p for p in given if p)
    if not profiles and env.get("COMPOSE_PROFILES"):
        profiles = set(p.strip() for p in env["COMPOSE_PROFILES"].split(",") if p.strip())
    return profiles


# Podman's rule for container, network, volume and secret names; they also become unit file names
# (NAME.network, NAME.volume), so nothing else may pass: no '/', '..', line breaks, spaces, ...
_OBJECT_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
MAX_OBJECT_NAME = 200


def check_object_name(kind: str, name: str, pos):
    if not _OBJECT_NAME.fullmatch(name):
        raise InputError(f"invalid {kind} name {name!r}", pos,
                         hint="Podman names use letters, digits, '_', '.' and '-', and start with a letter "
                              "or digit")
    if len(name.encode()) > MAX_OBJECT_NAME:
        raise InputError(f"{kind} name {name[:40]!r}... is {len(name)} characters long", pos,
                         hint=f"use at most {MAX_OBJECT_NAME} characters (names become unit file names)")


def _name_resource(spec: YMap, project: str, key: str):
    if spec.get("name"):
        spec["name"] = scalar_text(spec["name"])
        return
    external = spec.get("external")
    if isinstance(external, YMap) and external.get("name"):
        put(spec, "name", scalar_text(external["name"]), spec.pos)
        return
    put(spec, "name", key if external else f"{project}_{key}", spec.pos)


def _env_files_into_environment(svc: YMap, env: dict, loader):
    files = svc.get("env_file")
    if not files:
        return
    values: dict = {}
    for i, entry in enumerate(files):
        path = entry["path"]
        if not os.path.isfile(path):
            if entry.get("required", True) is False:
                continue
        values.update(read_env_file(path, env, raw=entry.get("format") == "raw",
                                    origin=files.ipos[i] if i < len(files.ipos) else None))
    environment = svc.get("environment")
    merged = new_map(svc.pos)
    where = svc.vpos.get("env_file", svc.pos)
    for k, v in values.items():
        put(merged, k, v, where)
    if type(environment) is YMap:
        for k, v in environment.items():
            put(merged, k, v, environment.kpos[k], environment.vpos[k])
    svc.pop("env_file")
    svc.kpos.pop("env_file", None)
    svc.vpos.pop("env_file", None)
    put(svc, "environment", merged, where)


def _resolve_bare_environment(svc: YMap, env: dict):
    environment = svc.get("environment")
    if type(environment) is not YMap:
        return
    for k, v in environment.items():
        if v is None and env.get(k) is not None:
            environment[k] = env[k]


# top-level keys that say the same as a deploy.resources key: compose refuses distinct values
# (a deploy.resources.limits block without the key counts as distinct, as in compose-go)
_RESOURCE_ALIASES = (("cpus", ("limits", "cpus")), ("mem_limit", ("limits", "memory")),
                     ("mem_reservation", ("reservations", "memory")), ("pids_limit", ("limits", "pids")))


def _check_resource_aliases(sname: str, svc: YMap):
    deploy = svc.get("deploy")
    if type(deploy) is not YMap:
        return
    resources = deploy.get("resources")
    for key, (block, field) in _RESOURCE_ALIASES:
        value = svc.get(key)
        if value is None or type(resources) is not YMap or type(resources.get(block)) is not YMap:
            continue
        ours = _amount(value, key)
        if ours in (None, 0):
            continue
        theirs = _amount(resources[block].get(field), key)
        if theirs != ours:
            raise InputError(f"services.{sname}: can't set distinct values on '{key}' and "
                             f"'deploy.resources.{block}.{field}' (Docker Compose refuses the project)",
                             svc.kpos[key], hint=f"keep one of them (deploy.resources.{block}.{field} is the "
                                                 f"newer form), or give both the same value")
    replicas = deploy.get("replicas")
    if svc.get("scale") is not None and replicas is not None and _amount(svc["scale"], "scale") != \
            _amount(replicas, "scale"):
        raise InputError(f"services.{sname}: can't set distinct values on 'scale' and 'deploy.replicas' "
                         "(Docker Compose refuses the project)", svc.kpos["scale"], hint="keep one of them")


def _amount(value, key: str):
    """A comparable number: bytes for the memory keys, the number itself otherwise; None if unreadable."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    if key in ("mem_limit", "mem_reservation"):
        return size_bytes(text)
    try:
        return float(text)
    except ValueError:
        return None


def _check_service_refs(sname: str, svc: YMap, services: YMap, disabled: set):
    def missing(ref: str, what: str, where):
        if ref in disabled:
            raise InputError(f"service {sname!r} {what} {ref!r}, which is only enabled by a profile",
                             where, hint="enable that profile with --profile, or remove the reference")
        raise InputError(f"service {sname!r} {what} undefined service {ref!r}", where,
                         hint=did_you_mean(ref, services))
    deps = svc.get("depends_on")
    if type(deps) is YMap:
        for dep in list(deps):
            if dep not in services:
                if deps[dep].get("required") is False:
                    deps.pop(dep)
                    continue
                missing(dep, "depends on", deps.kpos[dep])
    mode = svc.get("network_mode")
    if isinstance(mode, str) and mode.startswith("service:"):
        ref = mode[len("service:"):]
        if ref not in services:
            missing(ref, "uses the network of", svc.vpos["network_mode"])
    for i, link in enumerate(svc.get("links") or ()):
        ref = str(link).split(":", 1)[0]
        if ref not in services:
            missing(ref, "links to", svc["links"].ipos[i])
    for i, vf in enumerate(svc.get("volumes_from") or ()):
        ref = str(vf).split(":", 1)[0]
        if not ref.startswith("container") and ref not in services:
            missing(ref, "takes volumes from", svc["volumes_from"].ipos[i])


def _check_cycles(services: YMap):
    """depends_on / service: network / links must form a DAG (start-up needs an order)."""
    graph = {name: service_dependencies(svc) for name, svc in services.items()}
    state: dict = {}
    for start in graph:
        if state.get(start):
            continue
        stack = [(start, iter(graph[start]))]
        state[start] = 1
        path = [start]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                svc = services[node]
                where = (svc.get("depends_on") or svc).kpos.get(nxt) if type(svc.get("depends_on")) is YMap \
                    else svc.pos
                raise InputError(f"dependency cycle: {' -> '.join(cycle)}", where or svc.pos,
                                 hint="services cannot depend on each other in a circle; "
                                      "remove one of the depends_on/links entries")
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(graph[nxt])))


def service_dependencies(svc: YMap) -> list:
    deps = list(svc.get("depends_on") or ())
    mode = svc.get("network_mode")
    if isinstance(mode, str) and mode.startswith("service:"):
        deps.append(mode[len("service:"):])
    for link in svc.get("links") or ():
        deps.append(str(link).split(":", 1)[0])
    for vf in svc.get("volumes_from") or ():
        ref = str(vf).split(":", 1)[0]
        if not ref.startswith("container"):
            deps.append(ref)
    return deps


