#ifndef SHIM_LEARN_ARGS_H
#define SHIM_LEARN_ARGS_H

/* Learn mode's argument learning: which argument values are recorded for
 * which call, and the rule an observed call narrows the base's rule to. */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ruleset.h"

#define LEARN_SPEC_MAX_ARGS 2

/* A call whose argument values learn mode records: argument INDEX, compared
 * exactly (MASK all ones) or under MASK. */
struct learn_arg_spec {
	const char *name;
	unsigned nargs;
	struct {
		unsigned index;
		uint64_t mask;
	} arg[LEARN_SPEC_MAX_ARGS];
};

/* The spec for NAME, or NULL: then only which of the base's rules allowed
 * the call is learned. */
const struct learn_arg_spec *learn_arg_spec(const char *name);

/* The values SPEC records of ARGS (masked), into VALUE[spec->nargs]. */
void learn_arg_values(const struct learn_arg_spec *spec, const uint64_t args[6],
		      uint64_t value[LEARN_SPEC_MAX_ARGS]);

/* BASE, an allow rule of the base profile, narrowed to VALUE (as
 * learn_arg_values gives them) into OUT: an exactly learned argument replaces
 * the base's conditions on it by `== value`, a masked one adds `& mask ==
 * value` where the base has no condition on it (else the base's stays). Only
 * values that satisfy BASE's own conditions on an exactly learned argument
 * narrow it, so OUT never allows what BASE denies. False (OUT untouched)
 * when they do not, or when BASE's conditions are alternatives. A value the
 * rule does not use (the base's condition stayed) is set to 0, so equal
 * rules have equal values. Without a SPEC, OUT is BASE. */
bool learn_arg_narrow(const struct rule *base, const struct learn_arg_spec *spec,
		      uint64_t value[LEARN_SPEC_MAX_ARGS], struct rule *out);

/* The conditions SPEC learns of VALUE on top of BASE, as the review file
 * lists them: ARG == VALUE for an exact argument, ARG & MASK == VALUE for a
 * masked one where BASE has no condition on ARG. Their number. */
unsigned learn_arg_conditions(const struct rule *base, const struct learn_arg_spec *spec,
			      const uint64_t value[LEARN_SPEC_MAX_ARGS], struct rule_arg out[LEARN_SPEC_MAX_ARGS]);

/* One learned argument rule: the base's allow rule BASE (an index into the
 * base's allow rules for call NR) narrowed to VALUE, and who made it first. */
struct arg_rule {
	unsigned short nr;
	unsigned char base;
	uint64_t value[LEARN_SPEC_MAX_ARGS];
	pid_t pid;
	char comm[16];
};

/* Adds R (its nr, base and values) to TABLE[*N] (room for CAP), kept sorted
 * by call, base rule and values so the output does not depend on the order
 * calls came in, unless there. The entry's index in *AT. 1 when added, 0
 * when there, -1 when the table is full. */
int arg_rules_add(struct arg_rule *table, unsigned *n, unsigned cap, const struct arg_rule *r, unsigned *at);

#endif
