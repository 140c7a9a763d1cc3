"""Load stage: go-yaml v3 scalar resolution, positions, anchors, merge keys, duplicate keys."""
from __future__ import annotations

import pytest

from podgen.errors import InputError
from podgen.load.scalars import resolve_plain
from podgen.load.yamlload import load_documents, plain, YMap


@pytest.mark.parametrize("text,value", [
    ("true", True), ("False", False), ("TRUE", True), ("yes", "yes"), ("no", "no"), ("on", "on"),
    ("~", None), ("null", None), ("Null", None), ("", None),
    ("42", 42), ("-7", -7), ("+3", 3), ("0x1F", 31), ("0o17", 15), ("0b101", 5),
    ("0440", 288),            # go's ParseInt(base 0): a leading 0 is octal (secrets' mode: 0440)
    ("1_000", 1000), ("09", 9.0), ("1.5", 1.5), ("1e3", 1000.0), (".5", 0.5),
    (".inf", float("inf")), ("-.Inf", float("-inf")),
    ("2001-12-14", "2001-12-14"),  # timestamps stay strings, as go-yaml does for `any`
    ("80:80", "80:80"), ("1.2.3", "1.2.3"), ("12:30", "12:30"), ("-", "-"), ("+", "+"),
])
def test_plain_scalars_resolve_like_go_yaml(text, value):
    assert resolve_plain(text) == value
    assert type(resolve_plain(text)) is type(value)


def test_quoted_scalars_stay_strings():
    doc = load_documents('a: "1"\nb: \'true\'\nc: !!str 3\nd: !!int "4"\n', "f.yml")[0]
    assert plain(doc) == {"a": "1", "b": "true", "c": "3", "d": 4}


def test_positions_are_one_based_line_and_column_of_keys_and_values():
    doc = load_documents("services:\n  web:\n    image: nginx\n    ports: ['80:80', 8080]\n", "f.yml")[0]
    web = doc["services"]["web"]
    assert web.kpos["image"] == ("f.yml", 3, 5)
    assert web.vpos["image"] == ("f.yml", 3, 12)
    assert web["ports"].ipos == [("f.yml", 4, 13), ("f.yml", 4, 22)]


def test_anchors_aliases_and_merge_keys():
    text = """\
x-base: &base
  restart: always
  environment: {A: "1"}
x-more: &more
  restart: "no"
  user: nobody
services:
  web:
    <<: [*base, *more]
    image: nginx
    environment: {B: "2"}
"""
    web = load_documents(text, "f.yml")[0]["services"]["web"]
    # explicit keys win; among merged maps the first one wins
    assert plain(web) == {"image": "nginx", "environment": {"B": "2"}, "restart": "always", "user": "nobody"}
    # a merged key points at its definition in the anchor
    assert web.kpos["restart"] == ("f.yml", 2, 3)


def test_alias_values_are_copies_not_shared():
    doc = load_documents("a: &x [1, 2]\nb: *x\n", "f.yml")[0]
    assert doc["a"] == doc["b"] and doc["a"] is not doc["b"]


def test_duplicate_key_is_an_error_at_the_second_key():
    with pytest.raises(InputError) as info:
        load_documents("services:\n  web:\n    image: a\n    image: b\n", "f.yml")
    assert info.value.pos == ("f.yml", 4, 5)
    assert "duplicate key 'image'" in info.value.message
    assert "line 3" in info.value.message


def test_yaml_1_2_flow_scalars_with_colons_are_accepted():
    # libyaml (YAML 1.1) rejects this; Docker Compose's go-yaml accepts it
    doc = load_documents("volumes: [data:/var/lib/data]\n", "f.yml")[0]
    assert doc["volumes"] == ["data:/var/lib/data"]


def test_syntax_error_is_located_with_a_hint():
    with pytest.raises(InputError) as info:
        load_documents("services:\n  web:\n\timage: x\n", "f.yml")
    assert info.value.pos[:2] == ("f.yml", 3)
    assert "tabs" in info.value.hint


def test_several_documents():
    docs = load_documents("a: 1\n---\nb: 2\n", "f.yml")
    assert [plain(d) for d in docs] == [{"a": 1}, {"b": 2}]


def test_unknown_alias_and_recursive_anchor_are_errors():
    with pytest.raises(InputError, match="unknown YAML alias"):
        load_documents("a: *nope\n", "f.yml")
    with pytest.raises(InputError, match="unknown YAML alias"):
        load_documents("a: &x [*x]\n", "f.yml")


def test_merge_key_with_scalar_is_an_error():
    with pytest.raises(InputError, match="'<<'"):
        load_documents("a:\n  <<: 3\n", "f.yml")


def test_quoted_merge_key_is_an_ordinary_key():
    doc = load_documents("a:\n  '<<': 3\n", "f.yml")[0]
    assert isinstance(doc["a"], YMap) and doc["a"]["<<"] == 3
