"""PG502 volume-needs-root-mount: nfs/cifs volumes, block-device filesystems and block-device binds."""
from __future__ import annotations

import pytest

from helpers import convert_text, lint_diags, lint_text
from netrules_util import assert_quadlet_accepts, convert_example, doc_example, doc_sections_ok
from podgen.model import Mount

VOLUMES = """\
name: shop
services:
  app:
    image: example/app
    volumes:
      - media:/srv/media
      - /dev/sdb1:/dev/sdb1
      - type: bind
        source: /dev/disk/by-uuid/1234-abcd
        target: /disk
      - share:/share
      - blk:/blk
  worker:
    image: example/worker
    volumes:
      - media:/media
      - addr_only:/nas
volumes:
  media:
    driver_opts:
      type: nfs
      o: addr=10.0.0.5,nfsvers=4,rw
      device: ":/exports/media"
  share:
    driver: local
    driver_opts:
      type: cifs
      o: "addr=fs.lan,username=bob,password=secret,vers=3.0"
      device: "//fs.lan/share"
  blk:
    driver_opts: {type: ext4, device: /dev/sdc1}
  addr_only:
    driver_opts:
      o: addr=nas.lan,rw
      device: ":/data"
"""

NEAR_MISSES = """\
name: ok
services:
  app:
    image: example/app
    devices:
      - /dev/sdb:/dev/sdb
      - /dev/dri:/dev/dri
    volumes:
      - /dev/null:/etc/app/optional.conf
      - /dev/urandom:/dev/random
      - /dev/kmsg:/dev/kmsg
      - /dev/dri:/dev/dri
      - /dev/mapper/control:/dev/mapper/control
      - /dev/disk/by-id:/dev/disk/by-id:ro
      - /dev/shm:/dev/shm
      - data:/data
      - tmp:/tmp
      - bnd:/bnd
      - plain:/plain
volumes:
  data: {}
  tmp:
    driver_opts: {type: tmpfs, device: tmpfs, o: "size=100m,uid=1000"}
  bnd:
    driver_opts: {type: none, o: bind, device: /srv/bnd}
  plain:
    driver: local
    driver_opts: {o: "uid=1000,gid=1000"}
  nas:
    external: true
"""


# the long syntax's source (9:17) once the model keeps its position (Mount.source_span), else the item
LONG_SOURCE = "9:17" if "source_span" in Mount.__dataclass_fields__ else "8:9"


def test_fires_at_driver_opts_and_bind_sources(tmp_path):
    assert lint_text(tmp_path, VOLUMES, select=["PG502"]) == [
        "7:9 PG502", f"{LONG_SOURCE} PG502", "20:5 PG502", "26:5 PG502", "31:5 PG502", "33:5 PG502"]


def test_near_misses_are_silent(tmp_path):
    assert lint_text(tmp_path, NEAR_MISSES, select=["PG502"]) == []


def test_rootful_is_silent(tmp_path):
    assert lint_text(tmp_path, VOLUMES, select=["PG502"], rootless=False) == []


def test_nfs_message_and_the_host_mount(tmp_path):
    diags = lint_diags(tmp_path, VOLUMES, select=["PG502"])
    nfs = next(d for d in diags if "'media'" in d.message)
    assert nfs.severity.label == "error" and nfs.fix is None and nfs.name == "volume-needs-root-mount"
    assert nfs.message == ("volume 'media' is a network filesystem (nfs): rootless Podman cannot mount it (mount "
                           "needs CAP_SYS_ADMIN in the host's user namespace); the containers that use it (app, "
                           "worker) do not start")
    assert nfs.notes[0] == ("mount it on the host, as root: a line in /etc/fstab, '10.0.0.5:/exports/media "
                            "/srv/shop_media nfs nfsvers=4,rw 0 0', or a systemd mount unit srv-shop_media.mount "
                            "with What=10.0.0.5:/exports/media, Where=/srv/shop_media, Type=nfs, "
                            "Options=nfsvers=4,rw")
    assert ("services.app.volumes: /srv/shop_media:/srv/media, services.worker.volumes: /srv/shop_media:/media"
            in nfs.notes[1])
    assert nfs.notes[-1] == "or run the project rootful (--rootful)"


def test_cifs_password_is_not_repeated(tmp_path):
    diags = lint_diags(tmp_path, VOLUMES, select=["PG502"])
    cifs = next(d for d in diags if "'share'" in d.message)
    assert "network filesystem (cifs)" in cifs.message
    assert "'//fs.lan/share /srv/shop_share cifs username=bob,password=...,vers=3.0 0 0'" in cifs.notes[0]
    assert not any("secret" in n for n in cifs.notes) and "credentials=" in cifs.notes[1]
    assert "uid= and gid=" in cifs.notes[2]


def test_block_devices(tmp_path):
    diags = lint_diags(tmp_path, VOLUMES, select=["PG502"])
    blk = next(d for d in diags if "'blk'" in d.message)
    assert "is the ext4 filesystem of the block device /dev/sdc1" in blk.message
    assert "'/dev/sdc1 /srv/shop_blk ext4 defaults 0 2'" in blk.notes[0]
    bind = diags[0]
    assert bind.service == "app" and bind.message.startswith(
        "service 'app' bind-mounts the block device /dev/sdb1: rootless, the container cannot mount it")
    assert "'/dev/sdb1 /srv/sdb1 auto defaults 0 2'" in bind.notes[0]
    assert r"srv-1234\x2dabcd.mount" in diags[1].notes[0]       # systemd-escape --path


def test_addr_without_type_is_nfs(tmp_path):
    diags = lint_diags(tmp_path, VOLUMES, select=["PG502"])
    (d,) = [d for d in diags if "'addr_only'" in d.message]
    assert "a network filesystem (addr=nas.lan)" in d.message and "(worker) do not start" in d.message
    assert "'nas.lan:/data /srv/shop_addr_only nfs rw 0 0'" in d.notes[0]


@pytest.mark.parametrize("source", ["/dev/sda", "/dev/vdb2", "/dev/nvme0n1p3", "/dev/mmcblk0p1", "/dev/md0",
                                    "/dev/dm-1", "/dev/mapper/vg0-data", "/dev/disk/by-label/DATA",
                                    "/dev/loop3", "/dev/xvda1"])
def test_block_device_names(tmp_path, source):
    text = f"services:\n  app:\n    image: x\n    volumes:\n      - {source}:/mnt/disk\n"
    assert lint_text(tmp_path, text, select=["PG502"]) == ["5:9 PG502"]


@pytest.mark.parametrize("source", ["/dev/null", "/dev/zero", "/dev/fuse", "/dev/net/tun", "/dev/ttyUSB0",
                                    "/dev/snd", "/dev/bus/usb", "/dev/loop-control", "/dev/sdx-notes"])
def test_character_devices_and_directories_are_not(tmp_path, source):
    text = f"services:\n  app:\n    image: x\n    volumes:\n      - {source}:/mnt/x\n"
    assert lint_text(tmp_path, text, select=["PG502"]) == []


def test_convert_still_writes_the_volume(tmp_path):
    """No automatic fix: convert reports it and writes what the file says (rootful may need it)."""
    result = convert_text(tmp_path, VOLUMES)
    assert any(d.code == "PG502" and not d.applied for d in result.diagnostics)
    names = [f.name for f in result.files]
    assert "shop_media.volume" in names


def test_documentation_and_example(tmp_path):
    assert doc_sections_ok("PG502")
    assert lint_text(tmp_path, doc_example("PG502"), select=["PG502"]) == ["7:9 PG502", "10:5 PG502"]


@pytest.mark.quadlet
def test_converted_units_accepted_by_real_quadlet(tmp_path, quadlet_generator):
    assert_quadlet_accepts(tmp_path, convert_example(tmp_path, "PG502"), quadlet_generator)
