#!/usr/bin/env bash
# bench/backstage.sh RAWDIR ROUNDS : the Backstage section of bench/run.sh. The real Backstage backend
# of the e2e test (tests/e2e/backstage.sh: same app, same distroless-like root, same runc bundle as the
# OpenChoreo chart runs it; tests/e2e/backstagelib.sh) boots ROUNDS times under the shim in enforce mode
# (default profile) and ROUNDS times in learn mode (SHIM_SECCOMP_MODE=learn, the learned file deleted
# before each learn boot, so every round learns from scratch), alternating (enforce, learn, then learn,
# enforce, ...). Time to ready: `runc run` -> the readiness endpoint answers 200 (polled every 100 ms).
# Writes RAWDIR/backstage.tsv (round, mode, ms or FAIL, container exit status), RAWDIR/backstage.txt
# (status=ok|skipped, note=..., learn_summary=...) and RAWDIR/learned_backstage.json (the last learn
# boot's profile). Skips (status=skipped, exit 0) when runc, the build tools or the app cannot be had.
# Environment: E2E_BACKSTAGE_PORT (bench/run.sh sets BENCH_PORT + 1), E2E_CACHE (default build/e2e),
# BS_NPM_LIMIT: seconds for the one `npm ci` when the app is not cached (bench/run.sh: its budget for the
# section less 240 s; `npm ci` runs in its own timeout's process group, so this limit, not bench/run.sh's
# outer timeout, is what stops it).
RAWDIR=$1
ROUNDS=$2
source "$(dirname "$0")/../tests/e2e/lib.sh"
e2e_init bench-backstage
BS_NPM_TRIES=1
source "$E2E_DIR/backstagelib.sh"

OUT=$RAWDIR/backstage.txt
# phase WHAT : what the section is doing (bench/run.sh names it when the section runs out of time).
phase() { printf 'status=running\nphase=%s\n' "$1" >"$OUT"; log "$1"; }
skip() { printf 'status=skipped\nnote=%s\n' "$1" >"$OUT"; log "skipped: $1"; E2E_DONE=1; exit 0; }

phase "installing curl, python3, make, g++, runc if missing"
ensure_pkgs curl python3 make g++ || skip "cannot install curl, python3, make, g++ (node-gyp) from Debian"
runc_init || skip "cannot install runc from Debian"
ensure_shim || skip "no build/shim"
phase "building the Backstage app (npm ci into $APP unless cached)"
backstage_app || skip "$BS_APP_NOTE"
app_note=$BS_APP_NOTE
phase "building the distroless-like root"
backstage_rootfs || skip "cannot build the distroless-like root filesystem"
port_free "$PORT" || skip "port $PORT is in use (set BENCH_PORT)"

LEARN="$E2E_TMP/learn"
mkdir -p "$LEARN" && chmod 777 "$LEARN"
backstage_bundle enforce "$SHIM_ARGS" "" || skip "runc bundle failed"
backstage_bundle learn "$SHIM_ARGS" "c.process.env.push('SHIM_SECCOMP_MODE=learn', 'SHIM_LEARN_FILE=/learn/backstage.json');
    bind('$LEARN', '/learn', false);" || skip "runc bundle failed"

: >"$RAWDIR/backstage.tsv"
summary=""
for ((r = 0; r < ROUNDS; r++)); do
    order="enforce learn"
    [ $((r % 2)) = 1 ] && order="learn enforce"
    for mode in $order; do
        phase "round $r $mode"
        [ "$mode" = learn ] && rm -f "$LEARN/backstage.json" "$LEARN/backstage.json.review.json"
        id="shim-bench-bs-$mode-$r-$$"
        ms=FAIL
        backstage_start "$mode" "$id" && ms=$BOOT_MS
        backstage_stop "$id" 60
        printf '%s\t%s\t%s\t%s\n' "$r" "$mode" "$ms" "$WAIT_RC" >>"$RAWDIR/backstage.tsv"
        log "round $r $mode: $ms ms, exit status $WAIT_RC"
        if [ "$mode" = learn ]; then
            summary=$(grep -h 'shim: learn: wrote' "$E2E_TMP/bundle-learn/stderr" | tail -n 1)
            [ -s "$LEARN/backstage.json" ] && cp "$LEARN/backstage.json" "$RAWDIR/learned_backstage.json"
        fi
    done
done
printf 'status=ok\nnote=%s; port %s\nlearn_summary=%s\n' "$app_note" "$PORT" "$summary" >"$OUT"
E2E_DONE=1
