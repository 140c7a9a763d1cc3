"""What a rule is: a code, a name, a severity, its documentation and its check.

Codes are a public interface (like ruff's or hadolint's): a code is never
reused for another meaning.  ``PG0xx`` input, ``PG1xx`` published ports,
``PG2xx`` names and DNS, ``PG3xx`` addresses and reachability, ``PG4xx``
network modes and drivers, ``PG5xx`` what a rootless user may not have (resource limits,
mounts), ``PG6xx`` host integration, ``PG7xx`` compose
keys podgen cannot express for the target.
"""
from __future__ import annotations

from dataclasses import field
from typing import Callable

from podgen._record import record
from podgen.report.diagnostics import Diagnostic, Fix, Severity, Span


@record(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    doc: str
    check: Callable | None = None        # check(project, ctx) -> iterable of Diagnostic
    fix: str = "none"                    # none | sometimes | always  (does convert repair it?)
    options: dict = field(default_factory=dict)
    # check_option(name, value) -> None, or (subkeys, expected, got) like config's type check; for
    # options whose values the default's type does not describe (an integer or "host")
    check_option: Callable | None = None
    stage: str = "analysis"              # load | analysis | convert

    @property
    def title(self) -> str:
        return f"{self.code} {self.name}"


class RuleContext:
    """What a check may know besides the project: the target and its options."""

    def __init__(self, rule: Rule, target, options: dict | None = None, all_options: dict | None = None):
        self.rule = rule
        self.target = target
        self._options = dict(rule.options)
        if options:
            self._options.update(options)
        self._all_options = all_options or {}

    def options_of(self, code: str) -> dict:
        """Another rule's effective options (PG102 remaps a privileged range as PG101 would)."""
        from podgen.rules import RULES
        merged = dict(RULES[code].options)
        merged.update(self._all_options.get(code) or {})
        return merged

    def option(self, name: str):
        return self._options[name]

    def diagnostic(self, span, message: str, *, service: str | None = None, fix: Fix | None = None,
                   notes=(), severity: Severity | None = None) -> Diagnostic:
        return Diagnostic(Span.of(span) if not isinstance(span, Span) else span, self.rule.code,
                          severity or self.rule.severity, message, service=service, fix=fix,
                          notes=tuple(notes), name=self.rule.name)
