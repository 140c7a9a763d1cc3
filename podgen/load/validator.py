"""A draft-07 JSON Schema validator that compiles a schema into small checking closures.

``Validator(schema).validate(value, pos)`` -> located ``_Error``s (message,
file:line:col, hint); ``is_valid(value)`` checks without building messages.
Only the keywords in ``SUPPORTED_KEYWORDS`` are compiled (the compose-spec
schema uses no others); ``podgen.load.schema`` applies it to compose files,
``podgen.config`` to podgen's own configuration.  Importing the ``jsonschema``
library costs ~120 ms, ten times the whole Python start-up: this module is
why ``lint`` does not.  ``tests/unit/test_schema.py`` checks it against
``jsonschema.Draft7Validator``.
"""
from __future__ import annotations

import re

from podgen.load.yamlload import YMap, YSeq

SUPPORTED_KEYWORDS = frozenset((
    "$schema", "$id", "$ref", "title", "description", "default", "deprecated", "examples",
    "type", "properties", "patternProperties", "additionalProperties", "required",
    "items", "uniqueItems", "enum", "const", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "pattern", "oneOf", "anyOf", "allOf", "not", "minItems", "maxItems",
    "minLength", "maxLength", "minProperties", "maxProperties", "definitions", "format",
))

def _type_ok(expected, value) -> bool:
    t = type(value)
    if isinstance(expected, list):
        return any(_type_ok(e, value) for e in expected)
    if expected == "string":
        return t is str
    if expected == "object":
        return t is YMap or t is dict
    if expected == "array":
        return t is YSeq or t is list
    if expected == "boolean":
        return t is bool
    if expected == "null":
        return value is None
    if expected == "integer":
        return (t is int) or (t is float and value == value and value not in (float("inf"), float("-inf"))
                              and value == int(value))
    if expected == "number":
        return t is int or t is float
    return True


def _type_name(value) -> str:
    t = type(value)
    if value is None:
        return "null"
    if t is bool:
        return "a boolean"
    if t is int or t is float:
        return "a number"
    if t is str:
        return "a string"
    if t is YMap or t is dict:
        return "a mapping"
    if t is YSeq or t is list:
        return "a list"
    return t.__name__


_TYPE_WORDS = {"string": "a string", "object": "a mapping", "array": "a list", "boolean": "a boolean",
               "null": "null", "integer": "an integer", "number": "a number"}


def _expect_words(expected) -> str:
    if isinstance(expected, list):
        words = [_TYPE_WORDS.get(e, e) for e in expected]
        return " or ".join(words)
    return _TYPE_WORDS.get(expected, expected)


def describe_path(path: tuple) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "the document"


class _Error:
    __slots__ = ("message", "pos", "hint", "depth", "kind")

    def __init__(self, message, pos, hint=None, depth=0, kind=""):
        self.message = message
        self.pos = pos
        self.hint = hint
        self.depth = depth
        self.kind = kind


def _unique_key(value):
    if type(value) in (YMap, dict):
        return ("m", tuple(sorted((k, _unique_key(v)) for k, v in value.items())))
    if type(value) in (YSeq, list):
        return ("l", tuple(_unique_key(v) for v in value))
    if type(value) is bool:
        return ("b", value)
    if isinstance(value, (int, float)):
        return ("n", float(value))
    return ("s", value)


class Validator:
    """Compiles a draft-07 schema into closures: check(value, pos, path, errors) -> bool."""

    def __init__(self, schema: dict):
        self.root = schema
        self._compiled: dict = {}
        self._regex: dict = {}

    def validate(self, document, pos) -> list[_Error]:
        errors: list[_Error] = []
        self.compile(self.root)(document, pos, (), errors)
        return errors

    def is_valid(self, document) -> bool:
        return self.compile(self.root)(document, None, (), None)

    def _resolve(self, ref: str) -> dict:
        if not ref.startswith("#/"):
            raise ValueError(f"unsupported $ref {ref}")
        node = self.root
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def _re(self, pattern: str):
        rx = self._regex.get(pattern)
        if rx is None:
            # ECMA-262 (JSON Schema) '$' matches only at the very end; Python's also before a
            # final newline, which let "web\n" pass '^[a-zA-Z0-9._-]+$'
            source = pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith("\\$") else pattern
            rx = self._regex[pattern] = re.compile(source)
        return rx

    def compile(self, schema):
        key = id(schema)
        fn = self._compiled.get(key)
        if fn is not None:
            return fn
        if schema is True or schema == {}:
            def always(value, pos, path, errors):
                return True
            self._compiled[key] = always
            return always
        if schema is False:
            def never(value, pos, path, errors):
                if errors is not None:
                    errors.append(_Error(f"{describe_path(path)} is not allowed", pos))
                return False
            self._compiled[key] = never
            return never
        unknown = set(schema) - SUPPORTED_KEYWORDS
        if unknown:
            raise ValueError(f"schema keyword(s) not supported: {sorted(unknown)}")
        # placeholder for recursive refs
        cell: list = []

        def deferred(value, pos, path, errors):
            return cell[0](value, pos, path, errors)
        self._compiled[key] = deferred
        fn = self._build(schema)
        cell.append(fn)
        self._compiled[key] = fn
        return fn

    def _build(self, schema: dict):
        checks = []
        if "$ref" in schema:
            target = self._resolve(schema["$ref"])
            ref_fn = self.compile(target)
            checks.append(ref_fn)
        checks.extend(self._value_checks(schema))
        checks.extend(_bound_checks(schema))
        if any(k in schema for k in ("properties", "patternProperties", "additionalProperties", "required")):
            checks.append(self._object_check(schema))
        if "items" in schema or "uniqueItems" in schema:
            checks.append(self._array_check(schema))
        if "allOf" in schema:
            subs = [self.compile(s) for s in schema["allOf"]]

            def check_all(value, pos, path, errors, subs=subs):
                ok = True
                for sub in subs:
                    if not sub(value, pos, path, errors):
                        ok = False
                        if errors is None:
                            return False
                return ok
            checks.append(check_all)
        if "anyOf" in schema or "oneOf" in schema:
            checks.append(self._choice_check(schema))
        if "not" in schema:
            sub = self.compile(schema["not"])

            def check_not(value, pos, path, errors, sub=sub):
                if not sub(value, pos, path, None):
                    return True
                if errors is not None:
                    errors.append(_Error(f"{describe_path(path)} has a form that is not allowed",
                                         pos, depth=len(path)))
                return False
            checks.append(check_not)

        if len(checks) == 1:
            return checks[0]

        def check_all_keywords(value, pos, path, errors, checks=tuple(checks)):
            ok = True
            for chk in checks:
                if not chk(value, pos, path, errors):
                    ok = False
                    if errors is None:
                        return False
            return ok
        return check_all_keywords

    def _value_checks(self, schema: dict) -> list:
        """The checks of the value itself: type, enum, const, pattern."""
        checks = []
        expected = schema.get("type")
        if expected is not None:
            # the Python types that always pass (a float passes "integer" only when it is whole)
            exact = frozenset(t for name in (expected if isinstance(expected, list) else [expected])
                              for t in _EXACT_TYPES.get(name, ()))

            def check_type(value, pos, path, errors, expected=expected, exact=exact):
                if type(value) in exact or _type_ok(expected, value):
                    return True
                if errors is not None:
                    errors.append(_Error(
                        f"{describe_path(path)} must be {_expect_words(expected)}, not {_type_name(value)}",
                        pos, hint=_hint(path, expected), depth=len(path)))
                return False
            checks.append(check_type)
        if "enum" in schema:
            allowed = schema["enum"]

            def check_enum(value, pos, path, errors, allowed=allowed):
                if any(value == a and type(value) is type(a) for a in allowed) or (
                        type(value) is not bool and value in allowed):
                    return True
                if errors is not None:
                    import difflib   # only for messages: not on the way of a valid file
                    close = difflib.get_close_matches(str(value), [str(a) for a in allowed], 1, 0.6)
                    errors.append(_Error(
                        f"{describe_path(path)} must be one of {', '.join(repr(a) for a in allowed)}; "
                        f"got {value!r}", pos, hint=f"did you mean {close[0]!r}?" if close else
                        "use one of the values listed",
                        depth=len(path), kind="enum"))
                return False
            checks.append(check_enum)
        if "const" in schema:
            const = schema["const"]

            def check_const(value, pos, path, errors, const=const):
                if value == const:
                    return True
                if errors is not None:
                    errors.append(_Error(f"{describe_path(path)} must be {const!r}", pos, depth=len(path)))
                return False
            checks.append(check_const)
        if "pattern" in schema:
            rx = self._re(schema["pattern"])

            def check_pattern(value, pos, path, errors, rx=rx):
                if type(value) is not str or rx.search(value):
                    return True
                if errors is not None:
                    errors.append(_Error(f"{describe_path(path)} {value!r} does not match "
                                         f"the required pattern {rx.pattern}", pos, depth=len(path),
                                         kind="pattern", hint="change the value so that it has this form"))
                return False
            checks.append(check_pattern)
        return checks

    def _object_check(self, schema):
        props = {k: self.compile(v) for k, v in schema.get("properties", {}).items()}
        patterns = [(self._re(p), self.compile(s)) for p, s in schema.get("patternProperties", {}).items()]
        additional = schema.get("additionalProperties", True)
        additional_fn = None if additional in (True, False) else self.compile(additional)
        required = tuple(schema.get("required", ()))
        known = sorted(props)
        # key -> the patternProperties checks it must pass: keys repeat (every service has an image,
        # most have LOG_LEVEL), so each is matched against the patterns once (up to a bound)
        pattern_hits: dict = {}

        def check_object(value, pos, path, errors):
            if type(value) is not YMap and type(value) is not dict:
                return True
            if errors is None:
                # is_valid (the way of every valid file): no paths or positions, first failure ends it
                for req in required:
                    if req not in value:
                        return False
                for k, v in value.items():
                    sub = props.get(k)
                    if sub is not None and not sub(v, None, None, None):
                        return False
                    hits = pattern_hits.get(k) if patterns else ()
                    if hits is None:
                        hits = tuple([pfn for rx, pfn in patterns if rx.search(k)])
                        if len(pattern_hits) < 4096:
                            pattern_hits[k] = hits
                    for pfn in hits:
                        if not pfn(v, None, None, None):
                            return False
                    if sub is None and not hits and (additional is False or (
                            additional_fn is not None and not additional_fn(v, None, None, None))):
                        return False
                return True
            ok = True
            kpos = getattr(value, "kpos", {})
            vpos = getattr(value, "vpos", {})
            for req in required:
                if req not in value:
                    ok = False
                    if errors is None:
                        return False
                    errors.append(_Error(f"{describe_path(path)} is missing the required key {req!r}",
                                         pos, depth=len(path), hint=f"add '{req}:' here"))
            for k, v in value.items():
                sub = props.get(k)
                matched = sub is not None
                sub_path = path + (k,)
                where = vpos.get(k, pos)
                if sub is not None and not sub(v, where, sub_path, errors):
                    ok = False
                    if errors is None:
                        return False
                for rx, pfn in patterns:
                    if rx.search(k):
                        matched = True
                        if not pfn(v, where, sub_path, errors):
                            ok = False
                            if errors is None:
                                return False
                if matched:
                    continue
                if additional is False:
                    ok = False
                    if errors is None:
                        return False
                    errors.append(_unknown_key(k, path, known, patterns, kpos.get(k, pos)))
                elif additional_fn is not None and not additional_fn(v, where, sub_path, errors):
                    ok = False
                    if errors is None:
                        return False
            return ok
        return check_object

    def _array_check(self, schema):
        items = schema.get("items")
        item_fn = self.compile(items) if isinstance(items, dict) else None
        tuple_fns = [self.compile(s) for s in items] if isinstance(items, list) else None
        unique = schema.get("uniqueItems", False)

        def check_array(value, pos, path, errors):
            if type(value) is not YSeq and type(value) is not list:
                return True
            if errors is None:
                # is_valid: as check_object, no paths or positions
                if item_fn is not None:
                    for item in value:
                        if not item_fn(item, None, None, None):
                            return False
                elif tuple_fns is not None:
                    for fn, item in zip(tuple_fns, value):
                        if not fn(item, None, None, None):
                            return False
                return not (unique and len(value) > 1 and
                            len({_unique_key(item) for item in value}) < len(value))
            ok = True
            ipos = getattr(value, "ipos", ())
            for i, item in enumerate(value):
                fn = item_fn if item_fn is not None else (
                    tuple_fns[i] if tuple_fns is not None and i < len(tuple_fns) else None)
                if fn is not None and not fn(item, ipos[i] if i < len(ipos) else pos, path + (i,), errors):
                    ok = False
                    if errors is None:
                        return False
            if unique and len(value) > 1:
                seen = {}
                for i, item in enumerate(value):
                    k = _unique_key(item)
                    if k in seen:
                        ok = False
                        if errors is None:
                            return False
                        errors.append(_Error(
                            f"{describe_path(path)} has a duplicate item {item!r} "
                            f"(items {seen[k]} and {i} are equal)", ipos[i] if i < len(ipos) else pos,
                            hint="remove the repeated entry", depth=len(path)))
                        break
                    seen[k] = i
            return ok
        return check_array

    def _choice_check(self, schema):
        one = "oneOf" in schema
        branches = schema["oneOf"] if one else schema["anyOf"]
        fns = [self.compile(b) for b in branches]
        types = [self._branch_types(b) for b in branches]
        # Python types each branch can accept (None: any); a branch whose type keyword rules the
        # value out is not run: half of validating a big file went into such branches
        accepts = [_python_types(t) for t in types]
        runnable: dict = {}     # Python type -> the branches that can accept a value of it

        def check_choice(value, pos, path, errors):
            t = type(value)
            if errors is None:
                # is_valid: usually a single branch fits the value's type (string or list, ...)
                fits = runnable.get(t)
                if fits is None:
                    fits = runnable[t] = [fn for fn, ok in zip(fns, accepts) if ok is None or t in ok]
                if not one:
                    return any(fn(value, pos, path, None) for fn in fits)
                if len(fits) == 1:
                    return fits[0](value, pos, path, None)
                return sum(1 for fn in fits if fn(value, pos, path, None)) == 1
            if not one:
                for fn, ok in zip(fns, accepts):
                    if (ok is None or t in ok) and fn(value, pos, path, None):
                        return True
                valid = []
            else:
                valid = [i for i, fn in enumerate(fns)
                         if (accepts[i] is None or t in accepts[i]) and fn(value, pos, path, None)]
            if valid and (not one or len(valid) == 1):
                return True
            if errors is None:
                return False
            if one and len(valid) > 1:
                errors.append(_Error(f"{describe_path(path)} matches more than one allowed form",
                                     pos, depth=len(path)))
                return False
            # explain with the branch whose type fits the value, if exactly one does
            fitting = [i for i, t in enumerate(types) if t is None or any(_type_ok(x, value) for x in t)]
            if len(fitting) == 1:
                fns[fitting[0]](value, pos, path, errors)
                return False
            if fitting:
                candidates = []
                for i in fitting:
                    sub: list = []
                    fns[i](value, pos, path, sub)
                    if sub:
                        candidates.append(sub)
                if candidates:
                    best = max(candidates, key=lambda errs: (max(e.depth for e in errs), -len(errs)))
                    errors.extend(best)
                    return False
            wanted = []
            for t in types:
                for x in (t or []):
                    w = _TYPE_WORDS.get(x, x)
                    if w not in wanted:
                        wanted.append(w)
            errors.append(_Error(f"{describe_path(path)} must be {' or '.join(wanted) or 'valid'}, "
                                 f"not {_type_name(value)}", pos, depth=len(path),
                                 hint=_hint(path, [t for ts in types for t in (ts or [])])))
            return False
        return check_choice

    def _branch_types(self, branch):
        seen = set()
        while "$ref" in branch and "type" not in branch and id(branch) not in seen:
            seen.add(id(branch))
            branch = self._resolve(branch["$ref"])
        t = branch.get("type")
        if t is None:
            if "oneOf" in branch or "anyOf" in branch:
                out = []
                for b in branch.get("oneOf", branch.get("anyOf")):
                    bt = self._branch_types(b)
                    if bt is None:
                        return None
                    out.extend(bt)
                return out
            return None
        return t if isinstance(t, list) else [t]


def _bound_checks(schema: dict) -> list:
    """The checks of bounds: minimum/maximum (exclusive or not) and the sizes of lists, strings
    and mappings."""
    checks = []
    for kw, cmp, word in (("minimum", lambda v, b: v >= b, "at least"),
                          ("maximum", lambda v, b: v <= b, "at most"),
                          ("exclusiveMinimum", lambda v, b: v > b, "more than"),
                          ("exclusiveMaximum", lambda v, b: v < b, "less than")):
        if kw in schema:
            bound = schema[kw]

            def check_bound(value, pos, path, errors, bound=bound, cmp=cmp, word=word):
                if type(value) not in (int, float) or cmp(value, bound):
                    return True
                if errors is not None:
                    errors.append(_Error(f"{describe_path(path)} must be {word} {bound}, got {value}",
                                         pos, depth=len(path)))
                return False
            checks.append(check_bound)
    for kw, attr in (("minItems", "items"), ("maxItems", "items"), ("minLength", "length"),
                     ("maxLength", "length"), ("minProperties", "props"), ("maxProperties", "props")):
        if kw in schema:
            bound = schema[kw]
            is_min = kw.startswith("min")

            def check_size(value, pos, path, errors, bound=bound, is_min=is_min, attr=attr):
                if attr == "items" and type(value) not in (YSeq, list):
                    return True
                if attr == "length" and type(value) is not str:
                    return True
                if attr == "props" and type(value) not in (YMap, dict):
                    return True
                size = len(value)
                if (size >= bound) if is_min else (size <= bound):
                    return True
                if errors is not None:
                    errors.append(_Error(f"{describe_path(path)} must have "
                                         f"{'at least' if is_min else 'at most'} {bound} "
                                         f"{'items' if attr != 'length' else 'characters'}",
                                         pos, depth=len(path)))
                return False
            checks.append(check_size)
    return checks


_EXACT_TYPES = {"string": (str,), "object": (YMap, dict), "array": (YSeq, list), "boolean": (bool,),
                "null": (type(None),), "integer": (int,), "number": (int, float)}
_PYTHON_TYPES = {"string": (str,), "object": (YMap, dict), "array": (YSeq, list), "boolean": (bool,),
                 "null": (type(None),), "integer": (int, float), "number": (int, float)}


def _python_types(types) -> frozenset | None:
    """The Python types that can pass ``_type_ok`` for one of *types* (None: no limit)."""
    if types is None:
        return None
    out = set()
    for name in types:
        if name not in _PYTHON_TYPES:
            return None
        out.update(_PYTHON_TYPES[name])
    return frozenset(out)


def _unknown_key(key, path, known, patterns, pos) -> _Error:
    where = describe_path(path)
    import difflib
    close = difflib.get_close_matches(key, known, 1, 0.7)
    hint = None
    if close:
        hint = f"did you mean {close[0]!r}?"
    elif any(rx.pattern == "^x-" for rx, _ in patterns):
        hint = "remove it, or check its spelling; custom keys must start with 'x-'"
    elif known:
        hint = "remove it, or check its spelling and indentation"
    owner = f"in {where}" if path else "at the top level"
    if len(path) == 2 and path[0] == "services":
        owner = f"in service {path[1]!r}"
    names = [rx.pattern.replace("\\Z", "$") for rx, _ in patterns if rx.pattern != "^x-"]
    if not known and names:     # a mapping of names (services, networks, ...): the name is malformed
        return _Error(f"invalid name {key!r} {owner}", pos, depth=len(path) + 1,
                      hint=f"names here must match {names[0]}: letters, digits, '.', '_', '-'"
                      if names[0] == "^[a-zA-Z0-9._-]+$" else f"names here must match {names[0]}")
    return _Error(f"unknown key {key!r} {owner}", pos, hint=hint, depth=len(path) + 1)


def _hint(path: tuple, expected) -> str | None:
    """``hints.type_hint``, imported only when a message is written (not on the way of a valid file)."""
    from podgen.load.hints import type_hint
    return type_hint(path, expected)
