#!/usr/bin/env bash
# e2e: build EVERY stage of Dockerfile.example (packages, toolchain, build, deps, shim, final)
# against tests/fixtures/e2e/openchoreo, a small yarn 4 workspace shaped like the OpenChoreo
# repository (packages/backend whose build writes dist/skeleton.tar.gz and dist/bundle.tar.gz,
# a workspace plugin with its own nested node_modules, a production config, templates/,
# catalog-entities/, examples/, a native module compiled from source, a `tsc` that fails like
# the real one), then run the image the way the OpenChoreo chart does.
#
# - installs docker.io and debootstrap when missing; starts a private dockerd (--bridge=none
#   --iptables=false, own data/exec root and socket), every build and run uses --network host;
# - base images are stand-ins made from minimal roots with no extra packages (dockerlib.sh);
# - the build context: the fixture + yarn 4.4.1 (npm registry) in .yarn/releases + server.js
#   as packages/backend/src/server.js + this repository at vendor/shim (as a submodule would be);
# - builds with the arguments for a build without internet access (npm_config_nodedir,
#   npm_config_build_from_source), then checks: every stage ran, `yarn tsc` did not (and runs
#   with TYPECHECK=true), a source change does not re-run `yarn install`, the image's files
#   (production config as app-config.yaml, the directories, no dev dependency, owned by root),
#   and runs: image defaults, root start, the chart (uid 1000, --cap-drop ALL, no-new-privileges,
#   sqlite volume, the ci ConfigMap as a second --config), no runtime seccomp.
# Environment: E2E_DOCKER_PORT (default 17301). Stage times go to build/e2e/docker-stage-times.txt.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dockerlib.sh"
e2e_init docker

PORT=${E2E_DOCKER_PORT:-17301}
IMG_FIXTURE=shim-e2e/openchoreo-fixture:latest
GRACE=10

# ---------------------------------------------------------------------------------------------
ensure_pkgs docker.io debootstrap curl || { fail "install docker.io and debootstrap"; exit 1; }
[ -x "$DOCKER" ] && command -v dockerd >/dev/null || { fail "docker.io provides docker and dockerd"; exit 1; }

log "starting a private dockerd"
dockerd_start "$E2E_TMP/docker" || { fail "dockerd starts"; exit 1; }
pass "private dockerd up ($("$DOCKER" version -f '{{.Server.Version}}'), no bridge, no iptables)"

t0=$SECONDS
log "making the stand-in base images"
standin_images
report $? "stand-in images: debian:12-slim (bare minbase), node:22-bookworm-slim, distroless nodejs22 ($((SECONDS - t0))s)"

# The build context, as an OpenChoreo checkout with this repository at vendor/shim.
CTX="$E2E_TMP/context"
openchoreo_context "$CTX" || { fail "build context (yarn 4.4.1 from the npm registry)"; exit 1; }

log "docker build --target final, log in build/e2e/docker-build.log"
t0=$SECONDS
dbuild "$E2E_TMP/build.log" --target final -t "$IMG_FIXTURE"
rc=$?
BUILD_SECS=$((SECONDS - t0))
cp "$E2E_TMP/build.log" "$E2E_CACHE/docker-build.log" 2>/dev/null
if [ "$rc" != 0 ]; then
    tail -n 30 "$E2E_TMP/build.log" >&2
    fail "docker build of Dockerfile.example (log: build/e2e/docker-build.log)"; exit 1
fi
pass "docker build of every stage of Dockerfile.example against the OpenChoreo-shaped fixture (${BUILD_SECS}s)"
stage_times "$E2E_TMP/build.log" >"$E2E_CACHE/docker-stage-times.txt"
echo "REPORT: docker: build ${BUILD_SECS}s; per stage (s): $(tr '\n' ' ' <"$E2E_CACHE/docker-stage-times.txt")"
missing=""
for st in packages toolchain build deps shim-build shim-source final; do
    grep -Eq "^#[0-9]+ \[$st [0-9]+/[0-9]+\]" "$E2E_TMP/build.log" || missing="$missing $st"
done
[ -z "$missing" ]
report $? "every stage ran: packages toolchain build deps shim-build shim-source final${missing:+ (missing:$missing)}"
# The fixture's `tsc` fails like the real repository's: the build passing is not enough, the step
# must not have run at all.
if grep -q 'frontend-only type error' "$E2E_TMP/build.log"; then
    fail "yarn tsc is not run by default"
else
    pass "yarn tsc is not run by default (TYPECHECK=false)"
fi
grep -q 'backend: built dist/, dist/skeleton.tar.gz, dist/bundle.tar.gz' "$E2E_TMP/build.log"
report $? "the backend build wrote dist/skeleton.tar.gz and dist/bundle.tar.gz"
grep -Eq 'gyp info ok|fs-ext@npm:2.1.1 must be built' "$E2E_TMP/build.log" &&
    [ "$(grep -c 'fs-ext@npm:2.1.1 must be built' "$E2E_TMP/build.log")" -ge 2 ]
report $? "the native module was compiled from source in both build and deps"

# The README's Quick start Dockerfile as written, its two pinned images replaced by the
# stand-ins (issue 21: it once copied from a stage it never defined), and Dockerfile.example's
# shim stage on its default SHIM_BUILD_IMAGE (the build above passes no SHIM_BUILD_IMAGE).
awk '/^## Quick start/ { q = 1 } q && /^```dockerfile/ { f = 1; next } f && /^```/ { exit } f' \
    "$REPO/README.md" >"$CTX/Dockerfile.quickstart"
if [ -s "$CTX/Dockerfile.quickstart" ] &&
    timeout 1800 "$DOCKER" build --network host --progress=plain -f "$CTX/Dockerfile.quickstart" \
        --build-arg BUILD_IMAGE="$IMG_NODE" --build-arg RUNTIME_IMAGE="$IMG_RUNTIME" \
        -t shim-e2e/quickstart "$CTX" >"$E2E_TMP/quickstart.log" 2>&1; then
    qs=$(timeout 60 "$DOCKER" run --rm --network host shim-e2e/quickstart --version 2>&1)
    case $qs in shim\ *) true ;; *) false ;; esac
    report $? "the README's Quick start Dockerfile builds and its /shim entrypoint runs ($(echo "$qs" | head -n 1))"
else
    tail -n 20 "$E2E_TMP/quickstart.log" >&2
    fail "the README's Quick start Dockerfile builds (log tail above)"
fi
if dbuild "$E2E_TMP/tsc.log" --target build --build-arg TYPECHECK=true; then
    fail "TYPECHECK=true runs yarn tsc (the fixture's tsc fails, the build passed)"
else
    grep -q 'frontend-only type error' "$E2E_TMP/tsc.log"
    report $? "TYPECHECK=true runs yarn tsc (and its failure fails the build)"
fi

# Issue 21 item 15: when a native build fails, yarn says only "couldn't be built successfully (...
# logs can be found here: /tmp/xfs-.../build.log)", a file that goes with the RUN's container;
# Dockerfile.example prints it. node-gyp pointed at headers that do not exist fails in configure:
# in `build` through the build argument, in `deps` alone through an ENV after that stage's ARG
# (a copy of the Dockerfile).
gyp_fail_check() {   # STAGE LOG [dbuild arguments...]
    local st=$1 logf=$2; shift 2
    if DBUILD_TRIES=1 dbuild "$logf" --target "$st" "$@"; then
        fail "$st: a failing native build fails the build"; return
    fi
    grep -q "fs-ext@npm:2.1.1 couldn't be built successfully" "$logf" &&
        grep -q '== yarn build log /tmp/xfs-' "$logf" && grep -q 'gyp ERR!' "$logf"
    report $? "$st: a failing native build prints yarn's build log (node-gyp's messages) into the build output"
}
gyp_fail_check build "$E2E_TMP/gypfail-build.log" --build-arg npm_config_nodedir=/nonexistent
if awk '/^FROM toolchain AS deps$/ { d = 1 } { print }
        d && /^ARG npm_config_nodedir$/ { print "ENV npm_config_nodedir=/nonexistent"; d = 0; n++ }
        END { exit n != 1 }' "$CTX/vendor/shim/Dockerfile.example" >"$E2E_TMP/Dockerfile.gypfail"; then
    DFILE="$E2E_TMP/Dockerfile.gypfail" gyp_fail_check deps "$E2E_TMP/gypfail-deps.log"
else
    fail "deps: a failing native build prints yarn's build log (no 'ARG npm_config_nodedir' in deps)"
fi

# Item 4 of issue 15: a change outside the package.json files must not re-run the install.
echo "// changed $(date +%s%N)" >>"$CTX/packages/backend/src/index.js"
echo "/* changed */" >>"$CTX/vendor/shim/README.md"
if dbuild "$E2E_TMP/rebuild.log" --target build; then
    id=$(grep -E '^#[0-9]+ \[build [0-9]+/[0-9]+\] RUN .*yarn install --immutable' "$E2E_TMP/rebuild.log" | awk '{print $1}' | head -n1)
    [ -n "$id" ] && grep -q "^$id CACHED" "$E2E_TMP/rebuild.log"
    report $? "a source change re-uses the cached yarn install layer (skeleton stage)"
else
    fail "rebuild after a source change"; tail -n 20 "$E2E_TMP/rebuild.log" >&2
fi

SIZE=$("$DOCKER" image inspect -f '{{.Size}}' "$IMG_FIXTURE")
RT_SIZE=$("$DOCKER" image inspect -f '{{.Size}}' "$IMG_RUNTIME")
echo "REPORT: docker: fixture image size ${SIZE} bytes ($((SIZE / 1024 / 1024)) MiB); runtime base ${RT_SIZE} bytes; shim+app layers $((SIZE - RT_SIZE)) bytes"
printf 'fixture_image_bytes=%s\nruntime_base_bytes=%s\n' "$SIZE" "$RT_SIZE" >"$E2E_CACHE/docker-image-size.txt"

cfg=$("$DOCKER" image inspect -f '{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Config.User}} {{.Config.WorkingDir}}' "$IMG_FIXTURE")
check "image config: ENTRYPOINT [\"/shim\"], CMD [\"node\",\"packages/backend\"], USER 65532, WORKDIR /app ($cfg)" \
    [ "$cfg" = '["/shim"] ["node","packages/backend"] 65532 /app' ]

# The image's files, from `docker export` (numeric owners).
cid=$("$DOCKER" create "$IMG_FIXTURE") && timeout 120 "$DOCKER" export "$cid" | tar -tvf - --numeric-owner >"$E2E_TMP/files.txt"
"$DOCKER" rm -f "$cid" >/dev/null 2>&1
has() { grep -Eq " $1\$" "$E2E_TMP/files.txt"; }
missing=""
for f in shim app/app-config.yaml app/package.json app/packages/backend/dist/index.cjs.js \
    app/templates/fixture-template/template.yaml app/catalog-entities/components.yaml \
    app/examples/entities.yaml app/plugins/fixture-backend/node_modules/yaml/package.json \
    app/node_modules/fs-ext/package.json; do
    has "$f" || missing="$missing /$f"
done
[ -z "$missing" ]
report $? "image has /shim, /app/app-config.yaml, templates/, catalog-entities/, examples/, the bundle, the plugin's nested node_modules${missing:+ (missing:$missing)}"
bad=""
for f in 'app/app-config.production.yaml' 'app/node_modules/is-number/' 'app/yarn.lock' 'app/.yarn/' \
    'app/packages/backend/src/' 'app/vendor/' 'bin/sh'; do
    grep -Eq " ${f//./\\.}" "$E2E_TMP/files.txt" && bad="$bad /$f"
done
[ -z "$bad" ]
report $? "image lacks the development config name, dev dependencies, yarn, sources, vendor/, /bin/sh${bad:+ (found:$bad)}"
awk '$NF ~ /^app\// && $2 != "0/0" { print; exit 1 }' "$E2E_TMP/files.txt" >"$E2E_TMP/notroot.txt"
report $? "everything under /app belongs to 0:0 ($(head -c 200 "$E2E_TMP/notroot.txt"))"
if [ -f "$REPO/build/shim.spdx.json" ]; then
    has shim.spdx.json
    report $? "the shim's SBOM is shipped as /shim.spdx.json"
fi
# The shim built in the image (no git in the context) names its version (VERSION), and its SBOM has
# CHANGELOG.md's date, not 1970 (issue 24).
ver=$(timeout 60 "$DOCKER" run --rm --network host "$IMG_FIXTURE" --version 2>&1 | head -n 1)
[ "$ver" = "shim $(cat "$REPO/VERSION") (commit unknown)" ]
report $? "the image's shim names its version: $ver"
day=$(grep -om1 '^## .*[0-9]\{4\}-[0-9]\{2\}-[0-9]\{2\}' "$REPO/CHANGELOG.md" | grep -o '[0-9-]*$')
cid=$("$DOCKER" create "$IMG_FIXTURE") &&
    sb=$(timeout 60 "$DOCKER" cp "$cid:/shim.spdx.json" - | tar -xOf - shim.spdx.json |
        python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["name"], d["creationInfo"]["created"])')
"$DOCKER" rm -f "$cid" >/dev/null 2>&1
[ "${sb:-}" = "shim-$(cat "$REPO/VERSION") ${day}T00:00:00Z" ]
report $? "the image's SBOM names the version and CHANGELOG.md's date: ${sb:-none}"
# The image has no shell: a shell-form command cannot even start.
if timeout 60 "$DOCKER" run --rm --network host --entrypoint /bin/sh "$IMG_FIXTURE" -c true >/dev/null 2>&1; then
    fail "final image has no /bin/sh"
else
    pass "final image has no /bin/sh"
fi

# ---------------------------------------------------------------------------------------------
# field FILE KEY : value of a "KEY: value" line of the fixture's answer
field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$1"; }

# run_case NAME UID GID MIN_FILTERS [docker run options...]
# Starts the image with the chart's args (`node packages/backend --config app-config.yaml`, plus
# CASE_ARGS), checks identity, argv, seccomp, the configuration node loaded and a graceful stop.
run_case() {
    local name=$1 want_uid=$2 want_gid=$3 min_filters=$4; shift 4
    local c="shim-e2e-$name" out="$E2E_TMP/$name.answer" t0 t1 rc
    log "case $name: docker run $*"
    if ! timeout 60 "$DOCKER" run -d --name "$c" --network host -e PORT="$PORT" "$@" \
        "$IMG_FIXTURE" node packages/backend --config app-config.yaml ${CASE_ARGS:-} \
        >/dev/null 2>"$E2E_TMP/$name.err"; then
        fail "$name: docker run starts ($(head -c 300 "$E2E_TMP/$name.err"))"; return
    fi
    if ! wait_http "http://127.0.0.1:$PORT/" 30 200 || ! http_get "http://127.0.0.1:$PORT/" >"$out"; then
        fail "$name: HTTP answer from the fixture on 127.0.0.1:$PORT"
        timeout 10 "$DOCKER" logs "$c" 2>&1 | tail -n 20 >&2
        timeout 30 "$DOCKER" rm -f "$c" >/dev/null 2>&1; return
    fi
    pass "$name: HTTP answer from node behind the shim (--network host)"
    [ "$(field "$out" uid)" = "$want_uid" ] && [ "$(field "$out" gid)" = "$want_gid" ]
    report $? "$name: node runs as uid $want_uid gid $want_gid (got $(field "$out" uid):$(field "$out" gid))"
    local want_argv='["--config","app-config.yaml"'
    for a in ${CASE_ARGS:-}; do want_argv="$want_argv,\"$a\""; done
    want_argv="$want_argv]"
    [ "$(field "$out" argv)" = "$want_argv" ]
    report $? "$name: argv passed through verbatim (got $(field "$out" argv))"
    [ "$(field "$out" config_profile)" = production ] && [ "$(field "$out" app_title)" = "OpenChoreo Portal" ] &&
        [ "$(field "$out" cwd)" = /app ]
    report $? "$name: node loaded the production config as app-config.yaml in /app (profile $(field "$out" config_profile), title $(field "$out" app_title))"
    [ "$(field "$out" catalog)" = "Component:fixture-service,Group:platform,Template:fixture-template" ] &&
        [ "$(field "$out" examples_files)" = 1 ]
    report $? "$name: node read catalog-entities/, templates/ and examples/ (catalog $(field "$out" catalog), examples $(field "$out" examples_files))"
    [ "$(field "$out" plugin_yaml)" = 2.4.5 ] && [ "$(field "$out" dev_dependency)" = absent ] &&
        [ "$(field "$out" node_version)" = "v$STANDIN_NODE_VERSION" ]
    report $? "$name: plugin's nested dependency kept, no dev dependency, node $(field "$out" node_version)"
    [ -z "${CASE_CHECK:-}" ] || eval "$CASE_CHECK"
    local sc nf
    sc=$(field "$out" Seccomp); nf=$(field "$out" Seccomp_filters)
    [ "$sc" = 2 ] && [ "${nf:-0}" -ge "$min_filters" ]
    report $? "$name: Seccomp: $sc in node's status, ${nf:-?} filter(s) (need 2 and >= $min_filters)"
    [ "$(field "$out" NoNewPrivs)" = 1 ] && [ "$(field "$out" CapEff)" = 0000000000000000 ]
    report $? "$name: NoNewPrivs 1, CapEff 0 in node (got $(field "$out" NoNewPrivs), $(field "$out" CapEff))"
    t0=$(date +%s.%N)
    timeout $((GRACE + 30)) "$DOCKER" stop -t "$GRACE" "$c" >/dev/null 2>&1
    t1=$(date +%s.%N)
    rc=$(timeout 30 "$DOCKER" inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' "$c" 2>/dev/null)
    local took
    took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    [ "${rc%% *}" = 0 ] && awk -v t="$took" -v g="$GRACE" 'BEGIN { exit !(t < g) }'
    report $? "$name: docker stop -t $GRACE: exit code ${rc%% *} in ${took}s (want 0, < ${GRACE}s grace)"
    timeout 10 "$DOCKER" logs "$c" >"$E2E_TMP/$name.log" 2>&1
    if grep -q 'SIGTERM received' "$E2E_TMP/$name.log"; then
        pass "$name: node received the SIGTERM forwarded by the shim"
    else
        fail "$name: node received the SIGTERM forwarded by the shim"
        tail -n 20 "$E2E_TMP/$name.log" >&2
    fi
    timeout 30 "$DOCKER" rm -f "$c" >/dev/null 2>&1
}

port_free "$PORT" || { fail "port $PORT on 127.0.0.1 is free"; exit 1; }
# 1. image defaults: USER 65532 from the runtime base, SHIM_USER default 65532:65532.
#    Docker's default seccomp profile is one filter, the shim's makes at least two.
run_case default 65532 65532 2
# 2. started as root: the shim drops to 65532 itself.
run_case root 65532 65532 2 --user 0:0
# 3. the OpenChoreo chart: runAsUser/runAsGroup 1000, fsGroup 1000, drop ALL, no privilege
#    escalation, sqlite on a volume (DATABASE_CLIENT/SQLITE_STORAGE_DIR as the chart sets them),
#    the ci ConfigMap mounted read-only and loaded as a second --config.
printf 'fixture:\n  ci: from-configmap\n' >"$E2E_TMP/app-config.ci.yaml"
chmod 0644 "$E2E_TMP/app-config.ci.yaml"
CASE_ARGS="--config app-config.ci.yaml" CASE_CHECK='
    [ "$(field "$out" config_files)" = app-config.yaml,app-config.ci.yaml ] && [ "$(field "$out" config_ci)" = from-configmap ]
    report $? "$name: the ConfigMap config merged over the production config ($(field "$out" config_files))"
    [ "$(field "$out" database)" = "sqlite /var/lib/backstage/backstage_plugin_catalog.sqlite rows=3 flock ok" ]
    report $? "$name: sqlite file written in SQLITE_STORAGE_DIR as uid 1000, locked by the native module ($(field "$out" database))"' \
run_case chart 1000 1000 2 --user 1000:1000 --group-add 1000 --cap-drop ALL \
    --security-opt no-new-privileges \
    -e DATABASE_CLIENT=better-sqlite3 -e SQLITE_STORAGE_DIR=/var/lib/backstage \
    --tmpfs /var/lib/backstage:uid=1000,gid=1000,mode=0770 \
    -v "$E2E_TMP/app-config.ci.yaml:/app/app-config.ci.yaml:ro"
# 4. no runtime seccomp at all: the filter node runs under is the shim's own.
run_case unconfined 65532 65532 1 --security-opt seccomp=unconfined

# ---------------------------------------------------------------------------------------------
# The runtime matrix (matrix.sh, scenarios a-h) on the same private dockerd, with an image
# `docker import`ed from the distroless-like rootfs + /shim + fixtures.
source "$E2E_DIR/matrix.sh"
ensure_pkgs catatonit tmux || fail "install catatonit and tmux"
MX_IMG=shim-e2e/matrix:latest
MX_TAR="$E2E_TMP/matrix-rootfs.tar"
mx_rootfs_tar "$MX_TAR" && timeout 300 "$DOCKER" import -c 'ENTRYPOINT ["/shim"]' -c 'USER 0:0' \
    -c 'WORKDIR /app' -c "ENV PATH=$MX_PATH" "$MX_TAR" "$MX_IMG" >/dev/null
report $? "docker import of the matrix image"
rm -f "$MX_TAR"
RT_NAME=docker
RT_STOP_TIMEOUT=10   # docker stop's default
RT_INIT_DESC="docker run --init: docker-init (tini)"
dk_opts() {   # O_* -> docker run options in DK_OPTS
    DK_OPTS=(--network host)
    [ -n "$O_USER" ] && DK_OPTS+=(--user "$O_USER")
    [ "$O_DROPALL" = 1 ] && DK_OPTS+=(--cap-drop ALL)
    [ "$O_NNP" = 1 ] && DK_OPTS+=(--security-opt no-new-privileges)
    [ "$O_RO" = 1 ] && DK_OPTS+=(--read-only)
    [ "$O_TMPFS" = 1 ] && DK_OPTS+=(--tmpfs /tmp:rw,nosuid,nodev,mode=1777)
    [ "$O_INIT" = 1 ] && DK_OPTS+=(--init)
    [ -n "$O_PIDOF" ] && DK_OPTS+=(--pid "container:$O_PIDOF")
    local e; for e in "${O_ENV[@]}"; do DK_OPTS+=(--env "$e"); done
}
rt_run() {
    local n=$1; shift
    mx_parse_opts "$@" || return 1
    dk_opts
    timeout 60 "$DOCKER" run -d --name "$n" "${DK_OPTS[@]}" "$MX_IMG" "${O_ARGS[@]}" >/dev/null
}
rt_wait() {
    local out
    out=$(timeout "$2" "$DOCKER" wait "$1" 2>/dev/null) && RT_RC=$out || RT_RC=124
}
rt_logs() { timeout 30 "$DOCKER" logs "$1"; }
rt_stop() { timeout 60 "$DOCKER" stop "$1"; }
rt_kill() { timeout 30 "$DOCKER" kill -s "$2" "$1"; }
rt_exec() { local n=$1; shift; timeout 30 "$DOCKER" exec "$n" "$@"; }
rt_rm() { timeout 60 "$DOCKER" rm -f "$1" >/dev/null 2>&1; return 0; }
rt_finished() {
    local t
    t=$(timeout 30 "$DOCKER" inspect -f '{{.State.FinishedAt}}' "$1") && date -d "$t" +%s.%N
}
rt_pause() {
    timeout 60 "$DOCKER" run -d --name "$1" --network host --user 65532:65532 --entrypoint /pause "$MX_IMG" -P >/dev/null
}
rt_tty_argv() {
    local n=$1; shift
    mx_parse_opts "$@" || return 1
    dk_opts
    printf '%s\n' env "DOCKER_HOST=$DOCKER_HOST" "$DOCKER" run -it --rm --name "$n" "${DK_OPTS[@]}" "$MX_IMG" "${O_ARGS[@]}"
}
mx_all

E2E_DONE=1
