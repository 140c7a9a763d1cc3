"""The ``podgen`` command line: thin click functions over ``podgen.api``.

Heavy modules (jinja2, the rule docs, ruamel's round-trip dumper) are imported
inside the commands that need them, so ``podgen lint`` starts fast enough
for a pre-commit hook.
"""
from __future__ import annotations

import gc
import os
import sys

# Importing click and podgen creates many objects and no garbage: without the cyclic
# collector's passes over them start-up is ~5% shorter.  Restored below for importers.
_gc_was_enabled = gc.isenabled()
gc.disable()

import click  # noqa: E402

from podgen import __version__
from podgen.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, PodgenError, UsageError  # noqa: E402

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

EPILOG = """\b
Exit status:
  0  success; lint found nothing at or above --fail-on
  1  lint found problems at or above --fail-on; fix left such problems or
     (--diff) has changes; convert --check found stale files, or convert
     --fail-on found such problems it could not repair
  2  usage error, or the compose file cannot be loaded or converted
  3  internal error in podgen (please report it)
"""


def _project_options(f):
    f = click.option("-p", "--project-name", metavar="NAME",
                     help="Project name (default: COMPOSE_PROJECT_NAME, the top-level 'name:', or the directory).")(f)
    f = click.option("--profile", "profiles", multiple=True, metavar="PROFILE",
                     help="Enable services of this profile ('*' = all). Repeatable.")(f)
    f = click.option("--env-file", "env_files", multiple=True, metavar="FILE",
                     help="Read variables from FILE instead of the project's .env. Repeatable.")(f)
    f = click.option("--project-directory", metavar="DIR",
                     help="Directory relative paths and .env are resolved against (default: the first file's).")(f)
    return f


def _target_options(f):
    f = click.option("--podman-version", metavar="X.Y",
                     help="Podman version to generate for (default: the installed podman, else 5.4).")(f)
    f = click.option("--rootful", is_flag=True, help="Target rootful Podman: rootless-only rules are off.")(f)
    f = click.option("--unprivileged-port-start", type=click.IntRange(0, 65536), metavar="N",
                     help="The host's net.ipv4.ip_unprivileged_port_start (default: 1024).")(f)
    return f


def _unsafe_option(f):
    return click.option("--unsafe-fixes/--no-unsafe-fixes", "unsafe_fixes", default=None,
                        help="Also apply unsafe fixes, which change how a service is reached (a macvlan "
                             "network made a bridge, a protocol port such as DNS's 53 or syslog's 514 "
                             "remapped); without it they are only reported (default: unsafe-fixes in "
                             "the configuration, else off).")(f)


def _unsafe(flag, config) -> bool:
    return bool(config.get("unsafe-fixes", False)) if flag is None else flag


def _target(podman_version, rootful, unprivileged_port_start, config=None):
    from podgen.target import resolve_target
    return resolve_target(podman_version, rootful, unprivileged_port_start, config or {},
                          warn=lambda message: click.echo(message, err=True))


def _codes(values) -> tuple:
    """--select/--ignore values (repeatable, comma lists of codes, prefixes or names) -> codes."""
    out = []
    for value in values or ():
        for part in str(value).split(","):
            part = part.strip()
            if part:
                out.append(part)
    if not out:
        return ()
    from podgen.config import resolve_selectors
    return resolve_selectors(out)


def _options(files, project_name, profiles, env_files, project_directory, target, config=None,
             select=(), ignore=(), output_format="quadlet", unsafe_fixes=False):
    from podgen.api import Options
    cfg = config or {}
    return Options(files=list(files), project_name=project_name, profiles=tuple(profiles),
                   env_files=tuple(env_files) if env_files else None, project_directory=project_directory,
                   target=target,
                   select=_codes(select) or tuple(cfg.get("select", ())),
                   ignore=_codes(ignore) + tuple(cfg.get("ignore", ())),
                   severity=cfg.get("severity_map", {}), rule_options=cfg.get("rule_options", {}),
                   output_format=output_format, unsafe_fixes=unsafe_fixes)


@click.group(context_settings=CONTEXT, epilog=EPILOG)
@click.version_option(__version__, "-V", "--version", prog_name="podgen")
def cli():
    """Move docker-compose projects onto rootless Podman without surprises.

    \b
    podgen reads compose files exactly as Docker Compose does, finds what breaks
    under rootless Podman (privileged ports, missing DNS, unreachable bridge IPs,
    macvlan, host networking, the Docker socket...), repairs what it can, and
    writes Quadlet units or a podman shell script.

    \b
    Examples:
      podgen lint compose.yaml                      # what breaks rootless, file:line:col
      podgen convert compose.yaml                   # preview the Quadlet units
      podgen convert compose.yaml -o ~/.config/containers/systemd
      podgen convert compose.yaml --format script -o deploy/
      podgen fix compose.yaml --diff                # rootless-ready compose file
      podgen explain PG101                          # why, example, fix
    """


@cli.command(context_settings=CONTEXT, epilog=EPILOG)
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("-f", "--file", "more_files", multiple=True, metavar="FILE",
              help="More compose files, merged in order like docker compose -f.")
@click.option("-o", "--output", "outdir", metavar="DIR",
              help="Write the files into DIR (created if needed). Without -o they are printed.")
@click.option("--format", "output_format", type=click.Choice(["quadlet", "script"]), default=None,
              help="Quadlet units, or one POSIX sh script with up/down (default: quadlet, "
                   "or output-format in the configuration).")
@click.option("--force", is_flag=True, help="Replace files podgen generated before (never other files).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if the files in -o DIR are not up to date.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Exit 1 (after writing) when a finding this severe was not repaired, e.g. in CI "
                   "(default: exit 0 and say how many errors are left).")
@_unsafe_option
@_target_options
@_project_options
def convert(file, more_files, outdir, output_format, force, check, quiet, fail_on, unsafe_fixes, podman_version,
            rootful, unprivileged_port_start, project_name, profiles, env_files, project_directory):
    """Convert a compose project to Quadlet units or a podman script.

    \b
    Applies podgen's rootless repairs (privileged ports remapped, a project
    network with DNS, links as aliases, ...), prints every diagnostic and every
    change, and writes each one as a comment next to the line it concerns.
    Unsafe fixes, which change how a service is reached (macvlan made a bridge,
    DNS's or syslog's port remapped), only with --unsafe-fixes.

    \b
    Files that carry environment values (passwords from .env, env_file,
    environment:) are written 0600, in a directory podgen creates 0700;
    the others follow the umask.

    \b
    Examples:
      podgen convert compose.yaml -o ~/.config/containers/systemd
        then: systemctl --user daemon-reload && systemctl --user start PROJECT-SERVICE
      podgen convert compose.yaml -f compose.prod.yaml --podman-version 4.9 -o units/
      podgen convert compose.yaml --format script -o deploy/ && sh deploy/PROJECT.sh up
      podgen convert compose.yaml -o units/ --check     # in CI or pre-commit
    """
    from podgen import api
    from podgen.config import load_config
    files = ([file] if file else []) + list(more_files)
    if check and not outdir:
        raise UsageError("--check needs -o DIR: the directory to compare with")
    if check and force:
        raise UsageError("--check and --force contradict each other: --check writes nothing, "
                         "--force replaces files", hint="drop --check to regenerate, or --force to compare")
    config = load_config(os.getcwd())
    output_format = output_format or config.get("output-format", "quadlet")
    target = _target(podman_version, rootful, unprivileged_port_start, config)
    unsafe = _unsafe(unsafe_fixes, config)
    opts = _options(files, project_name, profiles, env_files, project_directory, target, config,
                    output_format=output_format, unsafe_fixes=unsafe)
    command = _regen_command(output_format, files, outdir, podman_version, target, project_name=project_name,
                             profiles=profiles, env_files=env_files, project_directory=project_directory,
                             unprivileged_port_start=unprivileged_port_start, unsafe_fixes=unsafe_fixes)
    result = api.convert(opts, output_format=output_format, header_command=command, output_dir=outdir)
    _report_convert(result, quiet, unsafe)
    if check:
        _check_output(result, outdir, command, quiet)
        return
    _write_output(result, outdir, force, quiet, output_format, fail_on)


def _report_convert(result, quiet: bool, unsafe: bool) -> None:
    """Print the findings and the changes; exit when a value cannot be written (PG703)."""
    from podgen.report import formatters
    errors = [d for d in result.diagnostics if d.code == "PG703"]
    shown = result.diagnostics if not quiet else errors
    if shown:
        click.echo(formatters.text(shown, unsafe_fixes=unsafe), err=True, nl=False)
    if errors:
        click.echo(f"podgen: {len(errors)} value(s) cannot be written as Quadlet units; nothing was written",
                   err=True)
        sys.exit(EXIT_INPUT)
    if not quiet:
        for ch in result.changes:
            where = ch.service or (f"network {ch.network}" if ch.network else "project")
            click.echo(f"changed: {where}: {ch.describe()}", err=True)
        _unsafe_report(result.diagnostics)


def _check_output(result, outdir: str, command: str, quiet: bool) -> None:
    """``convert --check``: exit 1 when the files in *outdir* are not what would be written."""
    from podgen.output import stale_files
    stale = stale_files(result.files, outdir, result.project.name)
    if stale:
        click.echo(f"podgen: {outdir} is out of date: {', '.join(stale)}", err=True)
        click.echo(f"  help: regenerate with: {command} --force", err=True)
        sys.exit(EXIT_FINDINGS)
    if not quiet:
        click.echo(f"podgen: {outdir} is up to date", err=True)


def _write_output(result, outdir, force: bool, quiet: bool, output_format: str, fail_on) -> None:
    """Print the files (no *outdir*) or write them; exit 1 for findings left at *fail_on* or above."""
    from podgen.report.diagnostics import Severity
    left = [d for d in result.diagnostics if not getattr(d, "applied", False)
            and d.severity >= Severity.parse(fail_on or "error")]
    if not outdir:
        if len(result.files) > 1:
            # one write: a click.echo per file was ~1 % of a 10,000-service convert
            click.echo("\n".join(f"### {f.name}\n{f.text}" for f in result.files), nl=False)
        elif result.files:          # none for a project without services, networks or volumes
            click.echo(result.files[0].text, nl=False)
        _unrepaired(left, fail_on)
        return
    from podgen.output import write_files
    done = write_files(result.files, outdir, force=force, project=result.project.name)
    if not quiet:
        click.echo(f"podgen: wrote {len(done['written'])} file(s) to {outdir}"
                   + (f", removed {len(done['removed'])} stale" if done["removed"] else ""), err=True)
        if output_format == "quadlet":
            click.echo("  next: systemctl --user daemon-reload && systemctl --user start "
                       + " ".join(f.name.rsplit('.', 1)[0] + ".service"
                                  for f in result.files if f.name.endswith(".container")), err=True)
        else:
            click.echo(f"  next: sh {os.path.join(outdir, result.files[0].name)} up", err=True)
    _unrepaired(left, fail_on)


def _unsafe_report(diags: list) -> None:
    """What applied unsafe fixes leave to the user, and how many were not applied."""
    from podgen.rewrite.apply import unsafe_skipped
    for d in diags:
        if d.applied and d.fix is not None:
            for _service, note in d.fix.todo:
                click.echo(f"todo: {note}", err=True)
    skipped = unsafe_skipped(diags)
    if skipped:
        click.echo(f"podgen: {len(skipped)} unsafe fix{'es' if len(skipped) > 1 else ''} not applied "
                   f"({', '.join(sorted({d.code for d in skipped}))}, listed above): they change how a "
                   "service is reached; run with --unsafe-fixes to apply them", err=True)


def _unrepaired(left: list, fail_on) -> None:
    """Say how many findings convert could not repair; exit 1 for --fail-on."""
    if not left:
        return
    what = "error(s)" if fail_on in (None, "error") else f"finding(s) at or above {fail_on}"
    click.echo(f"podgen: {len(left)} {what} not repaired (listed above): the output is written, but what "
               "they describe will fail under Podman", err=True)
    if fail_on:
        sys.exit(EXIT_FINDINGS)


def _regen_command(output_format, files, outdir, podman_version, target, *, project_name=None, profiles=(),
                   env_files=(), project_directory=None, unprivileged_port_start=None, unsafe_fixes=None) -> str:
    """The command that regenerates the same files: every option that changes them, quoted for sh.

    Paths are as typed, relative to the current directory, but normalised ('quadlet/' and
    'quadlet', './compose.yaml' and 'compose.yaml' give the same header); 'convert --check'
    ignores this part of the header.
    """
    import shlex

    def path(p: str) -> str:
        p = os.path.normpath(p)
        return shlex.quote("./" + p if p.startswith("-") else p)    # not taken for an option

    parts = ["podgen", "convert"] + [path(f) for f in files[:1]]
    for f in files[1:]:
        parts += ["-f", path(f)]
    if project_directory:
        parts += ["--project-directory", path(project_directory)]
    if project_name:
        parts += ["-p", shlex.quote(project_name)]
    for p in profiles or ():
        parts += ["--profile", shlex.quote(p)]
    for f in env_files or ():
        parts += ["--env-file", path(f)]
    if outdir:
        parts += ["-o", path(outdir)]
    if output_format != "quadlet":
        parts += ["--format", output_format]
    if podman_version or target.detected is False:
        parts += ["--podman-version", target.version]
    if not target.rootless:
        parts.append("--rootful")
    if unprivileged_port_start is not None or target.unprivileged_port_start != 1024:
        parts += ["--unprivileged-port-start", str(target.unprivileged_port_start)]
    if unsafe_fixes is not None:        # as typed: the configuration may say otherwise
        parts.append("--unsafe-fixes" if unsafe_fixes else "--no-unsafe-fixes")
    return " ".join(parts)


@cli.command(context_settings=CONTEXT, epilog=EPILOG)
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("-f", "--file", "more_files", multiple=True, metavar="FILE",
              help="Lint these files merged as one project (like docker compose -f).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default=None,
              help="Output format (default: text; github under GitHub Actions).")
@click.option("--select", multiple=True, metavar="CODES", help="Only these codes or prefixes, e.g. PG1,PG201.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these codes or prefixes.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Exit 1 when a finding is at least this severe (default: warning).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing, just set the exit status.")
@click.option("--for", "output_format", type=click.Choice(["quadlet", "script"]), default=None,
              help="Check values against what convert writes: Quadlet units (default, or output-format "
                   "in the configuration) or a script, which carries any value.")
@_target_options
@_project_options
def lint(files, more_files, fmt, select, ignore, fail_on, quiet, output_format, podman_version, rootful,
         unprivileged_port_start, project_name, profiles, env_files, project_directory):
    """Report what breaks when these compose files run on rootless Podman.

    \b
    Each FILE is linted as its own project (what pre-commit passes); use -f to
    merge several files into one project.  An override file (compose.override.yaml,
    compose.prod.yml) is linted merged onto the compose.yaml beside it.  Findings
    print as PATH:LINE:COL: CODE message, which editors and CI understand.

    \b
    Configure in pyproject.toml [tool.podgen] or .podgen.toml (select, ignore,
    severity, fail-on, rule options), or inline with
    '# podgen: ignore[PG101]' on the line or the line above.

    \b
    Examples:
      podgen lint compose.yaml
      podgen lint --format sarif compose.yaml > podgen.sarif
      podgen lint --select PG1 --fail-on error docker-compose.yml
    """
    from podgen import api
    from podgen.config import load_config
    from podgen.report import formatters
    from podgen.report.diagnostics import Severity, errors_as_diagnostics
    config = load_config(os.getcwd())
    target = _target(podman_version, rootful, unprivileged_port_start, config)
    if fmt is None:
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    threshold = Severity.parse(fail_on or config.get("fail-on", "warning"))
    # each FILE is a project; an override file (compose.override.yaml, compose.prod.yml) is
    # linted merged onto the base file beside it, as docker compose uses it, and only its own
    # findings are reported (the base is linted when it is given itself)
    groups = [([_override_base(f), f], f) if _override_base(f) else ([f], None) for f in files]
    if more_files:
        groups.append((list(more_files), None))
    if not groups:
        groups = [([], None)]
    diags = []
    errors = []
    for group, only in groups:
        opts = _options(group, project_name, profiles, env_files, project_directory, target, config,
                        select, ignore, output_format or config.get("output-format", "quadlet"))
        try:
            found = api.lint(opts).diagnostics
        except PodgenError as exc:
            errors.append((group, exc))
            continue
        if only is not None:
            found = [d for d in found if not d.span.file or d.span.file == os.path.abspath(only)]
        diags.extend(found)
    if errors:
        diags.extend(errors_as_diagnostics(errors))
    if not quiet:
        out = formatters.render(diags, fmt, show_notes=True)
        if out:
            click.echo(out, nl=False)
        hint = formatters.unsafe_hint(diags) if fmt == "text" else None
        if hint:
            click.echo(hint, err=True)
    if errors:
        sys.exit(EXIT_INPUT)
    if any(d.severity >= threshold for d in diags):
        sys.exit(EXIT_FINDINGS)


def _override_base(path: str):
    """``compose.yaml`` beside an override file such as ``compose.override.yaml`` or
    ``docker-compose.prod.yml``; None for a file that is not one, or has no base."""
    import re
    directory, name = os.path.split(path)
    m = re.fullmatch(r"((?:docker-|podman-)?compose)\.[\w-]+(?:\.[\w-]+)*\.ya?ml", name)
    if not m:
        return None
    for candidate in (m.group(1) + ".yaml", m.group(1) + ".yml"):
        base = os.path.join(directory, candidate)
        if os.path.isfile(base) and os.path.abspath(base) != os.path.abspath(path):
            return base
    return None


@cli.command("config", context_settings=CONTEXT, epilog=EPILOG)
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("-f", "--file", "files", multiple=True, metavar="FILE", help="Compose files, merged in order.")
@click.option("--format", "fmt", type=click.Choice(["json", "yaml"]), default="yaml", show_default=True)
@_project_options
def config_cmd(file, files, fmt, project_name, profiles, env_files, project_directory):
    """Print the normalised project, like 'docker compose config'.

    \b
    Interpolation, .env, merged -f files, profiles, extends and include are
    applied; short syntax becomes long syntax; '$' is written '$$' so the
    output can be loaded again.
    """
    from podgen.targets.compose.config import render_json, render_yaml
    files = ([file] if file else []) + list(files)     # FILE [-f FILE]..., as for convert
    from podgen.load.project import ProjectOptions, load_project
    loaded = load_project(ProjectOptions(files=list(files), project_name=project_name,
                                         profiles=tuple(profiles),
                                         env_files=tuple(env_files) if env_files else None,
                                         project_directory=project_directory))
    for d in loaded.diagnostics:
        from podgen.report.formatters import text
        click.echo(text([d]), err=True, nl=False)
    click.echo(render_json(loaded.config) if fmt == "json" else render_yaml(loaded.config), nl=False)


@cli.command(context_settings=CONTEXT, epilog=EPILOG)
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--diff", is_flag=True, help="Print a unified diff instead of writing the file.")
@click.option("-o", "--output", metavar="FILE", help="Write the fixed file here instead of in place.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Exit 1 when a finding this severe is left unfixed (default: warning, as lint).")
@_unsafe_option
@_target_options
@_project_options
def fix(file, diff, output, fail_on, unsafe_fixes, podman_version, rootful, unprivileged_port_start, project_name,
        profiles, env_files, project_directory):
    """Rewrite a compose file so it works on rootless Podman.

    \b
    Applies the same repairs as 'podgen convert' to the compose file itself,
    keeping comments and layout.  Unsafe fixes, which change how a service
    is reached (macvlan made a bridge, DNS's or syslog's port remapped), only
    with --unsafe-fixes.  Exit 0 when the file is clean afterwards, 1 when
    findings are left that fix cannot repair (lint lists them) and, with
    --diff, when there is a diff; 2 on bad input.  The file keeps its mode.
    """
    from podgen.config import load_config
    from podgen.report.diagnostics import Severity
    from podgen.api import fix_file
    config = load_config(os.getcwd())
    target = _target(podman_version, rootful, unprivileged_port_start, config)
    threshold = Severity.parse(fail_on or config.get("fail-on", "warning"))
    base = _override_base(file)
    opts = _options([base, file] if base else [file], project_name, profiles, env_files, project_directory,
                    target, config, unsafe_fixes=_unsafe(unsafe_fixes, config))
    result = fix_file(opts, file)
    for line in result.messages:
        click.echo(line, err=True)
    left = [d for d in result.unfixed if d.severity >= threshold]
    if diff:
        if result.diff:
            click.echo(result.diff, nl=False)
        _left_unfixed(left, file)
        if result.diff or left:
            sys.exit(EXIT_FINDINGS)
        return
    if not result.changed:
        click.echo("podgen: nothing to fix" if not left else "podgen: nothing podgen can fix", err=True)
    if result.changed or (output and os.path.abspath(output) != os.path.abspath(file)):
        dest = output or file
        from podgen.output import write_atomic
        write_atomic(dest, result.text, like=file)
        click.echo(f"podgen: wrote {dest}", err=True)
    if left:
        _left_unfixed(left, file)
        sys.exit(EXIT_FINDINGS)


def _left_unfixed(left: list, file: str) -> None:
    if left:
        click.echo(f"podgen: {len(left)} finding(s) left that fix cannot repair; "
                   f"see: podgen lint {file}", err=True)


@cli.command(context_settings=CONTEXT, short_help="Why a rule fires, an example and the fix.")
@click.argument("code")
def explain(code):
    """Show what a rule checks, why, an example and the fix (e.g. podgen explain PG101)."""
    from podgen.rules import get
    rule = get(code)
    if rule is None:
        from podgen.rules import RULES
        raise UsageError(f"unknown rule {code!r}", hint="known codes: " + ", ".join(sorted(RULES)))
    fix = {"always": "yes", "sometimes": "sometimes", "none": "no"}[rule.fix]
    click.echo(f"{rule.code} {rule.name} ({rule.severity.label}; automatic fix: {fix})\n")
    click.echo(rule.doc.strip())
    if rule.options:
        click.echo("\n## Options\n" + "\n".join(f"- {k}: {v!r}" for k, v in rule.options.items()))


@cli.command("rules", context_settings=CONTEXT)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
def rules_cmd(fmt):
    """List every rule: code, name, severity, automatic fix."""
    from podgen.report.docs import rules_table, sorted_rules
    if fmt == "markdown":
        click.echo(rules_table(), nl=False)
    elif fmt == "json":
        import json
        click.echo(json.dumps([{"code": r.code, "name": r.name, "severity": r.severity.label,
                                "fix": r.fix, "summary": r.summary, "options": r.options}
                               for r in sorted_rules()], indent=2))
    else:
        for r in sorted_rules():
            click.echo(f"{r.code}  {r.name:<32} {r.severity.label:<8} {r.summary}")


def main(argv=None):
    """Entry point: maps errors to exit codes; never shows a Python traceback."""
    # A short-lived process whose data (YAML tree, model, units) has no reference cycles:
    # the cyclic garbage collector only re-scans it, a third of a 10,000-service convert.
    gc.disable()
    try:
        cli.main(args=argv, prog_name="podgen", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):   # click turns Ctrl-C into Abort
            click.echo("podgen: interrupted", err=True)
            sys.exit(130)
        click.echo("podgen: aborted", err=True)
        sys.exit(EXIT_INPUT)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_INPUT)
    except PodgenError as exc:
        click.echo(exc.render(), err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("podgen: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        sys.exit(EXIT_OK)
    except RecursionError:
        click.echo("podgen: error: the input is nested too deeply to process", err=True)
        sys.exit(EXIT_INPUT)
    except MemoryError:
        click.echo("podgen: error: out of memory while reading the input", err=True)
        sys.exit(EXIT_INPUT)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        _internal_error(exc)
    sys.exit(EXIT_OK)


def _internal_error(exc: BaseException):
    import traceback
    frames = traceback.extract_tb(exc.__traceback__)
    where = frames[-1] if frames else None
    place = f" at {os.path.basename(where.filename)}:{where.lineno}" if where else ""
    click.echo(f"podgen: internal error: {type(exc).__name__}: {exc}{place}", err=True)
    click.echo("  this is a bug in podgen; please report it with the input that caused it "
               "(set PODGEN_DEBUG=1 for the full traceback)", err=True)
    if os.environ.get("PODGEN_DEBUG"):
        traceback.print_exception(exc)
    sys.exit(EXIT_INTERNAL)


if _gc_was_enabled:
    gc.enable()
