"""The typed form of a generated file: units are sections of key=value lines.

Values in a ``UnitLine`` are final text (already escaped); comments are raw
text and are made single-line when rendered.

A line added without comments is joined to the line before it: that line's
value goes on with ``\nKey=value``.  ``unit.j2`` writes each line as its
comments and then ``key=value``, so the text is the same, but the template runs
once per run of lines instead of once per line (rendering the lines one by one
was a tenth of a 10,000-service convert).  A joined line is not one key=value
pair any more: nothing reads a section's lines except the template.
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
        lines = self.lines
        # values never hold a line break (escape.py), so each joined line stays one line; a run
        # stops growing at 4 KiB, so that a service with 100,000 variables is not quadratic
        if comments or not lines or len(lines[-1].value) > 4096:
            lines.append(UnitLine(key, value, list(comments)))
        else:
            last = lines[-1]
            last.value = f"{last.value}\n{key}={value}"


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
    """Any file podgen writes: a relative name, its text and its mode.

    ``mode`` is the most the file may get: the umask takes from it (0o666 -> 0644 under umask
    022, 0600 under 077).  A ``private`` file carries environment values (passwords from .env,
    env_file, environment:): it gets no group or other bits at all (0600, a script 0700).
    """

    name: str
    text: str
    mode: int = 0o666
    private: bool = False
