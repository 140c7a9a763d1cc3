"""Targets: what podgen writes for a project, one package per kind of output.

``podman/``
    The typed ``Project`` (``podgen.model``), after the rules' fixes, lowered to
    what Podman must do (``lowering.py``, one module per concern, one table
    from compose key to handler in ``keys.py``), then written as Quadlet units
    (``quadlet.py``) or a POSIX shell script (``script.py``).
``compose/``
    The loaded project written back as a compose file (``podgen config``, the
    shape of ``docker compose config``).

A new target (Kubernetes manifests, ``.build``/``.pod``/``.image`` units,
installation) is a new package here, a peer of ``podman/``: it takes the
``Project`` (or, for a Podman-specific output, the ``ProjectSpec`` that
``podman.lowering.lower`` returns), returns ``GeneratedFile``s and
diagnostics, and is called from ``podgen.api``.  ``kube/`` is the place for
Kubernetes manifests.

May import: the load stage's value types, ``podgen.model``, the rule
registry (rule names for diagnostics), ``podgen.report.diagnostics`` and the
base modules.  Not ``podgen.api`` or ``podgen.cli``.  Importing this package
imports nothing.
"""
