#ifndef SHIM_VERIFY_H
#define SHIM_VERIFY_H

/* Step 3c: the range program must decide as libseccomp's does. */
#include <linux/filter.h>
#include <stddef.h>

#include "ruleset.h"

/* Runs both programs in the emulator for every architecture value the
 * filter distinguishes (and others), every syscall number 0..1023 (and the
 * x32 numbers on x86_64), and for the argument-checked syscalls a grid of
 * argument values (address families and their high-bit variants, CLONE_NEW*
 * bits alone, with thread flags and with bit 32, personality boundaries,
 * every value a rule names and its neighbours). Where the kernel reads an
 * argument's low 32 bits only, the range program's answer must be the one
 * libseccomp's program gives for the value the kernel sees.
 * 0 when they agree, else -1 with the first difference in WHY. */
int verify_programs(const struct ruleset *rs, const struct sock_filter *lib, unsigned lib_len,
		    const struct sock_filter *range, unsigned range_len, char *why, size_t why_len);

#endif
