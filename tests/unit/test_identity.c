#include "testlib.h"

#include "exitcode.h"
#include "identity.h"

static void good_specs(void **state)
{
	(void)state;
	struct user_spec s;
	assert_int_equal(identity_parse("65532:65532", &s), 0);
	assert_true(s.user_is_id);
	assert_true(s.group_is_id);
	assert_int_equal(s.uid, 65532);
	assert_int_equal(s.gid, 65532);
	assert_int_equal(identity_parse("1000", &s), 0);
	assert_true(s.user_is_id);
	assert_string_equal(s.group, "");
	assert_int_equal(identity_parse("nonroot:nonroot", &s), 0);
	assert_false(s.user_is_id);
	assert_string_equal(s.user, "nonroot");
	assert_int_equal(identity_parse("0day", &s), 0);
	assert_false(s.user_is_id); /* a name, not uid 0 */
	assert_int_equal(identity_parse("0", &s), 0);
	assert_true(s.user_is_id);
	assert_int_equal(s.uid, 0);
	assert_int_equal(identity_parse("4294967294:www-data", &s), 0);
	assert_int_equal(s.uid, 4294967294u);
	assert_false(s.group_is_id);
	assert_int_equal(identity_parse("svc_1.x$", &s), 0);
}

static void bad_specs(void **state)
{
	(void)state;
	struct user_spec s;
	static const char *const bad[] = {
		"", ":", "65532:", ":1", "-1", "4294967295", "99999999999999999999", "65532:65532:1",
		" 65532", "65532 ", "a b", "user:", ":group", "na\tme", "-name", "a/b", "é",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		print_message("%s\n", bad[i]);
		assert_int_equal(identity_parse(bad[i], &s), -1);
	}
}

static void numeric_uid_without_entry_gets_its_own_gid(void **state)
{
	(void)state;
	struct identity id;
	/* No passwd entry on any test machine for this uid. */
	assert_int_equal(identity_resolve("54321", true, true, &id), 0);
	assert_int_equal(id.uid, 54321);
	assert_int_equal(id.gid, 54321);
	assert_string_equal(id.home, "/");
	assert_int_equal(identity_resolve("54321:7", true, true, &id), 0);
	assert_int_equal(id.gid, 7);
}

static void names_resolve_through_passwd(void **state)
{
	(void)state;
	struct identity id;
	assert_int_equal(identity_resolve("root", true, true, &id), 0);
	assert_int_equal(id.uid, 0);
	assert_int_equal(id.gid, 0);
	assert_string_equal(id.home, "/root");
	assert_int_equal(identity_resolve("no-such-user-here", true, true, &id), EXIT_CONFIG);
	assert_int_equal(identity_resolve("root:no-such-group-here", true, true, &id), EXIT_CONFIG);
	assert_int_equal(identity_resolve("65532:", true, true, &id), EXIT_CONFIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_specs),
		cmocka_unit_test(bad_specs),
		cmocka_unit_test(numeric_uid_without_entry_gets_its_own_gid),
		cmocka_unit_test(names_resolve_through_passwd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
