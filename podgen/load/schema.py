"""Validate stage: the official compose-spec JSON schema, errors at file:line:col.

The schema is the copy the ``check-jsonschema`` package maintains
(``check_jsonschema/builtin_schemas/vendor/compose-spec.json``), located
without importing that package.  Importing the ``jsonschema`` library costs
~120 ms, ten times the whole Python start-up, so podgen compiles the schema
into small checking closures instead; ``tests/test_schema.py`` checks this
validator against ``jsonschema.Draft7Validator`` on the corpus and on
generated documents so the two cannot drift apart.
"""
from __future__ import annotations

import json
import os

from podgen.errors import InputError
from podgen.load.validator import Validator

_schema_cache: dict = {}


def compose_schema_path() -> str:
    """Path of check-jsonschema's vendored compose-spec.json (package not imported)."""
    import importlib.util
    spec = importlib.util.find_spec("check_jsonschema")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("the compose-spec schema is missing: the 'check-jsonschema' package "
                         "is not installed", None,
                         hint="reinstall podgen: pip install podgen")
    base = list(spec.submodule_search_locations)[0]
    return os.path.join(base, "builtin_schemas", "vendor", "compose-spec.json")


def compose_schema() -> dict:
    if "compose" not in _schema_cache:
        with open(compose_schema_path(), "rb") as fh:
            _schema_cache["compose"] = json.loads(fh.read())
    return _schema_cache["compose"]


_validator_cache: dict = {}


def compose_validator() -> Validator:
    v = _validator_cache.get("compose")
    if v is None:
        v = _validator_cache["compose"] = Validator(compose_schema())
    return v


def validate_compose(document, path: str, blanked=frozenset()) -> tuple[list, list]:
    """Schema violations of one (interpolated) compose document, located: (errors, soft).

    *soft* are enum/pattern violations by a string that an unset variable made
    empty: Docker Compose 2.26 loads those, so podgen warns instead of failing.
    """
    validator = compose_validator()
    if validator.is_valid(document):
        return [], []
    raw = validator.validate(document, getattr(document, "pos", None) or (path, 1, 1))
    seen = set()
    out, soft = [], []
    for err in sorted(raw, key=lambda e: (e.pos or ("", 0, 0))[1:]):
        ident = (err.message, err.pos)
        if ident in seen:
            continue
        seen.add(ident)
        error = InputError(err.message, err.pos, hint=err.hint, code="PG002")
        (soft if err.kind in ("enum", "pattern") and err.pos in blanked else out).append(error)
    return out, soft
