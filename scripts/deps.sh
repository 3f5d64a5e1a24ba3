#!/usr/bin/env bash
# Build the static C libraries the shim links (libseccomp, json-c) from Debian
# source packages, twice: with musl-gcc into build/musl (for the shim itself)
# and with the host compiler into build/host (unit tests, sanitizers, fuzzing).
# Writes build/deps.stamp (KEY=VALUE versions); a no-op while that stamp is
# newer than this script and the libraries are there.
#
#   DEPS_PREFIX=/opt/musl-deps  use prebuilt musl libraries from that prefix
#                               (lib/libseccomp.a, lib/libjson-c.a) instead of
#                               building them; build/musl becomes a symlink.
#
# Never touches the system's apt sources: the source packages come through a
# private apt configuration under build/apt, made from the system's own
# Debian archive entries.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$ROOT/build
STAMP=$B/deps.stamp
LOGS=$B/logs
JOBS=$(nproc 2>/dev/null || echo 2)
CFLAGS_COMMON="-O2 -fPIC"

say() { echo "deps: $*"; }
die() { echo "deps: error: $*" >&2; exit 1; }

# run LOG CMD...: append CMD's output to build/logs/LOG.log; on failure print
# the log's tail and stop.
run() {
    local log=$LOGS/$1.log
    shift
    echo "+ $*" >>"$log"
    if ! "$@" >>"$log" 2>&1; then
        echo "deps: FAILED: $* (last lines of $log):" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
}

# shellcheck source=retry.sh
. "$(dirname "${BASH_SOURCE[0]}")/retry.sh"

# Upstream version from an installed pkg-config file.
pc_version() { sed -n 's/^Version: *//p' "$1" 2>/dev/null | head -n1; }

# The stamp is valid for this origin, newer than this script, and the libraries exist.
up_to_date() {
    [[ -f $STAMP && $STAMP -nt ${BASH_SOURCE[0]} ]] && grep -qxF "DEPS_ORIGIN=$ORIGIN" "$STAMP" && libs_present
}

libs_present() {
    local d
    for d in "$B/musl" "$B/host"; do
        [[ -f $d/lib/libseccomp.a && -f $d/lib/libjson-c.a ]] || return 1
    done
}

if [[ -f /etc/alpine-release ]]; then
    ORIGIN=alpine
elif [[ -n ${DEPS_PREFIX:-} && -f $DEPS_PREFIX/lib/libseccomp.a && -f $DEPS_PREFIX/lib/libjson-c.a ]]; then
    ORIGIN=prefix:$(cd "$DEPS_PREFIX" && pwd)
else
    [[ -z ${DEPS_PREFIX:-} ]] ||
        say "warning: DEPS_PREFIX=$DEPS_PREFIX lacks lib/libseccomp.a or lib/libjson-c.a; building instead"
    ORIGIN=debian
fi

# Fast path: everything is already built.
if up_to_date; then
    exit 0
fi

mkdir -p "$B" "$LOGS"
# Serialise concurrent runs (parallel make); re-check the stamp once we hold the lock.
exec 9>"$B/.deps.lock"
flock -n 9 || { say "waiting for another run of scripts/deps.sh"; flock 9; }
if up_to_date; then
    exit 0
fi
rm -f "$STAMP"
rm -rf "$B/musl" "$B/host"   # a symlink is removed, never followed

# ---------------------------------------------------------------------------
# Alpine (best effort, untested here): the distribution's libraries are
# already built against musl, so use them for both prefixes.
if [[ $ORIGIN == alpine ]]; then
    say "Alpine: installing libseccomp-static, json-c-dev, linux-headers with apk"
    run apk retry apk add --no-cache build-base cmake libseccomp-dev libseccomp-static json-c-dev linux-headers
    ln -s /usr "$B/musl"
    ln -s /usr "$B/host"
    libs_present || die "apk packages did not provide /usr/lib/libseccomp.a and /usr/lib/libjson-c.a"
    {
        echo "LIBSECCOMP_VERSION=$(pc_version /usr/lib/pkgconfig/libseccomp.pc)"
        echo "JSONC_VERSION=$(pc_version /usr/lib/pkgconfig/json-c.pc)"
        echo "MUSL_VERSION=$(/lib/ld-musl-"$(uname -m)".so.1 2>&1 | sed -n 's/^Version //p')"
        echo "DEPS_ORIGIN=$ORIGIN"
    } >"$STAMP.tmp"
    mv "$STAMP.tmp" "$STAMP"
    say "done (Alpine system libraries)"; cat "$STAMP"
    exit 0
fi

# ---------------------------------------------------------------------------
# 1. Build tools from the system's configured archive.
[[ $(id -u) == 0 ]] || die "must run as root (installs packages with apt-get)"
# libc6-dev: gcc does not pull it in on a minimal root (an arm64 buildx stage).
TOOLS=(musl-tools musl-dev dpkg-dev gperf cmake make gcc libc6-dev libcmocka-dev linux-libc-dev)
missing=()
for p in "${TOOLS[@]}"; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || missing+=("$p")
done
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    run apt-install retry apt-get update
    run apt-install retry apt-get install -y --no-install-recommends "${missing[@]}"
fi

MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
MUSL_VERSION=$(dpkg-query -W -f='${Version}' musl)
MUSL_VERSION=${MUSL_VERSION#*:}
MUSL_VERSION=${MUSL_VERSION%-*}

# ---------------------------------------------------------------------------
# 2. Private apt configuration: deb-src entries for the main Debian archive
#    URIs found in the system's own sources (the archive without -security,
#    -updates, ... suites), keeping the system's keyrings.
APTD=$B/apt
mkdir -p "$APTD/lists/partial" "$APTD/cache/archives/partial" "$APTD/sources.list.d"
APT=(-o "Dir::Etc::SourceList=$APTD/sources.list"
     -o "Dir::Etc::SourceParts=$APTD/sources.list.d"
     -o "Dir::State::Lists=$APTD/lists"
     -o "Dir::Cache=$APTD/cache"
     -o "APT::Sandbox::User=root"
     # Testing and unstable Release files expire within days; a mirror or
     # snapshot serving older ones is still signed, and signatures are checked.
     -o "Acquire::Check-Valid-Until=false")

# Print "URI SIGNED-BY" for each main-archive entry (SIGNED-BY "-" if none).
archive_uris() {
    if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
        awk '
            function flush() {
                if (types ~ /(^| )deb(-src)?( |$)/ && main && comps ~ /(^| )main( |$)/ && enabled != "no")
                    for (i = 1; i <= nu; i++) print u[i], (sb ~ /^\// ? sb : "-")
                types = ""; comps = ""; sb = ""; enabled = ""; nu = 0; main = 0
            }
            /^[ \t]*#/ { next }
            /^[ \t]*$/ { flush(); next }
            /^[ \t]/   { next }                  # continuation (inline key)
            {
                key = tolower($1); sub(/:$/, "", key)
                val = $0; sub(/^[^:]*:[ \t]*/, "", val)
                if (key == "types") types = val
                else if (key == "uris") nu = split(val, u, /[ \t]+/)
                else if (key == "components") comps = val
                else if (key == "signed-by") sb = val
                else if (key == "enabled") enabled = tolower(val)
                else if (key == "suites") { n = split(val, s, /[ \t]+/); for (i = 1; i <= n; i++) if (s[i] !~ /[-\/]/) main = 1 }
            }
            END { flush() }' /etc/apt/sources.list.d/debian.sources
    fi
    if [[ -f /etc/apt/sources.list ]]; then
        awk '
            $1 != "deb" && $1 != "deb-src" { next }
            {
                i = 2; sb = "-"
                if ($2 ~ /^\[/) {
                    for (; i <= NF; i++) {
                        if ($i ~ /^\[?signed-by=/) { sb = $i; sub(/^\[?signed-by=/, "", sb); sub(/\]$/, "", sb) }
                        if ($i ~ /\]$/) { i++; break }
                    }
                }
                uri = $i; suite = $(i + 1)
                for (j = i + 2; j <= NF; j++) if ($j == "main" && suite !~ /[-\/]/) { print uri, sb; break }
            }' /etc/apt/sources.list
    fi
}

mapfile -t ENTRIES < <(archive_uris | awk '!seen[$1]++')
((${#ENTRIES[@]})) || die "no Debian archive found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
# bookworm/trixie for json-c and libseccomp 2.6.x; forky/sid only to find a newer libseccomp.
SUITES=(bookworm trixie forky sid)
: >"$APTD/sources.list.tmp"
for e in "${ENTRIES[@]}"; do
    read -r uri sb <<<"$e"
    opt=""
    [[ $sb == - ]] || opt="[signed-by=$sb] "
    for s in "${SUITES[@]}"; do
        echo "deb-src ${opt}${uri} $s main" >>"$APTD/sources.list.tmp"
    done
done
mv "$APTD/sources.list.tmp" "$APTD/sources.list"
say "fetching source indexes (${SUITES[*]}) into build/apt"
: >"$LOGS/apt.log"
run apt retry apt-get "${APT[@]}" update

# Versions of source package $1 as "VERSION SUITE" lines.
src_versions() {
    apt-cache "${APT[@]}" madison "$1" |
        awk -F'|' '$3 ~ /Sources$/ { v = $2; gsub(/ /, "", v); n = split($3, a, " "); s = a[n - 1]; sub(/\/.*/, "", s); print v, s }'
}

# fetch PKG VERSION...: download the first listed version the archive serves
# (a 404 moves on to the next version at once); sets FETCHED.
fetch() {
    local pkg=$1 v i out
    shift
    FETCHED=""
    mkdir -p "$B/src/dl"
    for v in "$@"; do
        for i in 1 2 3; do
            if out=$(cd "$B/src/dl" && apt-get "${APT[@]}" source --download-only "$pkg=$v" 2>&1); then
                echo "$out" >>"$LOGS/apt.log"
                FETCHED=$v
                return 0
            fi
            echo "$out" >>"$LOGS/apt.log"
            if grep -q ' 404 ' <<<"$out"; then
                say "$pkg $v: not served by the archive, trying the next version"
                break
            fi
            [[ $i == 3 ]] || sleep $((i * 5))
        done
    done
    echo "deps: FAILED: could not download $pkg ($*); last lines of $LOGS/apt.log:" >&2
    tail -n 20 "$LOGS/apt.log" >&2
    exit 1
}

# unpack PKG VERSION: dpkg-source -x into build/src/PKG-UPSTREAM; sets SRCDIR.
unpack() {
    local pkg=$1 v=${2#*:} up
    up=${v%-*}
    SRCDIR=$B/src/$pkg-$up
    rm -rf "$SRCDIR"
    run "unpack-$pkg" dpkg-source -x "$B/src/dl/${pkg}_$v.dsc" "$SRCDIR"
}

# libseccomp: trixie's if it is 2.6.1 or newer, else the newest of
# trixie/forky/sid; never older than 2.6.0 (bookworm's 2.5.4 lacks fixes).
mapfile -t lines < <(src_versions libseccomp | awk '$2 == "trixie" || $2 == "forky" || $2 == "sid"' | sort -k1,1Vr)
cands=()
for l in "${lines[@]}"; do
    read -r v s <<<"$l"
    dpkg --compare-versions "$v" ge 2.6.0 || continue
    if [[ $s == trixie ]] && dpkg --compare-versions "$v" ge 2.6.1; then
        cands=("$v" "${cands[@]}")
    else
        cands+=("$v")
    fi
done
mapfile -t cands < <(printf '%s\n' "${cands[@]}" | awk 'NF && !seen[$0]++')
((${#cands[@]})) || die "no libseccomp >= 2.6.0 in trixie/forky/sid source indexes"
say "downloading libseccomp (candidates: ${cands[*]})"
fetch libseccomp "${cands[@]}"
SECCOMP_DEB=$FETCHED
unpack libseccomp "$SECCOMP_DEB"
SECCOMP_SRC=$SRCDIR

# json-c: bookworm's 0.16 (Debian stable, security-supported), trixie's as fallback.
cands=()
for s in bookworm trixie; do
    v=$(src_versions json-c | awk -v s="$s" '$2 == s { print $1; exit }')
    [[ -z $v ]] || cands+=("$v")
done
((${#cands[@]})) || die "no json-c in bookworm/trixie source indexes"
say "downloading json-c (candidates: ${cands[*]})"
fetch json-c "${cands[@]}"
JSONC_DEB=$FETCHED
unpack json-c "$JSONC_DEB"
JSONC_SRC=$SRCDIR
say "sources: libseccomp $SECCOMP_DEB, json-c $JSONC_DEB (build/src)"

# ---------------------------------------------------------------------------
# 3. Kernel headers for musl-gcc, which does not search /usr/include.
if [[ $ORIGIN == debian ]]; then
    mkdir -p "$B/musl/include"
    cp -a /usr/include/linux /usr/include/asm-generic "$B/musl/include/"
    cp -a "/usr/include/$MULTIARCH/asm" "$B/musl/include/asm"
fi

# ---------------------------------------------------------------------------
# 4. Builds: static only, PIC, -O2, no LTO.
build_libseccomp() { # FLAVOR CC CFLAGS
    local flavor=$1 cc=$2 cflags=$3 prefix=$B/$1 bdir=$B/src/build-$1-libseccomp log=libseccomp-$1
    say "building libseccomp for $flavor (log: build/logs/$log.log)"
    rm -rf "$bdir" "$LOGS/$log.log"
    mkdir -p "$bdir"
    run "$log" env -C "$bdir" CC="$cc" CFLAGS="$cflags" "$SECCOMP_SRC/configure" \
        --prefix="$prefix" --libdir="$prefix/lib" \
        --enable-static --disable-shared --disable-python --with-pic
    run "$log" make -C "$bdir" -j"$JOBS" V=1
    run "$log" make -C "$bdir" install
}

build_jsonc() { # FLAVOR CC CFLAGS
    local flavor=$1 cc=$2 cflags=$3 prefix=$B/$1 bdir=$B/src/build-$1-json-c log=json-c-$1
    say "building json-c for $flavor (log: build/logs/$log.log)"
    rm -rf "$bdir" "$LOGS/$log.log"
    run "$log" cmake -S "$JSONC_SRC" -B "$bdir" \
        -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$cflags" -DCMAKE_BUILD_TYPE=None \
        -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
        -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
        -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DBUILD_TESTING=OFF -DBUILD_APPS=OFF \
        -DDISABLE_WERROR=ON -DDISABLE_EXTRA_LIBS=ON -DDISABLE_THREAD_LOCAL_STORAGE=ON \
        -DENABLE_THREADING=OFF -DENABLE_RDRAND=OFF
    run "$log" cmake --build "$bdir" -j"$JOBS" -v
    run "$log" cmake --install "$bdir"
}

if [[ $ORIGIN == debian ]]; then
    # Size matters for the shim: sections per function let the linker drop
    # every API the shim does not call.
    build_libseccomp musl musl-gcc "-Os -fPIC -ffunction-sections -fdata-sections -I$B/musl/include"
    build_jsonc musl musl-gcc "-Os -fPIC -ffunction-sections -fdata-sections -I$B/musl/include"
else
    say "using prebuilt musl libraries from ${ORIGIN#prefix:}"
    ln -s "${ORIGIN#prefix:}" "$B/musl"
    [[ -d $B/musl/include/linux ]] ||
        say "warning: ${ORIGIN#prefix:}/include has no linux/ kernel headers for musl-gcc"
fi
build_libseccomp host gcc "$CFLAGS_COMMON"
build_jsonc host gcc "$CFLAGS_COMMON"

# ---------------------------------------------------------------------------
# Check that both prefixes link: a static musl program that runs, and a host one.
cat >"$B/src/depcheck.c" <<'EOF'
#include <seccomp.h>
#include <json-c/json.h>
#include <stdio.h>

int main(void)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    struct json_object *o = json_tokener_parse("{\"ok\": true}");
    const struct scmp_version *v = seccomp_version();
    if (!ctx || !o || !v)
        return 1;
    printf("libseccomp %u.%u.%u, json-c %s: %s\n", v->major, v->minor, v->micro,
           json_c_version(), json_object_to_json_string(o));
    json_object_put(o);
    seccomp_release(ctx);
    return 0;
}
EOF
say "checking that the libraries link and run"
: >"$LOGS/check.log"
run check musl-gcc -static -O2 -I"$B/musl/include" "$B/src/depcheck.c" -o "$B/src/depcheck-musl" \
    -L"$B/musl/lib" -lseccomp -ljson-c
run check "$B/src/depcheck-musl"
run check gcc -O2 -I"$B/host/include" "$B/src/depcheck.c" -o "$B/src/depcheck-host" \
    -L"$B/host/lib" -lseccomp -ljson-c
run check "$B/src/depcheck-host"
if command -v clang >/dev/null; then
    run check clang -O2 -I"$B/host/include" "$B/src/depcheck.c" -o "$B/src/depcheck-clang" \
        -L"$B/host/lib" -lseccomp -ljson-c
    run check "$B/src/depcheck-clang"
fi
tail -n 1 "$LOGS/check.log" | sed 's/^/deps: /'

# ---------------------------------------------------------------------------
# 6. Stamp: versions for `shim --version`.
{
    echo "LIBSECCOMP_VERSION=$(pc_version "$B/musl/lib/pkgconfig/libseccomp.pc")"
    echo "JSONC_VERSION=$(pc_version "$B/musl/lib/pkgconfig/json-c.pc")"
    echo "MUSL_VERSION=$MUSL_VERSION"
    echo "LIBSECCOMP_DEBIAN_VERSION=$SECCOMP_DEB"
    echo "JSONC_DEBIAN_VERSION=$JSONC_DEB"
    echo "DEPS_ORIGIN=$ORIGIN"
} >"$STAMP.tmp"
mv "$STAMP.tmp" "$STAMP"
say "done: $(tr '\n' ' ' <"$STAMP")"
