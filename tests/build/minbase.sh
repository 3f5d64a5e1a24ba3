#!/usr/bin/env bash
# `make` in a bare Debian 12 root (debootstrap --variant=minbase bookworm: the honest stand-in for
# debian:12-slim, without gcc, libc6-dev or make): install make as Dockerfile.example's shim stage
# does, run `make` in a chroot, and compare its build/shim with this tree's (same pinned inputs,
# same Debian toolchain: the same bytes). The rootfs is cached as build/minbase/bookworm.tar.
# Needs root and the Debian archive. The pinned sources are handed over from build/src/dl
# (deps.sh verifies them again inside).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS: minbase: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: minbase: $*"; }
# shellcheck source=../../scripts/archive.sh
. "$ROOT/scripts/archive.sh"
# shellcheck source=../../scripts/retry.sh
. "$ROOT/scripts/retry.sh"
[[ $(id -u) == 0 ]] || { echo "minbase: run as root" >&2; exit 1; }
cache=$ROOT/build/minbase
tar=$cache/bookworm.tar
mkdir -p "$cache"
if [[ ! -s $tar ]]; then
    command -v debootstrap >/dev/null ||
        { retry apt-get update -qq && retry env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } ||
        { echo "minbase: cannot install debootstrap" >&2; exit 1; }
    mirror=$(archive_entries | awk 'NR == 1 { print $1 }')
    rm -rf "$cache/root.tmp"
    retry timeout 1500 debootstrap --variant=minbase bookworm "$cache/root.tmp" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
        { tail -n 5 "$cache/debootstrap.log"; echo "minbase: debootstrap failed" >&2; exit 1; }
    rm -rf "$cache"/root.tmp/var/cache/apt/archives/*.deb "$cache"/root.tmp/var/lib/apt/lists/*
    tar -C "$cache/root.tmp" --numeric-owner -cf "$tar.tmp" . && mv "$tar.tmp" "$tar"
    rm -rf "$cache/root.tmp"
fi
tmp=$(mktemp -d /tmp/shim-minbase.XXXXXX)
trap 'rm -rf --one-file-system "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root" && tar -C "$root" -xf "$tar"
for p in gcc libc6-dev make; do
    [[ -e $root/usr/bin/$p || -e $root/usr/include/stdio.h && $p == libc6-dev ]] && { fail "the rootfs is not bare: it has $p"; }
done
# the host's apt network settings (proxy, snapshot validity), as an image would have its own
for f in $(grep -l '^[[:space:]]*Acquire::' /etc/apt/apt.conf.d/* 2>/dev/null); do cp "$f" "$root/etc/apt/apt.conf.d/"; done
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mkdir -p "$root/src/build/src"
(cd "$ROOT" && git ls-files -z -co --exclude-standard | xargs -0 cp -p --parents -t "$root/src")
cp -a "$ROOT/build/src/dl" "$root/src/build/src/"
version=$(make -s -C "$ROOT" --no-print-directory print-VERSION)
commit=$(make -s -C "$ROOT" --no-print-directory print-COMMIT)
epoch=$(make -s -C "$ROOT" --no-print-directory print-SOURCE_DATE_EPOCH)
# A private mount namespace: /proc and /dev for apt and gcc, gone when it ends.
unshare -m --propagation private bash -c '
    set -e
    root=$1; shift
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root bash -c "$@"
' _ "$root" '
    set -e
    export DEBIAN_FRONTEND=noninteractive
    for i in 1 2 3; do apt-get update -qq && break; sleep 5; done
    for i in 1 2 3; do apt-get install -y -qq --no-install-recommends make >/dev/null && break; sleep 5; done
    cd /src && make VERSION='"$version"' COMMIT='"$commit"' SOURCE_DATE_EPOCH='"$epoch"' build/shim
' >"$tmp/log" 2>&1
rc=$?
cp "$tmp/log" "$cache/last-build.log"
[[ $rc == 0 ]] && pass "make in a minbase bookworm chroot (with only make added)" ||
    fail "make in a minbase bookworm chroot: exit $rc (log: build/minbase/last-build.log): $(tail -n 3 "$tmp/log")"
if [[ -x $root/src/build/shim ]] && out=$(chroot "$root" /src/build/shim --version 2>&1); then
    pass "its build/shim runs: $(head -n 1 <<<"$out")"
else
    fail "its build/shim runs"
fi
cmp -s "$ROOT/build/shim" "$root/src/build/shim" && pass "and is identical to this tree's build/shim" ||
    fail "and is identical to this tree's build/shim"
echo "minbase: $passed passed, $failed failed"
((failed == 0))
