"""Short syntax -> long syntax, per file, the way compose-go canonicalises a file.

Input is one schema-valid, interpolated service mapping; output is a new
``YMap`` in the shape ``docker compose config --format json`` prints, with the
source positions carried along.  Relative paths are made absolute against the
directory the file's paths are relative to.
"""
from __future__ import annotations

import math
import re

from podgen.errors import InputError
from podgen.load.scalars import scalar_text
from podgen.load.shortforms import normalize_ports, normalize_volumes, resolve_path
from podgen.load.yamlload import new_map, new_seq, put, YMap, YSeq


# --- commands ---------------------------------------------------------------

def shell_split(text: str, pos) -> list[str]:
    """Split a command string into words like compose (go-shellwords, no expansion)."""
    words: list[str] = []
    buf: list[str] = []
    in_word = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            if in_word:
                words.append("".join(buf))
                buf, in_word = [], False
            i += 1
        elif ch == "\\":
            if i + 1 < n:
                if text[i + 1] != "\n":
                    buf.append(text[i + 1])
                i += 2
            else:
                buf.append("\\")
                i += 1
            in_word = True
        elif ch == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise InputError(f"unclosed single quote in command {text!r}", pos,
                                 hint="close the quote, or write the command as a list")
            buf.append(text[i + 1:end])
            i = end + 1
            in_word = True
        elif ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n and text[j + 1] in '"\\$`':
                    buf.append(text[j + 1])
                    j += 2
                else:
                    buf.append(text[j])
                    j += 1
            if j >= n:
                raise InputError(f"unclosed double quote in command {text!r}", pos,
                                 hint="close the quote, or write the command as a list")
            i = j + 1
            in_word = True
        else:
            buf.append(ch)
            i += 1
            in_word = True
    if in_word:
        words.append("".join(buf))
    return words


def _command(value, pos):
    if value is None:
        return None
    if isinstance(value, str):
        seq = new_seq(pos)
        for word in shell_split(value, pos):
            seq.append(word)
            seq.ipos.append(pos)
        return seq
    seq = new_seq(value.pos)
    for i, item in enumerate(value):
        seq.append(scalar_text(item))
        seq.ipos.append(value.ipos[i])
    return seq


# --- key/value lists --------------------------------------------------------

def list_or_dict(value, pos, *, sep: str = "=", allow_null: bool = True, stringify: bool = True) -> YMap:
    """``[K=V, K]`` or ``{K: V}`` -> ``{K: "V"}`` (``None`` when no value)."""
    out = new_map(pos if not hasattr(value, "pos") else value.pos)
    if type(value) is YMap:
        out.kpos.update(value.kpos)     # same keys, same places
        out.vpos.update(value.vpos)
        for k, v in value.items():
            if v is None:
                out[k] = None if allow_null else ""
            else:
                out[k] = scalar_text(v) if stringify else v
    elif type(value) is YSeq:
        for i, item in enumerate(value):
            text = scalar_text(item)
            ipos = value.ipos[i]
            if sep in text:
                k, v = text.split(sep, 1)
                put(out, k, v, ipos)
            else:
                put(out, text, None if allow_null else "", ipos)
    return out


def _string_list(value, pos) -> YSeq:
    if type(value) is YSeq:
        seq = new_seq(value.pos)
        for i, item in enumerate(value):
            seq.append(scalar_text(item))
            seq.ipos.append(value.ipos[i])
        return seq
    seq = new_seq(pos)
    seq.append(scalar_text(value))
    seq.ipos.append(pos)
    return seq


# --- the service --------------------------------------------------------------

_LIST_OR_DICT = ("labels", "annotations", "sysctls")
_STRING_LISTS = ("dns", "dns_search", "tmpfs", "env_file", "dns_opt")


def normalize_service(name: str, svc: YMap, base_dir: str, home: str | None) -> YMap:
    out = new_map(svc.pos)
    # every key keeps its place and its value's place: copied at once, not key by key
    out.kpos.update(svc.kpos)
    out.vpos.update(svc.vpos)
    for key, value in svc.items():
        vpos = svc.vpos[key]
        if key in ("command", "entrypoint"):
            value = _command(value, vpos)
        elif key == "environment":
            value = list_or_dict(value, vpos)
        elif key in _LIST_OR_DICT:
            value = list_or_dict(value, vpos, allow_null=False)
        elif key == "extra_hosts":
            value = _extra_hosts(value, vpos)
        elif key == "ports":
            value = normalize_ports(value)
        elif key == "expose":
            value = _string_list(value, vpos)
        elif key == "volumes":
            value = normalize_volumes(value, base_dir, home)
        elif key in _STRING_LISTS:
            value = _string_list(value, vpos)
            if key == "env_file":
                value = _env_files(svc[key], vpos, base_dir)
        elif key == "depends_on":
            value = _depends_on(value, vpos)
        elif key == "networks":
            value = _networks(value, vpos)
        elif key in ("secrets", "configs"):
            value = _mounts(value, vpos, key)
        elif key == "healthcheck":
            value = _healthcheck(value)
        elif key == "stop_grace_period":
            check_duration(value, key, vpos)
        elif key in _SIZE_KEYS:
            check_size(value, key, vpos)
        elif key == "build":
            value = _build(value, vpos, base_dir)
        elif key == "ulimits":
            value = _ulimits(value)
        elif key == "label_file":
            value = _string_list(value, vpos)
        out[key] = value
    return out


def _extra_hosts(value, pos) -> YSeq:
    """Both ``host:ip`` / ``host=ip`` lists and ``{host: ip}`` maps -> ``["host=ip"]``."""
    out = new_seq(getattr(value, "pos", pos))
    if type(value) is YMap:
        for k, v in value.items():
            ips = v if type(v) is YSeq else [v]
            for ip in ips:
                out.append(f"{k}={scalar_text(ip)}")
                out.ipos.append(value.vpos[k])
        return out
    for i, item in enumerate(value):
        text = scalar_text(item)
        if "=" in text:
            host, ip = text.split("=", 1)
        elif ":" in text:
            host, ip = text.split(":", 1)
        else:
            raise InputError(f"invalid extra_hosts entry {text!r}", value.ipos[i],
                             hint="write HOST:IP or HOST=IP, e.g. \"db.local:10.0.0.5\"")
        if ip.startswith("[") and ip.endswith("]"):
            ip = ip[1:-1]
        out.append(f"{host}={ip}")
        out.ipos.append(value.ipos[i])
    return out


def _env_files(value, pos, base_dir) -> YSeq:
    out = new_seq(getattr(value, "pos", pos))
    items = value if type(value) is YSeq else [value]
    ipos = value.ipos if type(value) is YSeq else [pos]
    for i, item in enumerate(items):
        entry = new_map(ipos[i])
        if type(item) is YMap:
            put(entry, "path", resolve_path(scalar_text(item["path"]), base_dir, None),
                item.kpos["path"], item.vpos["path"])
            put(entry, "required", item.get("required", True) in (True, "true"), ipos[i])
            if item.get("format") is not None:
                put(entry, "format", item["format"], item.kpos["format"], item.vpos["format"])
        else:
            put(entry, "path", resolve_path(scalar_text(item), base_dir, None), ipos[i])
            put(entry, "required", True, ipos[i])
        out.append(entry)
        out.ipos.append(ipos[i])
    return out


def _depends_on(value, pos) -> YMap:
    out = new_map(getattr(value, "pos", pos))
    if type(value) is YSeq:
        for i, item in enumerate(value):
            dep = new_map(value.ipos[i])
            put(dep, "condition", "service_started", value.ipos[i])
            put(dep, "required", True, value.ipos[i])
            put(out, scalar_text(item), dep, value.ipos[i])
        return out
    for name, spec in value.items():
        dep = new_map(value.vpos[name])
        spec = spec if type(spec) is YMap else YMap()
        kp = spec.kpos if spec else {}
        put(dep, "condition", spec.get("condition", "service_started"),
            kp.get("condition", value.kpos[name]), spec.vpos.get("condition") if spec else None)
        if "restart" in spec:
            put(dep, "restart", spec["restart"], kp["restart"], spec.vpos["restart"])
        req = spec.get("required", True)
        put(dep, "required", req, kp.get("required", value.kpos[name]))
        put(out, name, dep, value.kpos[name], value.vpos[name])
    return out


def _networks(value, pos) -> YMap:
    out = new_map(getattr(value, "pos", pos))
    if type(value) is YSeq:
        for i, item in enumerate(value):
            put(out, scalar_text(item), None, value.ipos[i])
        return out
    out.kpos.update(value.kpos)
    out.vpos.update(value.vpos)
    for name, spec in value.items():
        if type(spec) is YMap:
            net = new_map(spec.pos)
            net.kpos.update(spec.kpos)
            net.vpos.update(spec.vpos)
            for k, v in spec.items():
                if k in ("aliases", "link_local_ips"):
                    v = _string_list(v, spec.vpos[k])
                net[k] = v
            spec = net
        out[name] = spec
    return out


def _mounts(value, pos, kind: str) -> YSeq:
    out = new_seq(value.pos)
    for i, item in enumerate(value):
        ipos = value.ipos[i]
        entry = new_map(ipos)
        if type(item) is YMap:
            for k, v in item.items():
                put(entry, k, v, item.kpos[k], item.vpos[k])
            if kind == "secrets" and "target" not in entry:
                put(entry, "target", f"/run/secrets/{item['source']}", ipos)
        else:
            source = scalar_text(item)
            put(entry, "source", source, ipos)
            put(entry, "target", f"/run/secrets/{source}" if kind == "secrets" else f"/{source}", ipos)
        out.append(entry)
        out.ipos.append(ipos)
    return out


# What convert accepts (podgen.targets.podman.spec.parse_duration): Go durations or plain seconds.
_DURATION = re.compile(r"^(?:(?:\d+(?:\.\d+)?)(?:h|ms|m|s|us|µs|ns))+$|^\d+(?:\.\d+)?$")
_DURATION_KEYS = ("interval", "timeout", "start_period", "start_interval")


def check_duration(value, what: str, pos):
    """A located error for a duration compose would refuse (``10 parsecs``, ``5x``)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"invalid duration {value!r} for {what}", pos,
                         hint="durations look like 30s, 1m30s, 500ms or 2h")
    if isinstance(value, str) and not _DURATION.match(value.strip()):
        raise InputError(f"invalid duration {value!r} for {what}", pos,
                         hint="durations look like 30s, 1m30s, 500ms or 2h")


# What convert accepts (podgen.targets.podman.spec.podman_size): bytes, or a number with k/m/g/t/p[b]
# (binary units, as Docker's RAMInBytes).
SIZE_PARTS = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b?)$", re.IGNORECASE)
SIZE_FACTORS = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3, "t": 1024 ** 4, "p": 1024 ** 5}


def size_bytes(text: str) -> int | None:
    """``512m`` -> 536870912; None for text that is no size."""
    m = SIZE_PARTS.match(text.strip())
    return int(float(m.group(1)) * SIZE_FACTORS[m.group(2).lower()]) if m else None
_SIZE_KEYS = ("mem_limit", "mem_reservation", "memswap_limit", "shm_size")


def check_size(value, what: str, pos):
    """A located error for a byte size compose would refuse (``lots``, ``.inf``)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return
    if isinstance(value, float) and not math.isfinite(value):
        ok = False
    elif isinstance(value, str):
        ok = bool(SIZE_PARTS.match(value.strip())) or (what == "memswap_limit" and value.strip() == "-1")
    else:
        ok = True
    if not ok:
        raise InputError(f"invalid size {value!r} for {what}", pos,
                         hint="sizes look like 512m, 1g or 1073741824 (bytes)")


def _healthcheck(value: YMap) -> YMap:
    out = new_map(value.pos)
    for k, v in value.items():
        if k in _DURATION_KEYS:
            check_duration(v, f"healthcheck.{k}", value.vpos[k])
        elif k == "retries" and isinstance(v, float) and not (math.isfinite(v) and v == int(v)):
            raise InputError(f"invalid healthcheck.retries {v!r}: a whole number is needed",
                             value.vpos[k], hint="e.g. retries: 3")
        if k == "test":
            if isinstance(v, str):
                seq = new_seq(value.vpos[k])
                seq.extend(["CMD-SHELL", v])
                seq.ipos.extend([value.vpos[k]] * 2)
                v = seq
            elif type(v) is YSeq:
                v = _string_list(v, value.vpos[k])
        put(out, k, v, value.kpos[k], value.vpos[k])
    return out


def _build(value, pos, base_dir) -> YMap:
    out = new_map(getattr(value, "pos", pos))
    if isinstance(value, str):
        put(out, "context", _context(value, base_dir), pos)
        put(out, "dockerfile", "Dockerfile", pos)
        return out
    for k, v in value.items():
        if k == "context":
            v = _context(scalar_text(v), base_dir)
        elif k in ("args", "labels"):
            v = list_or_dict(v, value.vpos[k])
        put(out, k, v, value.kpos[k], value.vpos[k])
    if "context" not in out:
        put(out, "context", base_dir, value.pos)
    if "dockerfile" not in out and "dockerfile_inline" not in out:
        put(out, "dockerfile", "Dockerfile", value.pos)
    return out


def _context(ctx: str, base_dir: str) -> str:
    if "://" in ctx or ctx.startswith(("git@", "github.com/")):
        return ctx
    return resolve_path(ctx, base_dir, None)


def _ulimits(value: YMap) -> YMap:
    out = new_map(value.pos)
    for k, v in value.items():
        if type(v) is YMap:
            put(out, k, v, value.kpos[k], value.vpos[k])
        else:
            lim = new_map(value.vpos[k])
            put(lim, "soft", v, value.vpos[k])
            put(lim, "hard", v, value.vpos[k])
            put(out, k, lim, value.kpos[k], value.vpos[k])
    return out
