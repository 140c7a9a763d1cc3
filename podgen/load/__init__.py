"""Load stage: compose text in, a ``LoadedProject`` out.

``load_project(ProjectOptions)`` (``project.py``) finds the files (``-f``,
``COMPOSE_FILE`` or discovery), reads ``.env``/``--env-file``, and for each
file: YAML with positions and limits (``yamlload.py``; scalars as go-yaml
reads them: ``scalars.py``) -> interpolation (``interpolate.py``,
``envfile.py``) -> schema validation (``schema.py`` with ``validator.py`` and
``hints.py``) -> short to long syntax (``normalize.py``, ``shortforms.py``) ->
``extends`` and ``include`` (``extends.py``) -> merge (``merge.py``) ->
profiles, names, ``env_file``, references (``finish.py``).

Out: ``LoadedProject`` -- the ``docker compose config`` shape as ``YMap``/``YSeq``
(dicts and lists that know ``file:line:col``), the sources, the environment
and the load-time diagnostics (PG002-PG004).  Hostile input fails with an
``InputError`` at a position, never a traceback.

May import: the base modules (``podgen.errors``, ``podgen._record``) and
``podgen.report.diagnostics``; nothing from model, rules, rewrite or targets.
Importing the package imports nothing: each stage module is imported where it
is needed (``podgen lint`` start-up is measured).
"""
