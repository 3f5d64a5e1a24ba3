#!/usr/bin/env bash
# e2e: the runtime matrix (matrix.sh, scenarios a-h) under containerd 1.6 (Debian's), driven with
# ctr, the way a Kubernetes node (AKS) runs containers: runc v2 shims, containerd's default
# capabilities, its default seccomp profile (--seccomp: what RuntimeDefault is), host network.
#
# A private containerd: own root, state, socket and config below the test's temp dir, CRI plugin
# disabled (no CNI, no network), runc state in a private --runc-root, FIFOs in a private dir;
# stopped at exit with the shims it started.
# ctr 1.6 has no --user: the image (an OCI archive built here and `ctr image import`ed once) has
# one manifest per start identity over the same layer, whose config sets User.
# ctr has no --cap-drop ALL: every capability is dropped by its CAP_ name. It has no stop command
# with a timeout either: `ctr task kill` sends TERM; the bound used is Kubernetes' default grace
# period (30 s), which is what the kubelet gives containerd. It has no --init: catatonit from the
# image is put in front of the shim, as podman --init does.
source "$(dirname "$0")/lib.sh"
e2e_init containerd
source "$E2E_DIR/matrix.sh"

ensure_pkgs containerd runc catatonit tmux || { fail "install containerd, runc, catatonit, tmux"; exit 1; }
ensure_shim || { fail "build/shim exists (make)"; exit 1; }

CD="$E2E_TMP/containerd"
mkdir -p "$CD/fifo" "$CD/runc"
SOCK="$CD/containerd.sock"
cat >"$CD/config.toml" <<EOF
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$CD/opt"
EOF
CTR=(ctr -a "$SOCK" -n shim-e2e)
# containerd 1.6's runc shim puts its socket under /run/containerd/s whatever the config says:
# remove what this test made there.
[ -e /run/containerd ] || on_exit "rmdir /run/containerd/s /run/containerd/fifo /run/containerd"
ct() { timeout "${CT_TIMEOUT:-120}" "${CTR[@]}" "$@"; }

containerd_stop() {
    local id pid
    for id in $(CT_TIMEOUT=10 ct task ls -q 2>/dev/null); do CT_TIMEOUT=10 ct task kill -s SIGKILL "$id"; done
    sleep 0.5
    for id in $(CT_TIMEOUT=10 ct task ls -q 2>/dev/null); do CT_TIMEOUT=10 ct task rm -f "$id"; done
    for id in $(CT_TIMEOUT=10 ct container ls -q 2>/dev/null); do CT_TIMEOUT=10 ct container rm "$id"; done
    kill -TERM "$CONTAINERD_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$CONTAINERD_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$CONTAINERD_PID" 2>/dev/null
    # the runc v2 shims of this containerd (they name its socket on their command line)
    for pid in $(pgrep -f -- "-address $SOCK"); do kill -KILL "$pid" 2>/dev/null; done
}
containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
CONTAINERD_PID=$!
on_exit containerd_stop
up=0
for _ in $(seq 1 150); do
    CT_TIMEOUT=5 ct version >/dev/null 2>&1 && { up=1; break; }
    kill -0 "$CONTAINERD_PID" 2>/dev/null || break
    sleep 0.2
done
if [ "$up" != 1 ]; then
    fail "private containerd starts (log: $(tail -n 3 "$CD/containerd.log" | tr '\n' ' '))"; exit 1
fi
pass "private containerd up ($(containerd --version | awk '{print $3}'), own root, state and socket, no CRI)"

# ---------------------------------------------------------------------------------------------
# The image: an OCI archive with one layer (the matrix rootfs) and one manifest per start identity.
IMG=localhost/shim-e2e/matrix
declare -A CT_TAG=([0:0]=root [1000:1000]=u1000 [1000680000:0]=openshift [65532:65532]=nonroot)
oci_archive() {   # OUT ROOTFS_TAR
    local out=$1 layer=$2 dir="$E2E_TMP/oci"
    rm -rf "$dir"; mkdir -p "$dir/blobs/sha256"
    local ld
    ld=$(sha256sum "$layer" | cut -d' ' -f1)
    mv "$layer" "$dir/blobs/sha256/$ld"
    local users="" u
    for u in "${!CT_TAG[@]}"; do users+="$u=${CT_TAG[$u]} "; done
    "$HOST_NODE" -e '
        const fs = require("fs"), crypto = require("crypto");
        const [dir, ld, img, path, users] = process.argv.slice(1);
        const blob = (obj) => {
            const b = Buffer.from(JSON.stringify(obj));
            const d = crypto.createHash("sha256").update(b).digest("hex");
            fs.writeFileSync(`${dir}/blobs/sha256/${d}`, b);
            return { digest: `sha256:${d}`, size: b.length };
        };
        const arch = { x64: "amd64", arm64: "arm64" }[process.arch] || process.arch;
        const lsize = fs.statSync(`${dir}/blobs/sha256/${ld}`).size;
        const manifests = [];
        for (const pair of users.trim().split(" ")) {
            const [user, tag] = pair.split("=");
            const cfg = blob({ architecture: arch, os: "linux",
                config: { User: user, Entrypoint: ["/shim"], Env: [`PATH=${path}`], WorkingDir: "/app" },
                rootfs: { type: "layers", diff_ids: [`sha256:${ld}`] } });
            const man = blob({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
                config: { mediaType: "application/vnd.oci.image.config.v1+json", ...cfg },
                layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: `sha256:${ld}`, size: lsize }] });
            manifests.push({ mediaType: "application/vnd.oci.image.manifest.v1+json", ...man,
                platform: { architecture: arch, os: "linux" },
                annotations: { "io.containerd.image.name": `${img}:${tag}`, "org.opencontainers.image.ref.name": tag } });
        }
        fs.writeFileSync(`${dir}/index.json`, JSON.stringify({ schemaVersion: 2, manifests }));
        fs.writeFileSync(`${dir}/oci-layout`, JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    ' "$dir" "$ld" "$IMG" "$MX_PATH" "$users" || return 1
    tar -C "$dir" -cf "$out" oci-layout index.json blobs && rm -rf "$dir"
}
RTAR="$E2E_TMP/matrix-rootfs.tar"
mx_rootfs_tar "$RTAR" && oci_archive "$E2E_TMP/matrix-oci.tar" "$RTAR" &&
    ct image import "$E2E_TMP/matrix-oci.tar" >"$E2E_TMP/import.log" 2>&1
report $? "ctr image import of the matrix image, one manifest per user ($(ct image ls -q 2>/dev/null | tr '\n' ' '))"
rm -f "$E2E_TMP/matrix-oci.tar" "$RTAR"

# ---------------------------------------------------------------------------------------------
# the adapter (see matrix.sh)
RT_NAME=$E2E_NAME
RT_STOP_TIMEOUT=30   # no ctr default: Kubernetes' terminationGracePeriodSeconds default
RT_INIT_DESC="catatonit from the image in front of the shim (ctr has no --init)"
declare -A CT_PID
ct_opts() {   # O_* -> ctr run options in CT_OPTS, the image in CT_IMG, the process in CT_ARGS
    local tag=${CT_TAG[${O_USER:-0:0}]:-}
    [ -n "$tag" ] || { log "containerd: no image variant for user $O_USER"; return 1; }
    CT_IMG="$IMG:$tag"
    CT_OPTS=(--net-host --seccomp --runc-root "$CD/runc" --fifo-dir "$CD/fifo")
    local c e
    # shellcheck disable=SC2086
    [ "$O_DROPALL" = 1 ] && for c in $MX_ALL_CAPS; do CT_OPTS+=(--cap-drop "$c"); done
    # O_NNP: ctr sets no_new_privileges unless --allow-new-privs, so it is always on here
    [ "$O_RO" = 1 ] && CT_OPTS+=(--read-only)
    [ "$O_TMPFS" = 1 ] && CT_OPTS+=(--mount "type=tmpfs,src=tmpfs,dst=/tmp,options=nosuid:nodev:mode=1777")
    [ -n "$O_PIDOF" ] && CT_OPTS+=(--with-ns "pid:/proc/$(cat "$CD/$O_PIDOF.pid")/ns/pid")
    for e in "${O_ENV[@]}"; do CT_OPTS+=(--env "$e"); done
    # ctr replaces the image's entrypoint with the command given
    CT_ARGS=(/shim "${O_ARGS[@]}")
    [ "$O_INIT" = 1 ] && CT_ARGS=(/pause -- "${CT_ARGS[@]}")
    return 0
}
rt_run() {
    local n=$1; shift
    mx_parse_opts "$@" && ct_opts || return 1
    # ctr in the foreground (in the background of this shell): its exit status is the task's
    "${CTR[@]}" run --rm "${CT_OPTS[@]}" "$CT_IMG" "$n" "${CT_ARGS[@]}" </dev/null >"$E2E_TMP/$n.out" 2>&1 &
    CT_PID[$n]=$!
    # started when the task exists (or ctr already ended)
    local end=$((SECONDS + 60))
    while [ "$SECONDS" -lt "$end" ]; do
        CT_TIMEOUT=10 ct task ls 2>/dev/null | awk -v n="$n" '$1 == n' | grep -q . && return 0
        kill -0 "${CT_PID[$n]}" 2>/dev/null || return 0
        sleep 0.2
    done
    return 1
}
rt_wait() {
    local pid=${CT_PID[$1]:-}
    [ -n "$pid" ] || { RT_RC=none; return; }
    wait_child "$pid" "$2"; RT_RC=$WAIT_RC
}
rt_logs() { cat "$E2E_TMP/$1.out"; }
rt_stop() { ct task kill "$1"; }
rt_kill() { ct task kill -s "SIG$2" "$1"; }
rt_exec() { local n=$1; shift; ct task exec --fifo-dir "$CD/fifo" --exec-id "x$RANDOM" "$n" "$@"; }
rt_rm() {
    CT_TIMEOUT=10 ct task kill -s SIGKILL "$1" >/dev/null 2>&1
    [ -n "${CT_PID[$1]:-}" ] && wait_child "${CT_PID[$1]}" 20
    CT_TIMEOUT=20 ct task rm -f "$1" >/dev/null 2>&1
    CT_TIMEOUT=20 ct container rm "$1" >/dev/null 2>&1
    return 0
}
rt_pause() {
    ct run -d --null-io --net-host --runc-root "$CD/runc" --fifo-dir "$CD/fifo" --pid-file "$CD/$1.pid" \
        "$IMG:nonroot" "$1" /pause -P >/dev/null
}
rt_tty_argv() {
    local n=$1; shift
    mx_parse_opts "$@" && ct_opts || return 1
    printf '%s\n' "${CTR[@]}" run -t --rm "${CT_OPTS[@]}" "$CT_IMG" "$n" "${CT_ARGS[@]}"
}

mx_all
E2E_DONE=1
