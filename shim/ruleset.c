#include "ruleset.h"

#include <errno.h>
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
		for (const char *const *b = ruleset_bootstrap; *b; b++) {
			struct rule r = { .action = SCMP_ACT_ALLOW };
			strcpy(r.name, *b);
			if (ruleset_add(out, &r))
				goto oom;
			/* Named now: not "newer than the profile" (runc's ENOSYS rule). */
			for (unsigned a = 0; a < out->narch; a++) {
				int nr = ruleset_nr(out->arch[a], *b);
				if (nr >= 0 && nr > out->max_nr[a])
					out->max_nr[a] = nr;
			}
		}
	}
	return 0;
oom:
	ruleset_free(out);
	return -1;
}
