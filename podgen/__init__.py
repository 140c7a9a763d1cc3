"""podgen: move docker-compose projects onto rootless Podman without surprises.

The pipeline is the tree: ``load/`` (compose text -> ``LoadedProject``) ->
``model/`` (the typed ``Project``) -> ``rules/`` (diagnostics and fixes) ->
``rewrite/`` (fixes applied) -> ``targets/`` (``podman/``: Quadlet units or a
script; ``compose/``: ``podgen config``), with ``report/`` for diagnostics
and their formats; ``api.py`` and ``cli.py`` run it.  README.md "How it is
built" has the picture.
"""

__version__ = "0.1.0"
