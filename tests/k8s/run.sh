#!/usr/bin/env bash
# make test-k8s: what an operator applies, checked against the schemas the cluster uses (tests/k8s/k8s.py):
# the checker's own self-test; --export-profile spo and --learned spo output against the SeccompProfile CRDs
# of SPO 0.9.1 and 1.0.0; every YAML block of README.md, docs/ and examples/; each values overlay of
# examples/openchoreo against the chart's values.schema.json and the Deployment it renders to.
# No root, no cluster, no network. Prints "N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
SHIM=${SHIM:-build/shim}
K8S="python3 tests/k8s/k8s.py"
TMP=$(mktemp -d /tmp/shim-k8s.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
chmod 0755 "$TMP"   # learn mode writes as 65532
passed=0 failed=0
check() {   # WHAT COMMAND...
    local what=$1 out
    shift
    if out=$("$@" 2>&1); then
        echo "PASS: $what"; passed=$((passed + 1))
    else
        printf '%s\n' "$out" | sed 's/^/    /'
        echo "FAIL: $what"; failed=$((failed + 1))
    fi
}

check "the checker rejects each known-bad document (pod-level allowPrivilegeEscalation, SPO v1 on 0.9, defaultErrnoRet, localhostProfile in the chart's values, ...)" $K8S selftest

# SPO exports: the default profile, a learned one (learn mode on a short command), Docker's and Podman's
# profiles where test-deps fetched them; the longest name allowed (253).
long=$(printf 'a%.0s' $(seq 1 253))
"$SHIM" --export-profile spo seccomp/default.json shim-default >"$TMP/spo-default.json" 2>/dev/null
"$SHIM" --export-profile spo seccomp/pid1.json "$long" >"$TMP/spo-long.json" 2>/dev/null
for p in build/test-deps/moby-default.json build/test-deps/podman-seccomp.json; do
    [ -s "$p" ] && "$SHIM" --export-profile spo "$p" "x.$(basename "$p" .json)" >"$TMP/spo-$(basename "$p")" 2>/dev/null
done
mkdir -m 0777 "$TMP/learn"
if SHIM_SECCOMP_MODE=learn SHIM_LEARN_FILE="$TMP/learn/p.json" unshare --pid --fork --mount-proc "$SHIM" /bin/true \
    2>/dev/null; then
    SHIM_SECCOMP_MODE=learn SHIM_LEARN_FILE="$TMP/learn/p.json" "$SHIM" --learned spo learned-app \
        >"$TMP/spo-learned.json" 2>/dev/null
fi
n=$(find "$TMP" -maxdepth 1 -name 'spo-*.json' -size +0 | wc -l)
check "$n SeccompProfile exports (default, pid1 named with 253 characters, learned via --learned spo, Docker's, Podman's) apply on SPO 0.9.1 and 1.0.0" \
    bash -c "[ -s $TMP/spo-default.json ] && [ -s $TMP/spo-long.json ] && [ -s $TMP/spo-learned.json ] && $K8S spo $TMP/spo-*.json"

mapfile -t docs < <(find examples docs -name '*.yaml' -o -name '*.md' | sort)
check "every YAML block in README.md, docs/ and examples/ (${#docs[@]} files) is valid for its kind, unknown fields rejected" \
    $K8S docs README.md "${docs[@]}"
check "the OpenChoreo values overlays (complain, learn, enforce) pass the chart's values.schema.json and render to a valid Deployment" \
    $K8S values examples/openchoreo/values-*.yaml
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
