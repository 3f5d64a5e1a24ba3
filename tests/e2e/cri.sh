#!/usr/bin/env bash
# e2e: pods started through containerd's CRI plugin the way the kubelet starts them (issue 23), driven by
# a CRI client of our own (tests/e2e/cri/cri.js: @grpc/grpc-js pinned by cri/package-lock.json and
# installed from the npm registry into build/e2e/cri-client; cri/api.proto from kubernetes/cri-api v0.36.3).
#
# A private containerd (Debian's 1.6): own root, state, socket and config below the test's temp dir, the
# CRI plugin with restrict_oom_score_adj = true, AppArmor disabled, its sandbox (pause) image built here
# from cri/pause.c and imported, so nothing is pulled. Pod network: a CNI bridge with no address
# (isGateway false, no masquerade), host-local addresses from 192.0.2.0/24 (TEST-NET-1, documentation
# space, reachable from nowhere) and loopback; the only traffic is inside a pod's network namespace
# (the probes are sent from inside it, nsenter -n, to the pod's address).
#
# The pod spec is the one the OpenChoreo chart renders (openchoreo/openchoreo at ad3f5030,
# install/helm/openchoreo-control-plane/templates/backstage/deployment.yaml, with the chart's
# values.yaml and the overlay of each phase from examples/openchoreo; tests/k8s/k8s.py render): its
# args, env, volumes and mounts, probes' path and port, pod and container security contexts, translated
# into CRI requests as the kubelet does (fsGroup added to the groups and set on the emptyDir, the
# ConfigMap written as the kubelet's atomic writer does: ..data symlinks). The image is a distroless-like
# root filesystem with /shim as ENTRYPOINT and a stand-in backend (cri/backend.js) at
# /app/packages/backend.
#
# Scenarios: the chart's start (phase 1, complain) with the probes' path answering; an ExecSync leaving
# orphans, reaped; StopContainer with the kubelet's 30 s: a prompt stop (exit 0), a workload slower than
# 30 s (the kubelet's KILL first: 137, nothing from the shim) and the same with SHIM_STOP_TIMEOUT=25 (the
# shim ends it: 137, its line); a root start dropping to 65532; shareProcessNamespace (pause is PID 1,
# the shim reaps as subreaper); learn (phase 2) -> retrieval by ExecSync /shim --learned -> a
# ConfigMap-like mount -> enforce (phase 3); every log line in the CRI format. Each scenario's time is
# printed as a REPORT line.
source "$(dirname "$0")/lib.sh"
e2e_init cri

ensure_pkgs containerd runc containernetworking-plugins iproute2 util-linux curl ||
    { fail "install containerd, runc, containernetworking-plugins, iproute2, util-linux, curl"; exit 1; }
# npm comes with the nodejs package where it is NodeSource's, as Debian's npm package otherwise
command -v npm >/dev/null || ensure_pkgs npm || { fail "install npm"; exit 1; }
ensure_shim || { fail "build/shim exists (make)"; exit 1; }
CNI_BIN=/usr/lib/cni
[ -x "$CNI_BIN/bridge" ] && [ -x "$CNI_BIN/host-local" ] && [ -x "$CNI_BIN/loopback" ] ||
    { fail "CNI plugins bridge, host-local, loopback in $CNI_BIN"; exit 1; }

# ---------------------------------------------------------------------------------------------
# The CRI client: its npm dependencies as the lock file pins them, cached per lock file.
CLIENT="$E2E_CACHE/cri-client"
if ! cmp -s "$E2E_DIR/cri/package-lock.json" "$CLIENT/package-lock.json" ||
    [ ! -f "$CLIENT/node_modules/@grpc/grpc-js/package.json" ]; then
    rm -rf "$CLIENT" && mkdir -p "$CLIENT" && cp "$E2E_DIR/cri/package.json" "$E2E_DIR/cri/package-lock.json" "$CLIENT/"
    (cd "$CLIENT" && retry 3 5 timeout 300 npm ci --no-audit --no-fund >"$E2E_TMP/npm.log" 2>&1) ||
        { fail "npm ci of the CRI client ($(tail -n 3 "$E2E_TMP/npm.log" | tr '\n' ' '))"; exit 1; }
fi

CD="$E2E_TMP/containerd"
SOCK="$CD/containerd.sock"
NET=shim-cri-e2e
BRIDGE=shimcri0
mkdir -p "$CD/cni" "$CD/runc" "$CD/logs" "$CD/vol"
cri() {   # METHOD [JSON] [TIMEOUT]: the response on stdout
    NODE_PATH="$CLIENT/node_modules" timeout $((${3:-120} + 30)) "$HOST_NODE" "$E2E_DIR/cri/cri.js" "$SOCK" "$@"
}
jq_() { "$HOST_NODE" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const o=JSON.parse(s);
    const v=new Function("o","return "+process.argv[1])(o);console.log(typeof v==="string"?v:JSON.stringify(v))})' "$1"; }

# ---------------------------------------------------------------------------------------------
# Images: the pause image and the app image, OCI archives imported into the CRI's namespace (k8s.io).
oci_image() {   # OUT NAME:TAG CONFIG_JSON LAYER_TAR...
    local out=$1 ref=$2 cfg=$3 dir="$E2E_TMP/oci.$RANDOM"
    shift 3
    mkdir -p "$dir/blobs/sha256"
    local l d layers=()
    for l in "$@"; do
        d=$(sha256sum "$l" | cut -d' ' -f1)
        cp "$l" "$dir/blobs/sha256/$d"
        layers+=("$d")
    done
    "$HOST_NODE" -e '
        const fs = require("fs"), crypto = require("crypto");
        const [dir, ref, cfgText, ...layers] = process.argv.slice(1);
        const blob = (obj) => {
            const b = Buffer.from(JSON.stringify(obj));
            const d = crypto.createHash("sha256").update(b).digest("hex");
            fs.writeFileSync(`${dir}/blobs/sha256/${d}`, b);
            return { digest: `sha256:${d}`, size: b.length };
        };
        const arch = { x64: "amd64", arm64: "arm64" }[process.arch] || process.arch;
        const cfg = blob({ architecture: arch, os: "linux", config: JSON.parse(cfgText),
            rootfs: { type: "layers", diff_ids: layers.map((l) => `sha256:${l}`) } });
        const man = blob({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
            config: { mediaType: "application/vnd.oci.image.config.v1+json", ...cfg },
            layers: layers.map((l) => ({ mediaType: "application/vnd.oci.image.layer.v1.tar", digest: `sha256:${l}`,
                size: fs.statSync(`${dir}/blobs/sha256/${l}`).size })) });
        fs.writeFileSync(`${dir}/index.json`, JSON.stringify({ schemaVersion: 2, manifests: [{
            mediaType: "application/vnd.oci.image.manifest.v1+json", ...man, platform: { architecture: arch, os: "linux" },
            annotations: { "io.containerd.image.name": ref, "org.opencontainers.image.ref.name": ref.split(":").pop() } }] }));
        fs.writeFileSync(`${dir}/oci-layout`, JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    ' "$dir" "$ref" "$cfg" "${layers[@]}" || return 1
    tar -C "$dir" -cf "$out" oci-layout index.json blobs && rm -rf "$dir"
}
PAUSE_IMG=localhost/shim-e2e/pause:cri
APP_IMG=localhost/shim-e2e/backstage-shim:cri
t0=$SECONDS
mkdir -p "$E2E_TMP/pause-root" "$E2E_TMP/app-root/app/packages/backend"
musl-gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -static -o "$E2E_TMP/pause-root/pause" "$E2E_DIR/cri/pause.c" ||
    { fail "build the pause image's binary"; exit 1; }
tar -C "$E2E_TMP/pause-root" --numeric-owner --owner=0 --group=0 -cf "$E2E_TMP/pause-layer.tar" pause
RTAR=$(distroless_rootfs_tar) || { fail "distroless-like root filesystem"; exit 1; }
install -m 0755 "$SHIM_BIN" "$E2E_TMP/app-root/shim"
install -m 0644 "$E2E_DIR/cri/backend.js" "$E2E_TMP/app-root/app/packages/backend/index.js"
install -m 0644 "$FIXTURES/procscan.js" "$E2E_TMP/app-root/app/procscan.js"
install -m 0644 "$FIXTURES/orphans.js" "$E2E_TMP/app-root/app/orphans.js"
printf 'app:\n  title: stand-in\n' >"$E2E_TMP/app-root/app/app-config.yaml"
tar -C "$E2E_TMP/app-root" --numeric-owner --owner=0 --group=0 -cf "$E2E_TMP/app-layer.tar" shim app
oci_image "$E2E_TMP/pause.tar" "$PAUSE_IMG" '{"Entrypoint":["/pause"],"User":"65535:65535"}' "$E2E_TMP/pause-layer.tar" &&
    oci_image "$E2E_TMP/app.tar" "$APP_IMG" \
        '{"Entrypoint":["/shim"],"Env":["PATH=/usr/local/bin:/usr/bin:/bin:/nodejs/bin"],"WorkingDir":"/app","User":"0:0"}' \
        "$RTAR" "$E2E_TMP/app-layer.tar"
report $? "images built here: $PAUSE_IMG (pause.c, static) and $APP_IMG (distroless-like, ENTRYPOINT /shim)"

# ---------------------------------------------------------------------------------------------
# The private containerd with its CRI plugin
cat >"$CD/config.toml" <<EOF
version = 2
root = "$CD/root"
state = "$CD/state"
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$CD/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMG"
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$CD/cni"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$CD/runc"
EOF
cat >"$CD/cni/10-$NET.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "$NET",
  "plugins": [
    { "type": "bridge", "bridge": "$BRIDGE", "isGateway": false, "isDefaultGateway": false, "ipMasq": false,
      "hairpinMode": false,
      "ipam": { "type": "host-local", "dataDir": "$CD/ipam", "ranges": [[{ "subnet": "192.0.2.0/24" }]] } },
    { "type": "loopback" }
  ]
}
EOF
CTR=(ctr -a "$SOCK" -n k8s.io)
[ -e /run/containerd ] || on_exit "rmdir /run/containerd/s /run/containerd/fifo /run/containerd"
containerd_stop() {
    local id pid
    for id in $(cri ListPodSandbox '{}' 20 2>/dev/null | jq_ 'o.items.map(i=>i.id).join(" ")'); do
        cri StopPodSandbox "{\"podSandboxId\":\"$id\"}" 30 >/dev/null 2>&1
        cri RemovePodSandbox "{\"podSandboxId\":\"$id\"}" 30 >/dev/null 2>&1
    done
    kill -TERM "$CONTAINERD_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$CONTAINERD_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$CONTAINERD_PID" 2>/dev/null
    for pid in $(pgrep -f -- "-address $SOCK"); do kill -KILL "$pid" 2>/dev/null; done
    ip link del "$BRIDGE" 2>/dev/null
    rm -f /var/lib/cni/results/"$NET"-* 2>/dev/null
}
containerd --config "$CD/config.toml" >"$CD/containerd.log" 2>&1 &
CONTAINERD_PID=$!
on_exit containerd_stop
up=0
for _ in $(seq 1 150); do
    cri Version '{}' 5 >"$E2E_TMP/version.json" 2>/dev/null && { up=1; break; }
    kill -0 "$CONTAINERD_PID" 2>/dev/null || break
    sleep 0.2
done
if [ "$up" != 1 ]; then
    fail "private containerd with CRI starts (log: $(tail -n 3 "$CD/containerd.log" | tr '\n' ' '))"; exit 1
fi
pass "private containerd up, CRI $(jq_ 'o.runtimeName+" "+o.runtimeVersion+" "+o.runtimeApiVersion' <"$E2E_TMP/version.json")"
timeout 120 "${CTR[@]}" image import "$E2E_TMP/pause.tar" >"$E2E_TMP/import.log" 2>&1 &&
    timeout 300 "${CTR[@]}" image import "$E2E_TMP/app.tar" >>"$E2E_TMP/import.log" 2>&1
report $? "both images imported into the CRI's namespace (nothing pulled)"
rm -f "$E2E_TMP/pause.tar" "$E2E_TMP/app.tar" "$E2E_TMP/app-layer.tar"
echo "REPORT: cri: setup (images, containerd) $((SECONDS - t0))s"

# ---------------------------------------------------------------------------------------------
# Pods as the chart renders them
render() {   # OVERLAY... : the Deployment as JSON
    python3 "$REPO/tests/k8s/k8s.py" render "$@"
}
# pod_requests NAME DEPLOYMENT_JSON OPTIONS_JSON: writes $CD/NAME.sandbox.json and $CD/NAME.container.json,
# the CRI requests the kubelet makes for the Deployment's pod template. OPTIONS: {env: extra env (before the
# template's), sharePid: bool, rootStart: bool (no runAsUser/runAsNonRoot, the root-start README pod)}.
# Volumes: emptyDir -> a directory 0777 (group fsGroup, setgid); configMap NAME -> the directory
# $CD/configmaps/NAME (written by configmap_write); a subPath mount -> that file of the ConfigMap.
pod_requests() {
    local name=$1 dep=$2 opts=$3
    mkdir -p "$CD/logs/$name" "$CD/vol/$name"
    "$HOST_NODE" -e '
        const fs = require("fs");
        const [name, depText, optsText, CD, image] = process.argv.slice(1);
        const dep = JSON.parse(depText), opts = JSON.parse(optsText);
        const pod = dep.spec.template.spec, c = pod.containers[0];
        const psc = opts.rootStart ? { runAsUser: 0, seccompProfile: { type: "RuntimeDefault" } } : (pod.securityContext || {});
        const csc = opts.rootStart ? { allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"], add: ["SETUID", "SETGID", "SETPCAP"] } } : (c.securityContext || {});
        const int64 = (v) => (v === undefined ? undefined : { value: String(v) });
        const groups = psc.fsGroup !== undefined ? [String(psc.fsGroup)] : [];
        const ns = { network: "POD", pid: opts.sharePid ? "POD" : "CONTAINER", ipc: "POD" };
        const seccomp = (s) => ({ profileType: (s && s.type) || "RuntimeDefault" });
        const sandbox = { config: {
            metadata: { name, uid: `uid-${name}`, namespace: dep.metadata.namespace, attempt: 0 },
            hostname: name, logDirectory: `${CD}/logs/${name}`,
            labels: dep.spec.template.metadata.labels,
            linux: { securityContext: { namespaceOptions: ns, runAsUser: int64(psc.runAsUser),
                runAsGroup: int64(psc.runAsGroup), supplementalGroups: groups, seccomp: seccomp(psc.seccompProfile) } } } };
        const volumes = {};
        for (const v of pod.volumes) {
            if (v.emptyDir) {
                const dir = `${CD}/vol/${name}/${v.name}`;
                fs.mkdirSync(dir, { recursive: true });
                fs.chmodSync(dir, 0o777);
                if (psc.fsGroup !== undefined) { fs.chownSync(dir, 0, psc.fsGroup); fs.chmodSync(dir, 0o2777); }
                volumes[v.name] = dir;
            } else if (v.configMap) {
                volumes[v.name] = `${CD}/configmaps/${v.configMap.name}`;
            }
        }
        const mounts = c.volumeMounts.map((m) => {
            if (!volumes[m.name]) throw new Error(`volume ${m.name}: not emptyDir or configMap`);
            return { containerPath: m.mountPath, hostPath: volumes[m.name] + (m.subPath ? `/${m.subPath}` : ""),
                readonly: !!m.readOnly, selinuxRelabel: false };
        });
        // KeyValue.value is bytes in this api.proto (string on the wire, as containerd 1.6 reads it): base64 here
        const env = [...(opts.env || []), ...c.env].map((e) => ({ key: e.name, value: Buffer.from(e.value).toString("base64") }));
        const container = { podSandboxId: "", sandboxConfig: sandbox.config, config: {
            metadata: { name: c.name, attempt: 0 }, image: { image },
            args: c.args, envs: env, mounts, logPath: `${c.name}/0.log`,
            labels: { "io.kubernetes.container.name": c.name },
            linux: { resources: { memoryLimitInBytes: "2147483648", cpuShares: "204", oomScoreAdj: "-997" },
                securityContext: {
                    capabilities: { dropCapabilities: (csc.capabilities || {}).drop || [],
                        addCapabilities: (csc.capabilities || {}).add || [] },
                    namespaceOptions: ns, runAsUser: int64(csc.runAsUser !== undefined ? csc.runAsUser : psc.runAsUser),
                    runAsGroup: int64(csc.runAsGroup !== undefined ? csc.runAsGroup : psc.runAsGroup),
                    supplementalGroups: groups, noNewPrivs: csc.allowPrivilegeEscalation === false,
                    seccomp: seccomp(csc.seccompProfile || psc.seccompProfile),
                    maskedPaths: ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"],
                    readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"] } } } };
        fs.writeFileSync(`${CD}/${name}.sandbox.json`, JSON.stringify(sandbox));
        fs.writeFileSync(`${CD}/${name}.container.json`, JSON.stringify(container));
    ' "$name" "$dep" "$opts" "$CD" "$APP_IMG"
}
# configmap_write NAME KEY=FILE...: the kubelet's atomic writer layout (..TIMESTAMP dir, ..data link, a
# link per key), files 0644.
configmap_write() {
    local dir="$CD/configmaps/$1" ts="..$(date +%Y_%m_%d_%H_%M_%S.%N)" kv
    shift
    mkdir -p "$dir/$ts"
    for kv in "$@"; do
        install -m 0644 "${kv#*=}" "$dir/$ts/${kv%%=*}"
        ln -sfn "..data/${kv%%=*}" "$dir/${kv%%=*}"
    done
    ln -sfn "$ts" "$dir/..data"
}
configmap_write backstage-ci-config app-config.ci.yaml=<(printf 'backend:\n  listen: { port: 7007 }\n')
configmap_write backstage-csp-config app-config.csp.yaml=<(printf 'backend:\n  csp: {}\n')

# start_pod NAME: RunPodSandbox, CreateContainer, StartContainer from pod_requests' files; sets
# SB[NAME], CT[NAME] and PID[NAME] (the shim's pid on the host) and NETPID[NAME] (the sandbox's).
declare -A SB CT PID NETPID IP
start_pod() {
    local name=$1 sb ct
    sb=$(cri RunPodSandbox "$(cat "$CD/$name.sandbox.json")" | jq_ 'o.podSandboxId') || return 1
    SB[$name]=$sb
    "$HOST_NODE" -e 'const fs=require("fs");const f=process.argv[1];const o=JSON.parse(fs.readFileSync(f));
        o.podSandboxId=process.argv[2];fs.writeFileSync(f,JSON.stringify(o))' "$CD/$name.container.json" "$sb"
    ct=$(cri CreateContainer "$(cat "$CD/$name.container.json")" | jq_ 'o.containerId') || return 1
    CT[$name]=$ct
    cri StartContainer "{\"containerId\":\"$ct\"}" >/dev/null || return 1
    PID[$name]=$(cri ContainerStatus "{\"containerId\":\"$ct\",\"verbose\":true}" | jq_ 'JSON.parse(o.info.info).pid')
    local st
    st=$(cri PodSandboxStatus "{\"podSandboxId\":\"$sb\",\"verbose\":true}")
    NETPID[$name]=$(jq_ 'JSON.parse(o.info.info).pid' <<<"$st")
    IP[$name]=$(jq_ 'o.status.network.ip' <<<"$st")
}
# probe NAME PATH: an HTTP GET to the pod's address on 7007 from inside the pod's network namespace, as
# the kubelet's httpGet probe (port http) does; retried for up to 30 s.
probe() {
    local i
    for i in $(seq 1 150); do
        nsenter -t "${NETPID[$1]}" -n curl -sS --max-time 2 "http://${IP[$1]}:7007$2" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}
execsync() {   # NAME CMD... : ExecSync, stdout on stdout, exit code in EXEC_RC, stderr in EXEC_ERR
    local name=$1 r
    shift
    r=$(cri ExecSync "$("$HOST_NODE" -e 'console.log(JSON.stringify({containerId:process.argv[1],cmd:process.argv.slice(2),timeout:"30"}))' \
        "${CT[$name]}" "$@")" 60) || { EXEC_RC=none; return 1; }
    EXEC_RC=$(jq_ 'o.exitCode' <<<"$r")
    EXEC_ERR=$(jq_ 'o.stderr' <<<"$r")
    # byte for byte (jq_ would add a newline)
    "$HOST_NODE" -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0,"utf8")).stdout)' <<<"$r"
}
status_of() { cri ContainerStatus "{\"containerId\":\"${CT[$1]}\"}" | jq_ "$2"; }
logs_of() { cat "$CD/logs/$1/backstage/0.log" 2>/dev/null; }
remove_pod() {
    cri StopPodSandbox "{\"podSandboxId\":\"${SB[$1]}\"}" 60 >/dev/null
    cri RemovePodSandbox "{\"podSandboxId\":\"${SB[$1]}\"}" 60 >/dev/null
}
# stop NAME: StopContainer with the kubelet's default grace (30 s); STOP_S the seconds it took,
# STOP_RC the exit code the CRI reports.
stop() {
    local t=$SECONDS
    cri StopContainer "{\"containerId\":\"${CT[$1]}\",\"timeout\":\"30\"}" 90 >/dev/null
    STOP_S=$((SECONDS - t))
    STOP_RC=$(status_of "$1" 'o.status.exitCode')
}
cri_format() {   # NAME: every line of its log is "RFC3339NANO stdout|stderr F|P text"
    local n
    n=$(logs_of "$1" | grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+) (stdout|stderr) [FP] ')
    [ "$n" = 0 ] && [ -n "$(logs_of "$1")" ]
}

EX="$REPO/examples/openchoreo"
DEP_COMPLAIN=$(render "$EX/values-1-complain.yaml")
DEP_LEARN=$(render "$EX/values-2-learn.yaml")
DEP_ENFORCE=$(render "$EX/values-3-enforce.yaml")

# ---------------------------------------------------------------------------------------------
# 1. The chart's start, phase 1 (complain): chart args, uid 1000, probes' path, ExecSync orphans, stop.
t0=$SECONDS
pod_requests chart "$DEP_COMPLAIN" '{}' && start_pod chart
report $? "phase 1 (complain) pod started from the chart's rendered spec (args $(jq_ 'o.spec.template.spec.containers[0].args.join(" ")' <<<"$DEP_COMPLAIN"))"
probe chart /healthcheck >"$E2E_TMP/health" 2>&1
grep -qx '{"status":"ok"}' "$E2E_TMP/health"
report $? "chart pod: the probes' path /healthcheck answers on the pod's address, port 7007"
probe chart / >"$E2E_TMP/report"
grep -qx 'uid: 1000' "$E2E_TMP/report" && grep -qx 'gid: 1000' "$E2E_TMP/report" &&
    grep -qx 'Seccomp: 2' "$E2E_TMP/report" && grep -qx 'NoNewPrivs: 1' "$E2E_TMP/report" &&
    grep -qx 'CapEff: 0000000000000000' "$E2E_TMP/report" &&
    grep -q '^argv: \["--config","app-config.yaml","--config","app-config.ci.yaml","--config","app-config.csp.yaml"\]' "$E2E_TMP/report"
report $? "chart pod: node runs as 1000:1000 with the shim's filter (Seccomp 2), no_new_privs, no capabilities, the chart's args ($(tr '\n' ' ' <"$E2E_TMP/report"))"
logs_of chart | grep -q 'stderr F shim: warn: seccomp: complain mode: profile default (embedded) is not enforced'
report $? "chart pod: the complain-mode start line is in the CRI log"
# ExecSync leaving orphans (kubectl exec's path): re-parented to the container's PID 1, the shim.
pids=$(execsync chart node /app/orphans.js 3 1500)
sleep 3
execsync chart node /app/procscan.js >"$E2E_TMP/ps"
[ -n "$pids" ] && ! grep -q ' Z ' "$E2E_TMP/ps" && ! grep -qwE "^($(tr ' ' '|' <<<"$pids"))" "$E2E_TMP/ps"
report $? "chart pod: 3 orphans of an ExecSync ($pids) were reaped by the shim, no zombie (ps: $(tr '\n' ';' <"$E2E_TMP/ps"))"
stop chart
logs_of chart >"$E2E_TMP/chart.log"
[ "$STOP_RC" = 0 ] && grep -q 'stdout F backend: SIGTERM' "$E2E_TMP/chart.log"
report $? "chart pod: StopContainer (30 s grace): TERM reaches node, exit code $STOP_RC in ${STOP_S}s"
cri_format chart
report $? "chart pod: every log line is in the CRI format (timestamp, stream, F/P tag)"
! grep -q 'would deny' "$E2E_TMP/chart.log"
report $? "chart pod: the default profile denies nothing the stand-in does (no would-deny line)"
remove_pod chart
echo "REPORT: cri: chart start, probes, ExecSync orphans, stop $((SECONDS - t0))s"

# ---------------------------------------------------------------------------------------------
# 2. Stop slower than the grace period: the kubelet's KILL first, then SHIM_STOP_TIMEOUT=25 first.
t0=$SECONDS
pod_requests slow "$DEP_COMPLAIN" '{"env":[{"name":"FIXTURE_STOP_MS","value":"45000"}]}' && start_pod slow &&
    probe slow /healthcheck >/dev/null
report $? "slow pod (node takes 45 s to stop) started"
pod_requests slow25 "$DEP_COMPLAIN" '{"env":[{"name":"FIXTURE_STOP_MS","value":"45000"},{"name":"SHIM_STOP_TIMEOUT","value":"25"}]}' &&
    start_pod slow25 && probe slow25 /healthcheck >/dev/null
report $? "slow pod with SHIM_STOP_TIMEOUT=25 started"
(stop slow; echo "$STOP_S" >"$E2E_TMP/slow.stop_s") &
slow_pid=$!
stop slow25
wait "$slow_pid"
T30=$(cat "$E2E_TMP/slow.stop_s")
STOP_S25=$STOP_S RC25=$STOP_RC
RC30=$(status_of slow 'o.status.exitCode')
logs_of slow >"$E2E_TMP/slow.log"
logs_of slow25 >"$E2E_TMP/slow25.log"
[ "$RC30" = 137 ] && grep -q 'backend: SIGTERM' "$E2E_TMP/slow.log" &&
    ! sed -n '/backend: SIGTERM/,$p' "$E2E_TMP/slow.log" | grep -q 'shim:'
report $? "StopContainer 30 s, node slower: the kubelet's KILL ends it after ${T30}s, exit $RC30, and the log's last line is node's ('$(tail -n 1 "$E2E_TMP/slow.log" | cut -d' ' -f4-)'), nothing from the shim after the TERM"
# the shim's line shows it acted before the kubelet's KILL (no time is asserted: the machine is shared)
[ "$RC25" = 137 ] &&
    grep -q 'stderr F shim: warn: child did not stop within 25s; sending KILL to its process group' "$E2E_TMP/slow25.log"
report $? "StopContainer 30 s with SHIM_STOP_TIMEOUT=25: the shim KILLs node's group first and says so, exit $RC25 in ${STOP_S25}s"
remove_pod slow
remove_pod slow25
echo "REPORT: cri: stop 30 s (kubelet KILL first: exit $RC30 in ${T30}s; SHIM_STOP_TIMEOUT=25: exit $RC25 in ${STOP_S25}s) $((SECONDS - t0))s"

# ---------------------------------------------------------------------------------------------
# 3. Root start (the README's second pod) and shareProcessNamespace.
t0=$SECONDS
pod_requests root "$DEP_COMPLAIN" '{"rootStart":true,"env":[{"name":"SHIM_USER","value":"65532:65532"}]}' && start_pod root &&
    probe root / >"$E2E_TMP/root-report"
grep -qx 'uid: 65532' "$E2E_TMP/root-report" && grep -qx 'gid: 65532' "$E2E_TMP/root-report" &&
    grep -qx 'Seccomp: 2' "$E2E_TMP/root-report" && grep -qx 'CapEff: 0000000000000000' "$E2E_TMP/root-report"
report $? "root start (runAsUser 0, drop ALL, add SETUID SETGID SETPCAP): node runs as 65532:65532, no capabilities ($(tr '\n' ' ' <"$E2E_TMP/root-report"))"
stop root
[ "$STOP_RC" = 0 ]
report $? "root start: StopContainer exit $STOP_RC in ${STOP_S}s"
remove_pod root
pod_requests shared "$DEP_COMPLAIN" '{"sharePid":true}' && start_pod shared && probe shared /healthcheck >/dev/null
report $? "shareProcessNamespace pod started"
probe shared /orphans >"$E2E_TMP/orphans"
sleep 3
execsync shared node /app/procscan.js >"$E2E_TMP/shared-ps"
# pause is PID 1; the shim is not, and reaps node's orphans as a subreaper
grep -qE '^1 0 . pause$' "$E2E_TMP/shared-ps" && [ -s "$E2E_TMP/orphans" ] && ! grep -q ' Z ' "$E2E_TMP/shared-ps" &&
    ! grep -qwE "^($(tr ' ' '|' <"$E2E_TMP/orphans" | tr -d '\n'))" "$E2E_TMP/shared-ps"
report $? "shareProcessNamespace: pause is PID 1, node's orphans ($(tr -d '\n' <"$E2E_TMP/orphans")) reaped by the shim as subreaper (ps: $(tr '\n' ';' <"$E2E_TMP/shared-ps"))"
stop shared
[ "$STOP_RC" = 0 ]
report $? "shareProcessNamespace: StopContainer exit $STOP_RC in ${STOP_S}s"
remove_pod shared
echo "REPORT: cri: root start and shareProcessNamespace $((SECONDS - t0))s"

# ---------------------------------------------------------------------------------------------
# 4. Phase 2 (learn) -> retrieval by ExecSync -> ConfigMap -> phase 3 (enforce).
t0=$SECONDS
pod_requests learn "$DEP_LEARN" '{}' && start_pod learn && probe learn /healthcheck >/dev/null && probe learn / >/dev/null
report $? "phase 2 (learn) pod started from the chart's rendered spec, emptyDir at /learn"
execsync learn /shim --learned >"$E2E_TMP/profile.json"
rc1=$EXEC_RC
execsync learn /shim --learned review >"$E2E_TMP/review.json"
host_file="$CD/vol/learn/shim-learn/profile.json"
[ "$rc1" = 0 ] && [ "$EXEC_RC" = 0 ] && cmp -s "$E2E_TMP/profile.json" "$host_file" &&
    grep -q '"observed"' "$E2E_TMP/review.json"
report $? "retrieval: ExecSync /shim --learned prints the emptyDir's profile byte for byte, --learned review its review file (no shell, no tar, no path)"
execsync learn /shim --learned spo backstage-learned >"$E2E_TMP/spo.json"
[ "$EXEC_RC" = 0 ] && python3 "$REPO/tests/k8s/k8s.py" spo "$E2E_TMP/spo.json" >/dev/null
report $? "retrieval: ExecSync /shim --learned spo NAME prints a SeccompProfile that applies on SPO 0.9.1 and 1.0.0"
stop learn
logs_of learn >"$E2E_TMP/learn.log"
[ "$STOP_RC" = 0 ] && grep -q 'stderr F shim: learn: wrote /learn/profile.json (sha256 ' "$E2E_TMP/learn.log"
report $? "learn pod: StopContainer exit $STOP_RC in ${STOP_S}s, with learn mode's summary line"
remove_pod learn
# kubectl create configmap backstage-shim-profile --from-file=profile.json, as the kubelet mounts it
configmap_write backstage-shim-profile profile.json="$E2E_TMP/profile.json"
pod_requests enforce "$DEP_ENFORCE" '{}' && start_pod enforce && probe enforce /healthcheck >"$E2E_TMP/health"
grep -qx '{"status":"ok"}' "$E2E_TMP/health"
report $? "phase 3 (enforce) pod: SHIM_SECCOMP=/etc/shim/profile.json from the ConfigMap mount (..data symlinks); probes' path answers"
probe enforce / >"$E2E_TMP/enforce-report"
probe enforce /watch >"$E2E_TMP/watch"
grep -qx 'Seccomp: 2' "$E2E_TMP/enforce-report" && grep -qx 'watch ENOSYS' "$E2E_TMP/watch" &&
    ! logs_of enforce | grep -q 'shim: error'
report $? "phase 3: the learned profile is enforced: a call never made while learning (inotify, fs.watch) fails with ENOSYS ($(cat "$E2E_TMP/watch"))"
stop enforce
[ "$STOP_RC" = 0 ]
report $? "phase 3: StopContainer exit $STOP_RC in ${STOP_S}s"
cri_format enforce
report $? "phase 3: every log line is in the CRI format"
remove_pod enforce
echo "REPORT: cri: learn, retrieve, ConfigMap, enforce $((SECONDS - t0))s"

E2E_DONE=1
