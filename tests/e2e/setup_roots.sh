#!/bin/bash
# Build (or reuse) the cached Debian roots that podgen's end-to-end tests run
# real rootless Podman in.  Run as root.  Idempotent: a root whose marker file
# matches the hash of this script is reused; otherwise it is rebuilt.
#
#   bookworm/  Podman 4.3.1, slirp4netns, runc + cgroupfs, no systemd/Quadlet
#   trixie/    Podman 5.4.2, pasta, crun, Quadlet, systemd 257
#
# Usage: setup_roots.sh [bookworm|trixie ...]     (default: both)
# Environment:
#   PODGEN_E2E_CACHE   cache directory (default /var/tmp/podgen-e2e)
#   PODGEN_E2E_MIRROR  Debian mirror (default: taken from the host's apt sources,
#                      falling back to http://deb.debian.org/debian)
set -eu
set -o pipefail

CACHE=${PODGEN_E2E_CACHE:-/var/tmp/podgen-e2e}
SELF=$(readlink -f "$0")
MARKER_NAME=.podgen-e2e-ready

log() { printf '[setup_roots %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[setup_roots] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (needs debootstrap, chroot and mounts)"
[ "$(uname -s)" = Linux ] || die "Linux only"

SCRIPT_HASH=$(sha256sum "$SELF" | cut -c1-16)

# ---------------------------------------------------------------- host tools
ensure_host_tools() {
    local missing=""
    for tool in debootstrap unshare chroot flock sha256sum; do
        command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
    done
    [ -z "$missing" ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing host tools:$missing and no apt-get to install them"
    log "installing host packages for:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends debootstrap util-linux coreutils \
        debian-archive-keyring >&2 || die "apt-get install debootstrap failed"
    command -v debootstrap >/dev/null 2>&1 || die "debootstrap still missing after apt-get install"
}

pick_mirror() {
    if [ -n "${PODGEN_E2E_MIRROR:-}" ]; then echo "$PODGEN_E2E_MIRROR"; return; fi
    local m
    m=$( { grep -rhoE '^(URIs:|deb)[[:space:]]+[^ ]*https?://[^ ]+/debian/?( |$)' \
            /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null || true; } \
         | grep -oE 'https?://[^ ]+/debian/?' | grep -v security | head -n1)
    echo "${m:-http://deb.debian.org/debian}"
}

# ------------------------------------------------------------ mount safety
# Refuse to delete anything that still has a mount below it.
mounted_below() {
    local p
    p=$(readlink -f "$1" 2>/dev/null || echo "$1")
    awk -v p="$p" '$5 == p || index($5, p "/") == 1 { found = 1 } END { exit !found }' \
        /proc/self/mountinfo
}

safe_rm() {
    [ -e "$1" ] || return 0
    if mounted_below "$1"; then
        die "refusing to delete $1: something is mounted below it (is a test session running? see /proc/mounts)"
    fi
    rm -rf --one-file-system "$1"
}

# Run a command chrooted into $1 with /proc, /sys and /dev available, inside a
# private mount namespace so that nothing leaks onto the host.
in_chroot() {
    local root=$1; shift
    # shellcheck disable=SC2016  # expanded by the inner shell
    unshare -m --propagation private -- /bin/sh -c '
        root=$1; shift
        mount -t proc proc "$root/proc" &&
        mount -t sysfs sysfs "$root/sys" &&
        mount --rbind /dev "$root/dev" &&
        exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
            DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 HOME=/root "$@"
    ' in_chroot "$root" "$@"
}

# ------------------------------------------------------------------- roots
COMMON_PKGS="podman,conmon,crun,runc,netavark,aardvark-dns,slirp4netns,passt,uidmap,catatonit,\
iproute2,nftables,iptables,busybox-static,procps,util-linux,ca-certificates"

BUSYBOX_APPLETS="sh ash httpd wget nslookup nc sleep env cat echo printf ls mkdir rm cp mv \
test [ true false id ping ping6 hostname ip ifconfig ps kill grep sed awk head tail tr cut wc \
date touch chmod chown ln pwd uname whoami seq sort uniq find xargs tee du df mount umount \
netstat route traceroute dirname basename readlink realpath stat timeout watch vi yes expr \
base64 md5sum sha256sum gzip gunzip tar dd nohup usleep telnet udhcpc arping"

write_common_config() {
    local root=$1 suite=$2
    # rootless user pm (uid 1000) with subordinate id ranges
    if ! chroot "$root" getent passwd pm >/dev/null; then
        chroot "$root" /usr/sbin/groupadd -g 1000 pm
        chroot "$root" /usr/sbin/useradd -m -u 1000 -g 1000 -s /bin/bash pm
    fi
    echo "pm:100000:65536" >"$root/etc/subuid"
    echo "pm:100000:65536" >"$root/etc/subgid"

    mkdir -p "$root/etc/containers"
    {
        echo "# written by podgen tests/e2e/setup_roots.sh"
        echo "[containers]"
        echo "# the test machines lack CAP_SYS_RESOURCE: do not raise RLIMIT_NOFILE"
        echo "default_ulimits = []"
        echo "# no pids controller is available to rootless containers here"
        echo "pids_limit = 0"
        echo
        echo "[engine]"
        if [ "$suite" = bookworm ]; then
            echo "# no systemd in this root"
            echo 'runtime = "runc"'
            echo 'cgroup_manager = "cgroupfs"'
            echo 'events_logger = "file"'
        fi
    } >"$root/etc/containers/containers.conf"

    # native (kernel) overlay for rootless storage; without a storage.conf
    # Podman 4.3 silently falls back to vfs
    {
        echo "# written by podgen tests/e2e/setup_roots.sh"
        echo "[storage]"
        echo 'driver = "overlay"'
        echo 'runroot = "/run/containers/storage"'
        echo 'graphroot = "/var/lib/containers/storage"'
    } >"$root/etc/containers/storage.conf"

    # No registry is reachable: never try to pull unless asked.
    mkdir -p "$root/etc/containers/registries.conf.d"
    printf 'unqualified-search-registries = ["docker.io"]\nshort-name-mode = "permissive"\n' \
        >"$root/etc/containers/registries.conf.d/90-podgen-e2e.conf"

    # busybox image tree, imported by the harness with `podman import`
    local tree="$root/opt/podgen-e2e/busybox-rootfs"
    rm -rf "$tree"
    mkdir -p "$tree/bin" "$tree/etc" "$tree/tmp" "$tree/var/www" "$tree/root" \
        "$tree/proc" "$tree/sys" "$tree/dev" "$tree/run"
    chmod 1777 "$tree/tmp"
    # Both images get trixie's busybox 1.37: bookworm's 1.35 (static and
    # dynamic) segfaults in wget/nc/ping as soon as a host name is resolved.
    local bb=$CACHE/trixie/bin/busybox
    [ "$suite" = trixie ] && bb=$root/bin/busybox
    [ -x "$bb" ] || die "$suite: $bb missing (the trixie root must be built first)"
    cp "$bb" "$tree/bin/busybox"
    for a in $BUSYBOX_APPLETS; do ln -sf busybox "$tree/bin/$a"; done
    mkdir -p "$tree/usr/bin" "$tree/sbin" "$tree/usr/sbin"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$tree/etc/passwd"
    printf 'root:x:0:\nnobody:x:65534:\n' >"$tree/etc/group"
    printf 'hosts: files dns\n' >"$tree/etc/nsswitch.conf"
    echo "podgen e2e busybox" >"$tree/var/www/index.html"
    chmod -R a+rX "$root/opt/podgen-e2e"

    echo "podgen-e2e-$suite" >"$root/etc/hostname"
}

configure_trixie_systemd() {
    local root=$1
    log "trixie: installing systemd, dbus-user-session, libpam-systemd inside the root"
    in_chroot "$root" apt-get install -y -qq --no-install-recommends \
        systemd systemd-sysv dbus-user-session libpam-systemd >&2 \
        || die "apt-get install of systemd packages inside the trixie root failed"
    in_chroot "$root" apt-get clean >&2 || true

    local wants="$root/etc/systemd/system"
    # Units that make no sense in this container or would touch the host
    # console; masked so boot reaches "running" quickly.
    for u in console-getty.service getty@.service serial-getty@.service container-getty@.service \
             getty.target getty-static.service systemd-firstboot.service \
             systemd-udevd.service systemd-udev-trigger.service systemd-hwdb-update.service \
             systemd-remount-fs.service systemd-timesyncd.service systemd-networkd-wait-online.service \
             apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
             fstrim.timer man-db.timer systemd-tmpfiles-clean.timer \
             ldconfig.service systemd-binfmt.service sys-kernel-debug.mount \
             sys-kernel-tracing.mount sys-kernel-config.mount sys-fs-fuse-connections.mount \
             dev-hugepages.mount dev-mqueue.mount systemd-modules-load.service \
             kmod-static-nodes.service systemd-sysctl.service; do
        ln -sf /dev/null "$wants/$u"
    done
    # network-online.target is reached at boot, or every rootless Quadlet unit
    # waits 90 s in podman-user-wait-network-online.service.
    mkdir -p "$wants/multi-user.target.wants"
    ln -sf /lib/systemd/system/network-online.target "$wants/multi-user.target.wants/network-online.target"
    # user@1000.service is started at boot (same as `loginctl enable-linger pm`)
    mkdir -p "$root/var/lib/systemd/linger"
    touch "$root/var/lib/systemd/linger/pm"
    # persistent (per-user files, so `journalctl --user` works for pm as on a
    # real machine) but small; it lives in the engine's throw-away overlay
    mkdir -p "$root/etc/systemd/journald.conf.d" "$root/var/log/journal"
    printf '[Journal]\nStorage=persistent\nSystemMaxUse=64M\n' >"$root/etc/systemd/journald.conf.d/podgen-e2e.conf"
    # quick stops: tests tear units down a lot
    mkdir -p "$root/etc/systemd/system.conf.d" "$root/etc/systemd/user.conf.d"
    printf '[Manager]\nDefaultTimeoutStopSec=15s\nDefaultTimeoutStartSec=90s\n' \
        >"$root/etc/systemd/system.conf.d/podgen-e2e.conf"
    printf '[Manager]\nDefaultTimeoutStopSec=15s\n' >"$root/etc/systemd/user.conf.d/podgen-e2e.conf"
    # an empty machine-id is filled in at boot
    : >"$root/etc/machine-id"
}

build_root() {
    local suite=$1
    local target=$CACHE/$suite
    local marker_want="suite=$suite script=$SCRIPT_HASH"
    if [ -f "$target/$MARKER_NAME" ] && [ "$(cat "$target/$MARKER_NAME")" = "$marker_want" ]; then
        log "$suite: cached root is current ($target)"
        return 0
    fi
    ensure_host_tools
    # a running test session holds a shared lock on this file; never swap the
    # root under it
    exec 8>"$CACHE/$suite.inuse"
    flock -n -x 8 || die "$suite root is in use by a running test session (lock $CACHE/$suite.inuse); stop it first"
    local mirror tmp start
    mirror=$(pick_mirror)
    start=$(date +%s)
    tmp=$CACHE/.build-$suite.$$
    safe_rm "$tmp"
    # leftovers of an interrupted build
    for old in "$CACHE"/.build-"$suite".*; do
        [ -e "$old" ] || continue
        log "$suite: removing stale build directory $old"
        safe_rm "$old"
    done
    mkdir -p "$tmp"
    log "$suite: debootstrap --variant=minbase from $mirror (takes about a minute)"
    local pkgs=$COMMON_PKGS
    # keep downloaded .debs: a rebuild after a script change downloads nothing
    mkdir -p "$CACHE/debs/$suite"
    if ! debootstrap --variant=minbase --cache-dir="$CACHE/debs/$suite" --include="$pkgs" \
            "$suite" "$tmp" "$mirror" \
            >"$CACHE/debootstrap-$suite.log" 2>&1; then
        tail -n 25 "$CACHE/debootstrap-$suite.log" >&2 || true
        safe_rm "$tmp"
        die "debootstrap of $suite failed (full log: $CACHE/debootstrap-$suite.log)"
    fi
    cp /etc/resolv.conf "$tmp/etc/resolv.conf" 2>/dev/null || true
    # no service starts from package scripts inside the root
    printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
    chmod 755 "$tmp/usr/sbin/policy-rc.d"

    if [ "$suite" = trixie ]; then
        configure_trixie_systemd "$tmp"
    fi
    write_common_config "$tmp" "$suite"
    rm -f "$tmp/usr/sbin/policy-rc.d"

    # sanity checks
    [ -x "$tmp/usr/bin/podman" ] || die "$suite: podman missing from the root"
    [ -x "$tmp/usr/bin/catatonit" ] || [ -x "$tmp/usr/libexec/podman/catatonit" ] \
        || die "$suite: catatonit missing from the root"
    if [ "$suite" = trixie ]; then
        [ -x "$tmp/usr/libexec/podman/quadlet" ] || die "trixie: quadlet generator missing"
        [ -x "$tmp/lib/systemd/systemd" ] || die "trixie: systemd missing"
    fi
    local ver
    ver=$(in_chroot "$tmp" podman --version 2>/dev/null || echo "podman version unknown")
    echo "$ver" >"$tmp/opt/podgen-e2e/podman-version"

    echo "$marker_want" >"$tmp/$MARKER_NAME"
    if [ -e "$target" ]; then
        log "$suite: replacing out-of-date root"
        safe_rm "$target"
    fi
    mv "$tmp" "$target"
    log "$suite: ready ($ver) in $(( $(date +%s) - start )) s"
    exec 8>&-
}

host_prep() {
    # the rootless user must be able to open /dev/net/tun (slirp4netns, pasta)
    if [ -e /dev/net/tun ]; then
        chmod 666 /dev/net/tun || die "cannot chmod /dev/net/tun"
    else
        { mkdir -p /dev/net && mknod -m 666 /dev/net/tun c 10 200; } || die "no /dev/net/tun and cannot create it"
    fi
}

main() {
    local suites="$*"
    [ -n "$suites" ] || suites="bookworm trixie"
    mkdir -p "$CACHE"
    chmod 755 "$CACHE"
    host_prep
    exec 9>"$CACHE/.lock"
    flock -w 1800 9 || die "timed out waiting for the lock on $CACHE/.lock"
    local want_trixie=0 want_bookworm=0
    for s in $suites; do
        case $s in
            trixie) want_trixie=1 ;;
            bookworm) want_bookworm=1; want_trixie=1 ;;  # bookworm's image uses trixie's busybox
            *) die "unknown suite '$s' (expected bookworm or trixie)" ;;
        esac
    done
    [ $want_trixie = 1 ] && build_root trixie
    [ $want_bookworm = 1 ] && build_root bookworm
    return 0
}

main "$@"
