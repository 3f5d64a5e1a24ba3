#!/usr/bin/env python3
"""Write the release image: one OCI image index for several architectures, as an OCI archive (a tar
of an OCI image layout), deterministically (same inputs, same bytes): tar entries in a fixed order with
owner 0:0, mode 0644/0755 and mtime SOURCE_DATE_EPOCH; layers compressed with `gzip -n -9` (no name,
no time); JSON with sorted keys; every blob named by its sha256.

Each image holds /shim and /shim.spdx.json only; its config runs /shim (ENTRYPOINT ["/shim"], CMD
["--version"]). index.json names the image index shim:VERSION (org.opencontainers.image.ref.name): the
name `podman load -i FILE` gives it (localhost/shim:VERSION); skopeo needs no name (one entry).

    oci-image.py OUT.tar --version V --revision SHA --source URL --created EPOCH \\
        --image ARCH:BINARY:SBOM [--image ARCH:BINARY:SBOM ...]

ARCH is the OCI architecture (amd64, arm64).
"""
import argparse
import datetime
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

LICENSES = "Apache-2.0 AND MIT AND LGPL-2.1-only"  # the shim, musl and json-c, libseccomp
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
VARIANT = {"arm64": "v8"}


def die(msg):
    print("oci-image.py: " + msg, file=sys.stderr)
    sys.exit(1)


def tar_bytes(entries, mtime):
    """A ustar archive of (name, mode, data) entries; data None makes a directory."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, mode, data in entries:
            ti = tarfile.TarInfo(name)
            ti.mode, ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = mode, mtime, 0, 0, "", ""
            if data is None:
                ti.type = tarfile.DIRTYPE
                t.addfile(ti)
            else:
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def gzip_n(data):
    out = subprocess.run(["gzip", "-n", "-9", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout
    # The header must carry no name and no time, whatever gzip's defaults become.
    if out[3] & 0x08 or out[4:8] != b"\0\0\0\0":
        die("gzip -n wrote a name or a time into the header")
    if gzip.decompress(out) != data:
        die("gzip -n output does not decompress to its input")
    return out


def js(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--version", required=True)
    ap.add_argument("--revision", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--created", required=True, type=int)
    ap.add_argument("--image", action="append", required=True)
    a = ap.parse_args()
    created = datetime.datetime.fromtimestamp(a.created, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    ann = {
        "org.opencontainers.image.created": created,
        "org.opencontainers.image.description": "shim: static init/entrypoint for distroless images (/shim and its SPDX SBOM /shim.spdx.json)",
        "org.opencontainers.image.licenses": LICENSES,
        "org.opencontainers.image.revision": a.revision,
        "org.opencontainers.image.source": a.source,
        "org.opencontainers.image.title": "shim",
        "org.opencontainers.image.version": a.version,
    }
    blobs = {}

    def blob(data, mt, extra=None):
        d = "sha256:" + hashlib.sha256(data).hexdigest()
        blobs[d] = data
        desc = {"mediaType": mt, "digest": d, "size": len(data)}
        desc.update(extra or {})
        return desc

    manifests = []
    for spec in a.image:
        try:
            arch, binary, sbom = spec.split(":")
        except ValueError:
            die("--image wants ARCH:BINARY:SBOM, not %r" % spec)
        try:
            files = [("shim", 0o755, open(binary, "rb").read()), ("shim.spdx.json", 0o644, open(sbom, "rb").read())]
        except OSError as e:
            die("%s: %s" % (e.filename, e.strerror))
        layer = tar_bytes(files, a.created)
        platform = {"architecture": arch, "os": "linux"}
        if arch in VARIANT:
            platform["variant"] = VARIANT[arch]
        config = dict(platform)
        config.update({
            "created": created,
            "config": {"Entrypoint": ["/shim"], "Cmd": ["--version"], "Labels": ann},
            "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]},
            "history": [{"created": created, "created_by": "make release (scripts/oci-image.py): /shim, /shim.spdx.json"}],
        })
        manifest = {
            "schemaVersion": 2,
            "mediaType": MT_MANIFEST,
            "config": blob(js(config), MT_CONFIG),
            "layers": [blob(gzip_n(layer), MT_LAYER)],
            "annotations": ann,
        }
        manifests.append(blob(js(manifest), MT_MANIFEST, {"platform": platform}))
    index = {"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": manifests, "annotations": ann}
    top = blob(js(index), MT_INDEX, {"annotations": {"org.opencontainers.image.ref.name": "shim:" + a.version}})
    layout = [("oci-layout", 0o644, js({"imageLayoutVersion": "1.0.0"})),
              ("index.json", 0o644, js({"schemaVersion": 2, "mediaType": MT_INDEX, "manifests": [top]})),
              ("blobs/", 0o755, None), ("blobs/sha256/", 0o755, None)]
    layout += [("blobs/sha256/" + d[len("sha256:"):], 0o644, blobs[d]) for d in sorted(blobs)]
    tmp = a.out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(tar_bytes(layout, a.created))
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
