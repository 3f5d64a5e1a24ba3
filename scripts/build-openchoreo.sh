#!/usr/bin/env bash
# Release check (not part of `make test`): build the OpenChoreo Backstage image from a real
# openchoreo/backstage-plugins checkout with this repository's Dockerfile.example, and report
# the build time per stage and the image size per layer.
#
#   scripts/build-openchoreo.sh [--stand-ins] [--re-resolve] CHECKOUT
#
#   CHECKOUT      a checkout of openchoreo/backstage-plugins (only read: the build context is a
#                 copy under OUT, with this repository as vendor/shim, as a submodule would be).
#   --stand-ins   no image registry: start a private dockerd (as tests/e2e/docker.sh does) and use
#                 the e2e stand-ins for node:22-bookworm-slim, distroless nodejs22 and
#                 debian:12-slim (tests/e2e/dockerlib.sh), plus the build arguments for a build
#                 without internet access. Without it: the ambient `docker` and the real images.
#   --re-resolve  for a registry mirror that lacks some locked versions: install once on the host
#                 with the repository's own yarn (yarnPath), drop the yarn.lock entries whose
#                 tarball the registry answers 404, let yarn resolve those ranges again
#                 (`--mode=update-lockfile`), repeat until everything fetches (at most 4 rounds).
#                 A range the registry has no version for at all is pinned, through the root
#                 package.json's `resolutions`, to the lowest newer version it has.
#                 The changed entries are listed in OUT/re-resolved.txt. Never for a release image
#                 built against the real registry: there the lockfile is used as is (--immutable).
# Environment: OUT (default build/openchoreo), TAG (default openchoreo-ui:shim),
#   BUILD_TIMEOUT (seconds, default 7200), EXTRA_BUILD_ARGS (e.g. "--build-arg WITH_SQLITE=false").
# Writes OUT/build.log, OUT/report.txt (stage times, image size per layer); exit 0 when built.
set -u -o pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
STANDINS=0 RERESOLVE=0
while [ $# -gt 0 ]; do
    case $1 in
        --stand-ins) STANDINS=1 ;;
        --re-resolve) RERESOLVE=1 ;;
        -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "build-openchoreo: unknown option $1 (see --help)" >&2; exit 64 ;;
        *) break ;;
    esac
    shift
done
[ $# -eq 1 ] || { echo "usage: scripts/build-openchoreo.sh [--stand-ins] [--re-resolve] CHECKOUT" >&2; exit 64; }
SRC=$(cd "$1" 2>/dev/null && pwd) || { echo "build-openchoreo: $1: no such directory" >&2; exit 66; }
for f in package.json yarn.lock .yarnrc.yml packages/backend/package.json app-config.production.yaml; do
    [ -f "$SRC/$f" ] || { echo "build-openchoreo: $SRC/$f missing: not an openchoreo/backstage-plugins checkout" >&2; exit 66; }
done
OUT=${OUT:-$REPO/build/openchoreo}
TAG=${TAG:-openchoreo-ui:shim}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# lib.sh: logging, retries, the cached roots; dockerlib.sh: dockerd and the stand-ins.
E2E_CACHE=${E2E_CACHE:-$REPO/build/e2e}
# shellcheck source=../tests/e2e/lib.sh
source "$REPO/tests/e2e/lib.sh"
# shellcheck source=../tests/e2e/dockerlib.sh
source "$REPO/tests/e2e/dockerlib.sh"
e2e_init build-openchoreo

# ---------------------------------------------------------------------------------------------
# 1. The build context: the checkout's tracked files (or all of it without .git), vendor/shim.
CTX="$OUT/context"
rm -rf "$CTX" && mkdir -p "$CTX/vendor/shim"
if [ "$(git -C "$SRC" rev-parse --show-toplevel 2>/dev/null)" = "$SRC" ]; then
    git -C "$SRC" archive HEAD | tar -C "$CTX" -xf - || { fail "git archive of $SRC"; exit 1; }
    echo "checkout: $(git -C "$SRC" log -1 --format='%h %cs %s')" >"$OUT/report.txt"
else
    tar -C "$SRC" --exclude=./node_modules --exclude='./packages/*/node_modules' -cf - . | tar -C "$CTX" -xf -
    echo "checkout: $SRC (no git)" >"$OUT/report.txt"
fi
# The pull request's .dockerignore additions and the shim's build tree.
for l in .yarn/cache .yarn/install-state.gz vendor/shim/build; do
    grep -qxF "$l" "$CTX/.dockerignore" 2>/dev/null || echo "$l" >>"$CTX/.dockerignore"
done
pass "build context in $CTX"

# ---------------------------------------------------------------------------------------------
# 2. Optional: re-resolve what the registry does not serve.
if [ "$RERESOLVE" = 1 ]; then
    YARN_JS=$CTX/$(sed -n 's/^yarnPath: *//p' "$CTX/.yarnrc.yml")
    [ -f "$YARN_JS" ] || { fail "the checkout's yarnPath ($YARN_JS)"; exit 1; }
    cp "$CTX/yarn.lock" "$OUT/yarn.lock.orig"
    PROBE="$OUT/probe"
    export YARN_ENABLE_GLOBAL_CACHE=false YARN_CACHE_FOLDER="$OUT/yarn-cache" YARN_ENABLE_TELEMETRY=0
    : >"$OUT/re-resolved.txt"
    ok=0
    for round in 1 2 3 4; do
        rm -rf "$PROBE" && mkdir -p "$PROBE"
        (cd "$CTX" && tar --exclude=./vendor -cf - .) | tar -C "$PROBE" -xf -
        log "re-resolve round $round: yarn install --mode=skip-build on the host, up to its link step"
        # Reaching the link step means every package fetched; linking 4 GB of node_modules on the
        # host would only cost time, so yarn is stopped there.
        (cd "$PROBE" && exec timeout 3600 nice node "$YARN_JS" install --mode=skip-build) >"$OUT/probe-$round.log" 2>&1 &
        ypid=$!
        while kill -0 "$ypid" 2>/dev/null && ! grep -q '┌ Link step' "$OUT/probe-$round.log"; do sleep 2; done
        if grep -q '┌ Link step' "$OUT/probe-$round.log"; then
            kill -TERM "$ypid" 2>/dev/null; wait "$ypid" 2>/dev/null
            ok=1; break
        fi
        wait "$ypid" && { ok=1; break; }
        # "YN0035: │ @scope/name@npm:1.2.3: Package not found" (404 for a locked tarball)
        grep -o '[^ ]*@npm:[^ :]*: Package not found' "$OUT/probe-$round.log" | sed 's/: Package not found$//' |
            sort -u >"$OUT/missing-$round.txt"
        n=$(wc -l <"$OUT/missing-$round.txt")
        [ "$n" -gt 0 ] || { tail -n 20 "$OUT/probe-$round.log" >&2; break; }
        log "round $round: $n locked packages are not served; re-resolving their ranges"
        # Drop every lock entry whose resolution is one of them; yarn resolves the ranges again.
        node -e '
            const fs = require("fs");
            const [lock, list] = process.argv.slice(1);
            const gone = new Set(fs.readFileSync(list, "utf8").split("\n").filter(Boolean));
            const blocks = fs.readFileSync(lock, "utf8").split(/\n\n/);
            const kept = blocks.filter((b) => {
                const m = /\n  resolution: "([^"]+)"/.exec(b);
                return !(m && gone.has(m[1]));
            });
            fs.writeFileSync(lock, kept.join("\n\n"));
            console.error(`dropped ${blocks.length - kept.length} lock entries`);
        ' "$CTX/yarn.lock" "$OUT/missing-$round.txt" || { fail "editing yarn.lock"; exit 1; }
        for try in 1 2 3 4 5; do
            (cd "$CTX" && timeout 1800 node "$YARN_JS" install --mode=update-lockfile) >"$OUT/update-$round.log" 2>&1 &&
                break
            # "YN0082: │ name@npm:^0.24.1: No candidates found": the registry has no version in
            # that range at all. Pin the range, through root `resolutions`, to the lowest version
            # above it that the registry has (logged in re-resolved.txt).
            grep -o '[^ ]*@npm:[^ ]*: No candidates found' "$OUT/update-$round.log" |
                sed 's/: No candidates found$//' | sort -u >"$OUT/nocand.txt"
            [ -s "$OUT/nocand.txt" ] && [ "$try" -lt 5 ] ||
                { tail -n 20 "$OUT/update-$round.log" >&2; fail "yarn install --mode=update-lockfile"; exit 1; }
            while read -r desc; do
                name=${desc%@npm:*}
                versions=$(timeout 60 npm view "$name" versions --json 2>/dev/null) || versions='[]'
                node -e '
                    const fs = require("fs");
                    const [pkgf, desc, range, versions] = process.argv.slice(1);
                    const num = (v) => v.split(/[.+-]/).slice(0, 3).map(Number);
                    const cmp = (a, b) => { const x = num(a), y = num(b);
                        for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i]; return 0; };
                    const base = range.replace(/^[\^~>=]*/, "");
                    const list = [].concat(JSON.parse(versions)).filter((v) => !v.includes("-"));
                    const pick = list.filter((v) => cmp(v, base) >= 0).sort(cmp)[0];
                    if (!pick) { console.error(desc + ": the registry has no version >= " + base); process.exit(1); }
                    const p = JSON.parse(fs.readFileSync(pkgf, "utf8"));
                    p.resolutions = { ...(p.resolutions || {}), [desc]: pick };
                    fs.writeFileSync(pkgf, JSON.stringify(p, null, 2) + "\n");
                    console.log(desc + " -> " + pick + " (resolutions)");
                ' "$CTX/package.json" "$desc" "${desc#*@npm:}" "$versions" >>"$OUT/re-resolved.txt" ||
                    { fail "no version of $desc on the registry"; exit 1; }
            done <"$OUT/nocand.txt"
        done
        cat "$OUT/missing-$round.txt" >>"$OUT/re-resolved.txt"
    done
    rm -rf "$PROBE" "$CTX/node_modules" "$CTX/.yarn/install-state.gz"
    [ "$ok" = 1 ] || { fail "every locked package fetches after re-resolving (see $OUT/probe-*.log)"; exit 1; }
    pass "yarn.lock re-resolved: $(grep -vc " (resolutions)$" "$OUT/re-resolved.txt") locked versions the registry lacks, $(grep -c " (resolutions)$" "$OUT/re-resolved.txt") ranges pinned (list: $OUT/re-resolved.txt)"
    echo "re-resolved: $(grep -vc " (resolutions)$" "$OUT/re-resolved.txt") lock entries the registry does not serve, $(grep -c " (resolutions)$" "$OUT/re-resolved.txt") ranges pinned through resolutions (list in re-resolved.txt)" >>"$OUT/report.txt"
fi

# ---------------------------------------------------------------------------------------------
# 3. docker build --target final.
ARGS=()
if [ "$STANDINS" = 1 ]; then
    ensure_pkgs docker.io debootstrap || { fail "install docker.io and debootstrap"; exit 1; }
    dockerd_start "$E2E_TMP/docker" || { fail "private dockerd"; exit 1; }
    standin_images || { fail "stand-in base images"; exit 1; }
    ARGS+=(--network host
        --build-arg BUILD_IMAGE="$IMG_NODE" --build-arg RUNTIME_IMAGE="$IMG_RUNTIME"
        --build-arg SHIM_BUILD_IMAGE="$IMG_DEBIAN"
        --build-arg npm_config_nodedir=/usr/local --build-arg npm_config_build_from_source=true)
    echo "base images: stand-ins (tests/e2e/dockerlib.sh), Node $STANDIN_NODE_VERSION" >>"$OUT/report.txt"
else
    DOCKER=$(command -v docker) || { fail "docker"; exit 1; }
    export DOCKER_BUILDKIT=1
fi
# shellcheck disable=SC2206
ARGS+=(${EXTRA_BUILD_ARGS:-})
# This repository as vendor/shim, copied now so the build uses the current Dockerfile.example.
rm -rf "$CTX/vendor/shim" && mkdir -p "$CTX/vendor/shim"
tar -C "$REPO" --exclude=./build --exclude=./.git -cf - . | tar -C "$CTX/vendor/shim" -xf -
log "docker build --target final (log: $OUT/build.log; the first build takes long)"
t0=$SECONDS
timeout "${BUILD_TIMEOUT:-7200}" "$DOCKER" build --progress=plain -f "$CTX/vendor/shim/Dockerfile.example" \
    "${ARGS[@]}" --target final -t "$TAG" "$CTX" >"$OUT/build.log" 2>&1
rc=$?
secs=$((SECONDS - t0))
{
    echo "build: exit $rc in ${secs}s (wall); per stage, sum of step times (s):"
    stage_times "$OUT/build.log" | sed 's/^/  /'
} >>"$OUT/report.txt"
if [ "$rc" != 0 ]; then
    tail -n 40 "$OUT/build.log" >&2
    fail "docker build (exit $rc after ${secs}s; last step: $(grep -E '^#[0-9]+ \[' "$OUT/build.log" | tail -n1))"
    cat "$OUT/report.txt"; exit 1
fi
pass "docker build --target final in ${secs}s"

# ---------------------------------------------------------------------------------------------
# 4. Sizes: the image, and per layer (the instruction that made it).
{
    echo "image: $TAG $("$DOCKER" image inspect -f '{{.Size}}' "$TAG") bytes"
    echo "layers (bytes, instruction):"
    "$DOCKER" history --no-trunc --human=false --format '{{.Size}}\t{{.CreatedBy}}' "$TAG" |
        awk -F'\t' '{ c = $2; gsub(/[ \t]+/, " ", c); printf "  %10s  %.110s\n", $1, c }'
} >>"$OUT/report.txt"
"$DOCKER" history --format '{{.Size}}' "$TAG" >/dev/null && pass "image size per layer in $OUT/report.txt"
cat "$OUT/report.txt"
E2E_DONE=1
