#!/usr/bin/env bash
# Cross toolchain and libraries for `make TARGET=aarch64`, on an x86_64
# Debian 12 build host, from Debian packages only:
#   - gcc-aarch64-linux-gnu, binutils and linux-libc-dev-arm64-cross (installed
#     with apt-get, like scripts/deps.sh installs musl-tools);
#   - musl-dev:arm64 (the same Debian musl as the host's), downloaded and
#     unpacked into build/aarch64/musl, never installed: no dpkg architecture
#     is added;
#   - libseccomp and json-c from the source trees scripts/deps.sh unpacked
#     (same versions), cross-built with musl into build/aarch64/musl.
# Writes build/aarch64/deps.stamp; a no-op while it is newer than this script.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=$ROOT/build
X=$B/aarch64
STAMP=$X/deps.stamp
LOGS=$B/logs
JOBS=$(nproc 2>/dev/null || echo 2)
TRIPLE=aarch64-linux-gnu

ME=deps-aarch64
# shellcheck source=steplog.sh
. "$ROOT/scripts/steplog.sh"
# shellcheck source=retry.sh
. "$ROOT/scripts/retry.sh"
# shellcheck source=apt-arm64.sh
. "$ROOT/scripts/apt-arm64.sh"

[[ -f $STAMP && $STAMP -nt ${BASH_SOURCE[0]} && $STAMP -nt $ROOT/scripts/apt-arm64.sh && -f $X/musl/lib/libseccomp.a && -f $X/musl/lib/libjson-c.a ]] && exit 0
[[ -f $B/deps.stamp ]] || die "build/deps.stamp missing: the host libraries come first (make)"
[[ $(id -u) == 0 ]] || die "must run as root (installs the cross compiler with apt-get)"
mkdir -p "$X" "$LOGS"
exec 9>"$X/.deps.lock"
flock 9
rm -f "$STAMP"

# 1. Cross compiler and kernel headers (Debian's cross packages, amd64).
TOOLS=(gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu linux-libc-dev-arm64-cross)
missing=()
for p in "${TOOLS[@]}"; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || missing+=("$p")
done
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    run apt-install-aarch64 retry apt-get update
    run apt-install-aarch64 retry apt-get install -y --no-install-recommends "${missing[@]}"
fi

# 2. musl for arm64: Debian's binary package of the host's musl version,
#    unpacked privately; a musl-gcc wrapper whose specs point into it.
HOST_MUSL=$(dpkg-query -W -f='${Version}' musl-dev)
say "musl-dev:arm64 $HOST_MUSL (downloaded and unpacked, not installed)"
apt64_update
rm -rf "$X/musl" "$X/pkg"
(cd "$APT64_DIR" && mkdir -p debs && cd debs &&
    retry apt-get "${APT64[@]}" -q download "musl-dev:arm64=$HOST_MUSL" >/dev/null) ||
    die "cannot download musl-dev:arm64=$HOST_MUSL"
dpkg-deb -x "$APT64_DIR/debs/musl-dev_${HOST_MUSL#*:}_arm64.deb" "$X/pkg"
mkdir -p "$X/musl/lib" "$X/musl/include" "$X/bin"
cp -a "$X/pkg/usr/lib/aarch64-linux-musl/." "$X/musl/lib/"
cp -a "$X/pkg/usr/include/aarch64-linux-musl/." "$X/musl/include/"
sed -e "s|/usr/lib/aarch64-linux-musl|$X/musl/lib|g" -e "s|/usr/include/aarch64-linux-musl|$X/musl/include|g" \
    "$X/pkg/usr/lib/aarch64-linux-musl/musl-gcc.specs" >"$X/musl/lib/musl-gcc.specs"
! grep -q '/usr/' "$X/musl/lib/musl-gcc.specs" || die "musl-gcc.specs still points into /usr"
# Kernel headers (musl-gcc does not search the cross compiler's include dir).
cp -a "/usr/$TRIPLE/include/linux" "/usr/$TRIPLE/include/asm" "/usr/$TRIPLE/include/asm-generic" "$X/musl/include/"
# -mno-outline-atomics: GCC's outline atomics need glibc's __getauxval at start-up.
cat >"$X/bin/musl-gcc" <<EOF
#!/bin/sh
exec $TRIPLE-gcc -mno-outline-atomics "\$@" -specs "$X/musl/lib/musl-gcc.specs"
EOF
chmod +x "$X/bin/musl-gcc"
CC=$X/bin/musl-gcc

# 3. libseccomp and json-c: the source trees scripts/deps.sh unpacked.
SECCOMP_SRC=$(ls -d "$B"/src/libseccomp-*/ | head -n1)
JSONC_SRC=$(ls -d "$B"/src/json-c-*/ | head -n1)
[[ -x $SECCOMP_SRC/configure && -f $JSONC_SRC/CMakeLists.txt ]] || die "no libseccomp/json-c sources under build/src"
# No build paths in the objects (assert() records __FILE__), as scripts/deps.sh: a release built in
# another checkout gives the same aarch64 binary.
CFLAGS="-Os -fPIC -ffunction-sections -fdata-sections -I$X/musl/include -ffile-prefix-map=$B/src=/usr/src -ffile-prefix-map=$X/src=/usr/src/aarch64"
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0} ZERO_AR_DATE=1

say "building libseccomp for aarch64 (log: build/logs/libseccomp-aarch64.log)"
bdir=$X/src/libseccomp
rm -rf "$bdir" "$LOGS/libseccomp-aarch64.log"
mkdir -p "$bdir"
run libseccomp-aarch64 env -C "$bdir" CC="$CC" CFLAGS="$CFLAGS" "$SECCOMP_SRC/configure" \
    --host=$TRIPLE --prefix="$X/musl" --libdir="$X/musl/lib" \
    --enable-static --disable-shared --disable-python --with-pic
run libseccomp-aarch64 make -C "$bdir" -j"$JOBS" V=1
run libseccomp-aarch64 make -C "$bdir" install

say "building json-c for aarch64 (log: build/logs/json-c-aarch64.log)"
bdir=$X/src/json-c
rm -rf "$bdir" "$LOGS/json-c-aarch64.log"
run json-c-aarch64 cmake -S "$JSONC_SRC" -B "$bdir" \
    -DCMAKE_SYSTEM_NAME=Linux -DCMAKE_SYSTEM_PROCESSOR=aarch64 \
    -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_INSTALL_PREFIX="$X/musl" -DCMAKE_INSTALL_LIBDIR=lib \
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
    -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DBUILD_TESTING=OFF -DBUILD_APPS=OFF \
    -DDISABLE_WERROR=ON -DDISABLE_EXTRA_LIBS=ON -DDISABLE_THREAD_LOCAL_STORAGE=ON \
    -DENABLE_THREADING=OFF -DENABLE_RDRAND=OFF
run json-c-aarch64 cmake --build "$bdir" --target json-c -j"$JOBS" -v
run json-c-aarch64 cmake --install "$bdir"

# 4. A static aarch64 program links against both.
say "checking that the libraries link"
: >"$LOGS/check-aarch64.log"
run check-aarch64 "$CC" -static -O2 -I"$X/musl/include" "$B/src/depcheck.c" -o "$X/src/depcheck" \
    -L"$X/musl/lib" -lseccomp -ljson-c
[[ $(od -An -tx1 -j18 -N2 "$X/src/depcheck" | tr -d ' ') == b700 ]] || die "depcheck is not an aarch64 binary (e_machine)"

pcv() { sed -n 's/^Version: *//p' "$1" | head -n1; }
{
    echo "LIBSECCOMP_VERSION=$(pcv "$X/musl/lib/pkgconfig/libseccomp.pc")"
    echo "JSONC_VERSION=$(pcv "$X/musl/lib/pkgconfig/json-c.pc")"
    echo "MUSL_VERSION=$(v=${HOST_MUSL#*:}; echo "${v%-*}")"
    echo "CC=$($TRIPLE-gcc -dumpfullversion)"
} >"$STAMP.tmp"
mv "$STAMP.tmp" "$STAMP"
say "done: $(tr '\n' ' ' <"$STAMP")"
