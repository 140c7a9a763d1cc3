"""``podgen fix``: apply the rules' source edits to the compose file itself.

The file is edited through ruamel.yaml's round-trip loader, so comments, key
order, quoting and layout survive.  Edits address YAML nodes by the position
the diagnostics carry (file:line:col), which stays right however the project
was merged or normalised.  A value that uses ``${VAR}`` is never rewritten
(it would lose the variable); that is reported instead.  The exceptions replace
a part the rule names exactly: ``replace_text`` substitutes matching text only,
``bind_source`` replaces a mount's whole source.
"""
from __future__ import annotations

import difflib
import io
import os
from dataclasses import dataclass, field

from podgen.rewrite.edits import OPS, ROOT_OPS, find_key, find_node


@dataclass
class FixResult:
    text: str
    original: str
    messages: list = field(default_factory=list)
    unfixed: list = field(default_factory=list)     # findings still there after the fix (Diagnostic)

    @property
    def changed(self) -> bool:
        return self.text != self.original

    @property
    def diff(self) -> str:
        if not self.changed:
            return ""
        # the path as given (normalised), so that `git apply` / `patch -p1` run from the same directory
        # find a file in a subdirectory
        shown = os.path.normpath(self.path).lstrip("/") if self.path else "compose.yaml"
        return "".join(difflib.unified_diff(self.original.splitlines(True), self.text.splitlines(True),
                                            "a/" + shown, "b/" + shown))

    path: str = ""



# An op written "key:NAME" addresses the mapping entry whose *key* is at the edit's span
# (a service or network by its name), instead of the value there.
KEY_PREFIX = "key:"


def _combine_port_edits(edits):
    """Several port_published edits of one item (a range the model expanded port by port)
    become one edit whose value is the tuple of new ports; -> (edits, {id(combined): originals})."""
    from podgen.report.diagnostics import SourceEdit
    by_place: dict = {}
    for e in edits:
        if e.op == "port_published":
            by_place.setdefault((e.span.file, e.span.line, e.span.col), []).append(e)
    out, members = [], {}
    for e in edits:
        group = by_place.get((e.span.file, e.span.line, e.span.col)) if e.op == "port_published" else None
        if group and len(group) > 1:
            if e is group[0]:
                values = tuple(sorted({int(x.value) for x in group}))
                combined = SourceEdit(e.span, e.op, values, e.key)
                out.append(combined)
                members[id(combined)] = group
            continue
        out.append(e)
    return out, members


def apply_edits(text: str, path: str, edits, failed: dict | None = None) -> tuple[str, list]:
    """The text with *edits* applied, and the problems met (one message each).

    *failed*, if given, receives ``id(edit) -> problem`` for each edit that
    could not be made.  The file's layout is kept outside the edited lines
    (``podgen.rewrite.layout``).
    """
    from podgen.rewrite import layout
    indent = layout.detect_indent(text)
    y = layout._rt_yaml(indent)
    root = y.load(text)
    messages = []
    failed = {} if failed is None else failed
    edits, members = _combine_port_edits(edits)
    # later positions first, so removing list items does not shift the ones still to do
    for edit in sorted(edits, key=lambda e: (e.span.line, e.span.col), reverse=True):
        if edit.op in ROOT_OPS:
            problem = ROOT_OPS[edit.op](root, edit)
            if problem:
                messages.append(f"{path}: {problem}")
                failed[id(edit)] = problem
            continue
        name = edit.op
        locate = find_node
        if name.startswith(KEY_PREFIX):
            name, locate = name[len(KEY_PREFIX):], find_key
        parent, key = locate(root, edit.span.line, edit.span.col)
        if parent is None:
            messages.append(f"{path}:{edit.span.line}:{edit.span.col}: could not locate the value to fix")
            failed[id(edit)] = "could not locate the value to fix"
            continue
        op = OPS.get(name)
        problem = op(parent, key, edit) if op else f"unknown edit {edit.op}"
        if problem:
            messages.append(f"{path}: {problem}")
            failed[id(edit)] = problem
    for combined, originals in members.items():
        if combined in failed:
            for e in originals:
                failed[id(e)] = failed[combined]
    if all(id(e) in failed for e in edits):
        return text, messages
    out = io.StringIO()
    y.dump(root, out)
    return layout.preserve(text, root, out.getvalue(), indent), messages


def fix_text(diagnostics: list, text: str, path: str, unsafe: bool = False) -> FixResult:
    """*text* (the compose file *path*) with the source edits of *diagnostics* applied.

    Unsafe fixes only with *unsafe*; edits in other files are reported, not made.
    """
    abspath = os.path.abspath(path)
    edits = []
    wanted = []        # (diagnostic, its edits in this file)
    messages = []
    unfixed = []
    for d in diagnostics:
        if d.fix is None or not d.fix.source_edits:
            unfixed.append(d)
            continue
        if not d.fix.safe and not unsafe:
            # it changes how a service is reached: only with the user's consent
            unfixed.append(d)
            messages.append(f"not fixed: {d.span.line}:{d.span.col}: {d.code} {d.fix.title} "
                            "(unsafe fix, not applied: run with --unsafe-fixes)")
            continue
        mine = [e for e in d.fix.source_edits if os.path.abspath(e.span.file) == abspath]
        if mine:
            edits.extend(mine)
            wanted.append((d, mine))
        else:
            unfixed.append(d)
            messages.append(f"not fixed: {d.code} at {d.span} is in another file")
    if not edits:
        res = FixResult(text, text, messages, unfixed)
        res.path = path
        return res
    failed: dict = {}
    new_text, problems = apply_edits(text, path, edits, failed)
    for d, mine in wanted:
        why = [failed[id(e)] for e in mine if id(e) in failed]
        if why:
            unfixed.append(d)
            messages.append(f"not fixed: {d.span.line}:{d.span.col}: {d.code} {d.fix.title}: {why[0]}")
        else:
            messages.append(f"fixed: {d.span.line}:{d.span.col}: {d.code} {d.fix.title}"
                            + ("" if d.fix.safe else " (unsafe fix)"))
            messages.extend(f"  todo: {note}" for _service, note in d.fix.todo)
    res = FixResult(new_text, text, messages, unfixed)
    res.path = path
    return res
