"""Small helpers for tests that call podgen in-process."""
from __future__ import annotations

import textwrap
from pathlib import Path

from podgen.api import Options, convert, lint
from podgen.target import Target

ENV = {"PATH": "/usr/bin:/bin", "HOME": "/home/user"}


def options(path: Path, *, version=(5, 4, 0), rootless=True, port_start=1024, env=None, **kw) -> Options:
    environ = dict(ENV)
    environ.update(env or {})
    return Options(files=[str(path)], cwd=str(Path(path).parent), environ=environ,
                   target=Target(podman=version, rootless=rootless, unprivileged_port_start=port_start), **kw)


def write(tmp_path: Path, text: str, name: str = "compose.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def lint_text(tmp_path: Path, text: str, select=(), **kw) -> list:
    """Lint *text*; return ``["line:col CODE", ...]`` (hadolint/yamllint-style assertions)."""
    path = write(tmp_path, text)
    result = lint(options(path, select=tuple(select), **kw))
    return [f"{d.span.line}:{d.span.col} {d.code}" for d in result.diagnostics]


def lint_diags(tmp_path: Path, text: str, select=(), **kw) -> list:
    path = write(tmp_path, text)
    return lint(options(path, select=tuple(select), **kw)).diagnostics


def convert_text(tmp_path: Path, text: str, fmt: str = "quadlet", **kw):
    path = write(tmp_path, text)
    return convert(options(path, **kw), output_format=fmt)


def unit(result, name: str) -> str:
    for f in result.files:
        if f.name == name:
            return f.text
    raise AssertionError(f"{name} not generated; got {[f.name for f in result.files]}")


def keys(text: str, key: str) -> list:
    """Values of every ``key=`` line of a unit."""
    return [line.split("=", 1)[1] for line in text.splitlines() if line.startswith(key + "=")]
