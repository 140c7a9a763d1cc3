"""A deep copy of the typed model, like ``copy.deepcopy`` but several times faster.

``convert`` applies fixes to a copy of the project (``Project.clone``).  For a
10,000-service project ``copy.deepcopy`` took longer than loading, lowering
and emitting together: it goes through ``__reduce_ex__`` for every dataclass
instance, and there are ~40 ``Span`` objects per service.  This copier
handles the types the model is made of directly:

* immutable values (str, int, float, bool, None, bytes) and ``Span`` (a
  frozen dataclass of a str and two ints) are shared, not copied;
* lists, dicts, sets and tuples are copied item by item;
* dataclass instances get a fresh ``__dict__`` whose values are copied;
* anything else (enums, callables, a class with its own ``__deepcopy__``)
  goes to ``copy.deepcopy`` with the same memo.

Like ``deepcopy`` it keeps shared references shared (and cycles intact)
through the memo, so the copy has the same shape as the original.
"""
from __future__ import annotations

import copy

from podgen.report.diagnostics import Span

_SHARED = frozenset((str, int, float, bool, type(None), bytes, complex, Span))


_PLAIN_DATACLASS: dict = {}    # type -> copied through its __dict__?


def deep_clone(obj):
    return _clone(obj, {})


def _clone(obj, memo: dict):
    t = type(obj)
    if t in _SHARED:
        return obj
    if t is tuple:
        for x in obj:
            if type(x) not in _SHARED:
                break
        else:
            return obj               # e.g. the ("networks", "front") keys of Service.spans
        items = [_clone(x, memo) for x in obj]
        return obj if all(a is b for a, b in zip(items, obj)) else tuple(items)
    key = id(obj)
    done = memo.get(key)
    if done is not None:
        return done
    if t is list:
        out = []
        memo[key] = out
        out.extend([x if type(x) in _SHARED else _clone(x, memo) for x in obj])
        return out
    if t is dict:
        out = {}
        memo[key] = out
        out.update({k if type(k) in _SHARED else _clone(k, memo): v if type(v) in _SHARED else _clone(v, memo)
                    for k, v in obj.items()})
        return out
    if t is set or t is frozenset:
        out = t(_clone(x, memo) for x in obj)
        memo[key] = out
        return out
    plain = _PLAIN_DATACLASS.get(t)
    if plain is None:
        plain = _PLAIN_DATACLASS[t] = hasattr(t, "__dataclass_fields__") and \
            not hasattr(t, "__deepcopy__") and not hasattr(t, "__slots__")
    if plain and type(getattr(obj, "__dict__", None)) is dict:
        out = object.__new__(t)
        memo[key] = out
        out.__dict__.update({k: v if type(v) in _SHARED else _clone(v, memo) for k, v in obj.__dict__.items()})
        return out
    return copy.deepcopy(obj, memo)
