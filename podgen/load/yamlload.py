"""Load stage: YAML text -> plain Python values that remember where they came from.

The C event parser of ``ruamel.yaml.clib`` (libyaml) does the scanning; this
module composes its event stream itself, iteratively, so that it can

* resolve plain scalars the way Docker Compose (go-yaml v3) does,
* keep ``file:line:col`` for every key and value (``YMap.kpos``/``vpos``,
  ``YSeq.ipos``),
* reject duplicate keys, apply ``<<`` merge keys, and
* bound depth, node count and alias expansion ("billion laughs") so hostile
  input fails fast with a clear message instead of eating the machine.

Positions are ``(path, line, col)`` tuples, 1-based like yamllint and flake8.
"""
from __future__ import annotations

import re

from podgen.errors import InputError
from podgen.load.scalars import MERGE_TAGS, NUMBER_START, PLAIN_WORDS, resolve_plain, resolve_tagged

# Resource bounds: hostile input fails fast with a clear error instead of eating the machine.
# A 10,000-service project of ~3 MB is ~250k nodes; a dense one (bench/gen.py 10000) 6.6 MiB, 580k nodes.
MAX_BYTES = 16 * 1024 * 1024        # per file (compose file, .env, env_file)
MAX_DEPTH = 64                      # nesting of mappings and sequences
MAX_NODES = 1_000_000               # composed nodes per file, alias copies included (~2.5 s to parse)
MAX_TEXT = 2 * MAX_BYTES            # characters of scalar text per file, alias copies included
MAX_DOCUMENTS = 1000                # YAML documents (---) per file
MAX_SCALAR = 1024 * 1024            # one value: Linux passes at most 128 KiB in one program argument
# libyaml rejects a few YAML 1.2 forms ([a:b]); the pure-Python parser that accepts them
# runs at ~2.5 s/MiB, so it only gets a second look at files up to this size.
PURE_FALLBACK_BYTES = 2 * 1024 * 1024

Pos = tuple  # (path, line, col)


class YMap(dict):
    """A mapping that knows the position of each key and each value.

    ``tags`` (unset unless the file uses them; read with ``getattr(m, "tags", None)``)
    holds Compose's merge tags of its values, key -> ``"reset"`` or ``"override"``;
    on a document's top mapping it is set (maybe empty) when the document uses a
    merge tag anywhere (see ``podgen.load.merge.take_merge_tags``).
    """

    __slots__ = ("kpos", "vpos", "pos", "tags")

    def __init__(self, *args):
        if args:    # most maps start empty (one per mapping in the file): no call to dict.__init__
            super().__init__(*args)
        self.kpos = {}
        self.vpos = {}
        self.pos = None


class YSeq(list):
    """A sequence that knows the position of each item."""

    __slots__ = ("ipos", "pos")

    def __init__(self, *args):
        if args:
            super().__init__(*args)
        self.ipos = []
        self.pos = None


def new_map(pos) -> YMap:
    # YMap() without its __init__: one Python call less for each of the ~15 maps per service
    m = _new_dict(YMap)
    m.kpos = {}
    m.vpos = {}
    m.pos = pos
    return m


def new_seq(pos) -> YSeq:
    s = _new_list(YSeq)
    s.ipos = []
    s.pos = pos
    return s


_new_dict, _new_list = dict.__new__, list.__new__


def put(m: YMap, key, value, kpos, vpos=None):
    m[key] = value
    m.kpos[key] = kpos
    m.vpos[key] = vpos if vpos is not None else kpos



# --- scalar resolution (go-yaml v3 semantics) -------------------------------

def decode_bytes(data: bytes, path: str, kind: str = "compose file") -> str:
    """Bytes -> text, refusing binary and non-UTF-8 input with a located error.

    *data* may be cut at ``MAX_BYTES + 1`` by the caller: a longer file is refused.
    """
    if len(data) > MAX_BYTES:
        raise InputError(
            f"file is larger than {MAX_BYTES // (1024 * 1024)} MiB, the most podgen reads "
            f"for {_a(kind)}", (path, 1, 1),
            hint="split the project into several files or check that this is the right file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"file is UTF-16 encoded; {_a(kind)} must be UTF-8", (path, 1, 1),
                         hint="convert it, e.g. with: iconv -f UTF-16 -t UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _offset_to_line_col(data, nul)
        raise InputError(f"file contains a NUL byte: this looks like a binary file, not {_a(kind)}",
                         (path, line, col), hint=f"check that the path names {_a(kind)}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _offset_to_line_col(data, exc.start)
        raise InputError(f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x})",
                         (path, line, col),
                         hint="save the file as UTF-8, e.g. with: iconv -f LATIN1 -t UTF-8") from None


def _a(noun: str) -> str:
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _offset_to_line_col(data, offset: int) -> tuple[int, int]:
    line = data.count(b"\n" if isinstance(data, bytes) else "\n", 0, offset) + 1
    nl = data.rfind(b"\n" if isinstance(data, bytes) else "\n", 0, offset)
    return line, offset - nl


# --- the composer --------------------------------------------------------------

def _c_events(text: str):
    """libyaml's event parser (fast); None when ruamel.yaml.clib is not installed."""
    try:
        from ruamel.yaml.cyaml import CParser
    except ImportError:  # pragma: no cover - exercised only without ruamel.yaml.clib
        return None
    return CParser(text).get_event


def _pure_events(text: str):
    """ruamel.yaml's pure-Python parser: YAML 1.2 like go-yaml (e.g. ``[a:b]`` in flow)."""
    from ruamel.yaml.main import YAML
    return YAML(typ="safe", pure=True).parse(text).__next__


def _yaml_error(exc, path: str, text: str) -> InputError:
    """Turn a ruamel/libyaml exception into a located InputError."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is not None and problem:
        line, col = mark.line + 1, mark.column + 1
        context = getattr(exc, "context", None)
        cmark = getattr(exc, "context_mark", None)
        msg = f"YAML syntax error: {problem}"
        notes = []
        if context and cmark is not None:
            notes.append(f"{context} started at line {cmark.line + 1}, column {cmark.column + 1}")
        hint = _syntax_hint(problem, text, line)
        return InputError(msg, (path, line, col), hint=hint, notes=tuple(notes))
    position = getattr(exc, "position", None)
    if position is not None:  # ReaderError: bad character
        line, col = _offset_to_line_col(text, position)
        char = getattr(exc, "character", "")
        code = ord(char) if isinstance(char, str) and char else char
        return InputError(f"YAML does not allow the control character #x{code:04x} here",
                          (path, line, col), hint="remove the character or quote the value")
    return InputError(f"YAML error: {exc}", (path, 1, 1), hint="fix the YAML syntax of the file")


def _syntax_hint(problem: str, text: str, line: int) -> str:
    if "cannot start any token" in problem:
        lines = text.splitlines()
        if 0 < line <= len(lines) and "\t" in lines[line - 1][: len(lines[line - 1]) - len(lines[line - 1].lstrip())]:
            return "YAML indentation must use spaces, not tabs"
        return "quote the value if it starts with a special character such as @ ` % or |"
    if "mapping values are not allowed" in problem:
        return "a value containing ': ' must be quoted, or the indentation is wrong"
    if "expected <block end>" in problem or "did not find expected key" in problem:
        return "check the indentation of this line against the lines above"
    if "found unexpected end of stream" in problem:
        return "a quote or bracket opened earlier is never closed"
    return "fix the YAML syntax at this position"


class _Budget:
    __slots__ = ("left", "text_left", "path")

    def __init__(self, path: str):
        self.left = MAX_NODES
        self.text_left = MAX_TEXT
        self.path = path

    def spend(self, n: int, pos):
        self.left -= n
        if self.left < 0:
            raise self.too_many_nodes(pos)

    def too_many_nodes(self, pos) -> InputError:
        return InputError(
            f"document expands to more than {MAX_NODES:,} nodes", pos,
            hint="this usually means YAML aliases that refer to each other many times "
                 "(an 'alias bomb'); podgen stops instead of expanding them")

    def spend_text(self, n: int, pos):
        self.text_left -= n
        if self.text_left < 0:
            raise InputError(
                f"document expands to more than {MAX_TEXT // (1024 * 1024)} MiB of text", pos,
                hint="a long value is repeated through YAML aliases many times; podgen stops "
                     "instead of expanding it")


def _copy(value, budget: _Budget, pos):
    """Deep copy of a composed value (an alias use), charged to the budget."""
    if type(value) is YMap:
        budget.spend(len(value) + 1, pos)
        out = YMap()
        out.pos = value.pos
        out.kpos = dict(value.kpos)
        out.vpos = dict(value.vpos)
        for k, v in value.items():
            tv = type(v)
            if tv is YMap or tv is YSeq:
                v = _copy(v, budget, pos)
            elif tv is str:
                budget.spend_text(len(v), pos)
            out[k] = v
        return out
    if type(value) is YSeq:
        budget.spend(len(value) + 1, pos)
        out = YSeq()
        out.pos = value.pos
        out.ipos = list(value.ipos)
        for v in value:
            tv = type(v)
            if tv is YMap or tv is YSeq:
                v = _copy(v, budget, pos)
            elif tv is str:
                budget.spend_text(len(v), pos)
            out.append(v)
        return out
    return value


def load_documents(text: str, path: str) -> list:
    """Compose every YAML document in *text*; return their values (YMap/YSeq/scalars).

    libyaml parses YAML 1.1 and rejects a few YAML 1.2 forms that Docker Compose
    accepts (``[a:b]``); on a syntax error the pure-Python YAML 1.2 parser decides.
    """
    fast = _c_events(text)
    if fast is not None:
        try:
            return _compose(text, path, fast)
        except _SyntaxFailure as failure:
            # only ':' inside a flow collection is YAML 1.2 that libyaml refuses; anything
            # else is a real syntax error, reported without a slow second parse
            if failure.problem != "found unexpected ':'":
                raise failure.error from None
            if len(text) > PURE_FALLBACK_BYTES:
                error = failure.error
                error.hint = ("quote the value, e.g. [\"a:b\"] (this file is too large for "
                              "podgen's YAML 1.2 parser, which accepts unquoted ':' in [...] and {...})")
                raise error from None
    try:
        return _compose(text, path, _pure_events(text))
    except _SyntaxFailure as failure:
        raise failure.error from None


class _SyntaxFailure(Exception):
    def __init__(self, error: InputError, problem: str | None = None):
        super().__init__(error.message)
        self.error = error
        self.problem = problem


def _compose(text: str, path: str, get_event) -> list:
    """Compose the event stream of *text* into ``YMap``/``YSeq``/scalars, one list item per document.

    One loop over the events, with the open container's state (its key, its
    position lists, the merge keys met) in local variables; budget checks,
    merge keys, tags and duplicate keys are handled inline.

    Profile: this is the hot path of loading.  A 1,000-service convert spends
    ~16 % of its time composing YAML (a fifth of all instructions is turning
    libyaml's events into Python objects; cProfile shares and valgrind
    instruction counts, bench/README.md "What the profiles showed").  Split
    into a function per event kind it made a Python call per node and a
    ``__init__`` call per mapping; as one loop it is kept whole, ~200 lines,
    on purpose.
    """
    import ruamel.yaml.events as ev
    ScalarEvent, AliasEvent = ev.ScalarEvent, ev.AliasEvent
    MappingStartEvent, MappingEndEvent = ev.MappingStartEvent, ev.MappingEndEvent
    SequenceStartEvent, SequenceEndEvent = ev.SequenceStartEvent, ev.SequenceEndEvent
    DocumentStartEvent, DocumentEndEvent = ev.DocumentStartEvent, ev.DocumentEndEvent
    StreamEndEvent = ev.StreamEndEvent

    try:
        from ruamel.yaml.error import YAMLError
    except ImportError:  # pragma: no cover
        YAMLError = Exception

    # One pass per event of a file of up to a million nodes: the state of the innermost open
    # container lives in locals (its parent's state is pushed on `stack`) and every finished
    # value is attached by the one block at the end of the loop, without a call per node.
    new_dict, new_list = dict.__new__, list.__new__
    budget = _Budget(path)
    left = budget.left            # nodes still allowed; written back around _copy
    documents = []
    anchors: dict = {}
    stack: list = []              # the enclosing containers' states, as pushed below
    top = None                    # the innermost open container; None at document level
    in_map = False                # top is a YMap
    key = _NO_KEY                 # in a mapping: the key waiting for its value
    kpos = None
    merge_key = False             # that key is a plain '<<' (a merge, not a key named "<<")
    anchor = None                 # top's anchor, registered when top is complete
    merges = None                 # top's '<<' values: [(value, pos)]
    root = None
    root_set = False
    value_tag = None              # the merge tag (!reset / !override) of the value being attached
    collection_tags: dict = {}    # id(open collection) -> its merge tag
    doc_tagged = False            # this document uses a merge tag

    try:
        while True:
            event = get_event()
            etype = type(event)
            if etype is ScalarEvent:
                mark = event.start_mark
                pos = (path, mark.line + 1, mark.column + 1)
                left -= 1
                if left < 0:
                    raise budget.too_many_nodes(pos)
                value = event.value
                if len(value) > MAX_SCALAR:
                    raise InputError(f"a value of {len(value) // 1024:,} KiB: podgen reads values up to "
                                     f"{MAX_SCALAR // 1024:,} KiB", pos,
                                     hint="no program argument or environment variable can be that long "
                                          "(Linux allows 128 KiB); check that this is the right file")
                style = event.style
                if style == '"' and _BAD_CHARS.search(value):
                    raise _bad_char_error(value, pos)
                if in_map and key is _NO_KEY:
                    # keys stay text, whatever they look like (go: map[string]any)
                    if event.anchor:
                        anchors[event.anchor] = value
                    key, kpos = value, pos
                    merge_key = value == "<<" and event.implicit[0] and style in ("", None)
                    continue
                if event.implicit[0] and style in ("", None):
                    # a plain scalar without a tag (the parsers set implicit[0] only then, or for "!");
                    # most are words: only these few can resolve to something else
                    if not value or value[0] in NUMBER_START or value in PLAIN_WORDS:
                        value = resolve_plain(value) if value else None
                elif not event.implicit[1]:
                    # quoted (implicit[1]) means untagged too: most non-plain scalars are, and
                    # then the tag property is not asked for
                    tag = event.tag
                    if tag in MERGE_TAGS:
                        value_tag = tag
                        if style in ("", None):
                            value = resolve_plain(value) if value else None
                    elif not (tag is None or tag == "!"):
                        value = resolve_tagged(tag, value, pos)
                if event.anchor:
                    anchors[event.anchor] = value
            elif etype is MappingStartEvent or etype is SequenceStartEvent:
                mark = event.start_mark
                pos = (path, mark.line + 1, mark.column + 1)
                left -= 1
                if left < 0:
                    raise budget.too_many_nodes(pos)
                if len(stack) >= MAX_DEPTH:
                    raise InputError(f"document is nested more than {MAX_DEPTH} levels deep", pos,
                                     hint="compose files are only a few levels deep; check the file")
                # both parsers set implicit exactly when the collection has no tag: only a
                # tagged one asks for the tag (a property)
                tag = None if event.implicit else event.tag
                if tag is not None and tag not in ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "!") \
                        and tag not in MERGE_TAGS:
                    raise InputError(f"unsupported YAML tag {tag}", pos,
                                     hint="Compose files use plain YAML (and !reset / !override); "
                                          "remove the tag")
                if in_map and key is _NO_KEY:
                    raise InputError("mapping keys must be plain strings, not mappings or lists", pos,
                                     hint="compose keys are names; quote the key if it is meant as text")
                stack.append((top, in_map, key, kpos, merge_key, anchor, merges))
                in_map = etype is MappingStartEvent
                # YMap()/YSeq() without their __init__ (a Python call per collection)
                if in_map:
                    top = new_dict(YMap)
                    top.kpos = {}
                    top.vpos = {}
                else:
                    top = new_list(YSeq)
                    top.ipos = []
                top.pos = pos
                key, anchor, merges = _NO_KEY, event.anchor, None
                if tag in MERGE_TAGS:
                    collection_tags[id(top)] = tag      # taken again when the collection ends
                continue
            elif etype is MappingEndEvent or etype is SequenceEndEvent:
                value, pos = top, top.pos
                if merges:
                    _apply_merges(value, merges, budget)
                if anchor:
                    anchors[anchor] = value
                if collection_tags:
                    value_tag = collection_tags.pop(id(value), None)
                top, in_map, key, kpos, merge_key, anchor, merges = stack.pop()
            elif etype is AliasEvent:
                mark = event.start_mark
                pos = (path, mark.line + 1, mark.column + 1)
                if event.anchor not in anchors:
                    raise InputError(f"unknown YAML alias *{event.anchor}", pos,
                                     hint="define the anchor (&name) before using it")
                value = anchors[event.anchor]
                if in_map and key is _NO_KEY:
                    if type(value) in (YMap, YSeq):
                        raise InputError("mapping keys must be plain strings, not mappings or lists", pos,
                                         hint="the alias used as a key names a mapping or a list")
                    key, kpos, merge_key = str(value), pos, False
                    continue
                if type(value) in (YMap, YSeq):
                    budget.left = left
                    value = _copy(value, budget, pos)
                    left = budget.left
                else:
                    left -= 1
                    if left < 0:
                        raise budget.too_many_nodes(pos)
                    if type(value) is str:
                        budget.spend_text(len(value), pos)
            elif etype is DocumentStartEvent:
                if len(documents) >= MAX_DOCUMENTS:
                    mark = event.start_mark
                    raise InputError(f"file holds more than {MAX_DOCUMENTS:,} YAML documents",
                                     (path, mark.line + 1, mark.column + 1),
                                     hint="a compose file is one document (or a few, separated by ---)")
                root, root_set = None, False
                anchors = {}
                continue
            elif etype is DocumentEndEvent:
                if doc_tagged and type(root) is YMap and getattr(root, "tags", None) is None:
                    root.tags = {}          # the document uses merge tags somewhere
                doc_tagged = False
                documents.append(root if root_set else None)
                continue
            elif etype is StreamEndEvent:
                break
            else:
                continue
            # a finished value (scalar, alias or container) at pos: attach it to top
            if value_tag is not None:
                tag, value_tag = value_tag[1:], None
                if top is not None and in_map and not merge_key:
                    tags = getattr(top, "tags", None)
                    if tags is None:
                        tags = top.tags = {}
                    tags[key] = tag
                    doc_tagged = True
                elif top is not None and not in_map and tag == "reset":
                    continue                # a reset list item is dropped, as compose-go does
            if top is None:
                root, root_set = value, True
            elif not in_map:
                top.append(value)
                top.ipos.append(pos)
            elif merge_key and key == "<<":
                if merges is None:
                    merges = []
                merges.append((value, pos))
                key = _NO_KEY
            elif key in top:
                first = top.kpos[key]
                raise InputError(f"duplicate key {key!r} (first defined at line {first[1]}, column {first[2]})",
                                 kpos, hint="remove one of the two entries; YAML keys must be unique")
            else:
                top[key] = value
                top.kpos[key] = kpos
                top.vpos[key] = pos
                key = _NO_KEY
    except InputError:
        raise
    except RecursionError:
        raise InputError("document is nested too deeply", (path, 1, 1)) from None
    except YAMLError as exc:
        raise _SyntaxFailure(_yaml_error(exc, path, text), getattr(exc, "problem", None)) from None
    except StopIteration:
        pass
    return documents


# Characters a double-quoted YAML escape can produce that no program argument, environment
# variable or UTF-8 file can hold: NUL ("\0", "\x00") and lone UTF-16 surrogates ("\ud800").
_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


def _bad_char_error(text: str, pos) -> InputError:
    ch = _BAD_CHARS.search(text).group(0)
    if ch == "\x00":
        return InputError("a NUL character (\\0) cannot be part of a compose value: no program "
                          "argument, environment variable or file name can hold it", pos,
                          hint="remove the \\0 or \\x00 escape from the quoted string")
    return InputError(f"the escape \\u{ord(ch):04x} is half of a UTF-16 surrogate pair, not a "
                      "character", pos, hint="write the character itself, or its \\U00XXXXXX escape")


class _NoKey:
    __slots__ = ()

    def __repr__(self):
        return "<no key>"


_NO_KEY = _NoKey()


def _apply_merges(container, merges, budget):  # noqa: ARG001
    """Apply ``<<`` merge keys: explicit keys win; earlier merged maps win over later."""
    if type(container) is not YMap:
        return
    sources = []
    for value, pos in merges:
        if type(value) is YMap:
            sources.append(value)
        elif type(value) is YSeq:
            for i, item in enumerate(value):
                if type(item) is not YMap:
                    raise InputError("a '<<' merge list may only contain mappings",
                                     value.ipos[i] if i < len(value.ipos) else pos,
                                     hint="use '<<: [*a, *b]' where each anchor names a mapping")
                sources.append(item)
        else:
            raise InputError("the value of '<<' must be a mapping or a list of mappings", pos,
                             hint="use '<<: *anchor' where the anchor names a mapping")
    for source in sources:
        for key, value in source.items():
            if key in container:
                continue
            container[key] = value  # merge sources are fresh copies already
            container.kpos[key] = source.kpos.get(key, source.pos)
            container.vpos[key] = source.vpos.get(key, source.pos)


def load_file_text(text: str, path: str) -> list:
    return load_documents(text, path)


def plain(value):
    """Strip position bookkeeping: YMap/YSeq -> dict/list (for JSON output)."""
    if type(value) is YMap:
        return {k: plain(v) for k, v in value.items()}
    if type(value) is YSeq:
        return [plain(v) for v in value]
    return value
