#!/usr/bin/env bash
# e2e: the runtime matrix (matrix.sh, scenarios a-h) under Podman 4.3 (Debian's), with the OCI
# runtime in PODMAN_OCI (crun or runc; podman-crun.sh and podman-runc.sh set it).
#
# Nothing system-wide is used or changed: a private containers.conf (CONTAINERS_CONF) and
# storage.conf (CONTAINERS_STORAGE_CONF) put storage, run state, temp and volumes below the test's
# temp dir; the network config dir is an empty private one and every container runs with
# --network host, so Podman's CNI bridge config (installed with the package) is never read and no
# network is created. default_ulimits stay within this host's hard limits (Podman's default
# RLIMIT_NOFILE 1048576 may be above them, and root cannot raise a hard limit in a container).
# crun refuses hybrid cgroups (v1 controllers plus a cgroup2 tree at /sys/fs/cgroup/unified):
# with crun, every podman command runs in a private mount namespace where that tree is unmounted
# (the host's mount stays as it is).
# The image: the distroless-like rootfs + /shim + fixtures, `podman import`ed once.
source "$(dirname "$0")/lib.sh"
: "${PODMAN_OCI:=runc}"
e2e_init "podman-$PODMAN_OCI"
source "$E2E_DIR/matrix.sh"

ensure_pkgs podman "$PODMAN_OCI" catatonit tmux || { fail "install podman, $PODMAN_OCI, catatonit, tmux"; exit 1; }
ensure_shim || { fail "build/shim exists (make)"; exit 1; }

PD="$E2E_TMP/podman"
podman_private "$PD" "$PODMAN_OCI"

PODMAN=(podman)
if [ "$PODMAN_OCI" = crun ] && mountpoint -q /sys/fs/cgroup/unified; then
    # shellcheck disable=SC2016
    PODMAN=(unshare -m --propagation private sh -c 'umount -l /sys/fs/cgroup/unified && exec podman "$@"' podman)
    log "hybrid cgroups: crun runs in a private mount namespace without /sys/fs/cgroup/unified"
fi
pm() { timeout "${PM_TIMEOUT:-120}" "${PODMAN[@]}" "$@"; }
on_exit "PM_TIMEOUT=60 pm rm -af -t 0; PM_TIMEOUT=60 pm pod rm -af"

IMG=localhost/shim-e2e/matrix:latest
RTAR="$E2E_TMP/matrix-rootfs.tar"
mx_rootfs_tar "$RTAR" || { fail "matrix rootfs (distroless-like + /shim + fixtures)"; exit 1; }
pm import -c 'ENTRYPOINT ["/shim"]' -c 'USER 0:0' -c 'WORKDIR /app' -c "ENV PATH=$MX_PATH" \
    "$RTAR" "$IMG" >"$E2E_TMP/import.log" 2>&1
report $? "podman import of the matrix image ($(podman --version), OCI runtime $($PODMAN_OCI --version | head -n1))"
rm -f "$RTAR"

# ---------------------------------------------------------------------------------------------
# the adapter (see matrix.sh)
RT_NAME=$E2E_NAME
RT_STOP_TIMEOUT=10   # podman stop's default
RT_INIT_DESC="podman run --init: catatonit"
pm_opts() {   # O_* -> podman run options in PM_OPTS
    PM_OPTS=(--network host)
    [ -n "$O_USER" ] && PM_OPTS+=(--user "$O_USER")
    [ "$O_DROPALL" = 1 ] && PM_OPTS+=(--cap-drop all)
    [ "$O_NNP" = 1 ] && PM_OPTS+=(--security-opt no-new-privileges)
    # podman --read-only mounts tmpfs on /tmp, /var/tmp and /run unless told not to
    [ "$O_RO" = 1 ] && PM_OPTS+=(--read-only --read-only-tmpfs=false)
    [ "$O_TMPFS" = 1 ] && PM_OPTS+=(--tmpfs /tmp:rw,nosuid,nodev,mode=1777)
    [ "$O_INIT" = 1 ] && PM_OPTS+=(--init)
    [ -n "$O_PIDOF" ] && PM_OPTS+=(--pid "container:$O_PIDOF")
    local e; for e in "${O_ENV[@]}"; do PM_OPTS+=(--env "$e"); done
}
rt_run() {
    local n=$1; shift
    mx_parse_opts "$@" || return 1
    pm_opts
    pm run -d --name "$n" "${PM_OPTS[@]}" "$IMG" "${O_ARGS[@]}" >/dev/null
}
rt_wait() {
    local out
    out=$(PM_TIMEOUT=$2 pm wait "$1" 2>/dev/null) && RT_RC=$out || RT_RC=124
}
rt_logs() { pm logs "$1"; }
rt_stop() { pm stop "$1"; }
rt_kill() { pm kill --signal "$2" "$1"; }
rt_exec() { local n=$1; shift; pm exec "$n" "$@"; }
rt_rm() { PM_TIMEOUT=60 pm rm -f -t 0 "$1" >/dev/null 2>&1; return 0; }
rt_finished() {
    local t
    t=$(pm inspect -f '{{.State.FinishedAt}}' "$1") && date -d "${t% UTC}" +%s.%N
}
rt_pause() { pm run -d --name "$1" --network host --user 65532:65532 --entrypoint /pause "$IMG" -P >/dev/null; }
rt_tty_argv() {
    local n=$1; shift
    mx_parse_opts "$@" || return 1
    pm_opts
    printf '%s\n' env "CONTAINERS_CONF=$CONTAINERS_CONF" "CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF" \
        "${PODMAN[@]}" run -it --rm --name "$n" "${PM_OPTS[@]}" "$IMG" "${O_ARGS[@]}"
}

mx_all
E2E_DONE=1
