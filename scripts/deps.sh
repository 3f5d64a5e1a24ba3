#!/usr/bin/env bash
# Build the static C libraries the shim links (libseccomp, json-c) from the
# Debian source packages pinned in deps.lock: with musl-gcc into build/musl (for
# the shim itself) and with the host compiler into build/host (unit tests,
# sanitizers, fuzzing), plus cmocka for musl into build/musl-test (unit tests
# against musl). Writes build/deps.stamp (KEY=VALUE versions).
#
#   deps.sh musl     the shim's libraries (build/musl): what `make` needs
#   deps.sh host     the test libraries (build/host, build/musl-test)
#   deps.sh          both
#
# Every run, also the no-op one, checks each downloaded source file against its
# sha256 in deps.lock and refuses a mismatch. Files come from build/src/dl, from
# $DEPS_SOURCES (a directory, e.g. for an offline build), else from the Debian
# archive of this system's apt sources (never changed).
#
#   DEPS_PREFIX=/opt/musl-deps  use prebuilt musl libraries from that prefix
#                               (lib/libseccomp.a, lib/libjson-c.a) instead of
#                               building them; build/musl becomes a symlink.
#                               `make` then needs no network and no root.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${DEPS_BUILD:-$ROOT/build}        # DEPS_BUILD: another build directory (tests)
LOCK=${DEPS_LOCK:-$ROOT/deps.lock}  # DEPS_LOCK: another pin file (tests)
DL=$B/src/dl
MODE=${1:-all}
STAMP=$B/deps.stamp
HOST_STAMP=$B/host.stamp
LOGS=$B/logs
JOBS=$(nproc 2>/dev/null || echo 2)
# No build paths in the objects (assert() and debug info record __FILE__).
REPRO="-ffile-prefix-map=$B/src=/usr/src"
CFLAGS_COMMON="-O2 -fPIC $REPRO"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0} ZERO_AR_DATE=1

ME=deps
# shellcheck source=steplog.sh
. "$(dirname "${BASH_SOURCE[0]}")/steplog.sh"

# shellcheck source=retry.sh
. "$(dirname "${BASH_SOURCE[0]}")/retry.sh"
# shellcheck source=archive.sh
. "$(dirname "${BASH_SOURCE[0]}")/archive.sh"

# ---------------------------------------------------------------------------
# Pinned sources (deps.lock).
[[ -r $LOCK ]] || die "cannot read the pin file $LOCK"
LOCK_SHA=$(sha256sum <"$LOCK" | cut -d' ' -f1)
pin_version() { awk -v p="$1" '$1 == "package" && $2 == p { print $3 }' "$LOCK"; }
pin_dir() { awk -v p="$1" '$1 == "package" && $2 == p { print $4 }' "$LOCK"; }
pin_files() { awk -v p="$1" '$1 == "file" && $2 == p { print $3, $4 }' "$LOCK"; }

# verify_file FILE SHA256: refuses (exit 1) a file that is not the pinned one.
verify_file() {
    local f=$1 want=$2 got
    got=$(sha256sum <"$f" | cut -d' ' -f1)
    [[ $got == "$want" ]] && return 0
    mv -f "$f" "$f.rejected"
    die "${f##*/}: sha256 $got, but ${LOCK##*/} pins $want: refusing this input (kept as ${f#"$B"/}.rejected). If the change is intended, review it with scripts/pin-update.sh and commit deps.lock."
}

# fetch_pinned PKG: every pinned file of PKG in build/src/dl, verified.
fetch_pinned() {
    local pkg=$1 dir f sha uri sb got
    dir=$(pin_dir "$pkg")
    [[ -n $dir ]] || die "${LOCK##*/} pins no package $pkg"
    mkdir -p "$DL"
    while read -r f sha; do
        if [[ ! -f $DL/$f && -n ${DEPS_SOURCES:-} && -f $DEPS_SOURCES/$f ]]; then
            cp "$DEPS_SOURCES/$f" "$DL/$f.part" && mv "$DL/$f.part" "$DL/$f"
        fi
        if [[ ! -f $DL/$f ]]; then
            got=0
            while read -r uri sb; do
                say "downloading $f"
                # apt's own downloader: the system's proxy and Acquire settings, and the hash check.
                if retry /usr/lib/apt/apt-helper -qq download-file "${uri%/}/$dir/$f" "$DL/$f.part" "SHA256:$sha" \
                    >>"$LOGS/download.log" 2>&1; then
                    mv "$DL/$f.part" "$DL/$f"; got=1; break
                fi
                if [[ -f $DL/$f.part ]]; then verify_file "$DL/$f.part" "$sha"; fi
            done < <(archive_entries)
            ((got)) || die "cannot download $f ($pkg $(pin_version "$pkg")) from the archive (log: build/logs/download.log); if it is no longer served, propose a new pin with scripts/pin-update.sh"
        fi
        verify_file "$DL/$f" "$sha"
    done < <(pin_files "$pkg")
}

# verify_cached: the no-op path's check of every file already downloaded.
verify_cached() {
    local pkg f sha
    for pkg in $(awk '$1 == "package" { print $2 }' "$LOCK"); do
        while read -r f sha; do
            [[ ! -f $DL/$f ]] || verify_file "$DL/$f" "$sha"
        done < <(pin_files "$pkg")
    done
}

# Upstream version from an installed pkg-config file.
pc_version() { sed -n 's/^Version: *//p' "$1" 2>/dev/null | head -n1; }

if [[ -n ${DEPS_PREFIX:-} ]]; then
    [[ -f $DEPS_PREFIX/lib/libseccomp.a && -f $DEPS_PREFIX/lib/libjson-c.a ]] ||
        die "DEPS_PREFIX=$DEPS_PREFIX lacks lib/libseccomp.a or lib/libjson-c.a"
    ORIGIN=prefix:$(cd "$DEPS_PREFIX" && pwd)
else
    ORIGIN=debian
fi

# The stamp is for this origin and pin file, newer than this script, and the libraries exist.
up_to_date() {
    [[ -f $STAMP && $STAMP -nt ${BASH_SOURCE[0]} && -f $B/musl/lib/libseccomp.a && -f $B/musl/lib/libjson-c.a ]] &&
        grep -qxF "DEPS_ORIGIN=$ORIGIN" "$STAMP" && grep -qxF "DEPS_LOCK_SHA256=$LOCK_SHA" "$STAMP"
}
host_up_to_date() {
    [[ -f $HOST_STAMP && $HOST_STAMP -nt ${BASH_SOURCE[0]} && -f $B/host/lib/libseccomp.a && -f $B/host/lib/libjson-c.a &&
        -f $B/musl-test/lib/libcmocka.a ]] && grep -qxF "DEPS_LOCK_SHA256=$LOCK_SHA" "$HOST_STAMP"
}

mkdir -p "$B" "$LOGS"
# Every build checks the inputs it already has (cheap: a few MB of sha256).
verify_cached
case $MODE in
    musl) up_to_date && exit 0 ;;
    host) host_up_to_date && exit 0 ;;
    all) up_to_date && host_up_to_date && exit 0 ;;
    *) die "unknown mode $MODE (musl, host or none)" ;;
esac

# Serialise concurrent runs (parallel make); re-check the stamps once we hold the lock.
exec 9>"$B/.deps.lock"
flock -n 9 || { say "waiting for another run of scripts/deps.sh"; flock 9; }

# ---------------------------------------------------------------------------
# 1. Build tools from the system's configured archive, musl at its pinned version.
MUSL_DEB=$(pin_version musl)
[[ -n $MUSL_DEB ]] || die "${LOCK##*/} pins no musl version"
TOOLS=(gcc libc6-dev make dpkg-dev cmake linux-libc-dev)
[[ $MODE != musl || $ORIGIN == debian ]] && TOOLS+=(gperf)
[[ $MODE != musl ]] && TOOLS+=(libcmocka-dev)
missing=()
for p in "${TOOLS[@]}"; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || missing+=("$p")
done
for p in musl-dev musl-tools; do
    [[ $(dpkg-query -W -f='${db:Status-Status} ${Version}' "$p" 2>/dev/null) == "installed $MUSL_DEB" ]] ||
        missing+=("$p=$MUSL_DEB")
done
if ((${#missing[@]})); then
    [[ $(id -u) == 0 ]] || die "missing packages: ${missing[*]}; install them (as root: apt-get install ${missing[*]}) or run make as root"
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    run apt-install retry apt-get update
    run apt-install retry apt-get install -y --no-install-recommends --allow-downgrades "${missing[@]}" ||
        die "cannot install ${missing[*]} (log: build/logs/apt-install.log)"
fi
MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
MUSL_VERSION=${MUSL_DEB#*:}
MUSL_VERSION=${MUSL_VERSION%-*}

# unpack PKG: dpkg-source -x of the pinned, verified files into build/src/PKG-UPSTREAM,
# then this repository's patches for that upstream version; sets SRCDIR.
unpack() {
    local pkg=$1 v up p
    v=$(pin_version "$pkg"); v=${v#*:}; up=${v%-*}
    fetch_pinned "$pkg"
    SRCDIR=$B/src/$pkg-$up
    rm -rf "$SRCDIR"
    run "unpack-$pkg" dpkg-source --no-check -x "$DL/${pkg}_$v.dsc" "$SRCDIR"
    for p in "$ROOT"/scripts/patches/"$pkg-$up"-*.patch; do
        [[ -f $p ]] || continue
        say "applying ${p#"$ROOT"/}"
        run "unpack-$pkg" patch -d "$SRCDIR" -p1 --forward --batch -i "$p"
    done
}

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
    # Only the library: json-c 0.16 ignores BUILD_APPS (0.17 added it) and its programs
    # do not link natively on aarch64 (libgcc's outline atomics need __getauxval, which
    # a dynamic musl-gcc link lacks); they install nothing anyway.
    run "$log" cmake --build "$bdir" --target json-c -j"$JOBS" -v
    run "$log" cmake --install "$bdir"
}

build_cmocka_musl() {
    local bdir=$B/src/build-musl-cmocka log=cmocka-musl prefix=$B/musl-test
    say "building cmocka for musl (log: build/logs/$log.log)"
    rm -rf "$bdir" "$prefix" "$LOGS/$log.log"
    run "$log" cmake -S "$CMOCKA_SRC" -B "$bdir" \
        -DCMAKE_C_COMPILER=musl-gcc -DCMAKE_C_FLAGS="-O2 -fPIC $REPRO" -DCMAKE_BUILD_TYPE=None \
        -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib \
        -DWITH_STATIC_LIB=ON -DUNIT_TESTING=OFF -DWITH_EXAMPLES=OFF -DPICKY_DEVELOPER=OFF
    run "$log" cmake --build "$bdir" -j"$JOBS" -v --target cmocka-static
    mkdir -p "$prefix/lib" "$prefix/include"
    cp "$bdir/src/libcmocka-static.a" "$prefix/lib/libcmocka.a"
    cp "$CMOCKA_SRC/include/cmocka.h" "$prefix/include/"
}

# depcheck CC CFLAGS PREFIX NAME: a program using both libraries links and runs.
write_depcheck() {
mkdir -p "$B/src"
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
}
depcheck() {
    local cc=$1 cflags=$2 prefix=$3 name=$4
    write_depcheck
    run check $cc $cflags -O2 -I"$prefix/include" "$B/src/depcheck.c" -o "$B/src/depcheck-$name" \
        -L"$prefix/lib" -lseccomp -ljson-c
    run check "$B/src/depcheck-$name"
}

# ---------------------------------------------------------------------------
# 2. The shim's libraries (build/musl).
if [[ $MODE != host ]] && ! up_to_date; then
    rm -f "$STAMP"
    rm -rf "$B/musl"   # a symlink is removed, never followed
    : >"$LOGS/check.log"
    if [[ $ORIGIN == debian ]]; then
        unpack libseccomp; SECCOMP_SRC=$SRCDIR
        unpack json-c; JSONC_SRC=$SRCDIR
        unpack musl; MUSL_SRC=$SRCDIR   # not built (musl-dev's libc.a is linked): its licence and SBOM entry
        # The licence texts the binary must ship with (THIRD_PARTY_NOTICES.md).
        rm -rf "$B/licenses"; mkdir -p "$B/licenses"
        cp "$MUSL_SRC/COPYRIGHT" "$B/licenses/musl-COPYRIGHT"
        cp "$SECCOMP_SRC/LICENSE" "$B/licenses/libseccomp-LICENSE"
        cp "$JSONC_SRC/COPYING" "$B/licenses/json-c-COPYING"
        # Kernel headers for musl-gcc, which does not search /usr/include.
        mkdir -p "$B/musl/include"
        cp -a /usr/include/linux /usr/include/asm-generic "$B/musl/include/"
        cp -a "/usr/include/$MULTIARCH/asm" "$B/musl/include/asm"
        # Size matters for the shim: sections per function let the linker drop
        # every API the shim does not call.
        build_libseccomp musl musl-gcc "-Os -fPIC -ffunction-sections -fdata-sections $REPRO -I$B/musl/include"
        build_jsonc musl musl-gcc "-Os -fPIC -ffunction-sections -fdata-sections $REPRO -I$B/musl/include"
        SECCOMP_DEB=$(pin_version libseccomp); JSONC_DEB=$(pin_version json-c)
    else
        say "using prebuilt musl libraries from ${ORIGIN#prefix:}"
        ln -s "${ORIGIN#prefix:}" "$B/musl"
        [[ -d $B/musl/include/linux ]] ||
            say "warning: ${ORIGIN#prefix:}/include has no linux/ kernel headers for musl-gcc"
        SECCOMP_DEB=unknown; JSONC_DEB=unknown
    fi
    depcheck musl-gcc -static "$B/musl" musl
    {
        echo "LIBSECCOMP_VERSION=$(pc_version "$B/musl/lib/pkgconfig/libseccomp.pc")"
        echo "JSONC_VERSION=$(pc_version "$B/musl/lib/pkgconfig/json-c.pc")"
        echo "MUSL_VERSION=$MUSL_VERSION"
        echo "MUSL_DEBIAN_VERSION=$MUSL_DEB"
        echo "LIBSECCOMP_DEBIAN_VERSION=$SECCOMP_DEB"
        echo "JSONC_DEBIAN_VERSION=$JSONC_DEB"
        echo "DEPS_ORIGIN=$ORIGIN"
        echo "DEPS_LOCK_SHA256=$LOCK_SHA"
    } >"$STAMP.tmp"
    mv "$STAMP.tmp" "$STAMP"
    say "done: $(tr '\n' ' ' <"$STAMP")"
fi

# ---------------------------------------------------------------------------
# 3. The tests' libraries: libseccomp and json-c for the host compiler (build/host),
#    cmocka for musl (build/musl-test).
if [[ $MODE != musl ]] && ! host_up_to_date; then
    rm -f "$HOST_STAMP"
    rm -rf "$B/host"
    unpack libseccomp; SECCOMP_SRC=$SRCDIR
    unpack json-c; JSONC_SRC=$SRCDIR
    unpack cmocka; CMOCKA_SRC=$SRCDIR
    build_libseccomp host gcc "$CFLAGS_COMMON"
    build_jsonc host gcc "$CFLAGS_COMMON"
    build_cmocka_musl
    depcheck gcc "" "$B/host" host
    if command -v clang >/dev/null; then depcheck clang "" "$B/host" clang; fi
    echo "DEPS_LOCK_SHA256=$LOCK_SHA" >"$HOST_STAMP.tmp"
    mv "$HOST_STAMP.tmp" "$HOST_STAMP"
    tail -n 1 "$LOGS/check.log" | sed 's/^/deps: /'
fi
