"""Variable interpolation exactly as Docker Compose applies it.

Supported: ``$$`` (a literal ``$``), ``$VAR``, ``${VAR}``, ``${VAR:-default}``,
``${VAR-default}``, ``${VAR:?error}``, ``${VAR?error}``, ``${VAR:+alt}``,
``${VAR+alt}``; defaults and alternatives may themselves hold ``${...}``.
A ``$`` not followed by ``$``, a name or ``{`` is kept as it is (as in
compose-go); ``${`` that does not form a valid expression is an error.
"""
from __future__ import annotations

from podgen.errors import InputError
from podgen.load.yamlload import YMap, YSeq

_NAME_START = frozenset("_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
# Characters variables may add to a project in total (``${BIG}`` used a million times,
# or an env file whose lines double the previous one): a clear error, not gigabytes.
MAX_EXPANSION = 64 * 1024 * 1024
# ``${A:-${B:-${C:-...}}}`` nesting (each level is a recursive call)
MAX_NESTING = 32
_NAME_CHARS = _NAME_START | frozenset("0123456789")


class TemplateError(Exception):
    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class Interpolator:
    """Substitutes variables from *env*; records unset ones in ``missing``."""

    def __init__(self, env: dict):
        self.env = env
        self.missing: dict[str, tuple] = {}  # name -> first position it was used at
        self.blanked: set = set()            # positions of values that used an unset variable
        # position -> (text before substitution, names) of each value in which a plain ${VAR} or
        # $VAR was unset or empty (PG503: `${DATA}/x` with DATA unset is the top-level path /x)
        self.emptied: dict = {}
        self._emptied_now: list | None = None
        # positions of values that a variable with a value went into (.env, --env-file, the
        # environment: passwords among them): the files generated from them are written private
        self.filled: set = set()
        self.expanded = 0                    # characters substituted so far (MAX_EXPANSION)
        self._depth = 0

    def substitute(self, text: str, pos=None) -> str:
        if "$" not in text:
            return text
        try:
            out, _ = self._scan(text, 0, None, pos)
        except TemplateError as exc:
            raise InputError(exc.message, pos, hint=exc.hint or
                             "write $$ for a literal $ sign in compose files") from None
        finally:
            self._depth = 0
            emptied, self._emptied_now = self._emptied_now, None
        if emptied and pos is not None:
            self.emptied[pos] = (text, tuple(emptied))
        return out

    def _charge(self, value: str, pos) -> str:
        if value:
            self.filled.add(pos)
        self.expanded += len(value)
        if self.expanded > MAX_EXPANSION:
            raise InputError(f"variables expand to more than {MAX_EXPANSION // (1024 * 1024)} MiB of text",
                             pos, hint="a variable with a huge value is used many times, or env file "
                                       "values refer to each other; check the .env/env_file contents")
        return value

    def _scan(self, text: str, i: int, stop: str | None, pos):
        """Return (substituted text, index after the stop char) from text[i:]."""
        out = []
        n = len(text)
        depth = 0
        while i < n:
            ch = text[i]
            if stop is not None and ch == "}" and depth == 0:
                return "".join(out), i + 1
            if ch != "$":
                out.append(ch)
                i += 1
                continue
            nxt = text[i + 1] if i + 1 < n else ""
            if nxt == "$":
                out.append("$")
                i += 2
            elif nxt == "{":
                value, i = self._braced(text, i + 2, pos)
                out.append(value)
            elif nxt in _NAME_START:
                j = i + 1
                while j < n and text[j] in _NAME_CHARS:
                    j += 1
                out.append(self._lookup(text[i + 1:j], pos))
                i = j
            else:
                out.append("$")
                i += 1
        if stop is not None:
            raise TemplateError(f"invalid interpolation format {text!r}: '${{' is never closed",
                                "close it with '}', or write $$ for a literal $")
        return "".join(out), i

    def _lookup(self, name: str, pos) -> str:
        value = self.env.get(name)
        if not value:
            if self._emptied_now is None:
                self._emptied_now = []
            self._emptied_now.append(name)
            if value is None:
                self.missing.setdefault(name, pos)
                self.blanked.add(pos)
                return ""
        return self._charge(value, pos)

    def _braced(self, text: str, i: int, pos):
        n = len(text)
        j = i
        while j < n and text[j] in _NAME_CHARS:
            j += 1
        name = text[i:j]
        if not name or name[0] not in _NAME_START:
            raise TemplateError(f"invalid interpolation format {text!r}: "
                                f"'${{' must be followed by a variable name",
                                "write $$ for a literal $, e.g. $${...}")
        if j < n and text[j] == "}":
            return self._lookup(name, pos), j + 1
        op = None
        for candidate in (":-", ":?", ":+", "-", "?", "+"):
            if text.startswith(candidate, j):
                op = candidate
                break
        if op is None and j >= n:
            raise TemplateError(f"invalid interpolation format {text!r}: '${{' is never closed",
                                "close it with '}', or write $$ for a literal $")
        if op is None:
            raise TemplateError(f"invalid interpolation format {text!r}: unexpected "
                                f"{text[j:j + 1]!r} after '${{{name}'",
                                "use ${VAR}, ${VAR:-default}, ${VAR:?error} or ${VAR:+alt}")
        # the argument may contain nested ${...}; it is only expanded if used
        arg_start = j + len(op)
        arg_end = _matching_brace(text, arg_start)
        if arg_end < 0:
            raise TemplateError(f"invalid interpolation format {text!r}: '${{' is never closed",
                                "close it with '}', or write $$ for a literal $")
        raw_arg = text[arg_start:arg_end]
        value = self.env.get(name)
        is_set = value is not None
        non_empty = bool(value)
        ok = non_empty if op[0] == ":" else is_set
        kind = op[-1]
        self._depth += 1
        if self._depth > MAX_NESTING:
            raise TemplateError(f"invalid interpolation format: '${{...}}' nested more than "
                                f"{MAX_NESTING} levels deep", "simplify the default values")
        if kind == "-":
            result = self._charge(value, pos) if ok else self._scan(raw_arg, 0, None, pos)[0]
        elif kind == "+":
            result = self._scan(raw_arg, 0, None, pos)[0] if ok else ""
        else:  # "?"
            if not ok:
                message = self._scan(raw_arg, 0, None, pos)[0]
                state = "is missing a value" if not is_set or op == ":?" else "is not set"
                raise InputError(f"required variable {name} {state}"
                                 + (f": {message}" if message else ""), pos,
                                 hint=f"set {name} in the environment or in the project's .env file")
            result = self._charge(value, pos)
        self._depth -= 1
        return result or "", arg_end + 1


def _matching_brace(text: str, i: int) -> int:
    depth = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "$" and i + 1 < n and text[i + 1] == "$":
            i += 2
            continue
        if ch == "$" and i + 1 < n and text[i + 1] == "{":
            depth += 1
            i += 2
            continue
        if ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


# Paths whose string values compose-go casts after interpolation ("*" = any key/index).
_BOOL = "bool"
_INT = "int"
_FLOAT = "float"
CASTS = {
    ("services", "*", "configs", "*", "mode"): _INT,
    ("services", "*", "secrets", "*", "mode"): _INT,
    ("services", "*", "cpu_count"): _INT,
    ("services", "*", "cpu_percent"): _FLOAT,
    ("services", "*", "cpu_period"): _INT,
    ("services", "*", "cpu_quota"): _INT,
    ("services", "*", "cpu_rt_period"): _INT,
    ("services", "*", "cpu_rt_runtime"): _INT,
    ("services", "*", "cpus"): _FLOAT,
    ("services", "*", "cpu_shares"): _INT,
    ("services", "*", "init"): _BOOL,
    ("services", "*", "deploy", "replicas"): _INT,
    ("services", "*", "deploy", "restart_policy", "max_attempts"): _INT,
    ("services", "*", "healthcheck", "retries"): _INT,
    ("services", "*", "healthcheck", "disable"): _BOOL,
    ("services", "*", "oom_kill_disable"): _BOOL,
    ("services", "*", "oom_score_adj"): _INT,
    ("services", "*", "pids_limit"): _INT,
    ("services", "*", "ports", "*", "target"): _INT,
    ("services", "*", "privileged"): _BOOL,
    ("services", "*", "read_only"): _BOOL,
    ("services", "*", "scale"): _INT,
    ("services", "*", "stdin_open"): _BOOL,
    ("services", "*", "tty"): _BOOL,
    ("services", "*", "ulimits", "*"): _INT,
    ("services", "*", "ulimits", "*", "hard"): _INT,
    ("services", "*", "ulimits", "*", "soft"): _INT,
    ("services", "*", "volumes", "*", "read_only"): _BOOL,
    ("services", "*", "volumes", "*", "volume", "nocopy"): _BOOL,
    ("networks", "*", "external"): _BOOL,
    ("networks", "*", "internal"): _BOOL,
    ("networks", "*", "attachable"): _BOOL,
    ("networks", "*", "enable_ipv6"): _BOOL,
    ("volumes", "*", "external"): _BOOL,
    ("secrets", "*", "external"): _BOOL,
    ("configs", "*", "external"): _BOOL,
}
_TRUE_WORDS = frozenset(("y", "yes", "true", "on"))
_FALSE_WORDS = frozenset(("n", "no", "false", "off"))


def _cast(kind: str, value: str, pos):
    text = value.strip()
    if kind == _BOOL:
        low = text.lower()
        if low in _TRUE_WORDS:
            return True
        if low in _FALSE_WORDS:
            return False
        raise InputError(f"expected a boolean, got {value!r}", pos,
                         hint="use true or false")
    if kind == _INT:
        try:
            return int(text, 10)
        except ValueError:
            raise InputError(f"expected an integer, got {value!r}", pos,
                             hint="write a whole number, e.g. 3") from None
    try:
        return float(text)
    except ValueError:
        raise InputError(f"expected a number, got {value!r}", pos,
                         hint="write a number, e.g. 0.5") from None


def interpolate_tree(root, interp: Interpolator):
    """Interpolate every string value of a composed document in place."""
    _walk(root, _CAST_TREE, interp)


def _walk(node, casts, interp: Interpolator):
    # casts: the _CastNode of node's generic path (see _cast_tree), or None when no cast applies
    # anywhere below it (environment, labels, command, ...): most of a file only needs its
    # strings substituted
    if type(node) is YMap:
        vpos = node.vpos
        children = casts.children if casts is not None else None
        any_key = casts is not None and casts.any_key
        for key, value in node.items():
            tv = type(value)
            if tv is str:
                new = interp.substitute(value, vpos.get(key)) if "$" in value else value
                if children:
                    child = children.get("*" if any_key else key)
                    if child is not None and child.kind is not None:
                        new = _cast(child.kind, new, vpos.get(key))
                if new is not value:
                    node[key] = new
            elif tv is YMap or tv is YSeq:
                _walk(value, children.get("*" if any_key else key) if children else None, interp)
    elif type(node) is YSeq:
        ipos = node.ipos
        below = casts.children.get("*") if casts is not None else None    # every item is "*"
        kind = below.kind if below is not None else None
        for i, value in enumerate(node):
            tv = type(value)
            if tv is str:
                where = ipos[i] if i < len(ipos) else None
                new = interp.substitute(value, where) if "$" in value else value
                if kind is not None:
                    new = _cast(kind, new, where)
                if new is not value:
                    node[i] = new
            elif tv is YMap or tv is YSeq:
                _walk(value, below, interp)


class _CastNode:
    """One generic path of ``CASTS`` or a prefix of one: a trie walked along with the document.

    ``kind``: the cast of a value at this path (or None); ``children``: key -> _CastNode, where
    ``"*"`` stands for any list item, or for any key when ``any_key`` (the names of services,
    networks, volumes, secrets, configs and ulimits: see ``_generic``).
    """

    __slots__ = ("kind", "children", "any_key")

    def __init__(self, any_key: bool = False):
        self.kind = None
        self.children: dict = {}
        self.any_key = any_key


def _generic(path: tuple) -> tuple:
    """services.web.ports.* -> services.*.ports.* (names of services etc. are wildcards)."""
    if len(path) >= 2 and path[0] in ("services", "networks", "volumes", "secrets", "configs"):
        path = (path[0], "*") + path[2:]
    if len(path) >= 4 and path[0] == "services" and path[2] == "ulimits":
        path = path[:3] + ("*",) + path[4:]
    return path


def _cast_tree() -> _CastNode:
    root = _CastNode()
    for path, kind in CASTS.items():
        node = root
        for i, part in enumerate(path):
            child = node.children.get(part)
            if child is None:
                # a mapping's keys are all "*" where _generic makes them wildcards
                child = node.children[part] = _CastNode(any_key=_generic(path[:i + 1] + ("x",))[-1] == "*")
            node = child
        node.kind = kind
    return root


_CAST_TREE = _cast_tree()
