"""The edits ``podgen fix`` makes in the ruamel.yaml round-trip tree of a compose file.

A ``SourceEdit`` (``podgen.report.diagnostics``) names an operation and the
position of the node it changes.  ``find_node``/``find_key`` locate that node
by its 1-based line:col; ``OPS`` (``op(parent, key, edit)``) and ``ROOT_OPS``
(``op(root, edit)``, for ops that find their own nodes) make the change and
return a problem (a message) or None.  Scalars keep their quoting style.
"""
from __future__ import annotations

import re


def find_node(root, line: int, col: int):
    """(parent, key-or-index) of the node whose value starts at 1-based line:col."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    target = (line - 1, col - 1)
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, CommentedMap):
            for key in node:
                try:
                    pos = node.lc.value(key)
                except (KeyError, TypeError):
                    pos = None
                if pos is not None and tuple(pos) == target:
                    return node, key
                child = node[key]
                if isinstance(child, (CommentedMap, CommentedSeq)):
                    if tuple((child.lc.line, child.lc.col)) == target:
                        return node, key
                    stack.append(child)
        elif isinstance(node, CommentedSeq):
            for i, child in enumerate(node):
                try:
                    pos = node.lc.item(i)
                except (KeyError, TypeError, IndexError):
                    pos = None
                if pos is not None and tuple(pos) == target:
                    return node, i
                if isinstance(child, (CommentedMap, CommentedSeq)):
                    stack.append(child)
    return None, None


def find_key(root, line: int, col: int):
    """(mapping, key) of the mapping entry whose *key* starts at 1-based line:col."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    target = (line - 1, col - 1)
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, CommentedMap):
            for key in node:
                try:
                    pos = node.lc.key(key)
                except (KeyError, TypeError):
                    pos = None
                if pos is not None and tuple(pos) == target:
                    return node, key
                if isinstance(node[key], (CommentedMap, CommentedSeq)):
                    stack.append(node[key])
        elif isinstance(node, CommentedSeq):
            stack.extend(c for c in node if isinstance(c, (CommentedMap, CommentedSeq)))
    return None, None


def _holder(root, child):
    """(mapping, key) whose value is *child* (by identity), or (None, None)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    stack = [root]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, CommentedMap) else enumerate(node)
        for key, value in items:
            if value is child:
                return node, key
            if isinstance(value, (CommentedMap, CommentedSeq)):
                stack.append(value)
    return None, None



def _same_style(old, new_text: str):
    """A new scalar in the quoting style of *old*."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString
    if isinstance(old, DoubleQuotedScalarString):
        return DoubleQuotedScalarString(new_text)
    if isinstance(old, SingleQuotedScalarString):
        return SingleQuotedScalarString(new_text)
    return new_text


def replace_published(spec: str, new: int) -> str | None:
    """``[ip:]HOST:CONTAINER[/proto]`` with HOST replaced; None when there is no host port."""
    body, slash, proto = spec.partition("/")
    if body.startswith("["):
        end = body.find("]")
        head, rest = body[:end + 1], body[end + 1:]
        parts = rest.split(":")
        if len(parts) == 3 and parts[0] == "":
            return f"{head}:{new}:{parts[2]}" + (slash + proto if slash else "")
        return None
    parts = body.split(":")
    if len(parts) == 2:
        parts[0] = str(new)
    elif len(parts) >= 3 and parts[-2] != "":
        parts[-2] = str(new)
    else:
        return None
    return ":".join(parts) + (slash + proto if slash else "")


def _host_part(spec: str) -> str | None:
    """The host port (or range) of a short port spec, or None when it has none."""
    body = spec.partition("/")[0]
    if body.startswith("["):
        parts = body[body.find("]") + 1:].split(":")
        return parts[1] if len(parts) == 3 and parts[0] == "" else None
    parts = body.split(":")
    if len(parts) == 2:
        return parts[0]
    if len(parts) >= 3 and parts[-2] != "":
        return parts[-2]
    return None


def _new_published(old_host, value, container=""):
    """The new host port text for *value* (a port, or the ports of an expanded range), or
    (None, problem).  A range over a single container port may become one port (PG102);
    a range over a container range moves as a whole or not at all."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (int(value),)
    old_host = str(old_host).strip() if old_host is not None else ""
    if "-" in old_host and len(values) == 1 and "-" not in str(container):
        return str(values[0]), None
    if "-" in old_host:
        lo, _, hi = old_host.partition("-")
        try:
            width = int(hi) - int(lo) + 1
        except ValueError:
            return None, f"host port range {old_host!r} not understood"
        if len(values) != width or list(values) != list(range(values[0], values[0] + width)):
            return None, f"host port range {old_host!r} cannot be moved as one range; not rewritten"
        return f"{values[0]}-{values[-1]}", None
    if len(values) != 1:
        return None, (f"host port {old_host!r} is shared by several services (an anchor and its "
                      "aliases) that each need another port; not rewritten")
    return str(values[0]), None


def _op_port_published(parent, key, edit):
    node = parent[key]
    if isinstance(node, dict):
        old = node.get("published")
        if isinstance(old, str) and "$" in old:
            return f"line {edit.span.line}: published port uses a variable; not rewritten"
        new, problem = _new_published(old, edit.value, node.get("target", ""))
        if problem:
            return f"line {edit.span.line}: {problem}"
        node["published"] = _same_style(old, new) if isinstance(old, str) or "-" in new else int(new)
        return None
    if isinstance(node, str):
        if "$" in node:
            return f"line {edit.span.line}: port {node!r} uses a variable; not rewritten"
        host = _host_part(str(node))
        if host is None:
            return f"line {edit.span.line}: port {node!r} has no host port to change"
        new_host, problem = _new_published(host, edit.value, str(node).partition("/")[0].rsplit(":", 1)[-1])
        if problem:
            return f"line {edit.span.line}: {problem}"
        new = replace_published(str(node), new_host)
        if new is None:
            return f"line {edit.span.line}: port {node!r} has no host port to change"
        parent[key] = _same_style(node, new)
        return None
    return f"line {edit.span.line}: cannot rewrite port {node!r}"


def _op_replace(parent, key, edit):
    old = parent[key]
    if isinstance(old, str) and "$" in old:
        return f"line {edit.span.line}: value uses a variable; not rewritten"
    parent[key] = _same_style(old, edit.value) if isinstance(old, str) and isinstance(edit.value, str) \
        else edit.value
    return None


def _op_remove_item(parent, key, edit):
    del parent[key]
    return None


def _op_set_key(parent, key, edit):
    node = parent[key]
    if not isinstance(node, dict):
        return f"line {edit.span.line}: expected a mapping"
    node[edit.key] = edit.value
    return None


def _op_remove_key(parent, key, edit):
    node = parent[key]
    if isinstance(node, dict) and edit.key in node:
        del node[edit.key]
    return None


def _op_bind_source(parent, key, edit):
    """A bind mount's source (short ``SRC:DST[:OPTS]`` or long ``source:``) becomes edit.value."""
    node = parent[key]
    if isinstance(node, dict):
        old = node.get("source")
        node["source"] = _same_style(old, str(edit.value)) if isinstance(old, str) else str(edit.value)
        return None
    if isinstance(node, str) and ":" in node:
        parent[key] = _same_style(node, f"{edit.value}:{node.split(':', 1)[1]}")
        return None
    return f"line {edit.span.line}: cannot rewrite the mount {node!r}"


def _op_replace_text(parent, key, edit):
    """Regex substitution inside a scalar, or inside each string of a sequence; value: (pattern, new)."""
    pattern, new = edit.value
    node = parent[key]
    if isinstance(node, str):
        text = re.sub(pattern, new, node)
        if text == node:
            return f"line {edit.span.line}: {node!r} does not contain the text to replace"
        parent[key] = _same_style(node, text)
        return None
    if isinstance(node, list):
        changed = False
        for i, item in enumerate(node):
            if isinstance(item, str):
                text = re.sub(pattern, new, item)
                if text != item:
                    node[i] = _same_style(item, text)
                    changed = True
        return None if changed else f"line {edit.span.line}: the text to replace is not there"
    return f"line {edit.span.line}: cannot rewrite {node!r}"


def _op_add_network_alias(parent, key, edit):
    """Give the service ``parent[key]`` the alias edit.value on its network edit.key."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    svc = parent[key]
    if not isinstance(svc, dict):
        return f"line {edit.span.line}: service {key!r} is not a mapping"
    nets = svc.get("networks")
    if nets is None:
        nets = svc["networks"] = CommentedMap()
    elif isinstance(nets, list):
        nets = svc["networks"] = CommentedMap((str(n), None) for n in nets)
    if not isinstance(nets, dict):
        return f"line {edit.span.line}: cannot add a network alias to {key!r}"
    entry = nets.get(edit.key)
    if entry is None:
        nets[edit.key] = CommentedMap([("aliases", CommentedSeq([edit.value]))])
    elif isinstance(entry, dict):
        aliases = entry.get("aliases")
        if aliases is None:
            entry["aliases"] = CommentedSeq([edit.value])
        elif isinstance(aliases, list):
            if edit.value not in aliases:
                aliases.append(edit.value)
        else:
            return f"line {edit.span.line}: aliases of {key!r} on {edit.key!r} are not a list"
    else:
        return f"line {edit.span.line}: network {edit.key!r} of {key!r} is not a mapping"
    return None


def _drop(root, parent, key):
    """Delete parent[key]; a sequence or mapping left empty goes too (no ``ports: []``)."""
    del parent[key]
    if len(parent) == 0:
        holder, hkey = _holder(root, parent)
        if holder is not None and isinstance(hkey, str):
            del holder[hkey]


def _op_drop_item(root, edit):
    parent, key = find_node(root, edit.span.line, edit.span.col)
    if parent is None:
        return f"{edit.span.line}:{edit.span.col}: could not locate the value to fix"
    _drop(root, parent, key)
    return None


def _op_move_item(root, edit):
    """Move the sequence item at edit.span to the edit.key list of the service whose key is at edit.value."""
    from ruamel.yaml.comments import CommentedSeq
    parent, index = find_node(root, edit.span.line, edit.span.col)
    owners, owner = find_key(root, edit.value.line, edit.value.col)
    if parent is None or not isinstance(parent, list) or owners is None or not isinstance(owners[owner], dict):
        return f"{edit.span.line}:{edit.span.col}: could not locate the value to move"
    item = parent[index]
    target = owners[owner].get(edit.key)
    if target is None:
        target = owners[owner][edit.key] = CommentedSeq()
    if not isinstance(target, list):
        return f"{edit.span.line}:{edit.span.col}: {edit.key} of {owner!r} is not a list"
    if item not in target:
        # edits run from the end of the file backwards: insert each moved item before the ones
        # moved already, after the items the list had, so they keep their order
        at = getattr(target, "podgen_insert_at", None)
        if at is None:
            at = len(target)
            target.podgen_insert_at = at
        target.insert(at, item)
    _drop(root, parent, index)
    return None


def _op_rename_entry(root, edit):
    """Rename a mapping key (at edit.span) or replace a sequence item with edit.value.

    When edit.value is there already, the old entry goes and its settings are merged into it.
    """
    parent, key = find_key(root, edit.span.line, edit.span.col)
    if parent is None:
        parent, key = find_node(root, edit.span.line, edit.span.col)
        if not isinstance(parent, list):
            return f"{edit.span.line}:{edit.span.col}: could not locate the entry to rename"
        if edit.value in parent:
            del parent[key]
        else:
            parent[key] = _same_style(parent[key], edit.value) if isinstance(parent[key], str) else edit.value
        return None
    if edit.value in parent:
        # the new name is there already: keep its settings, add the old entry's
        old, new = parent[key], parent[edit.value]
        if new is None:
            parent[edit.value] = old
        elif isinstance(new, dict) and isinstance(old, dict):
            for k, v in old.items():
                if k not in new:
                    new[k] = v
                elif isinstance(new[k], list) and isinstance(v, list):
                    new[k].extend(x for x in v if x not in new[k])
        del parent[key]
        return None
    position = list(parent).index(key)
    value = parent.pop(key)
    parent.insert(position, edit.value, value)
    return None


def _block_mapping(parent, key):
    """parent[key] as a mapping to add entries to (a null value becomes one; ``{}`` turns block style)."""
    from ruamel.yaml.comments import CommentedMap
    node = parent[key]
    if node is None:
        node = parent[key] = CommentedMap()
    if isinstance(node, CommentedMap) and not node:
        node.fa.set_block_style()
    return node if isinstance(node, dict) else None


def _op_add_ipam_subnet(parent, key, edit):
    """Network ``parent[key]`` gets ``ipam.config: [{subnet: edit.value}]`` (kept if already there)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    net = _block_mapping(parent, key)
    if net is None:
        return f"line {edit.span.line}: network {key!r} is not a mapping"
    ipam = _block_mapping(net, "ipam") if "ipam" in net else net.setdefault("ipam", CommentedMap())
    if ipam is None:
        return f"line {edit.span.line}: ipam of network {key!r} is not a mapping"
    config = ipam.get("config")
    if config is None:
        config = ipam["config"] = CommentedSeq()
    if not isinstance(config, list):
        return f"line {edit.span.line}: ipam.config of network {key!r} is not a list"
    if not any(isinstance(c, dict) and str(c.get("subnet")) == str(edit.value) for c in config):
        config.append(CommentedMap([("subnet", str(edit.value))]))
    return None


def _op_add_list_item(parent, key, edit):
    """Service ``parent[key]`` gets edit.value in its list edit.key (created when missing)."""
    from ruamel.yaml.comments import CommentedSeq
    svc = parent[key]
    if not isinstance(svc, dict):
        return f"line {edit.span.line}: {key!r} is not a mapping"
    items = svc.get(edit.key)
    if items is None:
        svc[edit.key] = CommentedSeq([edit.value])
    elif isinstance(items, list):
        if edit.value not in items:
            items.append(edit.value)
    else:
        return f"line {edit.span.line}: {edit.key} of {key!r} is not a list"
    return None


def _op_port_host_ip(parent, key, edit):
    """A published port without a host address gets edit.value (short or long syntax)."""
    node = parent[key]
    ip = str(edit.value)
    if isinstance(node, dict):
        if not node.get("host_ip"):
            node["host_ip"] = ip
        return None
    text = str(node)
    if "$" in text:
        return f"line {edit.span.line}: port {text!r} uses a variable; not rewritten"
    body, slash, proto = text.partition("/")
    if body.startswith("[") or body.count(":") >= 2:
        return None                         # it has a host address already
    head = f"[{ip}]" if ":" in ip else ip
    new = f"{head}:{body}" if ":" in body else f"{head}::{body}"
    parent[key] = _same_style(node, new + (slash + proto if slash else ""))
    return None


def _kv_entry(node, name: str):
    """Where ``name`` is in a ``{name: value}`` mapping or a ``["name=value"]`` list: (kind, index)."""
    if isinstance(node, dict):
        return ("map", name) if name in node else (None, None)
    if isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, str) and (item == name or item.startswith(name + "=")):
                return "list", i
    return None, None


def _op_set_kv(parent, key, edit):
    """In service ``parent[key]``, set entry NAME of the key-value field FIELD (edit.key "FIELD/NAME")."""
    field_name, _, name = str(edit.key).partition("/")
    svc = parent[key]
    node = svc.get(field_name) if isinstance(svc, dict) else None
    kind, where = _kv_entry(node, name)
    if kind == "map":
        node[where] = _same_style(node[where], str(edit.value))
    elif kind == "list":
        node[where] = _same_style(node[where], f"{name}={edit.value}")
    else:
        return f"line {edit.span.line}: {field_name}.{name} of {key!r} not found"
    return None


def _op_drop_kv(root, edit):
    """Remove entry NAME of the key-value field FIELD (edit.key "FIELD/NAME") of the service whose key is
    at edit.span; the field goes too when it is left empty."""
    parent, key = find_key(root, edit.span.line, edit.span.col)
    field_name, _, name = str(edit.key).partition("/")
    svc = parent[key] if parent is not None else None
    node = svc.get(field_name) if isinstance(svc, dict) else None
    kind, where = _kv_entry(node, name)
    if kind is None:
        return f"{edit.span.line}:{edit.span.col}: {field_name}.{name} not found"
    _drop(root, node, where)
    return None


def _op_clear_entry(root, edit):
    """Remove the mapping entry whose value is at edit.span; a mapping left empty becomes null
    (``lan: {ipv4_address: ...}`` -> ``lan:``: the service stays on that network)."""
    parent, key = find_node(root, edit.span.line, edit.span.col)
    if parent is None or not isinstance(parent, dict):
        return f"{edit.span.line}:{edit.span.col}: could not locate the entry to remove"
    del parent[key]
    if len(parent) == 0:
        holder, hkey = _holder(root, parent)
        if holder is not None and isinstance(hkey, str):
            holder[hkey] = None
    return None


def _op_drop_entry(root, edit):
    """Remove the mapping entry whose key is at edit.span (or the item there); an emptied
    mapping or list goes too."""
    parent, key = find_key(root, edit.span.line, edit.span.col)
    if parent is None:
        parent, key = find_node(root, edit.span.line, edit.span.col)
    if parent is None:
        return f"{edit.span.line}:{edit.span.col}: could not locate the entry to remove"
    _drop(root, parent, key)
    return None


OPS = {"port_published": _op_port_published, "replace": _op_replace, "remove_item": _op_remove_item,
       "set_key": _op_set_key, "remove_key": _op_remove_key,
       "bind_source": _op_bind_source, "replace_text": _op_replace_text,
       "add_network_alias": _op_add_network_alias,
       "add_ipam_subnet": _op_add_ipam_subnet, "add_list_item": _op_add_list_item, "set_kv": _op_set_kv,
       "port_host_ip": _op_port_host_ip}
# Ops that find their own nodes from the document root: op(root, edit).
ROOT_OPS = {"drop_item": _op_drop_item, "move_item": _op_move_item, "rename_entry": _op_rename_entry,
            "drop_kv": _op_drop_kv, "drop_entry": _op_drop_entry, "clear_entry": _op_clear_entry}
