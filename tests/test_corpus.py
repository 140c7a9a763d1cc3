"""The 70-entry real-world corpus in ../shared/corpus (Docker Compose 2.26.1's output beside each).

* ``podgen config`` must match ``docker compose config`` on the fields that
  matter for conversion, on at least 95 % of the entries Docker Compose loads;
* every entry Docker Compose loads must convert (both formats) without error,
  and the real Quadlet 5.4.2 generator must accept every unit, with one
  container service per compose service;
* entries Docker Compose refuses are refused by podgen too, with a located message.
"""
from __future__ import annotations

import json

import pytest

from corpus_util import CORPUS, PARITY_FIELDS, entries, expected, project_fields
from podgen.api import Options, convert
from podgen.targets.compose.config import config_dict
from podgen.errors import PodgenError
from podgen.load.project import ProjectOptions, load_project
from podgen.target import Target

if not (CORPUS / "MANIFEST.tsv").exists():
    pytest.skip(f"corpus not found at {CORPUS} (set PODGEN_CORPUS)", allow_module_level=True)

ENTRIES = entries()
LOADABLE = [e for e in ENTRIES if e.loaded in ("loaded", "loaded_with_dummy_env")]
REFUSED = [e for e in ENTRIES if e.loaded == "failed"]
BASE_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/home/user"}


def _environ(entry):
    return {**BASE_ENV, **entry.env}


def _load(entry, profiles=()):
    return load_project(ProjectOptions(files=entry.files, cwd=str(entry.cwd), environ=_environ(entry),
                                       profiles=profiles))


def _mismatches(entry, config_json, profiles=()) -> list:
    try:
        loaded = _load(entry, profiles)
    except PodgenError as exc:
        return [f"refused: {exc}"]
    got = config_dict(loaded.config)
    want = json.loads(config_json.read_text().replace("$CORPUS", str(CORPUS)))
    bad = []
    if got["name"] != want["name"]:
        bad.append(f"project name {got['name']!r} != {want['name']!r}")
    if set(got.get("services", {})) != set(want.get("services", {})):
        bad.append(f"services {sorted(got.get('services', {}))} != {sorted(want.get('services', {}))}")
    for name, svc in want.get("services", {}).items():
        mine = got.get("services", {}).get(name)
        if mine is None:
            continue
        a, b = project_fields(mine), project_fields(svc)
        bad.extend(f"{name}.{k}: {a[k]!r} != {b[k]!r}" for k in PARITY_FIELDS if a[k] != b[k])
    return bad


def test_config_parity_at_least_95_percent():
    results = {e.name: _mismatches(e, e.config_json) for e in LOADABLE}
    matching = [n for n, bad in results.items() if not bad]
    ratio = len(matching) / len(results)
    report = "\n".join(f"{n}: {bad[:3]}" for n, bad in results.items() if bad)
    assert len(results) >= 60
    assert ratio >= 0.95, f"parity {ratio:.1%} ({len(matching)}/{len(results)})\n{report}"


def test_config_parity_with_all_profiles():
    """Entries with profiles were also loaded with --profile '*'."""
    checked = 0
    for e in LOADABLE:
        extra = CORPUS / (e.name.rstrip("/").removesuffix(".yml") + ".allprofiles.config.json")
        if not extra.exists():
            continue
        checked += 1
        assert not _mismatches(e, extra, profiles=("*",)), e.name
    assert checked >= 1


@pytest.mark.parametrize("entry", LOADABLE, ids=[e.name for e in LOADABLE])
def test_parity_fields_per_entry_known_differences(entry):
    """Per entry, so a regression names the entry; known differences are listed with why."""
    known = {
        # Docker Compose 2.26 vendored a schema without the volume 'type' enum and loads an empty
        # type; podgen validates with the maintained schema and warns (PG002), dropping empty keys
        # differently.
        "caddy-docker-proxy__test-standalone.yml",
    }
    bad = _mismatches(entry, entry.config_json)
    if entry.name in known:
        return
    assert not bad, bad


@pytest.mark.parametrize("fmt", ["quadlet", "script"])
@pytest.mark.parametrize("entry", LOADABLE, ids=[e.name for e in LOADABLE])
def test_every_loadable_entry_converts(entry, fmt):
    result = convert(Options(files=entry.files, cwd=str(entry.cwd), environ=_environ(entry),
                             target=Target(podman=(5, 4, 0))), output_format=fmt)
    assert not result.failed, [d.message for d in result.diagnostics if d.code == "PG703"]
    assert result.files


@pytest.mark.quadlet
@pytest.mark.parametrize("entry", LOADABLE, ids=[e.name for e in LOADABLE])
def test_real_quadlet_accepts_every_unit(entry, tmp_path, quadlet_generator):
    result = convert(Options(files=entry.files, cwd=str(entry.cwd), environ=_environ(entry),
                             target=Target(podman=(5, 4, 0))))
    for f in result.files:
        (tmp_path / f.name).write_text(f.text)
    proc = quadlet_generator(tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    generated = [line.strip("-") for line in proc.stdout.splitlines()
                 if line.startswith("---") and line.endswith("---")]
    containers = [f.name for f in result.files if f.name.endswith(".container")]
    assert len(containers) == len(result.project.services)
    assert sorted(g for g in generated if not g.endswith(("-network.service", "-volume.service"))) == \
        sorted(c.removesuffix(".container") + ".service" for c in containers)
    assert len(generated) == len(result.files)


@pytest.mark.parametrize("entry", REFUSED, ids=[e.name for e in REFUSED])
def test_entries_docker_compose_refuses_are_refused_clearly(entry):
    with pytest.raises(PodgenError) as info:
        _load(entry)
    text = info.value.render()
    assert "error:" in text


def test_config_command_prints_docker_compose_shaped_json(podgen_cli):
    entry = next(e for e in LOADABLE if e.name == "awesome-compose__nginx-golang-postgres.yml")
    proc = podgen_cli("config", *[a for f in entry.files for a in ("-f", f)], "--format", "json", cwd=entry.cwd)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    want = expected(entry)
    assert got["name"] == want["name"]
    for name, svc in want["services"].items():
        assert project_fields(got["services"][name]) == project_fields(svc)
    assert got["volumes"] == want["volumes"]


def test_config_command_yaml_reloads_to_the_same_project(podgen_cli, tmp_path):
    entry = next(e for e in LOADABLE if e.name == "airflow__docker-compose.yml")
    yaml_out = podgen_cli("config", "-f", entry.files[0], cwd=entry.cwd)
    assert yaml_out.returncode == 0, yaml_out.stderr
    (tmp_path / "compose.yaml").write_text(yaml_out.stdout)
    again = podgen_cli("config", "--format", "json", "-f", "compose.yaml", "-p", "corpus", cwd=tmp_path)
    first = podgen_cli("config", "--format", "json", "-f", entry.files[0], cwd=entry.cwd)
    assert again.returncode == 0, again.stderr
    a, b = json.loads(first.stdout), json.loads(again.stdout)
    for name in b["services"]:
        assert project_fields(a["services"][name]) == project_fields(b["services"][name]), name
