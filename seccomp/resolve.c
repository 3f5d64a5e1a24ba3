/* Rule set -> per-number decision table of one architecture, read the way
 * libseccomp reads the rules (db.c's db_rule_add, syscalls.c's
 * abi_rule_add), so that the range program can decide as its program does. */
#include "resolve.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

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

/* The ABIs the range emitter knows: their arch value, number base and
 * argument width as libseccomp's arch-*.c define them. None of them but
 * i386 multiplexes socket and ipc calls. */
static const struct {
	uint32_t token, audit_arch, base;
	bool arg32, mux;
} abis[] = {
	{ SCMP_ARCH_X86_64, SCMP_ARCH_X86_64, 0, false, false },
	{ SCMP_ARCH_X86, SCMP_ARCH_X86, 0, true, true },
	{ SCMP_ARCH_X32, SCMP_ARCH_X86_64, X32_BIT, true, false },
	{ SCMP_ARCH_AARCH64, SCMP_ARCH_AARCH64, 0, false, false },
	{ SCMP_ARCH_ARM, SCMP_ARCH_ARM, 0, true, false },
};

bool resolve_arch_supported(uint32_t arch)
{
	for (size_t i = 0; i < sizeof abis / sizeof *abis; i++)
		if (abis[i].token == arch)
			return true;
	return false;
}

/* i386's socketcall(2) and ipc(2): libseccomp resolves their calls' names
 * to pseudo numbers, then adds each rule twice: on the multiplexer with
 * argument 0 == the call (replacing any condition on argument 0, keeping
 * the others) and on the direct syscall (Linux 4.3+), unchanged. */
#define SOCKETCALL 102
#define IPC 117
static bool mux_of(int pseudo, uint32_t *mux, uint32_t *call)
{
	if (pseudo <= -100 && pseudo >= -120) {
		*mux = SOCKETCALL;
		*call = (uint32_t)(-pseudo % 100);
		return true;
	}
	if (pseudo <= -200 && pseudo >= -224) {
		*mux = IPC;
		*call = (uint32_t)(-pseudo % 200);
		return true;
	}
	return false;
}

/* The direct numbers of the multiplexed calls on T's architecture:
 * DIRECT[0][call] for socketcall's, DIRECT[1][call] for ipc's (-1: none).
 * libseccomp has no name -> direct number lookup for them, so every number
 * is looked up once per process (about 1 ms) and kept. */
static void direct_nrs(const struct table *t, int direct[2][32])
{
	static uint32_t cached_arch;
	static int cached[2][32];
	if (cached_arch != t->arch) {
		for (unsigned m = 0; m < 2; m++)
			for (unsigned c = 0; c < 32; c++)
				cached[m][c] = -1;
		for (uint32_t nr = 0; nr < TABLE_NR; nr++) {
			char *name = seccomp_syscall_resolve_num_arch(t->arch, (int)nr);
			uint32_t mux, call;
			if (name && mux_of(seccomp_syscall_resolve_name_arch(t->arch, name), &mux, &call) &&
			    call < 32)
				cached[mux == IPC][call] = (int)nr;
			free(name);
		}
		cached_arch = t->arch;
	}
	memcpy(direct, cached, sizeof cached);
}

/* A condition libseccomp leaves out of the program because it always
 * holds: a masked compare whose mask, at the ABI's width, is 0. */
static bool no_op(const struct table *t, const struct rule_arg *c)
{
	uint64_t mask = t->arg32 ? (uint32_t)c->a : c->a;
	return c->op == SCMP_CMP_MASKED_EQ && mask == 0;
}

/* The run of the numbers above TABLE_NR that index I falls in. */
static unsigned high_run(const struct table *t, uint32_t i)
{
	unsigned r = 0;
	while (r + 1 < t->nhigh && t->high[r + 1].start <= i)
		r++;
	return r;
}

/* Makes index I (>= TABLE_NR) start a run. */
static int high_split(struct table *t, uint32_t i)
{
	unsigned r = high_run(t, i);
	if (t->high[r].start == i)
		return 0;
	if (t->nhigh == TABLE_MAX_HIGH)
		return -1;
	memmove(&t->high[r + 2], &t->high[r + 1], (t->nhigh - r - 1) * sizeof *t->high);
	t->nhigh++;
	t->high[r + 1].start = i;
	t->high[r + 1].action = t->high[r].action;
	return 0;
}

/* Index I (>= TABLE_NR) decides ACTION: a run of its own. */
static int high_set(struct table *t, uint32_t i, uint32_t action)
{
	if (high_split(t, i) || (i != UINT32_MAX && high_split(t, i + 1)))
		return -1;
	t->high[high_run(t, i)].action = action;
	return 0;
}

/* db_rule_add's merging for one rule on index I: a syscall decided without
 * conditions keeps its first such rule; an unconditional rule replaces the
 * argument rules before it; argument rules accumulate in profile order. */
static int add(struct table *t, uint32_t i, const struct rule *r)
{
	/* Conditions that always hold are left out: an AND of nothing but those,
	 * or an OR with one of them, is unconditional. */
	unsigned real = 0;
	for (unsigned k = 0; k < r->nargs; k++)
		real += !no_op(t, &r->args[k]);
	bool conditional = r->any ? real == r->nargs && real > 0 : real > 0;
	if (t->stub && (long)i > t->max)
		return 0; /* the ENOSYS stub answers before the rules */
	if (i >= TABLE_NR) {
		if (conditional)
			return -1;
		return high_set(t, i, r->action);
	}
	if (t->uncond[i])
		return 0;
	if (!conditional) {
		t->uncond[i] = true;
		t->ncond[i] = t->first[i] = 0;
		t->act[i] = r->action;
		return 0;
	}
	if (t->nrules == TABLE_MAX_RULES)
		return -1;
	t->rules[t->nrules] = *r;
	t->next[t->nrules++] = 0;
	if (t->first[i])
		t->next[t->last[i] - 1] = (unsigned char)t->nrules;
	else
		t->first[i] = (unsigned char)t->nrules;
	t->last[i] = (unsigned char)t->nrules;
	t->ncond[i]++;
	return 0;
}

/* A node of libseccomp's argument tree (db.c, _db_rule_gen_64 and
 * _db_rule_gen_32): one 32-bit comparison. Its place among siblings is
 * _db_chain_lt's (argument and word, then the operator's class, then the
 * datum); two nodes are one when _db_chain_eq says so. */
struct node {
	unsigned arg_prio;  /* argument * 2 + 1 for the high word */
	unsigned op_prio;   /* EQ, NE, MASKED_EQ 3; LT, LE 2; GT, GE 1 */
	enum scmp_compare op_orig, op; /* as written; as compared (EQ, MASKED_EQ, GT, GE) */
	uint32_t datum, mask;
};

static unsigned nodes_of(const struct table *t, const struct rule *r, struct node *out)
{
	/* Conditions in ascending argument order, as db_col_rule_add stores them. */
	const struct rule_arg *by_arg[RULE_MAX_ARGS] = { 0 };
	for (unsigned k = 0; k < r->nargs; k++)
		if (r->args[k].index < RULE_MAX_ARGS)
			by_arg[r->args[k].index] = &r->args[k];
	unsigned n = 0;
	for (unsigned i = 0; i < RULE_MAX_ARGS; i++) {
		const struct rule_arg *c = by_arg[i];
		if (!c || no_op(t, c))
			continue;
		enum scmp_compare op = c->op == SCMP_CMP_NE ? SCMP_CMP_EQ
				     : c->op == SCMP_CMP_LT ? SCMP_CMP_GE
				     : c->op == SCMP_CMP_LE ? SCMP_CMP_GT : c->op;
		unsigned prio = c->op == SCMP_CMP_LE || c->op == SCMP_CMP_LT ? 2
			      : c->op == SCMP_CMP_GE || c->op == SCMP_CMP_GT ? 1 : 3;
		uint64_t mask = c->op == SCMP_CMP_MASKED_EQ ? c->a : UINT64_MAX;
		uint64_t datum = c->op == SCMP_CMP_MASKED_EQ ? c->b & c->a : c->a;
		for (int hi = t->arg32 ? 0 : 1; hi >= 0; hi--) {
			/* The high word of a range compare is a GT node for all four. */
			enum scmp_compare word_op = hi && prio < 3 ? SCMP_CMP_GT : op;
			out[n++] = (struct node){ .arg_prio = i * 2 + (unsigned)hi, .op_prio = prio, .op_orig = c->op,
						  .op = word_op, .datum = (uint32_t)(hi ? datum >> 32 : datum),
						  .mask = (uint32_t)(hi ? mask >> 32 : mask) };
		}
	}
	return n;
}

static bool node_lt(const struct node *a, const struct node *b)
{
	if (a->arg_prio != b->arg_prio)
		return a->arg_prio < b->arg_prio;
	if (a->op_prio != b->op_prio)
		return a->op_prio < b->op_prio;
	if (a->op_orig == SCMP_CMP_LE || a->op_orig == SCMP_CMP_LT)
		return a->datum > b->datum;
	return a->datum < b->datum;
}

static bool node_eq(const struct node *a, const struct node *b)
{
	return a->arg_prio == b->arg_prio && a->op == b->op && a->datum == b->datum && a->mask == b->mask;
}

/* Whether libseccomp's tree tries rule B before rule A (A added first):
 * the first nodes where they part decide, larger first (_db_tree_add keeps
 * each level in descending _db_chain_lt order, equal ones in the order
 * added); a rule that is a prefix of the other ends first and decides. */
static bool tried_before(const struct table *t, const struct rule *a, const struct rule *b)
{
	struct node na[2 * RULE_MAX_ARGS], nb[2 * RULE_MAX_ARGS];
	unsigned la = nodes_of(t, a, na), lb = nodes_of(t, b, nb);
	for (unsigned i = 0; i < la && i < lb; i++) {
		if (node_eq(&na[i], &nb[i]))
			continue;
		return node_lt(&na[i], &nb[i]);
	}
	return lb < la;
}

/* The argument rules of index I in the order libseccomp's program tries
 * them (a stable insertion sort: lists are a few rules long). This is the
 * model only; verify.c proves the result or libseccomp's program is used. */
static void sort_like_libseccomp(struct table *t, uint32_t i)
{
	unsigned char order[TABLE_MAX_RULES];
	unsigned n = 0;
	for (unsigned c = t->first[i]; c; c = t->next[c - 1])
		order[n++] = (unsigned char)c;
	if (n < 2)
		return;
	for (unsigned j = 1; j < n; j++) {
		unsigned char c = order[j];
		unsigned k = j;
		while (k > 0 && tried_before(t, &t->rules[order[k - 1] - 1], &t->rules[c - 1])) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = c;
	}
	t->first[i] = order[0];
	for (unsigned j = 0; j + 1 < n; j++)
		t->next[order[j] - 1] = order[j + 1];
	t->next[order[n - 1] - 1] = 0;
	t->last[i] = order[n - 1];
}

/* R as libseccomp adds it to multiplexer call CALL: OR'd conditions become
 * one rule each, argument 0's condition becomes arg0 == CALL. */
static int add_mux(struct table *t, uint32_t mux, uint32_t call, const struct rule *r)
{
	struct rule m = *r;
	m.any = false;
	m.args[0] = (struct rule_arg){ .index = 0, .op = SCMP_CMP_EQ, .a = call };
	m.nargs = 1;
	if (!r->any) {
		for (unsigned k = 0; k < r->nargs; k++)
			if (r->args[k].index != 0 && m.nargs < RULE_MAX_ARGS)
				m.args[m.nargs++] = r->args[k];
		return add(t, mux, &m);
	}
	for (unsigned k = 0; k < r->nargs; k++) {
		m.nargs = 1;
		if (r->args[k].index != 0)
			m.args[m.nargs++] = r->args[k];
		if (add(t, mux, &m))
			return -1;
	}
	return 0;
}

int resolve(const struct ruleset *rs, unsigned a, struct table *t)
{
	memset(t, 0, offsetof(struct table, next));
	size_t abi = 0;
	while (abi < sizeof abis / sizeof *abis && abis[abi].token != rs->arch[a])
		abi++;
	if (a >= rs->narch || abi == sizeof abis / sizeof *abis)
		return -1;
	t->arch = abis[abi].token;
	t->audit_arch = abis[abi].audit_arch;
	t->base = abis[abi].base;
	t->arg32 = abis[abi].arg32;
	t->default_action = rs->default_action;
	for (size_t k = 0; k < sizeof truncating / sizeof *truncating && !t->arg32; k++) {
		int nr = ruleset_nr(t->arch, truncating[k].name) - (int)t->base;
		if (nr >= 0 && nr < TABLE_NR)
			t->trunc[nr] = (unsigned char)truncating[k].args;
	}

	/* No rule: the default, or ENOSYS above the highest named (runc's rule). */
	long max = rs->max_nr[a] >= 0 ? rs->max_nr[a] - (long)t->base : -1;
	bool enosys = rs->enosys_above_max && max >= 0;
	t->stub = enosys;
	t->max = max;
	uint32_t above = enosys ? SCMP_ACT_ERRNO(ENOSYS) : rs->default_action;
	for (unsigned i = 0; i < TABLE_NR; i++)
		t->act[i] = enosys && (long)i > max ? above : rs->default_action;
	t->high[0].start = TABLE_NR;
	t->high[0].action = enosys && max < TABLE_NR ? above : rs->default_action;
	t->nhigh = 1;
	if (enosys && max >= TABLE_NR && max < UINT32_MAX) {
		t->high[1].start = (uint32_t)max + 1;
		t->high[1].action = above;
		t->nhigh = 2;
	}

	int direct[2][32];
	bool have_direct = false;
	for (unsigned i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];
		if (r->action == rs->default_action)
			continue; /* changes nothing (libseccomp refuses it, runc skips it) */
		int nr = ruleset_nr(t->arch, r->name);
		uint32_t mux, call;
		if (abis[abi].mux && mux_of(nr, &mux, &call)) {
			if (!have_direct)
				direct_nrs(t, direct);
			have_direct = true;
			int d = call < 32 ? direct[mux == IPC][call] : -1;
			if (add_mux(t, mux, call, r) || (d >= 0 && add(t, (uint32_t)d, r)))
				return -1;
			continue;
		}
		if (nr < 0)
			continue; /* not on this architecture */
		if ((uint32_t)nr < t->base || add(t, (uint32_t)nr - t->base, r))
			return -1;
	}
	for (uint32_t i = 0; i < TABLE_NR; i++)
		if (t->ncond[i] > 1)
			sort_like_libseccomp(t, i);
	return 0;
}

int resolve_all(const struct ruleset *rs, struct table **tables)
{
	*tables = NULL;
	struct table *t = rs->narch ? calloc(rs->narch, sizeof *t) : NULL;
	if (!t)
		return -1;
	for (unsigned a = 0; a < rs->narch; a++) {
		if (resolve(rs, a, &t[a])) {
			free(t);
			return -1;
		}
	}
	*tables = t;
	return 0;
}
