#!/usr/bin/env bash
# `make release`: write DIST (dist/) from the two static binaries and their SBOMs:
#   shim-VERSION-x86_64, shim-VERSION-aarch64          the static binaries
#   shim-VERSION-x86_64.spdx.json, ...-aarch64.spdx.json their SPDX SBOMs
#   shim-VERSION-oci.tar                                one OCI image index (linux/amd64, linux/arm64) in an
#                                                       OCI archive: /shim and /shim.spdx.json per image
#   LICENSE, THIRD_PARTY_NOTICES.md                     the shim's licence; musl's, libseccomp's (LGPL-2.1: how
#                                                       to relink) and json-c's, which the binaries contain
#   SHA256SUMS                                          `sha256sum -c SHA256SUMS` checks the files above
# Same inputs, same bytes (scripts/oci-image.py). Refuses, with one line each: a tree with uncommitted
# changes, a tag on HEAD that is not vVERSION, a SOURCE_URL that is not a repository URL.
#   release.sh --check VERSION COMMIT REVISION SOURCE_URL   only the refusals (make runs it before building)
#   release.sh DIST VERSION COMMIT REVISION SOURCE_URL X86_64_BIN X86_64_SBOM AARCH64_BIN AARCH64_SBOM
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dist=$1 version=$2 commit=$3 revision=$4 source_url=$5
die() { echo "make release: $*" >&2; exit 1; }

case $commit in
    unknown) die "no commit (not a git checkout): a release names one; run it in the repository or pass COMMIT= and REVISION=" ;;
    *-dirty) die "the tree has uncommitted changes (${commit}): commit or remove them, a release is built from one commit" ;;
esac
[[ $revision =~ ^[0-9a-f]{40}$ && $revision == "$commit"* ]] ||
    die "REVISION '$revision' is not the full hash of commit $commit: pass REVISION=\$(git rev-parse HEAD)"
if [[ -e $ROOT/.git ]]; then
    tags=$(git -C "$ROOT" tag --points-at HEAD --list 'v[0-9]*' | tr '\n' ' ')
    [[ -z $tags || $tags == "v$version " ]] ||
        die "HEAD is tagged ${tags% } but VERSION says $version: the tag of a release is v\$(cat VERSION)"
fi
[[ $source_url =~ ^(https|http|ssh|git)://[^[:space:]]+$ || $source_url =~ ^git@[^[:space:]]+$ ]] ||
    die "SOURCE_URL '$source_url' is not the repository's URL (git has no usable remote 'origin'): pass SOURCE_URL=https://HOST/PATH"
command -v python3 >/dev/null || die "python3 is missing: apt-get install python3"
[[ $dist == --check ]] && exit 0
epoch=${SOURCE_DATE_EPOCH:?}

tmp=$dist.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
for arch in x86_64 aarch64; do
    if [[ $arch == x86_64 ]]; then bin=$6 sbom=$7; else bin=$8 sbom=$9; fi
    # The binary names this version and commit (strings: the aarch64 one cannot run here).
    grep -aqF "shim %s (commit %s)" "$bin" && grep -aqxF "$version" <(tr -c '[:print:]' '\n' <"$bin") &&
        grep -aqxF "$commit" <(tr -c '[:print:]' '\n' <"$bin") ||
        die "$bin does not carry version $version and commit $commit: rebuild it (make, make TARGET=aarch64)"
    python3 - "$sbom" "$bin" "$version" <<'EOF' || die "$sbom does not describe $bin at version $version"
import hashlib, json, sys
d = json.load(open(sys.argv[1]))
s = [p for p in d["packages"] if p["SPDXID"] == "SPDXRef-Package-shim"][0]
sys.exit(not (s["versionInfo"] == sys.argv[3] and
              s["checksums"][0]["checksumValue"] == hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()))
EOF
    install -m 0755 "$bin" "$tmp/shim-$version-$arch"
    install -m 0644 "$sbom" "$tmp/shim-$version-$arch.spdx.json"
done
python3 "$ROOT/scripts/oci-image.py" "$tmp/shim-$version-oci.tar" --version "$version" --revision "$revision" \
    --source "$source_url" --created "$epoch" \
    --image "amd64:$tmp/shim-$version-x86_64:$tmp/shim-$version-x86_64.spdx.json" \
    --image "arm64:$tmp/shim-$version-aarch64:$tmp/shim-$version-aarch64.spdx.json"
install -m 0644 "$ROOT/LICENSE" "$ROOT/THIRD_PARTY_NOTICES.md" "$tmp/"
(cd "$tmp" && LC_ALL=C sha256sum -- shim-* LICENSE THIRD_PARTY_NOTICES.md | LC_ALL=C sort -k2 >SHA256SUMS)
rm -rf "$dist"
mv "$tmp" "$dist"
(cd "$dist" && stat -c '%8s %n' * && cat SHA256SUMS)
