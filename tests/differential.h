#ifndef SHIM_TESTS_DIFFERENTIAL_H
#define SHIM_TESTS_DIFFERENTIAL_H
/* The differential oracle shared by the property test (tests/unit/
 * test_differential.c) and the profile fuzzer: the program the shim installs
 * for a rule set, run in the emulator beside libseccomp's program of the same
 * rule set (what runc, crun, Docker and Podman install), on argument vectors
 * made of each condition's boundary values and random 64-bit values.
 *
 * Where the kernel reads only an argument's low 32 bits (resolve_truncates),
 * libseccomp's program is asked about the value the kernel uses: the range
 * program is meant to decide on that, not on the raw register. */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emit.h"
#include "emulate.h"
#include "resolve.h"
#include "ruleset.h"

static inline uint64_t diff_rand(uint64_t *s)
{
	/* splitmix64: seeded, the same sequence everywhere. */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Values that bound the regions of the conditions on argument INDEX. */
static inline unsigned diff_boundaries(const struct ruleset *rs, unsigned index, uint64_t *v, unsigned cap)
{
	unsigned n = 0;
#define DIFF_ADD(x)                            \
	do {                                   \
		if (n < cap)                   \
			v[n++] = (uint64_t)(x); \
	} while (0)
	DIFF_ADD(0);
	DIFF_ADD(UINT64_MAX);
	DIFF_ADD(0xffffffffull);
	DIFF_ADD(1ull << 32);
	for (unsigned i = 0; i < rs->nrules; i++)
		for (unsigned k = 0; k < rs->rules[i].nargs; k++) {
			const struct rule_arg *c = &rs->rules[i].args[k];
			if (c->index != index)
				continue;
			uint64_t x[] = { c->a, c->b, c->op == SCMP_CMP_MASKED_EQ ? (c->b & c->a) : c->a };
			for (unsigned j = 0; j < 3; j++) {
				DIFF_ADD(x[j]);
				DIFF_ADD(x[j] + 1);
				DIFF_ADD(x[j] - 1);
				DIFF_ADD(x[j] & 0xffffffffull);            /* the high word cleared */
				DIFF_ADD(x[j] ^ 1ull << 32);               /* another high word */
				DIFF_ADD(x[j] | 0xffffffff00000000ull);    /* sign-extended */
				DIFF_ADD((x[j] & 0xffffffffull) + 1);
				DIFF_ADD((x[j] & 0xffffffffull) - 1);
			}
			if (c->op == SCMP_CMP_MASKED_EQ) /* bits outside the mask changed */
				DIFF_ADD((c->b & c->a) | ~c->a);
		}
#undef DIFF_ADD
	return n;
}

struct diff_result {
	unsigned vectors, differences;
	char first[256]; /* the first difference */
};

/* Runs PROG (what the shim installs) and LIB (libseccomp's program of RS) on
 * N vectors from SEED: syscalls RS names on each of its architectures (and
 * i386's socketcall/ipc), each argument a boundary of its conditions or a
 * random 64-bit value. */
static inline void diff_run(const struct ruleset *rs, const struct sock_filter *prog, unsigned len,
			    const struct sock_filter *lib, unsigned lib_len, uint64_t seed, unsigned n,
			    struct diff_result *out)
{
	static uint64_t bound[6][512];
	unsigned nbound[6];
	for (unsigned k = 0; k < 6; k++)
		nbound[k] = diff_boundaries(rs, k, bound[k], 512);
	memset(out, 0, sizeof *out);
	for (unsigned v = 0; v < n; v++) {
		unsigned a = (unsigned)(diff_rand(&seed) % (rs->narch ? rs->narch : 1));
		uint32_t arch = rs->arch[a];
		struct seccomp_data d = { .arch = arch == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : arch };
		int nr = -1;
		if (rs->nrules)
			nr = ruleset_nr(arch, rs->rules[diff_rand(&seed) % rs->nrules].name);
		if (nr < 0) /* a multiplexed call on i386, or not on this ABI */
			nr = arch == SCMP_ARCH_X86 ? (diff_rand(&seed) & 1 ? 102 : 117) : (int)(diff_rand(&seed) % 500);
		d.nr = nr;
		for (unsigned k = 0; k < 6; k++)
			d.args[k] = diff_rand(&seed) % 4 ? bound[k][diff_rand(&seed) % nbound[k]] : diff_rand(&seed);
		if ((d.nr == 102 || d.nr == 117) && arch == SCMP_ARCH_X86 && diff_rand(&seed) % 2)
			d.args[0] = diff_rand(&seed) % 25;
		struct seccomp_data kernel = d;
		if (arch == SCMP_ARCH_X86_64 || arch == SCMP_ARCH_AARCH64)
			for (unsigned k = 0; k < 6; k++)
				if (resolve_truncates(arch, (uint32_t)d.nr, k))
					kernel.args[k] &= 0xffffffffull;
		uint32_t want = emulate(lib, lib_len, &kernel), got = emulate(prog, len, &d);
		out->vectors++;
		if (want != got || want == EMULATE_INVALID) {
			if (!out->differences++)
				snprintf(out->first, sizeof out->first,
					 "arch 0x%08x nr %d args 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx: "
					 "libseccomp 0x%08x, installed 0x%08x",
					 (unsigned)d.arch, d.nr, (unsigned long long)d.args[0],
					 (unsigned long long)d.args[1], (unsigned long long)d.args[2],
					 (unsigned long long)d.args[3], (unsigned long long)d.args[4],
					 (unsigned long long)d.args[5], (unsigned)want, (unsigned)got);
		}
	}
}

/* Whether RS has two argument rules on one syscall: the only rule sets
 * seen to make libseccomp 2.6.0 loop. */
static inline bool diff_overlapping(const struct ruleset *rs)
{
	for (unsigned i = 0; i < rs->nrules; i++)
		for (unsigned j = i + 1; j < rs->nrules; j++)
			if (rs->rules[i].nargs && rs->rules[j].nargs && !strcmp(rs->rules[i].name, rs->rules[j].name))
				return true;
	return false;
}

/* Whether libseccomp finishes compiling RS, tried in a child: where it
 * loops, emit_libseccomp's deadline ends the process (as it ends the shim,
 * exit 65), which must not end the caller. */
static inline bool diff_libseccomp_finishes(const struct ruleset *rs)
{
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		struct sock_filter *prog;
		unsigned short len;
		_exit(emit_libseccomp(rs, "differential", &prog, &len) ? 1 : 0);
	}
	int status;
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) <= 1;
}

#endif
