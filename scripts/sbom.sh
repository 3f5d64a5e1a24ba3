#!/usr/bin/env bash
# Write the SPDX 2.3 JSON document of build/shim (stdout): the shim and what is linked into it
# (musl, libseccomp, json-c) with versions, licences, download locations and source sha256,
# from deps.lock and build/deps.stamp. Plain bash: `make` must work where there is no python.
#   sbom.sh BINARY VERSION [COMMIT]
# The library versions come from the binary's build/deps.stamp; SBOM_STAMP names another stamp with
# the Debian details (the aarch64 build's stamp has only the upstream versions, which must match it).
# Scanners (Trivy, Grype/Syft) find it in an image as /shim.spdx.json (Dockerfile.example).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$1 version=$2 commit=${3:-unknown}
B=$(dirname "$bin")
LOCK=$ROOT/deps.lock
STAMP=${SBOM_STAMP:-$B/deps.stamp}
if [[ $STAMP != "$B/deps.stamp" ]]; then
    for key in MUSL_VERSION LIBSECCOMP_VERSION JSONC_VERSION; do
        a=$(sed -n "s/^$key=//p" "$B/deps.stamp") b=$(sed -n "s/^$key=//p" "$STAMP")
        [[ -n $a && $a == "$b" ]] || { echo "sbom.sh: $key is '$a' in $B/deps.stamp but '$b' in $STAMP:" \
            "rebuild the libraries of both (make, make TARGET=aarch64)" >&2; exit 1; }
    done
fi
# shellcheck source=archive.sh
. "$ROOT/scripts/archive.sh"

stamp() { sed -n "s/^$1=//p" "$STAMP"; }
# JSON string escaping for the few characters our values could hold.
js() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }

sha=$(sha256sum <"$bin" | cut -d' ' -f1)
created=$(date -u -d "@${SOURCE_DATE_EPOCH:-0}" +%Y-%m-%dT%H:%M:%SZ)
mirror=$(archive_entries 2>/dev/null | awk 'NR == 1 { print $1 }')
origin=$(stamp DEPS_ORIGIN)

# package ID NAME VERSION LICENCE PURPOSE: a dependency's entry from deps.lock (source package).
package() {
    local id=$1 name=$2 deb=$3 lic=$4 purpose=$5 dir files dsc dsc_sha info loc
    dir=$(awk -v p="$name" '$1 == "package" && $2 == p { print $4 }' "$LOCK")
    dsc=$(awk -v p="$name" '$1 == "file" && $2 == p && $3 ~ /\.dsc$/ { print $3 }' "$LOCK")
    dsc_sha=$(awk -v p="$name" '$1 == "file" && $2 == p && $3 ~ /\.dsc$/ { print $4 }' "$LOCK")
    files=$(awk -v p="$name" '$1 == "file" && $2 == p { printf "%s%s sha256:%s", sep, $3, $4; sep = ", " }' "$LOCK")
    info="Debian source package $name $deb (pinned in deps.lock): $files"
    if [[ $name == libseccomp ]]; then
        for p in "$ROOT"/scripts/patches/libseccomp-*.patch; do
            [[ -f $p ]] && info+="; patched with ${p#"$ROOT"/} (sha256:$(sha256sum <"$p" | cut -d' ' -f1))"
        done
    fi
    loc=NOASSERTION
    [[ -z $mirror || -z $dir ]] || loc="${mirror%/}/$dir/$dsc"
    cat <<EOF
    {
      "SPDXID": "SPDXRef-Package-$id",
      "name": $(js "$name"),
      "versionInfo": $(js "$deb"),
      "supplier": "Organization: Debian",
      "downloadLocation": $(js "$loc"),
      "filesAnalyzed": false,
      "checksums": [ { "algorithm": "SHA256", "checksumValue": "$dsc_sha" } ],
      "sourceInfo": $(js "$info"),
      "licenseConcluded": "$lic",
      "licenseDeclared": "$lic",
      "copyrightText": "NOASSERTION",
      "primaryPackagePurpose": "$purpose",
      "externalRefs": [ { "referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                          "referenceLocator": $(js "pkg:deb/debian/$name@$deb?arch=source") } ]
    },
EOF
}

if [[ $origin != debian ]]; then
    deps_note="linked from DEPS_PREFIX ${origin#prefix:}: libseccomp and json-c are not the pinned packages"
    seccomp_deb=$(stamp LIBSECCOMP_VERSION) jsonc_deb=$(stamp JSONC_VERSION)
else
    deps_note="built from the Debian source packages pinned in deps.lock"
    seccomp_deb=$(stamp LIBSECCOMP_DEBIAN_VERSION) jsonc_deb=$(stamp JSONC_DEBIAN_VERSION)
fi

cat <<EOF
{
  "spdxVersion": "SPDX-2.3",
  "dataLicense": "CC0-1.0",
  "SPDXID": "SPDXRef-DOCUMENT",
  "name": $(js "shim-$version"),
  "documentNamespace": "https://spdx.org/spdxdocs/shim-$version-$sha",
  "creationInfo": {
    "created": "$created",
    "creators": [ "Tool: shim-scripts/sbom.sh" ],
    "comment": $(js "$deps_note")
  },
  "packages": [
    {
      "SPDXID": "SPDXRef-Package-shim",
      "name": "shim",
      "versionInfo": $(js "$version"),
      "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false,
      "packageFileName": "shim",
      "sourceInfo": $(js "built from commit $commit"),
      "checksums": [ { "algorithm": "SHA256", "checksumValue": "$sha" } ],
      "licenseConcluded": "Apache-2.0 AND MIT AND LGPL-2.1-only",
      "licenseDeclared": "Apache-2.0",
      "copyrightText": "NOASSERTION",
      "primaryPackagePurpose": "APPLICATION",
      "comment": "Static PIE init/entrypoint for distroless Node images; contains musl, libseccomp and json-c."
    },
EOF
{
    package musl musl "$(stamp MUSL_DEBIAN_VERSION)" MIT LIBRARY
    package libseccomp libseccomp "$seccomp_deb" LGPL-2.1-only LIBRARY
    package json-c json-c "$jsonc_deb" MIT LIBRARY
} | sed '$ s/},$/}/'
cat <<EOF
  ],
  "relationships": [
    { "spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-Package-shim" },
    { "spdxElementId": "SPDXRef-Package-shim", "relationshipType": "STATIC_LINK", "relatedSpdxElement": "SPDXRef-Package-musl" },
    { "spdxElementId": "SPDXRef-Package-shim", "relationshipType": "STATIC_LINK", "relatedSpdxElement": "SPDXRef-Package-libseccomp" },
    { "spdxElementId": "SPDXRef-Package-shim", "relationshipType": "STATIC_LINK", "relatedSpdxElement": "SPDXRef-Package-json-c" }
  ]
}
EOF
