#!/usr/bin/env bash
# Release check (not part of `make test`): build the OpenChoreo Backstage image from a real
# openchoreo/backstage-plugins checkout with this repository's Dockerfile.example, and report
# the build time per stage and the image size per layer.
#
#   scripts/build-openchoreo.sh [--stand-ins] [--re-resolve] [--run] [--no-build] CHECKOUT
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
#   --run         then start the image as the OpenChoreo chart does (uid 1000, --cap-drop ALL,
#                 no-new-privileges, the chart's args and environment, its ConfigMaps as extra
#                 --config, sqlite on a tmpfs volume; --network host, every URL it is given points
#                 to 127.0.0.1) and check: ready, the catalog serves the config's templates and
#                 groups, node's identity and confinement, `docker stop -t STOP_GRACE` -> exit 0.
#   --no-build    skip the build: --run the image TAG already there (with --stand-ins, keep
#                 DOCKERD_DIR from the build).
# Environment: OUT (default build/openchoreo), TAG (default openchoreo-ui:shim),
#   BUILD_TIMEOUT (seconds, default 7200), EXTRA_BUILD_ARGS (e.g. "--build-arg WITH_SQLITE=false"),
#   DOCKERD_DIR (--stand-ins: the private dockerd's directory; default a temporary one, removed
#   at exit; given, its data root is kept, so a second run reuses the BuildKit cache and the
#   image stays there to be run: DOCKER_HOST=unix://$DOCKERD_DIR/docker.sock), RUN_TIMEOUT
#   (--run: seconds to get ready and to fill the catalog, default 300), STOP_GRACE (--run:
#   docker stop -t, default 90: Backstage's shutdown waits for the catalog's events-bus long poll,
#   up to 55 s; Kubernetes' default terminationGracePeriodSeconds of 30 is shorter).
# Writes OUT/build.log, OUT/report.txt (stage times, image size per layer; with --run a line of
# its results, the container log in OUT/run.log); exit 0 when built (and, with --run, checked).
set -u -o pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
STANDINS=0 RERESOLVE=0 RUN=0 NOBUILD=0
while [ $# -gt 0 ]; do
    case $1 in
        --stand-ins) STANDINS=1 ;;
        --re-resolve) RERESOLVE=1 ;;
        --run) RUN=1 ;;
        --no-build) NOBUILD=1 ;;
        -h|--help) sed -n '2,37p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "build-openchoreo: unknown option $1 (see --help)" >&2; exit 64 ;;
        *) break ;;
    esac
    shift
done
[ $# -eq 1 ] || { echo "usage: scripts/build-openchoreo.sh [--stand-ins] [--re-resolve] [--run] [--no-build] CHECKOUT" >&2; exit 64; }
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

CTX="$OUT/context"
if [ "$NOBUILD" = 0 ]; then
# ---------------------------------------------------------------------------------------------
# 1. The build context: the checkout's tracked files (or all of it without .git), vendor/shim.
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
    # What that changed: every package whose resolved versions differ from the original lockfile
    # (a dropped entry's range may now resolve higher, and pull other new versions with it).
    changed=$(node -e '
        const fs = require("fs");
        const [before, after, out] = process.argv.slice(1);
        const res = (f) => new Set(fs.readFileSync(f, "utf8").split(/\n\n/)
            .map((b) => (/\n  resolution: "([^"]+)"/.exec(b) || [])[1]).filter(Boolean));
        const a = res(before), b = res(after);
        const gone = [...a].filter((r) => !b.has(r)), added = [...b].filter((r) => !a.has(r));
        const name = (r) => r.replace(/@npm:[^@]*$/, "");
        const ver = (r) => r.replace(/^.*@npm:/, "");
        const names = [...new Set([...gone, ...added].map(name))].sort();
        const list = (s, n) => s.filter((r) => name(r) === n).map(ver).sort().join(",") || "-";
        fs.writeFileSync(out, names.map((n) => `${n} ${list(gone, n)} -> ${list(added, n)}\n`).join(""));
        console.log(`${gone.length} lock entries gone, ${added.length} new; ${names.length} packages resolve to other versions` +
            `, ${names.filter((n) => n.startsWith("@backstage/")).length} of them @backstage/*`);
    ' "$OUT/yarn.lock.orig" "$CTX/yarn.lock" "$OUT/re-resolve-diff.txt") || changed="(not computed)"
    pass "yarn.lock re-resolved: $(grep -vc " (resolutions)$" "$OUT/re-resolved.txt") locked versions the registry lacks, $(grep -c " (resolutions)$" "$OUT/re-resolved.txt") ranges pinned (list: $OUT/re-resolved.txt)"
    echo "re-resolved: $(grep -vc " (resolutions)$" "$OUT/re-resolved.txt") lock entries the registry does not serve, $(grep -c " (resolutions)$" "$OUT/re-resolved.txt") ranges pinned through resolutions (list in re-resolved.txt)" >>"$OUT/report.txt"
    echo "re-resolution changed: $changed (per package: re-resolve-diff.txt)" >>"$OUT/report.txt"
fi

fi   # NOBUILD

# ---------------------------------------------------------------------------------------------
# 3. docker build --target final.
ARGS=()
if [ "$STANDINS" = 1 ]; then
    ensure_pkgs docker.io debootstrap || { fail "install docker.io and debootstrap"; exit 1; }
    dockerd_start "${DOCKERD_DIR:-$E2E_TMP/docker}" || { fail "private dockerd"; exit 1; }
fi
if [ "$STANDINS" = 1 ] && [ "$NOBUILD" = 0 ]; then
    standin_images || { fail "stand-in base images"; exit 1; }
    ARGS+=(--network host
        --build-arg BUILD_IMAGE="$IMG_NODE" --build-arg RUNTIME_IMAGE="$IMG_RUNTIME"
        --build-arg SHIM_BUILD_IMAGE="$IMG_DEBIAN"
        --build-arg npm_config_nodedir=/usr/local --build-arg npm_config_build_from_source=true)
    echo "base images: stand-ins (tests/e2e/dockerlib.sh), Node $STANDIN_NODE_VERSION" >>"$OUT/report.txt"
elif [ "$STANDINS" = 0 ]; then
    DOCKER=$(command -v docker) || { fail "docker"; exit 1; }
    export DOCKER_BUILDKIT=1
fi
if [ "$NOBUILD" = 0 ]; then
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
fi   # NOBUILD

# ---------------------------------------------------------------------------------------------
# 5. --run: the image as the OpenChoreo chart runs it (openchoreo/openchoreo,
#    install/helm/openchoreo-control-plane/templates/backstage/deployment.yaml).
if [ "$RUN" = 1 ]; then
    PORT=7007   # the production config's backend.listen.port, the chart's containerPort
    port_free "$PORT" || { fail "127.0.0.1:$PORT is free (the production config listens there)"; exit 1; }
    RUND="$E2E_TMP/chart" C=openchoreo-chart-run
    mkdir -p "$RUND"
    # The chart's ConfigMaps: the ci one as it renders with backstage.externalCI.jenkins.enabled
    # (the backend always loads the Jenkins plugin, whose startup fails without a `jenkins`
    # section: "Jenkins configuration is missing"); for a deployment without TLS the csp one,
    # whose content is not in the chart's deployment template: a stand-in that only relaxes the
    # CSP for plain http.
    # shellcheck disable=SC2016  # ${...} is Backstage's substitution, not the shell's
    printf 'jenkins:\n  baseUrl: ${JENKINS_BASE_URL}\n  username: ${JENKINS_USERNAME}\n  apiKey: ${JENKINS_API_KEY}\n' \
        >"$RUND/app-config.ci.yaml"
    printf 'backend:\n  csp:\n    upgrade-insecure-requests: false\n' >"$RUND/app-config.csp.yaml"
    chmod 0755 "$RUND" && chmod 0644 "$RUND"/*.yaml
    # The chart's environment. No identity provider, API or CI here: auth off (the chart's
    # security.enabled=false, guest mode), features off, every URL to 127.0.0.1:9 (nothing
    # listens), sqlite as the chart's default database type sets it.
    U=http://127.0.0.1:9
    ENVS=(BACKSTAGE_BASE_URL="http://127.0.0.1:$PORT" OPENCHOREO_API_URL="$U/api/v1"
        BACKEND_SECRET="$(head -c 24 /dev/urandom | base64)"
        OPENCHOREO_AUTH_AUTHORIZATION_URL="$U/oauth2/authorize" OPENCHOREO_AUTH_TOKEN_URL="$U/oauth2/token"
        OPENCHOREO_AUTH_CLIENT_ID=backstage OPENCHOREO_AUTH_CLIENT_SECRET=local
        OPENCHOREO_AUTH_OIDC_SCOPE="openid profile email"
        OPENCHOREO_SERVICE_CLIENT_ID=backstage OPENCHOREO_SERVICE_CLIENT_SECRET=local
        OPENCHOREO_FEATURES_COST_INSIGHTS_ENABLED=false OPENCHOREO_FEATURES_WORKFLOWS_ENABLED=false
        OPENCHOREO_FEATURES_OBSERVABILITY_ENABLED=false OPENCHOREO_FEATURES_AUTH_ENABLED=false
        OPENCHOREO_FEATURES_AUTHZ_ENABLED=false OPENCHOREO_FEATURES_AUTH_REDIRECT_FLOW_ENABLED=false
        OPENCHOREO_FEATURES_DELIVERY_INSIGHTS_ENABLED=false OPENCHOREO_FEATURES_ASSISTANT_ENABLED=false
        OPENCHOREO_PORTAL_ASSISTANT_URL="$U" OPENCHOREO_FEATURES_SECRET_MANAGEMENT_ENABLED=false
        OPENCHOREO_CATALOG_SYNC_FREQUENCY=300 OPENCHOREO_EVENTS_ENABLED=false
        OPENCHOREO_OBSERVABILITY_WIRELOGS_STREAM_TIMEOUT_SECONDS=900
        JENKINS_BASE_URL="$U" JENKINS_USERNAME=backstage JENKINS_API_KEY=local
        DATABASE_CLIENT=better-sqlite3 SQLITE_STORAGE_DIR=/var/lib/backstage)
    EARGS=(); for e in "${ENVS[@]}"; do EARGS+=(-e "$e"); done
    "$DOCKER" rm -f "$C" >/dev/null 2>&1
    on_exit "timeout 60 $DOCKER rm -f $C"
    log "docker run $TAG as the chart does (log: $OUT/run.log)"
    t0=$(date +%s.%N)
    if ! timeout 120 "$DOCKER" run -d --name "$C" --network host \
        --user 1000:1000 --group-add 1000 --cap-drop ALL --security-opt no-new-privileges \
        --tmpfs /var/lib/backstage:uid=1000,gid=1000,mode=0770 \
        -v "$RUND/app-config.ci.yaml:/app/app-config.ci.yaml:ro" \
        -v "$RUND/app-config.csp.yaml:/app/app-config.csp.yaml:ro" \
        "${EARGS[@]}" "$TAG" node packages/backend --config app-config.yaml \
        --config app-config.ci.yaml --config app-config.csp.yaml >/dev/null 2>"$RUND/run.err"; then
        fail "docker run $TAG ($(head -c 300 "$RUND/run.err"))"; exit 1
    fi
    R=http://127.0.0.1:$PORT
    # Ready, or given up: the container ended, or Backstage reported a failed startup (it then
    # keeps answering 503 until killed), or RUN_TIMEOUT.
    end=$((SECONDS + ${RUN_TIMEOUT:-300})) ready= why="not ready within ${RUN_TIMEOUT:-300}s"
    while [ "$SECONDS" -lt "$end" ]; do
        if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$R/.backstage/health/v1/readiness")" = 200 ]; then
            ready=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'); break
        fi
        [ "$(timeout 30 "$DOCKER" inspect -f '{{.State.Running}}' "$C")" = true ] || { why="the container ended"; break; }
        timeout 30 "$DOCKER" logs "$C" 2>&1 | grep -q BackendStartupError && { why="Backstage: backend startup failed"; break; }
        sleep 1
    done
    if [ -n "$ready" ]; then
        pass "ready (/.backstage/health/v1/readiness 200) ${ready}s after docker run"
    else
        timeout 30 "$DOCKER" logs "$C" >"$OUT/run.log" 2>&1
        grep -v '"type":"incomingRequest"' "$OUT/run.log" | grep -E '"level":"(error|warn)"' | tail -n 10 | cut -c1-400 >&2
        fail "ready: $why (log: $OUT/run.log)"; exit 1
    fi
    # The chart probes /healthcheck: recorded, not asserted (what answers it is the app's business).
    hc=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$R/healthcheck")
    # The catalog: every Template and Group location of the production config, read from
    # /app/templates and /app/catalog-entities, processed (asynchronously: bounded poll).
    want_t=$(grep -c 'target: /app/templates/.*/template.yaml' "$SRC/app-config.production.yaml")
    want_g=$(grep -c '^kind: Group' "$SRC/catalog-entities/org.yaml" 2>/dev/null)
    end=$((SECONDS + ${RUN_TIMEOUT:-300})) got=
    while [ "$SECONDS" -lt "$end" ]; do
        got=$(curl -s --max-time 10 "$R/api/catalog/entities?fields=kind,metadata.name" | node -e '
            let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
                let a; try { a = JSON.parse(s); } catch { a = []; }
                const n = (k) => [].concat(a).filter((e) => e && e.kind === k).length;
                console.log(n("Template") + " " + n("Group"));
            });')
        [ "$got" = "$want_t $want_g" ] && break
        sleep 2
    done
    [ "$got" = "$want_t $want_g" ]
    report $? "catalog serves the production config's $want_t templates and $want_g groups (got: ${got:-nothing})"
    # node's identity and confinement, from the host's /proc.
    npid=$(timeout 30 "$DOCKER" top "$C" -eo pid,comm | awk '$2 == "node" { print $1; exit }')
    st=$(awk '/^(Uid|Gid|NoNewPrivs|Seccomp|CapEff):/ { printf "%s %s ", $1, $2 }' "/proc/$npid/status" 2>/dev/null)
    case $st in *"Uid: 1000 Gid: 1000 CapEff: 0000000000000000 NoNewPrivs: 1 Seccomp: 2 "*) true ;; *) false ;; esac
    report $? "node runs as 1000:1000, no capabilities, NoNewPrivs, seccomp filter ($st)"
    t1=$(date +%s.%N)
    G=${STOP_GRACE:-90}
    timeout $((G + 60)) "$DOCKER" stop -t "$G" "$C" >/dev/null 2>&1
    stopped=$(awk -v a="$t1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
    rc=$(timeout 30 "$DOCKER" inspect -f '{{.State.ExitCode}}' "$C")
    [ "$rc" = 0 ]
    report $? "docker stop -t $G: exit code $rc in ${stopped}s"
    timeout 30 "$DOCKER" logs "$C" >"$OUT/run.log" 2>&1
    echo "run as the chart (uid 1000, --cap-drop ALL, no-new-privileges): ready in ${ready}s;" \
        "catalog templates/groups $got (want $want_t $want_g); /healthcheck HTTP $hc;" \
        "docker stop -t $G: exit $rc in ${stopped}s" >>"$OUT/report.txt"
fi
cat "$OUT/report.txt"
E2E_DONE=1
