/* Integration tests. Learn mode's argument values (issue 25): the Node fixture learned with them
 * and by name only, then a probe in its place. */
#include "run.h"

/* Learns the Node fixture into DIR/NAME (EXTRA: another setting or NULL); the summary line. */
static void learn_node(const char *name, char *extra, char *profile, size_t size, char *summary, size_t ssize)
{
	struct result r;
	char out_env[128];
	learn_env(out_env, sizeof out_env, name);
	snprintf(profile, size, "%s/%s", learn_dir, name);
	if (extra)
		run_shim(true, ENV(node_path_env, "SHIM_SECCOMP_MODE=learn", out_env, extra), ARGS("node", workload), &r, 90);
	else
		run_shim(true, ENV(node_path_env, "SHIM_SECCOMP_MODE=learn", out_env), ARGS("node", workload), &r, 90);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "workload ok"));
	const char *line = strstr(r.err, "shim: learn: wrote ");
	assert_non_null(line);
	snprintf(summary, ssize, "%.*s", (int)strcspn(line, "\n"), line);
}

static unsigned argument_rules(const char *summary)
{
	const char *p = strstr(summary, " observed), ");
	unsigned n = 0;
	assert_non_null(p);
	assert_int_equal(sscanf(p, " observed), %u argument rules", &n), 1);
	return n;
}

/* What `escape unused` (calls the default allows, with values the fixture
 * never used) gets under PROFILE. */
static void probe_under(const char *profile, struct result *r)
{
	char env[240];
	snprintf(env, sizeof env, "SHIM_SECCOMP=%s", profile);
	run_shim(true, ENV(env), ARGS((char *)escape, "unused"), r, 20);
	print_message("under %s:\n%s%s", profile, r->out, r->err);
	assert_int_equal(r->status, 0);
}

static const char *const unused[] = {
	"socket_netlink_dgram", "socket_inet6_stream", "clone_sighand_without_vm", "prctl_get_dumpable",
};

void learned_arguments_deny_what_node_never_did(void **state)
{
	(void)state;
	char with[200], names[200], summary[512], names_summary[512];
	learn_node("args.json", NULL, with, sizeof with, summary, sizeof summary);
	learn_node("names.json", "SHIM_LEARN_ARGS=off", names, sizeof names, names_summary, sizeof names_summary);
	unsigned n = argument_rules(summary);
	print_message("with arguments: %s\nby name: %s\n", summary, names_summary);
	/* socket (unix, inet stream and dgram, netlink), socketpair, clone (threads, fork), prctl at least */
	assert_true(n >= 6);
	assert_int_equal(argument_rules(names_summary), 0);

	/* Learned with arguments: the fixture serves, the probe's calls are denied. */
	struct result r;
	char env[240];
	snprintf(env, sizeof env, "SHIM_SECCOMP=%s", with);
	run_shim(true, ENV(node_path_env, env), ARGS("node", workload), &r, 90);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "workload ok"));
	assert_string_equal(r.err, "");
	probe_under(with, &r);
	for (size_t i = 0; i < sizeof unused / sizeof *unused; i++) {
		char want[96];
		snprintf(want, sizeof want, "%s ENOSYS", unused[i]);
		assert_true(has_line(r.out, want));
	}
	/* By name: the same calls pass the filter (the kernel answers). */
	probe_under(names, &r);
	for (size_t i = 0; i < sizeof unused / sizeof *unused; i++) {
		char denied[2][96];
		snprintf(denied[0], sizeof denied[0], "%s ENOSYS", unused[i]);
		snprintf(denied[1], sizeof denied[1], "%s EPERM", unused[i]);
		assert_false(has_line(r.out, denied[0]) || has_line(r.out, denied[1]));
	}

	/* learned_node_profile_enforces_and_is_smaller (learn.c) proves this profile gets the range program. */

	/* The exports carry the argument rules. For the pod's own profile they add what
	 * the runtime's init and PID 1 need (clone and prctl as the default allows them,
	 * socket AF_UNIX), so the socket probes stay denied there. */
	run_shim(false, NULL, ARGS("--export-profile", "localhost", with), &r, 20);
	assert_int_equal(r.status, 0);
	char exported[200], cmd[512];
	snprintf(exported, sizeof exported, "%s/args-k8s.json", learn_dir);
	write_text(exported, r.out);
	probe_under(exported, &r);
	assert_true(has_line(r.out, "socket_netlink_dgram ENOSYS"));
	assert_true(has_line(r.out, "socket_inet6_stream ENOSYS"));
	run_shim(false, NULL, ARGS("--export-profile", "spo", with, "node-workload"), &r, 20);
	assert_int_equal(r.status, 0);
	/* node's netlink socket (getifaddrs): AF_NETLINK, SOCK_RAW */
	assert_non_null(strstr(r.out, "\"index\": 1,\n            \"value\": 15,\n            \"valueTwo\": 3,\n"));

	/* A restart that keeps the file writes the same bytes: the argument
	 * rules come back from the review file. */
	char out_env[128];
	learn_env(out_env, sizeof out_env, "args.json");
	snprintf(cmd, sizeof cmd, "cp %s %s/args.before", with, learn_dir);
	assert_int_equal(system(cmd), 0);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS("/bin/true"), &r, 30);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "merging the existing file"));
	snprintf(cmd, sizeof cmd, "cmp %s %s/args.before", with, learn_dir);
	assert_int_equal(system(cmd), 0);
}
