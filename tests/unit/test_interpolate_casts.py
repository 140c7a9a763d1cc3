"""The interpolation walk casts exactly the values at the generic paths of ``CASTS``.

The walk follows a trie of those paths (``_CAST_TREE``) instead of building and
looking up a path tuple per key; this compares it with the path-tuple form it
replaced, on documents made of the keys that matter (and some that do not).
"""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from podgen.errors import InputError
from podgen.load.interpolate import CASTS, Interpolator, _cast, _generic, interpolate_tree
from podgen.load.yamlload import YMap, YSeq

_PREFIXES = frozenset(path[:i] for path in CASTS for i in range(len(path) + 1))


def _reference(node, path, interp):
    """The walk as it was: a generic path tuple per node, looked up in CASTS."""
    def child(path, key):
        return _generic(path + (key,))

    def below(path, key):
        if path is None:
            return None
        c = child(path, key)
        return c if c in _PREFIXES else None

    if type(node) is YMap:
        for key, value in node.items():
            if type(value) is str:
                new = interp.substitute(value, node.vpos.get(key)) if "$" in value else value
                kind = CASTS.get(child(path, key)) if path is not None else None
                if kind is not None:
                    new = _cast(kind, new, node.vpos.get(key))
                if new is not value:
                    node[key] = new
            elif type(value) in (YMap, YSeq):
                _reference(value, below(path, key), interp)
    elif type(node) is YSeq:
        kind = CASTS.get(child(path, "*")) if path is not None else None
        for i, value in enumerate(node):
            if type(value) is str:
                new = interp.substitute(value, None) if "$" in value else value
                if kind is not None:
                    new = _cast(kind, new, None)
                if new is not value:
                    node[i] = new
            elif type(value) in (YMap, YSeq):
                _reference(value, below(path, "*"), interp)


_KEYS = sorted({part for path in CASTS for part in path} | {"web", "db", "x", "environment", "*"})
_VALUES = st.sampled_from(["1", "0", "true", "no", "2.5", "${N}", "${B}", "abc", " 7 "])


def _tree(depth):
    if depth == 0:
        return _VALUES
    sub = st.one_of(_VALUES, st.deferred(lambda: _tree(depth - 1)))
    maps = st.dictionaries(st.sampled_from(_KEYS), sub, max_size=4).map(_ymap)
    seqs = st.lists(sub, max_size=3).map(_yseq)
    return st.one_of(maps, seqs)


def _ymap(d):
    m = YMap(d)
    for k in d:
        m.kpos[k] = m.vpos[k] = ("f", 1, 1)
    return m


def _yseq(items):
    s = YSeq(items)
    s.ipos.extend([("f", 1, 1)] * len(items))
    return s


def _outcome(walk, doc):
    import copy
    doc = copy.deepcopy(doc)
    try:
        walk(doc, Interpolator({"N": "3", "B": "on"}))
    except InputError as exc:
        return ("error", exc.message)
    return ("ok", _plain(doc))


def _plain(v):
    if type(v) is YMap:
        return [(k, type(x).__name__, _plain(x)) for k, x in v.items()]
    if type(v) is YSeq:
        return [(type(x).__name__, _plain(x)) for x in v]
    return v


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(["services", "networks", "volumes", "secrets", "configs", "x"]),
                       _tree(5), max_size=3).map(_ymap))
def test_walk_casts_like_path_lookup(doc):
    assert _outcome(interpolate_tree, doc) == _outcome(lambda d, i: _reference(d, (), i), doc)


def test_every_cast_path_is_cast():
    for path, kind in CASTS.items():
        # build services.web.ports.0.target and the like; "*" is a name or a list item
        doc = leaf = _ymap({})
        concrete = ["web" if p == "*" and i == 1 else p for i, p in enumerate(path)]
        for i, part in enumerate(concrete[:-1]):
            nxt = concrete[i + 1]
            if nxt == "*" and not (path[0] == "services" and i == 2 and part == "ulimits"):
                child = _yseq([])        # an item of a list
            else:
                child = _ymap({})
            if type(leaf) is YSeq:
                leaf.append(child)
                leaf.ipos.append(("f", 1, 1))
            else:
                leaf[part if part != "*" else "nofile"] = child
                leaf.kpos[part] = leaf.vpos[part] = ("f", 1, 1)
            leaf = child
        value = "1" if kind != "bool" else "true"
        if type(leaf) is YSeq:
            leaf.append(value)
            leaf.ipos.append(("f", 1, 1))
        else:
            last = concrete[-1] if concrete[-1] != "*" else "nofile"
            leaf[last] = value
            leaf.kpos[last] = leaf.vpos[last] = ("f", 1, 1)
        assert _outcome(interpolate_tree, doc) == _outcome(lambda d, i: _reference(d, (), i), doc), path
