#!/usr/bin/env bash
# End-to-end tests: docker.sh, runc.sh, podman-crun.sh, podman-runc.sh, containerd.sh (the runtime
# matrix, matrix.sh, runs inside each of these five), cri.sh (pods through containerd's CRI plugin),
# backstage.sh in this order (or the parts named on the command line; `run.sh release` is `make
# test-release`), each bounded in time. Prints every PASS/FAIL line, the REPORT lines (image size,
# Backstage boot times), and a last line "N passed, N failed"; exits non-zero if anything failed.
# Needs root. Time limits (seconds) can be changed with E2E_LIMIT_DOCKER, E2E_LIMIT_RUNC,
# E2E_LIMIT_MATRIX (each of podman-crun, podman-runc, containerd), E2E_LIMIT_CRI, E2E_LIMIT_BACKSTAGE; the
# defaults add up to 95 minutes, well above what a fresh machine needs (the Docker part builds libseccomp in a
# container: slow on a loaded machine).
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
[ "$#" -gt 0 ] && parts=("$@") || parts=(docker runc podman-crun podman-runc containerd cri backstage)

limit_for() {
    case $1 in
        docker) echo "${E2E_LIMIT_DOCKER:-2400}" ;;
        runc) echo "${E2E_LIMIT_RUNC:-600}" ;;
        backstage) echo "${E2E_LIMIT_BACKSTAGE:-1200}" ;;
        podman-crun|podman-runc|containerd) echo "${E2E_LIMIT_MATRIX:-600}" ;;
        cri) echo "${E2E_LIMIT_CRI:-600}" ;;
        release) echo "${E2E_LIMIT_RELEASE:-1800}" ;;
        *) echo 300 ;;
    esac
}

SUMMARY=$(mktemp /tmp/shim-e2e-summary.XXXXXX)
trap 'rm -f "$SUMMARY"' EXIT
passed=0 failed=0 t_all=$SECONDS
for p in "${parts[@]}"; do
    script="$DIR/$p.sh"
    if [ ! -f "$script" ]; then
        echo "FAIL: e2e: no test part named $p"; failed=$((failed + 1)); continue
    fi
    limit=$(limit_for "$p")
    echo "== e2e $p (limit ${limit}s)"
    t0=$SECONDS
    E2E_SUMMARY_FILE=$SUMMARY timeout -k 60 "$limit" bash "$script"
    rc=$?
    line=$(awk -v n="$p" '$1 == n' "$SUMMARY" | tail -n 1)
    if [ -z "$line" ]; then
        echo "FAIL: e2e: $p.sh ended (status $rc$([ "$rc" = 124 ] && echo ", time limit ${limit}s")) without its summary"
        failed=$((failed + 1))
    else
        read -r _ np nf <<<"$line"
        passed=$((passed + np)); failed=$((failed + nf))
        if [ "$rc" != 0 ] && [ "$nf" = 0 ]; then
            echo "FAIL: e2e: $p.sh exited with status $rc"; failed=$((failed + 1))
        fi
    fi
    echo "== e2e $p: $((SECONDS - t0))s"
done
echo "e2e: ${parts[*]} in $((SECONDS - t_all))s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
