#!/usr/bin/env python3
"""The README and docs/ hold what they claim to (make test-docs).

- README.md is at most 25,000 bytes (issue 24: an operator's first read).
- Every relative link in README.md and docs/*.md names a file that exists, and every #anchor a heading
  of that file (GitHub's slugs).
- Every fenced block of README.md says how it is checked, in an HTML comment among those right above it:
    <!-- check: usage -->              the block is what `shim --help` prints first;
    <!-- check: run -->                a shell block run here (bash -eu, in a temporary directory,
                                       build/shim first in PATH as `shim`): it must exit 0;
    <!-- check: tested by FILE -->     FILE exists and reads README.md (it extracts the block itself);
    <!-- check: not run: REASON -->    what keeps it from running here.
  A block without one fails the check: a new command in the README needs a test or a reason.

usage: check.py REPO SHIM
"""
import os
import re
import subprocess
import sys
import tempfile

REPO, SHIM = sys.argv[1], os.path.abspath(sys.argv[2])
README = os.path.join(REPO, "README.md")
LIMIT = 25000
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg)


def ok(msg):
    print("ok   " + msg)


def slug(heading):
    s = heading.strip().lower()
    s = re.sub(r"[`*_]", "", s)
    s = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", s)
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def anchors(path):
    out, fence = set(), False
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("```"):
                fence = not fence
            elif not fence and line.startswith("#"):
                out.add(slug(line.lstrip("#")))
    return out


def blocks(path):
    """(line number, language, marker comment or None, text) of every fenced block."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = re.match(r"^(\s*)```(\S*)\s*$", lines[i])
        if m:
            indent, lang, start = m.group(1), m.group(2), i
            marker, j = None, i - 1
            # the HTML comments right above the fence (other tests keep theirs there too)
            while marker is None and j >= 0 and re.match(r"^\s*<!--.*-->\s*$", lines[j]):
                c = re.match(r"^\s*<!--\s*check:\s*(.*?)\s*-->\s*$", lines[j])
                marker = c.group(1) if c else None
                j -= 1
            i += 1
            body = []
            while i < len(lines) and not re.match(r"^\s*```\s*$", lines[i]):
                body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i])
                i += 1
            out.append((start + 1, lang, marker, "\n".join(body) + "\n"))
        i += 1
    return out


# 1. size
size = os.path.getsize(README)
(ok if size <= LIMIT else fail)(f"README.md is {size} bytes (limit {LIMIT})")

# 2. links
docs = [README] + sorted(
    os.path.join(REPO, "docs", n) for n in os.listdir(os.path.join(REPO, "docs")) if n.endswith(".md"))
nlinks = 0
for doc in docs:
    text = open(doc, encoding="utf-8").read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target):
            continue
        nlinks += 1
        path, _, anchor = target.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(doc), path)) if path else doc
        rel = os.path.relpath(doc, REPO)
        if not os.path.exists(dest):
            fail(f"{rel}: link {target}: no file {os.path.relpath(dest, REPO)}")
        elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
            fail(f"{rel}: link {target}: no heading #{anchor} in {os.path.relpath(dest, REPO)}")
ok(f"{nlinks} relative links in README.md and docs/ checked")

# 3. README's blocks
help_text = subprocess.run([SHIM, "--help"], capture_output=True, text=True, check=False).stdout
for line, lang, marker, body in blocks(README):
    where = f"README.md:{line} ({lang or 'text'} block)"
    if marker is None:
        fail(f"{where}: no <!-- check: ... --> comment right above it")
    elif marker == "usage":
        if help_text.startswith(body):
            ok(f"{where}: is what shim --help prints first")
        else:
            fail(f"{where}: differs from shim --help:\n{help_text}")
    elif marker == "run":
        with tempfile.TemporaryDirectory() as tmp:
            os.symlink(SHIM, os.path.join(tmp, "shim"))
            env = dict(os.environ, PATH=tmp + ":" + os.environ.get("PATH", ""))
            r = subprocess.run(["bash", "-eu", "-c", body], cwd=tmp, env=env, capture_output=True,
                               text=True, timeout=120, check=False)
            if r.returncode == 0:
                ok(f"{where}: ran, exit 0")
            else:
                fail(f"{where}: exit {r.returncode}: {(r.stderr or r.stdout).strip()[:400]}")
    elif marker.startswith("tested by "):
        f = os.path.join(REPO, marker[len("tested by "):].split()[0])
        if os.path.isfile(f) and "README.md" in open(f, encoding="utf-8", errors="replace").read():
            ok(f"{where}: tested by {os.path.relpath(f, REPO)}")
        else:
            fail(f"{where}: {marker}: no such file, or it does not read README.md")
    elif marker.startswith("not run: ") and len(marker) > len("not run: ") + 10:
        ok(f"{where}: not run here ({marker[len('not run: '):]})")
    else:
        fail(f"{where}: unknown check '{marker}' (usage, run, tested by FILE, not run: REASON)")

print(f"docs: {len(failures)} failed")
sys.exit(1 if failures else 0)
