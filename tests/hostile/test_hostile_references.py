"""References to things that do not exist, cycles, and required variables.

Undefined services (depends_on, network_mode: service:, extends, links,
volumes_from), networks, volumes, secrets and configs; depends_on/links and
extends cycles (also across files) and include cycles; ``${VAR:?message}``
with VAR unset (the message is shown).  Every command exits 2, located, with
what to do, writing nothing.
"""
from __future__ import annotations

import pytest

from hostile_util import check_broken, write


def compose(tmp_path, text: str, name: str = "compose.yaml"):
    return write(tmp_path / name, text)


@pytest.mark.parametrize("text,where,fragments", [
    ("services:\n  web:\n    image: nginx\n    depends_on: [db]\n", "4:18",
     ("service 'web' depends on undefined service 'db'",)),
    ("services:\n  web:\n    image: nginx\n    depends_on:\n      dbb: {condition: service_started}\n"
     "  db:\n    image: postgres\n", "5:7", ("undefined service 'dbb'", "did you mean 'db'?")),
    ("services:\n  web:\n    image: nginx\n    network_mode: 'service:db'\n", "4:19",
     ("service 'web' uses the network of undefined service 'db'",)),
    ("services:\n  web:\n    image: nginx\n    extends: base\n", "4:14",
     ("service 'web' extends 'base', which is not defined",)),
    ("services:\n  web:\n    image: nginx\n    extends: {service: base}\n  bsae:\n    image: x\n", "4:14",
     ("extends 'base', which is not defined", "did you mean 'bsae'?")),
    ("services:\n  web:\n    image: nginx\n    links: ['db:database']\n", "4:13",
     ("service 'web' links to undefined service 'db'",)),
    ("services:\n  web:\n    image: nginx\n    volumes_from: [db]\n", "4:20",
     ("takes volumes from undefined service 'db'",)),
    ("services:\n  web:\n    image: nginx\n    depends_on: [db]\n  db:\n    image: x\n    profiles: [debug]\n",
     "4:18", ("'db', which is only enabled by a profile", "--profile")),
])
def test_undefined_services(tmp_path, text, where, fragments):
    check_broken(compose(tmp_path, text), *fragments, where=where)


@pytest.mark.parametrize("text,where,fragments", [
    ("services:\n  web:\n    image: nginx\n    networks: [front]\n", "4:16",
     ("refers to undefined network 'front'", "top-level 'networks:'")),
    ("services:\n  web:\n    image: nginx\n    networks: [frnt]\nnetworks:\n  front: {}\n", "4:16",
     ("undefined network 'frnt'", "did you mean 'front'?")),
    ("services:\n  web:\n    image: nginx\n    volumes: ['data:/data']\n", "4:15",
     ("refers to undefined volume 'data'", "./path for a bind mount")),
    ("services:\n  web:\n    image: nginx\n    volumes: [{type: volume, source: dta, target: /d}]\n"
     "volumes:\n  data: {}\n", "4:15", ("undefined volume 'dta'", "did you mean 'data'?")),
    ("services:\n  web:\n    image: nginx\n    secrets: [db_password]\n", "4:15",
     ("refers to undefined secret 'db_password'", "top-level 'secrets:'")),
    ("services:\n  web:\n    image: nginx\n    configs: [{source: app}]\n", "4:15",
     ("refers to undefined config 'app'",)),
])
def test_undefined_networks_volumes_secrets(tmp_path, text, where, fragments):
    check_broken(compose(tmp_path, text), *fragments, where=where)


@pytest.mark.parametrize("text,where,cycle", [
    ("services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n",
     "7:18", "a -> b -> a"),
    ("services:\n  a:\n    image: x\n    depends_on: [a]\n", "4:18", "a -> a"),
    ("services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [c]\n"
     "  c:\n    image: x\n    links: [a]\n", None, "a -> b -> c -> a"),
    ("services:\n  a:\n    image: x\n    network_mode: 'service:b'\n  b:\n    image: x\n"
     "    network_mode: 'service:a'\n", None, "a -> b -> a"),
])
def test_dependency_cycles(tmp_path, text, where, cycle):
    check_broken(compose(tmp_path, text), "dependency cycle", cycle, where=where)


@pytest.mark.parametrize("text,where,cycle", [
    ("services:\n  a:\n    image: x\n    extends: a\n", "4:14", "a -> a"),
    ("services:\n  a:\n    image: x\n    extends: b\n  b:\n    image: x\n    extends: {service: a}\n",
     "4:14", "a -> b -> a"),
])
def test_extends_cycles(tmp_path, text, where, cycle):
    check_broken(compose(tmp_path, text), "extends cycle", cycle, where=where)


def test_extends_cycle_across_files(tmp_path):
    compose(tmp_path, "services:\n  b:\n    image: x\n    extends: {file: compose.yaml, service: a}\n",
            "base.yaml")
    path = compose(tmp_path, "services:\n  a:\n    image: x\n    extends: {file: base.yaml, service: b}\n")
    check_broken(path, "extends cycle", "a -> b -> a", where="4:14")


def test_extends_across_files_without_cycle_loads(tmp_path):
    """Files whose services extend each other's (without a cycle) are fine."""
    from hostile_util import cli
    compose(tmp_path, "services:\n  base:\n    image: x\n    environment: {FROM: other}\n"
                      "  child:\n    extends: {file: compose.yaml, service: root}\n", "other.yaml")
    compose(tmp_path, "services:\n  root:\n    image: y\n"
                      "  web:\n    extends: {file: other.yaml, service: base}\n"
                      "  job:\n    extends: {file: other.yaml, service: child}\n")
    res = cli(["config", "--format", "json"], tmp_path)
    assert res.rc == 0, res.text
    import json
    services = json.loads(res.out)["services"]
    assert services["web"]["environment"] == {"FROM": "other"} and services["job"]["image"] == "y"


def test_extends_missing_file(tmp_path):
    path = compose(tmp_path, "services:\n  a:\n    extends: {file: nowhere.yaml, service: b}\n")
    check_broken(path, "nowhere.yaml: no such file", where="3:14")


def test_extends_service_missing_in_other_file(tmp_path):
    compose(tmp_path, "services:\n  other:\n    image: x\n", "base.yaml")
    path = compose(tmp_path, "services:\n  a:\n    extends: {file: base.yaml, service: b}\n")
    check_broken(path, "extends 'b', which base.yaml does not define", "services in base.yaml: other",
                 where="3:14")


@pytest.mark.parametrize("files,cycle", [
    ({"compose.yaml": "include: [compose.yaml]\nservices:\n  a: {image: x}\n"}, "compose.yaml -> compose.yaml"),
    ({"compose.yaml": "include: [b.yaml]\nservices:\n  a: {image: x}\n",
      "b.yaml": "include: [compose.yaml]\nservices:\n  b: {image: x}\n"}, "compose.yaml -> b.yaml -> compose.yaml"),
])
def test_include_cycles(tmp_path, files, cycle):
    for name, text in files.items():
        compose(tmp_path, text, name)
    res = check_broken(tmp_path / "compose.yaml", "include cycle", cycle)
    assert ":1:" in res["lint"].text   # located at the include entry


@pytest.mark.parametrize("value,message", [
    ("${TAG:?set TAG to the release you deploy}", "required variable TAG is missing a value: "
                                                  "set TAG to the release you deploy"),
    ("${TAG?TAG must be set}", "required variable TAG is missing a value: TAG must be set"),
    ("${TAG:?}", "required variable TAG is missing a value"),
    ("${TAG:?${WHY:-no tag given}}", "required variable TAG is missing a value: no tag given"),
])
def test_required_variable(tmp_path, value, message):
    path = compose(tmp_path, f"services:\n  web:\n    image: 'nginx:{value}'\n")
    check_broken(path, message, "set TAG in the environment", where="3:12")


def test_required_variable_set_empty_in_dotenv(tmp_path):
    compose(tmp_path, "TAG=\n", ".env")
    path = compose(tmp_path, "services:\n  web:\n    image: 'nginx:${TAG:?TAG is empty}'\n")
    check_broken(path, "required variable TAG is missing a value: TAG is empty", where="3:12")
