#!/usr/bin/env bash
# `make test-release` (issue 24): what `make release` writes and what an operator does with it.
#  - make release into a temporary DIST: the eight files, SHA256SUMS verifies (and catches a changed byte);
#  - refusals before anything is built: a SOURCE_URL that is no URL, a dirty commit, a tag that is not
#    vVERSION (in a local clone of HEAD);
#  - reproducible: a second make release in a copy of the source at another path (no git, the commit
#    and date passed as a release build outside git gets them) relinks both binaries, their SBOMs and the
#    image: every file identical, byte for byte;
#  - the OCI archive: one image index for linux/amd64 and linux/arm64 with the OCI annotations
#    (version, revision, source, licenses, created from the commit time), each image only /shim and
#    /shim.spdx.json, the same bytes as the release's binary and SBOM;
#  - Podman (private storage, host network): `podman load -i` the archive, run the image, build
#    `COPY --from=` it and run the result as the entrypoint (a root start: the probe child reports the
#    drop to 65532, no_new_privs and seccomp);
#  - Docker (private dockerd, no bridge): the archive through skopeo into a docker-archive for each
#    architecture, `docker load`, the same `COPY --from=` build and run.
# Installs skopeo, podman, runc, docker.io when missing (lib.sh's ensure_pkgs).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dockerlib.sh"
e2e_init release
# The makes below are this test's own: not the caller's -k (CI runs `make -k test-aarch64 test-release`,
# under which a refused release adds "Target not remade" to its one line) or its jobserver.
unset MAKEFLAGS MFLAGS MAKELEVEL

ensure_pkgs skopeo podman runc docker.io python3 musl-tools || { fail "install skopeo, podman, runc, docker.io, python3"; exit 1; }
VERSION=$(cat "$REPO/VERSION")
mk() { make -s -C "$REPO" --no-print-directory "print-$1"; }
COMMIT=$(mk COMMIT) REVISION=$(git -C "$REPO" rev-parse HEAD) EPOCH=$(mk SOURCE_DATE_EPOCH)
# The image's org.opencontainers.image.source; a release takes git's remote (this one is a stand-in).
URL=https://shim.invalid/source
A="$E2E_TMP/a"
OCI="shim-$VERSION-oci.tar"
files="LICENSE SHA256SUMS THIRD_PARTY_NOTICES.md shim-$VERSION-aarch64 shim-$VERSION-aarch64.spdx.json $OCI shim-$VERSION-x86_64 shim-$VERSION-x86_64.spdx.json"

log "make release DIST=$A"
if ! make -C "$REPO" --no-print-directory release DIST="$A" SOURCE_URL="$URL" >"$E2E_TMP/release.log" 2>&1; then
    tail -n 20 "$E2E_TMP/release.log" >&2
    fail "make release (at $COMMIT; a dirty tree is refused: commit first)"; exit 1
fi
got=$(cd "$A" && LC_ALL=C ls | LC_ALL=C sort -f | tr '\n' ' ')
[ "$got" = "$(tr ' ' '\n' <<<"$files" | LC_ALL=C sort -f | tr '\n' ' ')" ]
report $? "make release writes $files (got: $got)"
(cd "$A" && sha256sum -c --strict SHA256SUMS) >"$E2E_TMP/sums.log" 2>&1 && [ "$(grep -c ': OK$' "$E2E_TMP/sums.log")" = 7 ]
report $? "sha256sum -c SHA256SUMS: 7 files OK"
cp -a "$A" "$E2E_TMP/tampered" && printf '\1' | dd of="$E2E_TMP/tampered/shim-$VERSION-x86_64" bs=1 seek=1000 conv=notrunc 2>/dev/null
! (cd "$E2E_TMP/tampered" && sha256sum -c --quiet SHA256SUMS) >/dev/null 2>&1
report $? "sha256sum -c SHA256SUMS fails on a binary with one byte changed"
# No build path in either binary (assert() records __FILE__; deps.sh and deps-aarch64.sh map them).
paths=$(cd "$A" && for f in shim-$VERSION-x86_64 shim-$VERSION-aarch64; do grep -caF "$REPO/" "$f"; done | tr '\n' ' ')
[ "$paths" = "0 0 " ]
report $? "neither binary holds this checkout's path $REPO/ (strings found: $paths)"
for arch in x86_64 aarch64; do   # the SBOM checks of make test-sbom, on each release file
    bash "$REPO/tests/build/sbom.sh" "$A/shim-$VERSION-$arch.spdx.json" "$A/shim-$VERSION-$arch" >"$E2E_TMP/sbom.log" 2>&1
    report $? "shim-$VERSION-$arch.spdx.json: $(tail -n 1 "$E2E_TMP/sbom.log") (tests/build/sbom.sh: SPDX schema, the binary's sha256, pinned sources)"
done
echo "REPORT: release $VERSION (commit $COMMIT):"
(cd "$A" && stat -c '  %n %s bytes' $files && sed 's/^/  /' SHA256SUMS)

# Refusals: before any build, one line each.
refused() {   # refused WANT DIR MAKE-ARGS...: make release fails with one line containing WANT
    local want=$1 dir=$2 out; shift 2
    out=$(make -C "$dir" -s --no-print-directory release DIST="$E2E_TMP/refused" "$@" 2>&1 >/dev/null) &&
        { echo "accepted"; return 1; }
    out=$(grep -v '^make\(\[[0-9]*\]\)\?: \*\*\*' <<<"$out")   # make's own "Error 1" line
    [ "$(wc -l <<<"$out")" = 1 ] && [[ $out == *"$want"* ]] && [ ! -e "$E2E_TMP/refused" ] && echo "$out"
}
out=$(refused "is not the repository's URL" "$REPO" SOURCE_URL=/srv/git/shim)
report $? "SOURCE_URL=/srv/git/shim refused: $out"
out=$(refused "uncommitted changes" "$REPO" SOURCE_URL="$URL" COMMIT="$COMMIT-dirty")
report $? "a dirty tree refused: $out"
git clone -q --no-hardlinks "$REPO" "$E2E_TMP/clone" && git -C "$E2E_TMP/clone" tag v9.9.9 &&
    out=$(refused "HEAD is tagged v9.9.9 but VERSION says $VERSION" "$E2E_TMP/clone" SOURCE_URL="$URL")
report $? "a tag on HEAD other than v$VERSION refused: $out"
# Tagging the release changes nothing the build embeds: the same commit string, and the check passes.
git -C "$E2E_TMP/clone" tag -d v9.9.9 >/dev/null && git -C "$E2E_TMP/clone" tag "v$VERSION" &&
    make -s -C "$E2E_TMP/clone" --no-print-directory release-check SOURCE_URL="$URL" &&
    [ "$(make -s -C "$E2E_TMP/clone" --no-print-directory print-COMMIT)" = "$COMMIT" ] &&
    [ "$(make -s -C "$E2E_TMP/clone" --no-print-directory print-VERSION)" = "$VERSION" ]
report $? "tagged v$VERSION: the release check passes, version and commit unchanged ($VERSION, $COMMIT)"
rm -rf "$E2E_TMP/clone"

# Reproducible: a second release from a copy at another path, relinking both binaries.
src="$E2E_TMP/another/and/longer/path/shim"
mkdir -p "$src/build/aarch64"
(cd "$REPO" && git ls-files -z | xargs -0 cp -p --parents -t "$src") &&
    cp -a "$REPO/build/deps.stamp" "$REPO/build/musl" "$src/build/" &&
    cp -a "$REPO/build/aarch64/deps.stamp" "$REPO/build/aarch64/musl" "$src/build/aarch64/" &&
    sed -i "s|$REPO/build/aarch64/musl|$src/build/aarch64/musl|g" "$src/build/aarch64/musl/lib/musl-gcc.specs"
report $? "a copy of the source and of the built libraries (build/musl, build/aarch64/musl, its specs relocated) at $src"
t0=$SECONDS
if timeout 1500 make -C "$src" --no-print-directory release DIST="$E2E_TMP/b" DEPS_SOURCES="$REPO/build/src/dl" \
    COMMIT="$COMMIT" REVISION="$REVISION" SOURCE_DATE_EPOCH="$EPOCH" SOURCE_URL="$URL" >"$E2E_TMP/release-b.log" 2>&1 &&
    grep -q 'CCLD     build/shim' "$E2E_TMP/release-b.log" && grep -q 'aarch64-linux-gnu-gcc' "$E2E_TMP/release-b.log"; then
    pass "second make release in the copy, both binaries relinked ($((SECONDS - t0))s)"
    diff=$(cd "$A" && for f in $files; do cmp -s "$f" "$E2E_TMP/b/$f" || echo "$f"; done)
    [ -z "$diff" ] && [ "$(ls "$E2E_TMP/b" | wc -l)" = 8 ]
    report $? "two make release runs: every file identical, byte for byte${diff:+ (differ: $diff)}"
else
    tail -n 20 "$E2E_TMP/release-b.log" >&2
    fail "second make release in the copy"
fi
rm -rf "$src"

# The archive: index, annotations, per-architecture images and their files.
SK=(timeout 120 skopeo --tmpdir "$E2E_TMP")
"${SK[@]}" inspect --raw "oci-archive:$A/$OCI:shim:$VERSION" >"$E2E_TMP/index.json" 2>"$E2E_TMP/sk.err"
report $? "skopeo inspect oci-archive:$OCI:shim:$VERSION ($(head -c 200 "$E2E_TMP/sk.err"))"
created=$(date -u -d "@$EPOCH" +%Y-%m-%dT%H:%M:%SZ)
python3 - "$E2E_TMP/index.json" "$VERSION" "$REVISION" "$URL" "$created" <<'EOF'
import json, sys
i = json.load(open(sys.argv[1]))
want = {"org.opencontainers.image.version": sys.argv[2], "org.opencontainers.image.revision": sys.argv[3],
        "org.opencontainers.image.source": sys.argv[4], "org.opencontainers.image.created": sys.argv[5],
        "org.opencontainers.image.licenses": "Apache-2.0 AND MIT AND LGPL-2.1-only"}
a = i.get("annotations", {})
plats = sorted("%s/%s" % (m["platform"]["os"], m["platform"]["architecture"]) for m in i["manifests"])
ok = i.get("mediaType") == "application/vnd.oci.image.index.v1+json" and plats == ["linux/amd64", "linux/arm64"] \
    and all(a.get(k) == v for k, v in want.items())
print(("PASS" if ok else "FAIL") + ": release: one OCI image index, platforms %s, annotations %s" % (
    " ".join(plats), ", ".join("%s=%s" % (k.rsplit(".", 1)[1], a.get(k)) for k in sorted(want))))
sys.exit(not ok)
EOF
[ $? = 0 ] && E2E_PASSED=$((E2E_PASSED + 1)) || E2E_FAILED=$((E2E_FAILED + 1))
for pair in amd64:x86_64 arm64:aarch64; do
    oarch=${pair%:*} arch=${pair#*:} d="$E2E_TMP/img-$oarch"
    "${SK[@]}" --override-arch "$oarch" copy -q "oci-archive:$A/$OCI:shim:$VERSION" "dir:$d" >/dev/null 2>"$E2E_TMP/sk.err" &&
        layer=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(m["layers"][0]["digest"].split(":")[1]) if len(m["layers"]) == 1 else None' "$d/manifest.json") &&
        mkdir "$d/root" && tar -C "$d/root" -xzf "$d/$layer" &&
        [ "$(cd "$d/root" && find . -mindepth 1 | sort | tr '\n' ' ')" = "./shim ./shim.spdx.json " ] &&
        cmp -s "$d/root/shim" "$A/shim-$VERSION-$arch" && cmp -s "$d/root/shim.spdx.json" "$A/shim-$VERSION-$arch.spdx.json" &&
        [ "$(stat -c %a "$d/root/shim")" = 755 ]
    report $? "linux/$oarch image: one layer with only /shim (0755) and /shim.spdx.json, the release's $arch files ($(head -c 200 "$E2E_TMP/sk.err"))"
done

# What an operator pushes: `skopeo copy --all` (every architecture; here into an OCI layout, as there
# is no registry), no name needed.
"${SK[@]}" copy -q --all "oci-archive:$A/$OCI" "oci:$E2E_TMP/pushed:shim:$VERSION" >/dev/null 2>"$E2E_TMP/sk.err" &&
    n=$(python3 -c 'import json,sys; i=json.load(open(sys.argv[1])); print(len(i["manifests"]))' \
        "$E2E_TMP/pushed/blobs/sha256/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"].split(":")[1])' "$E2E_TMP/pushed/index.json")") &&
    [ "$n" = 2 ]
report $? "skopeo copy --all oci-archive:$OCI (no name) keeps both architectures (${n:-?} manifests) $(head -c 200 "$E2E_TMP/sk.err")"

# A Dockerfile that takes the shim from the release image, and a static probe as the workload.
mkdir -p "$E2E_TMP/ctx" && musl-gcc -D_GNU_SOURCE -O2 -static -o "$E2E_TMP/ctx/probe" "$REPO/tests/integration/probe.c"
report $? "static probe (tests/integration/probe.c) for the workload"
copy_from_dockerfile() {   # IMAGE
    printf 'FROM scratch\nCOPY --from=%s /shim /shim\nCOPY probe /probe\nENTRYPOINT ["/shim"]\nCMD ["/probe", "status"]\n' "$1" \
        >"$E2E_TMP/ctx/Dockerfile"
}
# check_probe OUTPUT NAME : the probe ran under the shim, dropped and confined.
check_probe() {
    grep -Eq '^Uid:[[:space:]]+65532[[:space:]]+65532' <<<"$1" && grep -Eq '^NoNewPrivs:[[:space:]]+1$' <<<"$1" &&
        grep -Eq '^Seccomp:[[:space:]]+2$' <<<"$1"
    report $? "$2: the COPY --from build's /shim entrypoint runs the probe as 65532, no_new_privs, seccomp 2 ($(grep -E '^(Uid|Seccomp):' <<<"$1" | tr -s '\t\n' '  '))"
}

# --- Podman: private storage and configuration (as podman.sh), host network.
PD="$E2E_TMP/podman"
podman_private "$PD" runc
pm() { timeout "${PM_TIMEOUT:-120}" podman "$@"; }
on_exit "PM_TIMEOUT=60 pm rm -af -t 0"
out=$(pm load -i "$A/$OCI" 2>&1)
report $? "podman load -i $OCI ($(podman --version)): $(tail -n 1 <<<"$out")"
pimg=localhost/shim:$VERSION
arch=$(pm image inspect -f '{{.Architecture}}' "$pimg" 2>/dev/null)
out=$(pm run --rm --network host "$pimg" 2>&1 | head -n 1)
[ "$out" = "shim $VERSION (commit $COMMIT)" ] && [ "$arch" = amd64 ]
report $? "podman run $pimg ($arch): $out"
copy_from_dockerfile "$pimg"
pm build --network host -q -t localhost/release-copy-from:podman "$E2E_TMP/ctx" >"$E2E_TMP/pbuild.log" 2>&1
report $? "podman build with COPY --from=$pimg /shim /shim ($(tail -n 1 "$E2E_TMP/pbuild.log"))"
check_probe "$(pm run --rm --network host --user 0:0 localhost/release-copy-from:podman 2>&1)" podman

# --- Docker: private dockerd; the archive through skopeo into docker-archive, then docker load.
dockerd_start "$E2E_TMP/docker" || { fail "dockerd starts"; exit 1; }
dimg=shim-release:$VERSION
for oarch in arm64 amd64; do
    rm -f "$E2E_TMP/d.tar"
    "${SK[@]}" --override-arch "$oarch" copy -q "oci-archive:$A/$OCI:shim:$VERSION" "docker-archive:$E2E_TMP/d.tar:$dimg" \
        >/dev/null 2>"$E2E_TMP/sk.err" && out=$(timeout 120 "$DOCKER" load -i "$E2E_TMP/d.tar" 2>&1) &&
        [ "$("$DOCKER" image inspect -f '{{.Architecture}} {{index .Config.Labels "org.opencontainers.image.version"}}' "$dimg")" = "$oarch $VERSION" ]
    report $? "skopeo copy --override-arch $oarch oci-archive: docker-archive:, docker load ($("$DOCKER" version -f '{{.Server.Version}}')): $out$(head -c 200 "$E2E_TMP/sk.err")"
done
out=$(timeout 60 "$DOCKER" run --rm --network host "$dimg" 2>&1 | head -n 1)
[ "$out" = "shim $VERSION (commit $COMMIT)" ]
report $? "docker run $dimg: $out"
copy_from_dockerfile "$dimg"
timeout 600 "$DOCKER" build --network host -q -t release-copy-from:docker "$E2E_TMP/ctx" >"$E2E_TMP/dbuild.log" 2>&1
report $? "docker build with COPY --from=$dimg /shim /shim ($(tail -n 1 "$E2E_TMP/dbuild.log"))"
check_probe "$(timeout 60 "$DOCKER" run --rm --network host --user 0:0 release-copy-from:docker 2>&1)" docker

# Dockerfile.example with SHIM_IMAGE: its `shim` stage is the release image; `make` never runs (the
# build images are the release image itself, which has no shell: a RUN would fail).
mkdir -p "$E2E_TMP/dctx" && cp "$REPO/Dockerfile.example" "$E2E_TMP/dctx/"
timeout 600 "$DOCKER" build --network host --progress=plain -f "$E2E_TMP/dctx/Dockerfile.example" --target shim \
    --build-arg SHIM_IMAGE="$dimg" --build-arg BUILD_IMAGE="$dimg" --build-arg RUNTIME_IMAGE="$dimg" \
    -t release-example-shim "$E2E_TMP/dctx" >"$E2E_TMP/example.log" 2>&1
rc=$?
! grep -Eq '\[shim-build [0-9]+/[0-9]+\]' "$E2E_TMP/example.log" && [ "$rc" = 0 ]
report $? "Dockerfile.example --target shim with SHIM_IMAGE=$dimg builds without the shim-build stage (exit $rc)"
cid=$(timeout 60 "$DOCKER" create release-example-shim 2>/dev/null) &&
    timeout 60 "$DOCKER" cp "$cid:/shim" - | tar -xOf - shim >"$E2E_TMP/example-shim" &&
    cmp -s "$E2E_TMP/example-shim" "$A/shim-$VERSION-x86_64"
report $? "its /shim is the release's x86_64 binary, byte for byte"
[ -n "${cid:-}" ] && timeout 60 "$DOCKER" rm -f "$cid" >/dev/null 2>&1

E2E_DONE=1
