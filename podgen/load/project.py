"""Assemble a Compose project the way ``docker compose config`` does.

files (``-f``, ``COMPOSE_FILE`` or discovery) -> ``.env`` / ``--env-file`` ->
per file: YAML -> interpolation -> schema -> long syntax -> ``extends`` ->
``include`` -> merge -> profiles -> names, ``env_file``, defaults -> references.

The result is a ``LoadedProject`` whose ``config`` mapping has the shape of
``docker compose config --format json`` and still knows file:line:col.
"""
from __future__ import annotations

import os
import re
from dataclasses import field

from podgen._record import record
from podgen.report.diagnostics import Diagnostic, Severity, Span
from podgen.load.envfile import parse_env_text, read_env_file
from podgen.errors import InputError, InputErrors
from podgen.load.interpolate import Interpolator, interpolate_tree
from podgen.load.merge import clear_paths, merge_documents, merge_maps, take_merge_tags
from podgen.load.normalize import (MAX_PORT_MAPPINGS, new_map, normalize_service, put, resolve_path, scalar_text,
                              size_bytes, too_many_ports)
from podgen.load.schema import validate_compose
from podgen.load.yamlload import MAX_BYTES, YMap, YSeq, decode_bytes, load_documents

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDE_FILES = ("compose.override.yaml", "compose.override.yml",
                  "docker-compose.override.yaml", "docker-compose.override.yml")
_PROJECT_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MAX_EXTENDS_DEPTH = 32
MAX_INCLUDE_DEPTH = 16


@record
class ProjectOptions:
    files: list = field(default_factory=list)
    project_name: str | None = None
    profiles: tuple = ()
    env_files: tuple | None = None
    environ: dict | None = None
    project_directory: str | None = None
    cwd: str | None = None


@record
class LoadedProject:
    name: str
    config: YMap
    files: list
    project_dir: str
    environment: dict
    diagnostics: list = field(default_factory=list)
    sources: dict = field(default_factory=dict)
    home: str | None = None
    emptied: dict = field(default_factory=dict)     # Interpolator.emptied (PG503)
    filled: set = field(default_factory=set)        # Interpolator.filled (private output files)


def normalize_project_name(text: str) -> str:
    name = "".join(ch for ch in text.lower() if ch in "abcdefghijklmnopqrstuvwxyz0123456789_-")
    return name.lstrip("_-")


class _Loader:
    def __init__(self, opts: ProjectOptions):
        self.opts = opts
        self.cwd = opts.cwd or os.getcwd()
        self.environ = dict(os.environ if opts.environ is None else opts.environ)
        self.home = self.environ.get("HOME")
        self.sources: dict[str, str] = {}
        self.diagnostics: list[Diagnostic] = []
        self._file_cache: dict = {}
        self._including: list = []      # files whose include: is being loaded (cycle detection)
        self._port_mappings = 0         # published ports after range expansion, all files together
        # documents parsed by early_project_name, handed once to load_file (parsing is the
        # costliest part of loading; a 10,000-service file was parsed twice)
        self._parsed: dict = {}
        self._tag_paths: dict = {}      # file -> the paths its !reset / !override values clear
        self._line_starts: dict = {}    # file -> offset of each line (for PG003's column)

    # --- files -----------------------------------------------------------------
    def find_files(self) -> list[str]:
        if "-" in self.opts.files:
            raise InputError("podgen cannot read a compose file from standard input ('-')", None,
                             hint="save it to a file and pass that (podgen resolves relative paths, "
                                  ".env and the project name from the file's directory)")
        files = [os.path.join(self.cwd, f) for f in self.opts.files]
        if files:
            return files
        settings = self.environ
        if not settings.get("COMPOSE_FILE"):
            # docker compose reads COMPOSE_FILE from the .env of the working directory too
            where = os.path.join(self.cwd, self.opts.project_directory or "")
            settings = {**self.dotenv(where), **self.environ}
        compose_file = settings.get("COMPOSE_FILE")
        if compose_file:
            sep = settings.get("COMPOSE_PATH_SEPARATOR", os.pathsep)
            return [os.path.join(self.cwd, f) for f in compose_file.split(sep) if f]
        for name in DEFAULT_FILES:
            path = os.path.join(self.cwd, name)
            if os.path.isfile(path):
                found = [path]
                for override in OVERRIDE_FILES:
                    opath = os.path.join(self.cwd, override)
                    if os.path.isfile(opath):
                        found.append(opath)
                        break
                return found
        raise InputError(f"no compose file found in {self.cwd}", None,
                         hint="pass one with -f FILE, or create compose.yaml "
                              f"(podgen looks for {', '.join(DEFAULT_FILES)})")

    def read_text(self, path: str, origin=None, kind: str = "compose file") -> str:
        if path in self.sources:
            return self.sources[path]
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)   # decode_bytes refuses anything longer
        except FileNotFoundError:
            raise InputError(f"{path}: no such file" if origin else "no such file", origin or (path, 0, 0),
                             hint="check the path given with -f, extends.file or include") from None
        except IsADirectoryError:
            raise InputError(f"{path} is a directory, not a compose file" if origin else
                             "is a directory, not a compose file", origin or (path, 0, 0),
                             hint="pass the compose file inside it, e.g. -f DIR/compose.yaml") from None
        except PermissionError:
            raise InputError(f"{path}: permission denied" if origin else "permission denied",
                             origin or (path, 0, 0), hint="make the file readable by this user") from None
        except OSError as exc:
            raise InputError(f"{path}: {exc.strerror}" if origin else f"cannot read: {exc.strerror}",
                             origin or (path, 0, 0)) from None
        text = decode_bytes(data, path, kind)
        self.sources[path] = text
        return text

    def _variable_column(self, pos, var: str):
        """*pos* (where the value starts) moved onto its ``${VAR}`` / ``$VAR`` when that is on the
        same line, so that editors underline the variable itself."""
        if not pos or not pos[1]:
            return pos
        text = self.sources.get(pos[0])
        if text is None:
            return pos
        starts = self._line_starts.get(pos[0])
        if starts is None:      # once per file: a variable unset in every service stays linear
            starts = self._line_starts[pos[0]] = [0] + [m.end() for m in re.finditer("\n", text)]
        if pos[1] > len(starts):
            return pos
        start = starts[pos[1] - 1]
        end = text.find("\n", start)
        line = text[start:end if end >= 0 else len(text)]
        for form in ("${" + var, "$" + var):
            i = line.find(form, pos[2] - 1)
            if i >= 0:
                return (pos[0], pos[1], i + 1)
        return pos

    def dotenv(self, project_dir: str) -> dict:
        values: dict = {}
        if self.opts.env_files is not None:
            for f in self.opts.env_files:
                path = os.path.join(self.cwd, f)
                if not os.path.isfile(path):
                    raise InputError(f"env file {path} not found", None,
                                     hint="check the path given with --env-file")
                values.update(read_env_file(path, {**values, **self.environ}))
            return values
        path = os.path.join(project_dir, ".env")
        if os.path.isfile(path):
            text = self.read_text(path, kind="env file")
            values.update(parse_env_text(text, path, self.environ))
        return values

    # --- one file ----------------------------------------------------------------
    def load_file(self, path: str, interp: Interpolator, base_dir: str, origin=None,
                  include_depth: int = 0, resolve: bool = True) -> YMap:
        """Read, interpolate, validate and canonicalise one file (all its documents).

        ``resolve=False`` (a file another file's ``extends`` points into) leaves its own
        ``extends`` and ``include`` alone: the caller resolves just the service it needs.
        """
        key = (path, base_dir, resolve)
        if key in self._file_cache:
            return self._file_cache[key]
        text = self.read_text(path, origin)
        if not text.strip():
            raise InputError("the file is empty", (path, 1, 1),
                             hint="a compose file needs at least a 'services:' mapping")
        documents = self._parsed.pop(path, None)
        if isinstance(documents, InputError):
            raise documents
        if documents is None:
            documents = load_documents(text, path)
        merged = None
        tag_paths: list = []        # this file's !reset / !override places, cleared from earlier files
        for doc in documents:
            if doc is None:
                continue
            if type(doc) is not YMap:
                kind = "a list" if type(doc) is YSeq else f"the scalar {doc!r}"
                where = getattr(doc, "pos", None) or (path, 1, 1)
                raise InputError(f"the top level of a compose file must be a mapping, not {kind}",
                                 where, hint="start the file with 'services:'")
            doc_paths = take_merge_tags(doc)
            tag_paths.extend(doc_paths)
            interpolate_tree(doc, interp)
            errors, soft = validate_compose(doc, path, interp.blanked)
            if errors:
                raise InputErrors(errors)
            for e in soft:
                self.diagnostics.append(Diagnostic(
                    Span.of(e.pos), "PG002", Severity.WARNING, e.message + " (an unset variable made it empty)",
                    name="schema-violation",
                    notes=("Docker Compose 2.26 accepts this; set the variable to get a valid value",)))
            canon = self.canonical(doc, path, base_dir, interp, include_depth, resolve)
            merged = canon if merged is None else merge_documents(clear_paths(merged, doc_paths), canon)
        if merged is None:
            raise InputError("the file holds no compose document (only comments or empty documents)",
                             (path, 1, 1),
                             hint="a compose file needs at least a 'services:' mapping")
        self._file_cache[key] = merged
        self._tag_paths[path] = tag_paths
        return merged

    def canonical(self, doc: YMap, path: str, base_dir: str, interp: Interpolator,
                  include_depth: int, resolve: bool = True) -> YMap:
        out = new_map(doc.pos)
        for key, value in doc.items():
            if key == "services" and type(value) is YMap:
                services = new_map(value.pos)
                for name, svc in value.items():
                    if svc is None:
                        svc = new_map(value.vpos[name])
                    normal = normalize_service(name, svc, base_dir, self.home)
                    # port ranges expand here: stop before all services of a hostile file have
                    self._port_mappings += len(normal.get("ports") or ())
                    if self._port_mappings > MAX_PORT_MAPPINGS:
                        raise too_many_ports(svc.vpos.get("ports", svc.pos))
                    put(services, name, normal, value.kpos[name], value.vpos[name])
                value = services
            elif key in ("secrets", "configs") and type(value) is YMap:
                value = self._file_resources(value, base_dir)
            elif key in ("networks", "volumes") and type(value) is YMap:
                res = new_map(value.pos)
                for name, spec in value.items():
                    put(res, name, spec if spec is not None else new_map(value.vpos[name]),
                        value.kpos[name], value.vpos[name])
                value = res
            put(out, key, value, doc.kpos[key], doc.vpos[key])
        if not resolve:
            return out
        if type(out.get("services")) is YMap:
            self.resolve_extends(out["services"], path, base_dir, interp)
        if "include" in out:
            out = self.apply_includes(out, path, base_dir, interp, include_depth)
        return out

    def _file_resources(self, value: YMap, base_dir: str) -> YMap:
        res = new_map(value.pos)
        for name, spec in value.items():
            spec = spec if spec is not None else new_map(value.vpos[name])
            if type(spec) is YMap and isinstance(spec.get("file"), str):
                spec = merge_maps(spec, new_map(spec.pos))
                spec["file"] = resolve_path(spec["file"], base_dir, self.home)
            put(res, name, spec, value.kpos[name], value.vpos[name])
        return res

    # --- extends -------------------------------------------------------------------
    def resolve_extends(self, services: YMap, path: str, base_dir: str, interp: Interpolator):
        done: dict = {}
        for name in list(services):
            services[name] = self._extended(services, name, path, base_dir, interp, done, [])

    def _extended(self, services: YMap, name: str, path: str, base_dir: str,
                  interp: Interpolator, done: dict, chain: list) -> YMap:
        if (path, name) in done:
            return done[(path, name)]
        svc = services[name]
        ext = svc.get("extends")
        if ext is None:
            done[(path, name)] = svc
            return svc
        where = svc.vpos.get("extends")
        link = (path, name)
        if link in chain:
            cycle = " -> ".join(n for _, n in chain[chain.index(link):] + [link])
            raise InputError(f"extends cycle: {cycle}", where,
                             hint="a service cannot extend itself, directly or indirectly")
        if len(chain) > MAX_EXTENDS_DEPTH:
            raise InputError("extends chain is too long", where)
        if isinstance(ext, str):
            base_name, base_file = ext, None
        else:
            base_name, base_file = ext.get("service"), ext.get("file")
        if base_file:
            other_path = resolve_path(base_file, os.path.dirname(path), self.home)
            other_dir = os.path.dirname(other_path)
            other_doc = self.load_file(other_path, interp, other_dir, origin=where, resolve=False)
            other_services = other_doc.get("services")
            if type(other_services) is not YMap:
                other_services = new_map(other_doc.pos)
            if base_name not in other_services:
                raise InputError(f"service {name!r} extends {base_name!r}, which {base_file} "
                                 "does not define", where,
                                 hint=f"services in {base_file}: {', '.join(other_services) or 'none'}")
            base = self._extended(other_services, base_name, other_path, other_dir, interp, done,
                                  chain + [link])
        else:
            if base_name not in services:
                raise InputError(f"service {name!r} extends {base_name!r}, which is not defined", where,
                                 hint=_did_you_mean(base_name, services))
            base = self._extended(services, base_name, path, base_dir, interp, done, chain + [link])
        base = _without(base, ("extends",))
        merged = merge_maps(base, _without(svc, ("extends",)), ("services", name))
        done[(path, name)] = merged
        return merged

    # --- include --------------------------------------------------------------------
    def apply_includes(self, doc: YMap, path: str, base_dir: str, interp: Interpolator,
                       depth: int) -> YMap:
        includes = doc["include"]
        include_pos = doc.kpos.get("include")
        doc = _without(doc, ("include",))
        if depth >= MAX_INCLUDE_DEPTH:
            raise InputError(f"include is nested more than {MAX_INCLUDE_DEPTH} files deep", include_pos,
                             hint="check for files that include each other")
        for i, entry in enumerate(includes):
            where = includes.ipos[i]
            if isinstance(entry, str):
                paths, env_files, proj_dir = [entry], None, None
            else:
                p = entry.get("path")
                paths = [p] if isinstance(p, str) else list(p or [])
                ef = entry.get("env_file")
                env_files = [ef] if isinstance(ef, str) else ef
                proj_dir = entry.get("project_directory")
            sub = None
            for p in paths:
                inc_path = resolve_path(p, os.path.dirname(path), self.home)
                inc_dir = resolve_path(proj_dir, os.path.dirname(path), self.home) if proj_dir \
                    else os.path.dirname(inc_path)
                env = dict(interp.env)
                if env_files:
                    for ef in env_files:
                        env.update(read_env_file(resolve_path(ef, inc_dir, self.home), env, origin=where))
                elif os.path.isfile(os.path.join(inc_dir, ".env")):
                    env.update(parse_env_text(self.read_text(os.path.join(inc_dir, ".env"), kind="env file"),
                                              os.path.join(inc_dir, ".env"), env))
                    env.update(self.environ)
                inc_interp = Interpolator(env)
                chain = self._including + [path]
                if inc_path in chain:
                    cycle = chain[chain.index(inc_path):] + [inc_path]
                    raise InputError("include cycle: " + " -> ".join(os.path.basename(f) for f in cycle),
                                     where, hint="a file cannot include itself, directly or through "
                                                 "other files; remove one of the include entries")
                self._including.append(path)
                try:
                    loaded = self.load_file(inc_path, inc_interp, inc_dir, origin=where,
                                            include_depth=depth + 1)
                finally:
                    self._including.pop()
                interp.missing.update({k: v for k, v in inc_interp.missing.items()
                                       if k not in interp.missing})
                interp.emptied.update(inc_interp.emptied)
                interp.filled.update(inc_interp.filled)
                sub = loaded if sub is None else merge_documents(sub, loaded)
            if sub is None:
                continue
            for section in ("services", "networks", "volumes", "secrets", "configs"):
                theirs = sub.get(section)
                if type(theirs) is not YMap:
                    continue
                mine = doc.get(section)
                if type(mine) is not YMap:
                    mine = new_map(theirs.pos)
                    put(doc, section, mine, sub.kpos[section])
                for name, value in theirs.items():
                    if name in mine and section == "services":
                        raise InputError(f"included file {paths[0]} defines service {name!r}, "
                                         "which this file defines too", mine.kpos[name],
                                         hint="rename one of them; include does not merge services")
                    if name not in mine:
                        put(mine, name, value, theirs.kpos[name], theirs.vpos[name])
        return doc

    # --- the whole project ---------------------------------------------------------------
    def load(self) -> LoadedProject:
        files = [os.path.normpath(f) for f in self.find_files()]
        project_dir = os.path.abspath(self.opts.project_directory or os.path.dirname(os.path.abspath(files[0])))
        dotenv = self.dotenv(project_dir)
        env = {**dotenv, **self.environ}
        if "XDG_RUNTIME_DIR" not in env and hasattr(os, "getuid"):
            # what systemd sets in every login session (%t of user units); cron, sudo and CI jobs
            # often lack it, and `podgen fix` writes ${XDG_RUNTIME_DIR}/podman/podman.sock (PG601)
            env["XDG_RUNTIME_DIR"] = f"/run/user/{os.getuid()}"
        # compose makes the project name available to interpolation
        name = self.early_project_name(files, env, project_dir)
        env.setdefault("COMPOSE_PROJECT_NAME", name)
        interp = Interpolator(env)
        merged = None
        for f in files:
            f = os.path.abspath(f) if not os.path.isabs(f) else f
            doc = self.load_file(f, interp, project_dir)
            merged = doc if merged is None else merge_documents(clear_paths(merged, self._tag_paths.get(f, ())), doc)
        for var, pos in interp.missing.items():
            self.diagnostics.append(Diagnostic(
                Span.of(self._variable_column(pos, var)), "PG003", Severity.WARNING,
                f"variable {var} is not set; it was replaced by an empty string",
                name="unset-variable",
                notes=(f"set {var} in the environment or in {os.path.join(project_dir, '.env')}",)))
        name = self.project_name(merged, env, project_dir)
        config = finish(merged, name, env, self)
        return LoadedProject(name=name, config=config, files=files, project_dir=project_dir,
                             environment=env, diagnostics=self.diagnostics, sources=self.sources,
                             home=self.home, emptied=interp.emptied, filled=interp.filled)

    def early_project_name(self, files: list, env: dict, project_dir: str) -> str:
        """The project name before full loading: -p, COMPOSE_PROJECT_NAME, name:, directory."""
        if self.opts.project_name or env.get("COMPOSE_PROJECT_NAME"):
            return self.project_name(YMap(), env, project_dir)
        found = YMap()
        for f in files:
            try:
                docs = load_documents(self.read_text(f), f)
            except InputError as exc:
                if os.path.isabs(f) and f in self.sources:
                    self._parsed[f] = exc   # load_file reports it without parsing the file again
                break  # reported properly by the full load
            if os.path.isabs(f):
                self._parsed[f] = docs   # load_file reads f under this same path
            for doc in docs:
                if type(doc) is YMap and isinstance(doc.get("name"), str):
                    probe = Interpolator(dict(env))
                    try:
                        found = YMap({"name": probe.substitute(doc["name"], doc.vpos["name"])})
                    except InputError:
                        pass
                    found.vpos["name"] = doc.vpos["name"]
        return self.project_name(found, env, project_dir)

    def project_name(self, merged: YMap, env: dict, project_dir: str) -> str:
        explicit = self.opts.project_name or env.get("COMPOSE_PROJECT_NAME")
        where = None
        if not explicit and merged.get("name"):
            explicit = scalar_text(merged["name"])
            where = merged.vpos.get("name")
        if explicit:
            if not _PROJECT_NAME_RE.fullmatch(explicit):
                raise InputError(f"invalid project name {explicit!r}", where,
                                 hint="project names use lowercase letters, digits, '-' and '_', "
                                      "and start with a letter or digit")
            return explicit
        name = normalize_project_name(os.path.basename(project_dir))
        if not name:
            raise InputError(f"cannot derive a project name from the directory {project_dir!r}",
                             None, hint="set one with -p NAME or a top-level 'name:'")
        return name


def _without(m: YMap, keys) -> YMap:
    out = new_map(m.pos)
    for k, v in m.items():
        if k not in keys:
            put(out, k, v, m.kpos[k], m.vpos[k])
    return out


def _did_you_mean(name: str, choices) -> str | None:
    import difflib
    close = difflib.get_close_matches(name, list(choices), 1, 0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    names = ", ".join(list(choices)[:10])
    return f"defined: {names}" if names else None


# --- after merging: profiles, defaults, names, references ------------------------------

def finish(doc: YMap, name: str, env: dict, loader: _Loader) -> YMap:
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
    services = enabled

    networks = doc.get("networks") if type(doc.get("networks")) is YMap else new_map(doc.pos)
    volumes = doc.get("volumes") if type(doc.get("volumes")) is YMap else new_map(doc.pos)
    secrets = doc.get("secrets") if type(doc.get("secrets")) is YMap else new_map(doc.pos)
    configs = doc.get("configs") if type(doc.get("configs")) is YMap else new_map(doc.pos)

    used_networks, used_volumes, used_secrets, used_configs = set(), set(), set(), set()
    port_mappings = 0
    for sname, svc in services.items():
        if "container_name" in svc:
            check_object_name("container", scalar_text(svc["container_name"]), svc.vpos["container_name"])
        port_mappings += len(svc.get("ports") or ())
        if port_mappings > MAX_PORT_MAPPINGS:
            raise too_many_ports(svc.vpos.get("ports", svc.pos))
        if "image" not in svc and "build" not in svc:
            raise InputError(f"service {sname!r} has neither an image nor a build context",
                             services.kpos[sname],
                             hint="add 'image: NAME[:TAG]' (or a 'build:' section); if this file overrides "
                                  "another, give both: -f compose.yaml -f THIS-FILE")
        _check_resource_aliases(sname, svc)
        _env_files_into_environment(svc, env, loader)
        _resolve_bare_environment(svc, env)
        if "network_mode" not in svc and "networks" not in svc:
            default = new_map(svc.pos)
            put(default, "default", None, svc.pos)
            put(svc, "networks", default, svc.pos)
        for net in (svc.get("networks") or {}):
            if net not in networks and net != "default":
                raise InputError(f"service {sname!r} refers to undefined network {net!r}",
                                 svc["networks"].kpos.get(net, svc.kpos.get("networks")),
                                 hint="declare it under the top-level 'networks:' key"
                                      + _suffix(_did_you_mean(net, networks)))
            used_networks.add(net)
        for i, vol in enumerate(svc.get("volumes") or ()):
            if type(vol) is YMap and vol.get("type") == "volume" and vol.get("source"):
                src = vol["source"]
                if src not in volumes:
                    raise InputError(f"service {sname!r} refers to undefined volume {src!r}",
                                     svc["volumes"].ipos[i],
                                     hint="declare it under the top-level 'volumes:' key, or use "
                                          "./path for a bind mount" + _suffix(_did_you_mean(src, volumes)))
                used_volumes.add(src)
        for kind, pool, used in (("secrets", secrets, used_secrets), ("configs", configs, used_configs)):
            for i, ref in enumerate(svc.get(kind) or ()):
                src = ref.get("source") if type(ref) is YMap else ref
                if src not in pool:
                    raise InputError(f"service {sname!r} refers to undefined {kind[:-1]} {src!r}",
                                     svc[kind].ipos[i],
                                     hint=f"declare it under the top-level '{kind}:' key"
                                          + _suffix(_did_you_mean(src, pool)))
                used.add(src)
        _check_service_refs(sname, svc, services, disabled)

    _check_cycles(services)

    out = new_map(doc.pos)
    put(out, "name", name, doc.kpos.get("name", doc.pos))
    if used_networks:
        nets = new_map(networks.pos)
        for net in sorted(used_networks):
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
    for key, pool, used in (("volumes", volumes, used_volumes), ("secrets", secrets, used_secrets),
                            ("configs", configs, used_configs)):
        if not used:
            continue
        res = new_map(pool.pos)
        for rname in sorted(used):
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


def _env_files_into_environment(svc: YMap, env: dict, loader: _Loader):
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
                         hint=_did_you_mean(ref, services))
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


def load_project(opts: ProjectOptions) -> LoadedProject:
    return _Loader(opts).load()
