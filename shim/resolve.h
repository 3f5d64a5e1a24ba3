#ifndef SHIM_RESOLVE_H
#define SHIM_RESOLVE_H

/* Step 2, resolve: a rule set -> the decision for every syscall number of
 * the target architecture: an action, or the argument rules that decide. */
#include <stdbool.h>
#include <stdint.h>

#include "ruleset.h"

#define TABLE_NR 1024     /* every number below; one decision for all above */
#define TABLE_MAX_COND 16 /* argument-checked rules of one syscall */

struct table {
	uint32_t arch;
	uint32_t default_action;  /* what argument rules fall back to */
	uint32_t act[TABLE_NR];   /* when ncond is 0 */
	unsigned char ncond[TABLE_NR];
	unsigned short cond[TABLE_NR][TABLE_MAX_COND]; /* indexes into the rule set, profile order */
	uint32_t above;           /* every number from TABLE_NR up */
	const struct ruleset *rs;
};

/* 0, or -1 when RS is outside the table's reach: several architectures,
 * conflicting rules on one syscall, a number at or above TABLE_NR. */
int resolve(const struct ruleset *rs, struct table *t);

/* Whether the kernel reads only the low 32 bits of argument ARG of syscall
 * NR on ARCH (an int or unsigned int parameter, or legacy clone's flags). */
bool resolve_truncates(uint32_t arch, uint32_t nr, unsigned arg);

#endif
