#!/usr/bin/env bash
# make install DESTDIR=... PREFIX=...: the packager's layout. Checks that the binary lands in
# PREFIX/bin as the build's own bytes, executable, and that the licence, the third-party notices
# and the SBOM land in PREFIX/share/doc/shim; and that nothing is written outside DESTDIR.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS: install: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: install: $*"; }
tmp=$(mktemp -d /tmp/shim-install.XXXXXX); trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
if make -s -C "$ROOT" --no-print-directory install DESTDIR="$dest" PREFIX=/opt/shim >"$tmp/log" 2>&1; then
    pass "make install DESTDIR=... PREFIX=/opt/shim"
else
    fail "make install: $(tail -n 5 "$tmp/log")"
fi
bin=$dest/opt/shim/bin/shim
if [[ -x $bin ]] && cmp -s "$bin" "$ROOT/build/shim"; then
    pass "PREFIX/bin/shim is build/shim, executable"
else
    fail "PREFIX/bin/shim missing, not executable or not build/shim"
fi
doc=$dest/opt/shim/share/doc/shim
missing=()
for f in LICENSE THIRD_PARTY_NOTICES.md shim.spdx.json; do [[ -s $doc/$f ]] || missing+=("$f"); done
if ((${#missing[@]} == 0)); then pass "licence, notices and SBOM in PREFIX/share/doc/shim"; else fail "missing in $doc: ${missing[*]}"; fi
outside=$(find "$tmp" -mindepth 1 -maxdepth 1 ! -name dest ! -name log)
if [[ -z $outside ]] && [[ -z $(find "$dest" -mindepth 1 -maxdepth 1 ! -name opt) ]]; then
    pass "nothing installed outside DESTDIR/PREFIX"
else
    fail "unexpected files: $outside $(find "$dest" -mindepth 1 -maxdepth 1 ! -name opt)"
fi
echo "install: $passed passed, $failed failed"
[[ $failed == 0 ]]
