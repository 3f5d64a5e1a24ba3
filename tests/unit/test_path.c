#include "testlib.h"

#include <errno.h>

#include "path.h"

static void collect(const char *name, const char *path, const char *fallback, const char **want)
{
	struct path_walk w;
	char buf[256];
	path_walk_init(&w, name, path, fallback);
	size_t i = 0;
	while (path_walk_next(&w, buf, sizeof buf)) {
		assert_non_null(want[i]);
		assert_string_equal(buf, want[i]);
		i++;
	}
	assert_null(want[i]);
}

static void path_then_fallback_in_order(void **state)
{
	(void)state;
	const char *want[] = { "/usr/local/bin/node", "/usr/bin/node", "/nodejs/bin/node", "/opt/n/node", NULL };
	collect("node", "/usr/local/bin:/usr/bin", "/nodejs/bin:/opt/n", want);
}

static void empty_path_entry_is_current_directory(void **state)
{
	(void)state;
	const char *want[] = { "./node", "/bin/node", "./node", NULL };
	collect("node", ":/bin:", "", want);
}

static void unset_path_uses_the_default(void **state)
{
	(void)state;
	const char *want[] = { "/usr/local/bin/x", "/bin/x", "/usr/bin/x", "/nodejs/bin/x", NULL };
	collect("x", NULL, "/nodejs/bin", want);
}

static void names_with_a_slash_are_not_searched(void **state)
{
	(void)state;
	const char *want[] = { "./server.js", NULL };
	collect("./server.js", "/bin", "/nodejs/bin", want);
	const char *want2[] = { "/nodejs/bin/node", NULL };
	collect("/nodejs/bin/node", "/bin", "/x", want2);
}

static void candidates_too_long_are_skipped(void **state)
{
	(void)state;
	char longdir[300];
	memset(longdir, 'a', sizeof longdir - 1);
	longdir[0] = '/';
	longdir[sizeof longdir - 1] = '\0';
	char path[400];
	snprintf(path, sizeof path, "%s:/bin", longdir);
	const char *want[] = { "/bin/node", NULL };
	collect("node", path, "", want);
}

static void errors_that_continue_the_search(void **state)
{
	(void)state;
	assert_false(path_error_is_final(ENOENT));
	assert_false(path_error_is_final(ENOTDIR));
	assert_false(path_error_is_final(EACCES));
	assert_true(path_error_is_final(ENOEXEC));
	assert_true(path_error_is_final(E2BIG));
	assert_true(path_error_is_final(EPERM));
	assert_true(path_error_is_final(ETXTBSY));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(path_then_fallback_in_order),
		cmocka_unit_test(empty_path_entry_is_current_directory),
		cmocka_unit_test(unset_path_uses_the_default),
		cmocka_unit_test(names_with_a_slash_are_not_searched),
		cmocka_unit_test(candidates_too_long_are_skipped),
		cmocka_unit_test(errors_that_continue_the_search),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
