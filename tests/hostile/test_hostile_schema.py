"""Schema violations, misspelt keys, wrong types and unparseable strings.

Every command (convert, lint, config, fix --diff) exits 2 at file:line:col
with what is wrong and a ``help:`` line (a suggestion for misspelt keys, an
example of the right form for wrong types).
"""
from __future__ import annotations

import pytest

from hostile_util import check_broken, cli, write

HEAD = "services:\n  web:\n    image: nginx\n"


def compose(tmp_path, body: str, head: str = HEAD):
    return write(tmp_path / "compose.yaml", head + body)


@pytest.mark.parametrize("body,where,fragments", [
    ("    imgae: nginx\n", "4:5", ("unknown key 'imgae' in service 'web'", "did you mean 'image'?")),
    ("    enviroment: {A: 1}\n", "4:5", ("unknown key 'enviroment'", "did you mean 'environment'?")),
    ("    depends-on: [db]\n", "4:5", ("unknown key 'depends-on'", "did you mean 'depends_on'?")),
    ("    healthcheck:\n      test: [CMD, 'true']\n      intervall: 5s\n", "6:7",
     ("unknown key 'intervall' in services.web.healthcheck", "did you mean 'interval'?")),
    ("    xyzzy: 1\n", "4:5", ("unknown key 'xyzzy'", "custom keys must start with 'x-'")),
])
def test_misspelt_keys_get_a_suggestion(tmp_path, body, where, fragments):
    check_broken(compose(tmp_path, body), *fragments, where=where)


def test_misspelt_top_level_key(tmp_path):
    path = write(tmp_path / "compose.yaml", "servics:\n  web:\n    image: nginx\n")
    check_broken(path, "unknown key 'servics' at the top level", "did you mean 'services'?", where="1:1")


@pytest.mark.parametrize("body,where,fragments", [
    ("    ports: 80\n", "4:12", ("services.web.ports must be a list, not a number", 'ports: ["8080:80"]')),
    ("    ports: '80:80'\n", "4:12", ("services.web.ports must be a list, not a string",)),
    ("    environment: 5\n", "4:18", ("environment must be a mapping or a list, not a number",)),
    ("    command: {a: 1}\n", "4:14", ("command must be null or a string or a list, not a mapping",)),
    ("    restart: [always]\n", "4:14", ("restart must be a string, not a list",)),
    ("    volumes: ./data:/data\n", "4:14", ("volumes must be a list", 'volumes: ["./data:/data"]')),
    ("    depends_on: db\n", "4:17", ("depends_on must be a", "depends_on: [db]")),
    ("    healthcheck: [CMD, 'true']\n", "4:18", ("healthcheck must be a mapping, not a list",)),
    ("    depends_on: {db: {condition: sometimes}}\n", "4:34",
     ("must be one of 'service_started'", "got 'sometimes'")),
    ("    privileged: maybe\n", "4:17", ("expected a boolean, got 'maybe'", "true or false")),
    ("    deploy: {replicas: many}\n", "4:24", ("expected an integer, got 'many'",)),
    ("    cpus: lots\n", "4:11", ("expected a number, got 'lots'",)),
])
def test_wrong_types(tmp_path, body, where, fragments):
    check_broken(compose(tmp_path, body), *fragments, where=where)


def test_services_as_a_list(tmp_path):
    path = write(tmp_path / "compose.yaml", "services:\n  - web\n  - db\n")
    check_broken(path, "services must be a mapping, not a list", where="2:3")


def test_missing_image_and_build(tmp_path):
    path = write(tmp_path / "compose.yaml", "services:\n  web:\n    restart: always\n")
    check_broken(path, "neither an image nor a build context", "add 'image:", where="2:3")


@pytest.mark.parametrize("port,fragment", [
    ("80:abc", "invalid container port 'abc'"),
    ("99999:80", "invalid host port '99999'"),
    ("80-70:80", "invalid host port '80-70'"),
    ("1.2.3.400:80:80", "invalid host IP '1.2.3.400'"),
    ("[::1:80:80", "'[' without ']'"),
    ("80:80/", "empty protocol"),
    ("8000-8010:80-81", "ranges differ in length"),
    ("a:b:c:d:e", "invalid"),
    ("", "invalid container port ''"),
])
def test_unparseable_ports(tmp_path, port, fragment):
    check_broken(compose(tmp_path, f"    ports: [{port!r}]\n".replace("'", '"')), fragment, where="4:13")


def test_port_entry_without_target(tmp_path):
    check_broken(compose(tmp_path, "    ports: [{published: 80}]\n"), "no 'target'", where="4:13")


@pytest.mark.parametrize("volume,fragment", [
    ("a:b:c:d", "too many ':'"),
    (":/x", "empty section between colons"),
    ("./data:", "empty section between colons"),
    ("", "empty volume specification"),
])
def test_unparseable_volumes(tmp_path, volume, fragment):
    check_broken(compose(tmp_path, f'    volumes: ["{volume}"]\n'), fragment, where="4:15")


@pytest.mark.parametrize("body,where,fragment", [
    ("    stop_grace_period: 10 parsecs\n", "4:24", "invalid duration '10 parsecs' for stop_grace_period"),
    ("    stop_grace_period: -5s\n", "4:24", "invalid duration '-5s'"),
    ("    healthcheck:\n      test: [CMD, 'true']\n      interval: 5x\n", "6:17",
     "invalid duration '5x' for healthcheck.interval"),
    ("    healthcheck:\n      test: [CMD, 'true']\n      timeout: soon\n", "6:16",
     "invalid duration 'soon' for healthcheck.timeout"),
    ("    healthcheck:\n      test: [CMD, 'true']\n      start_period: ''\n", "6:21",
     "invalid duration '' for healthcheck.start_period"),
    ("    healthcheck:\n      test: [CMD, 'true']\n      retries: .nan\n", "6:16",
     "invalid healthcheck.retries nan"),
])
def test_unparseable_durations(tmp_path, body, where, fragment):
    check_broken(compose(tmp_path, body), fragment, where=where)


@pytest.mark.parametrize("body,fragment", [
    ("    mem_limit: lots\n", "invalid size 'lots' for mem_limit"),
    ("    mem_limit: .inf\n", "invalid size inf for mem_limit"),
    ("    shm_size: .nan\n", "invalid size nan for shm_size"),
])
def test_unparseable_sizes(tmp_path, body, fragment):
    check_broken(compose(tmp_path, body), fragment, where="4:")


def test_extra_hosts_without_address(tmp_path):
    check_broken(compose(tmp_path, "    extra_hosts: [nocolon]\n"), "invalid extra_hosts entry", where="4:19")


def test_interpolation_syntax_error(tmp_path):
    check_broken(compose(tmp_path, "    environment:\n      A: ${oops\n"), "'${' is never closed", where="5:10")


def test_interpolation_nested_too_deep(tmp_path):
    deep = "${A:-" * 100 + "x" + "}" * 100
    check_broken(compose(tmp_path, f"    environment:\n      A: '{deep}'\n"), "nested more than", where="5:10")


@pytest.mark.parametrize("body,fragment", [
    ("    network_mode: carrier-pigeon\n", "unknown network_mode 'carrier-pigeon'"),
    ("    restart: sometimes\n", "unknown restart policy 'sometimes'"),
    ("    ports: ['80/xyz']\n", "unknown port protocol 'xyz'"),
    ("    healthcheck:\n      test: [RUN, x]\n", "healthcheck test must start with CMD"),
])
def test_values_only_convert_can_judge(tmp_path, body, fragment):
    """Values compose loads but podman cannot run: convert refuses them, located (PG703)."""
    path = compose(tmp_path, body)
    res = cli(["convert", path.name, "-o", "out", "--podman-version", "5.4"], tmp_path)
    assert res.rc == 2, res.text
    assert fragment in res.err and "compose.yaml:" in res.err and "help:" in res.err, res.err
    assert "Traceback" not in res.text and not (tmp_path / "out").exists()
