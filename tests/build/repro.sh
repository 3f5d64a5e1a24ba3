#!/usr/bin/env bash
# Reproducibility: a second, clean copy of the source at another (longer) path builds its
# musl libraries from scratch (from the pinned, verified sources in build/src/dl, so no
# network) and then build/shim. Compares, byte for byte, with this tree's build:
# build/musl/lib/libseccomp.a, build/musl/lib/libjson-c.a, build/shim and build/shim.spdx.json.
# The commit and SOURCE_DATE_EPOCH are this tree's (a copy outside git has neither).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS: repro: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: repro: $*"; }
tmp=$(mktemp -d /tmp/shim-repro.XXXXXX); trap 'rm -rf "$tmp"' EXIT
src=$tmp/a/different/and/longer/checkout/path/shim
mkdir -p "$src"
(cd "$ROOT" && git ls-files -z -co --exclude-standard | xargs -0 cp --parents -t "$src") ||
    { echo "repro: cannot copy the source" >&2; exit 1; }
version=$(make -s -C "$ROOT" --no-print-directory print-VERSION)
commit=$(make -s -C "$ROOT" --no-print-directory print-COMMIT)
epoch=$(make -s -C "$ROOT" --no-print-directory print-SOURCE_DATE_EPOCH)
log=$tmp/build.log
if timeout 1500 make -C "$src" DEPS_SOURCES="$ROOT/build/src/dl" VERSION="$version" COMMIT="$commit" SOURCE_DATE_EPOCH="$epoch" \
    build/shim build/shim.spdx.json >"$log" 2>&1; then
    pass "second clean build at $src"
else
    fail "second clean build at $src: $(tail -n 5 "$log")"
fi
for f in build/musl/lib/libseccomp.a build/musl/lib/libjson-c.a build/shim build/shim.spdx.json; do
    if cmp -s "$ROOT/$f" "$src/$f"; then
        pass "$f identical ($(sha256sum <"$src/$f" | cut -c1-16)...)"
    else
        fail "$f differs between $ROOT and $src"
    fi
done
echo "repro: build/shim sha256 $(sha256sum <"$ROOT/build/shim" | cut -d' ' -f1)"
echo "repro: $passed passed, $failed failed"
((failed == 0))
