/* Learn mode's argument learning (issue 25): the calls whose arguments decide
 * what an escape can do, and how an observed value narrows the base's rule. */
#include "learn_args.h"

#include <string.h>

#define EXACT UINT64_MAX
/* SOCK_TYPE_MASK: the socket type without SOCK_NONBLOCK and SOCK_CLOEXEC,
 * which a library sets or not from one release to the next. */
#define SOCK_TYPE 0xfu

static const struct learn_arg_spec specs[] = {
	{ "socket", 2, { { 0, EXACT }, { 1, SOCK_TYPE } } },     /* family; type */
	{ "socketpair", 2, { { 0, EXACT }, { 1, SOCK_TYPE } } }, /* family; type */
	{ "clone", 1, { { 0, EXACT } } },                        /* flags */
	{ "personality", 1, { { 0, EXACT } } },                  /* persona */
	{ "prctl", 1, { { 0, EXACT } } },                        /* option */
};

const struct learn_arg_spec *learn_arg_spec(const char *name)
{
	for (size_t i = 0; i < sizeof specs / sizeof *specs; i++)
		if (!strcmp(specs[i].name, name))
			return &specs[i];
	return NULL;
}

void learn_arg_values(const struct learn_arg_spec *spec, const uint64_t args[6],
		      uint64_t value[LEARN_SPEC_MAX_ARGS])
{
	for (unsigned j = 0; j < spec->nargs; j++)
		value[j] = args[spec->arg[j].index] & spec->arg[j].mask;
}

static bool conditions_on(const struct rule *r, unsigned index)
{
	for (unsigned k = 0; k < r->nargs; k++)
		if (r->args[k].index == index)
			return true;
	return false;
}

unsigned learn_arg_conditions(const struct rule *base, const struct learn_arg_spec *spec,
			      const uint64_t value[LEARN_SPEC_MAX_ARGS], struct rule_arg out[LEARN_SPEC_MAX_ARGS])
{
	unsigned n = 0;
	for (unsigned j = 0; spec && j < spec->nargs; j++) {
		unsigned index = spec->arg[j].index;
		uint64_t mask = spec->arg[j].mask;
		if (mask == EXACT)
			out[n++] = (struct rule_arg){ .index = index, .op = SCMP_CMP_EQ, .a = value[j] };
		else if (!conditions_on(base, index))
			out[n++] = (struct rule_arg){ .index = index, .op = SCMP_CMP_MASKED_EQ, .a = mask, .b = value[j] };
	}
	return n;
}

bool learn_arg_narrow(const struct rule *base, const struct learn_arg_spec *spec,
		      uint64_t value[LEARN_SPEC_MAX_ARGS], struct rule *out)
{
	if (!spec) {
		*out = *base;
		return true;
	}
	if (base->any)
		return false;
	for (unsigned j = 0; j < spec->nargs; j++) {
		unsigned index = spec->arg[j].index;
		for (unsigned k = 0; k < base->nargs; k++)
			if (base->args[k].index == index && spec->arg[j].mask == EXACT &&
			    !rule_arg_holds(&base->args[k], value[j]))
				return false;
		if (spec->arg[j].mask != EXACT && conditions_on(base, index))
			value[j] = 0; /* unused (the base's condition stays): equal rules get equal keys */
	}
	struct rule r = *base;
	r.nargs = 0;
	/* The base's conditions, less those an exact value replaces. */
	for (unsigned k = 0; k < base->nargs; k++) {
		bool replaced = false;
		for (unsigned j = 0; j < spec->nargs; j++)
			replaced |= spec->arg[j].index == base->args[k].index && spec->arg[j].mask == EXACT;
		if (!replaced)
			r.args[r.nargs++] = base->args[k];
	}
	struct rule_arg learned[LEARN_SPEC_MAX_ARGS];
	unsigned n = learn_arg_conditions(base, spec, value, learned);
	if (r.nargs + n > RULE_MAX_ARGS)
		return false;
	memcpy(&r.args[r.nargs], learned, n * sizeof *learned);
	r.nargs += n;
	/* By argument index, so equal rules print equal. */
	for (unsigned i = 1; i < r.nargs; i++)
		for (unsigned k = i; k > 0 && r.args[k - 1].index > r.args[k].index; k--) {
			struct rule_arg t = r.args[k];
			r.args[k] = r.args[k - 1];
			r.args[k - 1] = t;
		}
	*out = r;
	return true;
}

static int cmp_arg_rule(const struct arg_rule *a, const struct arg_rule *b)
{
	if (a->nr != b->nr)
		return a->nr < b->nr ? -1 : 1;
	if (a->base != b->base)
		return a->base < b->base ? -1 : 1;
	for (unsigned j = 0; j < LEARN_SPEC_MAX_ARGS; j++)
		if (a->value[j] != b->value[j])
			return a->value[j] < b->value[j] ? -1 : 1;
	return 0;
}

int arg_rules_add(struct arg_rule *table, unsigned *n, unsigned cap, const struct arg_rule *r, unsigned *at)
{
	unsigned i = 0;
	while (i < *n && cmp_arg_rule(&table[i], r) < 0)
		i++;
	*at = i;
	if (i < *n && !cmp_arg_rule(&table[i], r))
		return 0;
	if (*n == cap)
		return -1;
	memmove(&table[i + 1], &table[i], (*n - i) * sizeof *table);
	table[i] = *r;
	(*n)++;
	return 1;
}
