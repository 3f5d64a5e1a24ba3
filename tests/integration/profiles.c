/* Integration tests. The profile tools on what learn mode wrote: --merge-profile and --diff-profile
 * (issue 25). */
#include "run.h"

/* --merge-profile and --diff-profile on profiles learn mode wrote (issue
 * 25): two replicas merged (profile and review file), the merge loads and
 * allows what each learned; diff's lines and exit status, both ways; a
 * profile learned from another base, or without its review file, refused
 * in one line. */
void learned_profiles_merge_and_diff(void **state)
{
	(void)state;
	struct result r;
	char env[3][128], path[5][160], review[200];
	const char *names[] = { "replica-a.json", "replica-b.json", "other-base.json" };
	for (int i = 0; i < 3; i++) {
		learn_env(env[i], sizeof env[i], names[i]);
		snprintf(path[i], sizeof path[i], "%s/%s", learn_dir, names[i]);
	}
	snprintf(path[3], sizeof path[3], "%s/merged.json", learn_dir);
	snprintf(path[4], sizeof path[4], "%s/no-review.json", learn_dir);
	snprintf(review, sizeof review, "%s.review.json", path[3]);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", env[0]), ARGS((char *)probe, "listen"), &r, 20);
	assert_int_equal(r.status, 0);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", env[1]), ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_int_equal(r.status, 0);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", env[2], moby_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_int_equal(r.status, 0);

	/* Replica A listened, B did not: NEW=A allows more (1), NEW=B less (0). */
	run_shim(false, NULL, ARGS("--diff-profile", path[1], path[0]), &r, 30);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 1);
	assert_true(has_line(r.out, "+ listen"));
	assert_true(has_line(r.out, "+ bind"));
	assert_null(strstr(r.out, "- listen"));
	run_shim(false, NULL, ARGS("--diff-profile", path[0], path[1]), &r, 30);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "- listen"));
	assert_null(strstr(r.out, "+ "));
	run_shim(false, NULL, ARGS("--diff-profile", path[0], path[0]), &r, 30);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");

	/* The merge, and its review file. */
	run_shim(false, NULL, ARGS("--merge-profile", path[0], path[1]), &r, 30);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	write_text(path[3], r.out);
	run_shim(false, NULL, ARGS("--merge-profile", "--review", path[0], path[1]), &r, 30);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"mergedFrom\""));
	const char *listen = strstr(r.out, "\"name\": \"listen\"");
	assert_non_null(listen);
	assert_non_null(strstr(listen, "\"status\": \"observed\""));
	write_text(review, r.out);
	/* It allows everything either replica allows, and nothing else. */
	for (int i = 0; i < 2; i++) {
		run_shim(false, NULL, ARGS("--diff-profile", path[i], path[3]), &r, 30);
		assert_null(strstr(r.out, "- "));
	}
	run_shim(false, NULL, ARGS("--diff-profile", path[0], path[3]), &r, 30);
	assert_int_equal(r.status, 0); /* A already allowed all of B's */
	/* Merging the merge again changes nothing (it has its review file). */
	run_shim(false, NULL, ARGS("--merge-profile", path[3], path[1]), &r, 30);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, read_file(path[3]));
	/* It loads, and the calls it merged in are allowed. */
	char merged_env[200];
	snprintf(merged_env, sizeof merged_env, "SHIM_SECCOMP=%s", path[3]);
	run_shim(true, ENV(merged_env), ARGS((char *)probe, "listen"), &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);

	/* Another base: one line naming both, nothing on stdout. */
	run_shim(false, NULL, ARGS("--merge-profile", path[0], path[2]), &r, 30);
	print_message("%s", r.err);
	assert_int_equal(r.status, 65);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "was learned from base "));
	assert_non_null(strstr(r.err, "moby-default.json (sha256 "));
	assert_non_null(strstr(r.err, "merge only profiles learned from the same base"));
	assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);
	/* No review file: which base it came from is unknown. */
	write_text(path[4], read_file(path[0]));
	run_shim(false, NULL, ARGS("--merge-profile", path[0], path[4]), &r, 30);
	assert_int_equal(r.status, 65);
	assert_non_null(strstr(r.err, "has no review file"));
	assert_string_equal(r.out, "");
	/* A profile edited after learning: its review file no longer says what it allows. */
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "sed 's/\"listen\",/\"listen\", \"ptrace\",/' %s > %s && cp %s.review.json %s.review.json",
		 path[0], path[4], path[0], path[4]);
	assert_int_equal(system(cmd), 0);
	assert_non_null(strstr(read_file(path[4]), "\"ptrace\""));
	run_shim(false, NULL, ARGS("--merge-profile", path[0], path[4]), &r, 30);
	print_message("%s", r.err);
	assert_int_equal(r.status, 65);
	assert_non_null(strstr(r.err, "allows ptrace, which its review file does not list"));
	assert_string_equal(r.out, "");
}
