# Sourced by scripts/deps.sh and scripts/deps-aarch64.sh: their messages and
# the logged steps of a build. The caller sets ME (message prefix) and LOGS.

say() { echo "$ME: $*"; }
die() { echo "$ME: error: $*" >&2; exit 1; }

# run LOG CMD...: append CMD's output to $LOGS/LOG.log (and show it with V=1);
# on failure print the log's tail and stop.
run() {
    local log=$LOGS/$1.log
    shift
    echo "+ $*" >>"$log"
    [[ ${V:-0} != 1 ]] || echo "+ $*"
    if ! if [[ ${V:-0} == 1 ]]; then "$@" 2>&1 | tee -a "$log"; else "$@" >>"$log" 2>&1; fi; then
        echo "$ME: FAILED: $* (last lines of $log):" >&2
        tail -n 40 "$log" >&2
        exit 1
    fi
}
