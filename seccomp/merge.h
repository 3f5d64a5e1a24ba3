#ifndef SHIM_SECCOMP_MERGE_H
#define SHIM_SECCOMP_MERGE_H

/* --merge-profile: the union of learned profiles (replicas, environments)
 * learned from the same base, and of their review files. */
#include <stdbool.h>
#include <stddef.h>

#include "ruleset.h"

/* The union of IN[0..N-1] (N >= 1), which must share their default action,
 * architectures and flags (else 1, with what differs in WHY): the calls any
 * of them allows for any arguments, once; the argument-checked allow rules
 * of any of them, once each, for the calls none allows unconditionally; every
 * other rule (deny, ENOSYS) once, in the order first seen. Allow rules come
 * first, sorted by name, as learn mode writes them. OUT is new; 0, 1, or -1
 * when out of memory. */
int merge_rulesets(const struct ruleset *in, size_t n, struct ruleset *out, char *why, size_t why_len);

/* The tool: the merged profile (REVIEW false) or the merged review file
 * (REVIEW true) of the learned profiles PATHS[0..N-1] on stdout. Each
 * needs its review file (PATH.review.json) and all the same baseSha256.
 * 0, EXIT_SECCOMP, or EXIT_SYSTEM after one error line. */
int merge_profile_tool(char *const *paths, size_t n, bool review);

#endif
