"""Errors that stop podgen, and the exit codes the CLI maps them to.

Exit codes (documented in the README and ``podgen --help``):
  0  success / no findings at or above the threshold
  1  ``lint``: findings at or above ``--fail-on``; ``convert --check``: stale output
  2  usage error or bad input (the file cannot be loaded, validated or converted)
  3  internal error (a bug in podgen: a short report is printed, never a traceback)
"""
from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT = 2
EXIT_INTERNAL = 3


class PodgenError(Exception):
    """Base class for errors podgen reports to the user."""

    exit_code = EXIT_INPUT


class InputError(PodgenError):
    """Something in the user's files is wrong; carries where and what to do.

    ``pos`` is ``(path, line, col)`` (1-based) or None when no place applies.
    """

    def __init__(self, message: str, pos=None, *, hint: str | None = None,
                 notes: tuple = (), code: str = "PG001"):
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.hint = hint
        self.notes = tuple(notes)
        self.code = code

    def render(self) -> str:
        where = ""
        if self.pos:
            path, line, col = self.pos
            where = f"{path}:{line}:{col}: " if line else f"{path}: "
        out = [f"{where}error: {self.message}"]
        out.extend(f"  note: {n}" for n in self.notes)
        if self.hint:
            out.append(f"  help: {self.hint}")
        return "\n".join(out)


class InputErrors(PodgenError):
    """Several located input errors found in one pass (e.g. schema violations)."""

    def __init__(self, errors: list[InputError]):
        super().__init__(errors[0].message if errors else "invalid input")
        self.errors = errors

    def render(self) -> str:
        return "\n".join(e.render() for e in self.errors)


class OutputError(PodgenError):
    """The output cannot be written where asked (exists, not a directory, not writable)."""

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        out = f"error: {self.message}"
        if self.hint:
            out += f"\n  help: {self.hint}"
        return out


class UsageError(PodgenError):
    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        out = f"error: {self.message}"
        if self.hint:
            out += f"\n  help: {self.hint}"
        return out


def did_you_mean(name: str, choices) -> str | None:
    """A hint for a name that is not among *choices*: the closest one, else the first few."""
    import difflib
    close = difflib.get_close_matches(name, list(choices), 1, 0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    names = ", ".join(list(choices)[:10])
    return f"defined: {names}" if names else None
