#include "ruleset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Syscalls the child makes once its filter is installed (spawn.c resolves the
 * command before installing it); the complain variant always allows them,
 * since nothing could answer a notification before PID 1 holds the listener:
 *   sendmsg     hands the listener to PID 1 (complain and learn always ask for one);
 *   execve      the one exec of the resolved path;
 *   exit_group  _exit when that exec or the hand-off fails (exit: the same
 *               from a libc that ends a single thread with it).
 * Failures are reported through shared memory, so no write; the listener is
 * opened close-on-exec, so no close. */
const char *const ruleset_bootstrap[] = {
	"sendmsg", "execve", "exit", "exit_group", NULL,
};

bool rule_arg_holds(const struct rule_arg *c, uint64_t v)
{
	switch (c->op) {
	case SCMP_CMP_NE: return v != c->a;
	case SCMP_CMP_LT: return v < c->a;
	case SCMP_CMP_LE: return v <= c->a;
	case SCMP_CMP_GT: return v > c->a;
	case SCMP_CMP_GE: return v >= c->a;
	case SCMP_CMP_MASKED_EQ: return (v & c->a) == c->b;
	default: return v == c->a;
	}
}

bool rule_holds(const struct rule *r, const uint64_t args[6])
{
	if (!r->nargs)
		return true;
	for (unsigned k = 0; k < r->nargs; k++)
		if (rule_arg_holds(&r->args[k], args[r->args[k].index]) == r->any)
			return r->any;
	return !r->any;
}

int ruleset_add(struct ruleset *rs, const struct rule *r)
{
	if (rs->nrules == rs->cap) {
		unsigned cap = rs->cap ? rs->cap * 2 : 64;
		struct rule *bigger = realloc(rs->rules, cap * sizeof *bigger);
		if (!bigger)
			return -1;
		rs->rules = bigger;
		rs->cap = cap;
	}
	rs->rules[rs->nrules++] = *r;
	return 0;
}

void ruleset_free(struct ruleset *rs)
{
	free(rs->rules);
	rs->rules = NULL;
	rs->nrules = rs->cap = 0;
}

int ruleset_nr(uint32_t arch, const char *name)
{
	return seccomp_syscall_resolve_name_arch(arch, name);
}

uint32_t ruleset_complain_action(uint32_t act, bool explicit_rule)
{
	uint32_t kind = act & 0xffff0000u;
	if (act == SCMP_ACT_ALLOW || act == SCMP_ACT_LOG || kind == SCMP_ACT_TRACE(0))
		return act;
	if (explicit_rule && act == SCMP_ACT_ERRNO(ENOSYS))
		return act;
	return SCMP_ACT_NOTIFY;
}

static bool is_bootstrap(const char *name)
{
	for (const char *const *b = ruleset_bootstrap; *b; b++)
		if (!strcmp(name, *b))
			return true;
	return false;
}

static bool listed(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* Appends an unconditional ALLOW of NAME, counted for runc's ENOSYS rule. */
static int add_allow(struct ruleset *rs, const char *name)
{
	struct rule r = { .action = SCMP_ACT_ALLOW };
	snprintf(r.name, sizeof r.name, "%s", name);
	if (ruleset_add(rs, &r))
		return -1;
	for (unsigned a = 0; a < rs->narch; a++) {
		int nr = ruleset_nr(rs->arch[a], name);
		if (nr >= 0 && nr > rs->max_nr[a])
			rs->max_nr[a] = nr;
	}
	return 0;
}

int ruleset_complain(const struct ruleset *in, struct ruleset *out)
{
	*out = *in;
	out->rules = NULL;
	out->nrules = out->cap = 0;
	out->default_action = ruleset_complain_action(in->default_action, false);
	for (unsigned i = 0; i < in->nrules; i++) {
		if (is_bootstrap(in->rules[i].name))
			continue;
		struct rule r = in->rules[i];
		r.action = ruleset_complain_action(r.action, true);
		if (ruleset_add(out, &r))
			goto oom;
	}
	if (out->default_action != SCMP_ACT_ALLOW) {
		/* Named now: not "newer than the profile" (runc's ENOSYS rule). */
		for (const char *const *b = ruleset_bootstrap; *b; b++)
			if (add_allow(out, *b))
				goto oom;
	}
	return 0;
oom:
	ruleset_free(out);
	return -1;
}

int ruleset_learn(const struct ruleset *in, const char *const *keep, size_t nkeep, struct ruleset *out)
{
	struct ruleset complain;
	if (ruleset_complain(in, &complain))
		return -1;
	*out = complain;
	out->rules = NULL;
	out->nrules = out->cap = 0;
	if (out->default_action == SCMP_ACT_ALLOW)
		out->default_action = SCMP_ACT_NOTIFY;
	for (unsigned i = 0; i < complain.nrules; i++) {
		struct rule r = complain.rules[i];
		if (is_bootstrap(r.name) || listed(r.name, keep, nkeep))
			continue; /* allowed below, whatever the arguments */
		if (r.action == SCMP_ACT_ALLOW)
			r.action = SCMP_ACT_NOTIFY;
		if (ruleset_add(out, &r))
			goto oom;
	}
	for (size_t i = 0; i < nkeep; i++)
		if (!is_bootstrap(keep[i]) && !listed(keep[i], keep, i) && add_allow(out, keep[i]))
			goto oom;
	for (const char *const *b = ruleset_bootstrap; *b; b++)
		if (add_allow(out, *b))
			goto oom;
	ruleset_free(&complain);
	return 0;
oom:
	ruleset_free(&complain);
	ruleset_free(out);
	return -1;
}
