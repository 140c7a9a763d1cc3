"""Assemble a Compose project the way ``docker compose config`` does.

files (``-f``, ``COMPOSE_FILE`` or discovery) -> ``.env`` / ``--env-file`` ->
per file: YAML -> interpolation -> schema -> long syntax -> ``extends`` ->
``include`` (``extends.py``) -> merge -> profiles -> names, ``env_file``,
defaults -> references (``finish.py``).

The result is a ``LoadedProject`` whose ``config`` mapping has the shape of
``docker compose config --format json`` and still knows file:line:col.
"""
from __future__ import annotations

import os
import re
from dataclasses import field

from podgen._record import record
from podgen.errors import InputError, InputErrors
from podgen.load.envfile import parse_env_text, read_env_file
from podgen.load.extends import ExtendsAndIncludes
from podgen.load.finish import finish
from podgen.load.interpolate import Interpolator, interpolate_tree
from podgen.load.merge import clear_paths, merge_documents, merge_maps, take_merge_tags
from podgen.load.normalize import normalize_service
from podgen.load.scalars import scalar_text
from podgen.load.shortforms import MAX_PORT_MAPPINGS, resolve_path, too_many_ports
from podgen.load.yamlload import new_map, put
from podgen.load.schema import validate_compose
from podgen.load.yamlload import decode_bytes, load_documents, MAX_BYTES, YMap, YSeq
from podgen.report.diagnostics import Diagnostic, Severity, Span

DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
OVERRIDE_FILES = ("compose.override.yaml", "compose.override.yml",
                  "docker-compose.override.yaml", "docker-compose.override.yml")
_PROJECT_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


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


class _Loader(ExtendsAndIncludes):
    """Loads the project: files, ``.env``, each file (``load_file``), the project name."""

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


def load_project(opts: ProjectOptions) -> LoadedProject:
    return _Loader(opts).load()
