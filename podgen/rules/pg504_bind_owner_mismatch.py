"""A service runs as a numeric uid, but its bind source belongs to the host user.

## Why
In a rootless container, the user who runs Podman is root (uid 0) and every
other container uid is one of the user's subordinate ids (`/etc/subuid`).
Files of the host user therefore belong to root inside the container, and a
process running as `user: 991:991` is a stranger to them: opening the
directory for writing fails with `Permission denied` (under rootful Docker
the container's uid 991 is the host's uid 991, which the author may have given
the files to).

podgen reports a bind mount when all of this holds, checked on the machine
podgen runs on (run it there as the deploying user):

- the target is rootless, and the service sets `user:` to a numeric uid other
  than 0 (`991`, `991:991`, `991:staff`).  A user *name* is looked up in the
  image's `/etc/passwd`, which podgen cannot see: names are not reported;
- the source exists and is owned by the user podgen runs as (when podgen runs
  as root, it cannot tell whose files the deploying user has, and says nothing);
- the permissions for "others" do not already allow the access: read (and
  search, for a directory) for a read-only mount, read and write as well for
  a read-write one.  A world-writable directory works, a `0755` one does not;
- the service sets no `userns_mode`, and the mount has no `U` or `idmap`
  option (with these Podman maps or chowns the files itself).

A source that does not exist yet is not reported: the unit creates it (as the
host user), and the container user then cannot write it either, but there is
nothing to compare yet.

## Example
```yaml
services:
  app:
    image: example/app
    user: "991:991"
    volumes:
      - ./data:/data            # PG504 when ./data exists and belongs to you (mode 0755)
```

## Fix
Map your own uid to the container's (Podman 4.3 or newer; Quadlet's
`UserNS=` key needs 4.5, podgen falls back to `PodmanArgs=` before):
`userns_mode: "keep-id:uid=991,gid=991"` in the compose file (Podman only:
Docker refuses that mode), or give the files to the container's uid once:
`podman unshare chown -R 991:991 ./data`.  Alternatively add the `U` volume
option (`./data:/data:U`), with which Podman chowns the source at every
start.
"""
from __future__ import annotations

import shlex
import stat

from podgen.report.diagnostics import Severity
from podgen.model import runtime_dir_path
from podgen.rules import hostfs
from podgen.rules._base import Rule


def numeric_user(user: str | None) -> tuple[int, int | None] | None:
    """``"991:991"`` -> (991, 991); ``"991"`` -> (991, None); a name or uid 0 -> None."""
    if not user:
        return None
    uid_text, _, gid_text = str(user).strip().partition(":")
    if not uid_text.isdigit() or int(uid_text) == 0:
        return None
    gid = int(gid_text) if gid_text.isdigit() else None
    return int(uid_text), gid


def _others_allow(st, read_only: bool) -> bool:
    mode = st.st_mode
    need = stat.S_IROTH if read_only else stat.S_IROTH | stat.S_IWOTH
    if stat.S_ISDIR(mode):
        need |= stat.S_IXOTH
    return mode & need == need


def check(project, ctx):
    if not ctx.target.rootless:
        return
    probe = hostfs.PROBE
    me = probe.uid()
    if me == 0:
        return      # root for a rootless target: whose files the deploying user owns is unknown
    for svc in project.services.values():
        ids = numeric_user(svc.user)
        if ids is None or svc.raw.get("userns_mode"):
            continue
        uid, gid = ids
        for mount in svc.volumes:
            source = mount.source
            if mount.type != "bind" or not source or runtime_dir_path(source) is not None:
                continue
            if any(o in ("U", "idmap") or o.startswith("idmap=") for o in mount.unknown_options):
                continue
            st = probe.stat(source)
            if st is None or st.st_uid != me or _others_allow(st, mount.read_only):
                continue
            keep_id = f"keep-id:uid={uid}" + (f",gid={gid}" if gid is not None else "")
            owner = f"{uid}:{gid}" if gid is not None else str(uid)
            notes = []
            if ctx.target.at_least(4, 3):
                notes.append(f"map your uid to the container's: userns_mode: \"{keep_id}\" (Podman only)")
            notes.append(f"or give the files to the container user once: podman unshare chown -R {owner} "
                         f"{shlex.quote(source)}")
            yield ctx.diagnostic(
                mount.span, f"service {svc.name!r} runs as uid {uid}, but bind source {source} belongs to you "
                f"(uid {me}), which is root inside the rootless container: uid {uid} gets 'Permission "
                "denied'", service=svc.name, notes=notes)


RULE = Rule(code="PG504", name="bind-owner-mismatch", severity=Severity.INFO,
            summary="a numeric user: cannot use a bind source the host user owns (rootless uid mapping)",
            doc=__doc__, check=check)
