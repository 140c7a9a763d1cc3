"""Shared fixtures: golden files, running podgen in-process and as a program."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

from cli_run import run_podgen  # noqa: E402  (the podgen_cli fixture)
from realpodman import quadlet_generator, quadlet_verify  # noqa: E402,F401  (fixtures)


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true",
                     help="rewrite expected files under examples/*/expected and tests/cases instead of comparing")


@pytest.fixture
def golden(request):
    update = request.config.getoption("--update-goldens")

    def check(path: Path, actual: str) -> None:
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
        assert path.exists(), f"{path} is missing: run pytest --update-goldens and review the diff"
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"{path} differs: run pytest --update-goldens and review the diff"
    return check


@pytest.fixture
def podgen_cli():
    return run_podgen


@pytest.fixture
def compose_dir(tmp_path):
    """Write a compose file into a fresh directory: ``compose_dir(text, name='compose.yaml')``."""
    def make(text: str, name: str = "compose.yaml", **extra_files) -> Path:
        (tmp_path / name).write_text(text, encoding="utf-8")
        for fname, content in extra_files.items():
            (tmp_path / fname.replace("__", ".")).write_text(content, encoding="utf-8")
        return tmp_path / name
    return make


def pytest_collection_modifyitems(config, items):
    # the real-Podman tests are the slow ones: run them last so failures elsewhere show first
    items.sort(key=lambda item: 1 if "e2e" in item.keywords else 0)
