#!/usr/bin/env bash
# e2e: build Dockerfile.example's `shim` and `final` stages around a small Node app and run the
# image the way the OpenChoreo chart does (`node /app/server.js --config x` as args).
#
# - installs docker.io and debootstrap when missing;
# - stand-in base images from `docker import` (no registry here): a debootstrapped Debian 12
#   minbase for SHIM_BUILD_IMAGE, and a distroless-like rootfs (/nodejs/bin/node, passwd with
#   nonroot 65532, no shell) for RUNTIME_IMAGE; rootfs tarballs cached under build/e2e/;
# - starts a private dockerd (--bridge=none --iptables=false, own data/exec root and socket),
#   every build and run uses --network host; stops it at exit.
# Environment: E2E_DOCKER_PORT (default 17301), E2E_TIMEOUT (whole script, default 1200 s).
source "$(dirname "$0")/lib.sh"
e2e_init docker

PORT=${E2E_DOCKER_PORT:-17301}
DOCKER=/usr/bin/docker   # Debian's CLI, same release as its dockerd (a newer CLI wants buildx)
IMG_DEBIAN=shim-e2e/debian:12
IMG_RUNTIME=shim-e2e/distroless-nodejs:nonroot
IMG_FIXTURE=shim-e2e/fixture:latest
GRACE=10

# ---------------------------------------------------------------------------------------------
ensure_pkgs docker.io debootstrap curl || { fail "install docker.io and debootstrap"; exit 1; }
[ -x "$DOCKER" ] && command -v dockerd >/dev/null || { fail "docker.io provides docker and dockerd"; exit 1; }

DDIR="$E2E_TMP/docker"
mkdir -p "$DDIR"
export DOCKER_HOST="unix://$DDIR/docker.sock"
export DOCKER_BUILDKIT=1

dockerd_stop() {
    local pid
    pid=$(cat "$DDIR/dockerd.pid" 2>/dev/null) || return 0
    timeout 30 "$DOCKER" ps -aq 2>/dev/null | xargs -r timeout 60 "$DOCKER" rm -f >/dev/null 2>&1
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
    # the containerd that dockerd started for itself
    local cpid
    cpid=$(cat "$DDIR/exec/containerd/containerd.pid" 2>/dev/null) && kill -TERM "$cpid" 2>/dev/null
    sleep 0.5
    [ -n "$cpid" ] && kill -KILL "$cpid" 2>/dev/null
    rm -f "$DDIR/dockerd.pid"
}

log "starting a private dockerd"
dockerd --bridge=none --iptables=false --ip-masq=false --ip-forward=false \
    --data-root "$DDIR/data" --exec-root "$DDIR/exec" -H "$DOCKER_HOST" \
    --pidfile "$DDIR/dockerd.pid" >"$DDIR/dockerd.log" 2>&1 &
DOCKERD_PID=$!
on_exit "dockerd_stop; kill -KILL $DOCKERD_PID"
up=0
for _ in $(seq 1 150); do
    timeout 5 "$DOCKER" version >/dev/null 2>&1 && { up=1; break; }
    kill -0 "$DOCKERD_PID" 2>/dev/null || break
    sleep 0.2
done
if [ "$up" != 1 ]; then
    fail "dockerd starts (log: $(tail -n 3 "$DDIR/dockerd.log" | tr '\n' ' '))"; exit 1
fi
pass "private dockerd up ($("$DOCKER" version -f '{{.Server.Version}}'), no bridge, no iptables)"

# ---------------------------------------------------------------------------------------------
log "building/importing stand-in base images"
DEB_TAR=$(debian_rootfs_tar) || { fail "debootstrap Debian 12 rootfs"; exit 1; }
RT_TAR=$(distroless_rootfs_tar) || { fail "distroless-like rootfs"; exit 1; }
timeout 300 "$DOCKER" import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["bash"]' \
    "$DEB_TAR" "$IMG_DEBIAN" >/dev/null &&
timeout 300 "$DOCKER" import \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    -c 'USER 65532' -c 'WORKDIR /home/nonroot' -c 'ENTRYPOINT ["/nodejs/bin/node"]' \
    "$RT_TAR" "$IMG_RUNTIME" >/dev/null
report $? "docker import of the Debian 12 and distroless-like base images"

# The build context: this repository without build/ and .git (the e2e caches are large).
CTX="$E2E_TMP/context"
mkdir -p "$CTX"
tar -C "$REPO" --exclude=./build --exclude=./.git --exclude=node_modules -cf - . | tar -C "$CTX" -xf -

log "docker build --target final (APP_STAGE=app-fixture), log in $E2E_TMP/build.log"
build_ok=0
for try in 1 2 3; do   # the shim stage runs apt-get: bounded retries for the network
    if timeout 900 "$DOCKER" build --network host --progress=plain \
        -f "$CTX/Dockerfile.example" --target final \
        --build-arg SHIM_BUILD_IMAGE="$IMG_DEBIAN" \
        --build-arg RUNTIME_IMAGE="$IMG_RUNTIME" \
        --build-arg APP_STAGE=app-fixture \
        --build-arg SHIMDIR=. \
        -t "$IMG_FIXTURE" "$CTX" >"$E2E_TMP/build.log" 2>&1; then
        build_ok=1; break
    fi
    log "docker build attempt $try failed:"; tail -n 15 "$E2E_TMP/build.log" >&2
    # retry only what looks like a network failure
    grep -Eq 'Could not resolve|Temporary failure|Failed to fetch|Connection (timed out|refused|reset)|Unable to connect' \
        "$E2E_TMP/build.log" || break
done
cp "$E2E_TMP/build.log" "$E2E_CACHE/docker-build.log" 2>/dev/null
if [ "$build_ok" != 1 ]; then
    fail "docker build of Dockerfile.example (shim + final stages) (log: build/e2e/docker-build.log)"; exit 1
fi
pass "docker build of Dockerfile.example: shim + final stages with APP_STAGE=app-fixture"
# BUILD_IMAGE is left at its (placeholder, unpullable) default on purpose: the build only works
# if BuildKit never touches the Backstage stages.
if grep -Eq '^#[0-9]+ \[(build|deps|app-backstage) ' "$E2E_TMP/build.log"; then
    fail "the Backstage stages were skipped (a build/deps/app-backstage step ran)"
else
    pass "the Backstage build/deps stages were skipped"
fi

SIZE=$("$DOCKER" image inspect -f '{{.Size}}' "$IMG_FIXTURE")
RT_SIZE=$("$DOCKER" image inspect -f '{{.Size}}' "$IMG_RUNTIME")
echo "REPORT: docker: fixture image size ${SIZE} bytes ($((SIZE / 1024 / 1024)) MiB); runtime base ${RT_SIZE} bytes; shim+app layers $((SIZE - RT_SIZE)) bytes"
printf 'fixture_image_bytes=%s\nruntime_base_bytes=%s\n' "$SIZE" "$RT_SIZE" >"$E2E_CACHE/docker-image-size.txt"

cfg=$("$DOCKER" image inspect -f '{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Config.User}}' "$IMG_FIXTURE")
check "image config: ENTRYPOINT [\"/shim\"], CMD [\"node\",\"packages/backend\"], USER 65532 ($cfg)" \
    [ "$cfg" = '["/shim"] ["node","packages/backend"] 65532' ]
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
# Starts the fixture with chart-style args, checks identity, argv, seccomp and a graceful stop.
run_case() {
    local name=$1 want_uid=$2 want_gid=$3 min_filters=$4; shift 4
    local c="shim-e2e-$name" out="$E2E_TMP/$name.answer" t0 t1 rc
    log "case $name: docker run $*"
    if ! timeout 60 "$DOCKER" run -d --name "$c" --network host -e PORT="$PORT" "$@" \
        "$IMG_FIXTURE" node /app/server.js --config x >/dev/null 2>"$E2E_TMP/$name.err"; then
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
    [ "$(field "$out" argv)" = '["--config","x"]' ]
    report $? "$name: argv passed through verbatim (got $(field "$out" argv))"
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
# 3. the OpenChoreo chart: runAsUser/runAsGroup 1000, fsGroup 1000, drop ALL, no privilege escalation.
run_case uid1000 1000 1000 2 --user 1000:1000 --group-add 1000 --cap-drop ALL \
    --security-opt no-new-privileges -e SHIM_USER=1000:1000
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
