/* merge.c and diff.c (issue 25): merging learned profiles is associative and
 * idempotent and allows exactly the union; diff's verdict matches set
 * inclusion, computed apart from it (name sets, the emulator). Random
 * learned-like profiles: the default profile's allowed calls, a random
 * subset, with the base's argument conditions and deny rules as learn mode
 * writes them, and now and then argument values learned as learn mode
 * learns them (learn_args.c: socket family and type, clone flags, prctl
 * option, narrowing the base's rule that allowed them). */
#include "testlib.h"

#include <linux/seccomp.h>
#include <seccomp.h>

#include "arch.h"
#include "diff.h"
#include "emit.h"
#include "emulate.h"
#include "learn_args.h"
#include "log.h"
#include "merge.h"
#include "print.h"
#include "profile.h"

static struct ruleset base;
static unsigned seed = 25;

static unsigned rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 16;
}

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_LEVEL_ERROR); /* the default's names this libseccomp lacks */
	const char *s = getenv("SHIM_MERGE_SEED");
	if (s)
		seed = (unsigned)strtoul(s, NULL, 10);
	size_t len;
	char *json = slurp("seccomp/default.json", &len);
	return profile_parse(json, len, "default", &base, NULL);
}

static int teardown(void **state)
{
	(void)state;
	ruleset_free(&base);
	return 0;
}

/* Printed and parsed again, as a file would be. */
static void reparse(struct ruleset *rs)
{
	char *text = print_ruleset(rs);
	assert_non_null(text);
	ruleset_free(rs);
	assert_int_equal(profile_parse(text, strlen(text), "learned", rs, NULL), 0);
	free(text);
}

static bool known(const char *name)
{
	return seccomp_syscall_resolve_name(name) >= 0;
}

/* Observed argument vectors learn mode may see, per argument-learned call:
 * socket and socketpair (family, type with and without flags), clone flags,
 * prctl options. */
struct observed {
	const char *name;
	uint64_t a0, a1;
};
static const struct observed pool[] = {
	{ "socket", 1, 1 }, { "socket", 1, 0x80001 }, { "socket", 2, 1 }, { "socket", 2, 0x80802 },
	{ "socket", 10, 1 }, { "socket", 16, 3 }, { "socket", 16, 0x80002 }, { "socketpair", 1, 1 },
	{ "socketpair", 1, 5 }, { "clone", 0x3d0f00, 0 }, { "clone", 0x1200011, 0 }, { "clone", 0x4111, 0 },
	{ "prctl", 15, 0 }, { "prctl", 23, 0 }, { "prctl", 38, 0 },
};
#define POOL (sizeof pool / sizeof *pool)

/* Learn mode's rule for observation O: the first of the base's allow rules
 * for its call that holds, narrowed (learn_args.c). */
static struct rule narrowed_rule(const struct observed *o, unsigned group)
{
	uint64_t args[6] = { o->a0, o->a1, 0, 0, 0, 0 }, value[LEARN_SPEC_MAX_ARGS] = { 0, 0 };
	const struct learn_arg_spec *spec = learn_arg_spec(o->name);
	assert_non_null(spec);
	learn_arg_values(spec, args, value);
	for (unsigned i = 0; i < base.nrules; i++) {
		const struct rule *r = &base.rules[i];
		struct rule out;
		if (r->action != SCMP_ACT_ALLOW || strcmp(r->name, o->name) || !rule_holds(r, args))
			continue;
		assert_true(learn_arg_narrow(r, spec, value, &out));
		out.group = group;
		return out;
	}
	fail_msg("the base allows no %s(0x%llx, 0x%llx)", o->name, (unsigned long long)o->a0,
		 (unsigned long long)o->a1);
	abort();
}

/* The calls BASE allows that PICK keeps (IN[i] for the I-th such name, by
 * its rule index in the base), learned: the header learn mode writes. With
 * SEEN (POOL flags), the argument-learned calls get the narrowed rules of
 * the observations SEEN marks instead of the base's rules. */
static void learned(const bool *pick, const bool *seen, struct ruleset *out)
{
	*out = (struct ruleset){ .default_action = SCMP_ACT_ERRNO(38), .narch = 1 };
	out->arch[0] = seccomp_arch_native();
	out->max_nr[0] = -1;
	unsigned group = 0;
	for (unsigned i = 0; i < base.nrules; i++) {
		struct rule r = base.rules[i];
		if (r.action != SCMP_ACT_ALLOW || !pick[i] || !known(r.name) || (seen && learn_arg_spec(r.name)))
			continue;
		r.group = r.nargs ? ++group : 0;
		assert_int_equal(ruleset_add(out, &r), 0);
	}
	for (size_t o = 0; seen && o < POOL; o++) {
		if (!seen[o])
			continue;
		struct rule r = narrowed_rule(&pool[o], ++group);
		bool dup = false; /* two observations, one rule (type flags masked) */
		for (unsigned i = 0; i < out->nrules && !dup; i++)
			dup = !strcmp(out->rules[i].name, r.name) && out->rules[i].nargs == r.nargs &&
			      !memcmp(out->rules[i].args, r.args, r.nargs * sizeof *r.args);
		if (!dup)
			assert_int_equal(ruleset_add(out, &r), 0);
	}
	for (unsigned i = 0; i < base.nrules; i++) {
		struct rule r = base.rules[i];
		if (r.action == SCMP_ACT_ALLOW || !known(r.name))
			continue;
		r.group += 1000;
		assert_int_equal(ruleset_add(out, &r), 0);
	}
	reparse(out);
}

/* A call is learned with all its base rules: each rule takes its name's
 * first rule's pick. */
static void by_name(bool *p)
{
	for (unsigned i = 0; i < base.nrules; i++)
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(base.rules[j].name, base.rules[i].name)) {
				p[i] = p[j];
				break;
			}
}

static void random_learned(struct ruleset *out, bool *pick)
{
	bool local[4096], seen[POOL];
	bool *p = pick ? pick : local;
	for (unsigned i = 0; i < base.nrules; i++)
		p[i] = rnd() % 3 == 0;
	by_name(p);
	for (size_t o = 0; o < POOL; o++)
		seen[o] = rnd() % 3 == 0;
	learned(p, !pick && rnd() % 2 ? seen : NULL, out);
}

static void merge(const struct ruleset *in, size_t n, struct ruleset *out)
{
	char why[128];
	assert_int_equal(merge_rulesets(in, n, out, why, sizeof why), 0);
}

static struct diff_count diff(const struct ruleset *old, const struct ruleset *new)
{
	char why[256] = "";
	struct diff_count c;
	int rc = diff_rulesets(old, new, NULL, &c, why, sizeof why);
	if (rc)
		fail_msg("diff: %s", why);
	return c;
}

static void assert_same_text(const struct ruleset *a, const struct ruleset *b)
{
	char *x = print_ruleset(a), *y = print_ruleset(b);
	assert_non_null(x);
	assert_non_null(y);
	assert_string_equal(x, y);
	free(x);
	free(y);
}

static void assert_same_decisions(const struct ruleset *a, const struct ruleset *b)
{
	struct diff_count c = diff(a, b);
	assert_int_equal(c.more, 0);
	assert_int_equal(c.less, 0);
}

static unsigned rounds(void)
{
	return under_valgrind() ? 4 : 25;
}

static void merge_is_idempotent(void **state)
{
	(void)state;
	for (unsigned round = 0; round < rounds(); round++) {
		struct ruleset in[2], once, twice;
		random_learned(&in[0], NULL);
		in[1] = in[0];
		merge(in, 1, &once);
		merge(in, 2, &twice);
		assert_same_text(&once, &twice);
		assert_same_decisions(&in[0], &once);
		struct ruleset again[2] = { once, once }, thrice;
		merge(again, 2, &thrice);
		assert_same_text(&once, &thrice);
		ruleset_free(&in[0]);
		ruleset_free(&once);
		ruleset_free(&twice);
		ruleset_free(&thrice);
	}
}

static void merge_is_associative(void **state)
{
	(void)state;
	for (unsigned round = 0; round < rounds(); round++) {
		struct ruleset in[3], ab, bc, ab_c, a_bc, abc;
		for (int i = 0; i < 3; i++)
			random_learned(&in[i], NULL);
		merge(in, 2, &ab);
		merge(in + 1, 2, &bc);
		struct ruleset left[2] = { ab, in[2] }, right[2] = { in[0], bc };
		merge(left, 2, &ab_c);
		merge(right, 2, &a_bc);
		merge(in, 3, &abc);
		assert_same_decisions(&ab_c, &a_bc);
		assert_same_decisions(&ab_c, &abc);
		assert_same_text(&ab_c, &a_bc);
		assert_same_text(&ab_c, &abc);
		/* And it commutes. */
		struct ruleset ba_in[2] = { in[1], in[0] }, ba;
		merge(ba_in, 2, &ba);
		assert_same_text(&ab, &ba);
		struct ruleset *all[] = { &in[0], &in[1], &in[2], &ab, &bc, &ab_c, &a_bc, &abc, &ba };
		for (size_t i = 0; i < sizeof all / sizeof *all; i++)
			ruleset_free(all[i]);
	}
}

static bool allows(const struct sock_filter *prog, unsigned short len, const struct seccomp_data *d)
{
	uint32_t r = emulate(prog, len, d) & SECCOMP_RET_ACTION_FULL;
	return r == SECCOMP_RET_ALLOW || r == SECCOMP_RET_LOG;
}

/* The merge allows a call exactly when one of its inputs does: asked of the
 * programs in the emulator, on every native number with argument values the
 * rules compare (and some they do not). */
static void merge_allows_the_union(void **state)
{
	(void)state;
	static const uint64_t values[] = { 0, 1, 2, 8, 10, 16, 0x20008, 0x10000, 0x7e020000, 0x7fffffff,
					   0xffffffff, 0x100000000ull, UINT64_MAX };
	for (unsigned round = 0; round < rounds(); round++) {
		struct ruleset in[2], m;
		random_learned(&in[0], NULL);
		random_learned(&in[1], NULL);
		merge(in, 2, &m);
		struct sock_filter *p[3];
		unsigned short len[3];
		const struct ruleset *rs[3] = { &in[0], &in[1], &m };
		for (int i = 0; i < 3; i++)
			assert_int_equal(emit_libseccomp(rs[i], "test", &p[i], &len[i]), 0);
		unsigned checked = 0, allowed = 0;
		for (int nr = 0; nr < 1024; nr++) {
			for (size_t v = 0; v < sizeof values / sizeof *values; v++) {
				struct seccomp_data d = { .nr = nr, .arch = (uint32_t)seccomp_arch_native() };
				for (int k = 0; k < 6; k++)
					d.args[k] = k == 0 ? values[v] : values[(v + (size_t)k) % 3];
				bool a = allows(p[0], len[0], &d), b = allows(p[1], len[1], &d);
				bool u = allows(p[2], len[2], &d);
				if (u != (a || b))
					fail_msg("nr %d arg0 0x%llx: merged %d, inputs %d %d", nr,
						 (unsigned long long)values[v], u, a, b);
				checked++;
				allowed += u;
			}
		}
		assert_true(allowed > 0 && allowed < checked);
		for (int i = 0; i < 3; i++)
			free(p[i]);
		ruleset_free(&in[0]);
		ruleset_free(&in[1]);
		ruleset_free(&m);
	}
}

/* Diff's answer on random pairs is set inclusion of the learned names (both
 * built from the same base's rules, so a name means the same argument set
 * in both), computed here from the names alone; half the pairs are built
 * with NEW inside OLD so both answers occur. */
static void diff_status_matches_inclusion(void **state)
{
	(void)state;
	unsigned seen[2] = { 0, 0 };
	for (unsigned round = 0; round < 2 * rounds(); round++) {
		static bool po[4096], pn[4096];
		struct ruleset old, new;
		random_learned(&old, po);
		for (unsigned i = 0; i < base.nrules; i++)
			pn[i] = round % 2 ? po[i] && rnd() % 4 : rnd() % 3 == 0;
		by_name(pn);
		learned(pn, NULL, &new);
		/* Independently: the native calls each allows, by name. */
		unsigned more = 0, less = 0;
		for (unsigned i = 0; i < base.nrules; i++) {
			const struct rule *r = &base.rules[i];
			if (r->action != SCMP_ACT_ALLOW || !known(r->name))
				continue;
			bool first = true; /* count a name once (several rules) */
			for (unsigned j = 0; j < i; j++)
				if (!strcmp(base.rules[j].name, r->name) && base.rules[j].action == SCMP_ACT_ALLOW)
					first = false;
			bool in_old = false, in_new = false;
			for (unsigned j = 0; j < base.nrules; j++) {
				if (strcmp(base.rules[j].name, r->name) || base.rules[j].action != SCMP_ACT_ALLOW)
					continue;
				in_old |= po[j];
				in_new |= pn[j];
			}
			more += first && in_new && !in_old;
			less += first && in_old && !in_new;
		}
		struct diff_count c = diff(&old, &new);
		assert_int_equal(c.more, more);
		assert_int_equal(c.less, less);
		seen[c.more > 0]++;
		struct diff_count back = diff(&new, &old);
		assert_int_equal(back.more, less);
		assert_int_equal(back.less, more);
		ruleset_free(&old);
		ruleset_free(&new);
	}
	assert_true(seen[0] > 0 && seen[1] > 0);
}

/* The same on argument values: two profiles learned with the same calls and
 * different observations (the pool's), NEW allows more exactly when it
 * holds an observation whose rule OLD lacks, computed from the rules'
 * identity here and from the programs' decisions by diff. */
static void diff_status_matches_inclusion_of_argument_values(void **state)
{
	(void)state;
	static bool pick[4096];
	unsigned seen_more[2] = { 0, 0 };
	for (unsigned round = 0; round < 2 * rounds(); round++) {
		bool so[POOL], sn[POOL];
		for (unsigned i = 0; i < base.nrules; i++)
			pick[i] = rnd() % 3 == 0;
		by_name(pick);
		for (size_t o = 0; o < POOL; o++) {
			so[o] = rnd() % 2;
			sn[o] = round % 2 ? so[o] && rnd() % 3 : rnd() % 2;
		}
		struct ruleset old, new;
		learned(pick, so, &old);
		learned(pick, sn, &new);
		/* A rule of one the other lacks: observations with equal rules (flags masked) count once. */
		bool more = false, less = false;
		for (size_t o = 0; o < POOL; o++) {
			struct rule r = narrowed_rule(&pool[o], 0);
			bool in[2] = { false, false };
			for (size_t q = 0; q < POOL; q++) {
				struct rule t = narrowed_rule(&pool[q], 0);
				if (strcmp(t.name, r.name) || t.nargs != r.nargs || memcmp(t.args, r.args, r.nargs * sizeof *r.args))
					continue;
				in[0] |= so[q];
				in[1] |= sn[q];
			}
			more |= in[1] && !in[0];
			less |= in[0] && !in[1];
		}
		struct diff_count c = diff(&old, &new);
		assert_int_equal(c.more > 0, more);
		assert_int_equal(c.less > 0, less);
		seen_more[more]++;
		ruleset_free(&old);
		ruleset_free(&new);
	}
	assert_true(seen_more[0] > 0 && seen_more[1] > 0);
}

static struct ruleset parse_text(const char *json)
{
	struct ruleset rs;
	assert_int_equal(profile_parse(json, strlen(json), "test", &rs, NULL), 0);
	return rs;
}

/* The lines a reviewer reads: the call, and the rule's condition. */
static void diff_lines_name_calls_and_conditions(void **state)
{
	(void)state;
	struct ruleset old = parse_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"" NATIVE_ARCH_NAME
					"\"], \"syscalls\": [{\"names\": [\"read\", \"personality\"], \"action\": "
					"\"SCMP_ACT_ALLOW\"}, {\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", "
					"\"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}");
	struct ruleset new = parse_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"" NATIVE_ARCH_NAME
					"\"], \"syscalls\": [{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", "
					"\"args\": [{\"index\": 0, \"value\": 16, \"op\": \"SCMP_CMP_EQ\"}]}, {\"names\": "
					"[\"ptrace\", \"read\"], \"action\": \"SCMP_ACT_ALLOW\"}, {\"names\": [\"socket\"], "
					"\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": "
					"\"SCMP_CMP_EQ\"}]}]}");
	char buf[4096] = "", why[256];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	struct diff_count c;
	assert_int_equal(diff_rulesets(&old, &new, f, &c, why, sizeof why), 0);
	fclose(f);
	assert_string_equal(buf, "- personality\n+ ptrace\n+ socket if arg0 == 16\n");
	assert_int_equal(c.more, 2);
	assert_int_equal(c.less, 1);
	ruleset_free(&old);
	ruleset_free(&new);
}

/* A difference only some masked values show: clone with namespace flags,
 * which the base's rule (arg0 & 0x7e020000 == 0) denies. */
static void diff_sees_masked_argument_values(void **state)
{
	(void)state;
	struct ruleset masked = parse_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\""
					   NATIVE_ARCH_NAME "\"], \"syscalls\": [{\"names\": [\"clone\"], \"action\": "
					   "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 2114060288, "
					   "\"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}");
	struct ruleset any = parse_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\""
					NATIVE_ARCH_NAME "\"], \"syscalls\": [{\"names\": [\"clone\"], \"action\": "
					"\"SCMP_ACT_ALLOW\"}]}");
	char buf[512] = "", why[256];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	struct diff_count c;
	assert_int_equal(diff_rulesets(&masked, &any, f, &c, why, sizeof why), 0);
	fclose(f);
	assert_string_equal(buf, "+ clone\n");
	assert_int_equal(c.more, 1);
	assert_int_equal(c.less, 0);
	f = fmemopen(buf, sizeof buf, "w");
	assert_int_equal(diff_rulesets(&any, &masked, f, &c, why, sizeof why), 0);
	fclose(f);
	assert_string_equal(buf, "- clone\n");
	assert_int_equal(c.more, 0);
	assert_int_equal(c.less, 1);
	ruleset_free(&masked);
	ruleset_free(&any);
}

/* A difference only values above a bound show (K + 1 and up). */
static void diff_sees_values_above_a_bound(void **state)
{
	(void)state;
	struct ruleset bounded = parse_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\""
					    NATIVE_ARCH_NAME "\"], \"syscalls\": [{\"names\": [\"personality\"], "
					    "\"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 5, "
					    "\"op\": \"SCMP_CMP_LE\"}]}]}");
	struct ruleset any = parse_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\""
					NATIVE_ARCH_NAME "\"], \"syscalls\": [{\"names\": [\"personality\"], "
					"\"action\": \"SCMP_ACT_ALLOW\"}]}");
	assert_int_equal(diff(&bounded, &any).more, 1);
	assert_int_equal(diff(&any, &bounded).less, 1);
	assert_int_equal(diff(&any, &bounded).more, 0);
	ruleset_free(&bounded);
	ruleset_free(&any);
}

/* Reordered and reformatted (the effective profile, Docker's form printed
 * back, entries reversed): no line, no difference. */
static void reordered_profiles_diff_as_equal(void **state)
{
	(void)state;
	struct ruleset reversed = base;
	reversed.rules = NULL;
	reversed.nrules = reversed.cap = 0;
	for (unsigned i = base.nrules; i-- > 0;)
		assert_int_equal(ruleset_add(&reversed, &base.rules[i]), 0);
	reparse(&reversed);
	char buf[256] = "", why[256];
	FILE *f = fmemopen(buf, sizeof buf, "w");
	struct diff_count c;
	assert_int_equal(diff_rulesets(&base, &reversed, f, &c, why, sizeof why), 0);
	fclose(f);
	assert_string_equal(buf, "");
	assert_int_equal(c.more + c.less, 0);
	ruleset_free(&reversed);
}

/* Profiles that do not share a header are not merged. */
static void merge_refuses_another_header(void **state)
{
	(void)state;
	struct ruleset in[2];
	random_learned(&in[0], NULL);
	random_learned(&in[1], NULL);
	in[1].default_action = SCMP_ACT_ERRNO(1);
	struct ruleset out;
	char why[128];
	assert_int_equal(merge_rulesets(in, 2, &out, why, sizeof why), 1);
	assert_string_equal(why, "default actions differ");
	ruleset_free(&in[0]);
	ruleset_free(&in[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(merge_is_idempotent),
		cmocka_unit_test(merge_is_associative),
		cmocka_unit_test(merge_allows_the_union),
		cmocka_unit_test(diff_status_matches_inclusion),
		cmocka_unit_test(diff_status_matches_inclusion_of_argument_values),
		cmocka_unit_test(diff_lines_name_calls_and_conditions),
		cmocka_unit_test(diff_sees_masked_argument_values),
		cmocka_unit_test(diff_sees_values_above_a_bound),
		cmocka_unit_test(reordered_profiles_diff_as_equal),
		cmocka_unit_test(merge_refuses_another_header),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
