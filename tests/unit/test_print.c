/* print.c: the rule set as OCI JSON (the effective profile). */
#include "testlib.h"

#include <errno.h>

#include "log.h"
#include "print.h"
#include "profile.h"

static void assert_same_rules(const struct ruleset *a, const struct ruleset *b)
{
	assert_int_equal(a->default_action, b->default_action);
	assert_int_equal(a->narch, b->narch);
	assert_memory_equal(a->arch, b->arch, a->narch * sizeof *a->arch);
	assert_memory_equal(a->max_nr, b->max_nr, a->narch * sizeof *a->max_nr);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->enosys_above_max, b->enosys_above_max);
	assert_int_equal(a->nrules, b->nrules);
	for (unsigned i = 0; i < a->nrules; i++) {
		const struct rule *x = &a->rules[i], *y = &b->rules[i];
		assert_string_equal(x->name, y->name);
		assert_int_equal(x->action, y->action);
		assert_int_equal(x->nargs, y->nargs);
		assert_int_equal(x->any, y->any);
		assert_memory_equal(x->args, y->args, x->nargs * sizeof *x->args);
		/* Entries stay entries: names that shared one share one again. */
		if (i)
			assert_int_equal(x->group == a->rules[i - 1].group, y->group == b->rules[i - 1].group);
	}
}

/* Parse -> print -> parse gives the same rule set, and printing that gives
 * the same text: the printed profile is the profile the shim enforces. */
static void round_trip(const char *path)
{
	size_t len;
	char *json = slurp(path, &len);
	struct ruleset a, b;
	char *printed = NULL, *again = NULL;
	assert_int_equal(profile_parse(json, len, path, &a, &printed), 0);
	assert_non_null(printed);
	assert_int_equal(profile_parse(printed, strlen(printed), "printed", &b, NULL), 0);
	assert_same_rules(&a, &b);
	again = print_ruleset(&b);
	assert_non_null(again);
	assert_string_equal(printed, again);
	free(printed);
	free(again);
	ruleset_free(&a);
	ruleset_free(&b);
}

static void default_round_trips(void **state)
{
	(void)state;
	round_trip("seccomp/default.json");
	round_trip("seccomp/pid1.json");
}

/* Docker's and Podman's real profiles: archMap, includes/excludes and errno
 * names are resolved in the rule set, and the print shows the result. */
static void docker_and_podman_round_trip_resolved(void **state)
{
	(void)state;
	round_trip("build/test-deps/moby-default.json");
	round_trip("build/test-deps/podman-seccomp.json");
	size_t len;
	char *json = slurp("build/test-deps/moby-default.json", &len);
	struct ruleset rs;
	char *printed;
	assert_int_equal(profile_parse(json, len, "moby", &rs, &printed), 0);
	/* No "includes", "archMap" or "comment" left; mount needs CAP_SYS_ADMIN. */
	assert_null(strstr(printed, "includes"));
	assert_null(strstr(printed, "archMap"));
	assert_null(strstr(printed, "comment"));
	assert_null(strstr(printed, "\"mount\""));
	assert_non_null(strstr(printed, "\"SCMP_ARCH_X86_64\""));
	free(printed);
	ruleset_free(&rs);
}

/* What print.c renders that the input may spell otherwise: errno names,
 * flags, names this libseccomp does not know (kept for newer kernels). */
static void print_renders_the_resolved_values(void **state)
{
	(void)state;
	static const char in[] =
		"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrno\": \"ENOSYS\", "
		"\"flags\": [\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_LOG\"], "
		"\"syscalls\": [{\"names\": [\"read\", \"no_such_call_yet\"], \"action\": \"SCMP_ACT_ALLOW\"}, "
		"{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"errno\": \"EACCES\", "
		"\"args\": [{\"index\": 0, \"value\": 16, \"op\": \"SCMP_CMP_EQ\"}, "
		"{\"index\": 1, \"value\": 4294967295, \"valueTwo\": 2, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]}";
	struct ruleset rs;
	assert_int_equal(profile_parse(in, sizeof in - 1, "in", &rs, NULL), 0);
	char *out = print_ruleset(&rs);
	assert_non_null(out);
	assert_non_null(strstr(out, "\"defaultErrnoRet\": 38"));
	assert_non_null(strstr(out, "\"flags\": [\n    \"SECCOMP_FILTER_FLAG_LOG\",\n    \"SECCOMP_FILTER_FLAG_TSYNC\"\n  ]"));
	assert_non_null(strstr(out, "\"read\",\n        \"no_such_call_yet\""));
	assert_non_null(strstr(out, "\"errnoRet\": 13"));
	assert_non_null(strstr(out, "\"value\": 4294967295,\n          \"valueTwo\": 2,\n          \"op\": \"SCMP_CMP_MASKED_EQ\""));
	free(out);
	ruleset_free(&rs);
}

int main(void)
{
	log_set_level(LOG_LEVEL_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_round_trips),
		cmocka_unit_test(docker_and_podman_round_trip_resolved),
		cmocka_unit_test(print_renders_the_resolved_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
