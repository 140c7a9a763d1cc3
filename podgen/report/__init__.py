"""Reporting: what a finding is, and how findings are shown.

``diagnostics.py`` is the data every stage produces: ``Span`` (file:line:col),
``Diagnostic`` (code, severity, message, place, fix), ``Fix``, ``SourceEdit``
and ``Change``.  It imports only the base modules, and every stage may import
it (the load stage reports PG002-PG004, rules report the rest, the Podman
target PG7xx).

The presentation modules take finished diagnostics and the rule registry
(``podgen.rules``) and return text: ``formatters.py`` (text, json, sarif,
github), ``suppress.py`` (``# podgen: ignore[...]`` comments),
``docs.py`` (the README's rules table: ``python -m podgen.report.docs``).
They are used by the entry points (``podgen.api``, ``podgen.cli``) only, and
import the rule registry lazily, inside the function that needs it.
"""
