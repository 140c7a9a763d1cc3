"""Keep a fixed compose file's layout: only the lines a fix changes may change.

``podgen fix`` edits the file through ruamel.yaml's round-trip tree.  Its dump
keeps comments, key order and quoting, but normalises the rest of the file:
indentation (4-space files become 2-space), spacing inside flow collections,
the ``---`` line, alignment after a key.  So the dump is not written as is:

1. **Splice.** When the edits only changed scalars (a port, an image, a
   path), each changed scalar is replaced in the original text at its
   position, in its quoting style; nothing else moves.
2. **Merge.** When the structure changed (an item removed, a key added), the
   difference between a no-op dump and the edited dump is carried over to the
   original text, so the edited regions take the dump's form and the rest
   stays byte for byte.  The dump is made with the file's own indentation.
3. Each candidate must load to exactly the data of the edited dump;
   otherwise the next one is tried, and in the end the dump itself is used.
"""
from __future__ import annotations

import difflib
import io
import json
import re

_MISSING = object()


def detect_indent(text: str):
    """(mapping, sequence, offset) for ruamel's ``indent()``, read from the file; None if unknown.

    mapping: spaces a nested key is indented by; offset: spaces before ``-``
    relative to the parent key; sequence: spaces from the parent key to the item's text.
    """
    steps: dict = {}
    for m in re.finditer(r"^( *)[^\s#\-][^\n]*?:[ \t]*(?:#[^\n]*)?\n(?:[ \t]*(?:#[^\n]*)?\n)*( *)[^\s#\-]",
                         text, re.M):
        step = len(m.group(2)) - len(m.group(1))
        if step > 0:
            steps[step] = steps.get(step, 0) + 1
    seqs: dict = {}
    for m in re.finditer(r"^( *)[^\s#\-][^\n]*?:[ \t]*(?:#[^\n]*)?\n(?:[ \t]*(?:#[^\n]*)?\n)*( *)-( +)\S",
                         text, re.M):
        offset = len(m.group(2)) - len(m.group(1))
        if offset >= 0:
            key = (offset + 1 + len(m.group(3)), offset)
            seqs[key] = seqs.get(key, 0) + 1
    if not steps and not seqs:
        return None
    mapping = max(steps, key=lambda k: (steps[k], -k)) if steps else 2
    sequence, offset = max(seqs, key=lambda k: (seqs[k], -k[1])) if seqs else (mapping + 2, mapping)
    if sequence < offset + 2:
        sequence = offset + 2
    return mapping, sequence, offset


def _rt_yaml(indent):
    from ruamel.yaml import YAML
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    if indent:
        y.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    else:
        y.indent(mapping=2, sequence=4, offset=2)
    return y


def _data(text: str):
    from ruamel.yaml import YAML
    try:
        return YAML(typ="safe", pure=True).load(text)
    except Exception:  # noqa: BLE001 - a candidate that does not load is simply rejected
        return _MISSING


def preserve(original: str, edited_root, dumped: str, indent=None) -> str:
    """The original text with the edits of *edited_root* (whose dump is *dumped*) applied."""
    if dumped == original:
        return original
    want = _data(dumped)
    if want is _MISSING:
        return dumped
    try:
        spliced = _splice(original, edited_root, indent)
    except Exception:  # noqa: BLE001 - fall back to the merge
        spliced = None
    if spliced is not None and _data(spliced) == want:
        return spliced
    try:
        merged = _merge(original, dumped, indent)
    except Exception:  # noqa: BLE001 - fall back to the dump
        merged = None
    if merged is not None and _data(merged) == want:
        return merged
    return dumped


# --- 1. splicing changed scalars ------------------------------------------------------------------

class _Structural(Exception):
    pass


def _scalar_changes(old, new, parent, key, out: dict):
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    if isinstance(old, CommentedMap) or isinstance(new, CommentedMap):
        if not (isinstance(old, CommentedMap) and isinstance(new, CommentedMap)) or list(old) != list(new):
            raise _Structural
        own_old, own_new = _own_keys(old), _own_keys(new)
        if own_old != own_new:
            raise _Structural
        # keys merged in with <<: are compared where they are written (the anchor), not here
        for k in own_old:
            _scalar_changes(old[k], new[k], old, k, out)
        return
    if isinstance(old, CommentedSeq) or isinstance(new, CommentedSeq):
        if not (isinstance(old, CommentedSeq) and isinstance(new, CommentedSeq)) or len(old) != len(new):
            raise _Structural
        for i, (a, b) in enumerate(zip(old, new)):
            _scalar_changes(a, b, old, i, out)
        return
    if type(old) is type(new) and old == new:
        return
    if parent is None:
        raise _Structural
    try:
        pos = parent.lc.item(key) if isinstance(parent, CommentedSeq) else parent.lc.value(key)
    except (KeyError, TypeError, IndexError, AttributeError):
        raise _Structural from None     # a value merged in with <<: has no place of its own here
    if pos is None:
        raise _Structural
    flow = bool(getattr(parent, "fa", None) and parent.fa.flow_style())
    place = (pos[0], pos[1])
    if place in out and out[place][1] != new:
        raise _Structural
    out[place] = (old, new, flow)


def _own_keys(node) -> list:
    own = getattr(node, "_ok", None)
    return [k for k in node if own is None or k in own]


def _token_end(line: str, col: int, flow: bool):
    """End (exclusive) of the scalar token that starts at line[col]; None when it is not one line."""
    ch = line[col:col + 1]
    if ch == '"':
        i = col + 1
        while i < len(line):
            if line[i] == "\\":
                i += 2
                continue
            if line[i] == '"':
                return i + 1
            i += 1
        return None
    if ch == "'":
        i = col + 1
        while i < len(line):
            if line[i] == "'":
                if line[i + 1:i + 2] == "'":
                    i += 2
                    continue
                return i + 1
            i += 1
        return None
    if ch in ("|", ">", "&", "*", "!", ""):
        return None
    end = len(line.rstrip("\r\n"))
    m = re.search(r"\s#", line[col:end])
    if m:
        end = col + m.start()
    if flow:
        m = re.search(r"[,\]}]", line[col:end])
        if m:
            end = col + m.start()
    while end > col and line[end - 1] in " \t":
        end -= 1
    return end


def _render(old_token: str, new, flow: bool) -> str | None:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString
    if isinstance(new, bool):
        return "true" if new else "false"
    if new is None:
        return "null"
    if isinstance(new, (int, float)) and not isinstance(new, bool):
        return str(new)
    if not isinstance(new, str):
        return None
    if isinstance(new, SingleQuotedScalarString) or (old_token.startswith("'") and
                                                      not isinstance(new, DoubleQuotedScalarString)):
        if "\n" in new:
            return None
        return "'" + new.replace("'", "''") + "'"
    if isinstance(new, DoubleQuotedScalarString) or old_token.startswith('"'):
        return json.dumps(str(new), ensure_ascii=False)
    plain = str(new)
    if _plain_ok(plain, flow):
        return plain
    return json.dumps(plain, ensure_ascii=False)


def _plain_ok(text: str, flow: bool) -> bool:
    if not text or text != text.strip() or "\n" in text or " #" in text or ": " in text or text.endswith(":"):
        return False
    if text[0] in "-?:,[]{}#&*!|>'\"%@`" or (flow and any(c in text for c in ",[]{}")):
        return False
    loaded = _data("x: " + text)
    return loaded is not _MISSING and isinstance(loaded, dict) and loaded.get("x") == text


def _splice(original: str, edited_root, indent) -> str | None:
    old_root = _rt_yaml(indent).load(original)
    changes: dict = {}
    try:
        _scalar_changes(old_root, edited_root, None, None, changes)
    except _Structural:
        return None
    if not changes:
        return original          # the edits changed nothing (the dump only reformatted)
    lines = original.splitlines(True)
    for (line_no, col), (old, new, flow) in sorted(changes.items(), reverse=True):
        if line_no >= len(lines):
            return None
        line = lines[line_no]
        end = _token_end(line, col, flow)
        if end is None:
            return None
        token = line[col:end]
        loaded = _data("x: " + token) if not flow else _data("[" + token + "]")
        if loaded is _MISSING:
            return None
        value = loaded.get("x") if isinstance(loaded, dict) else (loaded[0] if loaded else None)
        if value != old:
            return None          # the token is not the whole scalar (a multi-line one, say)
        rendered = _render(token, new, flow)
        if rendered is None:
            return None
        lines[line_no] = line[:col] + rendered + line[end:]
    return "".join(lines)


# --- 2. merging the dump's changes into the original --------------------------------------------------

def _merge(original: str, dumped: str, indent) -> str | None:
    base = io.StringIO()
    y = _rt_yaml(indent)
    y.dump(y.load(original), base)
    o_lines = original.splitlines(True)
    b_lines = base.getvalue().splitlines(True)
    t_lines = dumped.splitlines(True)
    if o_lines and not o_lines[-1].endswith("\n"):
        o_lines[-1] += "\n"
    # base line -> original line, where the no-op dump kept the line as it was
    b_to_o: dict = {}
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(None, o_lines, b_lines, autojunk=False).get_opcodes():
        # equal lines, and lines the no-op dump only reformatted in place (same count)
        if tag == "equal" or (tag == "replace" and a2 - a1 == b2 - b1):
            for k in range(b2 - b1):
                b_to_o[b1 + k] = a1 + k
    hunks = [(b1, b2, t_lines[t1:t2]) for tag, b1, b2, t1, t2 in
             difflib.SequenceMatcher(None, b_lines, t_lines, autojunk=False).get_opcodes() if tag != "equal"]
    if not hunks:
        return original
    # widen each hunk to base lines that are anchored in the original on both sides
    groups: list = []
    for b1, b2, new in hunks:
        lo = b1 - 1
        while lo >= 0 and lo not in b_to_o:
            lo -= 1
        hi = b2
        while hi < len(b_lines) and hi not in b_to_o:
            hi += 1
        if groups and lo < groups[-1][1]:
            groups[-1][1] = max(groups[-1][1], hi)
            groups[-1][2].append((b1, b2, new))
        else:
            groups.append([lo, hi, [(b1, b2, new)]])
    out: list = []
    o_pos = 0
    for lo, hi, members in groups:
        o_lo = b_to_o[lo] + 1 if lo >= 0 else 0
        o_hi = b_to_o[hi] if hi < len(b_lines) else len(o_lines)
        out.extend(o_lines[o_pos:o_lo])
        b = lo + 1
        for b1, b2, new in members:
            out.extend(b_lines[b:b1])
            out.extend(new)
            b = b2
        out.extend(b_lines[b:hi])
        o_pos = o_hi
    out.extend(o_lines[o_pos:])
    return "".join(out)
