"""Project assembly: several -f files, extends, include, profiles, names, env_file, references."""
from __future__ import annotations

import textwrap

import pytest

from podgen.targets.compose.config import config_dict
from podgen.errors import InputError
from podgen.load.project import ProjectOptions, load_project

ENV = {"PATH": "/usr/bin:/bin", "HOME": "/home/user"}


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def load(tmp_path, files=("compose.yaml",), env=None, **kw):
    return load_project(ProjectOptions(files=list(files), cwd=str(tmp_path), environ={**ENV, **(env or {})}, **kw))


def services(loaded):
    return config_dict(loaded.config, escape_dollars=False)["services"]


def test_override_file_merges_like_docker_compose(tmp_path):
    write(tmp_path / "compose.yaml", """\
        services:
          web:
            image: nginx:1
            command: ["a", "b"]
            ports: ["8080:80", "8443:443"]
            environment: {A: "1", B: "1"}
            volumes: ["data:/data", "./conf:/etc/conf"]
            dns: [1.1.1.1]
        volumes: {data: {}}
        """)
    write(tmp_path / "prod.yaml", """\
        services:
          web:
            image: nginx:2
            command: ["c"]
            ports: ["8080:80", "9000:9000"]
            environment: [B=2, C=3]
            volumes: ["./prod-conf:/etc/conf"]
            dns: [8.8.8.8]
        """)
    web = services(load(tmp_path, files=("compose.yaml", "prod.yaml")))["web"]
    assert web["image"] == "nginx:2"
    assert web["command"] == ["c"]                                      # replaced, not appended
    assert [p["published"] for p in web["ports"]] == ["8080", "8443", "9000"]  # unique by key
    assert web["environment"] == {"A": "1", "B": "2", "C": "3"}
    assert [v["target"] for v in web["volumes"]] == ["/data", "/etc/conf"]      # unique by target
    assert web["volumes"][1]["source"] == str(tmp_path / "prod-conf")
    assert web["dns"] == ["1.1.1.1", "8.8.8.8"]                          # sequences append


def test_extends_same_file_and_other_file(tmp_path):
    write(tmp_path / "common" / "base.yaml", """\
        services:
          base:
            image: busybox
            environment: {LEVEL: base, FROM_BASE: "yes"}
            volumes: ["./cfg:/cfg"]
        """)
    write(tmp_path / "compose.yaml", """\
        services:
          middle:
            extends: {file: common/base.yaml, service: base}
            environment: {LEVEL: middle}
          top:
            extends: middle
            command: ["sh"]
        """)
    svcs = services(load(tmp_path))
    assert svcs["top"]["environment"] == {"LEVEL": "middle", "FROM_BASE": "yes"}
    assert svcs["top"]["command"] == ["sh"]
    # paths in the extended file are relative to that file
    assert svcs["top"]["volumes"][0]["source"] == str(tmp_path / "common" / "cfg")


def test_extends_cycle_is_an_error(tmp_path):
    write(tmp_path / "compose.yaml", """\
        services:
          a: {image: x, extends: b}
          b: {image: x, extends: a}
        """)
    with pytest.raises(InputError, match="extends cycle"):
        load(tmp_path)


def test_include_brings_services_relative_to_their_file(tmp_path):
    write(tmp_path / "db" / "compose.yaml", """\
        services:
          db:
            image: postgres
            volumes: ["./init:/docker-entrypoint-initdb.d"]
        """)
    write(tmp_path / "compose.yaml", """\
        include: [db/compose.yaml]
        services:
          app: {image: app, depends_on: [db]}
        """)
    svcs = services(load(tmp_path))
    assert set(svcs) == {"app", "db"}
    assert svcs["db"]["volumes"][0]["source"] == str(tmp_path / "db" / "init")


def test_include_conflicting_service_is_an_error(tmp_path):
    write(tmp_path / "other.yaml", "services:\n  app: {image: b}\n")
    write(tmp_path / "compose.yaml", "include: [other.yaml]\nservices:\n  app: {image: a}\n")
    with pytest.raises(InputError, match="defines service 'app'"):
        load(tmp_path)


def test_profiles(tmp_path):
    write(tmp_path / "compose.yaml", """\
        services:
          app: {image: app}
          debug: {image: dbg, profiles: [debug]}
          tools: {image: t, profiles: [tools, debug]}
        """)
    assert set(services(load(tmp_path))) == {"app"}
    assert set(services(load(tmp_path, profiles=("debug",)))) == {"app", "debug", "tools"}
    assert set(services(load(tmp_path, profiles=("*",)))) == {"app", "debug", "tools"}
    assert set(services(load(tmp_path, env={"COMPOSE_PROFILES": "tools"}))) == {"app", "tools"}


def test_dependency_on_a_disabled_profile_is_explained(tmp_path):
    write(tmp_path / "compose.yaml", """\
        services:
          app: {image: app, depends_on: [debug]}
          debug: {image: dbg, profiles: [debug]}
        """)
    with pytest.raises(InputError, match="only enabled by a profile"):
        load(tmp_path)


@pytest.mark.parametrize("setup,name", [
    ({"opts": {"project_name": "cli"}, "env": {"COMPOSE_PROJECT_NAME": "env"}}, "cli"),
    ({"env": {"COMPOSE_PROJECT_NAME": "env"}}, "env"),
    ({}, "fromfile"),
])
def test_project_name_precedence(tmp_path, setup, name):
    write(tmp_path / "compose.yaml", "name: fromfile\nservices:\n  a: {image: x}\n")
    loaded = load(tmp_path, env=setup.get("env"), **setup.get("opts", {}))
    assert loaded.name == name


def test_project_name_from_directory_is_normalised(tmp_path):
    d = tmp_path / "My_App.v2"
    write(d / "compose.yaml", "services:\n  a: {image: x}\n")
    assert load(d).name == "my_appv2"


def test_dotenv_and_environment_precedence_and_compose_project_name(tmp_path):
    write(tmp_path / ".env", "TAG=fromdotenv\nPORT=8080\n")
    write(tmp_path / "compose.yaml", """\
        name: shop
        services:
          a:
            image: "x:${TAG}"
            environment: {P: "${PORT}", PROJECT: "${COMPOSE_PROJECT_NAME}"}
        """)
    svc = services(load(tmp_path, env={"TAG": "fromshell"}))["a"]
    assert svc["image"] == "x:fromshell"
    assert svc["environment"] == {"P": "8080", "PROJECT": "shop"}


def test_env_file_is_read_into_environment_and_environment_wins(tmp_path):
    write(tmp_path / "app.env", 'A="quoted value"\nexport B=2\nC=from-file\n')
    write(tmp_path / "compose.yaml", """\
        services:
          a:
            image: x
            env_file: [app.env, {path: missing.env, required: false}]
            environment: {C: from-compose}
        """)
    svc = services(load(tmp_path))["a"]
    assert svc["environment"] == {"A": "quoted value", "B": "2", "C": "from-compose"}
    assert "env_file" not in svc


def test_missing_env_file_is_a_located_error(tmp_path):
    write(tmp_path / "compose.yaml", "services:\n  a:\n    image: x\n    env_file: nope.env\n")
    with pytest.raises(InputError) as info:
        load(tmp_path)
    assert "nope.env" in info.value.message and info.value.pos[1] == 4


@pytest.mark.parametrize("text,message,line", [
    ("services:\n  a: {image: x, depends_on: [b]}\n", "undefined service 'b'", 2),
    ("services:\n  a: {image: x, networks: [front]}\n", "undefined network 'front'", 2),
    ("services:\n  a: {image: x, volumes: ['data:/d']}\n", "undefined volume 'data'", 2),
    ("services:\n  a: {image: x, secrets: [pw]}\n", "undefined secret 'pw'", 2),
    ("services:\n  a: {image: x, network_mode: 'service:b'}\n", "undefined service 'b'", 2),
    ("services:\n  a: {image: x, links: ['b:db']}\n", "undefined service 'b'", 2),
    ("services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on: [a]\n",
     "dependency cycle", 0),
    ("services:\n  a: {command: x}\n", "neither an image nor a build", 2),
])
def test_reference_errors_are_located(tmp_path, text, message, line):
    write(tmp_path / "compose.yaml", text)
    with pytest.raises(InputError) as info:
        load(tmp_path)
    assert message in info.value.message
    assert info.value.pos is not None
    if line:
        assert info.value.pos[1] == line


def test_default_network_and_resource_names(tmp_path):
    write(tmp_path / "compose.yaml", """\
        name: p
        services:
          a: {image: x, volumes: ["v:/v", "ext:/e"]}
          b: {image: x, network_mode: host}
        volumes:
          v: {}
          ext: {external: true}
          unused: {}
        """)
    cfg = config_dict(load(tmp_path).config)
    assert cfg["networks"] == {"default": {"name": "p_default", "ipam": {}}}
    assert cfg["volumes"] == {"ext": {"external": True, "name": "ext"}, "v": {"name": "p_v"}}
    assert "networks" not in cfg["services"]["b"]


def test_compose_file_from_the_dotenv_file(tmp_path):
    """docker compose takes COMPOSE_FILE (and COMPOSE_PATH_SEPARATOR) from .env as well."""
    write(tmp_path / "base.yaml", "services:\n  app: {image: app}\n")
    write(tmp_path / "extra.yaml", "services:\n  db: {image: db}\n")
    write(tmp_path / "compose.yaml", "services:\n  other: {image: other}\n")
    write(tmp_path / ".env", "COMPOSE_FILE=base.yaml,extra.yaml\nCOMPOSE_PATH_SEPARATOR=,\n")
    assert set(services(load(tmp_path, files=()))) == {"app", "db"}
    # the environment wins over .env
    assert set(services(load(tmp_path, files=(), env={"COMPOSE_FILE": "compose.yaml"}))) == {"other"}


@pytest.mark.parametrize("service,message", [
    ("mem_limit: 1gib\n    deploy: {resources: {limits: {memory: 512M}}}", "'mem_limit' and 'deploy.resources.limits.memory'"),
    ("mem_limit: 1g\n    deploy: {resources: {limits: {cpus: '0.5'}}}", "'mem_limit' and 'deploy.resources.limits.memory'"),
    ("cpus: 2\n    deploy: {resources: {limits: {cpus: '1.5'}}}", "'cpus' and 'deploy.resources.limits.cpus'"),
    ("pids_limit: 100\n    deploy: {resources: {limits: {pids: 50}}}", "'pids_limit' and 'deploy.resources.limits.pids'"),
    ("mem_reservation: 64m\n    deploy: {resources: {reservations: {memory: 32m}}}",
     "'mem_reservation' and 'deploy.resources.reservations.memory'"),
    ("scale: 2\n    deploy: {replicas: 3}", "'scale' and 'deploy.replicas'"),
])
def test_distinct_resource_aliases_are_refused_like_compose(tmp_path, service, message):
    write(tmp_path / "compose.yaml", f"services:\n  web:\n    image: nginx\n    {service}\n")
    with pytest.raises(InputError) as info:
        load(tmp_path)
    assert message in info.value.message and info.value.message.startswith("services.web: can't set distinct")
    assert info.value.pos[1:] == (4, 5)


def test_equal_resource_aliases_are_fine(tmp_path):
    write(tmp_path / "compose.yaml", "services:\n  web:\n    image: nginx\n    mem_limit: 1g\n    cpus: 0.5\n"
                                     "    deploy: {resources: {limits: {memory: 1024m, cpus: '0.5'}}}\n")
    assert set(services(load(tmp_path))) == {"web"}


def test_standard_input_is_refused_with_a_reason(tmp_path):
    with pytest.raises(InputError) as info:
        load(tmp_path, files=("-",))
    assert "standard input" in info.value.message and "save it to a file" in info.value.hint


def _ports(loaded, service="web"):
    return [p["published"] for p in services(loaded)[service].get("ports", [])]


def test_override_tag_replaces_instead_of_merging(tmp_path):
    write(tmp_path / "compose.yaml", """\
        services:
          web:
            image: nginx
            ports: ["80:80", "443:443"]
            environment: {A: "1", B: "2"}
        """)
    write(tmp_path / "prod.yaml", """\
        services:
          web:
            ports: !override ["8080:80"]
            environment: !override {C: "3"}
        """)
    loaded = load(tmp_path, files=("compose.yaml", "prod.yaml"))
    assert _ports(loaded) == ["8080"]
    assert services(loaded)["web"]["environment"] == {"C": "3"}
    # without the tag they merge
    write(tmp_path / "plain.yaml", "services:\n  web:\n    ports: [\"8080:80\"]\n")
    assert _ports(load(tmp_path, files=("compose.yaml", "plain.yaml"))) == ["80", "443", "8080"]


def test_reset_tag_removes_what_earlier_files_set(tmp_path):
    write(tmp_path / "compose.yaml", """\
        services:
          web:
            image: nginx
            command: ["serve", "--debug"]
            ports: ["80:80"]
          db: {image: postgres}
        """)
    write(tmp_path / "reset.yaml", """\
        services:
          web:
            ports: !reset []
            command: !reset null
          db: !reset
        """)
    web = services(load(tmp_path, files=("compose.yaml", "reset.yaml")))
    assert set(web) == {"web"} and "ports" not in web["web"] and "command" not in web["web"]


def test_merge_tags_within_one_file_and_between_its_documents(tmp_path):
    write(tmp_path / "compose.yaml", """\
        services:
          web:
            image: nginx
            ports: !reset ["80:80"]
            expose: ["1", !reset "2", "3"]
        ---
        services:
          web:
            environment: {A: "1"}
        ---
        services:
          web:
            environment: !override {B: "2"}
        """)
    web = services(load(tmp_path))["web"]
    assert "ports" not in web and web["expose"] == ["1", "3"] and web["environment"] == {"B": "2"}


def test_other_tags_are_still_refused(tmp_path):
    write(tmp_path / "compose.yaml", "services:\n  web:\n    image: !custom nginx\n")
    with pytest.raises(InputError) as info:
        load(tmp_path)
    assert "unsupported YAML tag !custom" in info.value.message and "!reset" in info.value.hint
