#!/usr/bin/env python3
"""Cuts the definitions tests/k8s needs out of Kubernetes' swagger.json.

usage: extract.py SWAGGER.json > definitions.json
Keeps the closure of ROOTS (every definition they reference, transitively), without the
"description" texts (size); everything else verbatim."""
import json
import sys

ROOTS = ["io.k8s.api.apps.v1.Deployment", "io.k8s.api.core.v1.Pod", "io.k8s.api.core.v1.ConfigMap"]


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def refs(node, out):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            out.add(ref.rsplit("/", 1)[1])
        for v in node.values():
            refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)


def main():
    defs = json.load(open(sys.argv[1]))["definitions"]
    keep, todo = set(), list(ROOTS)
    while todo:
        name = todo.pop()
        if name in keep:
            continue
        keep.add(name)
        found = set()
        refs(defs[name], found)
        todo.extend(sorted(found - keep))
    json.dump({"definitions": {n: strip(defs[n]) for n in sorted(keep)}}, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


main()
