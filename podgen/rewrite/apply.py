"""Applying the rules' fixes to the model (``convert``, and ``lint``'s look at what convert makes).

Each ``Diagnostic`` may carry a ``Fix`` whose ``apply(project)`` repairs the
typed ``Project`` in place and returns the ``Change``s it made; this module
runs them in rule order.  The compose file itself is edited by ``source.py``.
"""
from __future__ import annotations


def apply_fixes(project, diags: list, *, copy: bool = True, unsafe: bool = False, mark: bool = True):
    """Apply every automatic fix to a copy of the project (or, ``copy=False``, to the project
    itself); return it and the changes.

    Unsafe fixes (``Fix.safe`` False: they change how a service is reached) are applied only
    with *unsafe*.  With *mark* each diagnostic whose fix made a change is marked ``applied``.
    """
    fixed = project.clone() if copy else project
    changes = []
    # in rule order, not file order: a fix may build on an earlier rule's (PG202 adds a link
    # alias on the project network that PG201 has just put both services on)
    for d in sorted(diags, key=lambda d: d.code):
        if d.fix is not None and d.fix.apply is not None and (d.fix.safe or unsafe):
            made = d.fix.apply(fixed) or []
            changes.extend(made)
            if made and mark:
                d.applied = True
    return fixed, changes


def unsafe_skipped(diags: list) -> list:
    """The findings whose (unsafe) automatic fix was not applied."""
    return [d for d in diags if d.fix is not None and d.fix.apply is not None and not d.fix.safe
            and not d.applied]
