#!/usr/bin/env bash
# The version (issue 24): the file VERSION is a semantic version with its CHANGELOG.md entry; build/shim
# --version prints it first and the commit after it; the SBOM names it; a tag on HEAD names the same
# version; a copy of the source without git (a Docker build context) still gets the version, a commit of
# "unknown" and the CHANGELOG's date instead of 1970; a VERSION that is not semantic stops make.
#   version.sh BINARY SBOM
set -uo pipefail
# Its own makes, not the caller's: `make VERSION=... check` passes VERSION to sub-makes through these.
unset MAKEFLAGS MFLAGS MAKELEVEL
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$ROOT/build/shim} sbom=${2:-$ROOT/build/shim.spdx.json}
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS: version: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: version: $*"; }
mk() { make -s -C "$1" --no-print-directory "print-$2"; }

version=$(cat "$ROOT/VERSION")
semver='(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?'
[[ $(wc -l <"$ROOT/VERSION") == 1 ]] && grep -qxE "$semver" <<<"$version" &&
    pass "VERSION holds one semantic version ($version)" || fail "VERSION holds one semantic version ('$version')"
# A release version has its dated entry; a pre-release (0.2.0-dev) is the Unreleased entry.
if [[ $version == *-* ]]; then
    grep -q '^## Unreleased' "$ROOT/CHANGELOG.md"
    [[ $? == 0 ]] && pass "CHANGELOG.md has the Unreleased entry of $version" || fail "CHANGELOG.md has an '## Unreleased' entry"
else
    grep -qxE "## ${version//./\\.} - [0-9]{4}-[0-9]{2}-[0-9]{2}" "$ROOT/CHANGELOG.md"
    [[ $? == 0 ]] && pass "CHANGELOG.md has the dated entry '## $version - DATE'" ||
        fail "CHANGELOG.md has no entry '## $version - YYYY-MM-DD'"
fi
commit=$(mk "$ROOT" COMMIT)
want="shim $version (commit $commit)"
got=$(env -i ${VERSION_RUNNER:-} "$bin" --version 2>&1 | head -n 1)
[[ $got == "$want" ]] && pass "--version's first line: $got" || fail "--version's first line is '$got', want '$want'"
if [[ -d $ROOT/.git || -f $ROOT/.git ]]; then
    [[ $commit =~ ^[0-9a-f]{12}(-dirty)?$ ]] && pass "the commit comes from git ($commit)" || fail "the commit from git: '$commit'"
    tags=$(git -C "$ROOT" tag --points-at HEAD --list 'v[0-9]*')
    [[ -z $tags || $tags == "v$version" ]] && pass "tags on HEAD: ${tags:-none} (VERSION $version)" ||
        fail "HEAD is tagged $(echo $tags) but VERSION is $version"
fi
python3 - "$sbom" "$version" "$commit" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
shim = [p for p in d["packages"] if p["SPDXID"] == "SPDXRef-Package-shim"][0]
ok = (d["name"] == "shim-" + sys.argv[2] and shim["versionInfo"] == sys.argv[2]
      and shim.get("sourceInfo") == "built from commit " + sys.argv[3]
      and not d["creationInfo"]["created"].startswith("1970"))
print(("PASS" if ok else "FAIL") + ": version: SBOM %s, versionInfo %s, %s, created %s" % (
    d["name"], shim["versionInfo"], shim.get("sourceInfo"), d["creationInfo"]["created"]))
sys.exit(0 if ok else 1)
EOF
if [[ $? == 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi

# Outside git: the Makefile and the files it reads, copied as a Docker build context would be.
tmp=$(mktemp -d /tmp/shim-version.XXXXXX); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/tests"
cp "$ROOT/Makefile" "$ROOT/aarch64.mk" "$ROOT/VERSION" "$ROOT/CHANGELOG.md" "$tmp/"
cp "$ROOT/tests/tests.mk" "$tmp/tests/"
day=$(grep -om1 '^## .*[0-9]\{4\}-[0-9]\{2\}-[0-9]\{2\}' "$ROOT/CHANGELOG.md" | grep -o '[0-9-]*$')
v=$(mk "$tmp" VERSION) c=$(mk "$tmp" COMMIT) e=$(env -u SOURCE_DATE_EPOCH make -s -C "$tmp" --no-print-directory print-SOURCE_DATE_EPOCH)
[[ $v == "$version" && $c == unknown && $e == "$(date -u -d "$day" +%s)" ]] &&
    pass "without git: version $v, commit $c, SOURCE_DATE_EPOCH $e (CHANGELOG.md's $day)" ||
    fail "without git: version '$v', commit '$c', SOURCE_DATE_EPOCH '$e' (want $version, unknown, $day)"
e=$(SOURCE_DATE_EPOCH=1234 make -s -C "$tmp" --no-print-directory print-SOURCE_DATE_EPOCH)
[[ $e == 1234 ]] && pass "SOURCE_DATE_EPOCH from the environment wins ($e)" || fail "SOURCE_DATE_EPOCH from the environment: got '$e'"
e2=$(SOURCE_DATE_EPOCH= make -s -C "$tmp" --no-print-directory print-SOURCE_DATE_EPOCH)
[[ $e2 == "$(date -u -d "$day" +%s)" ]] && pass "an empty SOURCE_DATE_EPOCH (a Dockerfile ARG given no value) counts as unset ($e2)" ||
    fail "an empty SOURCE_DATE_EPOCH: got '$e2'"
echo 1.0 >"$tmp/VERSION"
out=$(make -s -C "$tmp" --no-print-directory print-VERSION 2>&1)
rc=$?
[[ $rc != 0 && $(wc -l <<<"$out") == 1 && $out == *"VERSION '1.0' is not a semantic version"* ]] &&
    pass "VERSION 1.0 stops make with one line: $out" || fail "VERSION 1.0: exit $rc, '$out'"
echo "version: $passed passed, $failed failed"
((failed == 0))
