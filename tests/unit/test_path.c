#include "testlib.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

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

/* A scratch tree: d1/ (empty), d2/node (not executable), d3/node/ (a
 * directory), d4/node (executable). */
static char tree[64];

static void make_tree(void)
{
	snprintf(tree, sizeof tree, "/tmp/shim-path-XXXXXX");
	assert_non_null(mkdtemp(tree));
	char p[128];
	const char *dirs[] = { "d1", "d2", "d3", "d4", "d3/node" };
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		snprintf(p, sizeof p, "%s/%s", tree, dirs[i]);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	const char *files[][2] = { { "d2/node", "0644" }, { "d4/node", "0755" } };
	for (size_t i = 0; i < 2; i++) {
		snprintf(p, sizeof p, "%s/%s", tree, files[i][0]);
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fclose(f);
		assert_int_equal(chmod(p, (mode_t)strtol(files[i][1], NULL, 8)), 0);
	}
}

static void remove_tree(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tree);
	assert_int_equal(system(cmd), 0);
}

/* path_find takes what execvp would exec, without exec attempts: the first
 * executable regular file, past missing entries, non-executable files and
 * directories of that name. */
static void find_skips_what_execve_would_refuse(void **state)
{
	(void)state;
	make_tree();
	char path[512], fallback[256], buf[256], want[128];
	snprintf(path, sizeof path, "/nonexistent:%s/d1:%s/d2:%s/d3", tree, tree, tree);
	snprintf(fallback, sizeof fallback, "%s/d4", tree);
	assert_int_equal(path_find("node", path, fallback, buf, sizeof buf, NULL), 0);
	snprintf(want, sizeof want, "%s/d4/node", tree);
	assert_string_equal(buf, want);
	/* Only refused candidates: EACCES naming the first, as execvp answers
	 * (root passes access(X_OK) only with an execute bit, so this holds for it too). */
	assert_int_equal(path_find("node", path, "", buf, sizeof buf, NULL), EACCES);
	snprintf(want, sizeof want, "%s/d2/node", tree);
	assert_string_equal(buf, want);
	/* Nothing of that name: not found. */
	assert_int_equal(path_find("node", "/nonexistent:/nonexistent2", "", buf, sizeof buf, NULL), ENOENT);
	/* A path component that is a file: ENOTDIR, also not found. */
	snprintf(path, sizeof path, "%s/d4/node", tree);
	assert_int_equal(path_find("x", path, "", buf, sizeof buf, NULL), ENOTDIR);
	/* A name with a slash is that file only. */
	snprintf(path, sizeof path, "%s/d4/node", tree);
	assert_int_equal(path_find(path, "/nonexistent", "", buf, sizeof buf, NULL), 0);
	assert_string_equal(buf, path);
	snprintf(path, sizeof path, "%s/d3/node", tree);
	assert_int_equal(path_find(path, "", "", buf, sizeof buf, NULL), EACCES);
	remove_tree();
}

/* Where it was found: the fallback directory's length, for the child's PATH
 * (issue 21); 0 through PATH or for a name with '/'. */
static void find_says_which_fallback_directory(void **state)
{
	(void)state;
	make_tree();
	char path[512], fallback[256], buf[256];
	size_t dir = 99;
	snprintf(path, sizeof path, "/nonexistent:%s/d1", tree);
	snprintf(fallback, sizeof fallback, "/nonexistent/fb:%s/d4", tree);
	assert_int_equal(path_find("node", path, fallback, buf, sizeof buf, &dir), 0);
	assert_int_equal(dir, strlen(tree) + 3);
	assert_memory_equal(buf, fallback + strlen("/nonexistent/fb:"), dir);
	snprintf(path, sizeof path, "%s/d4", tree);
	assert_int_equal(path_find("node", path, fallback, buf, sizeof buf, &dir), 0);
	assert_int_equal(dir, 0);
	snprintf(path, sizeof path, "%s/d4/node", tree);
	assert_int_equal(path_find(path, "/nonexistent", fallback, buf, sizeof buf, &dir), 0);
	assert_int_equal(dir, 0);
	remove_tree();
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
		cmocka_unit_test(find_skips_what_execve_would_refuse),
		cmocka_unit_test(find_says_which_fallback_directory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
