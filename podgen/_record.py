"""``@record``: a dataclass that is cheaper to define, for the types passed between stages.

``dataclasses`` writes and compiles the source of ``__init__``, ``__repr__`` and
``__eq__`` for every class when its module is imported; for podgen's model,
lowering and unit classes that was a quarter of ``podgen lint``'s start-up.  A
record keeps the generated ``__init__``, compares by identity (nothing in podgen
compares these objects by value: a port is found by its place in the file) and
shares one ``__repr__`` written once here.
"""
from __future__ import annotations

from dataclasses import dataclass, fields


def _repr(self) -> str:
    args = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if f.repr)
    return f"{type(self).__name__}({args})"


def record(cls=None, /, *, frozen: bool = False):
    """``@record`` or ``@record(frozen=True)`` (attributes cannot be assigned after __init__)."""
    def wrap(cls):
        if cls.__doc__ is None:
            # without a docstring, dataclass formats inspect.signature(cls) into one
            cls.__doc__ = f"{cls.__name__} record."
        cls = dataclass(cls, eq=False, repr=False, frozen=frozen)
        cls.__repr__ = _repr
        return cls
    return wrap if cls is None else wrap(cls)
