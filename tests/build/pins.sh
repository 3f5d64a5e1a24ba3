#!/usr/bin/env bash
# deps.sh refuses inputs that are not the ones deps.lock pins, before it installs or builds
# anything: (1) a source file whose content changed (as a compromised mirror would serve it),
# (2) a pin file whose hash for an unchanged file differs. Each run uses its own build
# directory (DEPS_BUILD) fed from build/src/dl (DEPS_SOURCES), so no network and no root.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS: pins: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: pins: $*"; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

dsc=$(awk '$1 == "file" && $2 == "libseccomp" && $3 ~ /\.dsc$/ { print $3 }' "$ROOT/deps.lock")
pinned=$(awk -v f="$dsc" '$1 == "file" && $3 == f { print $4 }' "$ROOT/deps.lock")
[[ -f $ROOT/build/src/dl/$dsc ]] || { echo "pins: build/src/dl/$dsc missing: run make first" >&2; exit 1; }

# (1) tampered source file
mkdir -p "$tmp/src1"
cp "$ROOT"/build/src/dl/* "$tmp/src1/"
printf '\n' >>"$tmp/src1/$dsc"
DEPS_BUILD=$tmp/b1 DEPS_SOURCES=$tmp/src1 bash "$ROOT/scripts/deps.sh" >"$tmp/out1" 2>&1
rc=$?
got=$(sha256sum <"$tmp/src1/$dsc" | cut -d' ' -f1)
[[ $rc == 1 ]] && pass "a changed $dsc: exit 1" || fail "a changed $dsc: exit 1 (got $rc)"
grep -q "deps: error: $dsc: sha256 $got, but deps.lock pins $pinned: refusing" "$tmp/out1" &&
    pass "the error names the file, both hashes and the pin file" ||
    fail "the error names the file, both hashes and the pin file: $(tail -n 2 "$tmp/out1")"
[[ ! -e $tmp/b1/deps.stamp && ! -d $tmp/b1/musl && ! -d $tmp/b1/src/libseccomp-2.6.0 ]] &&
    pass "nothing was unpacked or built from it" || fail "nothing was unpacked or built from it"
[[ -f $tmp/b1/src/dl/$dsc.rejected && ! -f $tmp/b1/src/dl/$dsc ]] &&
    pass "the file is set aside, not reused by the next build" || fail "the file is set aside, not reused by the next build"

# (2) unchanged file, different pin
sed "s/$pinned/$(printf '%064d' 0)/" "$ROOT/deps.lock" >"$tmp/deps.lock"
mkdir -p "$tmp/b2/src/dl"
cp "$ROOT"/build/src/dl/* "$tmp/b2/src/dl/"
DEPS_BUILD=$tmp/b2 DEPS_LOCK=$tmp/deps.lock bash "$ROOT/scripts/deps.sh" >"$tmp/out2" 2>&1
rc=$?
[[ $rc == 1 ]] && grep -q "deps: error: $dsc: sha256 $pinned, but deps.lock pins 0000" "$tmp/out2" &&
    pass "a pin that does not match the cached file: refused" ||
    fail "a pin that does not match the cached file: refused (rc $rc: $(tail -n 2 "$tmp/out2"))"

# (3) the real pin file matches every cached file (what every build checks).
ok=1
while read -r _ _ f sha; do
    [[ -f $ROOT/build/src/dl/$f ]] || continue
    [[ $(sha256sum <"$ROOT/build/src/dl/$f" | cut -d' ' -f1) == "$sha" ]] || { ok=0; echo "pins: $f differs" >&2; }
done < <(awk '$1 == "file"' "$ROOT/deps.lock")
((ok)) && pass "build/src/dl matches deps.lock" || fail "build/src/dl matches deps.lock"
echo "pins: $passed passed, $failed failed"
((failed == 0))
