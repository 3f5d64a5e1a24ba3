#!/usr/bin/env bash
# Not part of `make test`: build Dockerfile.example up to its `deps` stage N times in a row
# (default 10) against the docker e2e's fixture (tests/e2e/docker.sh, same private dockerd,
# stand-ins, context and build arguments), the `deps` stage's build cache invalidated each time,
# to show how often the native (node-gyp) build there fails.
#
#   bash tests/e2e/deps-loop.sh [N]
#
# The stages before `deps` are built once and then cached. Each `deps` build runs from a copy of
# Dockerfile.example with one line added after `FROM toolchain AS deps`: `ARG DEPS_LOOP_RUN`,
# given a new value every time, so every RUN of `deps` runs again (Debian's docker CLI has no
# --no-cache-filter). One try per build (no network retry), so every failure counts.
# With DEPS_LOOP_CLEAN_CACHE=1 the yarn cache mount is dropped before each build too
# (`docker builder prune --filter type=exec.cachemount`), so `deps` also fetches the packages.
# With DEPS_LOOP_CLEAN_ALL=1 the whole build cache is dropped before each build (`docker builder
# prune -a`): every stage up to `deps` runs again (toolchain's apt-get, build's yarn install).
# With DEPS_LOOP_LOAD=K, K busy processes (sha256sum of /dev/zero) run during the loop, as the
# `shim` stage's compiler keeps the cores busy while `deps` builds in a whole-image build.
# With DEPS_LOOP_WITH_SHIM=1 the `shim-build` stage (also given the ARG) is built again and again
# by a second `docker build --target shim` while the loop runs, as it runs beside `deps` in a
# whole-image build (its apt-get, downloads and compiler).
# With DEPS_LOOP_INLINE=1 yarn prints every native build's output (YARN_ENABLE_INLINE_BUILDS).
# Keeps every build's log in build/e2e/deps-loop/NN.log (a failed build's log holds yarn's
# native build log: Dockerfile.example prints it when yarn fails); prints one line per build and
# "REPORT: deps-loop: P/N passed; seconds: ...".
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dockerlib.sh"
e2e_init deps-loop

N=${1:-10}
case $N in ''|*[!0-9]*|0) echo "deps-loop: N must be a positive number, not '$N'" >&2; exit 64 ;; esac
OUTD="$E2E_CACHE/deps-loop"
rm -rf "$OUTD" && mkdir -p "$OUTD"

ensure_pkgs docker.io debootstrap curl || { fail "install docker.io and debootstrap"; exit 1; }
dockerd_start "$E2E_TMP/docker" || { fail "dockerd starts"; exit 1; }
standin_images
report $? "stand-in images" || exit 1
CTX="$E2E_TMP/context"
openchoreo_context "$CTX" || { fail "build context (yarn 4.4.1 from the npm registry)"; exit 1; }

DFILE="$E2E_TMP/Dockerfile.deps-loop"
awk -v inline="${DEPS_LOOP_INLINE:-0}" '{ print } /^FROM toolchain AS deps$/ {
        print "ARG DEPS_LOOP_RUN"; if (inline == 1) print "ENV YARN_ENABLE_INLINE_BUILDS=1"; n++ }
    /^FROM \$\{SHIM_BUILD_IMAGE\} AS shim-build$/ { print "ARG DEPS_LOOP_RUN"; m++ }
    END { exit n != 1 || m != 1 }' "$CTX/vendor/shim/Dockerfile.example" >"$DFILE"
report $? "the loop's Dockerfile: Dockerfile.example + ARG DEPS_LOOP_RUN in the deps and shim-build stages" || exit 1
export DFILE

log "warming up: docker build --target build (log: $OUTD/warmup.log)"
t0=$SECONDS
DBUILD_TRIES=1 dbuild "$OUTD/warmup.log" --target build
report $? "the stages before deps build ($((SECONDS - t0))s)" || { tail -n 30 "$OUTD/warmup.log" >&2; exit 1; }

LOAD=${DEPS_LOOP_LOAD:-0}
case $LOAD in ''|*[!0-9]*) echo "deps-loop: DEPS_LOOP_LOAD must be a number, not '$LOAD'" >&2; exit 64 ;; esac
for _ in $(seq 1 "$LOAD"); do
    sha256sum /dev/zero >/dev/null 2>&1 &
    on_exit "kill $!"
done

SHIM_PID=""
shim_again() {   # (re)start the background shim-stage build when it is not running
    [ "${DEPS_LOOP_WITH_SHIM:-0}" = 1 ] || return 0
    [ -n "$SHIM_PID" ] && kill -0 "$SHIM_PID" 2>/dev/null && return 0
    DBUILD_TRIES=1 dbuild "$OUTD/shim-$1.log" --target shim --build-arg DEPS_LOOP_RUN="shim-$1-$(date +%s%N)" &
    SHIM_PID=$!
    on_exit "kill $SHIM_PID"
    log "shim stage build started beside build $1 (log $OUTD/shim-$1.log)"
}

ok=0 secs=""
for i in $(seq 1 "$N"); do
    shim_again "$i"
    f=$(printf '%s/%02d.log' "$OUTD" "$i")
    [ "${DEPS_LOOP_CLEAN_CACHE:-0}" = 1 ] &&
        timeout 120 "$DOCKER" builder prune -f --filter type=exec.cachemount >/dev/null 2>&1
    [ "${DEPS_LOOP_CLEAN_ALL:-0}" = 1 ] && timeout 300 "$DOCKER" builder prune -af >/dev/null 2>&1
    t0=$SECONDS
    DBUILD_TRIES=1 dbuild "$f" --target deps --build-arg DEPS_LOOP_RUN="$i-$(date +%s%N)"
    rc=$? s=$((SECONDS - t0))
    secs="$secs $s"
    # the deps stage must really have run its install, not come from the cache
    if [ "$rc" = 0 ] && grep -Eq '^#[0-9]+ \[deps [0-9]+/[0-9]+\] RUN .*yarn workspaces focus' "$f" &&
        ! grep -Eq "^#[0-9]+ CACHED" <(grep -A2 -E '\[deps [0-9]+/[0-9]+\] RUN .*yarn workspaces focus' "$f"); then
        ok=$((ok + 1)); pass "deps build $i/$N (${s}s, log $f)"
    else
        fail "deps build $i/$N (exit $rc, ${s}s, log $f)"
        grep -E 'YN0009|YN0008|gyp ERR|error' "$f" | head -n 20 >&2
    fi
done
echo "REPORT: deps-loop: $ok/$N passed; seconds:$secs"
E2E_DONE=1
