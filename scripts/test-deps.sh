#!/usr/bin/env bash
# What the tests need beyond the build: Debian tools, Docker's and Podman's
# own default seccomp profiles (from Debian's packages, unpacked, not
# installed), and better-sqlite3 built from source for the Node workload.
# Idempotent: each part is skipped once present.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/build/test-deps
mkdir -p "$OUT"
say() { echo "test-deps: $*"; }
# shellcheck source=retry.sh
. "$(dirname "${BASH_SOURCE[0]}")/retry.sh"

need=()
for pkg in util-linux libcmocka-dev valgrind clang libclang-rt-14-dev python3 python3-jsonschema python3-yaml make g++ nodejs; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
command -v node >/dev/null && command -v npm >/dev/null || need+=(npm)
if ((${#need[@]})); then
    say "installing ${need[*]}"
    retry apt-get update -qq
    retry env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [[ ! -s $OUT/moby-default.json ]]; then
    say "fetching Docker's default seccomp profile (Debian's golang-github-docker-docker-dev)"
    tmp=$(mktemp -d)
    (cd "$tmp" && retry apt-get download -q golang-github-docker-docker-dev 2>/dev/null)
    dpkg-deb -x "$tmp"/*.deb "$tmp/x"
    cp "$tmp/x/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json" "$OUT/moby-default.json"
    rm -rf "$tmp"
fi

if [[ ! -s $OUT/podman-seccomp.json ]]; then
    say "fetching Podman's default seccomp profile (Debian's golang-github-containers-common)"
    tmp=$(mktemp -d)
    (cd "$tmp" && retry apt-get download -q golang-github-containers-common 2>/dev/null)
    dpkg-deb -x "$tmp"/*.deb "$tmp/x"
    cp "$tmp/x/usr/share/containers/seccomp.json" "$OUT/podman-seccomp.json"
    rm -rf "$tmp"
fi

npm_dir=$ROOT/build/npm
if [[ ! -f $npm_dir/node_modules/better-sqlite3/build/Release/better_sqlite3.node ]]; then
    say "building better-sqlite3@12 from source (its prebuilt download is unreachable here)"
    mkdir -p "$npm_dir"
    printf '{"name":"shim-test-deps","version":"1.0.0","private":true,"allowScripts":{"better-sqlite3":true}}\n' \
        >"$npm_dir/package.json"
    nodedir=()
    [[ -d /usr/include/node ]] && nodedir=(--nodedir=/usr)
    (cd "$npm_dir" && retry npm install --no-audit --no-fund --foreground-scripts "${nodedir[@]}" \
        better-sqlite3@12 >"$OUT/npm.log" 2>&1) || { tail -n 30 "$OUT/npm.log"; exit 1; }
fi
# The workload runs as 65532 under the shim: it must be able to read these.
chmod -R a+rX "$npm_dir" "$OUT"
say "ready"
