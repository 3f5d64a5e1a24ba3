#!/usr/bin/env bash
# Checks the README's hardening claims on the built binary with readelf:
#   static PIE (ELF type DYN, no PT_INTERP), GNU_RELRO + BIND_NOW (full RELRO),
#   non-executable stack, no text relocations, stack-protector canary (symbols of FILE.debug).
# Then checks that the checker fails: a plain static, non-PIE, exec-stack, norelro,
# canary-less binary must be refused on every count.
#   hardening.sh BINARY UNSTRIPPED
# HARDENING_RUNNER: a command to run BINARY with (qemu-aarch64-static for the aarch64 build).
set -uo pipefail
bin=$1 dbg=$2
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS: hardening: $*"; }
fail() { failed=$((failed + 1)); echo "FAIL: hardening: $*"; }

# claims FILE DEBUGFILE: prints one "ok NAME" or "bad NAME" line per claim.
claims() {
    local f=$1 d=$2 h l dyn
    h=$(readelf -hW "$f") l=$(readelf -lW "$f") dyn=$(readelf -dW "$f" 2>/dev/null)
    grep -q 'Type: *DYN' <<<"$h" && echo "ok pie" || echo "bad pie"
    grep -q ' INTERP ' <<<"$l" && echo "bad no-interp" || echo "ok no-interp"
    grep -q ' GNU_RELRO ' <<<"$l" && echo "ok relro" || echo "bad relro"
    grep -Eq '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW' <<<"$dyn" && echo "ok bind-now" || echo "bad bind-now"
    grep -Eq ' GNU_STACK .* RW +0x' <<<"$l" && echo "ok nx-stack" || echo "bad nx-stack"
    grep -q 'TEXTREL' <<<"$dyn" && echo "bad no-textrel" || echo "ok no-textrel"
    local syms; syms=$(nm "$d" 2>/dev/null)
    grep -q ' __stack_chk_fail$' <<<"$syms" && echo "ok canary" || echo "bad canary"
}

[[ -x $bin && -f $dbg ]] || { echo "hardening: usage: hardening.sh BINARY UNSTRIPPED" >&2; exit 2; }
while read -r verdict name; do
    if [[ $verdict == ok ]]; then pass "${bin##*/}: $name"; else fail "${bin##*/}: $name"; fi
done < <(claims "$bin" "$dbg")
# It runs: static PIE needs no loader (and musl's rcrt1.o relocates it).
if out=$(env -i ${HARDENING_RUNNER:-} "$bin" --version 2>&1) && grep -q . <<<"$out"; then pass "${bin##*/} --version runs"; else fail "${bin##*/} --version runs"; fi

# The static-pie specs end as gcc's parser needs (musl-specs.sh): three newlines, or gcc
# reads past the end (natively on arm64: "specs file malformed").
specs=$(dirname "$dbg")/musl-static-pie.specs
if [[ -f $specs && $(tail -c 3 "$specs" | od -An -c | tr -d ' ') == '\n\n\n' ]]; then pass "musl-static-pie.specs ends with a blank spec line"
else fail "musl-static-pie.specs ends with a blank spec line ($specs)"; fi

# The checker itself must catch each missing property.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf 'int main(void) { char b[64]; return b[0] = 0; }\n' >"$tmp/weak.c"
if musl-gcc -static -fno-stack-protector -fno-pie -no-pie -z execstack -Wl,-z,norelro,-z,lazy \
    -o "$tmp/weak" "$tmp/weak.c" 2>"$tmp/cc.log"; then
    bad=$(claims "$tmp/weak" "$tmp/weak" | awk '$1 == "bad" { printf "%s ", $2 }')
    [[ $bad == "pie relro bind-now nx-stack canary " ]] && pass "a weak static binary is refused: $bad" ||
        fail "a weak static binary is refused on pie relro bind-now nx-stack canary (got: $bad)"
else
    fail "cannot build the weak reference binary: $(head -n 2 "$tmp/cc.log")"
fi
# Debian's plain musl-gcc -static-pie: a dynamic PIE with an interpreter, which distroless lacks.
if musl-gcc -static-pie -fPIE -o "$tmp/dynpie" "$tmp/weak.c" 2>"$tmp/cc.log"; then
    grep -qx 'bad no-interp' <<<"$(claims "$tmp/dynpie" "$tmp/dynpie")" && pass "a PIE with PT_INTERP is refused" ||
        fail "a PIE with PT_INTERP is refused"
else
    fail "cannot build the dynamic PIE reference: $(head -n 2 "$tmp/cc.log")"
fi
echo "hardening: $passed passed, $failed failed"
((failed == 0))
