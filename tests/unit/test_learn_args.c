/* learn_args.c: a learned argument rule is the base's rule narrowed to what
 * was observed. Property tests on random base rules and vectors: the
 * narrowed rule holds for the observed call, and never for a call its base
 * rule denies. */
#include "testlib.h"

#include <seccomp.h>

#include "learn_args.h"
#include "ruleset.h"

static unsigned seed = 2025;

static uint64_t rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 16;
}

/* Values near the ones rules compare: small families and types, flag words, bounds. */
static uint64_t value(void)
{
	static const uint64_t interesting[] = { 0, 1, 2, 3, 5, 8, 10, 15, 16, 17, 0x80001, 0x800, 0x4111, 0x3d0f00,
						0x7e020000, 0xffffffff, 0x100000000ull, UINT64_MAX };
	return rnd() % 4 ? interesting[rnd() % (sizeof interesting / sizeof *interesting)]
			 : rnd() << 32 ^ rnd() << 16 ^ rnd();
}

static struct rule random_rule(const char *name)
{
	static const enum scmp_compare ops[] = { SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE,
						 SCMP_CMP_GT, SCMP_CMP_GE, SCMP_CMP_MASKED_EQ };
	struct rule r = { .action = SCMP_ACT_ALLOW };
	snprintf(r.name, sizeof r.name, "%s", name);
	unsigned used = 0;
	r.nargs = (unsigned)(rnd() % 3);
	for (unsigned k = 0; k < r.nargs; k++) {
		unsigned index;
		do
			index = (unsigned)(rnd() % 3);
		while (used >> index & 1);
		used |= 1u << index;
		enum scmp_compare op = ops[rnd() % (sizeof ops / sizeof *ops)];
		uint64_t a = value(), b = op == SCMP_CMP_MASKED_EQ ? value() & a : 0;
		r.args[k] = (struct rule_arg){ .index = index, .op = op, .a = a, .b = b };
	}
	return r;
}

static void random_args(uint64_t args[6])
{
	for (int i = 0; i < 6; i++)
		args[i] = value();
}

/* Never wider than the base rule, and holds for what was observed. */
static void narrowed_rule_is_inside_its_base_rule(void **state)
{
	(void)state;
	static const char *const names[] = { "socket", "socketpair", "clone", "personality", "prctl", "ioctl" };
	unsigned narrowed = 0, probed = 0;
	unsigned rounds = under_valgrind() ? 2000 : 20000;
	for (unsigned round = 0; round < rounds; round++) {
		const char *name = names[rnd() % (sizeof names / sizeof *names)];
		struct rule base = random_rule(name), out;
		uint64_t args[6], v[LEARN_SPEC_MAX_ARGS] = { 0, 0 };
		random_args(args);
		if (!rule_holds(&base, args))
			continue; /* the base denies it: learn mode reports it outside the base */
		const struct learn_arg_spec *spec = learn_arg_spec(name);
		if (spec)
			learn_arg_values(spec, args, v);
		assert_true(learn_arg_narrow(&base, spec, v, &out));
		narrowed++;
		assert_true(rule_holds(&out, args));
		for (int t = 0; t < 200; t++) {
			uint64_t other[6];
			random_args(other);
			/* Half near the observation: one argument changed. */
			if (t % 2) {
				memcpy(other, args, sizeof other);
				other[rnd() % 3] = value();
			}
			if (rule_holds(&out, other)) {
				probed++;
				if (!rule_holds(&base, other))
					fail_msg("%s: narrowed rule allows a call its base rule denies", name);
				/* Exactly learned values are the observed ones. */
				for (unsigned j = 0; spec && j < spec->nargs; j++) {
					unsigned index = spec->arg[j].index;
					bool base_tests_it = false;
					for (unsigned k = 0; k < base.nargs; k++)
						base_tests_it |= base.args[k].index == index;
					if (spec->arg[j].mask == UINT64_MAX)
						assert_true(other[index] == args[index]);
					else if (!base_tests_it) /* else the base's condition stays */
						assert_true((other[index] & spec->arg[j].mask) == (args[index] & spec->arg[j].mask));
				}
			}
		}
	}
	print_message("%u rules narrowed, %u calls they allow checked\n", narrowed, probed);
	assert_true(narrowed > rounds / 20 && probed > rounds / 2);
}

/* Values the base rule does not allow do not narrow it (a review file's
 * forged entry), and alternatives (runc's repeated index) are not narrowed. */
static void values_outside_the_base_rule_do_not_narrow(void **state)
{
	(void)state;
	struct rule inet = { .name = "socket", .action = SCMP_ACT_ALLOW, .nargs = 1 }, out;
	inet.args[0] = (struct rule_arg){ .index = 0, .op = SCMP_CMP_EQ, .a = 2 };
	uint64_t v[LEARN_SPEC_MAX_ARGS] = { 17, 1 };
	assert_false(learn_arg_narrow(&inet, learn_arg_spec("socket"), v, &out));
	v[0] = 2;
	assert_true(learn_arg_narrow(&inet, learn_arg_spec("socket"), v, &out));
	assert_int_equal(out.nargs, 2);
	assert_int_equal(out.args[0].op, SCMP_CMP_EQ);
	assert_true(out.args[0].a == 2);
	assert_int_equal(out.args[1].op, SCMP_CMP_MASKED_EQ);
	assert_true(out.args[1].a == 0xf && out.args[1].b == 1);
	struct rule alt = inet;
	alt.any = true;
	assert_false(learn_arg_narrow(&alt, learn_arg_spec("socket"), v, &out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(narrowed_rule_is_inside_its_base_rule),
		cmocka_unit_test(values_outside_the_base_rule_do_not_narrow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
