"""Rewrite stage: the rules' fixes, applied to the model and to the compose file.

``apply.py``
    ``apply_fixes(project, diagnostics)``: each ``Fix.apply`` repairs the typed
    ``Project`` (``podgen.model``) in place, in rule order, and returns the
    ``Change``s made (``convert`` writes them as comments in the units).
``source.py``, ``edits.py``, ``layout.py``
    ``podgen fix``: ``fix_text(diagnostics, text, path)`` applies the
    findings' ``SourceEdit``s to the compose file through ruamel.yaml's
    round-trip tree (``edits.py``: one operation per edit kind) and keeps the
    file's own layout outside the edited lines (``layout.py``).  In: text and
    diagnostics; out: a ``FixResult`` (new text, what was and was not fixed).

May import: ``podgen.model``, ``podgen.report.diagnostics`` and the base
modules.  Not the rules (fixes arrive inside diagnostics), the targets or the
entry points: ``podgen.api.fix_file`` lints and then calls ``fix_text``.
"""
