#!/usr/bin/env bash
# Propose a new deps.lock: read the signed Debian source indexes, pick each
# dependency's version by the policy below, download its files with apt (which
# checks them against the signed index) and write build/deps.lock.proposed with
# their sha256, then show the diff. Nothing is changed in the repository: moving
# to new inputs is a reviewed commit of deps.lock.
#
# Policy: libseccomp, the newest version the archive serves from trixie, forky
# or sid (never below 2.6.0); json-c and cmocka, bookworm's (Debian stable);
# musl, the version of the musl-dev binary package apt installs on this system
# (the shim links that package's libc.a, so its source must match it).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$ROOT/build
APTD=$B/apt
OUT=$B/deps.lock.proposed
say() { echo "pin-update: $*" >&2; }
die() { echo "pin-update: error: $*" >&2; exit 1; }
# shellcheck source=archive.sh
. "$ROOT/scripts/archive.sh"
# shellcheck source=retry.sh
. "$ROOT/scripts/retry.sh"

mkdir -p "$APTD/lists/partial" "$APTD/cache/archives/partial" "$APTD/sources.list.d" "$B/pin-update"
APT=(-o "Dir::Etc::SourceList=$APTD/sources.list" -o "Dir::Etc::SourceParts=$APTD/sources.list.d"
     -o "Dir::State::Lists=$APTD/lists" -o "Dir::Cache=$APTD/cache" -o "APT::Sandbox::User=root"
     # testing/unstable Release files expire within days; the signatures are still checked.
     -o "Acquire::Check-Valid-Until=false")
SUITES=(bookworm trixie forky sid)
: >"$APTD/sources.list.tmp"
while read -r uri sb; do
    opt=""; [[ $sb == - ]] || opt="[signed-by=$sb] "
    for s in "${SUITES[@]}"; do echo "deb-src ${opt}${uri} $s main" >>"$APTD/sources.list.tmp"; done
done < <(archive_entries)
mv "$APTD/sources.list.tmp" "$APTD/sources.list"
say "fetching source indexes (${SUITES[*]})"
retry apt-get "${APT[@]}" -qq update

# "VERSION SUITE" lines for source package $1.
versions() {
    apt-cache "${APT[@]}" madison "$1" |
        awk -F'|' '$3 ~ /Sources$/ { v = $2; gsub(/ /, "", v); n = split($3, a, " "); s = a[n - 1]; sub(/\/.*/, "", s); print v, s }'
}

# download PKG VERSION: apt-get source --download-only into build/pin-update; fails on a 404.
download() {
    (cd "$B/pin-update" && apt-get "${APT[@]}" -qq source --download-only "$1=$2" >/dev/null 2>&1)
}

# record PKG VERSION: the package line and one file line per file of its .dsc.
record() {
    local pkg=$1 v=$2 dir dsc f
    dir=$(apt-cache "${APT[@]}" showsrc "$pkg" 2>/dev/null |
        awk -v v="$v" '/^Package:/ { ok = 0 } $1 == "Version:" && $2 == v { ok = 1 } ok && $1 == "Directory:" && !d { d = $2 } END { print d }')
    [[ -n $dir ]] || die "no Directory for $pkg $v in the source index"
    dsc="$B/pin-update/${pkg}_${v#*:}.dsc"
    echo "package $pkg $v $dir"
    echo "file $pkg ${dsc##*/} $(sha256sum <"$dsc" | cut -d' ' -f1)"
    # the .dsc lists the other files (orig, debian tarball, upstream signature)
    for f in $(awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 } on { print $3 }' "$dsc"); do
        echo "file $pkg $f $(sha256sum <"$B/pin-update/$f" | cut -d' ' -f1)"
    done
}

pick=()
mapfile -t cands < <(versions libseccomp | awk '$2 != "bookworm" { print $1 }' | sort -Vr | awk '!seen[$0]++')
seccomp=""
for v in "${cands[@]}"; do
    dpkg --compare-versions "$v" ge 2.6.0 || continue
    if download libseccomp "$v"; then seccomp=$v; break; fi
    say "libseccomp $v is listed but not served; trying the next"
done
[[ -n $seccomp ]] || die "no libseccomp >= 2.6.0 is served"
pick+=("libseccomp $seccomp")
for pkg in json-c cmocka; do
    v=$(versions "$pkg" | awk '$2 == "bookworm" && !v { v = $1 } END { print v }')
    [[ -n $v ]] || die "no $pkg in bookworm"
    download "$pkg" "$v" || die "cannot download $pkg $v"
    pick+=("$pkg $v")
done
musl=$(apt-cache policy musl-dev | awk '/Candidate:/ { print $2 }')
[[ -n $musl && $musl != "(none)" ]] || die "apt knows no musl-dev candidate"
download musl "$musl" || die "cannot download musl $musl"
pick+=("musl $musl")

{
    sed -n '/^#/p' "$ROOT/deps.lock"
    for p in "${pick[@]}"; do record $p; done
} >"$OUT"
say "proposal written to ${OUT#"$ROOT"/}; review the diff and copy it to deps.lock to adopt it:"
diff -u "$ROOT/deps.lock" "$OUT" || true
