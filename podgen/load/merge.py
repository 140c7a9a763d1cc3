"""Compose merge rules, applied to canonical (long-syntax) service mappings.

Used for several ``-f`` files and for ``extends``.  Mappings merge key by key,
sequences append, ``command``/``entrypoint``/``healthcheck.test`` are replaced,
and the "unique resources" (ports, volumes, secrets, configs, ...) keep one
entry per key, the later file winning.
"""
from __future__ import annotations

from podgen.load.yamlload import YMap, YSeq

_OVERRIDE = frozenset(("command", "entrypoint", "profiles"))


def _copy_map(m: YMap) -> YMap:
    out = YMap()
    out.pos = m.pos
    out.kpos = dict(m.kpos)
    out.vpos = dict(m.vpos)
    for k, v in m.items():
        out[k] = v
    return out


def merge_maps(base: YMap, other: YMap, path: tuple = ()) -> YMap:
    """A new mapping: *base* overridden by *other* (neither is modified)."""
    out = _copy_map(base)
    for key, value in other.items():
        if key in out and not (isinstance(key, str) and key.startswith("x-")):
            out[key] = _merge_value(out[key], value, path + (key,))
        else:
            out[key] = value
        out.kpos[key] = other.kpos[key]
        out.vpos[key] = other.vpos[key]
    return out


def _merge_value(old, new, path: tuple):
    depth = len(path)
    last = path[-1]
    if depth >= 3 and path[0] == "services":
        rel = path[2:]
        if len(rel) == 1 and last in _OVERRIDE:
            return new
        if rel == ("healthcheck", "test"):
            return new
        if len(rel) == 1 and last == "logging" and type(old) is YMap and type(new) is YMap:
            if "driver" in old and "driver" in new and old["driver"] != new["driver"]:
                return new
            return merge_maps(old, new, path)
        if len(rel) == 1 and last in ("ports", "volumes", "secrets", "configs", "devices"):
            if type(old) is YSeq and type(new) is YSeq:
                return unique_by(_concat(old, new), _UNIQUE[last])
        if len(rel) == 1 and last in ("dns", "dns_search", "dns_opt", "cap_add", "cap_drop",
                                       "expose", "links", "tmpfs", "external_links", "group_add",
                                       "security_opt", "env_file", "label_file"):
            if type(old) is YSeq and type(new) is YSeq:
                return unique_by(_concat(old, new), _identity)
        if len(rel) == 3 and rel[0] == "networks" and last == "aliases":
            if type(old) is YSeq and type(new) is YSeq:
                return unique_by(_concat(old, new), _identity)
        if len(rel) == 2 and rel[0] == "ulimits":
            return new if type(old) is not YMap or type(new) is not YMap else merge_maps(old, new, path)
    if type(old) is YMap and type(new) is YMap:
        return merge_maps(old, new, path)
    if type(old) is YSeq and type(new) is YSeq:
        return _concat(old, new)
    if old is not None and new is None and depth >= 3 and path[0] == "services" and path[2] == "networks":
        return old
    return new


def _concat(a: YSeq, b: YSeq) -> YSeq:
    out = YSeq()
    out.pos = b.pos
    out.extend(a)
    out.extend(b)
    out.ipos = list(a.ipos) + list(b.ipos)
    return out


def _identity(item):
    return repr(item) if type(item) in (YMap, YSeq) else item


def _port_key(p):
    if type(p) is YMap:
        return (p.get("host_ip"), p.get("target"), p.get("published"), p.get("protocol"))
    return p


def _target_key(v):
    if type(v) is YMap:
        return v.get("target") or v.get("source")
    return v


def _device_key(d):
    if isinstance(d, str):
        parts = d.split(":")
        return parts[1] if len(parts) > 1 else parts[0]
    if type(d) is YMap:
        return d.get("target") or d.get("source")
    return repr(d)


_UNIQUE = {"ports": _port_key, "volumes": _target_key, "secrets": _target_key,
           "configs": _target_key, "devices": _device_key}


def unique_by(seq: YSeq, key) -> YSeq:
    """Keep one item per key: the last one wins, at the place of the first."""
    index: dict = {}
    out = YSeq()
    out.pos = seq.pos
    for i, item in enumerate(seq):
        k = key(item)
        where = seq.ipos[i] if i < len(seq.ipos) else seq.pos
        if k in index:
            out[index[k]] = item
            out.ipos[index[k]] = where
        else:
            index[k] = len(out)
            out.append(item)
            out.ipos.append(where)
    return out


def merge_documents(base: YMap, other: YMap) -> YMap:
    """Merge two whole (canonical) compose documents."""
    return merge_maps(base, other, ())


def take_merge_tags(doc: YMap) -> list:
    """The paths of *doc*'s ``!reset`` and ``!override`` values; ``!reset`` ones are removed.

    Compose clears every such path from what the earlier files (or documents) set
    before it merges *doc* on top (``clear_paths``): ``!reset`` leaves the place
    empty, ``!override`` puts *doc*'s value there instead of merging with the old
    one.  Only documents the composer marked as using a merge tag are walked.
    """
    paths: list = []
    if getattr(doc, "tags", None) is None:
        return paths

    def walk(m: YMap, prefix: tuple):
        tags = getattr(m, "tags", None)
        if tags:
            for key, tag in tags.items():
                paths.append(prefix + (key,))
                if tag == "reset" and key in m:
                    del m[key]
                    m.kpos.pop(key, None)
                    m.vpos.pop(key, None)
        for key, value in m.items():
            if type(value) is YMap:
                walk(value, prefix + (key,))

    walk(doc, ())
    return paths


def clear_paths(base: YMap, paths) -> YMap:
    """*base* without the values at *paths* (copied where changed: *base* may be cached)."""
    for path in paths:
        base = _without(base, path)
    return base


def _without(m: YMap, path: tuple) -> YMap:
    key = path[0]
    if key not in m:
        return m
    if len(path) == 1:
        out = _copy_map(m)
        del out[key]
        out.kpos.pop(key, None)
        out.vpos.pop(key, None)
        return out
    child = m[key]
    if type(child) is not YMap:
        return m
    new_child = _without(child, path[1:])
    if new_child is child:
        return m
    out = _copy_map(m)
    out[key] = new_child
    return out
