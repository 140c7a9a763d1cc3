"""PG001 invalid-input: the compose file cannot be loaded (syntax, references, cycles, ...).

PG001 is raised while loading, as an ``InputError`` carrying ``(path, line, col)``;
``podgen lint`` prints it as a located finding and ``podgen convert`` refuses
(exit 2, nothing written).
"""
from __future__ import annotations

import json

import pytest

from cli_run import assert_clean_failure, run_podgen
from helpers import convert_text, lint_text, write
from netrules_util import doc_example
from podgen.errors import InputError


def load_error(tmp_path, text: str, **kw) -> InputError:
    with pytest.raises(InputError) as info:
        lint_text(tmp_path, text, **kw)
    return info.value


def where(exc: InputError) -> tuple:
    return (exc.code, exc.pos[1], exc.pos[2])


@pytest.mark.parametrize("text,expected,message", [
    # the rule's own example: undefined service in depends_on, at the list item
    ("services:\n  web:\n    image: nginx\n    depends_on: [db]\n",
     ("PG001", 4, 18), "service 'web' depends on undefined service 'db'"),
    ("services:\n  web:\n    image: nginx\n    image: httpd\n",
     ("PG001", 4, 5), "duplicate key 'image' (first defined at line 3, column 5)"),
    ("services:\n  web:\n    image: [nginx\n",
     ("PG001", 4, 1), "YAML syntax error: did not find expected ',' or ']'"),
    ("services:\n  web:\n    image: nginx:${TAG:?set TAG}\n",
     ("PG001", 3, 12), "required variable TAG is missing a value: set TAG"),
    ("services:\n  web:\n    image: nginx\n    networks: [back]\n",
     ("PG001", 4, 16), "service 'web' refers to undefined network 'back'"),
    ("services:\n  web:\n    image: nginx\n    volumes: [\"data:/data\"]\n",
     ("PG001", 4, 15), "service 'web' refers to undefined volume 'data'"),
    ("services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: y\n    depends_on: [a]\n",
     ("PG001", 7, 18), "dependency cycle: a -> b -> a"),
    ("services:\n  a:\n    image: x\n    extends: b\n  b:\n    image: y\n    extends: a\n",
     ("PG001", 4, 14), "extends cycle: a -> b -> a"),
    ("- a\n- b\n",
     ("PG001", 1, 1), "the top level of a compose file must be a mapping, not a list"),
])
def test_fires_at_the_offending_node(tmp_path, text, expected, message):
    exc = load_error(tmp_path, text)
    assert where(exc) == expected
    assert exc.message == message
    assert exc.pos[0] == str(tmp_path / "compose.yaml")


def test_doc_example_fires_where_the_comment_says(tmp_path):
    exc = load_error(tmp_path, doc_example("PG001"))
    assert where(exc) == ("PG001", 4, 18)
    assert exc.hint == "defined: web"


def test_file_not_utf8(tmp_path):
    (tmp_path / "compose.yaml").write_bytes(b"services:\n  web:\n    image: caf\xe9\n")
    from helpers import options
    from podgen.api import lint
    with pytest.raises(InputError) as info:
        lint(options(tmp_path / "compose.yaml"))
    assert where(info.value) == ("PG001", 3, 15)
    assert info.value.message == "file is not valid UTF-8 (byte 0xe9)"


def test_missing_env_file_points_at_the_reference(tmp_path):
    exc = load_error(tmp_path, "services:\n  web:\n    image: nginx\n    env_file: missing.env\n")
    assert where(exc) == ("PG001", 4, 15)
    assert exc.message == f"env file {tmp_path / 'missing.env'} not found"


@pytest.mark.parametrize("text", [
    # every reference is defined
    "services:\n  web:\n    image: nginx\n    depends_on: [db]\n  db:\n    image: postgres\n",
    "services:\n  web:\n    image: nginx\n    networks: [back]\nnetworks:\n  back: {}\n",
    "services:\n  web:\n    image: nginx\n    volumes: [\"data:/data\", \"./data:/data2\"]\nvolumes:\n  data: {}\n",
    # the same key in two different mappings is not a duplicate
    "services:\n  web:\n    image: nginx\n  db:\n    image: nginx\n",
    # a required variable that is set, a default, a one-way (non-cyclic) dependency and extends
    "services:\n  web:\n    image: nginx:${TAG:?set TAG}\n",
    "services:\n  web:\n    image: nginx:${NOPE:-1.25}\n",
    "services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: y\n",
    "services:\n  a:\n    extends: b\n  b:\n    image: y\n",
    # an optional env_file that does not exist
    "services:\n  web:\n    image: nginx\n    env_file:\n      - path: missing.env\n        required: false\n",
])
def test_near_misses_load(tmp_path, text):
    assert lint_text(tmp_path, text, env={"TAG": "1.25"}) == []


def test_near_miss_converts(tmp_path):
    result = convert_text(tmp_path, "name: demo\nservices:\n  web:\n    image: nginx\n    depends_on: [db]\n"
                                    "  db:\n    image: postgres\n")
    assert sorted(f.name for f in result.files) == ["demo-db.container", "demo-web.container",
                                                     "demo_default.network"]


@pytest.mark.parametrize("text,line_col", [
    ("services:\n  web:\n    image: nginx\n    depends_on: [db]\n", "4:18"),
    ("services:\n  web:\n    image: nginx\n    image: httpd\n", "4:5"),
    ("services:\n  web:\n    image: [nginx\n", "4:1"),
])
def test_convert_cli_refuses_located_and_writes_nothing(tmp_path, text, line_col):
    path = write(tmp_path, text)
    out = tmp_path / "units"
    result = run_podgen("convert", "compose.yaml", "-o", out, cwd=tmp_path)
    assert_clean_failure(result, help_line=False)
    assert result.stderr.startswith(f"{path}:{line_col}: error: "), result.stderr
    assert result.stdout == ""
    assert not out.exists()


def test_lint_cli_reports_a_located_pg001(tmp_path):
    write(tmp_path, "services:\n  web:\n    image: nginx\n    depends_on: [db]\n")
    result = run_podgen("lint", "--format", "json", "compose.yaml", cwd=tmp_path)
    assert result.returncode == 2
    (item,) = json.loads(result.stdout)
    assert (item["code"], item["name"], item["severity"], item["line"], item["column"]) == \
        ("PG001", "invalid-input", "error", 4, 18)
    assert "Traceback" not in result.stderr
