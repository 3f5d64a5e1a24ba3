/* Step 3c: a proof that the range program decides as libseccomp's does on
 * every seccomp_data, or no range program.
 *
 * Why a finite set of points is enough. seccomp_data is 16 words of 32 bits
 * (nr, arch, instruction pointer, six arguments' low and high words). Both
 * programs only load a word, AND it with a constant and compare the result
 * with a constant (JEQ, JGT, JGE, JSET); anything else makes the proof give
 * up. So once some words are fixed, each program's decision depends on a
 * free word W only through the truth of the comparisons on W it can still
 * reach ("predicates", collected by walking both programs with the fixed
 * words known and the others symbolic). Values of W that give every
 * predicate the same truth take both programs down the same paths, so one
 * value per class is enough. With unmasked comparisons the classes are
 * intervals and every interval starts at 0, at a compared constant K or at
 * K + 1; masked ones are settled by enumerating the masked bits (at most
 * MAX_MASK_BITS) in each interval. Fixing the words one at a time (arch,
 * nr, then the rest) and walking again below each choice visits one point
 * per reachable combination of classes: the cross product of the regions
 * of the conditions the rules of that syscall put on each argument, pruned
 * where a path no longer reads an argument.
 *
 * The kernel's view: where the kernel reads only an argument's low 32 bits
 * (resolve_truncates), libseccomp's program is asked about the value the
 * kernel uses (high word 0), the range program about the raw register. */
#include "verify.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classes.h"
#include "emulate.h"
#include "resolve.h"

#define NWORDS 16          /* sizeof(struct seccomp_data) / 4 */
#define W_NR 0
#define W_ARCH 1
#define W_ARG_HI(k) (5 + 2 * (k)) /* little-endian: the low word first */
#define STATES_PER_PC 8    /* distinct accumulators at one instruction */
#define POINT_BUDGET (1u << 18) /* vectors compared per proof */

/* The accumulator, abstractly: a constant, or a word ANDed with a mask. */
struct acc {
	uint32_t v;   /* the constant, or the mask */
	int8_t word;  /* -1: a constant */
};


struct proof {
	const struct ruleset *rs;
	const struct table *tables;
	const struct sock_filter *prog[2]; /* 0 libseccomp's, 1 the range program */
	unsigned len[2];
	/* The walk: memo of (pc, accumulator) per program, stamped by walk. */
	unsigned *memo_gen[2];
	struct acc *memo[2];
	unsigned char *memo_n[2];
	unsigned gen;
	struct {
		unsigned pc;
		struct acc a;
	} *stack;
	unsigned stack_cap;
	struct pred *preds;
	unsigned npreds, preds_cap;
	uint32_t *scratch; /* MAX_REPS values: a word's classes, before copying */
	unsigned points;
	const char *unproven; /* why the proof gave up */
	char *why;
	size_t why_len;
};

static int give_up(struct proof *p, const char *reason)
{
	if (!p->unproven)
		p->unproven = reason;
	return -1;
}

static int add_pred(struct proof *p, uint8_t word, uint32_t mask, uint16_t op, uint32_t k)
{
	if (p->npreds == p->preds_cap) {
		/* Grown as needed: most proofs see a few dozen. */
		unsigned cap = p->preds_cap ? 2 * p->preds_cap : 256;
		struct pred *more = realloc(p->preds, cap * sizeof *more);
		if (!more)
			return give_up(p, "out of memory");
		p->preds = more;
		p->preds_cap = cap;
	}
	p->preds[p->npreds++] = (struct pred){ .mask = mask, .k = k, .op = op, .word = word };
	return 0;
}

/* Whether (PC, A) was reached before in this walk of program I; records it. */
static int seen(struct proof *p, int i, unsigned pc, struct acc a, bool *was)
{
	if (p->memo_gen[i][pc] != p->gen) {
		p->memo_gen[i][pc] = p->gen;
		p->memo_n[i][pc] = 0;
	}
	struct acc *m = &p->memo[i][pc * STATES_PER_PC];
	for (unsigned s = 0; s < p->memo_n[i][pc]; s++)
		if (m[s].word == a.word && m[s].v == a.v) {
			*was = true;
			return 0;
		}
	if (p->memo_n[i][pc] == STATES_PER_PC)
		return give_up(p, "too many paths into one instruction");
	m[p->memo_n[i][pc]++] = a;
	*was = false;
	return 0;
}

/* Walks program I from its start with the words in FIXED (bit per word) at
 * VAL and the others symbolic, appending every comparison reachable on a
 * symbolic word to p->preds. */
static int walk(struct proof *p, int i, const uint32_t *val, uint32_t fixed)
{
	const struct sock_filter *prog = p->prog[i];
	unsigned len = p->len[i], top = 0;
	p->gen++;
	p->stack[top++].pc = 0;
	p->stack[0].a = (struct acc){ .word = -1 };
	while (top) {
		unsigned pc = p->stack[--top].pc;
		struct acc a = p->stack[top].a;
		bool was;
		if (pc >= len)
			return give_up(p, "a path runs off the program's end");
		if (seen(p, i, pc, a, &was))
			return -1;
		if (was)
			continue;
		const struct sock_filter *f = &prog[pc];
		unsigned next[2], nnext = 1;
		next[0] = pc + 1;
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (f->k % 4 || f->k / 4 >= NWORDS)
				return give_up(p, "a load outside seccomp_data");
			a = fixed >> (f->k / 4) & 1 ? (struct acc){ .word = -1, .v = val[f->k / 4] }
						    : (struct acc){ .word = (int8_t)(f->k / 4), .v = 0xffffffffu };
			break;
		case BPF_LD | BPF_IMM:
			a = (struct acc){ .word = -1, .v = f->k };
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			a.v &= f->k;
			break;
		case BPF_JMP | BPF_JA:
			if (f->k >= len - pc - 1)
				return give_up(p, "a jump out of the program");
			next[0] = pc + 1 + f->k;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
		case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_K:
		case BPF_JMP | BPF_JSET | BPF_K: {
			unsigned t = pc + 1 + f->jt, e = pc + 1 + f->jf;
			if (t >= len || e >= len)
				return give_up(p, "a jump out of the program");
			uint16_t op = BPF_OP(f->code);
			if (a.word < 0) {
				bool take = op == BPF_JEQ ? a.v == f->k : op == BPF_JGT ? a.v > f->k
									: op == BPF_JGE ? a.v >= f->k
											: (a.v & f->k) != 0;
				next[0] = take ? t : e;
			} else {
				if (add_pred(p, (uint8_t)a.word, a.v, op, f->k))
					return -1;
				next[0] = t;
				next[1] = e;
				nnext = 2;
			}
			break;
		}
		case BPF_RET | BPF_K:
			nnext = 0;
			break;
		default:
			return give_up(p, "an instruction the proof does not model");
		}
		if (top + nnext > p->stack_cap) {
			unsigned cap = 2 * p->stack_cap;
			void *more = realloc(p->stack, cap * sizeof *p->stack);
			if (!more)
				return give_up(p, "out of memory");
			p->stack = more;
			p->stack_cap = cap;
		}
		for (unsigned n = 0; n < nnext; n++) {
			/* An instruction that does not read the accumulator is one
			 * state, however many paths lead to it (shared returns, the
			 * load that starts each rule). */
			uint16_t c = next[n] < len ? prog[next[n]].code : 0;
			bool dead = c == (BPF_LD | BPF_W | BPF_ABS) || c == (BPF_LD | BPF_IMM) || c == (BPF_RET | BPF_K);
			p->stack[top].pc = next[n];
			p->stack[top++].a = dead ? (struct acc){ .word = -1 } : a;
		}
	}
	return 0;
}

/* The kernel's view of D for libseccomp's program: high words of the
 * arguments the kernel truncates set to 0. Their mask of words. */
static uint32_t truncated_words(const struct proof *p, uint32_t arch, uint32_t nr)
{
	for (unsigned a = 0; a < p->rs->narch; a++) {
		const struct table *t = &p->tables[a];
		if (t->audit_arch != arch || nr < t->base || nr - t->base >= TABLE_NR)
			continue;
		uint32_t words = 0;
		for (unsigned k = 0; k < 6; k++)
			if (t->trunc[nr - t->base] >> k & 1)
				words |= 1u << W_ARG_HI(k);
		return words;
	}
	return 0;
}

static void to_data(const uint32_t *val, struct seccomp_data *d)
{
	memcpy(d, val, sizeof *d);
}

static int compare_point(struct proof *p, const uint32_t *val, uint32_t trunc)
{
	if (++p->points > POINT_BUDGET)
		return give_up(p, "too many combinations of argument values to try");
	struct seccomp_data d, kernel;
	to_data(val, &d);
	kernel = d;
	uint32_t *kw = (uint32_t *)&kernel;
	for (unsigned w = 0; w < NWORDS; w++)
		if (trunc >> w & 1)
			kw[w] = 0;
	uint32_t want = emulate(p->prog[0], p->len[0], &kernel), got = emulate(p->prog[1], p->len[1], &d);
	if (want == got && want != EMULATE_INVALID)
		return 0;
	snprintf(p->why, p->why_len,
		 "they decide differently at arch 0x%08x nr %u args 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx: "
		 "libseccomp 0x%08x, range 0x%08x",
		 (unsigned)d.arch, (unsigned)d.nr, (unsigned long long)d.args[0], (unsigned long long)d.args[1],
		 (unsigned long long)d.args[2], (unsigned long long)d.args[3], (unsigned long long)d.args[4],
		 (unsigned long long)d.args[5], (unsigned)want, (unsigned)got);
	return -1;
}

/* Comparisons that must split a word even where neither program makes
 * them: the table's arch values, and the numbers whose arguments the kernel
 * truncates (so each class has one kernel view). */
static int add_virtual(struct proof *p, unsigned word)
{
	for (unsigned a = 0; a < p->rs->narch; a++) {
		const struct table *t = &p->tables[a];
		if (word == W_ARCH && add_pred(p, W_ARCH, 0xffffffffu, BPF_JEQ, t->audit_arch))
			return -1;
		for (uint32_t i = 0; word == W_NR && i < TABLE_NR; i++)
			if (t->trunc[i] && add_pred(p, W_NR, 0xffffffffu, BPF_JEQ, t->base + i))
				return -1;
	}
	return 0;
}

static const uint8_t order[NWORDS] = { W_ARCH, W_NR, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

/* Fixes the words of ORDER from DEPTH on, one class at a time. */
static int prove(struct proof *p, uint32_t *val, uint32_t fixed, unsigned depth)
{
	bool arch_nr = (fixed & (1u << W_ARCH | 1u << W_NR)) == (1u << W_ARCH | 1u << W_NR);
	uint32_t trunc = arch_nr ? truncated_words(p, val[W_ARCH], val[W_NR]) : 0;
	p->npreds = 0;
	/* libseccomp's program sees the truncated high words as 0. */
	uint32_t saved[NWORDS];
	memcpy(saved, val, sizeof saved);
	for (unsigned w = 0; w < NWORDS; w++)
		if (trunc >> w & 1)
			val[w] = 0;
	int rc = walk(p, 0, val, fixed | trunc);
	memcpy(val, saved, sizeof saved);
	if (rc || walk(p, 1, val, fixed))
		return -1;
	unsigned d = depth;
	while (d < NWORDS) {
		unsigned w = order[d];
		bool any = w == W_ARCH || w == W_NR; /* their virtual comparisons */
		for (unsigned i = 0; i < p->npreds && !any; i++)
			any = p->preds[i].word == w;
		if (any && !(fixed >> w & 1))
			break;
		d++;
	}
	if (d == NWORDS)
		return compare_point(p, val, trunc);
	unsigned w = order[d];
	if (add_virtual(p, w))
		return -1;
	/* This word's comparisons, gathered at the front. */
	unsigned n = 0;
	for (unsigned i = 0; i < p->npreds; i++)
		if (p->preds[i].word == w)
			p->preds[n++] = p->preds[i];
	const char *reason = NULL;
	int nreps = classes_of(p->preds, n, p->scratch, &reason);
	if (nreps < 0)
		return give_up(p, reason);
	uint32_t *reps = malloc((size_t)nreps * sizeof *reps);
	if (!reps)
		return give_up(p, "out of memory");
	memcpy(reps, p->scratch, (size_t)nreps * sizeof *reps);
	rc = 0;
	for (int r = 0; r < nreps && !rc; r++) {
		val[w] = reps[r];
		rc = prove(p, val, fixed | 1u << w, d + 1);
	}
	free(reps);
	val[w] = 0;
	return rc;
}

int verify_tables(const struct ruleset *rs, const struct table *tables, const struct sock_filter *lib,
		  unsigned lib_len, const struct sock_filter *range, unsigned range_len, char *why, size_t why_len)
{
	struct proof p = { .rs = rs, .tables = tables, .prog = { lib, range }, .len = { lib_len, range_len },
			   .why = why, .why_len = why_len };
	p.stack_cap = 256;
	p.stack = malloc(p.stack_cap * sizeof *p.stack);
	p.scratch = malloc(MAX_REPS * sizeof *p.scratch);
	bool ok = p.stack && p.scratch;
	for (int i = 0; i < 2; i++) {
		p.memo_gen[i] = calloc(p.len[i] ? p.len[i] : 1, sizeof *p.memo_gen[i]);
		p.memo_n[i] = calloc(p.len[i] ? p.len[i] : 1, 1);
		p.memo[i] = malloc((p.len[i] ? p.len[i] : 1) * STATES_PER_PC * sizeof *p.memo[i]);
		ok = ok && p.memo_gen[i] && p.memo_n[i] && p.memo[i];
	}
	int rc = ok ? 0 : VERIFY_UNPROVEN;
	if (!ok)
		snprintf(why, why_len, "out of memory");
	uint32_t val[NWORDS] = { 0 };
	if (!rc && prove(&p, val, 0, 0)) {
		rc = p.unproven ? VERIFY_UNPROVEN : VERIFY_DIFFERS;
		if (p.unproven)
			snprintf(why, why_len, "not proven equal: %s", p.unproven);
	}
	free(p.scratch);
	for (int i = 0; i < 2; i++) {
		free(p.memo_gen[i]);
		free(p.memo_n[i]);
		free(p.memo[i]);
	}
	free(p.stack);
	free(p.preds);
	return rc;
}

int verify_programs(const struct ruleset *rs, const struct sock_filter *lib, unsigned lib_len,
		    const struct sock_filter *range, unsigned range_len, char *why, size_t why_len)
{
	struct table *tables;
	if (resolve_all(rs, &tables)) {
		snprintf(why, why_len, "outside what the range emitter handles (or out of memory)");
		return VERIFY_UNPROVEN;
	}
	int rc = verify_tables(rs, tables, lib, lib_len, range, range_len, why, why_len);
	free(tables);
	return rc;
}
