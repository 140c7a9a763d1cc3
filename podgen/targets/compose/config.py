"""``podgen config``: the normalised project in the shape of ``docker compose config``.

Like Docker Compose, every ``$`` in the output is written ``$$`` so that the
printed file can be loaded again without a second round of interpolation.
"""
from __future__ import annotations

from podgen.load.yamlload import YMap, YSeq

PRIVATE_PREFIX = "x-podgen-"


def config_dict(config: YMap, *, escape_dollars: bool = True):
    return _plain(config, escape_dollars)


def _plain(value, esc: bool):
    t = type(value)
    if t is YMap or t is dict:
        return {(k.replace("$", "$$") if esc and isinstance(k, str) else k): _plain(v, esc)
                for k, v in value.items() if not (isinstance(k, str) and k.startswith(PRIVATE_PREFIX))}
    if t is YSeq or t is list:
        return [_plain(v, esc) for v in value]
    if t is str and esc:
        return value.replace("$", "$$")
    return value


def render_json(config: YMap) -> str:
    import json
    return json.dumps(config_dict(config), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def render_yaml(config: YMap) -> str:
    """Block-style YAML; strings are double-quoted when plain style would change them."""
    out: list[str] = []
    _emit_yaml(config_dict(config), 0, out)
    return "".join(out)


def _scalar(value) -> str:
    import json
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return json.dumps(value, ensure_ascii=False)


def _emit_yaml(value, indent: int, out: list):
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            out.append("{}\n")
            return
        if out and not out[-1].endswith("\n"):
            out.append("\n")
        for k, v in value.items():
            out.append(f"{pad}{_scalar(k) if not _plain_key(k) else k}:")
            if isinstance(v, (dict, list)) and v:
                out.append("\n")
                _emit_yaml(v, indent + 1, out)
            else:
                out.append(" " + (_scalar(v) if not isinstance(v, (dict, list)) else ("{}" if isinstance(v, dict) else "[]")) + "\n")
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, dict) and v:
                first = True
                for k, vv in v.items():
                    lead = f"{pad}- " if first else f"{pad}  "
                    first = False
                    out.append(f"{lead}{_scalar(k) if not _plain_key(k) else k}:")
                    if isinstance(vv, (dict, list)) and vv:
                        out.append("\n")
                        _emit_yaml(vv, indent + 2, out)
                    else:
                        out.append(" " + (_scalar(vv) if not isinstance(vv, (dict, list)) else ("{}" if isinstance(vv, dict) else "[]")) + "\n")
            elif isinstance(v, list) and v:
                out.append(f"{pad}-\n")
                _emit_yaml(v, indent + 1, out)
            else:
                out.append(f"{pad}- " + (_scalar(v) if not isinstance(v, (dict, list)) else ("{}" if isinstance(v, dict) else "[]")) + "\n")


def _plain_key(k) -> bool:
    import re
    return isinstance(k, str) and re.fullmatch(r"[A-Za-z0-9_.][A-Za-z0-9_.\-/]*", k) is not None \
        and k not in ("true", "false", "null", "yes", "no", "on", "off", "y", "n", "~")
