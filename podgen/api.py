"""The pipeline, as plain functions the CLI and the tests call.

load -> validate -> model -> analyse -> rewrite -> emit.  Nothing here prints
or exits: every stage returns data, the CLI decides what to show and write.
"""
from __future__ import annotations

import os
from dataclasses import field

from podgen._record import record
from podgen.report.diagnostics import Diagnostic, Severity, Span
from podgen.errors import InputError
from podgen.load.project import ProjectOptions, load_project
from podgen.target import Target


@record
class Options:
    files: list = field(default_factory=list)
    project_name: str | None = None
    profiles: tuple = ()
    env_files: tuple | None = None
    project_directory: str | None = None
    environ: dict | None = None
    cwd: str | None = None
    target: Target = field(default_factory=Target)
    select: tuple = ()
    ignore: tuple = ()
    severity: dict = field(default_factory=dict)      # code -> Severity
    rule_options: dict = field(default_factory=dict)  # code -> {option: value}
    output_format: str = "quadlet"      # what lint checks values against: "quadlet" or "script"
    unsafe_fixes: bool = False          # apply fixes that change how a service is reached (Fix.safe False)

    def project_options(self) -> ProjectOptions:
        return ProjectOptions(files=list(self.files), project_name=self.project_name,
                              profiles=tuple(self.profiles), env_files=self.env_files,
                              environ=self.environ, project_directory=self.project_directory,
                              cwd=self.cwd)


@record
class LintResult:
    diagnostics: list
    project: object = None
    loaded: object = None


@record
class ConvertResult:
    files: list                       # GeneratedFile
    diagnostics: list
    changes: list                     # Change
    project: object = None

    @property
    def failed(self) -> bool:
        return any(d.severity >= Severity.ERROR and d.code == "PG703" for d in self.diagnostics)


def load(opts: Options):
    from podgen.model.build import build_project
    loaded = load_project(opts.project_options())
    return loaded, build_project(loaded)


def analyse(project, opts: Options) -> list:
    from podgen.rules import analysis_rules
    from podgen.rules._base import RuleContext
    diags = []
    for rule in analysis_rules():
        if not _enabled(rule.code, opts):
            continue
        ctx = RuleContext(rule, opts.target, opts.rule_options.get(rule.code), opts.rule_options)
        diags.extend(rule.check(project, ctx))
    return diags


def _enabled(code: str, opts: Options) -> bool:
    if opts.select and not any(code.startswith(s) for s in opts.select):
        return False
    return not any(code.startswith(i) for i in opts.ignore)


def finalize(diags: list, opts: Options, sources: dict | None = None) -> list:
    """Selection, severity overrides, inline suppressions; sorted by place."""
    from podgen.report.suppress import suppressed
    out = []
    for d in diags:
        if not _enabled(d.code, opts):
            continue
        if d.code in opts.severity:
            d.severity = opts.severity[d.code]
        if sources is not None and suppressed(d, sources):
            continue
        out.append(d)
    return sorted(out, key=lambda d: (d.span.file, d.span.line, d.span.col, d.code))


def lint(opts: Options) -> LintResult:
    loaded, project = load(opts)
    diags = finalize(list(loaded.diagnostics) + analyse(project, opts), opts, loaded.sources)
    # What convert would refuse or drop must fail the pre-commit hook too: lower the repaired
    # model as convert does (keys without an equivalent, invalid restart policies, durations ...)
    diags += lowering_findings(project, diags, opts)
    return LintResult(finalize(diags, opts, loaded.sources), project, loaded)


def fix_file(opts: Options, path: str):
    """``podgen fix``: lint, then apply the findings' source edits to the compose file *path*.

    Returns a ``podgen.rewrite.source.FixResult`` (the new text, what was fixed and what not);
    writing it is the caller's business (``podgen.output.write_atomic``).
    """
    from podgen.rewrite.source import fix_text
    result = lint(opts)
    abspath = os.path.abspath(path)
    text = result.loaded.sources.get(abspath)
    if text is None:
        with open(abspath, encoding="utf-8") as fh:
            text = fh.read()
    return fix_text(result.diagnostics, text, path, opts.unsafe_fixes)


def lowering_findings(project, diags: list, opts: Options) -> list:
    """The convert-stage findings (PG7xx) for *project*, which is repaired in place.

    With ``opts.output_format == "quadlet"`` (and a target that has Quadlet) the
    units are built too, without rendering them, for what only a unit cannot
    carry (PG703: U+0080, bytes that are not UTF-8, a quote Quadlet strips ...).
    """
    from podgen.rewrite.apply import apply_fixes
    from podgen.rules import RULES
    from podgen.targets.podman.lowering import lower
    from podgen.targets.podman.spec import LoweringError
    fixed, _changes = apply_fixes(project, diags, copy=False, unsafe=opts.unsafe_fixes, mark=False)
    found: list = []
    try:
        spec = lower(fixed, opts.target, found)
    except LoweringError as exc:
        rule = RULES["PG703"]
        found.append(Diagnostic(Span.of(exc.span), "PG703", Severity.ERROR, exc.message, name=rule.name,
                                notes=(exc.hint,) if exc.hint else ()))
        return found
    if opts.output_format == "quadlet" and opts.target.at_least(4, 4):
        from podgen.targets.podman.quadlet import QuadletEmitter
        QuadletEmitter(spec, fixed, opts.target, []).emit()     # adds its findings to spec.diagnostics
    return found


def rewrite(project, diags: list, *, copy: bool = True, unsafe: bool = False, mark: bool = True):
    """The rewrite stage as a pipeline step: the findings' automatic fixes applied to the model
    (a copy, unless ``copy=False``); returns it and the changes (``podgen.rewrite.apply``)."""
    from podgen.rewrite.apply import apply_fixes
    return apply_fixes(project, diags, copy=copy, unsafe=unsafe, mark=mark)


def convert(opts: Options, *, output_format: str = "quadlet", header_command: str | None = None,
            output_dir: str | None = None) -> ConvertResult:
    from podgen.rewrite.apply import apply_fixes
    from podgen.targets.podman.render import render_script, render_unit
    from podgen.targets.podman.lowering import lower
    from podgen.targets.podman.spec import LoweringError
    from podgen.targets.podman.units import GeneratedFile

    if output_format == "quadlet" and not opts.target.at_least(4, 4):
        raise InputError(f"Quadlet needs Podman 4.4 or newer; the target is Podman {opts.target.version}",
                         None, hint="generate a shell script instead: --format script")
    loaded, project = load(opts)
    # suppressed findings are not repaired either: `# podgen: ignore[PG101]` keeps the port
    diags = finalize(list(loaded.diagnostics) + analyse(project, opts), opts, loaded.sources)
    # From here on only the model is read: let the YAML tree (positions for every node) and
    # then the unfixed model go, which keeps the peak memory of a 10,000-service convert low.
    loaded.config = None
    # nothing reads the unfixed model after this: repair it in place rather than copy it
    fixed, changes = apply_fixes(project, diags, copy=False, unsafe=opts.unsafe_fixes)
    del project
    header = file_header(loaded, header_command, opts, output_format, output_dir)
    emit_diags: list = []
    try:
        spec = lower(fixed, opts.target, emit_diags)
    except LoweringError as exc:
        raise InputError(exc.message, (exc.span.file, exc.span.line, exc.span.col) if exc.span else None,
                         hint=exc.hint, code="PG703") from None
    annotate(spec, fixed, [d for d in diags if not getattr(d, "applied", False)], changes)
    annotate_todo(spec, diags)
    files = []
    if output_format == "quadlet":
        from podgen.targets.podman.quadlet import QuadletEmitter
        for unit in QuadletEmitter(spec, fixed, opts.target, header).emit():
            files.append(GeneratedFile(unit.filename, render_unit(unit)))
    else:
        from podgen.targets.podman.script import ScriptModel
        name = f"{fixed.name}.sh"
        files.append(GeneratedFile(name, render_script(ScriptModel(spec, header), name), 0o777))
    mark_private(files, spec, fixed, loaded.filled, output_format, loaded.sources)
    all_diags = finalize(diags + emit_diags, opts, loaded.sources)
    return ConvertResult(files, all_diags, changes, fixed)


def annotate(spec, project, diags: list, changes: list):
    """Put each change and each diagnostic as a comment next to the line it concerns.

    A diagnostic goes next to the option generated from the same place in the
    compose file; otherwise to the top of its service's unit (found from the
    service, or from where in the file the diagnostic points).
    """
    by_service = {c.service: c for c in spec.containers}
    by_network = {n.key: n for n in spec.networks}
    for ch in changes:
        net = by_network.get(ch.network) if ch.network else None
        if net is not None and not any(n[1] == ch.describe() for n in net.notes):
            net.notes.append(("changed", ch.describe()))
        c = by_service.get(ch.service)
        if c is None:
            continue
        opt = next((o for o in c.options if o.source == ch.what and o.value == ch.new), None) or \
            next((o for o in c.options if o.source == ch.what and o.value and ch.new in o.value), None)
        text = f"changed {ch.describe()}"
        if opt is not None:
            opt.comments.append(text)
        else:
            c.notes.append(("changed", ch.describe()))
    # where each service, network and volume is defined: a finding without a service goes to
    # the unit of the definition it lies in (a network's driver, a volume's options ...)
    owners = {("service", name): c for name, c in by_service.items()}
    owners.update((("network", n.key), n) for n in spec.networks)
    owners.update((("volume", v.key), v) for v in spec.volumes)
    starts = _definition_starts(project)
    for d in diags:
        owner = owners.get(("service", d.service)) if d.service else owners.get(_owner_at(starts, d.span))
        if owner is None:
            continue
        opts = owner.options if isinstance(owner.options, list) else ()    # a container's options
        opt = next((o for o in opts if o.span == d.span), None)
        if opt is None and d.code == "PG003":
            # located at the ${VAR} inside a value: the option whose value starts on that line
            opt = next((o for o in opts if o.span is not None and o.span.line == d.span.line
                        and o.span.file == d.span.file and o.span.col <= d.span.col), None)
        if opt is not None:
            opt.comments.append(f"{d.code}: {d.message}")
        elif not any(n[1] == d.message for n in owner.notes):
            owner.notes.append((d.code, d.message))


def annotate_todo(spec, diags: list) -> None:
    """What an applied unsafe fix leaves to the user, as a comment at the top of the unit it
    concerns (the service's, else the diagnostic's own)."""
    by_service = {c.service: c for c in spec.containers}
    for d in diags:
        if not d.applied or d.fix is None:
            continue
        for service, text in d.fix.todo:
            owner = by_service.get(service or d.service)
            if owner is not None and ("todo", text) not in owner.notes:
                owner.notes.append(("todo", text))


def mark_private(files: list, spec, project, filled, output_format: str, sources: dict) -> None:
    """Mark the files that carry values which may be secrets (``GeneratedFile.private``: written 0600).

    The rule: a file is private when it carries a container's environment value (from
    ``environment:``, ``env_file`` or ``.env`` through them), or any value a variable with a value
    went into (``${DB_PASSWORD}`` in a command, a label, a healthcheck ...: from ``.env``,
    ``--env-file`` or the environment).  Such a value podgen cannot place in one definition (a
    top-level ``name:``, an ``x-`` anchor, a line that starts several definitions, a value from
    another file) makes every file private: podgen never guesses a file public.  The script holds
    everything: it is private when any of these is in the project.
    """
    owners = {("service", name) for name, svc in project.services.items()
              if any(v is not None for v in svc.environment.values())}
    everything = False
    if filled:
        import bisect
        by_file: dict = {}      # file -> (start lines, owners, end lines)
        text_lines = {}
        for file, line, owner in _definition_starts(project):
            by_file.setdefault(file, ([], [], []))
            if file not in text_lines:
                text_lines[file] = sources.get(file, "").split("\n")
            # a definition podgen made up (the implicit default network) points at no key of its own:
            # it is a boundary, but a value there is placed nowhere
            col = _definition_col(project, owner)
            here = text_lines[file][line - 1] if line <= len(text_lines[file]) else ""
            by_file[file][0].append(line)
            by_file[file][1].append(owner if here[col - 1:].lstrip("\"'").startswith(owner[1]) else None)
        for file, (lines, _owners, ends) in by_file.items():
            # a definition ends where the next one starts, or at the next top-level key
            tops = [n for n, ln in enumerate(text_lines[file], 1) if ln[:1] not in ("", " ", "\t", "#", "-")]
            for k, start in enumerate(lines):
                nxt = lines[k + 1] if k + 1 < len(lines) else float("inf")
                j = bisect.bisect_right(tops, start)
                ends.append(min(nxt, tops[j] if j < len(tops) else float("inf")))
        for pos in filled:
            lines, found, ends = by_file.get(pos[0], ((), (), ())) if pos else ((), (), ())
            i = bisect.bisect_right(lines, pos[1]) if pos else 0
            if not i or pos[1] >= ends[i - 1] or (i > 1 and lines[i - 2] == pos[1]) or found[i - 1] is None:
                everything = True       # outside any definition, or on a line several share
                break
            owners.add(found[i - 1])
    if not owners and not everything:
        return
    if output_format != "quadlet":
        for f in files:
            f.private = True
        return
    names = {f"{c.unit}.container" for c in spec.containers if everything or ("service", c.service) in owners}
    names.update(f"{n.unit}.network" for n in spec.networks if everything or ("network", n.key) in owners)
    names.update(f"{v.unit}.volume" for v in spec.volumes if everything or ("volume", v.key) in owners)
    for f in files:
        if f.name in names:
            f.private = True


def _definition_col(project, owner) -> int:
    kind, key = owner
    table = {"service": project.services, "network": project.networks, "volume": project.volumes}.get(kind)
    found = table.get(key) if table is not None else (project.secrets.get(key) or project.configs.get(key))
    return max(found.span.col, 1) if found is not None else 1


def _definition_starts(project) -> list:
    """(file, line, owner) where each service, network, volume, secret and config is defined,
    sorted; the owner is ("service", name), ("network", key), ("volume", key) or ("resource", key)."""
    return sorted([(s.span.file, s.span.line, ("service", name)) for name, s in project.services.items()
                   if s.span.line]
                  + [(n.span.file, n.span.line, ("network", key)) for key, n in project.networks.items()
                     if n.span.line]
                  + [(v.span.file, v.span.line, ("volume", key)) for key, v in project.volumes.items()
                     if v.span.line]
                  # secrets and configs have no unit: their findings end where they start
                  + [(r.span.file, r.span.line, ("resource", key))
                     for key, r in (*project.secrets.items(), *project.configs.items()) if r.span.line])


def _owner_at(starts, span):
    """The last definition that starts before *span* in its file."""
    found = None
    for file, line, owner in starts:
        if file == span.file and line <= span.line:
            found = owner
    return found


def file_header(loaded, command: str | None, opts: Options, output_format: str,
                output_dir: str | None = None) -> list:
    """The comment at the top of every generated file.

    Its first line must not depend on the directory podgen was run from (``convert --check``
    compares it): with *output_dir* the sources are named relative to it, where the file lies
    (absolute when they share no directory but ``/``).  The "regenerate with" command is
    typed relative to the current directory; ``--check`` ignores it.
    """
    import shlex

    from podgen import __version__
    if output_dir is not None:
        base = os.path.join(opts.cwd or os.getcwd(), output_dir)
        sources = ", ".join(_path_from(f, base) for f in loaded.files)
    else:
        sources = ", ".join(_display_path(f, opts.cwd) for f in loaded.files)
    lines = [f"Generated by podgen {__version__} from {sources} (project {loaded.name!r}, "
             f"Podman {opts.target.version} {'rootless' if opts.target.rootless else 'rootful'}).",
             "Do not edit: change the compose file and regenerate with:"]
    lines.append(f"  {command}" if command else "  podgen convert " + " ".join(
        shlex.quote(_display_path(f, opts.cwd)) for f in loaded.files) + f" --format {output_format}")
    return lines


def _path_from(path: str, directory: str) -> str:
    """*path* as seen from *directory* (both resolved, so how either was spelt does not matter)."""
    path, directory = os.path.realpath(path), os.path.realpath(directory)
    if os.path.commonpath([path, directory]) == os.sep:
        return path
    return os.path.relpath(path, directory)


def _display_path(path: str, cwd: str | None) -> str:
    base = cwd or os.getcwd()
    try:
        rel = os.path.relpath(path, base)
    except ValueError:
        return path
    return rel if not rel.startswith("..") else path


__all__ = ["Options", "lint", "convert", "load", "analyse", "LintResult", "ConvertResult", "Diagnostic"]
