/* Step 3b, the range emitter: decision tables -> BPF. The arch check (the
 * profile's architectures, the target first; any other ABI is killed, as
 * libseccomp's bad-arch action), then per architecture a block: a balanced
 * binary search over the maximal runs of syscall numbers with the same
 * decision, a small program per argument-checked syscall, and one shared
 * return per action (per block, so every jump stays within BPF's 255). An
 * unconditional decision reads only arch and nr, so the kernel's action
 * cache keeps every unconditional ALLOW. */
#include "emit.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "resolve.h"

#define MAX_INSNS 4096
#define MAX_LABELS 8192
#define NEXT (-1) /* the following instruction */

struct asm_ {
	struct sock_filter code[MAX_INSNS];
	int jt[MAX_INSNS], jf[MAX_INSNS]; /* label ids, or NEXT */
	unsigned len;
	int label_at[MAX_LABELS];         /* instruction index, -1 until placed */
	unsigned nlabels;
	uint32_t ret_action[64];          /* shared returns: action per label below */
	int ret_label[64];
	unsigned nret;
	bool overflow;
};

static int new_label(struct asm_ *a)
{
	if (a->nlabels == MAX_LABELS) {
		a->overflow = true;
		return 0;
	}
	a->label_at[a->nlabels] = -1;
	return (int)a->nlabels++;
}

static void place(struct asm_ *a, int label)
{
	a->label_at[label] = (int)a->len;
}

static void put(struct asm_ *a, uint16_t code, uint32_t k, int jt, int jf)
{
	if (a->len == MAX_INSNS) {
		a->overflow = true;
		return;
	}
	a->code[a->len] = (struct sock_filter)BPF_JUMP(code, k, 0, 0);
	a->jt[a->len] = jt;
	a->jf[a->len++] = jf;
}

/* The label of the shared return of ACTION. */
static int ret_label(struct asm_ *a, uint32_t action)
{
	for (unsigned i = 0; i < a->nret; i++)
		if (a->ret_action[i] == action)
			return a->ret_label[i];
	if (a->nret == sizeof a->ret_action / sizeof *a->ret_action) {
		a->overflow = true;
		return 0;
	}
	a->ret_action[a->nret] = action;
	return a->ret_label[a->nret++] = new_label(a);
}

static void load_word(struct asm_ *a, unsigned arg, bool high)
{
	put(a, BPF_LD | BPF_W | BPF_ABS,
	    (uint32_t)(offsetof(struct seccomp_data, args) + 8 * arg + (high ? 4 : 0)), 0, 0);
}

/* Jumps to T when condition C holds on the argument, else to F. ARG32: a
 * 32-bit ABI, where libseccomp compares the low word with the datum's low
 * word. TRUNC: the kernel reads the low 32 bits only (the value is that
 * word, zero-extended). A masked compare's datum is masked first, as
 * libseccomp does. */
static void cond(struct asm_ *a, const struct rule_arg *in, bool arg32, bool trunc, int t, int f)
{
	struct rule_arg m = *in;
	if (m.op == SCMP_CMP_MASKED_EQ)
		m.b &= m.a;
	const struct rule_arg *c = &m;
	if (arg32) {
		m.a = (uint32_t)m.a;
		m.b = (uint32_t)m.b;
		trunc = true;
	}
	uint32_t alo = (uint32_t)c->a, ahi = (uint32_t)(c->a >> 32);
	uint32_t blo = (uint32_t)c->b, bhi = (uint32_t)(c->b >> 32);
	const uint16_t JEQ = BPF_JMP | BPF_JEQ | BPF_K, JGT = BPF_JMP | BPF_JGT | BPF_K,
		       JGE = BPF_JMP | BPF_JGE | BPF_K, JA = BPF_JMP | BPF_JA;
	if (trunc) {
		bool big = c->a > 0xffffffffu;
		switch (c->op) {
		case SCMP_CMP_EQ:
			if (big)
				return put(a, JA, 0, f, f);
			load_word(a, c->index, false);
			return put(a, JEQ, alo, t, f);
		case SCMP_CMP_NE:
			if (big)
				return put(a, JA, 0, t, t);
			load_word(a, c->index, false);
			return put(a, JEQ, alo, f, t);
		case SCMP_CMP_GT:
			if (c->a >= 0xffffffffu)
				return put(a, JA, 0, f, f);
			load_word(a, c->index, false);
			return put(a, JGT, alo, t, f);
		case SCMP_CMP_GE:
			if (big)
				return put(a, JA, 0, f, f);
			load_word(a, c->index, false);
			return put(a, JGE, alo, t, f);
		case SCMP_CMP_LT:
			if (big)
				return put(a, JA, 0, t, t);
			load_word(a, c->index, false);
			return put(a, JGE, alo, f, t);
		case SCMP_CMP_LE:
			if (c->a >= 0xffffffffu)
				return put(a, JA, 0, t, t);
			load_word(a, c->index, false);
			return put(a, JGT, alo, f, t);
		case SCMP_CMP_MASKED_EQ:
			if (c->b > 0xffffffffu)
				return put(a, JA, 0, f, f);
			load_word(a, c->index, false);
			put(a, BPF_ALU | BPF_AND | BPF_K, alo, 0, 0);
			return put(a, JEQ, blo, t, f);
		default:
			a->overflow = true;
			return;
		}
	}
	/* 64-bit: the high words decide unless equal, then the low words. A
	 * target that is the next condition must skip this one's low-word
	 * compare: it gets a label after it. */
	int after = -1;
	if (t == NEXT || f == NEXT) {
		after = new_label(a);
		t = t == NEXT ? after : t;
		f = f == NEXT ? after : f;
	}
	load_word(a, c->index, true);
	switch (c->op) {
	case SCMP_CMP_EQ:
		put(a, JEQ, ahi, NEXT, f);
		load_word(a, c->index, false);
		put(a, JEQ, alo, t, f);
		break;
	case SCMP_CMP_NE:
		put(a, JEQ, ahi, NEXT, t);
		load_word(a, c->index, false);
		put(a, JEQ, alo, f, t);
		break;
	case SCMP_CMP_GT:
	case SCMP_CMP_GE:
		put(a, JGT, ahi, t, NEXT);
		put(a, JEQ, ahi, NEXT, f);
		load_word(a, c->index, false);
		put(a, c->op == SCMP_CMP_GT ? JGT : JGE, alo, t, f);
		break;
	case SCMP_CMP_LT:
	case SCMP_CMP_LE:
		put(a, JGT, ahi, f, NEXT);
		put(a, JEQ, ahi, NEXT, t);
		load_word(a, c->index, false);
		put(a, c->op == SCMP_CMP_LT ? JGE : JGT, alo, f, t);
		break;
	case SCMP_CMP_MASKED_EQ:
		put(a, BPF_ALU | BPF_AND | BPF_K, ahi, 0, 0);
		put(a, JEQ, bhi, NEXT, f);
		load_word(a, c->index, false);
		put(a, BPF_ALU | BPF_AND | BPF_K, alo, 0, 0);
		put(a, JEQ, blo, t, f);
		break;
	default:
		a->overflow = true;
		return;
	}
	if (after >= 0)
		place(a, after);
}

/* The argument program of NR: its rules in profile order, the first that
 * matches decides; none matching, the default. */
static void arg_program(struct asm_ *a, const struct table *t, unsigned nr)
{
	int fallthrough = ret_label(a, t->default_action);
	for (unsigned c = t->first[nr]; c; c = t->next[c - 1]) {
		const struct rule *r = &t->rules[c - 1];
		int match = ret_label(a, r->action);
		int next_rule = t->next[c - 1] ? new_label(a) : fallthrough;
		for (unsigned k = 0; k < r->nargs; k++) {
			bool last = k + 1 == r->nargs;
			bool trunc = t->trunc[nr] >> r->args[k].index & 1;
			if (r->any)
				cond(a, &r->args[k], t->arg32, trunc, match, last ? next_rule : NEXT);
			else
				cond(a, &r->args[k], t->arg32, trunc, last ? match : NEXT, next_rule);
		}
		if (next_rule != fallthrough)
			place(a, next_rule);
	}
}

struct run {
	uint32_t start; /* the syscall number */
	uint32_t index; /* its index in the table */
	bool args;      /* decided by the argument program of that index */
	uint32_t action;
	int label;
};

/* Emits the search over runs LO..HI (inclusive); returns the label to jump to. */
static int search(struct asm_ *a, const struct run *runs, unsigned lo, unsigned hi)
{
	if (lo == hi)
		return runs[lo].label;
	unsigned mid = (lo + hi + 1) / 2;
	int here = new_label(a);
	place(a, here);
	unsigned at = a->len;
	put(a, BPF_JMP | BPF_JGE | BPF_K, runs[mid].start, 0, 0);
	int left = search(a, runs, lo, mid - 1);
	int right = search(a, runs, mid, hi);
	if (at < MAX_INSNS) {
		a->jf[at] = left;
		a->jt[at] = right;
	}
	return here;
}

/* The runs of T's decisions (starts absolute); an argument-checked number
 * is a run of its own. Returns their count. */
static unsigned make_runs(struct asm_ *a, const struct table *t, struct run *runs)
{
	unsigned n = 0;
	for (uint32_t i = 0; i < TABLE_NR + t->nhigh; i++) {
		bool args = i < TABLE_NR && t->ncond[i];
		uint32_t start = i < TABLE_NR ? i : t->high[i - TABLE_NR].start;
		uint32_t action = i < TABLE_NR ? t->act[i] : t->high[i - TABLE_NR].action;
		if (n && !args && !runs[n - 1].args && runs[n - 1].action == action)
			continue;
		runs[n++] = (struct run){ .start = t->base + start, .index = start, .args = args, .action = action,
					  .label = args ? new_label(a) : ret_label(a, action) };
	}
	return n;
}

/* The search over T's numbers (nr loaded; starts at label AT), its
 * argument programs and the returns of the actions used since nret was
 * reset. X32: the label of the check of numbers with x32's bit, or -1. */
static void block(struct asm_ *a, const struct table *t, struct run *runs, int at, uint32_t default_action,
		  int x32)
{
	unsigned n = make_runs(a, t, runs);
	place(a, at);
	int root = search(a, runs, 0, n - 1);
	if (n == 1 || a->label_at[root] < 0)
		put(a, BPF_JMP | BPF_JA, 0, root, root);
	if (x32 >= 0) {
		/* x32 not listed: its numbers are killed, as libseccomp's x86_64
		 * filter does, except -1 (a syscall skipped by a tracer), which
		 * gets the default. */
		place(a, x32);
		put(a, BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu, ret_label(a, default_action),
		    ret_label(a, SCMP_ACT_KILL_PROCESS));
	}
	for (unsigned i = 0; i < n; i++) {
		if (!runs[i].args)
			continue;
		place(a, runs[i].label);
		arg_program(a, t, runs[i].index);
	}
	for (unsigned i = 0; i < a->nret; i++) {
		place(a, a->ret_label[i]);
		put(a, BPF_RET | BPF_K, a->ret_action[i], 0, 0);
	}
	a->nret = 0;
}

int emit_range_tables(const struct ruleset *rs, const struct table *t, struct sock_filter **prog,
		      unsigned short *len)
{
	struct asm_ *a = calloc(1, sizeof *a);
	struct run *runs = calloc(TABLE_NR + TABLE_MAX_HIGH, sizeof *runs);
	int rc = -1, x32 = -1, x86_64 = -1;
	if (!a || !runs || !rs->narch)
		goto out;
	for (unsigned i = 0; i < rs->narch; i++) {
		if (t[i].arch == SCMP_ARCH_X32)
			x32 = (int)i;
		if (t[i].arch == SCMP_ARCH_X86_64)
			x86_64 = (int)i;
	}
	if (x32 >= 0 && x86_64 < 0)
		goto out; /* x32 alone: libseccomp's layout not reproduced */

	/* Dispatch on the arch value: the target's block first; every other
	 * listed ABI jumps to its own; anything else is killed. */
	int at[RULESET_MAX_ARCH];
	for (unsigned i = 0; i < rs->narch; i++)
		at[i] = new_label(a);
	put(a, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	bool alone = rs->narch == 1;
	if (alone) {
		put(a, BPF_JMP | BPF_JEQ | BPF_K, t[0].audit_arch, NEXT, ret_label(a, SCMP_ACT_KILL_PROCESS));
	} else {
		for (unsigned i = 0; i < rs->narch; i++) {
			if ((int)i == x32)
				continue;
			if (i == 0) {
				put(a, BPF_JMP | BPF_JEQ | BPF_K, t[i].audit_arch, at[i], NEXT);
				continue;
			}
			int next = new_label(a);
			put(a, BPF_JMP | BPF_JEQ | BPF_K, t[i].audit_arch, NEXT, next);
			put(a, BPF_JMP | BPF_JA, 0, at[i], at[i]);
			place(a, next);
		}
		put(a, BPF_RET | BPF_K, SCMP_ACT_KILL_PROCESS, 0, 0);
	}

	for (unsigned i = 0; i < rs->narch; i++) {
		if ((int)i == x32)
			continue;
		int search_at = new_label(a), x32_check = -1;
		place(a, at[i]);
		put(a, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
		if ((int)i == x86_64 && x32 >= 0) {
			int low = new_label(a);
			put(a, BPF_JMP | BPF_JGE | BPF_K, X32_BIT, NEXT, low);
			put(a, BPF_JMP | BPF_JA, 0, at[x32], at[x32]);
			place(a, low);
		} else if ((int)i == x86_64) {
			x32_check = new_label(a);
			put(a, BPF_JMP | BPF_JGE | BPF_K, X32_BIT, x32_check, NEXT);
		}
		block(a, &t[i], runs, search_at, rs->default_action, x32_check);
		if ((int)i == x86_64 && x32 >= 0)
			block(a, &t[x32], runs, at[x32], rs->default_action, -1);
	}

	/* Resolve labels; a jump beyond 255 instructions cannot be encoded. */
	for (unsigned i = 0; i < a->len && !a->overflow; i++) {
		struct sock_filter *f = &a->code[i];
		if (BPF_CLASS(f->code) != BPF_JMP)
			continue;
		int jt = a->jt[i] == NEXT ? (int)i + 1 : a->label_at[a->jt[i]];
		int jf = a->jf[i] == NEXT ? (int)i + 1 : a->label_at[a->jf[i]];
		if (jt <= (int)i || jf <= (int)i) {
			a->overflow = true;
			break;
		}
		if (BPF_OP(f->code) == BPF_JA) {
			f->k = (uint32_t)(jt - (int)i - 1);
		} else if (jt - (int)i - 1 > 255 || jf - (int)i - 1 > 255) {
			a->overflow = true;
		} else {
			f->jt = (uint8_t)(jt - (int)i - 1);
			f->jf = (uint8_t)(jf - (int)i - 1);
		}
	}
	if (!a->overflow && a->len <= BPF_MAXINSNS) {
		*prog = malloc(a->len * sizeof **prog);
		if (*prog) {
			memcpy(*prog, a->code, a->len * sizeof **prog);
			*len = (unsigned short)a->len;
			rc = 0;
		}
	}
out:
	free(runs);
	free(a);
	return rc;
}

int emit_range(const struct ruleset *rs, struct sock_filter **prog, unsigned short *len)
{
	struct table *t;
	if (resolve_all(rs, &t))
		return -1;
	int rc = emit_range_tables(rs, t, prog, len);
	free(t);
	return rc;
}
