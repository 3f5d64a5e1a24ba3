# shellcheck shell=bash
# Docker helpers for the e2e test docker.sh and scripts/build-openchoreo.sh (sourced after lib.sh):
# a private dockerd, the stand-ins for the base images Dockerfile.example names (no image
# registry here), and per-stage build times from a `--progress=plain` log.
#
# Stand-ins, made from minimal roots with no extra packages (cached under build/e2e):
#   debian:12-slim            debootstrap --variant=minbase bookworm, nothing added (lib.sh);
#   node:22-bookworm-slim     that root + what the official image adds: Node 22 in /usr/local
#                             (bin/node and include/node, from the npm registry's node-linux-<arch>
#                             package: the nodejs.org build), yarn classic 1.22.22 in
#                             /opt/yarn-v1.22.22 linked as /usr/local/bin/yarn, user node 1000:1000;
#                             plus, for this machine only, the host's CA bundle as
#                             NODE_EXTRA_CA_CERTS (the registry mirror presents a local CA);
#   distroless nodejs22       lib.sh's distroless_rootfs with that Node 22 as /nodejs/bin/node.
# Yarn 4 itself comes from the repository under build (.yarn/releases, yarnPath), as upstream.

DOCKER=${DOCKER:-/usr/bin/docker}   # Debian's CLI, same release as its dockerd (a newer CLI wants buildx)
STANDIN_NODE_VERSION=${STANDIN_NODE_VERSION:-22.23.5}
STANDIN_YARN1_VERSION=1.22.22
IMG_DEBIAN=shim-e2e/debian:12-slim
IMG_NODE=shim-e2e/node:22-bookworm-slim
IMG_RUNTIME=shim-e2e/distroless-nodejs22:nonroot

# dockerd_start DIR : a private dockerd (own data/exec root and socket under DIR, no bridge, no
# iptables); exports DOCKER_HOST and DOCKER_BUILDKIT=1, registers its stop with on_exit.
dockerd_start() {
    DDIR=$1
    mkdir -p "$DDIR"
    export DOCKER_HOST="unix://$DDIR/docker.sock"
    export DOCKER_BUILDKIT=1
    dockerd --bridge=none --iptables=false --ip-masq=false --ip-forward=false \
        --data-root "$DDIR/data" --exec-root "$DDIR/exec" -H "$DOCKER_HOST" \
        --pidfile "$DDIR/dockerd.pid" >"$DDIR/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    on_exit "dockerd_stop; kill -KILL $DOCKERD_PID"
    local _
    for _ in $(seq 1 150); do
        timeout 5 "$DOCKER" version >/dev/null 2>&1 && return 0
        kill -0 "$DOCKERD_PID" 2>/dev/null || break
        sleep 0.2
    done
    log "dockerd did not start: $(tail -n 3 "$DDIR/dockerd.log" | tr '\n' ' ')"
    return 1
}

dockerd_stop() {
    local pid cpid _
    pid=$(cat "$DDIR/dockerd.pid" 2>/dev/null) || return 0
    timeout 30 "$DOCKER" ps -aq 2>/dev/null | xargs -r timeout 60 "$DOCKER" rm -f >/dev/null 2>&1
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
    # the containerd that dockerd started for itself
    cpid=$(cat "$DDIR/exec/containerd/containerd.pid" 2>/dev/null) && kill -TERM "$cpid" 2>/dev/null
    sleep 0.5
    [ -n "$cpid" ] && kill -KILL "$cpid" 2>/dev/null
    rm -f "$DDIR/dockerd.pid"
}

# npm_pack_cached SPEC : path of the package tarball for SPEC (exact version) in build/e2e/npm.
npm_pack_cached() {
    local spec=$1 d="$E2E_CACHE/npm" f
    mkdir -p "$d"
    f=$(ls "$d"/"$(printf '%s' "${spec%@*}" | sed 's|^@||; s|/|-|')"-"${spec##*@}".tgz 2>/dev/null | head -n1)
    if [ -z "$f" ]; then
        (cd "$d" && retry 3 5 timeout 600 npm pack --silent "$spec" >/dev/null) || return 1
        f=$(ls "$d"/"$(printf '%s' "${spec%@*}" | sed 's|^@||; s|/|-|')"-"${spec##*@}".tgz 2>/dev/null | head -n1)
    fi
    [ -s "$f" ] && printf '%s\n' "$f"
}

node_arch() {
    case $(uname -m) in x86_64) echo x64 ;; aarch64) echo arm64 ;; *) return 1 ;; esac
}

# standin_node_dir : Node $STANDIN_NODE_VERSION unpacked under build/e2e (bin/node, include/node).
standin_node_dir() {
    local arch tgz d
    arch=$(node_arch) || { log "no Node build for $(uname -m)"; return 1; }
    d="$E2E_CACHE/node-v$STANDIN_NODE_VERSION-linux-$arch"
    if [ ! -x "$d/bin/node" ]; then
        tgz=$(npm_pack_cached "node-linux-$arch@$STANDIN_NODE_VERSION") || return 1
        rm -rf "$d.tmp" && mkdir -p "$d.tmp" &&
            tar -C "$d.tmp" --strip-components=1 -xzf "$tgz" package/bin/node package/include package/LICENSE &&
            rm -rf "$d" && mv "$d.tmp" "$d" || return 1
    fi
    printf '%s\n' "$d"
}

# yarn_release VERSION DEST : the yarn berry release file (bin/yarn.js of @yarnpkg/cli-dist).
yarn_release() {
    local tgz
    tgz=$(npm_pack_cached "@yarnpkg/cli-dist@$1") || return 1
    mkdir -p "$(dirname "$2")" && tar -xzf "$tgz" -O package/bin/yarn.js >"$2"
}

# standin_images : import/build the three stand-ins into the running dockerd.
standin_images() {
    local deb_tar rt_tar node_dir ctx y1
    deb_tar=$(DEBIAN_INCLUDE='' debian_rootfs_tar) || { log "debootstrap Debian 12 minbase"; return 1; }
    node_dir=$(standin_node_dir) || { log "Node $STANDIN_NODE_VERSION from the npm registry"; return 1; }
    rt_tar=$(HOST_NODE="$node_dir/bin/node" distroless_rootfs_tar) || { log "distroless-like rootfs"; return 1; }
    y1=$(npm_pack_cached "yarn@$STANDIN_YARN1_VERSION") || { log "yarn $STANDIN_YARN1_VERSION"; return 1; }
    timeout 300 "$DOCKER" import \
        -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["bash"]' \
        "$deb_tar" "$IMG_DEBIAN" >/dev/null || return 1
    timeout 300 "$DOCKER" import \
        -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        -c 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
        -c 'USER 65532' -c 'WORKDIR /home/nonroot' -c 'ENTRYPOINT ["/nodejs/bin/node"]' \
        "$rt_tar" "$IMG_RUNTIME" >/dev/null || return 1
    ctx=$(mktemp -d "${E2E_TMP:-/tmp}/node-standin.XXXXXX")
    cp -a "$node_dir" "$ctx/node"
    mkdir -p "$ctx/yarn1" && tar -C "$ctx/yarn1" --strip-components=1 -xzf "$y1"
    local ca=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt} ca_env=''
    if [ -r "$ca" ]; then
        cp "$ca" "$ctx/ca.crt"; ca_env='NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'
    else
        : >"$ctx/ca.crt"
    fi
    cat >"$ctx/Dockerfile" <<EOF
FROM $IMG_DEBIAN
COPY node/ /usr/local/
COPY yarn1/ /opt/yarn-v$STANDIN_YARN1_VERSION/
COPY ca.crt /etc/ssl/certs/ca-certificates.crt
RUN ln -s /opt/yarn-v$STANDIN_YARN1_VERSION/bin/yarn /usr/local/bin/yarn && \\
    ln -s /opt/yarn-v$STANDIN_YARN1_VERSION/bin/yarnpkg /usr/local/bin/yarnpkg && \\
    groupadd --gid 1000 node && \\
    useradd --uid 1000 --gid node --shell /bin/bash --create-home node && \\
    node --version && yarn --version
ENV NODE_VERSION=$STANDIN_NODE_VERSION YARN_VERSION=$STANDIN_YARN1_VERSION ${ca_env}
CMD ["node"]
EOF
    timeout 600 "$DOCKER" build --network host -q -t "$IMG_NODE" "$ctx" >"$ctx/build.log" 2>&1 ||
        { tail -n 20 "$ctx/build.log" >&2; return 1; }
    rm -rf "$ctx"
}

# openchoreo_context CTX : the build context docker.sh and deps-loop.sh build: the fixture
# tests/fixtures/e2e/openchoreo + yarn 4.4.1 (npm registry) in .yarn/releases + server.js as
# packages/backend/src/server.js + this repository at vendor/shim (as a submodule would be).
openchoreo_context() {
    local ctx=$1
    mkdir -p "$ctx/vendor/shim" && cp -a "$FIXTURES/openchoreo/." "$ctx/" || return 1
    yarn_release 4.4.1 "$ctx/.yarn/releases/yarn-4.4.1.cjs" || return 1
    cp "$FIXTURES/server.js" "$ctx/packages/backend/src/server.js" || return 1
    tar -C "$REPO" --exclude=./build --exclude=./.git --exclude=node_modules -cf - . | tar -C "$ctx/vendor/shim" -xf -
}

# dbuild LOG ARGS... : docker build of the context $CTX with Dockerfile ${DFILE:-its
# vendor/shim/Dockerfile.example}, the stand-ins and the build arguments for a build without
# internet access; up to ${DBUILD_TRIES:-3} tries when a build fails on the network.
dbuild() {
    local logf=$1 try; shift
    for try in $(seq 1 "${DBUILD_TRIES:-3}"); do
        timeout 1800 "$DOCKER" build --network host --progress=plain \
            -f "${DFILE:-$CTX/vendor/shim/Dockerfile.example}" \
            --build-arg BUILD_IMAGE="$IMG_NODE" \
            --build-arg RUNTIME_IMAGE="$IMG_RUNTIME" \
            --build-arg npm_config_nodedir=/usr/local \
            --build-arg npm_config_build_from_source=true \
            "$@" "$CTX" >"$logf" 2>&1 && return 0
        grep -Eq 'Could not resolve|Temporary failure|Failed to fetch|Connection (timed out|refused|reset)|Unable to connect|ETIMEDOUT|ECONNRESET' \
            "$logf" || return 1
        log "docker build attempt $try failed on the network; retrying"
    done
    return 1
}

# stage_times LOG : "STAGE SECONDS" per Dockerfile stage from a `docker build --progress=plain`
# log (the sum of its steps' DONE times; CACHED steps count 0). BuildKit runs independent stages
# in parallel, so the sum over stages can exceed the wall time.
stage_times() {
    awk '
        match($0, /^#[0-9]+ \[([a-z0-9_-]+) [0-9]+\/[0-9]+\]/) {
            id = $1; s = substr($0, RSTART, RLENGTH); sub(/^#[0-9]+ \[/, "", s); sub(/ .*/, "", s)
            stage[id] = s; if (!(s in t)) { t[s] = 0; order[++n] = s }
        }
        $2 == "DONE" && ($1 in stage) { v = $3; sub(/s$/, "", v); t[stage[$1]] += v }
        END { for (i = 1; i <= n; i++) printf "%s %.1f\n", order[i], t[order[i]] }' "$1"
}
