# shellcheck shell=bash
# The Backstage backend of tests/fixtures/e2e/backstage under runc with the shim, for the e2e test
# backstage.sh and the bench's Backstage section (bench/backstage.sh). Sourced after lib.sh, once
# e2e_init has run (E2E_TMP); runc_init before backstage_start.
#
#   backstage_app       node_modules by `npm ci` into build/e2e/backstage-app, reused while package*.json
#                       and the Node version are unchanged (sets BS_APP_NOTE; the npm log is in
#                       E2E_TMP/npm.log and build/e2e/backstage-npm.log)
#   backstage_rootfs    the distroless-like root with build/shim as /shim (ROOTFS)
#   backstage_bundle NAME ARGS_JSON EXTRA_JS, backstage_start NAME ID, backstage_stop ID SECONDS
# Environment: E2E_BACKSTAGE_PORT (default 17307), the port the backend listens on (host network);
# BS_NPM_TRIES (default 3) tries of `npm ci` of at most BS_NPM_LIMIT seconds each (default 1200).

PORT=${E2E_BACKSTAGE_PORT:-17307}
BS_FIX="$FIXTURES/backstage"
APP="$E2E_CACHE/backstage-app"
BASE="http://127.0.0.1:$PORT"
SHIM_ARGS='["/shim", "node", "index.js", "--config", "app-config.yaml"]'
NODE_ARGS='["/nodejs/bin/node", "index.js", "--config", "app-config.yaml"]'
BS_NPM_TRIES=${BS_NPM_TRIES:-3}
BS_NPM_LIMIT=${BS_NPM_LIMIT:-1200}

# backstage_app : node_modules (cached) and the app's own files in APP; 1 when npm ci fails.
backstage_app() {
    local stamp t0
    stamp=$(cat "$BS_FIX/package.json" "$BS_FIX/package-lock.json" | sha256sum | cut -c1-16)-$("$HOST_NODE" --version)
    if [ "$(cat "$APP/.e2e-stamp" 2>/dev/null)" != "$stamp" ] || [ ! -d "$APP/node_modules" ]; then
        log "npm ci into $APP (better-sqlite3 builds from source; a few minutes)"
        rm -rf "$APP"; mkdir -p "$APP"
        cp "$BS_FIX/package.json" "$BS_FIX/package-lock.json" "$APP/"
        # node-gyp: the installed Node's own headers (no header download), compile instead of the
        # prebuilt binary download, which cannot be reached here.
        [ -r /usr/include/node/node.h ] && export npm_config_nodedir=/usr
        export npm_config_build_from_source=better-sqlite3
        t0=$SECONDS
        if ! (cd "$APP" && retry "$BS_NPM_TRIES" 10 timeout -k 30 "$BS_NPM_LIMIT" npm ci --no-audit --no-fund --loglevel=warn) >"$E2E_TMP/npm.log" 2>&1; then
            cp "$E2E_TMP/npm.log" "$E2E_CACHE/backstage-npm.log"
            BS_APP_NOTE="npm ci of the Backstage fixture failed or ran out of time ($BS_NPM_TRIES × at most $BS_NPM_LIMIT s; log: $E2E_CACHE/backstage-npm.log)"
            return 1
        fi
        echo "$stamp" >"$APP/.e2e-stamp"
        cp "$E2E_TMP/npm.log" "$E2E_CACHE/backstage-npm.log"
        BS_APP_NOTE="npm ci of the Backstage fixture ($((SECONDS - t0))s)"
    else
        BS_APP_NOTE="Backstage node_modules reused from the cache ($APP)"
    fi
    cp "$BS_FIX/index.js" "$BS_FIX/app-config.yaml" "$BS_FIX/catalog.yaml" "$APP/"
}

# backstage_rootfs : ROOTFS = E2E_TMP/rootfs, the distroless-like root with the shim as /shim.
backstage_rootfs() {
    local tar
    tar=$(distroless_rootfs_tar) || return 1
    ROOTFS="$E2E_TMP/rootfs"
    mkdir -p "$ROOTFS" && tar -C "$ROOTFS" -xf "$tar" && install -m 0755 "$SHIM_BIN" "$ROOTFS/shim"
}

# backstage_bundle NAME ARGS_JSON EXTRA_JS : bundle E2E_TMP/bundle-NAME running the app as the
# OpenChoreo chart does (uid/gid 1000, supplementary group 1000, noNewPrivileges, no capabilities).
backstage_bundle() {
    runc_bundle "$E2E_TMP/bundle-$1" "$ROOTFS" "
        c.process.args = $2;
        c.process.cwd = '/app';
        c.process.env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
                         'NODE_ENV=production', 'NODE_OPTIONS=--no-node-snapshot',
                         'BACKSTAGE_PORT=$PORT'];
        c.process.user = { uid: 1000, gid: 1000, additionalGids: [1000] };
        c.process.noNewPrivileges = true;
        c.process.capabilities = caps([]);
        bind('$APP', '/app');
        $3"
}

now_ms() { date +%s%3N; }
# backstage_start NAME ID : start bundle NAME as container ID; sets BOOT_MS (runc run -> readiness 200).
backstage_start() {
    local b="$E2E_TMP/bundle-$1" id=$2 t0 end code
    port_free "$PORT" || { log "port $PORT busy"; return 1; }
    t0=$(now_ms)
    runc_start "$b" "$id"
    end=$((SECONDS + 180))
    BOOT_MS=""
    while [ "$SECONDS" -lt "$end" ] && kill -0 "$RUNC_PID" 2>/dev/null; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/.backstage/health/v1/readiness") || true
        if [ "$code" = 200 ]; then BOOT_MS=$(($(now_ms) - t0)); return 0; fi
        sleep 0.1
    done
    return 1
}
# backstage_stop ID SECONDS : runc kill TERM, wait; WAIT_RC = exit status of the container's process.
backstage_stop() {
    timeout 10 $RUNC kill "$1" TERM >/dev/null 2>&1
    runc_wait "$1" "$2"
    local rc=$WAIT_RC
    runc_remove "$1"
    WAIT_RC=$rc
}
