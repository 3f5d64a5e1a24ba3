# shellcheck shell=bash
# The runtime matrix: scenarios a-h of issue 10, written once against a small adapter interface
# that podman.sh, containerd.sh, docker.sh and runc.sh implement for their runtime. Sourced after
# lib.sh. Every container runs with the host network; the fixture talks to nobody.
#
# Adapter (each takes the container NAME first):
#   rt_run NAME [OPTS] -- ARGS...  start detached; ARGS follow the image's ENTRYPOINT ["/shim"]
#       OPTS: --user U:G        start as U:G (default: the image's user, root)
#             --drop-all        drop every capability
#             --nnp             no-new-privileges
#             --ro              read-only root filesystem (and nothing writable at /tmp)
#             --tmpfs-tmp       a tmpfs at /tmp
#             --env K=V         environment (repeatable)
#             --init            an init (catatonit or docker-init) as PID 1 in front of the shim
#             --pid-of NAME2    join the PID namespace of container NAME2 (a pause container)
#   rt_wait NAME SECS          sets RT_RC to the container's exit status (124: still running)
#   rt_logs NAME               stdout and stderr of the container
#   rt_stop NAME               the runtime's own stop command with its default timeout
#   rt_kill NAME SIG           send SIG (INT, TERM) through the runtime
#   rt_exec NAME ARGS...       run ARGS in the running container
#   rt_rm NAME                 remove, killing first
#   rt_pause NAME              start a pause container (catatonit -P as PID 1)
#   rt_finished NAME           (optional) when the container exited, seconds since the epoch
#   rt_tty_argv NAME [OPTS] -- ARGS   print (one word per line) the command that runs the
#                              container in the foreground with a terminal (-it)
# and sets RT_STOP_TIMEOUT (the runtime's default stop timeout, seconds) and RT_NAME.

# mx_parse_opts OPTS... -- ARGS... : sets O_USER O_DROPALL O_NNP O_RO O_TMPFS O_INIT O_PIDOF,
# O_ENV=(K=V...) and O_ARGS=(...).
mx_parse_opts() {
    O_USER='' O_DROPALL=0 O_NNP=0 O_RO=0 O_TMPFS=0 O_INIT=0 O_PIDOF='' O_ENV=() O_ARGS=()
    while [ "$#" -gt 0 ]; do
        case $1 in
            --user) O_USER=$2; shift 2 ;;
            --drop-all) O_DROPALL=1; shift ;;
            --nnp) O_NNP=1; shift ;;
            --ro) O_RO=1; shift ;;
            --tmpfs-tmp) O_TMPFS=1; shift ;;
            --init) O_INIT=1; shift ;;
            --pid-of) O_PIDOF=$2; shift 2 ;;
            --env) O_ENV+=("$2"); shift 2 ;;
            --) shift; O_ARGS=("$@"); return 0 ;;
            *) log "mx_parse_opts: unknown option $1"; return 1 ;;
        esac
    done
}

# Every capability name the kernel knows (for runtimes with no "ALL": ctr).
MX_ALL_CAPS="CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_KILL CAP_SETGID
CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_ADMIN
CAP_NET_RAW CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE CAP_SYS_RAWIO CAP_SYS_CHROOT CAP_SYS_PTRACE
CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_NICE CAP_SYS_RESOURCE CAP_SYS_TIME
CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE CAP_AUDIT_WRITE CAP_AUDIT_CONTROL CAP_SETFCAP
CAP_MAC_OVERRIDE CAP_MAC_ADMIN CAP_SYSLOG CAP_WAKE_ALARM CAP_BLOCK_SUSPEND CAP_AUDIT_READ
CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE"

MX_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin   # no /nodejs/bin: the shim's fallback finds node
MX_CHART_ARGS=(node --max-old-space-size=256 packages/backend --config app-config.yaml "two words")

# mx_rootfs DIR : the matrix image's root: the distroless-like rootfs plus /shim (build/shim),
# /pause (Debian's static catatonit, for pause containers and as an init), the fixtures in /app
# and /app/packages/backend (the chart's `node packages/backend`).
mx_rootfs() {
    local dir=$1 tar
    tar=$(distroless_rootfs_tar) || return 1
    mkdir -p "$dir" && tar -C "$dir" -xf "$tar" || return 1
    install -m 0755 "$SHIM_BIN" "$dir/shim" || return 1
    copy_with_libs "$dir" "$(command -v catatonit)" /pause 2>/dev/null || return 1
    install -d "$dir/app/packages/backend"
    install -m 0644 "$FIXTURES/matrix.js" "$FIXTURES/procscan.js" "$dir/app/"
    printf "'use strict';\nrequire('/app/matrix.js');\n" >"$dir/app/packages/backend/index.js"
}
# mx_rootfs_tar OUT : the same as a tarball (for podman/docker/ctr import).
mx_rootfs_tar() {
    local dir="$E2E_TMP/mx-rootfs"
    rm -rf "$dir"
    mx_rootfs "$dir" || return 1
    tar -C "$dir" --numeric-owner -cf "$1" . || return 1
    rm -rf "$dir"
}

mx_field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$1"; }

# mx_run_to_end NAME SECS OPTS... -- ARGS : start, wait, keep the logs in $E2E_TMP/NAME.log,
# remove; sets RT_RC. Returns 1 (after a FAIL line) when the container cannot be started.
mx_run_to_end() {
    local name=$1 secs=$2; shift 2
    if ! rt_run "$name" "$@" >"$E2E_TMP/$name.start" 2>&1; then
        fail "$name: container starts ($(tail -n 3 "$E2E_TMP/$name.start" | tr '\n' ' '))"
        rt_rm "$name"; return 1
    fi
    rt_wait "$name" "$secs"
    rt_logs "$name" >"$E2E_TMP/$name.log" 2>&1
    rt_rm "$name"
    return 0
}
mx_tail() { grep -v '^[[:space:]]*$' "$E2E_TMP/$1.log" 2>/dev/null | tail -n "${2:-8}" | tr '\n' '|' | cut -c1-600; }

# mx_wait_log NAME PATTERN SECS : poll the container's logs for an ERE.
mx_wait_log() {
    local end=$((SECONDS + $3))
    while [ "$SECONDS" -lt "$end" ]; do
        rt_logs "$1" 2>&1 | grep -Eq "$2" && return 0
        sleep 0.3
    done
    return 1
}

# mx_nocaps FILE : every capability set of node is empty
mx_nocaps() {
    local f=$1 k
    for k in CapInh CapPrm CapEff CapBnd CapAmb; do
        [ "$(mx_field "$f" "$k")" = 0000000000000000 ] || return 1
    done
}
mx_ids() { echo "uid $(mx_field "$1" uid) gid $(mx_field "$1" gid) groups $(mx_field "$1" groups)"; }
mx_sec() {
    echo "CapPrm $(mx_field "$1" CapPrm) CapEff $(mx_field "$1" CapEff) CapBnd $(mx_field "$1" CapBnd) NoNewPrivs $(mx_field "$1" NoNewPrivs) Seccomp $(mx_field "$1" Seccomp) filters $(mx_field "$1" Seccomp_filters)"
}

# a. root start with the runtime's default capabilities and seccomp profile.
mx_a_root() {
    local n="$RT_NAME-a" f
    f="$E2E_TMP/$n.log"
    mx_run_to_end "$n" 60 --user 0:0 --env "PATH=$MX_PATH" -- node /app/matrix.js || return
    [ "$RT_RC" = 0 ] && [ "$(mx_field "$f" uid)" = 65532 ] && [ "$(mx_field "$f" gid)" = 65532 ] &&
        [ "$(mx_field "$f" groups)" = 65532 ]
    report $? "a root start: exit $RT_RC, node runs as 65532:65532 ($(mx_ids "$f"))"
    mx_nocaps "$f" && [ "$(mx_field "$f" NoNewPrivs)" = 1 ]
    report $? "a root start: no capabilities in any set, no_new_privs ($(mx_sec "$f"))"
    [ "$(mx_field "$f" Seccomp)" = 2 ] && [ "$(mx_field "$f" Seccomp_filters)" = 2 ]
    report $? "a root start: the shim's filter stacked on the runtime's: Seccomp_filters 2 (got $(mx_field "$f" Seccomp_filters))"
    [ "$(mx_field "$f" home)" = /home/nonroot ] && [ "$(mx_field "$f" home_usable)" = yes ]
    report $? "a root start: HOME is nonroot's and usable (HOME=$(mx_field "$f" home), usable $(mx_field "$f" home_usable))"
}

# b. the chart's start: 1000:1000, every capability dropped, no-new-privileges, chart args.
mx_b_chart() {
    local n="$RT_NAME-b" f
    f="$E2E_TMP/$n.log"
    mx_run_to_end "$n" 60 --user 1000:1000 --drop-all --nnp --env "PATH=$MX_PATH" -- "${MX_CHART_ARGS[@]}" || return
    [ "$RT_RC" = 0 ] && [ "$(mx_field "$f" uid)" = 1000 ] && [ "$(mx_field "$f" gid)" = 1000 ]
    report $? "b chart start: exit $RT_RC, node runs as 1000:1000 ($(mx_ids "$f"))"
    [ "$(mx_field "$f" argv)" = '["--config","app-config.yaml","two words"]' ] &&
        [ "$(mx_field "$f" execArgv)" = '["--max-old-space-size=256"]' ]
    report $? "b chart start: args verbatim (argv $(mx_field "$f" argv), execArgv $(mx_field "$f" execArgv))"
    mx_nocaps "$f" && [ "$(mx_field "$f" NoNewPrivs)" = 1 ] && [ "$(mx_field "$f" Seccomp_filters)" = 2 ]
    report $? "b chart start: no capabilities, no_new_privs, 2 filters ($(mx_sec "$f"))"
}

# c. root start with every capability dropped: refused (77, actionable message, nothing runs);
#    the same start with SHIM_USER=0 runs as root without capabilities.
mx_c_nocaps() {
    local n="$RT_NAME-c" f
    f="$E2E_TMP/$n.log"
    mx_run_to_end "$n" 60 --user 0:0 --drop-all --env "PATH=$MX_PATH" -- node /app/matrix.js || return
    [ "$RT_RC" = 77 ] && ! grep -q '^uid:' "$f"
    report $? "c root start, all capabilities dropped: refused with exit 77, node never ran (exit $RT_RC: $(mx_tail "$n" 3))"
    grep -q 'CAP_SETUID' "$f" && grep -q 'CAP_SETGID' "$f" && grep -Eq 'runAsUser|--user' "$f"
    report $? "c root start, all capabilities dropped: the message names the missing capabilities and the non-root start ($(grep -m1 'shim:' "$f" | cut -c1-300))"
    n="$RT_NAME-c0"; f="$E2E_TMP/$n.log"
    mx_run_to_end "$n" 60 --user 0:0 --drop-all --env SHIM_USER=0 --env "PATH=$MX_PATH" -- node /app/matrix.js || return
    [ "$RT_RC" = 0 ] && [ "$(mx_field "$f" uid)" = 0 ] && mx_nocaps "$f" && [ "$(mx_field "$f" NoNewPrivs)" = 1 ]
    report $? "c SHIM_USER=0, all capabilities dropped: exit $RT_RC, runs as root without capabilities ($(mx_ids "$f"); $(mx_sec "$f"); $(mx_tail "$n" 2))"
}

# d. OpenShift restricted: an arbitrary high uid, gid 0, read-only root, no capabilities.
mx_d_openshift() {
    local n="$RT_NAME-d" f
    f="$E2E_TMP/$n.log"
    mx_run_to_end "$n" 60 --user 1000680000:0 --drop-all --nnp --ro --tmpfs-tmp --env "PATH=$MX_PATH" \
        -- node /app/matrix.js || return
    [ "$RT_RC" = 0 ] && [ "$(mx_field "$f" uid)" = 1000680000 ] && [ "$(mx_field "$f" gid)" = 0 ] &&
        mx_nocaps "$f" && [ "$(mx_field "$f" Seccomp_filters)" = 2 ]
    report $? "d OpenShift uid 1000680000 gid 0, read-only root: exit $RT_RC, runs ($(mx_ids "$f"); $(mx_sec "$f"); $(mx_tail "$n" 2))"
}

# e. the runtime's stop command with a TERM-ignoring detached grandchild.
mx_e_stop() {
    local n="$RT_NAME-e" mark="shim-e2e-grandchild-$RT_NAME-$$" t0 took ps="$E2E_TMP/$RT_NAME-e.ps" left
    if ! rt_run "$n" --user 0:0 --env "PATH=$MX_PATH" --env FIXTURE_MODE=serve --env "FIXTURE_MARK=$mark" \
        -- node /app/matrix.js >"$E2E_TMP/$n.start" 2>&1; then
        fail "e stop: container starts ($(tail -n 3 "$E2E_TMP/$n.start" | tr '\n' ' '))"; rt_rm "$n"; return
    fi
    if ! mx_wait_log "$n" '^ready: yes' 60; then
        fail "e stop: node ready with its TERM-ignoring grandchild ($(rt_logs "$n" 2>&1 | tail -n 3 | tr '\n' '|'))"
        rt_rm "$n"; return
    fi
    rt_exec "$n" /nodejs/bin/node /app/procscan.js >"$ps" 2>&1
    [ -n "$(pgrep -f -- "$mark")" ] && ! awk '$3 == "Z"' "$ps" | grep -q .
    report $? "e stop: before the stop the grandchild runs and nothing is a zombie ($(tr '\n' ';' <"$ps" | cut -c1-200))"
    t0=$(date +%s.%N)
    rt_stop "$n" >/dev/null 2>&1
    rt_wait "$n" 30
    # from the stop to the container's exit: the runtime's record of it when it keeps one (the
    # stop command itself also unmounts and cleans up afterwards), else when the wait returned
    local t1
    t1=$(rt_finished "$n" 2>/dev/null) || t1=$(date +%s.%N)
    took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
    rt_logs "$n" >"$E2E_TMP/$n.log" 2>&1
    [ "$RT_RC" = 0 ] && grep -q 'SIGTERM received' "$E2E_TMP/$n.log"
    report $? "e stop: exit status is node's (0 after its TERM handler), got $RT_RC ($(mx_tail "$n" 3))"
    awk -v t="$took" -v l="$RT_STOP_TIMEOUT" 'BEGIN { exit !(t + 2 <= l) }'
    report $? "e stop: done in ${took}s, well within the runtime's ${RT_STOP_TIMEOUT}s timeout (at least 2 s to spare)"
    left=$(pgrep -f -- "$mark" | tr '\n' ' ')
    [ -z "$left" ]
    report $? "e stop: the TERM-ignoring grandchild is gone (left: ${left:-none})"
    # shellcheck disable=SC2086
    [ -n "$left" ] && kill -KILL $left 2>/dev/null
    rt_rm "$n"
}

# f. not PID 1: an init in front, and a shared PID namespace whose PID 1 is a pause process.
mx_f_check() {   # LABEL NAME
    local what=$1 n=$2 f
    f="$E2E_TMP/$n.log"
    local shim op
    shim=$(mx_field "$f" shim_pid); op=$(mx_field "$f" orphan_ppid)
    [ "$RT_RC" = 0 ] && [ -n "$shim" ] && [ "$shim" != 1 ] && [ "$(mx_field "$f" shim_comm)" = shim ] &&
        [ "$op" = "$shim" ] &&
        [ "$(mx_field "$f" orphan_reaped)" = yes ]
    report $? "f $what: the shim (pid ${shim:-?}, not 1) adopted node's orphan (parent ${op:-?}) and reaped it, exit $RT_RC ($(mx_tail "$n" 4))"
    [ -n "$(mx_field "$f" pid1_comm)" ] && [ "$(mx_field "$f" pid1_comm)" != shim ]
    report $? "f $what: PID 1 is $(mx_field "$f" pid1_comm), not the shim"
}
mx_f_notpid1() {
    local n="$RT_NAME-f1"
    if mx_run_to_end "$n" 60 --user 0:0 --init --env "PATH=$MX_PATH" --env FIXTURE_MODE=orphan -- node /app/matrix.js; then
        mx_f_check "init in front ($RT_INIT_DESC)" "$n"
    fi
    local p="$RT_NAME-pause"
    n="$RT_NAME-f2"
    if ! rt_pause "$p" >"$E2E_TMP/$p.start" 2>&1; then
        fail "f pause container starts ($(tail -n 3 "$E2E_TMP/$p.start" | tr '\n' ' '))"; rt_rm "$p"; return
    fi
    if mx_run_to_end "$n" 60 --user 0:0 --pid-of "$p" --env "PATH=$MX_PATH" --env FIXTURE_MODE=orphan -- node /app/matrix.js; then
        mx_f_check "shared PID namespace with a pause container" "$n"
    fi
    rt_rm "$p"
}

# g. interactive: Ctrl-C through a terminal (tmux), and SIGINT from the runtime without one.
mx_tmux_run() {   # NAME HANDLER(1|0) : sets TTY_RC
    local n=$1 handler=$2 sock="$E2E_TMP/tmux.sock" rcf="$E2E_TMP/$1.rc" cmd words end
    rm -f "$rcf"
    mapfile -t words < <(rt_tty_argv "$n" --user 0:0 --env "PATH=$MX_PATH" --env FIXTURE_MODE=sigint \
        --env "FIXTURE_HANDLER=$handler" -- node /app/matrix.js)
    cmd=$(printf '%q ' "${words[@]}")
    # the pane runs the runtime in the foreground on tmux's terminal; its status goes to a file
    tmux -S "$sock" new-session -d -s "$n" -x 120 -y 30 \
        "$cmd; echo \$? >$rcf.tmp; mv $rcf.tmp $rcf; sleep 30" || { TTY_RC=none; return; }
    end=$((SECONDS + 60))
    until tmux -S "$sock" capture-pane -p -t "$n" 2>/dev/null | grep -q '^ready: yes'; do
        [ "$SECONDS" -ge "$end" ] && break
        sleep 0.3
    done
    tmux -S "$sock" send-keys -t "$n" C-c
    end=$((SECONDS + 30))
    until [ -e "$rcf" ] || [ "$SECONDS" -ge "$end" ]; do sleep 0.2; done
    TTY_RC=$(cat "$rcf" 2>/dev/null || echo none)
    tmux -S "$sock" capture-pane -p -t "$n" >"$E2E_TMP/$n.log" 2>/dev/null
    tmux -S "$sock" kill-session -t "$n" 2>/dev/null
    rt_rm "$n"
}
mx_g_interactive() {
    ensure_pkgs tmux >/dev/null 2>&1
    on_exit "tmux -S '$E2E_TMP/tmux.sock' kill-server"
    local n="$RT_NAME-g1"
    mx_tmux_run "$n" 1
    [ "$TTY_RC" = 42 ] && grep -q 'SIGINT received' "$E2E_TMP/$n.log"
    report $? "g -it under tmux: Ctrl-C reaches node, its handler's exit code 42 is the container's (got $TTY_RC; $(mx_tail "$n" 4))"
    n="$RT_NAME-g2"
    mx_tmux_run "$n" 0
    [ "$TTY_RC" = 130 ]
    report $? "g -it under tmux, no handler: node dies of SIGINT, exit 130 (got $TTY_RC; $(mx_tail "$n" 4))"
    n="$RT_NAME-g3"
    if ! rt_run "$n" --user 0:0 --env "PATH=$MX_PATH" --env FIXTURE_MODE=sigint -- node /app/matrix.js \
        >"$E2E_TMP/$n.start" 2>&1 || ! mx_wait_log "$n" '^ready: yes' 60; then
        fail "g without -t: container starts and node is ready ($(tail -n 3 "$E2E_TMP/$n.start" | tr '\n' ' '))"
        rt_rm "$n"; return
    fi
    rt_kill "$n" INT >/dev/null 2>&1
    rt_wait "$n" 30
    rt_logs "$n" >"$E2E_TMP/$n.log" 2>&1
    [ "$RT_RC" = 42 ] && grep -q 'SIGINT received' "$E2E_TMP/$n.log"
    report $? "g without -t: SIGINT from the runtime is forwarded to node (exit $RT_RC, want 42; $(mx_tail "$n" 3))"
    rt_rm "$n"
}

# h. read-only root with a tmpfs /tmp, and with an unwritable /tmp.
mx_h_readonly() {
    local n="$RT_NAME-h1" f
    f="$E2E_TMP/$n.log"
    if mx_run_to_end "$n" 60 --user 0:0 --ro --tmpfs-tmp --env "PATH=$MX_PATH" -- node /app/matrix.js; then
        [ "$RT_RC" = 0 ] && [ "$(mx_field "$f" uid)" = 65532 ] && [ "$(mx_field "$f" tmp_writable)" = yes ]
        report $? "h read-only root, tmpfs /tmp: exit $RT_RC, node runs as $(mx_field "$f" uid), /tmp writable: $(mx_field "$f" tmp_writable)"
    fi
    n="$RT_NAME-h2"; f="$E2E_TMP/$n.log"
    if mx_run_to_end "$n" 60 --user 0:0 --ro --env "PATH=$MX_PATH" -- node /app/matrix.js; then
        [ "$RT_RC" = 0 ] && [ "$(mx_field "$f" uid)" = 65532 ] && [ "$(mx_field "$f" tmp_writable)" = 'no EROFS' ]
        report $? "h read-only root, unwritable /tmp: exit $RT_RC, node runs as $(mx_field "$f" uid), /tmp writable: $(mx_field "$f" tmp_writable)"
    fi
}

# rt_finished is optional: without it the stop is timed until rt_wait returns
declare -F rt_finished >/dev/null || rt_finished() { return 1; }

# Run every scenario (or those named in MX_SCENARIOS, e.g. "a c e"), then check that the runs
# used the host's network namespace (host network only: no bridge, no veth, no interface of
# their own). Each report-mode run prints its own namespace; other jobs on the machine may
# create interfaces, so the machine's interface list is not what is checked.
mx_all() {
    local s host f ns n=0 other=""
    host=$(readlink /proc/self/ns/net)
    for s in ${MX_SCENARIOS:-a b c d e f g h}; do
        log "scenario $s"
        case $s in
            a) mx_a_root ;; b) mx_b_chart ;; c) mx_c_nocaps ;; d) mx_d_openshift ;;
            e) mx_e_stop ;; f) mx_f_notpid1 ;; g) mx_g_interactive ;; h) mx_h_readonly ;;
        esac
    done
    for f in "$E2E_TMP/$RT_NAME"-*.log; do
        [ -f "$f" ] || continue
        ns=$(mx_field "$f" netns)
        [ -n "$ns" ] || continue
        n=$((n + 1))
        [ "$ns" = "$host" ] || other+=" $(basename "$f" .log)=$ns"
    done
    [ "$n" -gt 0 ] && [ -z "$other" ]
    report $? "the runs used the host's network namespace ($n runs reported, host $host${other:+; other:$other})"
}
