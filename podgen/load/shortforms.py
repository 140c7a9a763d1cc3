"""The short forms of ports and volumes, made long the way compose-go does.

``parse_port_spec("127.0.0.1:8080-8081:80-81/udp", pos)`` -> the long-syntax
entries (ranges expanded, at most ``MAX_PORT_MAPPINGS`` per project);
``parse_volume_spec("./data:/data:ro,z", pos, base_dir, home)`` -> a long-syntax
mount (relative sources made absolute: ``resolve_path``; options compose does
not know kept under ``UNKNOWN_OPTIONS`` for the Podman target to judge).
``normalize_ports``/``normalize_volumes`` do this for a service's lists
(``normalize.normalize_service``).
"""
from __future__ import annotations

import re

from podgen.errors import InputError
from podgen.load.scalars import scalar_text
from podgen.load.yamlload import YMap, YSeq, new_map, new_seq, put


# --- ports -------------------------------------------------------------------

_PORT_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")


def _port_range(text: str, what: str, spec: str, pos) -> tuple[int, int]:
    m = _PORT_RANGE.match(text)
    if not m:
        raise InputError(f"invalid {what} {text!r} in port {spec!r}", pos,
                         hint="ports look like [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], "
                              "e.g. \"127.0.0.1:8080:80/tcp\"")
    start = int(m.group(1))
    end = int(m.group(2)) if m.group(2) else start
    if not (0 <= start <= 65535 and 0 <= end <= 65535) or end < start:
        raise InputError(f"invalid {what} {text!r} in port {spec!r}: ports are 1-65535", pos,
                         hint="a range is written low-high, e.g. 8000-8010")
    return start, end


def parse_port_spec(spec: str, pos) -> list[dict]:
    """One short-syntax port string -> list of long-syntax dicts (ranges expanded)."""
    text = spec.strip()
    proto = "tcp"
    if "/" in text:
        text, proto = text.rsplit("/", 1)
        if not proto:
            raise InputError(f"invalid port {spec!r}: empty protocol", pos,
                             hint="use /tcp, /udp or /sctp")
    host_ip = None
    host = None
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise InputError(f"invalid port {spec!r}: '[' without ']'", pos,
                             hint="bracket IPv6 addresses: \"[::1]:8080:80\"")
        host_ip = text[1:end]
        rest = text[end + 1:]
        if not rest.startswith(":"):
            raise InputError(f"invalid port {spec!r}", pos,
                             hint="bracket IPv6 addresses: \"[::1]:8080:80\"")
        parts = rest[1:].split(":")
        if len(parts) == 1:
            host, container = "", parts[0]
        elif len(parts) == 2:
            host, container = parts
        else:
            raise InputError(f"invalid port {spec!r}", pos)
    else:
        parts = text.split(":")
        if len(parts) == 1:
            container = parts[0]
        elif len(parts) == 2:
            host, container = parts
        else:
            # IP:HOST:CONTAINER; an unbracketed IPv6 address keeps its colons
            host_ip = ":".join(parts[:-2]) or None
            host, container = parts[-2], parts[-1]
    if host_ip is not None:
        _check_ip(host_ip, spec, pos)
    c_start, c_end = _port_range(container, "container port", spec, pos)
    entries: list[dict] = []
    h_start = h_end = None
    if host:
        h_start, h_end = _port_range(host, "host port", spec, pos)
    if h_start is not None and (h_end - h_start) != (c_end - c_start):
        if c_start == c_end:
            entries.append(_port_entry(c_start, f"{h_start}-{h_end}", host_ip, proto))
            return entries
        raise InputError(f"invalid port {spec!r}: host and container ranges differ in length", pos,
                         hint="give ranges of equal length, or a single container port")
    for offset in range(c_end - c_start + 1):
        published = None if h_start is None else str(h_start + offset)
        entries.append(_port_entry(c_start + offset, published, host_ip, proto))
    return entries


def _check_ip(ip: str, spec: str, pos):
    import ipaddress
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        raise InputError(f"invalid host IP {ip!r} in port {spec!r}", pos,
                         hint="use an IPv4 address, or a bracketed IPv6 address: \"[::1]:8080:80\"") from None


def _port_entry(target: int, published, host_ip, proto) -> dict:
    entry = {"mode": "ingress"}
    if host_ip:
        entry["host_ip"] = host_ip
    entry["target"] = target
    if published is not None:
        entry["published"] = published
    entry["protocol"] = proto
    return entry


# Port ranges are expanded into one mapping per port, as compose does; "1-65535:1-65535" thirty
# times would be two million of them.  Two full ranges (tcp and udp) per project are allowed.
MAX_PORT_MAPPINGS = 131_072


def too_many_ports(pos) -> InputError:
    return InputError(f"ports expand to more than {MAX_PORT_MAPPINGS:,} port mappings", pos,
                      hint="publish fewer or smaller port ranges")


def normalize_ports(value: YSeq) -> YSeq:
    out = new_seq(value.pos)
    for i, item in enumerate(value):
        ipos = value.ipos[i]
        if len(out) > MAX_PORT_MAPPINGS:
            raise too_many_ports(value.ipos[i - 1])
        if type(item) is YMap:
            entry = new_map(item.pos)
            put(entry, "mode", scalar_text(item.get("mode", "ingress")), item.kpos.get("mode", ipos))
            for key in ("host_ip", "name", "app_protocol"):
                if item.get(key) is not None:
                    put(entry, key, scalar_text(item[key]), item.kpos[key], item.vpos[key])
            target = item.get("target")
            if isinstance(target, str):
                target = _port_range(target, "target port", target, item.vpos["target"])[0]
            if target is None:
                raise InputError("port entry has no 'target'", ipos,
                                 hint="add the container port as 'target: 80'")
            put(entry, "target", target, item.kpos["target"], item.vpos["target"])
            if item.get("published") not in (None, ""):
                put(entry, "published", scalar_text(item["published"]), item.kpos["published"],
                    item.vpos["published"])
            put(entry, "protocol", scalar_text(item.get("protocol") or "tcp"),
                item.kpos.get("protocol", ipos), item.vpos.get("protocol", ipos))
            for key, v in item.items():
                if key.startswith("x-"):
                    put(entry, key, v, item.kpos[key], item.vpos[key])
            out.append(entry)
            out.ipos.append(ipos)
            continue
        if isinstance(item, bool) or item is None:
            raise InputError(f"invalid port {item!r}", ipos,
                             hint='ports look like "8080:80", or a mapping with target: and published:')
        if isinstance(item, (int, float)):
            entries = parse_port_spec(scalar_text(item), ipos)
        else:
            entries = parse_port_spec(item, ipos)
        for e in entries:
            entry = new_map(ipos)
            entry.update(e)
            out.append(_all_at(entry, ipos))
            out.ipos.append(ipos)
    if len(out) > MAX_PORT_MAPPINGS:
        raise too_many_ports(value.ipos[-1])
    return out


# --- volumes -----------------------------------------------------------------

UNKNOWN_OPTIONS = "x-podgen-unknown-options"
_PROPAGATION = frozenset(("shared", "rshared", "slave", "rslave", "private", "rprivate"))


def _is_path(source: str) -> bool:
    return source.startswith((".", "/", "~")) or (len(source) > 1 and source[1] == ":" and source[0].isalpha())


def resolve_path(path: str, base_dir: str, home: str | None) -> str:
    """Absolute path as compose writes it: ``~`` expanded, ``./`` joined, ``..`` kept."""
    if path.startswith("~"):
        if path == "~" or path.startswith("~/"):
            return (home or "~") + path[1:]
        return path
    if path.startswith("/"):
        return path
    rel = path
    while rel.startswith("./"):
        rel = rel[2:].lstrip("/")
    rel = rel.rstrip("/")
    if rel in ("", "."):
        return base_dir
    return base_dir.rstrip("/") + "/" + rel


def clean_target(target: str) -> str:
    """Container paths are cleaned (trailing '/' dropped) as compose does."""
    if not target:
        return "."
    if target[0] == "/" and "//" not in target and "/." not in target and target[-1] != "/":
        return target       # already clean (most are): normpath would return it unchanged
    import posixpath
    cleaned = posixpath.normpath(target)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def parse_volume_spec(spec: str, pos, base_dir: str, home: str | None) -> YMap:
    if not spec:
        raise InputError("empty volume specification", pos,
                         hint="volumes look like SOURCE:TARGET[:OPTIONS] or just TARGET")
    parts = spec.split(":")
    # a Windows drive letter (C:\...) is not a separator; podman is Linux-only anyway
    if len(parts) > 3:
        raise InputError(f"invalid volume {spec!r}: too many ':'", pos,
                         hint="volumes look like SOURCE:TARGET[:OPTIONS]")
    if "" in parts:
        raise InputError(f"invalid volume {spec!r}: empty section between colons", pos,
                         hint="a variable used in the path may be unset; check the .env file")
    # every key and value of the long form is at the place of the short one: the maps are filled
    # first and positioned at the end by _all_at (20,000 volumes in a 10,000-service project)
    vol = new_map(pos)
    if len(parts) == 1:
        vol["type"] = "volume"
        vol["target"] = clean_target(parts[0])
        vol["volume"] = new_map(pos)
        return _all_at(vol, pos)
    source, target = parts[0], parts[1]
    options = parts[2].split(",") if len(parts) == 3 else []
    is_bind = _is_path(source)
    vol["type"] = "bind" if is_bind else "volume"
    vol["source"] = resolve_path(source, base_dir, home) if is_bind else source
    vol["target"] = clean_target(target)
    bind = new_map(pos)
    volume = new_map(pos)
    for opt in options:
        if opt == "ro":
            vol["read_only"] = True
        elif opt == "rw":
            pass
        elif opt in ("z", "Z"):
            bind["selinux"] = opt
        elif opt == "nocopy":
            volume["nocopy"] = True
        elif opt in _PROPAGATION:
            bind["propagation"] = opt
        else:
            # compose ignores options it does not know; podgen keeps them to warn or pass on
            unknown = vol.get(UNKNOWN_OPTIONS)
            if unknown is None:
                unknown = vol[UNKNOWN_OPTIONS] = new_seq(pos)
            unknown.append(opt)
            unknown.ipos.append(pos)
    if is_bind:
        bind["create_host_path"] = True
        vol["bind"] = _all_at(bind, pos)
    else:
        if bind:
            vol["bind"] = _all_at(bind, pos)
        vol["volume"] = _all_at(volume, pos)
    return _all_at(vol, pos)


def _all_at(m: YMap, pos) -> YMap:
    """Give every key of *m*, and its value, the position *pos*."""
    m.kpos.update(dict.fromkeys(m, pos))
    m.vpos.update(m.kpos)
    return m


def normalize_volumes(value: YSeq, base_dir: str, home) -> YSeq:
    out = new_seq(value.pos)
    for i, item in enumerate(value):
        ipos = value.ipos[i]
        if type(item) is YMap:
            vol = new_map(item.pos)
            for k, v in item.items():
                put(vol, k, v, item.kpos[k], item.vpos[k])
            if vol.get("type") == "bind" and isinstance(vol.get("source"), str):
                vol["source"] = resolve_path(vol["source"], base_dir, home)
            if isinstance(vol.get("target"), str):
                vol["target"] = clean_target(vol["target"])
            out.append(vol)
        else:
            out.append(parse_volume_spec(scalar_text(item), ipos, base_dir, home))
        out.ipos.append(ipos)
    return out
