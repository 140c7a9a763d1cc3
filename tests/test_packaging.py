"""The built wheel ships templates/ and schemas/, and a non-editable install works.

This is the README's quick start in a fresh virtual environment: install the
checkout (not editable) and convert every example.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    src = tmp_path_factory.mktemp("src") / "podgen"
    # build from a copy so no build artefacts land in the checkout
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "*.egg-info", "__pycache__",
                                                             "build", "dist", ".pytest_cache", "bench"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "-w", str(out), str(src)], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 and "No module named" in proc.stderr:
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(src)],
                              capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    wheels = list(out.glob("podgen-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_contains_templates_and_schemas(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "podgen/templates/unit.j2" in names
    assert "podgen/templates/script.sh.j2" in names
    assert "podgen/schemas/podgen-config.schema.json" in names
    assert "podgen/cli.py" in names
    assert not any(n.startswith(("tests/", "examples/")) for n in names)


def test_fresh_venv_install_converts_every_example(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    proc = subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    podgen = env_dir / "bin" / "podgen"
    examples = sorted((ROOT / "examples").glob("*/compose.yaml"))
    assert len(examples) >= 5
    clean = {"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    for compose in examples:
        out = tmp_path / "out" / compose.parent.name
        # run outside the checkout so the installed package, not ./podgen, is used
        proc = subprocess.run([str(podgen), "convert", str(compose), "--podman-version", "5.4", "-o", str(out)],
                              capture_output=True, text=True, cwd=tmp_path, env=clean, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert list(out.glob("*.container")), f"no .container units for {compose}"
        proc = subprocess.run([str(podgen), "convert", str(compose), "--format", "script", "--podman-version",
                               "4.3", "-o", str(out / "script")], capture_output=True, text=True, cwd=tmp_path,
                              env=clean, timeout=120)
        assert proc.returncode == 0, proc.stderr
    where = subprocess.run([str(py), "-c", "import podgen, os; print(os.path.dirname(podgen.__file__))"],
                           capture_output=True, text=True, cwd=tmp_path, env=clean).stdout.strip()
    assert where.startswith(str(env_dir)), where
    assert os.path.isfile(os.path.join(where, "templates", "unit.j2"))
