/* Rule set -> per-number decision table for the target architecture. */
#include "resolve.h"

#include <errno.h>
#include <string.h>

/* Syscalls whose checked arguments the kernel truncates to 32 bits: socket
 * and socketpair take ints, personality an unsigned int, and legacy clone
 * uses lower_32_bits(clone_flags). Their argument programs compare the low
 * word only, as the kernel will read it. */
static const struct {
	const char *name;
	unsigned args; /* bit per argument index */
} truncating[] = {
	{ "socket", 0x7 }, { "socketpair", 0x7 }, { "clone", 0x1 }, { "personality", 0x1 },
};

bool resolve_truncates(uint32_t arch, uint32_t nr, unsigned arg)
{
	for (size_t i = 0; i < sizeof truncating / sizeof *truncating; i++)
		if (ruleset_nr(arch, truncating[i].name) == (int)nr && (truncating[i].args >> arg & 1))
			return true;
	return false;
}

int resolve(const struct ruleset *rs, struct table *t)
{
	if (rs->narch != 1)
		return -1;
	memset(t, 0, sizeof *t);
	t->rs = rs;
	t->arch = rs->arch[0];
	t->default_action = rs->default_action;
	long max = rs->max_nr[0];
	bool enosys = rs->enosys_above_max && max >= 0;
	if (max >= TABLE_NR)
		return -1;
	/* No rule: the default, or ENOSYS above the highest named (runc's rule). */
	for (unsigned nr = 0; nr < TABLE_NR; nr++)
		t->act[nr] = enosys && (long)nr > max ? SCMP_ACT_ERRNO(ENOSYS) : rs->default_action;
	t->above = enosys ? SCMP_ACT_ERRNO(ENOSYS) : rs->default_action;

	static bool uncond[TABLE_NR];
	memset(uncond, 0, sizeof uncond);
	for (unsigned i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];
		if (r->action == rs->default_action)
			continue; /* changes nothing (libseccomp refuses it, runc skips it) */
		int nr = ruleset_nr(t->arch, r->name);
		if (nr < 0)
			continue; /* not on this architecture */
		if (nr >= TABLE_NR)
			return -1;
		if (!r->nargs) {
			if (t->ncond[nr] || (uncond[nr] && t->act[nr] != r->action))
				return -1;
			uncond[nr] = true;
			t->act[nr] = r->action;
		} else {
			if (uncond[nr] || t->ncond[nr] == TABLE_MAX_COND)
				return -1;
			t->cond[nr][t->ncond[nr]++] = (unsigned short)i;
		}
	}
	return 0;
}
