#!/usr/bin/env bash
# make test-aarch64-native (release check, not in `make test`: it takes tens
# of minutes): what `docker buildx build --platform linux/arm64` does with
# Dockerfile.example's shim stage. `make` in a Debian 12 arm64 minbase root
# under qemu-user, then the embedded filters compared with the cross build's.
#
# The arm64 root comes from debootstrap (--foreign, then --second-stage under
# emulation). binfmt_misc is set up PRIVATELY: Linux >= 6.7 gives each user
# namespace its own binfmt_misc instance, so the qemu-aarch64 entry is
# registered in a user namespace (uids mapped 1:1) that dies with this script;
# the host's binfmt_misc is never touched. qemu-user-static's package is
# unpacked, not installed (its install scripts would register binfmt handlers).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$ROOT/build
N=$B/aarch64/native
RFS=$N/root
say() { echo "test-aarch64-native: $*"; }
die() { echo "test-aarch64-native: error: $*" >&2; exit 1; }
# shellcheck source=../../scripts/retry.sh
. "$ROOT/scripts/retry.sh"
# shellcheck source=../../scripts/apt-arm64.sh
. "$ROOT/scripts/apt-arm64.sh"

[[ $(id -u) == 0 ]] || die "must run as root"
major=$(uname -r | cut -d. -f1) minor=$(uname -r | cut -d. -f2)
((major > 6 || (major == 6 && minor >= 7))) ||
    die "Linux $(uname -r) has no per-user-namespace binfmt_misc (6.7+); refusing to register qemu on the host"
for p in debootstrap; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] ||
        { retry apt-get update -qq; retry env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null; }
done

mkdir -p "$N"
# qemu-aarch64-static from Debian's amd64 package, unpacked privately.
QEMU=$N/qemu/usr/bin/qemu-aarch64-static
if [[ ! -x $QEMU ]]; then
    (cd "$N" && rm -f qemu-user-static_*.deb && retry apt-get download -q qemu-user-static >/dev/null)
    dpkg-deb -x "$N"/qemu-user-static_*.deb "$N/qemu"
fi

mirror=$(apt64_entries | awk 'NR == 1 { print $1 }')
start=$(date +%s)
if [[ ! -f $RFS/.complete && ! -f $N/.first-stage ]]; then
    say "debootstrap --foreign --arch=arm64 --variant=minbase bookworm"
    rm -rf "$RFS"
    retry debootstrap --foreign --arch=arm64 --variant=minbase bookworm "$RFS" "$mirror" >"$N/debootstrap.log" 2>&1 ||
        { tail -n 20 "$N/debootstrap.log"; die "debootstrap (first stage) failed"; }
    touch "$N/.first-stage"
fi

# Runs "$@" inside the arm64 root, in a new user+mount+pid namespace with its
# own binfmt_misc (qemu-aarch64 for aarch64 ELF files; F: the interpreter is
# opened at registration, from the host's filesystem). Root writes the
# namespace's uid/gid maps (0-65535 onto themselves) itself: no newuidmap, no
# /etc/subuid entry.
in_root() {
    local sync pid
    sync=$(mktemp -u "$N/sync.XXXXXX")
    mkfifo "$sync"
    unshare --user --mount --pid --fork --kill-child /bin/bash -c '
            set -e
            sync=$1 rfs=$2 qemu=$3; shift 3
            read -r _ <"$sync"
            mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
            printf "%s" ":qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:$qemu:FP" \
                >/proc/sys/fs/binfmt_misc/register
            mount --rbind /dev "$rfs/dev"
            mount -t proc proc "$rfs/proc"
            mount -t tmpfs tmpfs "$rfs/tmp"
            cp /etc/resolv.conf "$rfs/etc/resolv.conf" 2>/dev/null || true
            exec chroot "$rfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"
        ' in_root "$sync" "$RFS" "$QEMU" "$@" &
    pid=$!
    for _ in $(seq 500); do
        [[ $(readlink "/proc/$pid/ns/user") != "$(readlink /proc/self/ns/user)" ]] && break
        sleep 0.02
    done
    echo "0 0 65536" >"/proc/$pid/uid_map"
    echo "0 0 65536" >"/proc/$pid/gid_map"
    echo go >"$sync"
    rm -f "$sync"
    wait "$pid"
}

if [[ ! -f $RFS/.complete ]]; then
    say "debootstrap --second-stage (emulated)"
    # container=lxc: no mknod test (a user namespace may not create devices; /dev is bound).
    in_root /usr/bin/env container=lxc /debootstrap/debootstrap --second-stage >"$N/second-stage.log" 2>&1 ||
        { tail -n 20 "$N/second-stage.log"; die "debootstrap (second stage) failed"; }
    touch "$RFS/.complete"
fi
say "arm64 root ready after $(($(date +%s) - start)) s"

# The checkout as a clean clone would have it (committed files only).
rm -rf "$RFS/src" && mkdir -p "$RFS/src"
git -C "$ROOT" archive HEAD | tar -x -C "$RFS/src"
say "make (emulated native arm64 build; log: build/aarch64/native/make.log)"
t0=$(date +%s)
in_root /bin/sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends make ca-certificates >/dev/null && cd /src && make' \
    >"$N/make.log" 2>&1 || { tail -n 40 "$N/make.log"; die "make failed in the arm64 root"; }
say "native make took $(($(date +%s) - t0)) s"
[[ $(od -An -tx1 -j18 -N2 "$RFS/src/build/shim" | tr -d ' ') == b700 ]] || die "build/shim is not an aarch64 binary"
f() { sed -n '/sock_filter/,/^};/p' "$1"; }
cmp <(f "$RFS/src/build/gen/default_filter.h") <(f "$B/aarch64/gen/default_filter.h") ||
    die "the native arm64 build embeds other filters than the cross build"
say "ok: native arm64 make builds $(stat -c %s "$RFS/src/build/shim") bytes; its filters equal the cross build's"
