"""Golden files: every example converts to exactly the files kept in examples/*/expected/.

The expected files are the review surface: a change in podgen's output shows
up as a diff there.  Regenerate with ``pytest --update-goldens``.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from helpers import options
from podgen.api import convert
from podgen.report.formatters import text

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CASES = sorted(p.parent for p in EXAMPLES.glob("*/compose.yaml"))


def _normalise(text: str, example: Path) -> str:
    # absolute paths of the checkout differ between machines, and so does the script's
    # configuration hash, which covers them
    text = text.replace(str(example), "$EXAMPLE")
    return re.sub(r"^(    podgen_run \S+) [0-9a-f]{16} ", r"\1 <config-hash> ", text, flags=re.M)


@pytest.mark.parametrize("example", CASES, ids=[p.name for p in CASES])
@pytest.mark.parametrize("fmt", ["quadlet", "script"])
def test_example_output(example, fmt, golden):
    result = convert(options(example / "compose.yaml"), output_format=fmt)
    expected_dir = example / "expected" / fmt
    produced = {f.name: _normalise(f.text, example) for f in result.files}
    for name, content in produced.items():
        golden(expected_dir / name, content)
    if expected_dir.exists():
        extra = sorted(p.name for p in expected_dir.iterdir() if p.name not in produced)
        assert not extra, f"{expected_dir} holds files podgen no longer generates: {extra}"
    diags = _normalise(text(result.diagnostics, cwd=str(example)), example)
    changes = "".join(f"changed: {c.service}: {c.describe()}\n" for c in result.changes)
    golden(example / "expected" / f"diagnostics-{fmt}.txt", diags + changes)


def test_at_least_five_examples():
    assert len(CASES) >= 5


@pytest.mark.quadlet
@pytest.mark.parametrize("example", CASES, ids=[p.name for p in CASES])
def test_example_units_accepted_by_real_quadlet(example, tmp_path, quadlet_generator):
    result = convert(options(example / "compose.yaml"))
    for f in result.files:
        (tmp_path / f.name).write_text(f.text)
    proc = quadlet_generator(tmp_path)
    assert proc.returncode == 0, proc.stderr
    generated = [line for line in proc.stdout.splitlines() if line.startswith("---")]
    assert len(generated) == len(result.files), proc.stdout
