#!/usr/bin/env bash
# Print a gcc specs file for static-pie links against Debian's musl (stdout).
# Debian's musl-gcc.specs starts every link with Scrt1.o and names the dynamic
# linker, so -static-pie with it yields a dynamic PIE that needs /lib/ld-musl
# (absent from distroless images). The same specs with musl's rcrt1.o (the
# self-relocating start file) and gcc's static-pie link options give a static
# PIE: no interpreter, loaded at a random address, RELRO/BIND_NOW applied.
#   musl-specs.sh [SPECS]   SPECS: musl's specs file (default: the one the host's musl-gcc uses;
#                           the aarch64 cross build passes its own)
set -euo pipefail
if [[ $# -ge 1 ]]; then
    specs=$1
else
    wrapper=$(command -v musl-gcc) || { echo "musl-specs: musl-gcc not found (Debian package musl-tools)" >&2; exit 1; }
    specs=$(sed -n 's/.*-specs "\([^"]*\)".*/\1/p' "$wrapper")
fi
[[ -r $specs ]] || { echo "musl-specs: cannot find musl's specs file in $wrapper" >&2; exit 1; }
out=$(sed -e 's#%{!shared: \(/[^ ]*\)/Scrt1\.o}#%{!shared: \1/rcrt1.o}#' \
          -e 's#-dynamic-linker [^ ]* ##' \
          -e 's#%{static:-static}#%{static|static-pie:-static} %{static-pie:-pie --no-dynamic-linker -z text}#' "$specs")
# Refuse a specs file these edits did not fit (a future musl-tools): better no build than a dynamic PIE.
grep -q 'rcrt1\.o' <<<"$out" && grep -q -- '--no-dynamic-linker' <<<"$out" && ! grep -q -- '-dynamic-linker /' <<<"$out" ||
    { echo "musl-specs: $specs has an unexpected form; cannot derive static-pie specs" >&2; exit 1; }
# A spec ends at a blank line, and the last one needs two more newlines: gcc's read_specs
# looks one byte past the end of a file that ends right after a spec name's blank line
# (the original ends with three newlines; `$(...)` dropped them). On x86_64 the stray byte
# happened to be nonzero; natively on arm64 it is 0 and gcc says "specs file malformed".
printf '%s\n\n\n' "$out"
