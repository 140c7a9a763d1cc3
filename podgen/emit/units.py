"""The typed form of a generated file: units are sections of key=value lines.

Values in a ``UnitLine`` are final text (already escaped); comments are raw
text and are made single-line when rendered.
"""
from __future__ import annotations

from dataclasses import field

from podgen._record import record


@record
class UnitLine:
    key: str
    value: str
    comments: list = field(default_factory=list)


@record
class UnitSection:
    name: str
    lines: list = field(default_factory=list)
    comments: list = field(default_factory=list)

    def add(self, key: str, value: str, comments=()):
        self.lines.append(UnitLine(key, value, list(comments)))


@record
class UnitFile:
    filename: str
    header: list = field(default_factory=list)
    sections: list = field(default_factory=list)

    def section(self, name: str) -> UnitSection:
        for s in self.sections:
            if s.name == name:
                return s
        s = UnitSection(name)
        self.sections.append(s)
        return s


@record
class GeneratedFile:
    """Any file podgen writes: a relative name, its text and its mode."""

    name: str
    text: str
    mode: int = 0o644
