"""convert leaves no reference cycles behind.

``podgen.cli.main`` turns the cyclic garbage collector off: a convert's data is
freed by reference counting alone, as soon as the result is dropped.  A cycle
(e.g. an object keeping its own bound methods) would keep the whole model alive
to the end of the process, where the collector has to walk and free it: ~10 % of
a 10,000-service convert.
"""
from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

from helpers import options
from podgen.api import convert

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CASES = sorted(p.parent for p in EXAMPLES.glob("*/compose.yaml"))


@pytest.mark.parametrize("example", CASES, ids=[p.name for p in CASES])
@pytest.mark.parametrize("fmt", ["quadlet", "script"])
def test_the_model_is_freed_without_the_cyclic_collector(example, fmt):
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        result = convert(options(example / "compose.yaml"), output_format=fmt)
        project = weakref.ref(result.project)
        service = weakref.ref(next(iter(result.project.services.values())))
        del result
        assert project() is None and service() is None
    finally:
        if was_enabled:
            gc.enable()
