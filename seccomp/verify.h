#ifndef SHIM_VERIFY_H
#define SHIM_VERIFY_H

/* Step 3c: the range program must decide as libseccomp's does. */
#include <linux/filter.h>
#include <stddef.h>

#include "ruleset.h"

#define VERIFY_DIFFERS (-1)  /* a seccomp_data on which they decide differently */
#define VERIFY_UNPROVEN (-2) /* outside what the proof handles, or over its budget */

/* Proves that RANGE decides as LIB (libseccomp's program of RS) on every
 * seccomp_data: every arch value, number and argument vector, with LIB
 * asked about the kernel's view where the kernel reads only an argument's
 * low 32 bits (verify.c says why the values it tries are enough).
 * 0 when they agree everywhere; VERIFY_DIFFERS with the first difference in
 * WHY; VERIFY_UNPROVEN with the reason in WHY. */
int verify_programs(const struct ruleset *rs, const struct sock_filter *lib, unsigned lib_len,
		    const struct sock_filter *range, unsigned range_len, char *why, size_t why_len);

/* The same against RS's tables as resolve_all built them (the ones the
 * range program was emitted from: profile_emit resolves once). */
struct table;
int verify_tables(const struct ruleset *rs, const struct table *tables, const struct sock_filter *lib,
		  unsigned lib_len, const struct sock_filter *range, unsigned range_len, char *why, size_t why_len);

#endif
