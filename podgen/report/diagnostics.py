"""Diagnostics are data: a code, a severity, a message, a place, and maybe a fix.

Formatters (``podgen.report.formatters``) turn them into text, JSON, SARIF or GitHub
annotations; the CLI turns them into an exit status.
"""
from __future__ import annotations

import enum
from typing import NamedTuple

from podgen._record import record


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use info, warning or error)") from None


class Span(NamedTuple):
    """A place in a source file; line and col are 1-based (0 = unknown).

    A named tuple rather than a dataclass: there is one per YAML node, and a tuple is
    built, compared and hashed in C.
    """

    file: str
    line: int = 0
    col: int = 0

    @classmethod
    def of(cls, pos) -> "Span":
        if pos is None:
            return _NOWHERE
        if type(pos) is cls:
            return pos
        return _new_span(cls, pos)

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.col}"


_new_span = tuple.__new__        # (path, line, col) from the YAML loader -> Span, without re-checking
_NOWHERE = Span("", 0, 0)


@record(frozen=True)
class SourceEdit:
    """An edit of the compose file, addressed by the position of a YAML node.

    ``op`` names what to do with the node at ``span`` (see ``podgen.rewrite.edits``):
    ``port_published`` (value: new host port), ``replace`` (value: new scalar),
    ``remove_item``, ``set_key`` (key, value), ``remove_key`` (key).
    """

    span: Span
    op: str
    value: object = None
    key: str | None = None


@record(frozen=True)
class Change:
    """One thing ``convert`` changed in the project, shown as old -> new, and why."""

    service: str
    what: str
    old: str
    new: str
    code: str = ""
    reason: str = ""
    network: str = ""       # the compose network the change is about: noted in its .network unit too

    def describe(self) -> str:
        why = f" ({self.code}: {self.reason})" if self.reason else (f" ({self.code})" if self.code else "")
        return f"{self.what}: {self.old} -> {self.new}{why}"


@record(frozen=True)
class Fix:
    """A repair for a diagnostic.

    ``apply`` mutates the typed project model (what ``convert`` emits);
    ``source_edits`` rewrite the compose file (what ``podgen fix`` writes).
    An unsafe fix (``safe=False``) changes how a service is reached (a macvlan
    network made a bridge, a protocol port remapped): ``convert`` and ``fix``
    apply it only with ``--unsafe-fixes``.  ``todo`` says what the user must
    still do once it is applied.
    """

    title: str
    apply: object = None                    # callable(project) -> list[Change]
    source_edits: tuple = ()
    safe: bool = True
    todo: tuple = ()                        # (service or "", text): what is left to the user after it


@record
class Diagnostic:
    span: Span
    code: str
    severity: Severity
    message: str
    service: str | None = None
    fix: Fix | None = None
    notes: tuple = ()
    name: str = ""
    url: str | None = None
    applied: bool = False   # convert applied its fix

    def as_dict(self) -> dict:
        out = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.label,
            "message": self.message,
            "path": self.span.file,
            "line": self.span.line,
            "column": self.span.col,
        }
        if self.service:
            out["service"] = self.service
        if self.notes:
            out["notes"] = list(self.notes)
        if self.fix is not None:
            out["fix"] = {"title": self.fix.title, "safe": self.fix.safe,
                          "automatic": self.fix.apply is not None}
        return out


def errors_as_diagnostics(errors) -> list:
    """(files of the project, error) pairs -> located PG001/PG002 diagnostics.

    An error without a position (a missing file) is put on the file it names,
    or on the project's first file, so every finding has a path.
    """
    import os

    from podgen.errors import InputError, InputErrors
    out = []
    for group, exc in errors:
        items = exc.errors if isinstance(exc, InputErrors) else [exc]
        for e in items:
            message = getattr(e, "message", str(e))
            if isinstance(e, InputError) and e.pos:
                span = Span.of(e.pos)
            else:
                named = [f for f in group if message.startswith((f"{f}:", f"{os.path.abspath(f)}:",
                                                                  f"{f} ", f"{os.path.abspath(f)} "))]
                span = Span(os.path.abspath(named[0] if named else group[0])) if group else Span("")
                for prefix in (f"{span.file}: ", f"{named[0]}: " if named else None):
                    if prefix and message.startswith(prefix):
                        message = message[len(prefix):]
                        break
            code = getattr(e, "code", "PG001")
            hint = getattr(e, "hint", None)
            notes = tuple(getattr(e, "notes", ())) + ((hint,) if hint else ())
            out.append(Diagnostic(span, code, Severity.ERROR, message, notes=notes,
                                  name="schema-violation" if code == "PG002" else "invalid-input"))
    return out
