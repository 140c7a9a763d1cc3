"""Rendering typed files through the jinja2 templates in ``templates/``.

Imported only by ``convert``: ``lint`` never pays for jinja2.
"""
from __future__ import annotations

import os

from podgen.targets.podman.escape import comment

_env = None
_unit_template = None


def templates_dir() -> str:
    """``podgen/templates`` in an installed wheel, ``templates/`` in a source checkout."""
    # podgen/targets/podman/render.py -> podgen/
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    packaged = os.path.join(here, "templates")
    if os.path.isdir(packaged):
        return packaged
    return os.path.join(os.path.dirname(here), "templates")


def environment():
    global _env
    if _env is None:
        import jinja2
        # auto_reload=False: the templates are part of podgen and do not change while it runs;
        # with auto-reload every get_template would stat the file (once per generated unit)
        _env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates_dir()),
            undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
            trim_blocks=False, lstrip_blocks=False, autoescape=False, auto_reload=False)
        _env.filters["comment"] = comment
        # The templates use none of jinja2's global functions (range, dict, lipsum, cycler, joiner,
        # namespace); without them each render does not copy them into a new context, which
        # was half the cost of rendering a unit (one render per generated file).
        _env.globals.clear()
    return _env


def render_unit(unit) -> str:
    global _unit_template
    # looked up once, not once per generated file (each get_template asks the loader's cache)
    if _unit_template is None:
        _unit_template = environment().get_template("unit.j2")
    return _unit_template.render(unit=unit)


def render_script(model, filename: str) -> str:
    from podgen.targets.podman.script import HASH_LABEL
    return environment().get_template("script.sh.j2").render(
        header=model.header, networks=model.networks, volumes=model.volumes, secrets=model.secrets,
        containers=model.containers, filename=filename, hash_label=HASH_LABEL)
