#!/usr/bin/env bash
# Packager's builds, run as nobody (65534) with no network (a new, empty network namespace):
#  (1) `make DEPS_PREFIX=<prebuilt musl libraries>` from a clean copy: needs no root and no
#      network, and gives the same bytes as this tree's build/shim (the libraries are the same);
#  (2) `make check` in a copy that has this tree's prebuilt dependencies: passes unprivileged.
# Run as root (to create the namespace and drop to nobody).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS: unpriv: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: unpriv: $*"; }
[[ $(id -u) == 0 ]] || { echo "unpriv: run as root (it drops to nobody itself)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/shim-unpriv.XXXXXX); trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
copy_src() { # DEST: the source tree, mtimes kept (so prebuilt stamps stay newer than the scripts)
    mkdir -p "$1" && (cd "$ROOT" && git ls-files -z -co --exclude-standard | xargs -0 cp -p --parents -t "$1")
}
as_nobody() { unshare -n setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$tmp" "$@"; }
version=$(make -s -C "$ROOT" --no-print-directory print-VERSION)
commit=$(make -s -C "$ROOT" --no-print-directory print-COMMIT)
epoch=$(make -s -C "$ROOT" --no-print-directory print-SOURCE_DATE_EPOCH)

# (1)
copy_src "$tmp/src1"
cp -aL "$ROOT/build/musl" "$tmp/prefix"
chown -R 65534:65534 "$tmp/src1"
if as_nobody timeout 900 make -C "$tmp/src1" DEPS_PREFIX="$tmp/prefix" VERSION="$version" COMMIT="$commit" SOURCE_DATE_EPOCH="$epoch" \
    build/shim >"$tmp/log1" 2>&1; then
    pass "make DEPS_PREFIX=... as nobody without network"
else
    fail "make DEPS_PREFIX=... as nobody without network: $(tail -n 5 "$tmp/log1")"
fi
cmp -s "$ROOT/build/shim" "$tmp/src1/build/shim" && pass "its build/shim is identical to this tree's" ||
    fail "its build/shim is identical to this tree's"

# (2)
copy_src "$tmp/src2"
mkdir -p "$tmp/src2/build/src"
cp -a "$ROOT"/build/{musl,host,musl-test,deps.stamp,host.stamp,test-deps,npm} "$tmp/src2/build/" 2>/dev/null
cp -a "$ROOT/build/src/dl" "$tmp/src2/build/src/"
chown -R 65534:65534 "$tmp/src2"
if as_nobody timeout 1500 make -C "$tmp/src2" VERSION="$version" SOURCE_DATE_EPOCH="$epoch" check >"$tmp/log2" 2>&1; then
    pass "make check as nobody without network"
else
    fail "make check as nobody without network: $(grep -E 'FAIL|Error|error' "$tmp/log2" | head -n 5)"
fi
echo "unpriv: $passed passed, $failed failed"
((failed == 0))
