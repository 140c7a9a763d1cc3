"""podgen's compiled schema validator agrees with jsonschema's Draft7Validator.

podgen does not import jsonschema on the hot path (it costs ~10x Python's
start-up); this differential test keeps the two from drifting apart.
"""
from __future__ import annotations

import hashlib
import json

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_util import CORPUS
from podgen.load.schema import compose_schema, compose_schema_path, validate_compose
from podgen.load.validator import SUPPORTED_KEYWORDS, Validator
from podgen.load.yamlload import load_documents, plain

PINNED_SHA256 = "1f91e091f16b2dd50ab8860e02bb391d22df553d91c145eacedb1b6eff9c3f0e"


def test_schema_is_the_pinned_draft07_copy_from_check_jsonschema():
    with open(compose_schema_path(), "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    assert digest == PINNED_SHA256, "check-jsonschema's compose-spec.json changed: review and re-pin"
    assert "draft-07" in compose_schema()["$schema"]


def test_every_keyword_in_the_schema_is_supported():
    seen = set()

    def walk(node, in_map=False):
        if isinstance(node, dict):
            for k, v in node.items():
                if in_map:
                    walk(v)
                    continue
                seen.add(k)
                walk(v, in_map=k in ("properties", "patternProperties", "definitions"))
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(compose_schema())
    assert seen <= SUPPORTED_KEYWORDS, seen - SUPPORTED_KEYWORDS


def _corpus_documents():
    if not CORPUS.exists():
        return []
    docs = []
    for path in sorted(CORPUS.rglob("*.y*ml")):
        for doc in load_documents(path.read_text(), str(path)):
            docs.append(doc)
    return docs


def test_agrees_with_jsonschema_on_the_corpus():
    docs = _corpus_documents()
    if not docs:
        pytest.skip("corpus not available")
    ours = Validator(compose_schema())
    theirs = jsonschema.Draft7Validator(compose_schema())
    for doc in docs:
        assert ours.is_valid(doc) == theirs.is_valid(plain(doc))


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.floats(allow_nan=False),
                     st.sampled_from(["80:80", "nginx", "always", "service_healthy", "bridge", "", "x-y",
                                      "CMD", "1s", "bind", "volume", "tcp", "ro"]))
_keys = st.sampled_from(["services", "web", "image", "ports", "networks", "volumes", "depends_on",
                         "condition", "environment", "healthcheck", "test", "restart", "build",
                         "context", "target", "published", "type", "source", "external", "name",
                         "aliases", "ipam", "config", "subnet", "x-ext", "prots", "deploy",
                         "resources", "limits", "memory", "command", "ulimits", "nofile", "soft"])
_docs = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=5)), max_leaves=25)


@settings(max_examples=400, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["services", "networks", "volumes", "name", "x-a", "secrets", "bad"]),
                       _docs, max_size=4))
def test_agrees_with_jsonschema_on_generated_documents(doc):
    ours = Validator(compose_schema())
    theirs = jsonschema.Draft7Validator(compose_schema())
    assert ours.is_valid(doc) == theirs.is_valid(json.loads(json.dumps(doc)))
    if not ours.is_valid(doc):
        assert ours.validate(doc, ("f", 1, 1)), "invalid but no error message"


def test_errors_are_located_and_suggest_a_key():
    doc = load_documents("services:\n  web:\n    image: nginx\n    prots: ['80:80']\n", "c.yml")[0]
    errors, soft = validate_compose(doc, "c.yml")
    assert len(errors) == 1 and not soft
    assert errors[0].pos == ("c.yml", 4, 5)
    assert errors[0].message == "unknown key 'prots' in service 'web'"
    assert errors[0].hint == "did you mean 'ports'?"


def test_wrong_type_points_at_the_value():
    doc = load_documents("services:\n  web:\n    image: nginx\n    ports: 80\n", "c.yml")[0]
    errors, _ = validate_compose(doc, "c.yml")
    assert errors[0].pos == ("c.yml", 4, 12)
    assert "ports must be a list, not a number" in errors[0].message
