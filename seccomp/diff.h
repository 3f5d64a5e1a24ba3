#ifndef SHIM_SECCOMP_DIFF_H
#define SHIM_SECCOMP_DIFF_H

/* --diff-profile OLD NEW: what NEW allows that OLD did not, and the reverse,
 * by decision (each profile's program asked about every class of argument
 * values its rules and the other's tell apart), not by text. */
#include <stdio.h>

#include "ruleset.h"

/* The command's exit codes (set by issue 25, for a CI gate). */
enum { DIFF_SAME_OR_LESS = 0, DIFF_MORE = 1, DIFF_ERROR = 2 };

struct diff_count {
	unsigned more; /* calls (or architectures) NEW allows where OLD did not, for some arguments */
	unsigned less; /* the reverse */
};

/* Compares OLD and NEW on every architecture either names; writes the lines
 * (sorted by call, "+ " for more, "- " for less) to OUT unless it is NULL.
 * 0, or -1 with the reason in WHY (a rule set outside the decision tables'
 * reach, too many argument classes, out of memory). */
int diff_rulesets(const struct ruleset *old, const struct ruleset *new, FILE *out, struct diff_count *count,
		  char *why, size_t why_len);

/* The tool: DIFF_SAME_OR_LESS, DIFF_MORE, or DIFF_ERROR after one error line. */
int diff_profile_tool(const char *old, const char *new);

#endif
