"""Diagnostics -> text for people, editors, CI and code scanning.

* ``text``: ``path:line:col: CODE message`` (flake8/ruff style), then indented
  ``help:`` lines; what editors and pre-commit parse.
* ``json``: an array of objects, described by ``schemas/lint-output.schema.json``.
* ``sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
* ``github``: ``::error file=...,line=...,col=...::`` workflow commands.
"""
from __future__ import annotations

import json
import os

from podgen.report.diagnostics import Severity

FORMATS = ("text", "json", "sarif", "github")
# the keys of one --format json finding, in output order, with the value used when absent
JSON_KEYS = (("code", ""), ("name", ""), ("severity", ""), ("message", ""), ("path", ""), ("line", 0),
             ("column", 0), ("service", None), ("notes", []), ("fix", None))


def display_path(path: str, cwd: str | None = None) -> str:
    if not path:
        return "<input>"
    base = cwd or os.getcwd()
    try:
        rel = os.path.relpath(path, base)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def text(diags, cwd=None, *, show_notes: bool = True, color: bool = False, unsafe_fixes: bool | None = None) -> str:
    """*unsafe_fixes*: None when nothing was applied (lint: the fix line says what convert and fix
    would do); else whether convert or fix ran with ``--unsafe-fixes``."""
    lines = []
    for d in diags:
        where = display_path(d.span.file, cwd)
        if d.span.line:
            where += f":{d.span.line}:{d.span.col}"
        sev = d.severity.label
        code = d.code
        if color:
            code = {"error": "\x1b[31m", "warning": "\x1b[33m", "info": "\x1b[36m"}[sev] + code + "\x1b[0m"
        lines.append(f"{where}: {code} {d.message}" + ("" if d.severity == Severity.ERROR else f" [{sev}]"))
        if show_notes:
            for note in d.notes:
                lines.append(f"  help: {note}")
            if d.fix is not None and d.fix.apply is not None:
                lines.append(f"  fix: {d.fix.title} ({fix_state(d, unsafe_fixes)})")
    return "\n".join(lines) + ("\n" if lines else "")


def fix_state(d, unsafe_fixes: bool | None) -> str:
    """Whether the automatic fix of *d* is (or would be) applied."""
    if d.fix.safe:
        return "applied by podgen convert and podgen fix"
    if unsafe_fixes is None:
        return "unsafe fix: podgen convert and podgen fix apply it only with --unsafe-fixes"
    if d.applied or unsafe_fixes:
        return "unsafe fix, applied: --unsafe-fixes"
    return "unsafe fix, not applied: run with --unsafe-fixes"


def unsafe_hint(diags) -> str | None:
    """ruff's "N hidden fixes can be enabled with the --unsafe-fixes option", for lint."""
    n = sum(1 for d in diags if d.fix is not None and d.fix.apply is not None and not d.fix.safe)
    if not n:
        return None
    return (f"podgen: {n} hidden fix{'es' if n > 1 else ''} can be enabled with the --unsafe-fixes option "
            "of podgen convert and podgen fix")


def as_json(diags, cwd=None) -> str:
    out = []
    for d in diags:
        raw = d.as_dict()
        raw["path"] = display_path(d.span.file, cwd)
        # every key always present, in one order, so consumers need no existence checks
        item = {key: raw.get(key, default) for key, default in JSON_KEYS}
        item.update((k, v) for k, v in raw.items() if k not in item)
        out.append(item)
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


def github(diags, cwd=None) -> str:
    """GitHub Actions workflow commands: one ``::error file=...,line=...,col=...,title=...::message``
    line per finding; the ``help:`` notes follow the message on lines of their own."""
    lines = []
    for d in diags:
        level = {"error": "error", "warning": "warning", "info": "notice"}[d.severity.label]
        props = []
        if d.span.file:
            props.append(f"file={_gh_escape_prop(display_path(d.span.file, cwd))}")
            if d.span.line:
                props += [f"line={d.span.line}", f"col={max(d.span.col, 1)}"]
        props.append(f"title={_gh_escape_prop((d.code + ' ' + d.name).strip())}")
        message = d.message + "".join(f"\nhelp: {n}" for n in d.notes)
        lines.append(f"::{level} {','.join(props)}::{_gh_escape_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _gh_escape_data(s: str) -> str:
    """The message of a workflow command: ``%``, CR and LF are percent-encoded (``%`` first)."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_prop(s: str) -> str:
    """A property value: also ``:`` and ``,``, which separate the properties."""
    return _gh_escape_data(s).replace(":", "%3A").replace(",", "%2C")


def sarif(diags, cwd=None) -> str:
    from podgen import __version__
    from podgen.rules import RULES
    used = sorted({d.code for d in diags} | set(RULES))
    rules = []
    index = {}
    for code in used:
        rule = RULES.get(code)
        index[code] = len(rules)
        entry = {"id": code, "name": rule.name if rule else code,
                 "shortDescription": {"text": rule.summary if rule else code},
                 "helpUri": "https://example.invalid/podgen/rules/" + code,
                 "defaultConfiguration": {"level": _sarif_level(rule.severity) if rule else "warning"}}
        if rule:
            entry["fullDescription"] = {"text": rule.summary}
            entry["help"] = {"text": rule.doc.strip(), "markdown": rule.doc.strip()}
        rules.append(entry)
    results = []
    for d in diags:
        result = {"ruleId": d.code, "ruleIndex": index[d.code], "level": _sarif_level(d.severity),
                  "message": {"text": d.message + "".join(f"\n{n}" for n in d.notes)}}
        if d.span.file:
            loc = {"physicalLocation": {"artifactLocation": _sarif_artifact(d.span.file, cwd)}}
            if d.span.line:
                loc["physicalLocation"]["region"] = {"startLine": d.span.line,
                                                     "startColumn": max(d.span.col, 1)}
            result["locations"] = [loc]
        if d.fix is not None:
            result["properties"] = {"fix": d.fix.title}
        results.append(result)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "podgen", "version": __version__,
                                "informationUri": "https://example.invalid/podgen", "rules": rules}},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": _dir_uri(cwd or os.getcwd())}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _sarif_artifact(path: str, cwd=None) -> dict:
    """A relative URI (against %SRCROOT%, the directory podgen ran in) when the file is below it,
    else an absolute ``file://`` URI; percent-encoded, always with forward slashes."""
    from urllib.parse import quote
    shown = display_path(path, cwd)
    if not os.path.isabs(shown):
        return {"uri": quote(shown.replace(os.sep, "/")), "uriBaseId": "%SRCROOT%"}
    return {"uri": "file://" + quote(os.path.abspath(path).replace(os.sep, "/"))}


def _dir_uri(directory: str) -> str:
    from urllib.parse import quote
    path = os.path.abspath(directory).replace(os.sep, "/")
    return "file://" + quote(path if path.endswith("/") else path + "/")


def _sarif_level(sev: Severity) -> str:
    return {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}[sev]


def render(diags, fmt: str, cwd=None, **kw) -> str:
    if fmt == "json":
        return as_json(diags, cwd)
    if fmt == "sarif":
        return sarif(diags, cwd)
    if fmt == "github":
        return github(diags, cwd)
    return text(diags, cwd, **kw)
