"""``podgen fix``: apply the rules' source edits to the compose file itself.

The file is edited through ruamel.yaml's round-trip loader, so comments, key
order, quoting and layout survive.  Edits address YAML nodes by the position
the diagnostics carry (file:line:col), which stays right however the project
was merged or normalised.  A value that uses ``${VAR}`` is never rewritten
(it would lose the variable); that is reported instead.
"""
from __future__ import annotations

import difflib
import io
import os
import re
from dataclasses import dataclass, field

from podgen.errors import OutputError


@dataclass
class FixResult:
    text: str
    original: str
    messages: list = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.text != self.original

    @property
    def diff(self) -> str:
        if not self.changed:
            return ""
        return "".join(difflib.unified_diff(self.original.splitlines(True), self.text.splitlines(True),
                                            "a/" + os.path.basename(self.path), "b/" + os.path.basename(self.path)))

    path: str = ""


def _yaml():
    from ruamel.yaml import YAML
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _detect_indent(text: str):
    """Keep the file's own sequence indentation style ("- " under or beside the key)."""
    m = re.search(r"^( *)[A-Za-z_][\w.-]*:\s*\n( *)- ", text, re.M)
    if m:
        key_indent, dash_indent = len(m.group(1)), len(m.group(2))
        offset = dash_indent - key_indent
        return offset
    return None


def find_node(root, line: int, col: int):
    """(parent, key-or-index) of the node whose value starts at 1-based line:col."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    target = (line - 1, col - 1)
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, CommentedMap):
            for key in node:
                try:
                    pos = node.lc.value(key)
                except (KeyError, TypeError):
                    pos = None
                if pos is not None and tuple(pos) == target:
                    return node, key
                child = node[key]
                if isinstance(child, (CommentedMap, CommentedSeq)):
                    if tuple((child.lc.line, child.lc.col)) == target:
                        return node, key
                    stack.append(child)
        elif isinstance(node, CommentedSeq):
            for i, child in enumerate(node):
                try:
                    pos = node.lc.item(i)
                except (KeyError, TypeError, IndexError):
                    pos = None
                if pos is not None and tuple(pos) == target:
                    return node, i
                if isinstance(child, (CommentedMap, CommentedSeq)):
                    stack.append(child)
    return None, None


def _same_style(old, new_text: str):
    """A new scalar in the quoting style of *old*."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString
    if isinstance(old, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(new_text)
    if isinstance(old, SingleQuotedScalarString):
        return SingleQuotedScalarString(new_text)
    return new_text


def replace_published(spec: str, new: int) -> str | None:
    """``[ip:]HOST:CONTAINER[/proto]`` with HOST replaced; None when there is no host port."""
    body, slash, proto = spec.partition("/")
    if body.startswith("["):
        end = body.find("]")
        head, rest = body[:end + 1], body[end + 1:]
        parts = rest.split(":")
        if len(parts) == 3 and parts[0] == "":
            return f"{head}:{new}:{parts[2]}" + (slash + proto if slash else "")
        return None
    parts = body.split(":")
    if len(parts) == 2:
        parts[0] = str(new)
    elif len(parts) >= 3 and parts[-2] != "":
        parts[-2] = str(new)
    else:
        return None
    return ":".join(parts) + (slash + proto if slash else "")


def _op_port_published(parent, key, edit):
    node = parent[key]
    if isinstance(node, dict):
        old = node.get("published")
        if isinstance(old, str) and "$" in old:
            return f"line {edit.span.line}: published port uses a variable; not rewritten"
        node["published"] = _same_style(old, str(edit.value)) if isinstance(old, str) else int(edit.value)
        return None
    if isinstance(node, str):
        if "$" in node:
            return f"line {edit.span.line}: port {node!r} uses a variable; not rewritten"
        new = replace_published(str(node), int(edit.value))
        if new is None:
            return f"line {edit.span.line}: port {node!r} has no host port to change"
        parent[key] = _same_style(node, new)
        return None
    return f"line {edit.span.line}: cannot rewrite port {node!r}"


def _op_replace(parent, key, edit):
    old = parent[key]
    if isinstance(old, str) and "$" in old:
        return f"line {edit.span.line}: value uses a variable; not rewritten"
    parent[key] = _same_style(old, edit.value) if isinstance(old, str) and isinstance(edit.value, str) \
        else edit.value
    return None


def _op_remove_item(parent, key, edit):
    del parent[key]
    return None


def _op_set_key(parent, key, edit):
    node = parent[key]
    if not isinstance(node, dict):
        return f"line {edit.span.line}: expected a mapping"
    node[edit.key] = edit.value
    return None


def _op_remove_key(parent, key, edit):
    node = parent[key]
    if isinstance(node, dict) and edit.key in node:
        del node[edit.key]
    return None


OPS = {"port_published": _op_port_published, "replace": _op_replace, "remove_item": _op_remove_item,
       "set_key": _op_set_key, "remove_key": _op_remove_key}


def apply_edits(text: str, path: str, edits) -> tuple[str, list]:
    y = _yaml()
    offset = _detect_indent(text)
    if offset is not None:
        y.indent(mapping=2, sequence=offset + 2, offset=offset)
    root = y.load(text)
    messages = []
    # later positions first, so removing list items does not shift the ones still to do
    for edit in sorted(edits, key=lambda e: (e.span.line, e.span.col), reverse=True):
        parent, key = find_node(root, edit.span.line, edit.span.col)
        if parent is None:
            messages.append(f"{path}:{edit.span.line}:{edit.span.col}: could not locate the value to fix")
            continue
        op = OPS.get(edit.op)
        problem = op(parent, key, edit) if op else f"unknown edit {edit.op}"
        if problem:
            messages.append(f"{path}: {problem}")
    out = io.StringIO()
    y.dump(root, out)
    return out.getvalue(), messages


def fix_file(opts, path: str) -> FixResult:
    from podgen import api
    result = api.lint(opts)
    abspath = os.path.abspath(path)
    text = result.loaded.sources.get(abspath)
    if text is None:
        with open(abspath, encoding="utf-8") as fh:
            text = fh.read()
    edits = []
    messages = []
    for d in result.diagnostics:
        if d.fix is None:
            continue
        mine = [e for e in d.fix.source_edits if os.path.abspath(e.span.file) == abspath]
        if mine:
            edits.extend(mine)
            messages.append(f"fixed: {d.span.line}:{d.span.col}: {d.code} {d.fix.title}")
        elif d.fix.source_edits:
            messages.append(f"not fixed: {d.code} at {d.span} is in another file")
    if not edits:
        res = FixResult(text, text, messages)
        res.path = path
        return res
    new_text, problems = apply_edits(text, path, edits)
    res = FixResult(new_text, text, messages + problems)
    res.path = path
    return res


def write_atomic(path: str, text: str):
    directory = os.path.dirname(os.path.abspath(path)) or "."
    import tempfile
    try:
        fd, tmp = tempfile.mkstemp(prefix=".podgen-", dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        except OSError:
            pass
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
