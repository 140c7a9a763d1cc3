"""``extends`` and ``include``: services and files that build on other services and files.

``ExtendsAndIncludes`` is a part of the project loader (``project._Loader``):
``resolve_extends`` replaces each service that ``extends`` another (in the same
file or in ``extends.file``) by the merge of the two, and ``apply_includes``
adds what the ``include``d files define (each with its own ``.env`` and
project directory).  Cycles and depth are bounded (``MAX_EXTENDS_DEPTH``,
``MAX_INCLUDE_DEPTH``); files are read through the loader (``load_file``).
"""
from __future__ import annotations

import os

from podgen.errors import InputError, did_you_mean
from podgen.load.envfile import parse_env_text, read_env_file
from podgen.load.interpolate import Interpolator
from podgen.load.merge import merge_documents, merge_maps
from podgen.load.shortforms import resolve_path
from podgen.load.yamlload import new_map, put
from podgen.load.yamlload import YMap

MAX_EXTENDS_DEPTH = 32
MAX_INCLUDE_DEPTH = 16


class ExtendsAndIncludes:
    """The loader's ``extends`` and ``include`` steps (a mixin of ``project._Loader``)."""

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
                                 hint=did_you_mean(base_name, services))
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


def _without(m: YMap, keys) -> YMap:
    out = new_map(m.pos)
    for k, v in m.items():
        if k not in keys:
            put(out, k, v, m.kpos[k], m.vpos[k])
    return out
