"""The shape of the tree: stages import downwards only, units stay short, every compose key has one home.

* **Layers.**  load < model < rules < rewrite < targets < the entry points
  (``podgen.api``, ``podgen.cli`` and what only they use); the base modules
  (``podgen.errors``, ``podgen._record``, ``podgen.target``) and the diagnostic
  records (``podgen.report.diagnostics``) are usable by every stage.  The
  other report modules (formatters, suppressions, the rules table) read the
  rule registry and are used by the entry points.  Every import counts, the
  lazy ones inside functions too: a lower stage never imports a higher one.
* **Sizes.**  No module over 600 lines and no function over 80, unless its
  docstring says why with a measurement (``Profile:``).
* **Compose keys.**  Every key of ``podgen.targets.podman.keys.SERVICE_KEYS``
  has its handler in the module of its concern, where ``grep -rn KEY
  podgen/targets/podman`` finds it; every service key of the compose schema is
  in the table (handled, resolved while loading, or not converted: PG701).
* **README.**  "How it is built" names every package under ``podgen/``, and
  every ``podgen/...`` path it names exists.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PODGEN = ROOT / "podgen"

# rank of each part of the tree: a module may import its own rank or lower ranks only
BASE, LOAD, MODEL, RULES, REWRITE, TARGETS, PRESENT, ENTRY = range(8)
LAYERS = [
    # (module name or package prefix, rank); the longest match wins
    ("podgen", BASE), ("podgen._record", BASE), ("podgen.errors", BASE), ("podgen.target", BASE),
    ("podgen.report.diagnostics", BASE),
    ("podgen.load", LOAD),
    ("podgen.model", MODEL),
    ("podgen.rules", RULES),
    ("podgen.rewrite", REWRITE),
    ("podgen.targets", TARGETS),
    ("podgen.report", PRESENT),
    ("podgen.api", ENTRY), ("podgen.cli", ENTRY), ("podgen.__main__", ENTRY), ("podgen.config", ENTRY),
    ("podgen.output", ENTRY),
]
NAMES = ["base", "load", "model", "rules", "rewrite", "targets", "report", "entry points"]


def modules() -> dict:
    """Module name -> path, for every module of the package."""
    out = {}
    for path in sorted(PODGEN.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def rank(name: str) -> int | None:
    best = None
    for prefix, r in LAYERS:
        if name == prefix or name.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, r)
    return None if best is None or (best[0] == "podgen" and name != "podgen") else best[1]


def imported(name: str, path: Path, known: dict) -> set:
    """The podgen modules *path* imports, anywhere in it (function-level imports too)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known)
    return {m for m in found if m == "podgen" or m.startswith("podgen.")}


def test_every_module_has_a_layer():
    missing = [m for m in modules() if rank(m) is None]
    assert not missing, f"give these modules a layer in LAYERS (tests/unit/test_layers.py): {missing}"


def test_no_stage_imports_a_later_one():
    known = modules()
    wrong = []
    for name, path in known.items():
        mine = rank(name)
        for target in sorted(imported(name, path, known)):
            theirs = rank(target)
            if theirs is not None and theirs > mine:
                wrong.append(f"{name} ({NAMES[mine]}) imports {target} ({NAMES[theirs]})")
    assert not wrong, "a lower stage imports a higher one:\n" + "\n".join(wrong)


def test_the_layer_test_sees_lazy_imports(tmp_path):
    path = tmp_path / "x.py"
    path.write_text("def f():\n    from podgen.api import lint\n")
    assert "podgen.api" in imported("podgen.load.x", path, modules())


def test_packages_state_their_contract():
    """Each package's __init__ says what comes in, what goes out and what it may import."""
    for init in sorted(PODGEN.rglob("__init__.py")):
        if init.parent == PODGEN:
            continue
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert len(doc) > 200 and re.search(r"\bimport", doc), f"{init.relative_to(ROOT)}: no contract docstring"


# --- sizes --------------------------------------------------------------------------------

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _justified(node) -> bool:
    return "Profile:" in (ast.get_docstring(node) or "")


def test_no_long_modules_or_functions():
    too_long = []
    for path in sorted(PODGEN.rglob("*.py")):
        text = path.read_text()
        tree = ast.parse(text)
        where = path.relative_to(ROOT)
        if len(text.splitlines()) > MAX_MODULE_LINES and not _justified(tree):
            too_long.append(f"{where}: {len(text.splitlines())} lines (at most {MAX_MODULE_LINES})")
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES and not _justified(node):
                    too_long.append(f"{where}:{node.lineno} {node.name}(): {lines} lines "
                                    f"(at most {MAX_FUNCTION_LINES}, or a 'Profile:' in its docstring)")
    assert not too_long, "split these where a reader would, or justify them:\n" + "\n".join(too_long)


def test_a_justified_long_function_says_what_was_measured():
    """``Profile:`` is a measurement, not a password: the text after it names what was measured."""
    for path in sorted(PODGEN.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _justified(node):
                after = (ast.get_docstring(node) or "").split("Profile:", 1)[1]
                assert re.search(r"\d+ ?%|\d+(\.\d+)? ?(ms|s)\b", after), f"{path.name}:{node.name}: no measurement"


# --- compose keys ---------------------------------------------------------------------------

CONCERNS = {"identity", "networking", "storage", "lifecycle", "resources", "security", "logs"}


def test_every_key_has_its_handler_in_the_module_of_its_concern():
    from podgen.targets.podman.keys import LOADED, SERVICE_KEYS, NotConverted
    for key, handler in SERVICE_KEYS.items():
        if handler is LOADED or isinstance(handler, NotConverted):
            continue
        module = handler.__module__.rpartition(".")[2]
        assert handler.__module__.startswith("podgen.targets.podman.") and module in CONCERNS, (key, handler)
        source = (PODGEN / "targets" / "podman" / f"{module}.py").read_text()
        # what `grep -rn KEY podgen/targets/podman` shows: its def, or the name bound to it
        assert re.search(rf"^def {key}\(|^(\w+ = )*{key} = ", source, re.M), \
            f"{key}: no 'def {key}(' in podgen/targets/podman/{module}.py"


def test_every_service_key_of_the_compose_schema_is_in_the_table():
    from podgen.load.schema import compose_schema
    from podgen.targets.podman.keys import SERVICE_KEYS
    keys = set(compose_schema()["definitions"]["service"]["properties"])
    assert not keys - set(SERVICE_KEYS), "not in podgen/targets/podman/keys.py: " + ", ".join(sorted(keys - set(SERVICE_KEYS)))


@pytest.mark.parametrize("key", ["develop", "scale", "extends"])
def test_the_table_decides_what_is_not_converted(key):
    """PG701 comes from the table: a NotConverted entry is reported with its reason, LOADED is not."""
    from podgen.targets.podman.keys import LOADED, SERVICE_KEYS, NotConverted
    entry = SERVICE_KEYS[key]
    assert entry is LOADED if key == "extends" else isinstance(entry, NotConverted)


# --- README -------------------------------------------------------------------------------

def _architecture() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("## How it is built")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_readme_names_every_package():
    section = _architecture()
    packages = sorted(p.parent.relative_to(ROOT).as_posix() + "/" for p in PODGEN.rglob("__init__.py")
                      if p.parent != PODGEN)
    missing = [p for p in packages if p not in section]
    assert not missing, f'README "How it is built" does not name: {missing}'


def test_every_path_the_readme_names_exists():
    section = _architecture()
    named = set(re.findall(r"\bpodgen/[\w/.]*", section))
    assert named, "the section names no paths"
    missing = [p for p in sorted(named) if not (ROOT / p.rstrip(".")).exists()]
    assert not missing, f'README "How it is built" names what does not exist: {missing}'
