#!/usr/bin/env bash
# e2e: a minimal real Backstage backend (release 1.45 train, from npm) under the shim in runc.
#
# App: tests/fixtures/e2e/backstage (package.json with every @backstage/* package pinned through
# `overrides`, package-lock.json, index.js, app-config.yaml, catalog.yaml); node_modules is
# installed with `npm ci` into build/e2e/backstage-app and reused while package*.json and the
# Node version are unchanged. better-sqlite3 is compiled from source (no prebuilt download here).
# Container: distroless-like read-only rootfs, the app bind-mounted read-only at /app, tmpfs /tmp,
# host network, started the way the OpenChoreo chart runs it (uid/gid 1000, supplementary group
# 1000, noNewPrivileges, no capabilities), args ["/shim", "node", "index.js", "--config",
# "app-config.yaml"], NODE_ENV=production, NODE_OPTIONS=--no-node-snapshot.
# Checks: readiness 200, a catalog entity by name, a search hit, the proxy plugin, seccomp on the
# node process (default profile, enforce mode); zero "would deny" lines in complain mode; runc
# kill TERM -> exit 0; learn mode, enforce with the learned profile, and its Kubernetes export as
# the container's own profile. Then boot time (runc run -> readiness 200), shim vs plain node.
# Environment: E2E_BACKSTAGE_PORT (default 17307), E2E_BOOT_ROUNDS (default 5).
source "$(dirname "$0")/lib.sh"
e2e_init backstage

source "$(dirname "$0")/backstagelib.sh"

ROUNDS=${E2E_BOOT_ROUNDS:-5}
ENTITY=shim-e2e-service
TERM_WORD=quokkasaurus

ensure_pkgs curl python3 make g++ || { fail "install curl, python3, make, g++ (node-gyp)"; exit 1; }
runc_init || { fail "install runc"; exit 1; }
ensure_shim || { fail "build/shim exists (make)"; exit 1; }

# ---------------------------------------------------------------------------------------------
# node_modules (cached)
if backstage_app; then
    pass "$BS_APP_NOTE"
else
    tail -n 30 "$E2E_TMP/npm.log" >&2
    fail "$BS_APP_NOTE"; exit 1
fi
(cd "$APP" && timeout 30 "$HOST_NODE" -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()")
report $? "better-sqlite3 native module loads"
"$HOST_NODE" -e '
    const l = require(process.argv[1]);
    const v = l.packages["node_modules/@backstage/backend-defaults"].version;
    console.log("REPORT: backstage: @backstage/backend-defaults " + v + ", " +
        Object.keys(l.packages).filter((k) => /node_modules\/@backstage\/[^/]+$/.test(k)).length +
        " @backstage packages, " + (Object.keys(l.packages).length - 1) + " packages");
' "$APP/node_modules/.package-lock.json" 2>/dev/null

backstage_rootfs || { fail "distroless-like rootfs"; exit 1; }

guest_token() {
    curl -sS --max-time 10 -H 'X-Requested-With: XMLHttpRequest' "$BASE/api/auth/guest/refresh?env=development" |
        "$HOST_NODE" -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
            try { console.log(JSON.parse(s).backstageIdentity.token); } catch { process.exit(1); } })'
}

# exercise NAME : the API checks against a running backend (prefix NAME on each check).
exercise() {
    local n=$1 token body end
    token=$(guest_token)
    [ -n "$token" ]
    report $? "$n: guest sign-in (auth plugin, guest provider) issues a token"
    end=$((SECONDS + 60)); body=""
    while [ "$SECONDS" -lt "$end" ]; do
        body=$(curl -s --max-time 5 -H "Authorization: Bearer $token" \
            "$BASE/api/catalog/entities/by-name/component/default/$ENTITY")
        grep -q "\"name\":\"$ENTITY\"" <<<"$body" && break
        sleep 1
    done
    grep -q "\"name\":\"$ENTITY\"" <<<"$body"
    report $? "$n: catalog serves component:default/$ENTITY by name"
    end=$((SECONDS + 90)); body=""
    while [ "$SECONDS" -lt "$end" ]; do
        body=$(curl -s --max-time 5 -H "Authorization: Bearer $token" "$BASE/api/search/query?term=$TERM_WORD")
        grep -q "\"title\":\"$ENTITY\"" <<<"$body" && break
        sleep 1
    done
    grep -q "\"title\":\"$ENTITY\"" <<<"$body"
    report $? "$n: search for '$TERM_WORD' returns $ENTITY (catalog collator, Lunr)"
    body=$(curl -s --max-time 5 "$BASE/api/proxy/self/liveness")
    [ "$body" = '{"status":"ok"}' ]
    report $? "$n: proxy plugin forwards /api/proxy/self/liveness ($body)"
    body=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$BASE/api/catalog/entities")
    [ "$body" = 401 ]
    report $? "$n: unauthenticated catalog request is refused ($body, want 401: the default auth policy is active)"
}

# node_status ID : Uid/Seccomp/NoNewPrivs of the container's node process, from the host.
node_status() {
    local p
    for p in $(timeout 10 $RUNC ps -f json "$1" 2>/dev/null | tr -d '[]' | tr ',' ' '); do
        if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = node ] || grep -q '^Name:.*node' "/proc/$p/status" 2>/dev/null; then
            awk '/^(Uid|Gid|Seccomp|NoNewPrivs|CapEff):/ { printf "%s %s ", $1, $2 }' "/proc/$p/status"
            return 0
        fi
    done
    return 1
}

# ---------------------------------------------------------------------------------------------
# 1. enforce mode (SHIM_SECCOMP unset = default profile, SHIM_SECCOMP_MODE unset = enforce)
backstage_bundle enforce "$SHIM_ARGS" "" || { fail "runc bundle"; exit 1; }
ID="shim-e2e-bs-enforce-$$"
if backstage_start enforce "$ID"; then
    pass "enforce: readiness 200 in ${BOOT_MS} ms under the shim (uid 1000, no caps, NNP)"
    st=$(node_status "$ID")
    grep -q 'Uid: 1000 .*Seccomp: 2' <<<"$st"
    report $? "enforce: node runs as uid 1000 under seccomp filter mode ($st)"
    exercise enforce
    backstage_stop "$ID" 60
    [ "$WAIT_RC" = 0 ]
    report $? "enforce: runc kill TERM: Backstage shuts down, shim exits $WAIT_RC (want 0)"
else
    fail "enforce: readiness 200 under the shim within 180 s"
    tail -n 30 "$E2E_TMP/bundle-enforce/stderr" "$E2E_TMP/bundle-enforce/stdout" >&2
    runc_remove "$ID"
fi
cp "$E2E_TMP/bundle-enforce/stdout" "$E2E_CACHE/backstage-enforce.stdout" 2>/dev/null
cp "$E2E_TMP/bundle-enforce/stderr" "$E2E_CACHE/backstage-enforce.stderr" 2>/dev/null
denied=$(grep -c 'Operation not permitted\|EPERM\|SIGSYS\|Bad system call' "$E2E_TMP/bundle-enforce/stdout" "$E2E_TMP/bundle-enforce/stderr" 2>/dev/null | awk -F: '{ s += $NF } END { print s + 0 }')
log "enforce: $denied EPERM/SIGSYS-looking log lines (information only)"

# 2. complain mode: same workload, the filter only logs what it would deny
backstage_bundle complain "$SHIM_ARGS" "c.process.env.push('SHIM_SECCOMP_MODE=complain');" || { fail "runc bundle"; exit 1; }
ID="shim-e2e-bs-complain-$$"
if backstage_start complain "$ID"; then
    pass "complain: readiness 200 in ${BOOT_MS} ms under the shim (SHIM_SECCOMP_MODE=complain)"
    exercise complain
    backstage_stop "$ID" 60
    [ "$WAIT_RC" = 0 ]
    report $? "complain: runc kill TERM: shim exits $WAIT_RC (want 0)"
    n=$(cat "$E2E_TMP/bundle-complain/stderr" "$E2E_TMP/bundle-complain/stdout" | grep -c 'would deny')
    [ "$n" = 0 ]
    report $? "complain: $n 'would deny' lines for a full Backstage boot + catalog + auth + search + proxy"
    [ "$n" = 0 ] || grep 'would deny' "$E2E_TMP/bundle-complain/stderr" | sed 's/ pid=.*//' | sort | uniq -c >&2
else
    fail "complain: readiness 200 under the shim within 180 s"
    tail -n 30 "$E2E_TMP/bundle-complain/stderr" >&2
    runc_remove "$ID"
fi
cp "$E2E_TMP/bundle-complain/stderr" "$E2E_CACHE/backstage-complain.stderr" 2>/dev/null

# Positive control for the line above: in the same container setup, node with libuv's io_uring
# enabled calls io_uring_setup, which the default profile denies: complain mode must say so.
backstage_bundle control '["/shim", "node", "-e", "require(\"fs\").promises.readFile(\"/app/index.js\").then(() => console.log(\"read\"))"]' \
    "c.process.env.push('SHIM_SECCOMP_MODE=complain', 'UV_USE_IO_URING=1');" || { fail "runc bundle"; exit 1; }
runc_start "$E2E_TMP/bundle-control" "shim-e2e-bs-control-$$"
runc_wait "shim-e2e-bs-control-$$" 30
rc=$WAIT_RC
runc_remove "shim-e2e-bs-control-$$"
n=$(grep -c 'would deny io_uring' "$E2E_TMP/bundle-control/stderr")
[ "$rc" = 0 ] && [ "$n" -ge 1 ] && grep -q read "$E2E_TMP/bundle-control/stdout"
report $? "complain control: io_uring use (UV_USE_IO_URING=1) gives $n 'would deny io_uring' line(s), node still works (exit $rc)"

# 4. learn mode: learn the backend's profile in the chart's start (emptyDir-like writable volume
#    at /learn), boot it in enforce mode with the learned profile, then the Kubernetes export of
#    that profile as the container's own seccomp profile (runc applies it), the shim enforcing
#    the learned one inside.
LEARN="$E2E_TMP/learn"
mkdir -p "$LEARN" && chmod 777 "$LEARN"
backstage_bundle learn "$SHIM_ARGS" "c.process.env.push('SHIM_SECCOMP_MODE=learn', 'SHIM_LEARN_FILE=/learn/backstage.json');
    bind('$LEARN', '/learn', false);" || { fail "runc bundle"; exit 1; }
ID="shim-e2e-bs-learn-$$"
if backstage_start learn "$ID"; then
    pass "learn: readiness 200 in ${BOOT_MS} ms under the shim (SHIM_SECCOMP_MODE=learn)"
    exercise learn
    backstage_stop "$ID" 60
    [ "$WAIT_RC" = 0 ]
    report $? "learn: runc kill TERM: shim exits $WAIT_RC (want 0)"
    summary=$(grep 'shim: learn: wrote' "$E2E_TMP/bundle-learn/stderr")
    grep -q '; 0 outside the base' <<<"$summary"
    report $? "learn: one summary line, nothing outside the default profile ($summary)"
    echo "REPORT: backstage learned profile: ${summary#shim: learn: }"
    # Argument values learned (issue 25): socket and clone at least are narrowed to what ran.
    nargs=$(sed -n 's/.* observed), \([0-9]*\) argument rules;.*/\1/p' <<<"$summary")
    rules=$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(" ".join(sorted({r["names"][0] for r in p["syscalls"] if r["action"]=="SCMP_ACT_ALLOW" and r.get("args")})))' "$LEARN/backstage.json")
    [ "${nargs:-0}" -ge 2 ] && grep -qw socket <<<"$rules" && grep -qw clone <<<"$rules"
    report $? "learn: argument values learned: ${nargs:-none} argument rules, for: $rules"
    compiled=$("$SHIM_BIN" --compile-profile "$LEARN/backstage.json" "$LEARN/backstage.bpf" 2>&1)
    grep -q ': enforce [0-9]* instructions (range program)' <<<"$compiled"
    report $? "learn: the learned profile gets the range program ($compiled)"
    echo "REPORT: backstage argument rules: $(python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print("; ".join(r["names"][0]+" "+" && ".join("arg%d%s%s" % (a["index"], " & %d == " % a["value"] if a["op"]=="SCMP_CMP_MASKED_EQ" else " == ", a.get("valueTwo",0) if a["op"]=="SCMP_CMP_MASKED_EQ" else a["value"]) for a in r["args"]) for r in p["syscalls"] if r["action"]=="SCMP_ACT_ALLOW" and r.get("args")))' "$LEARN/backstage.json")"
    cp "$LEARN/backstage.json" "$LEARN/backstage.json.review.json" "$E2E_CACHE/" 2>/dev/null
else
    fail "learn: readiness 200 under the shim within 180 s"
    tail -n 30 "$E2E_TMP/bundle-learn/stderr" >&2
    runc_remove "$ID"
fi

backstage_bundle learned "$SHIM_ARGS" "c.process.env.push('SHIM_SECCOMP=/learn/backstage.json');
    bind('$LEARN', '/learn');" || { fail "runc bundle"; exit 1; }
ID="shim-e2e-bs-learned-$$"
if [ -s "$LEARN/backstage.json" ] && backstage_start learned "$ID"; then
    pass "learned: readiness 200 in ${BOOT_MS} ms in enforce mode with the learned profile"
    exercise learned
    backstage_stop "$ID" 60
    [ "$WAIT_RC" = 0 ] && ! grep -q 'shim: ' "$E2E_TMP/bundle-learned/stderr"
    report $? "learned: runc kill TERM: shim exits $WAIT_RC (want 0), no shim message"
else
    fail "learned: readiness 200 with the learned profile within 180 s"
    tail -n 30 "$E2E_TMP/bundle-learned/stderr" >&2
    runc_remove "$ID"
fi

if "$SHIM_BIN" --export-profile localhost "$LEARN/backstage.json" >"$LEARN/k8s.json" 2>"$LEARN/export.err"; then
    pass "export: shim --export-profile localhost of the learned profile"
else
    fail "export: shim --export-profile localhost: $(cat "$LEARN/export.err")"
fi
backstage_bundle exported "$SHIM_ARGS" "c.process.env.push('SHIM_SECCOMP=/learn/backstage.json');
    c.linux.seccomp = $(cat "$LEARN/k8s.json" 2>/dev/null || echo null);
    bind('$LEARN', '/learn');" || { fail "runc bundle"; exit 1; }
ID="shim-e2e-bs-exported-$$"
if backstage_start exported "$ID"; then
    pass "export: readiness 200 in ${BOOT_MS} ms with the export as the container's seccomp profile (runc)"
    st=$(node_status "$ID")
    grep -q 'Seccomp: 2' <<<"$st"
    report $? "export: node under seccomp filter mode ($st)"
    exercise exported
    backstage_stop "$ID" 60
    [ "$WAIT_RC" = 0 ]
    report $? "export: runc kill TERM: shim exits $WAIT_RC (want 0)"
else
    fail "export: readiness 200 with the export as the container's profile within 180 s"
    tail -n 30 "$E2E_TMP/bundle-exported/stderr" >&2
    runc_remove "$ID"
fi

# 3. boot time: runc run -> readiness 200, the shim vs plain node (same container setup)
backstage_bundle boot-shim "$SHIM_ARGS" "" && backstage_bundle boot-node "$NODE_ARGS" "" || { fail "runc bundles"; exit 1; }
declare -a T_SHIM=() T_NODE=()
boot_ok=1
for r in $(seq 1 "$ROUNDS"); do
    for kind in node shim; do
        ID="shim-e2e-bs-boot-$kind-$r-$$"
        if backstage_start "boot-$kind" "$ID"; then
            [ "$kind" = shim ] && T_SHIM+=("$BOOT_MS") || T_NODE+=("$BOOT_MS")
            log "boot round $r $kind: ${BOOT_MS} ms"
        else
            boot_ok=0; log "boot round $r $kind: no readiness"
        fi
        backstage_stop "$ID" 60
        [ "$WAIT_RC" = 0 ] || { boot_ok=0; log "boot round $r $kind: exit status $WAIT_RC"; }
    done
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2 ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2)); else print "n/a" }'; }
echo "REPORT: backstage boot (runc run -> readiness 200), $ROUNDS rounds, ms:"
echo "REPORT:   direct node: ${T_NODE[*]:-none}  (median $(median "${T_NODE[@]}"))"
echo "REPORT:   under shim : ${T_SHIM[*]:-none}  (median $(median "${T_SHIM[@]}"))"
{
    echo "rounds=$ROUNDS"
    echo "node_ms=${T_NODE[*]:-}"
    echo "shim_ms=${T_SHIM[*]:-}"
} >"$E2E_CACHE/backstage-boot-times.txt"
[ "$boot_ok" = 1 ] && [ "${#T_SHIM[@]}" = "$ROUNDS" ] && [ "${#T_NODE[@]}" = "$ROUNDS" ]
report $? "boot timing: $ROUNDS rounds each of shim and plain node booted and stopped with exit 0"

E2E_DONE=1
