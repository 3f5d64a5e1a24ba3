/* --diff-profile: two profiles compared by what they decide. For each
 * architecture and syscall number, libseccomp's program of each profile is
 * asked (in the emulator) about one argument vector per class of values the
 * two profiles' rules for that number tell apart: each 32-bit word of an
 * argument is cut where a rule compares it (at K and K + 1) and, under a
 * mask, by the masked bits (verify.c's argument, for rules instead of
 * programs). A difference is put down to the rule of the profile that
 * allows the call there, so a line names the condition a reviewer reads in
 * the profile. */
#include "diff.h"

#include <errno.h>
#include <stdarg.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classes.h"
#include "emit.h"
#include "diff_text.h"
#include "emulate.h"
#include "log.h"
#include "profile.h"
#include "profile_file.h"
#include "resolve.h"

#define WORDS 12              /* six arguments, low and high words */
#define MAX_PREDS 256         /* conditions on one word, both sides */
#define MAX_POINTS (1u << 20) /* argument vectors tried for one number */

struct side {
	struct sock_filter *prog;
	unsigned short len;
	const struct table *t; /* this architecture's, NULL when the profile does not name it */
};

/* What one side gained (NEW) or lost (OLD) at one number, by the rule that
 * allowed it there. */
struct marks {
	bool any, all, by_default, witness;
	bool rule[TABLE_MAX_RULES];
	uint64_t example[6];
};

struct line {
	unsigned arch;
	char sign;
	char *text; /* without the sign */
};

struct diff {
	struct side s[2]; /* OLD, NEW */
	struct line *lines;
	size_t nlines, cap;
	char *why;
	size_t why_len;
};

static int fail(struct diff *d, const char *why)
{
	snprintf(d->why, d->why_len, "%s", why);
	return -1;
}

static bool allows(const struct side *s, const struct seccomp_data *data, bool *ok)
{
	uint32_t r = emulate(s->prog, s->len, data);
	if (r == EMULATE_INVALID)
		*ok = false;
	r &= SECCOMP_RET_ACTION_FULL;
	return r == SECCOMP_RET_ALLOW || r == SECCOMP_RET_LOG;
}

/* Whether the kernel's view of WORD at index I is 0: a 32-bit ABI's high
 * words, and those of the arguments the kernel truncates. */
static bool zero_word(const struct table *t, uint32_t i, unsigned word)
{
	return (word & 1) && (t->arg32 || (i < TABLE_NR && (t->trunc[i] >> (word / 2) & 1)));
}

/* One value per class of WORD at index I under both sides' rules (classes.c,
 * the proof's arithmetic): the count, or -1 (reason in d->why). */
static int word_reps(struct diff *d, const struct table *t, uint32_t i, unsigned word, uint32_t *out)
{
	static struct pred q[MAX_PREDS];
	unsigned n = 0;
	if (zero_word(t, i, word)) {
		out[0] = 0;
		return 1;
	}
	for (int s = 0; s < 2; s++) {
		const struct table *st = d->s[s].t;
		if (!st || i >= TABLE_NR)
			continue;
		for (unsigned c = st->first[i]; c && st->ncond[i]; c = st->next[c - 1]) {
			const struct rule *r = &st->rules[c - 1];
			for (unsigned k = 0; k < r->nargs; k++) {
				const struct rule_arg *a = &r->args[k];
				if (a->index != word / 2)
					continue;
				if (n == MAX_PREDS)
					return fail(d, "too many conditions on one argument");
				uint32_t v = (uint32_t)((word & 1) ? a->a >> 32 : a->a);
				uint32_t b = (uint32_t)((word & 1) ? a->b >> 32 : a->b);
				switch (a->op) {
				case SCMP_CMP_MASKED_EQ:
					q[n++] = (struct pred){ .mask = v, .k = b & v, .op = BPF_JEQ, .word = (uint8_t)word };
					break;
				case SCMP_CMP_GT: case SCMP_CMP_LE:
					q[n++] = (struct pred){ .mask = UINT32_MAX, .k = v, .op = BPF_JGT, .word = (uint8_t)word };
					break;
				case SCMP_CMP_GE: case SCMP_CMP_LT:
					q[n++] = (struct pred){ .mask = UINT32_MAX, .k = v, .op = BPF_JGE, .word = (uint8_t)word };
					break;
				default:
					q[n++] = (struct pred){ .mask = UINT32_MAX, .k = v, .op = BPF_JEQ, .word = (uint8_t)word };
				}
			}
		}
	}
	const char *why = NULL;
	int count = classes_of(q, n, out, &why);
	return count < 0 ? fail(d, why) : count;
}

static bool holds(const struct table *t, const struct rule_arg *c, const __u64 *args)
{
	uint64_t v = args[c->index], a = c->a, b = c->b;
	if (t->arg32) {
		v = (uint32_t)v;
		a = (uint32_t)a;
		b = (uint32_t)b;
	}
	switch (c->op) {
	case SCMP_CMP_NE: return v != a;
	case SCMP_CMP_LT: return v < a;
	case SCMP_CMP_LE: return v <= a;
	case SCMP_CMP_GT: return v > a;
	case SCMP_CMP_GE: return v >= a;
	case SCMP_CMP_MASKED_EQ: return (v & a) == (b & a);
	default: return v == a;
	}
}

/* Puts an allowed vector down to the rule of T that decides it. */
static void mark(const struct table *t, uint32_t i, const __u64 *args, struct marks *m)
{
	if (!m->any)
		memcpy(m->example, args, sizeof m->example);
	m->any = true;
	if (!t || i >= TABLE_NR) {
		m->witness = true;
		return;
	}
	if (!t->ncond[i]) {
		m->all = true;
		return;
	}
	for (unsigned c = t->first[i]; c; c = t->next[c - 1]) {
		const struct rule *r = &t->rules[c - 1];
		bool match = !r->any;
		for (unsigned k = 0; k < r->nargs; k++)
			match = r->any ? match || holds(t, &r->args[k], args) : match && holds(t, &r->args[k], args);
		if (match) {
			if (r->action == SCMP_ACT_ALLOW || r->action == SCMP_ACT_LOG)
				m->rule[c - 1] = true;
			else
				m->witness = true;
			return;
		}
	}
	m->by_default = true;
}

/* Compares the two sides at number BASE + I of AUDIT_ARCH, marking what NEW
 * gains (M[1]) and OLD loses (M[0]). 0 or -1. */
static int compare_nr(struct diff *d, const struct table *t, uint32_t audit_arch, uint32_t base, uint32_t i,
		      struct marks m[2])
{
	static uint32_t reps[WORDS][MAX_REPS];
	int n[WORDS];
	size_t points = 1;
	for (unsigned w = 0; w < WORDS; w++) {
		if ((n[w] = word_reps(d, t, i, w, reps[w])) < 0)
			return -1;
		points *= (size_t)n[w];
		if (points > MAX_POINTS)
			return fail(d, "too many combinations of argument values to compare");
	}
	unsigned at[WORDS] = { 0 };
	struct seccomp_data data = { .nr = (int)(base + i), .arch = audit_arch };
	for (size_t p = 0; p < points; p++) {
		for (unsigned k = 0; k < 6; k++)
			data.args[k] = (uint64_t)reps[2 * k + 1][at[2 * k + 1]] << 32 | reps[2 * k][at[2 * k]];
		bool ok = true, was = allows(&d->s[0], &data, &ok), is = allows(&d->s[1], &data, &ok);
		if (!ok)
			return fail(d, "a program the emulator refuses");
		if (is != was)
			mark(d->s[is].t, i, data.args, &m[is]);
		for (unsigned w = 0; w < WORDS && ++at[w] == (unsigned)n[w]; w++)
			at[w] = 0;
	}
	return 0;
}

static int add_line(struct diff *d, unsigned arch, char sign, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int add_line(struct diff *d, unsigned arch, char sign, const char *fmt, ...)
{
	if (d->nlines == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		struct line *more = realloc(d->lines, cap * sizeof *more);
		if (!more)
			return fail(d, "out of memory");
		d->lines = more;
		d->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	char *text;
	int rc = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return fail(d, "out of memory");
	d->lines[d->nlines++] = (struct line){ .arch = arch, .sign = sign, .text = text };
	return 0;
}

/* The lines for one number: SIGN '-' for what OLD loses (side 0), '+' for
 * what NEW gains (side 1). */
static int put_marks(struct diff *d, unsigned arch, uint32_t token, const char *name, int side,
		     const struct marks *m)
{
	if (!m->any)
		return 0;
	char sign = side ? '+' : '-', where[32] = "";
	if (token != seccomp_arch_native())
		snprintf(where, sizeof where, " [%s]", diff_arch_label(token));
	const struct table *t = d->s[side].t;
	if (m->all)
		return add_line(d, arch, sign, "%s%s", name, where);
	int rc = 0;
	for (unsigned r = 0; t && r < t->nrules && !rc; r++) {
		if (!m->rule[r])
			continue;
		char cond[512];
		diff_conditions(&t->rules[r], cond, sizeof cond);
		rc = add_line(d, arch, sign, "%s%s if %s", name, where, cond);
	}
	if (!rc && m->by_default)
		rc = add_line(d, arch, sign, "%s%s if no rule matches (the default action)", name, where);
	if (!rc && m->witness)
		rc = add_line(d, arch, sign, "%s%s, e.g. args 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx", name, where,
			      (unsigned long long)m->example[0], (unsigned long long)m->example[1],
			      (unsigned long long)m->example[2], (unsigned long long)m->example[3],
			      (unsigned long long)m->example[4], (unsigned long long)m->example[5]);
	return rc;
}

static int find_arch(const struct ruleset *rs, uint32_t token)
{
	for (unsigned a = 0; a < rs->narch; a++)
		if (rs->arch[a] == token)
			return (int)a;
	return -1;
}

/* Architecture TOKEN (the ARCH-th of the union): every number, the lines. */
static int diff_arch(struct diff *d, const struct ruleset *rs[2], unsigned arch, uint32_t token,
		     struct diff_count *count)
{
	struct table tables[2];
	const struct table *t = NULL;
	for (int s = 0; s < 2; s++) {
		int a = find_arch(rs[s], token);
		d->s[s].t = NULL;
		if (a < 0)
			continue;
		if (resolve(rs[s], (unsigned)a, &tables[s]))
			return fail(d, "a profile outside the decision tables' reach (an architecture, more argument "
				       "rules or numbers than they hold)");
		d->s[s].t = t = &tables[s];
	}
	/* A side without this architecture: one line for all it changes. */
	bool whole = !d->s[0].t || !d->s[1].t;
	unsigned changed[2] = { 0, 0 };
	for (uint32_t i = 0; i < TABLE_NR; i++) {
		struct marks m[2];
		memset(m, 0, sizeof m);
		if (compare_nr(d, t, t->audit_arch, t->base, i, m))
			return -1;
		for (int s = 0; s < 2; s++) {
			changed[s] += m[s].any;
			if (whole || !m[s].any)
				continue;
			char *name = seccomp_syscall_resolve_num_arch(token, (int)(t->base + i)), fallback[24];
			snprintf(fallback, sizeof fallback, "nr %u", t->base + i);
			int rc = put_marks(d, arch, token, name ? name : fallback, s, &m[s]);
			free(name);
			if (rc)
				return -1;
		}
	}
	/* The numbers above the tables: runs decided without arguments. */
	for (int s = 0; s < 2; s++) {
		for (unsigned r = 0; d->s[s].t && r < d->s[s].t->nhigh; r++) {
			uint32_t i = d->s[s].t->high[r].start;
			bool seen = false;
			for (unsigned q = 0; s && d->s[0].t && q < d->s[0].t->nhigh; q++)
				seen |= d->s[0].t->high[q].start == i;
			if (seen)
				continue;
			struct marks m[2];
			memset(m, 0, sizeof m);
			if (compare_nr(d, t, t->audit_arch, t->base, i, m))
				return -1;
			for (int x = 0; x < 2; x++) {
				changed[x] += m[x].any;
				char name[40];
				snprintf(name, sizeof name, "nr %u and above", t->base + i);
				if (!whole && put_marks(d, arch, token, name, x, &m[x]))
					return -1;
			}
		}
	}
	for (int s = 0; s < 2; s++) {
		if (whole && changed[s] && add_line(d, arch, s ? '+' : '-', "%u calls on %s (%s names no such "
				"architecture)", changed[s], diff_arch_label(token), s ? "OLD" : "NEW"))
			return -1;
		*(s ? &count->more : &count->less) += changed[s];
	}
	return 0;
}

static int cmp_line(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	if (x->arch != y->arch)
		return x->arch < y->arch ? -1 : 1;
	int c = strcmp(x->text, y->text);
	return c ? c : (x->sign == '-') - (y->sign == '-');
}

int diff_rulesets(const struct ruleset *old, const struct ruleset *new, FILE *out, struct diff_count *count,
		  char *why, size_t why_len)
{
	struct diff d = { .why = why, .why_len = why_len };
	const struct ruleset *rs[2] = { old, new };
	*count = (struct diff_count){ 0, 0 };
	int rc = 0;
	for (int s = 0; s < 2 && !rc; s++)
		if (emit_libseccomp(rs[s], s ? "NEW" : "OLD", &d.s[s].prog, &d.s[s].len))
			rc = fail(&d, "a profile libseccomp does not compile");
	/* OLD's architectures, then those only NEW names. */
	uint32_t arches[2 * RULESET_MAX_ARCH];
	unsigned narch = 0;
	for (int s = 0; s < 2; s++)
		for (unsigned a = 0; a < rs[s]->narch; a++)
			if (s == 0 || find_arch(old, rs[s]->arch[a]) < 0)
				arches[narch++] = rs[s]->arch[a];
	for (unsigned a = 0; a < narch && !rc; a++)
		rc = diff_arch(&d, rs, a, arches[a], count);
	if (!rc && out) {
		if (d.nlines)
			qsort(d.lines, d.nlines, sizeof *d.lines, cmp_line);
		for (size_t i = 0; i < d.nlines && !rc; i++)
			if (fprintf(out, "%c %s\n", d.lines[i].sign, d.lines[i].text) < 0)
				rc = fail(&d, strerror(errno));
	}
	for (size_t i = 0; i < d.nlines; i++)
		free(d.lines[i].text);
	free(d.lines);
	free(d.s[0].prog);
	free(d.s[1].prog);
	return rc;
}

static int load(const char *path, struct ruleset *rs)
{
	size_t len;
	char *data = profile_read_json(path, &len, "--diff-profile: ",
				       " is a compiled BPF file; compare the JSON profiles it was compiled from");
	if (!data)
		return -1;
	int rc = profile_parse(data, len, path, rs, NULL) ? -1 : 0;
	free(data);
	return rc;
}

int diff_profile_tool(const char *old, const char *new)
{
	struct ruleset rs[2];
	memset(rs, 0, sizeof rs);
	if (load(old, &rs[0]) || load(new, &rs[1])) {
		ruleset_free(&rs[0]);
		ruleset_free(&rs[1]);
		return DIFF_ERROR;
	}
	char why[256];
	struct diff_count count;
	int rc = diff_rulesets(&rs[0], &rs[1], stdout, &count, why, sizeof why);
	ruleset_free(&rs[0]);
	ruleset_free(&rs[1]);
	if (rc) {
		log_error("--diff-profile %s %s: %s", old, new, why);
		return DIFF_ERROR;
	}
	if (fflush(stdout)) {
		log_error("--diff-profile: writing to stdout: %s", strerror(errno));
		return DIFF_ERROR;
	}
	return count.more ? DIFF_MORE : DIFF_SAME_OR_LESS;
}
