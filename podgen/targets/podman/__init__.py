"""The Podman target: a typed ``Project`` in, Quadlet units or a shell script out.

``spec.py``
    The lowered form: ``ContainerSpec``/``NetworkSpec``/``VolumeSpec`` in a
    ``ProjectSpec``; an ``Opt`` is one ``podman run`` flag with its Quadlet key.
``lowering.py``
    ``lower(project, target, diagnostics) -> ProjectSpec``: decides *what*
    Podman must do, once, for both outputs.
``keys.py``
    The one table from compose service key to its handler, or to why it is
    not converted (PG701).  Handlers live by concern: ``identity.py`` (image,
    command, environment, labels, user ...), ``networking.py`` (ports,
    networks, DNS, hosts), ``storage.py`` (volumes, tmpfs, secrets, configs),
    ``lifecycle.py`` (health, restart, dependencies, stop), ``resources.py``
    (limits, reservations, devices), ``security.py`` (capabilities,
    privileges, namespaces), ``logs.py`` (the log driver, PG706).
``quadlet.py``, ``script.py``
    *How* to write a ``ProjectSpec``: ``UnitFile``s (``units.py``), or the
    ``ScriptModel`` of a POSIX script; ``render.py`` turns them into text
    through ``templates/``; ``escape.py`` quotes for systemd and the shell.

In: ``podgen.model.Project`` (already repaired by ``podgen.rewrite``) and a
``podgen.target.Target``.  Out: ``GeneratedFile``s and PG7xx diagnostics.
May import: ``podgen.model``, the load stage's value helpers, the rule
registry (for rule names), ``podgen.report.diagnostics`` and the base
modules.  jinja2 is imported by ``render.py`` only (``convert``, never ``lint``).
"""
