/* Integration tests. Learn mode: profiles learned from node and from escape, a restart, a killed
 * run, what it refuses. */
#include "run.h"

/* How many syscall names a profile allows (any arguments or some), through
 * the shim's own reading of it. */
static int allowed_names(const char *profile)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd,
		 "env -u SHIM_TEST_SANITIZED SHIM_SECCOMP=%s %s --print-profile | python3 -c 'import json,sys; p=json.load(sys.stdin); "
		 "print(len({n for r in p[\"syscalls\"] if r[\"action\"]==\"SCMP_ACT_ALLOW\" for n in r[\"names\"]}))'",
		 profile, shim);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	int n = -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	assert_int_equal(pclose(f), 0);
	return n;
}

/* Every escape-class call of escape.expected is denied (EPERM or ENOSYS: a
 * learned profile may deny it earlier, e.g. the fork its probe needs). */
static void escape_list_is_denied_under(const char *profile_env)
{
	struct result r;
	run_shim(true, ENV((char *)profile_env), ARGS((char *)escape, "list"), &r, 20);
	assert_int_equal(r.status, 0);
	FILE *f = fopen("tests/integration/escape.expected", "r");
	assert_non_null(f);
	char line[128];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n' || !strncmp(line, "control_", 8))
			continue;
		char name[96], want[96], denied[2][128], expected[32];
		assert_int_equal(sscanf(line, "%95s %31s", name, expected), 2);
		/* Not an escape: allowed by the base too (socket(AF_INET | 1<<32) is
		 * AF_INET to the kernel, and runtime JSON gets the range program). */
		if (!strncmp(expected, "other", 5))
			continue;
		snprintf(want, sizeof want, "%s", name);
		snprintf(denied[0], sizeof denied[0], "%s EPERM", want);
		snprintf(denied[1], sizeof denied[1], "%s ENOSYS", want);
		bool ok = has_line(r.out, denied[0]) || has_line(r.out, denied[1]);
		if (!ok)
			print_message("not denied under %s: %s", profile_env, line);
		assert_true(ok);
		n++;
	}
	fclose(f);
	assert_true(n >= 40);
	assert_true(has_line(r.out, "clone3 ENOSYS"));
}

void learned_node_profile_enforces_and_is_smaller(void **state)
{
	(void)state;
	struct result r;
	char out_env[128], profile[128], profile_env[160];
	learn_env(out_env, sizeof out_env, "node.json");
	snprintf(profile, sizeof profile, "%s/node.json", learn_dir);
	snprintf(profile_env, sizeof profile_env, "SHIM_SECCOMP=%s", profile);
	run_shim(true, ENV(node_path_env, "SHIM_SECCOMP_MODE=learn", out_env), ARGS("node", workload), &r, 90);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "workload ok"));
	/* One summary line, and nothing reported outside the default profile. */
	assert_non_null(strstr(r.err, "shim: learn: wrote "));
	assert_non_null(strstr(r.err, "; 0 outside the base"));
	assert_null(strstr(r.err, "outside the base profile:"));

	run_shim(true, ENV(node_path_env, "SHIM_SECCOMP_MODE=enforce", profile_env), ARGS("node", workload), &r, 90);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "workload ok"));
	assert_true(has_line(r.out, "ok sqlite"));
	assert_string_equal(r.err, "");

	/* Argument-checked calls get the values seen (learn_args.c); the deny and ENOSYS rules stay. */
	const char *text = read_file(profile);
	assert_non_null(strstr(text, "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"));
	assert_non_null(strstr(text, "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":"));
	assert_non_null(strstr(text, "{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}"));
	assert_non_null(strstr(text, "\"defaultErrnoRet\": 38"));
	int learned = allowed_names(profile), full = allowed_names("seccomp/default.json");
	print_message("learned profile allows %d names, the default %d\n", learned, full);
	assert_true(learned > 20);
	assert_true(learned < full);
	escape_list_is_denied_under(profile_env);
	/* A learned profile of a real workload keeps the range program (proven, issue 20). */
	char bpf[160];
	snprintf(bpf, sizeof bpf, "%s/node.bpf", learn_dir);
	run_shim(false, NULL, ARGS("--compile-profile", profile, bpf), &r, 30);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "instructions (range program), complain "));
	assert_non_null(strstr(r.out, " (range program)\n"));

	/* Second run with the learned profile as its base: nothing new, same file. */
	char out2_env[128], cmd[300];
	learn_env(out2_env, sizeof out2_env, "node2.json");
	run_shim(true, ENV(node_path_env, "SHIM_SECCOMP_MODE=learn", out2_env, profile_env), ARGS("node", workload),
		 &r, 90);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "workload ok"));
	assert_non_null(strstr(r.err, "; 0 outside the base"));
	snprintf(cmd, sizeof cmd, "cmp %s %s/node2.json", profile, learn_dir);
	assert_int_equal(system(cmd), 0);

	/* Kubernetes export: a superset (the runtime's and PID 1's calls added) that still loads. */
	run_shim(false, NULL, ARGS("--export-profile", "localhost", profile), &r, 20);
	assert_int_equal(r.status, 0);
	char exported[128], exported_env[160];
	snprintf(exported, sizeof exported, "%s/k8s.json", learn_dir);
	write_text(exported, r.out);
	int k8s = allowed_names(exported);
	print_message("Localhost export allows %d names\n", k8s);
	assert_true(k8s > learned && k8s < full);
	assert_non_null(strstr(r.out, "\"seccomp\""));
	assert_non_null(strstr(r.out, "\"setresuid\""));
	snprintf(exported_env, sizeof exported_env, "SHIM_SECCOMP=%s", exported);
	escape_list_is_denied_under(exported_env);
	run_shim(false, NULL, ARGS("--export-profile", "spo", profile, "node-workload"), &r, 20);
	assert_int_equal(r.status, 0);
	/* The version SPO 0.9 and 1.x both serve (tests/k8s validates it against both CRDs). */
	assert_non_null(strstr(r.out, "\"apiVersion\": \"security-profiles-operator.x-k8s.io/v1beta1\""));
	assert_non_null(strstr(r.out, "\"kind\": \"SeccompProfile\""));
	assert_non_null(strstr(r.out, "\"name\": \"node-workload\""));
	assert_null(strstr(r.out, "defaultErrnoRet"));
	assert_non_null(strstr(r.err, "no defaultErrnoRet"));
	char *spo_out = strdup(r.out), *localhost_out = NULL;
	assert_non_null(spo_out);

	/* Retrieval without a shell (kubectl exec POD -- /shim --learned): the
	 * container's own SHIM_LEARN_FILE names the file, no path is typed. */
	char learned_env[160];
	snprintf(learned_env, sizeof learned_env, "SHIM_LEARN_FILE=%s", profile);
	run_shim(false, ENV("SHIM_SECCOMP_MODE=learn", learned_env), ARGS("--learned"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, read_file(profile)); /* byte for byte: the summary's sha256 applies */
	assert_string_equal(r.err, "");
	run_shim(false, ENV("SHIM_SECCOMP_MODE=learn", learned_env), ARGS("--learned", "review"), &r, 20);
	assert_int_equal(r.status, 0);
	char review_path[200];
	snprintf(review_path, sizeof review_path, "%s.review.json", profile);
	assert_string_equal(r.out, read_file(review_path));
	run_shim(false, NULL, ARGS("--export-profile", "localhost", profile), &r, 20);
	localhost_out = strdup(r.out);
	assert_non_null(localhost_out);
	run_shim(false, ENV("SHIM_SECCOMP_MODE=learn", learned_env), ARGS("--learned", "localhost"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, localhost_out);
	run_shim(false, ENV("SHIM_SECCOMP_MODE=learn", learned_env), ARGS("--learned", "spo", "node-workload"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, spo_out);
	free(spo_out);
	free(localhost_out);
}

void learn_reports_calls_outside_the_base_and_keeps_enosys(void **state)
{
	(void)state;
	struct result r;
	char out_env[128], profile_env[160], review[128];
	learn_env(out_env, sizeof out_env, "escape.json");
	snprintf(profile_env, sizeof profile_env, "SHIM_SECCOMP=%s/escape.json", learn_dir);
	snprintf(review, sizeof review, "%s/escape.json.review.json", learn_dir);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS((char *)escape, "list"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	/* Reported and let through, as in complain mode... */
	assert_non_null(strstr(r.err, "shim: seccomp: learn: outside the base profile: mount(165) pid="));
	assert_true(strstr(r.out, "mount other:") != NULL);
	/* ...except the base's ENOSYS answer, which node's fallback needs. */
	assert_true(has_line(r.out, "clone3 ENOSYS"));
	assert_null(strstr(r.err, "clone3"));
	const char *text = read_file(review);
	assert_non_null(strstr(text, "{\"name\": \"mount\", \"nr\": 165, \"status\": \"outside-base\""));
	assert_non_null(strstr(text, "{\"name\": \"read\", \"nr\": 0, \"status\": \"assumed\"}"));
	/* Listed for review, never allowed by the output. */
	escape_list_is_denied_under(profile_env);
}

/* PID 1 stays confined in learn mode and still replaces the files: the probe's
 * stdout ioctl comes after PID 1's own filter is in place (the probe waits for it). */
void learn_keeps_pid1_confined_and_writing(void **state)
{
	(void)state;
	struct result r;
	char out_env[128], review[128];
	learn_env(out_env, sizeof out_env, "pid1.json");
	snprintf(review, sizeof review, "%s/pid1.json.review.json", learn_dir);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS((char *)probe, "pid1"), &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	if (!sanitized)
		assert_true(has_line(r.out, "Seccomp:\t2"));
	assert_null(strstr(r.err, "learn: writing"));
	assert_non_null(strstr(r.err, "shim: learn: wrote "));
	const char *text = read_file(review), *ioctl_entry = strstr(text, "{\"name\": \"ioctl\", ");
	assert_non_null(ioctl_entry);
	assert_non_null(strstr(ioctl_entry, "\"status\": \"observed\""));
}

static pid_t learn_child;

static void kill_child_once_learning(pid_t pid)
{
	pid_t shim_pid = shim_pid_of(pid, true);
	assert_true(shim_pid > 0);
	char review[128];
	snprintf(review, sizeof review, "%s/killed.json.review.json", learn_dir);
	/* Wait (bounded) until calls are being learned, then KILL the workload. */
	for (int i = 0; i < 2000 && learn_child <= 0; i++) {
		const char *text = read_file(review), *observed = strstr(text, "\"observed\": ");
		if (observed && atoi(observed + 12) >= 30 && strstr(text, "\"comm\": \"node\"")) {
			char path[64];
			snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)shim_pid, (int)shim_pid);
			FILE *f = fopen(path, "r");
			if (f && fscanf(f, "%d", &learn_child) != 1)
				learn_child = 0;
			if (f)
				fclose(f);
		}
		if (learn_child <= 0)
			usleep(5000);
	}
	assert_true(learn_child > 0);
	assert_int_equal(kill(learn_child, SIGKILL), 0);
}

void killed_learning_run_leaves_a_loadable_profile(void **state)
{
	(void)state;
	struct result r;
	char out_env[128], profile_env[160];
	learn_env(out_env, sizeof out_env, "killed.json");
	snprintf(profile_env, sizeof profile_env, "SHIM_SECCOMP=%s/killed.json", learn_dir);
	learn_child = 0;
	while_running = kill_child_once_learning;
	run_shim(true, ENV(node_path_env, "SHIM_SECCOMP_MODE=learn", out_env), ARGS("node", workload), &r, 90);
	print_message("%s", r.err);
	assert_int_equal(r.status, 128 + SIGKILL);
	assert_non_null(strstr(r.err, "shim: learn: wrote "));
	/* The shim compiles it, and both files are complete JSON. */
	run_shim(false, ENV(profile_env), ARGS("--check", (char *)probe), &r, 20);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	char cmd[300];
	snprintf(cmd, sizeof cmd, "python3 -c 'import json,sys; [json.load(open(f)) for f in sys.argv[1:]]' "
		 "%s/killed.json %s/killed.json.review.json", learn_dir, learn_dir);
	assert_int_equal(system(cmd), 0);
}

/* The sha256 of a file, as coreutils computes it. */
static const char *sha256_of(const char *path)
{
	static char hex[65];
	char cmd[256];
	snprintf(cmd, sizeof cmd, "sha256sum %s", path);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%64s", hex), 1);
	assert_int_equal(pclose(f), 0);
	return hex;
}

/* The workload can write the directory (it runs as PID 1's user), so it can
 * replace both files; once every process is reaped PID 1 writes them again,
 * and its summary line gives the sha256 of the profile it wrote. */
void learn_rewrites_what_the_workload_replaced(void **state)
{
	(void)state;
	struct result r;
	char out_env[128], profile[128], review[160], summary[512];
	learn_env(out_env, sizeof out_env, "replaced.json");
	snprintf(profile, sizeof profile, "%s/replaced.json", learn_dir);
	snprintf(review, sizeof review, "%s/replaced.json.review.json", learn_dir);
	char *allow_all = "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}";
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env),
		 ARGS((char *)probe, "overwrite", profile, allow_all, review, "{}"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	const char *text = read_file(profile);
	assert_string_not_equal(text, allow_all);
	assert_non_null(strstr(text, "\"defaultAction\": \"SCMP_ACT_ERRNO\""));
	assert_non_null(strstr(read_file(review), "\"status\": \"observed\", \"pid\": 2, \"comm\": \"probe\"}"));
	snprintf(summary, sizeof summary, "shim: learn: wrote %s (sha256 %s): ", profile, sha256_of(profile));
	assert_non_null(strstr(r.err, summary));
}

/* A restart keeps the volume (a liveness-probe restart of the container):
 * the second run merges what the first learned; a file learned from another
 * base is refused, and deleting it starts afresh. */
void learn_merges_a_restart_and_refuses_another_base(void **state)
{
	(void)state;
	struct result r;
	char out_env[128], profile[128], review[160], saved[1 << 16];
	learn_env(out_env, sizeof out_env, "restart.json");
	snprintf(profile, sizeof profile, "%s/restart.json", learn_dir);
	snprintf(review, sizeof review, "%s/restart.json.review.json", learn_dir);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS((char *)probe, "listen"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(read_file(profile), "\"listen\""));

	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	const char *text = read_file(profile);
	assert_non_null(strstr(text, "\"bind\""));
	assert_non_null(strstr(text, "\"listen\""));
	text = read_file(review);
	const char *bind = strstr(text, "{\"name\": \"bind\", ");
	assert_non_null(bind);
	assert_non_null(strstr(bind, "\"status\": \"observed\", \"pid\": 2, \"comm\": \"probe\"}"));
	/* The base's identity: the sha256 of what --print-profile prints for it. */
	char cmd[512], sha[65], field[96];
	snprintf(cmd, sizeof cmd, "env -u SHIM_TEST_SANITIZED %s --print-profile | sha256sum", shim);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%64s", sha), 1);
	assert_int_equal(pclose(f), 0);
	snprintf(field, sizeof field, "\"baseSha256\": \"%s\"", sha);
	assert_non_null(strstr(text, field));

	/* Another base: refused in one line naming both, the files untouched. */
	snprintf(saved, sizeof saved, "%s", read_file(profile));
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env, moby_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 78);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "was learned from base default (sha256 "));
	assert_non_null(strstr(r.err, "moby-default.json (sha256 "));
	assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);
	assert_string_equal(read_file(profile), saved);

	/* A review file that is not learn mode's: refused too. */
	snprintf(cmd, sizeof cmd, "sed -i 's/\"status\": \"observed\"/\"status\": \"allowed\"/' %s", review);
	assert_int_equal(system(cmd), 0);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 78);
	assert_non_null(strstr(r.err, "the status \"allowed\""));
	/* No review file: what the profile was learned from is unknown. */
	assert_int_equal(unlink(review), 0);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_int_equal(r.status, 78);
	assert_non_null(strstr(r.err, "exists without its review file"));

	/* Deleting the profile starts afresh, from any base. */
	assert_int_equal(unlink(profile), 0);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env, moby_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_null(strstr(read_file(profile), "\"listen\""));
	assert_non_null(strstr(read_file(review), "moby-default.json"));
}

/* As complain mode does, learn mode says so at start, naming the file and
 * the base; the review file names both as set. */
void learn_mode_says_so_at_start(void **state)
{
	(void)state;
	struct result r;
	char out_env[128], profile[128], review[160], line[512], field[192];
	learn_env(out_env, sizeof out_env, "start.json");
	snprintf(profile, sizeof profile, "%s/start.json", learn_dir);
	snprintf(review, sizeof review, "%s/start.json.review.json", learn_dir);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	snprintf(line, sizeof line, "shim: warn: seccomp: learn mode: base profile default (embedded) is not enforced "
		 "(calls outside it are logged and let through); writing %s (new)", profile);
	assert_true(has_line(r.err, line));
	snprintf(field, sizeof field, "\"profile\": \"%s\",\n  \"base\": \"default\",", profile);
	assert_non_null(strstr(read_file(review), field));

	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env, moby_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_int_equal(r.status, 78); /* another base: the refusal alone, no start line */
	assert_null(strstr(r.err, "learn mode:"));
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_int_equal(r.status, 0);
	snprintf(line, sizeof line, "shim: warn: seccomp: learn mode: base profile default (embedded) is not enforced "
		 "(calls outside it are logged and let through); writing %s (merging the existing file: ", profile);
	assert_non_null(strstr(r.err, line));
}

void learn_without_a_writable_location_runs_nothing(void **state)
{
	(void)state;
	struct result r;
	char dir[64], env[128];
	snprintf(dir, sizeof dir, "/tmp/shim-ro-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0555), 0); /* not writable for 65532 */
	snprintf(env, sizeof env, "SHIM_LEARN_FILE=%s/p.json", dir);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", env), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 78);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "shim: error: SHIM_LEARN_FILE=\""));
	assert_non_null(strstr(r.err, "Permission denied"));
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", "SHIM_LEARN_FILE=/nonexistent-dir/p.json"),
		 ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 78);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "No such file or directory"));
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn"), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 78);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "SHIM_LEARN_FILE"));
	run_shim(true, ENV(env), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 78);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", "SHIM_SECCOMP=off", env), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 78);
	assert_string_equal(r.out, "");
	rmdir(dir);
}
