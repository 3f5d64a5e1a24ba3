#!/usr/bin/env python3
"""Strict schema checks for what an operator applies to a cluster (issue 23).

  k8s.py docs FILE...       every YAML document in FILE (a .md file: each ```yaml block) against the
                            Kubernetes API schema of its apiVersion/kind, or the schema its marker names
  k8s.py spo FILE...        a SeccompProfile (JSON or YAML) against the CRD of SPO 0.9.1 and 1.0.0
  k8s.py values FILE...     an OpenChoreo chart values overlay against the chart's values.schema.json, and
                            the Deployment it renders to against the Kubernetes schema
  k8s.py render FILE...     that Deployment (chart defaults, then each overlay in order) as JSON
  k8s.py selftest           each check rejects what it must (so a check that passes can fail)

Kubernetes rejects unknown fields (kubectl's default --validate=strict, the API server's strict field
validation), so every object schema with properties gets additionalProperties: false here unless it
preserves unknown fields; the chart's values.schema.json is used as written, as helm does.

A YAML block with no apiVersion/kind is a fragment: an HTML comment right above its fence names its type,
`<!-- schema: io.k8s.api.core.v1.PodSecurityContext -->` (a definition in
vendor/kubernetes/definitions.json) or `<!-- schema: openchoreo-values -->`; in a .yaml file, a first
line `# schema: NAME`. A fragment without one is an error: nothing goes unchecked.
Sources and licences of vendor/: vendor/README.md. Exit 0, or 1 with one line per problem."""
import copy
import json
import pathlib
import re
import sys

import jsonschema
import yaml

HERE = pathlib.Path(__file__).resolve().parent
VENDOR = HERE / "vendor"
K8S = json.loads((VENDOR / "kubernetes/definitions.json").read_text())["definitions"]
SPO_CRDS = {v: VENDOR / f"spo/seccompprofile-v{v}.yaml" for v in ("0.9.1", "1.0.0")}
VALUES_SCHEMA = json.loads((VENDOR / "openchoreo/values.schema.json").read_text())
VALUES_DEFAULTS = yaml.safe_load((VENDOR / "openchoreo/values.yaml").read_text())
KINDS = {
    ("v1", "Pod"): "io.k8s.api.core.v1.Pod",
    ("v1", "ConfigMap"): "io.k8s.api.core.v1.ConfigMap",
    ("apps/v1", "Deployment"): "io.k8s.api.apps.v1.Deployment",
}
SPO_GROUP = "security-profiles-operator.x-k8s.io"
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def strict(node):
    """An OpenAPI schema as a strict JSON schema: unknown fields rejected, integer formats bounded."""
    if isinstance(node, list):
        return [strict(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: strict(v) for k, v in node.items()}
    if out.get("format") == "int-or-string" or out.get("x-kubernetes-int-or-string"):
        return {"type": ["integer", "string"]}
    if "properties" in out and "additionalProperties" not in out and not out.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    bits = {"int32": 31, "int64": 63}.get(out.get("format"))
    if bits:
        out.setdefault("minimum", -(2**bits))
        out.setdefault("maximum", 2**bits - 1)
    return out


def k8s_schema(definition):
    defs = {name: strict(d) for name, d in K8S.items()}
    # A quantity is a string or a number in YAML (cpu: 1, memory: 2Gi).
    defs["io.k8s.apimachinery.pkg.api.resource.Quantity"] = {"type": ["string", "number"]}
    if definition not in defs:
        raise KeyError(f"{definition}: not in vendor/kubernetes/definitions.json (add its root to extract.py)")
    return {"definitions": defs, "$ref": f"#/definitions/{definition}"}


def spo_schema(crd_version, api_version):
    crd = yaml.safe_load(SPO_CRDS[crd_version].read_text())
    for v in crd["spec"]["versions"]:
        if v["name"] == api_version and v.get("served"):
            schema = strict(v["schema"]["openAPIV3Schema"])
            schema["properties"]["metadata"] = {"$ref": "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
            schema["definitions"] = k8s_schema("io.k8s.api.core.v1.Pod")["definitions"]
            return schema
    return None


def errors_of(schema, doc):
    v = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
            for e in sorted(v.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))]


def name_errors(doc):
    name = (doc.get("metadata") or {}).get("name")
    if name is not None and (len(name) > 253 or not DNS1123_SUBDOMAIN.match(name)):
        return [f"metadata/name: {name!r} is not a DNS-1123 subdomain"]
    return []


def check_spo(doc):
    """Errors of a SeccompProfile: it must apply on SPO 0.9 and 1.x alike."""
    api = doc.get("apiVersion", "")
    group, _, version = api.partition("/")
    if group != SPO_GROUP or doc.get("kind") != "SeccompProfile":
        return [f"apiVersion/kind {api}/{doc.get('kind')}: not a SeccompProfile of {SPO_GROUP}"]
    out = []
    for crd in SPO_CRDS:
        schema = spo_schema(crd, version)
        if schema is None:
            out.append(f"SPO {crd} does not serve {api}")
            continue
        out += [f"SPO {crd}: {e}" for e in errors_of(schema, doc)]
    return out + name_errors(doc)


def render(overlays):
    """The backstage Deployment as templates/backstage/deployment.yaml at openchoreo ad3f5030 renders it:
    a transcription of the template (vendor/openchoreo/deployment.yaml) for the default values with the
    overlays merged over them (helm's -f: maps merged, lists and scalars replaced), release "openchoreo" in
    namespace "openchoreo-control-plane". What the shim's start depends on is rendered as the template does:
    the args, env (backstage.env, then extraEnv, then the database's), volumes and mounts (the database's,
    the chart's two config files, then extraVolumes/extraVolumeMounts), probes, resources and both security
    contexts. Left out: the env entries after extraEnv that name OpenChoreo's services, OAuth endpoints and
    Secrets (OPENCHOREO_*, BACKSTAGE_BASE_URL, BACKEND_SECRET, JENKINS_*, GITHUB_*: the template's lines 82-207), the pull secrets and
    the scheduling fields (nodeSelector, affinity, tolerations)."""
    values = copy.deepcopy(VALUES_DEFAULTS)

    def merge(base, over):
        for k, v in over.items():
            if isinstance(v, dict) and isinstance(base.get(k), dict):
                merge(base[k], v)
            else:
                base[k] = copy.deepcopy(v)

    for o in overlays:
        merge(values, o)
    b = values["backstage"]
    name = b.get("name") or "backstage"
    args = ["node", "packages/backend", "--config", "app-config.yaml", "--config", "app-config.ci.yaml"]
    if not b["tls"]["enabled"]:
        args += ["--config", "app-config.csp.yaml"]
    if b.get("appConfig"):
        args += ["--config", "app-config.extra.yaml"]
    args += [str(a) for a in b.get("extraArgs") or []]
    env = list(b.get("env") or []) + list(b.get("extraEnv") or [])
    if b["database"]["type"] == "sqlite":
        env += [{"name": "DATABASE_CLIENT", "value": "better-sqlite3"},
                {"name": "SQLITE_STORAGE_DIR", "value": b["database"]["sqlite"]["mountPath"]}]
    mounts, volumes = [], []
    if b["database"]["type"] == "sqlite":
        mounts.append({"name": "backstage-db", "mountPath": b["database"]["sqlite"]["mountPath"]})
        volumes.append({"name": "backstage-db", "emptyDir": {}})
    mounts.append({"name": "ci-config", "mountPath": "/app/app-config.ci.yaml", "subPath": "app-config.ci.yaml",
                   "readOnly": True})
    volumes.append({"name": "ci-config", "configMap": {"name": f"{name}-ci-config"}})
    if not b["tls"]["enabled"]:
        mounts.append({"name": "csp-config", "mountPath": "/app/app-config.csp.yaml",
                       "subPath": "app-config.csp.yaml", "readOnly": True})
        volumes.append({"name": "csp-config", "configMap": {"name": f"{name}-csp-config"}})
    mounts += list(b.get("extraVolumeMounts") or [])
    volumes += list(b.get("extraVolumes") or [])
    container = {
        "name": "backstage",
        "image": f"{b['image']['repository']}:{b['image'].get('tag') or 'latest'}",
        "imagePullPolicy": b["image"]["pullPolicy"],
        "args": args,
        "ports": [{"containerPort": 7007, "name": "http", "protocol": "TCP"}],
        "env": env,
        "livenessProbe": {"httpGet": {"path": "/healthcheck", "port": "http"}, "initialDelaySeconds": 30,
                          "periodSeconds": 10},
        "readinessProbe": {"httpGet": {"path": "/healthcheck", "port": "http"}, "initialDelaySeconds": 10,
                           "periodSeconds": 5},
        "resources": b["resources"],
        "volumeMounts": mounts,
    }
    if b.get("containerSecurityContext"):
        container["securityContext"] = b["containerSecurityContext"]
    pod = {"serviceAccountName": (b.get("serviceAccount") or {}).get("name") or "openchoreo-backstage", "containers": [container], "volumes": volumes}
    if b.get("podSecurityContext"):
        pod["securityContext"] = b["podSecurityContext"]
    labels = {"app.kubernetes.io/component": "backstage", "app.kubernetes.io/name": "openchoreo-control-plane",
              "app.kubernetes.io/instance": "openchoreo"}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "openchoreo-control-plane", "labels": labels},
        "spec": {"replicas": b["replicas"], "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels}, "spec": pod}},
    }


def check_values(doc):
    out = [f"values.schema.json: {e}" for e in errors_of(VALUES_SCHEMA, doc)]
    if not out:
        out += [f"rendered Deployment: {e}" for e in errors_of(k8s_schema(KINDS[("apps/v1", "Deployment")]),
                                                              render([doc]))]
    return out


def check_doc(doc, marker):
    if not isinstance(doc, dict):
        return [f"not a mapping: {doc!r:.60}"]
    if marker == "openchoreo-values":
        return check_values(doc)
    if marker:
        return errors_of(k8s_schema(marker), doc)
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key[1] == "SeccompProfile":
        return check_spo(doc)
    if key in KINDS:
        return errors_of(k8s_schema(KINDS[key]), doc) + name_errors(doc)
    return [f"apiVersion/kind {key[0]}/{key[1]}: no schema here, and no schema marker"]


def blocks(path):
    """(line, marker, text) of each YAML block of PATH (a fence may be indented, in a list)."""
    text = path.read_text()
    if path.suffix in (".yaml", ".yml"):
        m = re.match(r"# schema: (\S+)", text)
        return [(1, m.group(1) if m else None, text)]
    out, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        f = re.match(r"^(\s*)```yaml\s*$", lines[i])
        if f:
            indent, marker, j = f.group(1), None, i - 1
            # among the HTML comments right above the fence (tests/docs/check.py keeps its own there)
            while marker is None and j >= 0 and re.match(r"^\s*<!--.*-->\s*$", lines[j]):
                m = re.match(r"^\s*<!--\s*schema:\s*(\S+)\s*-->\s*$", lines[j])
                marker = m.group(1) if m else None
                j -= 1
            start = i + 1
            j = start
            while not re.match(r"^\s*```\s*$", lines[j]):
                j += 1
            body = [l[len(indent):] if l.startswith(indent) else l for l in lines[start:j]]
            out.append((start + 1, marker, "\n".join(body)))
            i = j
        i += 1
    return out


def check_files(paths):
    problems, n = [], 0
    for p in map(pathlib.Path, paths):
        for line, marker, text in blocks(p):
            for doc in yaml.safe_load_all(text):
                if doc is None:
                    continue
                n += 1
                if marker is None and not (isinstance(doc, dict) and "kind" in doc):
                    problems.append(f"{p}:{line}: a YAML fragment with no apiVersion/kind and no schema marker")
                    continue
                problems += [f"{p}:{line}: {e}" for e in check_doc(doc, marker)]
    return problems, n


def selftest():
    """Each known-bad document must be rejected, each known-good one accepted."""
    good_pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "app"},
                "spec": {"securityContext": {"runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
                         "containers": [{"name": "app", "image": "app", "securityContext": {
                             "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}]}}
    bad_pod = copy.deepcopy(good_pod)  # the README's pod-level fields before issue 23
    bad_pod["spec"]["securityContext"]["allowPrivilegeEscalation"] = False
    bad_pod["spec"]["securityContext"]["capabilities"] = {"drop": ["ALL"]}
    spo = {"apiVersion": f"{SPO_GROUP}/v1beta1", "kind": "SeccompProfile", "metadata": {"name": "app"},
           "spec": {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
                    "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}}
    spo_v1 = dict(spo, apiVersion=f"{SPO_GROUP}/v1")
    spo_errno = copy.deepcopy(spo)
    spo_errno["spec"]["defaultErrnoRet"] = 38
    spo_name = copy.deepcopy(spo)
    spo_name["metadata"]["name"] = "My_App!"
    spo_big = copy.deepcopy(spo)
    spo_big["spec"]["syscalls"][0]["args"] = [{"index": 0, "value": 2**64 - 1, "op": "SCMP_CMP_EQ"}]
    values_ok = {"backstage": {"extraEnv": [{"name": "SHIM_SECCOMP_MODE", "value": "complain"}]}}
    values_localhost = {"backstage": {"podSecurityContext": {"seccompProfile": {
        "type": "Localhost", "localhostProfile": "shim/app.json"}}}}
    values_bad_volume = {"backstage": {"extraVolumes": [{"name": "learn", "emptyDirr": {}}]}}
    cases = [
        ("pod with container-level fields", check_doc(good_pod, None), False),
        ("pod-level allowPrivilegeEscalation/capabilities", check_doc(bad_pod, None), True),
        ("SeccompProfile v1beta1", check_spo(spo), False),
        ("SeccompProfile v1 (SPO 0.9 does not serve it)", check_spo(spo_v1), True),
        ("SeccompProfile with defaultErrnoRet", check_spo(spo_errno), True),
        ("SeccompProfile named My_App!", check_spo(spo_name), True),
        ("SeccompProfile with a value beyond int64", check_spo(spo_big), True),
        ("values overlay with extraEnv", check_values(values_ok), False),
        ("values overlay with localhostProfile", check_values(values_localhost), True),
        ("values overlay with an unknown volume field", check_values(values_bad_volume), True),
    ]
    failed = 0
    for what, errs, want_errors in cases:
        ok = bool(errs) == want_errors
        failed += not ok
        print(f"{'ok' if ok else 'FAIL'}: {what}: {'rejected: ' + errs[0] if errs else 'accepted'}")
    return failed


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 64
    cmd, files = argv[1], argv[2:]
    if cmd == "selftest":
        failed = selftest()
        print(f"k8s selftest: {failed} failed")
        return 1 if failed else 0
    if cmd == "render":
        json.dump(render([yaml.safe_load(pathlib.Path(f).read_text()) for f in files]), sys.stdout, indent=1)
        print()
        return 0
    if cmd == "docs":
        problems, n = check_files(files)
    elif cmd in ("spo", "values"):
        problems, n = [], 0
        for f in files:
            n += 1
            doc = yaml.safe_load(pathlib.Path(f).read_text())
            problems += [f"{f}: {e}" for e in (check_spo(doc) if cmd == "spo" else check_values(doc))]
    else:
        print(__doc__, file=sys.stderr)
        return 64
    for p in problems:
        print(p)
    print(f"k8s {cmd}: {n} documents, {len(problems)} problems")
    return 1 if problems or not n else 0


sys.exit(main(sys.argv))
