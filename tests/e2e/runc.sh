#!/usr/bin/env bash
# e2e: the shim as PID 1 of a runc container (Debian's runc), distroless-like read-only rootfs.
#
# Bundle: `runc spec` + read-only root, tmpfs /tmp, host network (no network namespace, so
# 127.0.0.1 is the host loopback), build/shim at /shim, tests/fixtures/e2e bind-mounted at /app,
# process args ["/shim", "node", "/app/server.js", "--config", "x"].
# Cases: started as root with Docker's default capabilities (the shim drops to 65532), and
# started as uid 1000 with noNewPrivileges and no capabilities (the OpenChoreo chart's case).
# Checks per case: HTTP answer, identity, seccomp, PID 1 = shim, orphans of a `runc exec`
# reaped, `runc kill TERM` -> node exits 0 -> shim (the container) exits 0.
# Environment: E2E_RUNC_PORT (default 17302).
source "$(dirname "$0")/lib.sh"
e2e_init runc

PORT=${E2E_RUNC_PORT:-17302}
ensure_pkgs curl || { fail "install curl"; exit 1; }
runc_init || { fail "install runc"; exit 1; }
pass "runc available: $(runc --version | head -n1)"
ensure_shim || { fail "build/shim exists (make)"; exit 1; }

RT_TAR=$(distroless_rootfs_tar) || { fail "distroless-like rootfs"; exit 1; }
ROOTFS="$E2E_TMP/rootfs"
mkdir -p "$ROOTFS" && tar -C "$ROOTFS" -xf "$RT_TAR" || { fail "unpack rootfs"; exit 1; }
install -m 0755 "$SHIM_BIN" "$ROOTFS/shim"
[ ! -e "$ROOTFS/bin/sh" ] && [ ! -e "$ROOTFS/usr/bin/sh" ]
report $? "rootfs is distroless-like (no /bin/sh), shim at /shim"

field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$1"; }

# run_case NAME UID GID CONFIG_JS
run_case() {
    local name=$1 want_uid=$2 want_gid=$3 js=$4
    local id="shim-e2e-$name-$$" b="$E2E_TMP/bundle-$name" out
    out="$b/answer"
    runc_bundle "$b" "$ROOTFS" "
        c.process.args = ['/shim', 'node', '/app/server.js', '--config', 'x'];
        c.process.cwd = '/app';
        c.process.env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
                         'PORT=$PORT'];
        bind('$FIXTURES', '/app');
        $js" || { fail "$name: runc spec + config edit"; return; }
    port_free "$PORT" || { fail "$name: port $PORT on 127.0.0.1 is free"; return; }
    log "case $name: runc run $id"
    runc_start "$b" "$id"
    if ! wait_http "http://127.0.0.1:$PORT/" 30 200 || ! http_get "http://127.0.0.1:$PORT/" >"$out"; then
        fail "$name: HTTP answer from the fixture on 127.0.0.1:$PORT"
        tail -n 20 "$b/stderr" "$b/stdout" >&2
        runc_remove "$id"; return
    fi
    pass "$name: HTTP answer from node behind the shim (host network)"
    [ "$(field "$out" uid)" = "$want_uid" ] && [ "$(field "$out" gid)" = "$want_gid" ]
    report $? "$name: node runs as uid $want_uid gid $want_gid (got $(field "$out" uid):$(field "$out" gid), groups $(field "$out" groups))"
    [ "$(field "$out" argv)" = '["--config","x"]' ]
    report $? "$name: argv passed through verbatim (got $(field "$out" argv))"
    [ "$(field "$out" Seccomp)" = 2 ] && [ "$(field "$out" Seccomp_filters)" -ge 1 ]
    report $? "$name: Seccomp: $(field "$out" Seccomp) in node's status ($(field "$out" Seccomp_filters) filter(s); the spec sets none)"
    [ "$(field "$out" NoNewPrivs)" = 1 ] && [ "$(field "$out" CapEff)" = 0000000000000000 ] &&
        [ "$(field "$out" CapPrm)" = 0000000000000000 ]
    report $? "$name: NoNewPrivs 1, CapPrm/CapEff 0 (got $(field "$out" NoNewPrivs), $(field "$out" CapPrm)/$(field "$out" CapEff), CapBnd $(field "$out" CapBnd))"

    # PID 1 is the shim, node is its child.
    local ps="$b/ps"
    timeout 30 $RUNC exec "$id" /nodejs/bin/node /app/procscan.js >"$ps" 2>&1
    [ "$(field "$out" ppid)" = 1 ] && [ -n "$(awk '$1 == 1 && $4 == "shim"' "$ps")" ]
    report $? "$name: PID 1 is the shim and node's parent ($(awk '$1 == 1' "$ps"))"

    # Orphans: a `runc exec` process spawns detached children and exits; they are re-parented
    # to PID 1 (runc is outside the PID namespace), which must reap them when they exit.
    local orphans n_reparented=0 p
    orphans=$(timeout 30 $RUNC exec "$id" /nodejs/bin/node /app/orphans.js 3 3000 2>"$b/orphans.err")
    timeout 30 $RUNC exec "$id" /nodejs/bin/node /app/procscan.js >"$ps" 2>&1
    for p in $orphans; do
        [ -n "$(awk -v p="$p" '$1 == p && $2 == 1' "$ps")" ] && n_reparented=$((n_reparented + 1))
    done
    [ -n "$orphans" ] && [ "$n_reparented" = "$(echo $orphans | wc -w)" ]
    report $? "$name: runc exec left orphans [$orphans], $n_reparented re-parented to PID 1"
    local end=$((SECONDS + 20)) left zombies
    while :; do
        sleep 1
        timeout 30 $RUNC exec "$id" /nodejs/bin/node /app/procscan.js >"$ps" 2>&1
        left=""; for p in $orphans; do [ -n "$(awk -v p="$p" '$1 == p' "$ps")" ] && left="$left $p"; done
        zombies=$(awk '$3 == "Z"' "$ps" | tr '\n' ';')
        [ -z "$left" ] && [ -z "$zombies" ] && break
        [ "$SECONDS" -ge "$end" ] && break
    done
    [ -n "$orphans" ] && [ -z "$left" ] && [ -z "$zombies" ]
    report $? "$name: orphans exited and were reaped, no zombie in the container's /proc (left:${left:- none}; zombies: ${zombies:-none})"

    # Graceful stop: runc kill TERM -> shim forwards -> node closes and exits 0 -> shim exits 0.
    local t0=$SECONDS
    timeout 10 $RUNC kill "$id" TERM
    runc_wait "$id" 20
    [ "$WAIT_RC" = 0 ]
    report $? "$name: runc kill TERM: container (shim) exit status $WAIT_RC in $((SECONDS - t0))s (want 0)"
    grep -q 'SIGTERM received' "$b/stdout"
    report $? "$name: node received the forwarded SIGTERM and closed its server"
    if [ "$WAIT_RC" != 0 ]; then tail -n 20 "$b/stderr" "$b/stdout" >&2; fi
    runc_remove "$id"
}

# 1. started as root with Docker's default capability set: the shim drops to 65532:65532.
run_case root 65532 65532 "
    c.process.user = { uid: 0, gid: 0 };
    c.process.noNewPrivileges = false;
    c.process.capabilities = caps(DOCKER_DEFAULT_CAPS);"
# 2. the chart: runAsUser/runAsGroup 1000, fsGroup 1000, allowPrivilegeEscalation false, drop ALL,
#    and no SHIM_USER (the default image): the shim keeps the uid it was started with.
run_case uid1000 1000 1000 "
    c.process.user = { uid: 1000, gid: 1000, additionalGids: [1000] };
    c.process.noNewPrivileges = true;
    c.process.capabilities = caps([]);"

# ---------------------------------------------------------------------------------------------
# The runtime matrix (matrix.sh, scenarios a-h) under plain runc, with the defaults containerd
# gives a Kubernetes container: Docker's 14 capabilities, no_new_privs off (allowPrivilegeEscalation
# defaults to true), a runtime seccomp filter. runc itself has no default profile (`runc spec` sets
# none): a small allow-list-by-default profile stands in for RuntimeDefault so that stacking is seen.
# runc has no --init and no stop command: catatonit from the image goes in front of the shim
# (as podman --init does), `runc kill TERM` is the stop, bounded by Kubernetes' default grace (30 s).
source "$E2E_DIR/matrix.sh"
ensure_pkgs catatonit tmux || fail "install catatonit and tmux"
MX_ROOT="$E2E_TMP/mx-rootfs-dir"
mx_rootfs "$MX_ROOT"
report $? "matrix rootfs (distroless-like + /shim + /pause + fixtures)"
RT_NAME=runc
RT_STOP_TIMEOUT=30
RT_INIT_DESC="catatonit from the image in front of the shim (runc has no --init)"
declare -A RC_PID
rc_bundle() {   # NAME TERMINAL(true|false) : bundle for the parsed O_* in $E2E_TMP/mx-NAME
    local n=$1 tty=$2 b="$E2E_TMP/mx-$1" js args e env uid gid
    args="['/shim'"; for e in "${O_ARGS[@]}"; do args+=", $(printf '%s' "$e" | "$HOST_NODE" -e 'process.stdout.write(JSON.stringify(require("fs").readFileSync(0, "utf8")))')"; done; args+="]"
    [ "$O_INIT" = 1 ] && args="['/pause', '--', ${args#[}"
    env="'PATH=$MX_PATH'"; for e in "${O_ENV[@]}"; do env+=", '$e'"; done
    uid=${O_USER%%:*}; gid=${O_USER#*:}
    js="
        c.process.args = $args;
        c.process.cwd = '/app';
        c.process.env = [$env];
        c.process.terminal = $tty;
        c.process.user = { uid: ${uid:-0}, gid: ${gid:-0} };
        c.process.noNewPrivileges = $([ "$O_NNP" = 1 ] && echo true || echo false);
        c.process.capabilities = caps($([ "$O_DROPALL" = 1 ] && echo '[]' || echo DOCKER_DEFAULT_CAPS));
        c.root.readonly = $([ "$O_RO" = 1 ] && echo true || echo false);
        if (!$([ "$O_TMPFS" = 1 ] && echo true || echo false)) c.mounts = c.mounts.filter((m) => m.destination !== '/tmp');
        c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kexec_load', 'kexec_file_load',
            'reboot', 'swapon', 'swapoff'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] };"
    if [ -n "$O_PIDOF" ]; then
        js+="c.linux.namespaces = c.linux.namespaces.map((x) => x.type === 'pid' ?
            { type: 'pid', path: '/proc/$(cat "$E2E_TMP/mx-$O_PIDOF.pid")/ns/pid' } : x);"
    fi
    runc_bundle "$b" "$MX_ROOT" "$js"
}
rt_run() {
    local n=$1; shift
    mx_parse_opts "$@" && rc_bundle "$n" false || return 1
    $RUNC run --bundle "$E2E_TMP/mx-$n" "$n" </dev/null >"$E2E_TMP/mx-$n/out" 2>&1 &
    RC_PID[$n]=$!
}
rt_wait() {
    [ -n "${RC_PID[$1]:-}" ] || { RT_RC=none; return; }
    wait_child "${RC_PID[$1]}" "$2"; RT_RC=$WAIT_RC
}
rt_logs() { cat "$E2E_TMP/mx-$1/out"; }
rt_stop() { timeout 10 $RUNC kill "$1" TERM; }
rt_kill() { timeout 10 $RUNC kill "$1" "$2"; }
rt_exec() { local n=$1; shift; timeout 30 $RUNC exec "$n" "$@"; }
rt_rm() {
    timeout 10 $RUNC kill "$1" KILL >/dev/null 2>&1
    [ -n "${RC_PID[$1]:-}" ] && wait_child "${RC_PID[$1]}" 20
    timeout 20 $RUNC delete -f "$1" >/dev/null 2>&1
    return 0
}
rt_pause() {
    local n=$1 end
    mx_parse_opts --user 65532:65532 -- && rc_bundle "$n" false || return 1
    "$HOST_NODE" -e '
        const fs = require("fs"), f = process.argv[1], c = JSON.parse(fs.readFileSync(f, "utf8"));
        c.process.args = ["/pause", "-P"];
        fs.writeFileSync(f, JSON.stringify(c));' "$E2E_TMP/mx-$n/config.json" || return 1
    $RUNC run --bundle "$E2E_TMP/mx-$n" "$n" </dev/null >"$E2E_TMP/mx-$n/out" 2>&1 &
    RC_PID[$n]=$!
    end=$((SECONDS + 30))
    while [ "$SECONDS" -lt "$end" ]; do
        timeout 10 $RUNC state "$n" 2>/dev/null | "$HOST_NODE" -e '
            const s = JSON.parse(require("fs").readFileSync(0, "utf8"));
            if (s.status !== "running") process.exit(1);
            console.log(s.pid);' >"$E2E_TMP/mx-$n.pid" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}
rt_tty_argv() {
    local n=$1; shift
    mx_parse_opts "$@" && rc_bundle "$n" true || return 1
    # shellcheck disable=SC2086
    printf '%s\n' $RUNC run --bundle "$E2E_TMP/mx-$n" "$n"
}
mx_all

E2E_DONE=1
