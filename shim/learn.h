#ifndef SHIM_LEARN_H
#define SHIM_LEARN_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <sys/types.h>

#include "notify.h"
#include "ruleset.h"

/* Learn mode (SHIM_SECCOMP_MODE=learn): PID 1 records which of the base
 * profile's allowed calls the workload makes and keeps SHIM_LEARN_FILE a valid
 * profile allowing exactly those (plus the assumed set), rewritten atomically
 * whenever a call is seen for the first time. */

/* Before anything starts: builds the output plan from the base profile (its
 * rule set, printed entry by entry, and its compiled enforce program) and the
 * child's learn variant: ruleset_learn's transformation of the base (every
 * allowed call reported, except the assumed set and the bootstrap calls),
 * emitted by profile_emit. Allocates. 0 or EXIT_SECCOMP / EXIT_CONFIG after
 * one error line. */
int learn_init(const char *file, bool learn_args, const char *base_name, const char *base_kind,
	       const struct sock_fprog *enforce, const struct ruleset *base, struct sock_fprog *variant);

/* After the privilege drop, before the child starts: opens the output
 * directory (kept open for PID 1, which can no longer resolve paths freely
 * once confined), merges an existing file learned from the same base (its
 * review file says which), writes the profile and review file and says at
 * warn level that learn mode is on. A location that does not exist or
 * cannot be written, or an existing file that cannot be merged, fails here:
 * EXIT_CONFIG. (Also learn_recorder's open.) */
int learn_open(void);

/* Learn mode's recorder (after learn_init): open is learn_open; each
 * notification records a call the first time it is seen (process lookup,
 * rewrite of both files); finish, every process reaped, writes both files
 * once more (the workload could replace them while it ran) and one summary
 * line on stderr with the sha256 of the profile written. */
extern const struct recorder learn_recorder;

#endif
