# shellcheck shell=bash
# Common helpers for the end-to-end tests (sourced by docker.sh, runc.sh, backstage.sh).
#
# Rules these helpers enforce for every e2e script:
#  - every wait is bounded (timeout(1) or a counted poll loop);
#  - network installs get 3 tries;
#  - traffic goes to 127.0.0.1 only; containers use the host network; dockerd is started with
#    --bridge=none --iptables=false so no bridge or private address is ever created;
#  - whatever a script starts it stops in its EXIT trap (dockerd, runc containers, processes);
#  - each check prints one "PASS: ..." or "FAIL: ..." line; each script ends with
#    "NAME: N passed, N failed" and exits non-zero when anything failed.

set -u
set -o pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$E2E_DIR/../.." && pwd)
FIXTURES="$REPO/tests/fixtures/e2e"
E2E_CACHE="${E2E_CACHE:-$REPO/build/e2e}"
SHIM_BIN="${SHIM_BIN:-$REPO/build/shim}"
HOST_NODE="${HOST_NODE:-$(command -v node 2>/dev/null || echo /usr/bin/node)}"

E2E_PASSED=0
E2E_FAILED=0
E2E_NAME="${E2E_NAME:-e2e}"
E2E_CLEANUP=()   # commands run (last first) by the EXIT trap

log()  { printf '[%s %s] %s\n' "$E2E_NAME" "$(date +%H:%M:%S)" "$*" >&2; }
pass() { E2E_PASSED=$((E2E_PASSED + 1)); printf 'PASS: %s: %s\n' "$E2E_NAME" "$*"; }
fail() { E2E_FAILED=$((E2E_FAILED + 1)); printf 'FAIL: %s: %s\n' "$E2E_NAME" "$*"; }
# check DESCRIPTION COMMAND... : PASS if the command succeeds.
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
# report STATUS DESCRIPTION : PASS if STATUS is 0 (use after a compound test: `[ a ] && [ b ]; report $? "..."`).
report() { if [ "$1" = 0 ]; then pass "$2"; else fail "$2"; fi; }

# Register a cleanup command (a string evaluated at exit, last registered runs first).
on_exit() { E2E_CLEANUP+=("$1"); }

e2e_finish() {
    local rc=$? i
    trap - EXIT INT TERM
    for ((i = ${#E2E_CLEANUP[@]} - 1; i >= 0; i--)); do
        eval "${E2E_CLEANUP[$i]}" >/dev/null 2>&1 || true
    done
    if [ "$rc" -ne 0 ] && [ "$E2E_FAILED" -eq 0 ] && [ "${E2E_DONE:-0}" != 1 ]; then
        fail "script aborted (exit status $rc) before finishing its checks"
    fi
    printf '%s: %d passed, %d failed\n' "$E2E_NAME" "$E2E_PASSED" "$E2E_FAILED"
    if [ -n "${E2E_SUMMARY_FILE:-}" ]; then
        printf '%s %d %d\n' "$E2E_NAME" "$E2E_PASSED" "$E2E_FAILED" >>"$E2E_SUMMARY_FILE"
    fi
    [ "$E2E_FAILED" -eq 0 ] && exit 0
    exit 1
}

e2e_init() {
    E2E_NAME=$1
    [ "$(id -u)" = 0 ] || { echo "$E2E_NAME: must run as root" >&2; exit 1; }
    mkdir -p "$E2E_CACHE"
    E2E_TMP=$(mktemp -d "/tmp/shim-$E2E_NAME.XXXXXX")
    on_exit "cleanup_tmp '$E2E_TMP'"
    trap e2e_finish EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    log "temp dir $E2E_TMP, cache $E2E_CACHE"
}

cleanup_tmp() {
    local d=$1 m
    # unmount anything a dead dockerd/runc may have left below the temp dir (deepest first)
    for m in $(awk -v p="$d" 'index($2, p) == 1 {print $2}' /proc/self/mounts | sort -r); do
        umount -l "$m" 2>/dev/null || true
    done
    rm -rf --one-file-system "$d" 2>/dev/null || rm -rf "$d" 2>/dev/null || true
}

# retry TRIES DELAY CMD... : run CMD up to TRIES times.
retry() {
    local tries=$1 delay=$2 n=1; shift 2
    while :; do
        "$@" && return 0
        [ "$n" -ge "$tries" ] && return 1
        log "attempt $n/$tries failed: $*; retrying in ${delay}s"
        n=$((n + 1)); sleep "$delay"
    done
}

# Debian mirror URI for bookworm, read from the host's apt configuration at run time.
debian_mirror() {
    local f=/etc/apt/sources.list.d/debian.sources uri
    if [ -r "$f" ]; then
        uri=$(awk '
            /^[[:space:]]*$/ { if (u != "" && s ~ /(^| )bookworm( |$)/) { print u; exit } u=""; s=""; next }
            /^URIs:/ { u=$2 }
            /^Suites:/ { $1=""; s=$0 " " }
            END { if (u != "" && s ~ /(^| )bookworm( |$)/) print u }' "$f" | head -n1)
    fi
    if [ -z "${uri:-}" ] && [ -r /etc/apt/sources.list ]; then
        uri=$(awk '$1 == "deb" && $0 ~ / bookworm / { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
            /etc/apt/sources.list)
    fi
    [ -n "${uri:-}" ] || { log "cannot find a bookworm mirror in the apt configuration"; return 1; }
    printf '%s\n' "${uri%/}"
}

E2E_APT_UPDATED=0
# ensure_pkgs PKG... : install the Debian packages that are missing (3 tries; services not started).
ensure_pkgs() {
    local missing=() p rc=0 made_policy=0
    for p in "$@"; do
        [ "$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null)" = 'install ok installed' ] || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    log "installing ${missing[*]}"
    # never let a package's maintainer script start a daemon (dockerd would create a bridge)
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
    fi
    local alog="${E2E_TMP:-/tmp}/apt.log"
    if [ "$E2E_APT_UPDATED" = 0 ]; then
        retry 3 5 timeout 300 apt-get update -qq >>"$alog" 2>&1 && E2E_APT_UPDATED=1
    fi
    export DEBIAN_FRONTEND=noninteractive
    retry 3 5 timeout 600 \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$alog" 2>&1 || rc=1
    [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
    [ "$rc" = 0 ] || tail -n 20 "$alog" >&2
    return $rc
}

# Make sure build/shim exists (build it with make when it does not).
ensure_shim() {
    if [ ! -x "$SHIM_BIN" ]; then
        log "$SHIM_BIN missing: running make"
        timeout 900 make -C "$REPO" >&2 || true
    fi
    [ -x "$SHIM_BIN" ] || { log "no shim binary at $SHIM_BIN"; return 1; }
}

# ---------------------------------------------------------------------------------------------
# Root filesystems (cached as tarballs under build/e2e)

# Debian 12 minbase rootfs, nothing added unless DEBIAN_INCLUDE names packages: the stand-in for
# debian:12-slim (and the base of the node:22-bookworm-slim one, tests/e2e/dockerlib.sh); a build
# must install what it needs itself, as in the real images (issue 15). It gets the host's apt
# settings for reaching the archive (the apt.conf.d files with Acquire:: options, e.g.
# Check-Valid-Until false for a snapshot mirror whose Release files have expired), as a real
# image would reach a live mirror. The cache name changes when those settings change.
DEBIAN_INCLUDE=${DEBIAN_INCLUDE-}
host_apt_acquire_files() { grep -l '^[[:space:]]*Acquire::' /etc/apt/apt.conf.d/* 2>/dev/null; }
debian_rootfs_tar() {
    local key out mirror dir f
    key=$( { echo "$DEBIAN_INCLUDE"; for f in $(host_apt_acquire_files); do echo "$f"; cat "$f"; done; } |
        sha256sum | cut -c1-12)
    out="$E2E_CACHE/debian12-minbase-$key.tar"
    if [ -s "$out" ]; then printf '%s\n' "$out"; return 0; fi
    ensure_pkgs debootstrap || return 1
    mirror=$(debian_mirror) || return 1
    dir="$E2E_CACHE/debian12-rootfs.tmp"
    log "debootstrap bookworm (minbase) from the host's Debian mirror"
    local try
    for try in 1 2 3; do
        rm -rf "$dir"; mkdir -p "$dir"
        if timeout 1200 debootstrap --variant=minbase ${DEBIAN_INCLUDE:+--include="$DEBIAN_INCLUDE"} \
            bookworm "$dir" "$mirror" >"$E2E_CACHE/debootstrap.log" 2>&1; then
            break
        fi
        log "debootstrap attempt $try failed (tail of log follows)"; tail -n 5 "$E2E_CACHE/debootstrap.log" >&2
        [ "$try" = 3 ] && { rm -rf "$dir"; return 1; }
        sleep 5
    done
    for f in $(host_apt_acquire_files); do cp "$f" "$dir/etc/apt/apt.conf.d/"; done
    rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    rm -f "$E2E_CACHE"/debian12-minbase*.tar   # older cache generations
    tar -C "$dir" --numeric-owner -cf "$out.tmp" . && mv "$out.tmp" "$out"
    rm -rf "$dir"
    printf '%s\n' "$out"
}

# copy_with_libs ROOT BINARY DEST : copy BINARY to ROOT/DEST plus the shared libraries ldd finds.
copy_with_libs() {
    local root=$1 bin=$2 dest=$3 lib
    install -D -m 0755 "$bin" "$root$dest"
    for lib in $(ldd "$bin" | awk '/=> \// {print $3} /^[[:space:]]*\/[^ ]+ \(/ {print $1}'); do
        # the rootfs is merged-/usr like Debian 12: /lib -> usr/lib, /lib64 -> usr/lib64
        local rel=${lib#/}
        case $rel in lib/*|lib64/*) rel="usr/$rel" ;; esac
        [ -e "$root/$rel" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root/$rel"
    done
}

# distroless_rootfs DIR : a root filesystem shaped like gcr.io/distroless/nodejs22-debian13:nonroot
# (/nodejs/bin/node + its glibc libraries, passwd/group with root, nobody and nonroot 65532,
# /tmp 1777, /etc/hosts; no shell, no coreutils, no package manager).
distroless_rootfs() {
    local root=$1
    mkdir -p "$root"/{usr/lib,usr/lib64,etc/ssl/certs,proc,sys,dev,app}
    ln -sfn usr/lib "$root/lib"; ln -sfn usr/lib64 "$root/lib64"
    copy_with_libs "$root" "$HOST_NODE" /nodejs/bin/node
    [ -x "$root/nodejs/bin/node" ] || return 1
    cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
    cat >"$root/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
EOF
    printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
    printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
    printf 'PRETTY_NAME="Distroless-like e2e stand-in"\nID=debian\n' >"$root/etc/os-release"
    [ -r /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
    install -d -m 1777 "$root/tmp"
    install -d -m 0700 "$root/root"
    install -d -m 0700 -o 65532 -g 65532 "$root/home/nonroot"
    # what must NOT be there
    local bad
    for bad in bin/sh usr/bin/sh bin/ls usr/bin/env usr/bin/apt-get; do
        [ -e "$root/$bad" ] && { log "distroless rootfs unexpectedly has /$bad"; return 1; }
    done
    return 0
}

distroless_rootfs_tar() {
    local key out
    key=$("$HOST_NODE" --version 2>/dev/null)-$(sha256sum "$HOST_NODE" | cut -c1-12)
    out="$E2E_CACHE/distroless-like-node-$key.tar"
    if [ -s "$out" ]; then printf '%s\n' "$out"; return 0; fi
    local dir="$E2E_CACHE/distroless-rootfs.tmp"
    rm -rf "$dir"
    distroless_rootfs "$dir" || { rm -rf "$dir"; return 1; }
    tar -C "$dir" --numeric-owner -cf "$out.tmp" . && mv "$out.tmp" "$out"
    rm -rf "$dir"
    printf '%s\n' "$out"
}

# ---------------------------------------------------------------------------------------------
# HTTP to 127.0.0.1 only

http_get() { curl -sS --max-time "${2:-5}" "$1"; }
# wait_http URL SECONDS [EXPECTED_CODE]: poll until URL answers EXPECTED_CODE (default 200).
wait_http() {
    local url=$1 secs=$2 want=${3:-200} end code
    end=$((SECONDS + secs))
    while [ "$SECONDS" -lt "$end" ]; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null) || true
        [ "$code" = "$want" ] && return 0
        sleep 0.2
    done
    return 1
}
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_child PID SECONDS : wait for a child of this shell; sets WAIT_RC (124 on timeout).
wait_child() {
    local pid=$1 secs=$2 end
    end=$((SECONDS + secs))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then WAIT_RC=124; return 1; fi
    wait "$pid"; WAIT_RC=$?
    return 0
}

# ---------------------------------------------------------------------------------------------
# runc helpers. State lives under a private --root so nothing else's containers are touched.

RUNC=runc
runc_init() {
    ensure_pkgs runc || return 1
    RUNC_ROOT="$E2E_TMP/runc-state"; mkdir -p "$RUNC_ROOT"
    RUNC="runc --root $RUNC_ROOT"
    on_exit "runc_cleanup_all"
}
runc_cleanup_all() {
    local id
    for id in $(timeout 10 $RUNC list -q 2>/dev/null); do
        timeout 10 $RUNC kill "$id" KILL 2>/dev/null
        timeout 20 $RUNC delete -f "$id" 2>/dev/null
    done
}

# runc_bundle BUNDLE ROOTFS JS : `runc spec` in BUNDLE, root.path = ROOTFS, then run the JS
# statements on the parsed config `c` (host node edits the JSON).
runc_bundle() {
    local b=$1 rootfs=$2 js=$3
    mkdir -p "$b" && rm -f "$b/config.json"
    (cd "$b" && runc spec) || return 1
    "$HOST_NODE" -e '
        const fs = require("fs");
        const [f, rootfs, js] = process.argv.slice(1);
        const c = JSON.parse(fs.readFileSync(f, "utf8"));
        c.root = { path: rootfs, readonly: true };
        c.process.terminal = false;
        c.hostname = "shim-e2e";
        // host network: 127.0.0.1 inside is the host loopback
        c.linux.namespaces = c.linux.namespaces.filter((n) => n.type !== "network");
        c.mounts.push({ destination: "/tmp", type: "tmpfs", source: "tmpfs",
                        options: ["nosuid", "nodev", "mode=1777", "size=256m"] });
        const caps = (list) => ({ bounding: list, effective: list, permitted: list,
                                  inheritable: [], ambient: [] });
        const DOCKER_DEFAULT_CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
            "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"];
        const bind = (src, dst, ro = true) => c.mounts.push({ destination: dst, type: "bind",
            source: src, options: ["rbind", ro ? "ro" : "rw", "nosuid", "nodev"] });
        new Function("c", "caps", "DOCKER_DEFAULT_CAPS", "bind", js)(c, caps, DOCKER_DEFAULT_CAPS, bind);
        fs.writeFileSync(f, JSON.stringify(c, null, 2));
    ' "$b/config.json" "$rootfs" "$js"
}

# runc_start BUNDLE ID : `runc run` in the background, stdio to BUNDLE/stdout|stderr; sets RUNC_PID.
# (Not detached: runc stays the parent and its exit status is the container's, i.e. the shim's.)
runc_start() {
    local b=$1 id=$2
    $RUNC run --bundle "$b" "$id" </dev/null >"$b/stdout" 2>"$b/stderr" &
    RUNC_PID=$!
}
# runc_wait ID SECONDS : wait for RUNC_PID to end; WAIT_RC = exit status of the container process.
runc_wait() { wait_child "$RUNC_PID" "$2"; }
runc_remove() {
    timeout 10 $RUNC kill "$1" KILL >/dev/null 2>&1
    [ -n "${RUNC_PID:-}" ] && wait_child "$RUNC_PID" 10
    timeout 20 $RUNC delete -f "$1" >/dev/null 2>&1
    return 0
}

# podman_private DIR RUNTIME : Podman with nothing system-wide used or changed: a private
# containers.conf and storage.conf (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF, exported) put storage,
# run state, temp and volumes below DIR; host network, no CNI network, the OCI RUNTIME; ulimits
# within this host's hard limits (Podman's defaults may exceed them, and root cannot raise them in a
# container). Root's blob-info cache (/var/lib/containers/cache) is removed at exit if this made it.
podman_private() {
    local pd=$1 runtime=$2 nofile nproc
    mkdir -p "$pd/cni" "$pd/tmp"
    nofile=$(ulimit -Hn); nproc=$(ulimit -Hu)
    [ "$nofile" = unlimited ] || [ "$nofile" -gt 1048576 ] && nofile=1048576
    [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ] && nproc=32768
    cat >"$pd/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
netns = "host"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$pd/events.log"
tmp_dir = "$pd/tmp"
volume_path = "$pd/volumes"
runtime = "$runtime"
[network]
network_backend = "cni"
network_config_dir = "$pd/cni"
default_network = "none"
EOF
    printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/root"\nrunroot = "%s/run"\n' "$pd" "$pd" >"$pd/storage.conf"
    export CONTAINERS_CONF="$pd/containers.conf" CONTAINERS_STORAGE_CONF="$pd/storage.conf"
    [ -e /var/lib/containers/cache ] || on_exit "rm -rf /var/lib/containers/cache; rmdir /var/lib/containers"
}
