"""Helpers shared by the rule tests (tests/rules/): doc examples, ``podgen fix`` twice, real Quadlet."""
from __future__ import annotations

import re

from helpers import convert_text, lint_text, options, write
from podgen.api import fix_file
from podgen.rules import RULES
from realpodman import run_quadlet


def doc_example(code: str) -> str:
    """The ```yaml example of a rule's documentation."""
    m = re.search(r"## Example\n```yaml\n(.*?)```", RULES[code].doc, re.S)
    assert m, f"{code}: no yaml example in its documentation"
    return m.group(1)


def codes(found: list) -> list:
    return [f.split(" ", 1)[1] for f in found]


def fix_twice(tmp_path, text: str, **kw) -> str:
    """``podgen fix`` the text; a second run must change nothing."""
    path = write(tmp_path, text)
    first = fix_file(options(path, **kw), str(path))
    path.write_text(first.text)
    second = fix_file(options(path, **kw), str(path))
    assert second.text == first.text, "a second podgen fix changed the file again"
    return first.text


def relint(tmp_path, text: str, select, **kw) -> list:
    sub = tmp_path / "relint"
    sub.mkdir(exist_ok=True)
    return lint_text(sub, text, select=select, **kw)


def assert_quadlet_accepts(tmp_path, result, quadlet_generator):
    """Every generated unit is accepted by the real Quadlet generator (one service per unit)."""
    proc = run_quadlet(quadlet_generator, result.files, tmp_path / "units")
    generated = [line for line in proc.stdout.splitlines() if line.startswith("---")]
    assert len(generated) == len(result.files), proc.stdout + proc.stderr
    return proc.stdout


def convert_example(tmp_path, code: str, **kw):
    return convert_text(tmp_path, doc_example(code), **kw)


def doc_sections_ok(code: str) -> bool:
    doc = RULES[code].doc
    return all(f"## {s}\n" in doc for s in ("Why", "Example", "Fix"))
