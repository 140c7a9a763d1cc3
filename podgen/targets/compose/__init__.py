"""The compose target: the loaded project as a compose file (``podgen config``).

In: the ``YMap`` of ``LoadedProject.config`` (``podgen.load``).  Out: JSON or
YAML text in the shape of ``docker compose config`` (``config.py``), every
``$`` written ``$$``.  May import the load stage's value types only.
"""
