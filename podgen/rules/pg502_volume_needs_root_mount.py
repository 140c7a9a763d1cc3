"""A volume rootless Podman cannot mount: a network filesystem or a block device.

## Why
Mounting a filesystem (`mount(2)`) needs CAP_SYS_ADMIN in the host's user
namespace; rootless Podman only has it in its own, where the kernel mounts
just a few kinds of filesystem (tmpfs, bind mounts, overlay, FUSE), not nfs,
cifs or the filesystem on a disk.  So:

- a named volume whose `driver_opts` ask for a network filesystem
  (`type: nfs`, `nfs4`, `cifs`, `smb`, or an `o:` with `addr=`) or for the
  filesystem of a block device (`device: /dev/sdb1` with `type: ext4`)
  cannot be mounted rootless, and the containers that use it do not start;
- a bind mount of a block device (`/dev/sdb`, `/dev/nvme0n1p1`,
  `/dev/mapper/...`, `/dev/disk/by-uuid/...`) gives the container a device
  node it cannot mount, and, without root or the host's `disk` group, cannot
  open either.

`devices:` entries, `/dev/null`-like character devices, `type: tmpfs`
volumes and `type: none` with `o: bind` are not reported.  Rootful Podman
mounts all of these.

## Example
```yaml
name: shop
services:
  app:
    image: example/app
    volumes:
      - media:/srv/media
      - /dev/sdb1:/dev/sdb1          # PG502: a block device
volumes:
  media:
    driver_opts:                     # PG502: nfs
      type: nfs
      o: addr=10.0.0.5,nfsvers=4,rw
      device: ":/exports/media"
```

## Fix
No automatic fix.  Mount the filesystem on the host, as root, with a line in
`/etc/fstab` (podgen's message gives the line, built from the volume's
options):

```
10.0.0.5:/exports/media /srv/shop_media nfs nfsvers=4,rw 0 0
```

or a systemd mount unit (`srv-shop_media.mount` with `What=`, `Where=`,
`Type=`, `Options=`), and bind-mount the directory instead of the volume
(`- /srv/shop_media:/srv/media`); make sure your user can write there (cifs:
`uid=`/`gid=` options).  Or run the project rootful.
"""
from __future__ import annotations

import re

from podgen.report.diagnostics import Severity
from podgen.rules._base import Rule

NETWORK_TYPES = {"nfs": "nfs", "nfs4": "nfs4", "cifs": "cifs", "smb": "cifs", "smb3": "smb3"}
NOT_A_MOUNT = {"", "none", "tmpfs", "bind", "rbind"}
BLOCK_DEVICE = re.compile(
    r"/dev/(?:(?:sd|vd|xvd|hd)[a-z]+\d*|nvme\d+n\d+(?:p\d+)?|mmcblk\d+(?:p\d+)?|(?:md|dm-|loop|sr|nbd|zd)\d+"
    r"(?:p\d+)?|mapper/(?!control\Z)[^/]+|disk/by-[a-z-]+/[^/]+)\Z")


def check(project, ctx):
    if not ctx.target.rootless:
        return
    for vol in project.volumes.values():
        found = _volume(project, ctx, vol)
        if found is not None:
            yield found
    for svc in project.services.values():
        for m in svc.volumes:
            if m.type == "bind" and m.source and BLOCK_DEVICE.match(m.source):
                yield _block_bind(ctx, svc, m)


def _options(value) -> list:
    return [x.strip() for x in str(value or "").split(",") if x.strip()]


def _volume(project, ctx, vol):
    if vol.external or (vol.driver or "local") != "local" or not vol.driver_opts:
        return None
    opts = {str(k).lower(): v for k, v in vol.driver_opts.items()}
    fstype = str(opts.get("type") or "").strip().lower()
    o = _options(opts.get("o"))
    device = str(opts.get("device") or "").strip()
    addr = next((x.split("=", 1)[1] for x in o if x.lower().startswith("addr=")), None)
    if fstype in NETWORK_TYPES or (addr is not None and (not fstype or fstype not in NOT_A_MOUNT)):
        kind = f"a network filesystem ({fstype or 'addr=' + addr})"
    elif device.startswith("/dev/") and fstype not in NOT_A_MOUNT and "bind" not in o and "rbind" not in o:
        kind = f"the {fstype or 'filesystem'} filesystem of the block device {device}"
    else:
        return None
    users = [(s.name, m.target) for s in project.services.values() for m in s.volumes
             if m.type == "volume" and m.source == vol.key]
    used = (f"; the containers that use it ({', '.join(sorted({u for u, _t in users}))}) do not start"
            if users else "")
    where = f"/srv/{vol.name}"
    line, unit, secret = _host_mount(fstype, o, device, addr, where)
    notes = [f"mount it on the host, as root: a line in /etc/fstab, {line}, or a systemd mount unit {unit}"]
    if secret:
        notes.append("keep the password out of /etc/fstab: put it in a file named by credentials= (see mount.cifs(8))")
    if users:
        binds = ", ".join(f"services.{u}.volumes: {where}:{t}" for u, t in users)
        notes.append(f"then bind-mount the directory instead of the volume ({binds}); your user must be able to "
                     "write there" + (" (cifs: add uid= and gid= of your user to the options)"
                                      if NETWORK_TYPES.get(fstype) in ("cifs", "smb3") else ""))
    notes.append("or run the project rootful (--rootful)")
    span = vol.keys.get("driver_opts") or vol.span
    return ctx.diagnostic(span, f"volume {vol.key!r} is {kind}: rootless Podman cannot mount it (mount needs "
                          f"CAP_SYS_ADMIN in the host's user namespace){used}", notes=notes)


def _host_mount(fstype, o, device, addr, where):
    """(fstab line, mount unit text, whether a password was left out) for the volume's options."""
    fs = NETWORK_TYPES.get(fstype, fstype) or ("nfs" if addr else "auto")
    kept, secret = [], False
    for x in o:
        key = x.split("=", 1)[0].lower()
        if key == "addr" and (fs.startswith("nfs") or device.startswith("//")):
            continue                                  # the server is in the device
        if key in ("password", "pass"):
            kept.append(f"{x.split('=', 1)[0]}=...")
            secret = True
            continue
        kept.append(x)
    what = device
    if fs.startswith("nfs") and addr and (not device or device.startswith(":")):
        what = f"{addr}{device or ':/'}"
    options = ",".join(kept) or "defaults"
    passno = "0" if fs.startswith(("nfs", "cifs", "smb")) else "2"
    line = f"'{what} {where} {fs} {options} 0 {passno}'"
    unit = f"{_mount_unit_name(where)} with What={what}, Where={where}, Type={fs}, Options={options}"
    return line, unit, secret


def _mount_unit_name(path: str) -> str:
    """``systemd-escape --path --suffix=mount``."""
    parts = [p for p in path.split("/") if p]
    out = []
    for part in parts:
        esc = "".join(ch if (ch.isascii() and (ch.isalnum() or ch in ":_.")) else
                      "".join(f"\\x{b:02x}" for b in ch.encode()) for ch in part)
        if esc.startswith("."):
            esc = "\\x2e" + esc[1:]
        out.append(esc)
    return "-".join(out) + ".mount"


def _block_bind(ctx, svc, m):
    name = m.source.rstrip("/").rsplit("/", 1)[-1]
    where = f"/srv/{name}"
    span = getattr(m, "source_span", None) or m.span
    return ctx.diagnostic(
        span, f"service {svc.name!r} bind-mounts the block device {m.source}: rootless, the container cannot "
        "mount it (mount needs CAP_SYS_ADMIN in the host's user namespace) and, without root or the host's disk "
        "group, cannot open it", service=svc.name,
        notes=(f"mount its filesystem on the host, as root: a line in /etc/fstab, '{m.source} {where} auto "
               f"defaults 0 2', or a systemd mount unit {_mount_unit_name(where)}; then bind-mount {where} where "
               "the service expects the files, and make sure your user can write there",
               "or run the project rootful (--rootful)"))


RULE = Rule(code="PG502", name="volume-needs-root-mount", severity=Severity.ERROR,
            summary="a volume rootless Podman cannot mount: nfs/cifs driver_opts, a block device's filesystem, "
                    "a bind-mounted block device",
            doc=__doc__, check=check)
