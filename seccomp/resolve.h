#ifndef SHIM_RESOLVE_H
#define SHIM_RESOLVE_H

/* Step 2, resolve: a rule set -> for one of its architectures, the decision
 * for every syscall number: an action, or the argument rules that decide,
 * in the form libseccomp's program takes (its rule merging, i386's
 * socketcall/ipc multiplexing, its 32-bit argument reading). */
#include <stdbool.h>
#include <stdint.h>

#include "ruleset.h"

#define TABLE_NR 1024       /* every number from base to base + TABLE_NR - 1 */
#define TABLE_MAX_RULES 128 /* argument-checked rules of one architecture */
#define TABLE_MAX_HIGH 16   /* runs of the numbers from base + TABLE_NR up */

/* Small enough to build twice per program at load (emit, then verify):
 * argument rules are a list per number, not a row each. */
struct table {
	uint32_t arch;       /* libseccomp's token */
	uint32_t audit_arch; /* the value of seccomp_data.arch */
	uint32_t base;       /* the number of index 0: 0, or x32's bit */
	bool arg32;          /* a 32-bit ABI: libseccomp compares the low words only */
	uint32_t default_action; /* what argument rules fall back to */
	bool stub;               /* runc's ENOSYS stub: every index above max */
	long max;                /* answers ENOSYS, before any rule is read */
	uint32_t act[TABLE_NR];  /* when ncond is 0 */
	/* On a 64-bit ABI, bit K: the kernel reads only the low 32 bits of
	 * argument K of this number (resolve_truncates), once per table. */
	unsigned char trunc[TABLE_NR];
	bool uncond[TABLE_NR];   /* decided by an unconditional rule */
	unsigned char ncond[TABLE_NR];
	/* The argument rules of index I, first match decides: rules[first[I] - 1],
	 * then rules[next[that] - 1] ... (0 ends). */
	unsigned char first[TABLE_NR], last[TABLE_NR];
	/* Numbers from base + TABLE_NR up: run I covers high[I].start (an index
	 * like those above) to the next run's start. */
	struct {
		uint32_t start, action;
	} high[TABLE_MAX_HIGH];
	unsigned nhigh;
	unsigned nrules;
	unsigned char next[TABLE_MAX_RULES];
	struct rule rules[TABLE_MAX_RULES]; /* as this architecture checks them; last, not cleared */
};

/* Whether the range emitter handles ARCH (libseccomp token). */
bool resolve_arch_supported(uint32_t arch);

/* Resolves architecture RS->arch[A] into T. 0, or -1 when that is outside
 * the table's reach: an architecture not handled, conditional rules above
 * TABLE_NR, more rules than it holds, two unconditional actions on one
 * syscall. */
int resolve(const struct ruleset *rs, unsigned a, struct table *t);

/* Every architecture of RS resolved, in RS's order, into *TABLES (malloc'd,
 * RS->narch of them): the tables the range emitter builds from and the
 * proof checks against. 0, or -1 when out of memory or any architecture is
 * outside the tables' reach (as resolve). */
int resolve_all(const struct ruleset *rs, struct table **tables);

/* Whether the kernel reads only the low 32 bits of argument ARG of syscall
 * NR on the 64-bit ARCH (an int or unsigned int parameter, or legacy clone's
 * flags). */
bool resolve_truncates(uint32_t arch, uint32_t nr, unsigned arg);

#endif
