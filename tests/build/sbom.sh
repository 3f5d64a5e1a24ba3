#!/usr/bin/env bash
# build/shim.spdx.json: valid against the SPDX 2.3 JSON schema (tests/build/spdx/), and true:
# it describes this build/shim (sha256), the versions in build/deps.stamp, and every source
# file hash of deps.lock. Needs python3-jsonschema (scripts/test-deps.sh installs it).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
sbom=${1:-$ROOT/build/shim.spdx.json} bin=${2:-$ROOT/build/shim}
exec python3 - "$sbom" "$bin" "$ROOT" <<'PY'
import hashlib, json, sys
import jsonschema
sbom_path, bin_path, root = sys.argv[1:4]
passed = failed = 0
def check(ok, what):
    global passed, failed
    if ok: passed += 1; print("PASS: sbom:", what)
    else: failed += 1; print("FAIL: sbom:", what)
doc = json.load(open(sbom_path))
schema = json.load(open(root + "/tests/build/spdx/spdx-schema-2.3.json"))
errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=str)
check(not errors, "valid against the SPDX 2.3 schema" + ("" if not errors else ": " + errors[0].message))
# the schema does not require these, SPDX 2.3 does
for k in ("spdxVersion", "dataLicense", "SPDXID", "name", "documentNamespace", "creationInfo"):
    check(k in doc, "has " + k)
check(doc.get("spdxVersion") == "SPDX-2.3", "spdxVersion is SPDX-2.3")
pk = {p["name"]: p for p in doc.get("packages", [])}
check(sorted(pk) == ["json-c", "libseccomp", "musl", "shim"], "packages: shim, musl, libseccomp, json-c")
sha = hashlib.sha256(open(bin_path, "rb").read()).hexdigest()
check(pk.get("shim", {}).get("checksums") == [{"algorithm": "SHA256", "checksumValue": sha}],
      "the shim package's sha256 is build/shim's")
stamp = dict(l.strip().split("=", 1) for l in open(root + "/build/deps.stamp") if "=" in l)
for name, key in (("musl", "MUSL_DEBIAN_VERSION"), ("libseccomp", "LIBSECCOMP_DEBIAN_VERSION"), ("json-c", "JSONC_DEBIAN_VERSION")):
    check(pk.get(name, {}).get("versionInfo") == stamp.get(key), f"{name} version {stamp.get(key)}")
lic = {"musl": "MIT", "libseccomp": "LGPL-2.1-only", "json-c": "MIT", "shim": "Apache-2.0"}
check(all(pk.get(n, {}).get("licenseDeclared") == l for n, l in lic.items()), "declared licences")
files = [l.split() for l in open(root + "/deps.lock") if l.startswith("file ")]
missing = [f[2] for f in files if f[1] in pk and f"{f[2]} sha256:{f[3]}" not in pk[f[1]].get("sourceInfo", "")]
check(not missing, "every pinned source file and its sha256 is listed" + (": missing " + ", ".join(missing) if missing else ""))
check(all(pk[n]["downloadLocation"].endswith(".dsc") for n in ("musl", "libseccomp", "json-c") if n in pk),
      "download locations name the .dsc")
rel = {(r["spdxElementId"], r["relationshipType"], r["relatedSpdxElement"]) for r in doc.get("relationships", [])}
check(("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Package-shim") in rel, "the document DESCRIBES the shim")
# the validator itself rejects a broken document
bad = dict(doc); bad["packages"] = [{k: v for k, v in doc["packages"][0].items() if k != "downloadLocation"}]
check(any(True for _ in jsonschema.Draft7Validator(schema).iter_errors(bad)),
      "the schema check rejects a package without downloadLocation")
print(f"sbom: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
