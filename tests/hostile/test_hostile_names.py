"""Names that would escape the output directory or break a unit name are refused.

Every path a name can take into a file name, a unit name or a podman object
name is tried with every hostile name, in both output formats:

* project: ``name:``, ``-p``, ``COMPOSE_PROJECT_NAME``;
* ``container_name``; network ``name:`` (also external); volume ``name:``
  (also external); secret ``name:``; service, network and volume keys.

podgen must exit 2 with an error located in the compose file (or naming the
option), write nothing at all, and in particular nothing outside ``-o``.
"""
from __future__ import annotations

import pytest

from hostile_util import assert_clean_failure, cli, snapshot, write

HOSTILE = [
    "../evil", "../../../../tmp/evil", "a/b", "/abs", "a\nb", "web\n", "a\rb", "a\tb", "a\x1bb", ".hidden",
    "..", ".", "-rf", "x y", "a;b", "$(id)", "`id`", "%h", "a\\b", "a:b", "a,b", "a=b", "ünïcode", "a\u2028b",
    "x" * 300,
]
IDS = [repr(n)[1:-1][:24] for n in HOSTILE]


def yaml_str(value: str) -> str:
    import json
    return json.dumps(value)     # a JSON string is a YAML double-quoted scalar


TEMPLATES = {
    "name": "name: {v}\nservices:\n  web:\n    image: nginx\n",
    "container_name": "services:\n  web:\n    image: nginx\n    container_name: {v}\n",
    "network-name": "services:\n  web:\n    image: nginx\n    networks: [front]\nnetworks:\n  front:\n    name: {v}\n",
    "external-network": ("services:\n  web:\n    image: nginx\n    networks: [front]\n"
                         "networks:\n  front:\n    external: true\n    name: {v}\n"),
    "volume-name": ("services:\n  web:\n    image: nginx\n    volumes: ['data:/data']\n"
                    "volumes:\n  data:\n    name: {v}\n"),
    "external-volume": ("services:\n  web:\n    image: nginx\n    volumes: ['data:/data']\n"
                        "volumes:\n  data:\n    external: true\n    name: {v}\n"),
    "secret-name": ("services:\n  web:\n    image: nginx\n    secrets: [pw]\n"
                    "secrets:\n  pw:\n    file: ./pw.txt\n    name: {v}\n"),
    "service-key": "services:\n  {v}:\n    image: nginx\n    network_mode: host\n",
    "network-key": "services:\n  web:\n    image: nginx\n    networks: [{v}]\nnetworks:\n  {v}: {{}}\n",
    "volume-key": "services:\n  web:\n    image: nginx\n    volumes: [{{type: volume, source: {v}, target: /d}}]\n"
                  "volumes:\n  {v}: {{}}\n",
}


def run_both_formats(top, argv_extra=(), env=None, check=None):
    """convert (both formats) into top/deep/out and lint; everything refused, nothing written."""
    before = snapshot(top)
    results = []
    for fmt in ("quadlet", "script"):
        res = cli(["convert", "compose.yaml", "-o", "deep/out", "--format", fmt, "--podman-version", "5.4",
                   *argv_extra], top / "work", env)
        results.append(res)
        assert_clean_failure(res, help_line=True)
        if check:
            check(res)
        assert snapshot(top) == before, f"{fmt}: files were written"
    return results


def setup(tmp_path, text: str):
    work = tmp_path / "work"
    write(work / "compose.yaml", text)
    write(work / "pw.txt", "secret\n")
    return work


# Keys only become part of a name after a prefix ("PROJECT-" or "PROJECT_"), so a key like ".."
# or "-rf" gives the plain, valid name "p-.." / "p_-rf": those may be converted, but must stay
# plain file names inside -o.
KEY_PATHS = ("service-key", "network-key", "volume-key")
_PLAIN_OUTPUT = __import__("re").compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\.(container|network|volume|sh)")


@pytest.mark.parametrize("name", HOSTILE, ids=IDS)
@pytest.mark.parametrize("where", sorted(TEMPLATES))
def test_hostile_names_in_the_compose_file(tmp_path, where, name):
    work = setup(tmp_path, TEMPLATES[where].format(v=yaml_str(name)))
    if where in KEY_PATHS and _prefixed_is_valid(name):
        for fmt in ("quadlet", "script"):
            res = cli(["convert", "compose.yaml", "-o", f"deep/{fmt}", "--format", fmt, "--podman-version", "5.4",
                       "-p", "p"], work)
            assert res.rc == 0, res.text
            written = [p.name for p in (work / "deep" / fmt).iterdir()]
            assert written and all(_PLAIN_OUTPUT.fullmatch(n) for n in written), written
        assert sorted(p.name for p in work.iterdir()) == ["compose.yaml", "deep", "pw.txt"]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]
        return

    def located(res):
        assert "compose.yaml:" in res.text, res.text
    run_both_formats(tmp_path, check=located)


def _prefixed_is_valid(key: str) -> bool:
    import re
    return bool(re.fullmatch(r"[a-zA-Z0-9._-]+", key)) and len(key) < 150


@pytest.mark.parametrize("name", HOSTILE, ids=IDS)
def test_hostile_project_name_option(tmp_path, name):
    setup(tmp_path, "services:\n  web:\n    image: nginx\n")
    for argv, env in ((["-p", name], None), ((), {"COMPOSE_PROJECT_NAME": name})):
        def named(res):
            assert "invalid project name" in res.text or "characters long" in res.text, res.text
        run_both_formats(tmp_path, argv, env, check=named)


def test_project_name_from_directory_is_sanitised(tmp_path):
    """A directory name is normalised the way compose does it, never taken raw."""
    work = tmp_path / "My Project; rm -rf ~"
    write(work / "compose.yaml", "services:\n  web:\n    image: nginx\n")
    res = cli(["convert", "compose.yaml", "-o", "out", "--podman-version", "5.4"], work)
    assert res.rc == 0, res.text
    assert sorted(p.name for p in (work / "out").iterdir()) == [
        "myprojectrm-rf-web.container", "myprojectrm-rf_default.network"]


def test_directory_without_usable_name(tmp_path):
    work = tmp_path / "___"
    write(work / "compose.yaml", "services:\n  web:\n    image: nginx\n")
    res = cli(["convert", "compose.yaml", "-o", "out", "--podman-version", "5.4"], work)
    assert_clean_failure(res, fragments=("cannot derive a project name", "-p NAME"))
    assert not (work / "out").exists()


@pytest.mark.parametrize("alias", ["../x", "a b", "web\n", "-x"])
def test_hostile_network_alias(tmp_path, alias):
    setup(tmp_path, "services:\n  web:\n    image: nginx\n    networks:\n      front:\n"
                    f"        aliases: [{yaml_str(alias)}]\nnetworks:\n  front: {{}}\n")
    run_both_formats(tmp_path)


def test_valid_names_with_dots_stay_inside_the_output(tmp_path):
    """Names may contain dots ("a..b", "x.container"): still plain file names inside -o."""
    work = setup(tmp_path, "services:\n  a..b:\n    image: nginx\n  x.container:\n    image: nginx\n"
                           "    container_name: c.network\n")
    res = cli(["convert", "compose.yaml", "-o", "deep/out", "--podman-version", "5.4", "-p", "p"], work)
    assert res.rc == 0, res.text
    names = sorted(p.name for p in (work / "deep" / "out").iterdir())
    assert names == ["p-a..b.container", "p-x.container.container", "p_default.network"]
    assert sorted(p.name for p in work.iterdir()) == ["compose.yaml", "deep", "pw.txt"]
