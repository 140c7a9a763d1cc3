"""A bind-mount source does not exist and the deploying user cannot create it.

## Why
Docker creates a missing bind source as root; rootless Podman does not create it
at all, so podgen's units create it before the container starts
(`ExecStartPre=` running `mkdir -p`), as the user who runs them.  That user
cannot create a directory where only root may write: for
`/var/lib/woodpecker` the unit fails with
`mkdir: cannot create directory '/var/lib/woodpecker': Permission denied`.

podgen reports three cases:

- **not writable**: an absolute source that does not exist, outside `$HOME`
  and outside the project directory, whose nearest existing parent the user
  cannot write into (a source that exists is fine, file or directory).  This is
  checked on the machine podgen runs on, which should be the machine that runs
  the units (run podgen as the deploying user there).  When podgen runs as
  root for a rootless target it cannot ask as that user: a directory then
  counts as writable when root does not own it or everyone may write to it.
  Rootless only.
- **an unset or empty variable**: a source that starts with a variable which is
  unset or empty (`${VOLUME_PATH}/data` becomes `/data`), so the data would
  land at the top of the file system (reported even if that path exists).
- **a placeholder** copied from documentation: a source that starts with
  `/path/to/` (or is `/path/to`), whose first component is `your-...` or
  `your_...` (`/your_path`), or that has a component `your`
  (`/media/your/plex/path`), a component in angle brackets
  (`/<directory-path>/data`) or a component `CHANGE_ME`, `CHANGEME`,
  `CHANGE-ME`, `REPLACE_ME`, `REPLACEME` or `REPLACE-ME` (any case).

Rootful (`--rootful`), only the last two are reported: root can create any
path.

## Example
```yaml
services:
  ci:
    image: woodpeckerci/woodpecker-server
    volumes:
      - /var/lib/woodpecker:/var/lib/woodpecker   # PG503 (rootless, /var/lib/woodpecker missing)
      - ${VOLUME_PATH}/data:/data                  # PG503 when VOLUME_PATH is unset
      - /path/to/config:/config                    # PG503
```

## Fix
Create the directory once as root and give it to the deploying user
(`sudo mkdir -p /var/lib/woodpecker && sudo chown "$(id -un):$(id -gn)" /var/lib/woodpecker`),
or point the source at a path under `$HOME` or the project directory
(`./woodpecker:/var/lib/woodpecker`).  For a variable, set it in the
project's `.env` file; for a placeholder, write the real path.  There is no
automatic fix.  If the directory cannot be created when the unit starts, the
unit fails with `mkdir`'s own error (the script stops with a message); it is
no longer ignored.
"""
from __future__ import annotations

import os
import posixpath
import re
import shlex

from podgen.report.diagnostics import Severity
from podgen.model import runtime_dir_path
from podgen.rules import hostfs
from podgen.rules._base import Rule

# ${NAME...} or $NAME at the start of the written source
_LEADING_VARIABLE = re.compile(r"\s*\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")
_PLACEHOLDER_WORDS = frozenset(("change_me", "changeme", "change-me", "replace_me", "replaceme", "replace-me"))


def placeholder(source: str) -> str | None:
    """Why *source* looks like a path copied from documentation, or None."""
    parts = [p for p in source.split("/") if p]
    if not parts:
        return None
    if source.startswith("/") and parts[:2] == ["path", "to"]:
        return "it starts with /path/to"
    first = parts[0].lower()
    if source.startswith("/") and (first == "your" or first.startswith(("your-", "your_"))):
        return f"it starts with /{parts[0]}"
    for part in parts:
        if part.lower() == "your":
            return f"'{part}' is a placeholder"
        if len(part) > 2 and part.startswith("<") and part.endswith(">"):
            return f"'{part}' is a placeholder"
        if part.lower() in _PLACEHOLDER_WORDS:
            return f"'{part}' is a placeholder"
    return None


def leading_empty_variable(project, mount) -> str | None:
    """The variable that starts the written source and was unset or empty, or None."""
    span = mount.source_span or mount.span
    found = project.emptied.get(span)
    if found is None:
        return None
    text, names = found
    m = _LEADING_VARIABLE.match(text)
    if m is None:
        return None
    name = m.group(1) or m.group(2)
    return name if name in names else None


def _is_socket(source: str) -> bool:
    return posixpath.basename(source.rstrip("/")).endswith(".sock")


def check(project, ctx):
    rootless = ctx.target.rootless
    env_file = os.path.join(project.project_dir, ".env")
    for svc in project.services.values():
        for mount in svc.volumes:
            source = mount.source
            if mount.type != "bind" or not source or runtime_dir_path(source) is not None:
                continue
            if not source.startswith("/"):
                continue
            variable = leading_empty_variable(project, mount)
            if variable is not None:
                state = "not set" if project.environment.get(variable) is None else "empty"
                yield ctx.diagnostic(
                    mount.span, f"service {svc.name!r}: bind source {source} starts with ${{{variable}}}, "
                    f"which is {state}: the data would go to {source} at the top of the file system",
                    service=svc.name,
                    notes=(f"set {variable} in {env_file} (or the environment) to the directory meant",))
                continue
            why = placeholder(source)
            if why is not None:
                yield ctx.diagnostic(
                    mount.span, f"service {svc.name!r}: bind source {source} looks like a placeholder ({why})",
                    service=svc.name,
                    notes=("replace it with the real path on this host, e.g. ./data under the project directory",))
                continue
            if not rootless or _is_socket(source):
                continue    # root can create it; a missing socket is never created (PG601)
            probe = hostfs.PROBE
            if probe.lstat(source) is not None:
                continue
            if hostfs.under(source, project.home) or hostfs.under(source, project.project_dir):
                continue
            parent, st = hostfs.nearest_existing(source, probe)
            if st is not None and hostfs.is_dir(st) and probe.can_create_in(parent):
                continue
            reason = (f"{parent} is not a directory" if st is not None and not hostfs.is_dir(st)
                      else f"{parent} is not writable by the user")
            yield ctx.diagnostic(
                mount.span, f"service {svc.name!r}: bind source {source} does not exist and the rootless "
                f"user cannot create it ({reason})", service=svc.name,
                notes=(f"create it once as root and give it to the user: sudo mkdir -p {shlex.quote(source)} "
                       f"&& sudo chown \"$(id -un):$(id -gn)\" {shlex.quote(source)}; or use a path under $HOME "
                       "or the project directory",))


RULE = Rule(code="PG503", name="bind-source-not-creatable", severity=Severity.WARNING,
            summary="a missing bind source the user cannot create (not writable, unset variable, placeholder)",
            doc=__doc__, check=check)
