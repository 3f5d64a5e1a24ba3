#ifndef SHIM_PRINT_H
#define SHIM_PRINT_H

/* Step 4, print: a rule set as OCI JSON, the effective profile
 * (--print-profile, learn mode's base, --export-profile's input): Docker's
 * includes and excludes resolved, errno names as numbers, one entry per
 * profile entry that applies, names this libseccomp does not know kept. */
#include "ruleset.h"

/* Pretty-printed JSON text, malloc'd; NULL when out of memory. */
char *print_ruleset(const struct ruleset *rs);

/* A comparison's name in a profile ("SCMP_CMP_EQ", ...). */
const char *print_compare_name(enum scmp_compare op);

/* One profile entry, rules FIRST..END-1 (one group: same action and args),
 * as one line of JSON, with only the names KEEP accepts (NULL: all); *KEPT
 * says how many. Learn mode's output is made of these. malloc'd; NULL when
 * out of memory. */
char *print_entry(const struct ruleset *rs, unsigned first, unsigned end, bool (*keep)(const char *name),
		  unsigned *kept);

#endif
