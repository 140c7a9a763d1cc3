"""The pre-commit hooks in .pre-commit-hooks.yaml: their patterns, and the real pre-commit tool.

The pattern tests read the hooks file itself (as check-jsonschema's tests do),
so they test what users get.  The slow tests run ``pre-commit try-repo``
against a copy of the current working tree, committed in a temporary git
repository (try-repo sees committed files only), which pre-commit pip-installs
into a fresh environment, exactly as a user's pre-commit would.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"


def hooks() -> dict:
    data = YAML(typ="safe").load(HOOKS_FILE.read_text(encoding="utf-8"))
    return {h["id"]: h for h in data}


def matches(hook: dict, path: str) -> bool:
    # pre-commit: re.search on the repository-relative path, with forward slashes; exclude likewise
    included = re.search(hook.get("files", ""), path) is not None
    excluded = re.search(hook["exclude"], path) is not None if hook.get("exclude") else False
    return included and not excluded


def test_hooks_file_declares_both_hooks():
    h = hooks()
    assert set(h) == {"podgen-lint", "podgen-units-up-to-date"}
    lint = h["podgen-lint"]
    assert lint["entry"] == "podgen lint"
    assert lint["language"] == "python"
    assert lint.get("pass_filenames", True) is True
    assert lint["name"] and lint["description"]
    units = h["podgen-units-up-to-date"]
    assert units["entry"] == "podgen convert --check"
    assert units["language"] == "python"
    assert units["pass_filenames"] is False
    # it compares generated files with the compose file, .env and podgen itself: never skipped
    assert units.get("always_run") is True


def test_hook_entries_are_real_commands():
    """Each entry, with the arguments the README tells users to pass, is accepted by the CLI."""
    from click.testing import CliRunner

    from podgen.cli import cli
    for hook in hooks().values():
        argv = hook["entry"].split()[1:] + ["--help"]
        result = CliRunner().invoke(cli, argv)
        assert result.exit_code == 0, (hook["id"], result.output)


@pytest.mark.parametrize("path", [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
    "compose.prod.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.prod.local.yaml",
    "docker-compose-dev.yml",
    "podman-compose.yaml",
    "podman-compose.yml",
    "app/compose.yml",
    "deploy/stack/docker-compose.yaml",
])
def test_lint_hook_runs_on_compose_files(path):
    assert matches(hooks()["podgen-lint"], path)


@pytest.mark.parametrize("path", [
    "composer.yaml",                  # PHP's composer
    "composer.json",
    "docker-compose.yml.bak",
    "compose.yaml.orig",
    "mycompose.yaml",                 # decided: only the names docker compose itself looks for (+ suffixes)
    "app/mycompose.yml",
    "not-a-compose.yaml",
    "compose.json",
    "compose.yaml/README.md",
    "docs/compose.md",
    "compose.txt",
    ".github/workflows/ci.yaml",
    "docker-compose",
    "compose..yaml",
])
def test_lint_hook_skips_other_files(path):
    assert not matches(hooks()["podgen-lint"], path)


# --- the real pre-commit ------------------------------------------------------------------------

PORT_80 = """\
services:
  app:
    image: registry.example/team/app:1.0
    ports:
      - "80:8080"
"""

CLEAN = """\
services:
  app:
    image: registry.example/team/app:1.0
    ports:
      - "8080:8080"
"""

GIT_ENV = {"GIT_AUTHOR_NAME": "podgen tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
           "GIT_COMMITTER_NAME": "podgen tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid",
           "GIT_CONFIG_NOSYSTEM": "1"}


def _git(*args, cwd):
    env = dict(os.environ, **GIT_ENV)
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True, timeout=120)


SKIP_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".hypothesis", "build", "dist"}


def _working_tree_files() -> list:
    """The files of the working tree: git's view (tracked and untracked, not ignored), or,
    outside a git checkout (an unpacked sdist), every file but caches and environments."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=ROOT, capture_output=True, timeout=60)
    if listed.returncode == 0:
        return [p for p in listed.stdout.decode().split("\0") if p and (ROOT / p).is_file()]
    out = []
    for directory, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        out.extend(os.path.relpath(os.path.join(directory, f), ROOT) for f in files)
    return out


@pytest.fixture(scope="session")
def podgen_repo(tmp_path_factory):
    """The current working tree (committed or not), committed in a fresh git repository."""
    if shutil.which("git") is None:
        pytest.fail("git is needed for the pre-commit tests")
    repo = tmp_path_factory.mktemp("podgen-repo")
    for rel in _working_tree_files():
        dest = repo / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, dest)
    _git("init", "-q", "-b", "main", cwd=repo)
    _git("add", "-A", cwd=repo)
    _git("commit", "-q", "-m", "podgen working tree under test", cwd=repo)
    return repo


@pytest.fixture(scope="session")
def precommit_env(tmp_path_factory):
    """Environment for pre-commit: one cache per test session, git identity, pip's local index."""
    env = dict(os.environ, **GIT_ENV)
    env["PRE_COMMIT_HOME"] = str(tmp_path_factory.mktemp("pre-commit-home"))
    env.pop("PYTHONPATH", None)          # the hook must run the podgen pre-commit installed
    env.pop("PRE_COMMIT", None)
    # pip in the hook's environment resolves podgen's dependencies; use the machine's local
    # package index and wheel directory when there are ones, so it also works offline
    if Path("/opt/wheels").is_dir() and "PIP_FIND_LINKS" not in env:
        env["PIP_FIND_LINKS"] = "/opt/wheels"
    local = " ".join(f"file://{p}" for p in ("/opt/pypi/simple", "/opt/pypi-more/simple") if Path(p).is_dir())
    if local and "PIP_EXTRA_INDEX_URL" not in env:
        env["PIP_EXTRA_INDEX_URL"] = local
    env.setdefault("PIP_DEFAULT_TIMEOUT", "180")
    env.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    return env


def _user_repo(tmp_path: Path, text: str) -> Path:
    repo = tmp_path / "project"
    repo.mkdir()
    _git("init", "-q", "-b", "main", cwd=repo)
    (repo / "compose.yaml").write_text(text, encoding="utf-8")
    _git("add", "compose.yaml", cwd=repo)
    return repo


def _try_repo(podgen_repo: Path, user_repo: Path, env: dict, hook: str, *files):
    args = [sys.executable, "-m", "pre_commit", "try-repo", str(podgen_repo), hook, "--verbose"]
    if files:
        args += ["--files", *files]
    return subprocess.run(args, cwd=user_repo, env=env, capture_output=True, text=True, timeout=1500)


@pytest.mark.slow
def test_precommit_lint_hook_fails_on_privileged_port(podgen_repo, precommit_env, tmp_path):
    user = _user_repo(tmp_path, PORT_80)
    result = _try_repo(podgen_repo, user, precommit_env, "podgen-lint", "compose.yaml")
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "compose.yaml:5:9: PG101" in out, out
    assert "Failed" in out, out


@pytest.mark.slow
def test_precommit_lint_hook_passes_clean_file(podgen_repo, precommit_env, tmp_path):
    user = _user_repo(tmp_path, CLEAN)
    result = _try_repo(podgen_repo, user, precommit_env, "podgen-lint", "compose.yaml")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "Passed" in out, out
    assert "PG1" not in out, out


@pytest.mark.slow
def test_precommit_lint_hook_skips_files_it_does_not_match(podgen_repo, precommit_env, tmp_path):
    user = _user_repo(tmp_path, CLEAN)
    (user / "composer.yaml").write_text(PORT_80, encoding="utf-8")
    _git("add", "composer.yaml", cwd=user)
    result = _try_repo(podgen_repo, user, precommit_env, "podgen-lint", "composer.yaml")
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "no files to check" in out.lower() and "Skipped" in out, out
