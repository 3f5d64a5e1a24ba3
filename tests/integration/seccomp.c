/* Integration tests. Seccomp: the default profile's denials, complain mode, JSON and compiled
 * profiles (loading, printing, compiling), what libseccomp cannot compile. */
#include "run.h"

/* A runtime profile without setitimer (a Localhost export made before the
 * compile deadline existed): a JSON profile still loads, compiled without
 * the deadline. The outer shim plays the runtime's filter. */
void a_json_profile_loads_where_setitimer_is_denied(void **state)
{
	(void)state;
	static const char outer[] = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
				    "[\"setitimer\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]}\n";
	char path[] = "/tmp/shim-outer-XXXXXX", env[64], inner[96];
	temp_profile(outer, path, env, sizeof env);
	/* The inner shim compiles a JSON profile (the outer does not pass its
	 * SHIM_* settings on, so env(1) sets the inner's). */
	assert_int_equal(system("cp seccomp/default.json /tmp/shim-inner.json && chmod 644 /tmp/shim-inner.json"), 0);
	snprintf(inner, sizeof inner, "SHIM_SECCOMP=/tmp/shim-inner.json");
	struct result r;
	run_shim(true, ENV(env), ARGS("/usr/bin/env", inner, "SHIM_LOG_LEVEL=info", (char *)shim, (char *)probe, "seccomp"),
		 &r, 30);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "seccomp=2"));
	assert_non_null(strstr(r.err, "compiling without a deadline"));
	unlink(path);
	unlink("/tmp/shim-inner.json");
}

/* A profile whose default kills: the child ends with SIGSYS (exit 159) and
 * PID 1 says why, with the remedy (issue 21). */
void a_seccomp_kill_is_named(void **state)
{
	(void)state;
	static const char json[] = "{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"syscalls\":[{\"names\":"
				   "[\"execve\",\"exit_group\",\"exit\",\"brk\",\"arch_prctl\",\"set_tid_address\","
				   "\"close\"],\"action\":\"SCMP_ACT_ALLOW\"}]}\n";
	char path[] = "/tmp/shim-kill-XXXXXX", env[64];
	temp_profile(json, path, env, sizeof env);
	struct result r;
	run_shim(true, ENV(env), ARGS((char *)probe, "socket"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 128 + SIGSYS);
	assert_non_null(strstr(r.err, "was killed by SIGSYS"));
	assert_non_null(strstr(r.err, "SHIM_SECCOMP_MODE=complain"));
	unlink(path);
}

void complain_mode_says_so_at_start(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_SECCOMP_MODE=complain"), ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.err, COMPLAIN_START_LINE));
	char *bpf = "/tmp/shim-complain-start.bpf";
	run_shim(false, NULL, ARGS("--compile-profile", "seccomp/default.json", bpf), &r, 20);
	assert_int_equal(r.status, 0);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=complain", "SHIM_SECCOMP=/tmp/shim-complain-start.bpf"),
		 ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.err, "shim: warn: seccomp: complain mode: profile /tmp/shim-complain-start.bpf (bpf) "
				    "is not enforced; each would-be denial is logged"));
	unlink(bpf);
	/* Enforce mode says nothing. */
	run_shim(true, NULL, ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_string_equal(r.err, "");
}

void escape_syscalls_are_denied(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, NULL, ARGS((char *)escape, "list"), &r, 20);
	assert_int_equal(r.status, 0);
	FILE *f = fopen("tests/integration/escape.expected", "r");
	assert_non_null(f);
	char line[128];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_non_null(strstr(r.out, line));
		n++;
	}
	fclose(f);
	assert_true(n >= 40);
	assert_true(has_line(r.out, "clone3 ENOSYS"));

	if (kernel_has_ia32()) {
		run_shim(true, NULL, ARGS((char *)escape, "int80"), &r, 20);
		assert_null(strstr(r.out, "survived"));
		assert_int_equal(r.status, 128 + SIGSYS);
	} else {
		print_message("this kernel has no IA32 emulation: int $0x80 not tested\n");
	}
	run_shim(true, NULL, ARGS((char *)escape, "x32"), &r, 20);
	assert_null(strstr(r.out, "survived"));
	assert_int_equal(r.status, 128 + SIGSYS);
	run_shim(true, NULL, ARGS((char *)escape, "threads"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "threads ok"));
	/* The argument sweep (address families, clone bits, personality values). */
	run_shim(true, NULL, ARGS((char *)escape, "args"), &r, 60);
	print_message("%s", r.out);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "args ok"));
}

void complain_mode_reports_and_continues(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_SECCOMP_MODE=complain"), ARGS((char *)escape, "list"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "shim: seccomp: would deny mount(165) pid="));
	assert_non_null(strstr(r.err, "comm=escape"));
	/* The call went on to the kernel instead of getting EPERM from the filter. */
	assert_true(has_line(r.out, "mount EPERM") == false);
	assert_true(strstr(r.out, "mount other:") != NULL);
	/* clone3's ENOSYS is an answer, not a denial. */
	assert_null(strstr(r.err, "clone3"));
}

/* The child resolves its command through PATH before installing its filter,
 * so complain and learn mode need to let through only sendmsg, execve and
 * exit_group before PID 1 holds the listener. Under a profile that allows
 * nothing, a child that searched, wrote or closed after installing would
 * wait on a notification nobody can answer (PID 1 waits for its exec): the
 * run would hang. PATH's first entry is missing, so the search has work to do. */
void complain_child_needs_only_the_bootstrap_calls(void **state)
{
	(void)state;
	char dir[] = "/tmp/shim-bootstrap-XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	char cmd[512], profile[128], garbage[128], path_env[160], profile_env[160], out_env[160];
	snprintf(cmd, sizeof cmd, "cp %s %s/bootprobe", probe, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(profile, sizeof profile, "%s/deny-all.json", dir);
	write_text(profile, "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": []}\n");
	assert_int_equal(chmod(profile, 0644), 0);
	/* Executable, but no format the kernel knows: execve fails after install. */
	snprintf(garbage, sizeof garbage, "%s/garbage", dir);
	write_text(garbage, "not a program\n");
	assert_int_equal(chmod(garbage, 0755), 0);
	snprintf(path_env, sizeof path_env, "PATH=/nonexistent/bin:%s", dir);
	snprintf(profile_env, sizeof profile_env, "SHIM_SECCOMP=%s", profile);
	snprintf(out_env, sizeof out_env, "SHIM_LEARN_FILE=%s/learned.json", dir);
	assert_int_equal(chmod(dir, 0777), 0);
	char *saved = base_env[0];
	base_env[0] = path_env;
	struct result r;
	for (int learn = 0; learn < 2; learn++) {
		char *mode = learn ? "SHIM_SECCOMP_MODE=learn" : "SHIM_SECCOMP_MODE=complain";
		char *learn_file = learn ? out_env : "SHIM_LOG_LEVEL=info";
		run_shim(true, ENV(mode, profile_env, learn_file), ARGS("bootprobe", "exit", "0"), &r, 20);
		print_message("%s: %.2f s\n%s", mode, r.seconds, r.err);
		assert_int_equal(r.status, 0);
		/* The workload's calls are reported (the filter is on)... */
		assert_non_null(strstr(r.err, "comm=bootprobe"));
		/* ...and none made by the shim's child before exec (comm "shim"). */
		assert_null(strstr(r.err, "comm=shim"));
		/* A failed exec after the filter is reported without a write. (Not
		 * in the sanitizer build: its runtime makes calls of its own, such
		 * as sigaltstack, when the exec fails.) */
		if (sanitized)
			continue;
		run_shim(true, ENV(mode, profile_env, learn_file), ARGS(garbage), &r, 20);
		assert_int_equal(r.status, 126);
		assert_non_null(strstr(r.err, "Exec format error"));
	}
	base_env[0] = saved;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

void broken_profiles_run_nothing(void **state)
{
	(void)state;
	struct result r;
	char *bad = write_temp("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [", 47);
	char env[96];
	snprintf(env, sizeof env, "SHIM_SECCOMP=%s", bad);
	run_shim(true, ENV(env), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 65);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "shim: error: seccomp profile "));
	unlink(bad);
	run_shim(true, ENV("SHIM_SECCOMP=/nonexistent.json"), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 65);
	assert_string_equal(r.out, "");
}

void printed_profile_loads_back_to_the_same_bpf(void **state)
{
	(void)state;
	struct result r;
	run_shim(false, NULL, ARGS("--print-profile"), &r, 20);
	assert_int_equal(r.status, 0);
	char *printed = write_temp(r.out, strlen(r.out));
	char a[80], b[96];
	snprintf(a, sizeof a, "%s", printed);
	snprintf(b, sizeof b, "%s.bpf", a);
	run_shim(false, NULL, ARGS("--compile-profile", a, b), &r, 20);
	assert_int_equal(r.status, 0);
	run_shim(false, NULL, ARGS("--compile-profile", "seccomp/default.json", "/tmp/shim-default.bpf"), &r, 20);
	assert_int_equal(r.status, 0);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "cmp -s %s /tmp/shim-default.bpf", b);
	assert_int_equal(system(cmd), 0);
	char env[128];
	snprintf(env, sizeof env, "SHIM_SECCOMP=%s", b);
	run_shim(true, ENV(env), ARGS((char *)escape, "list"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "mount EPERM"));
	unlink(a);
	unlink(b);
	unlink("/tmp/shim-default.bpf");
}

/* The shipped profiles load without a word on stderr in every normal use:
 * a warning there on each start would teach operators to ignore warnings
 * (issue 20: a name the pinned libseccomp does not know). */
void shipped_profiles_load_in_silence(void **state)
{
	(void)state;
	struct result r;
	run_shim(false, NULL, ARGS("--print-profile"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	/* The build step, for both targets; what it made goes to stdout. */
	char *bpfgen[] = { "build/bpfgen", "seccomp/default.json", "seccomp/pid1.json", "/tmp/shim-bpfgen.h", NULL };
	run_env(bpfgen, base_env, &r, 60);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_non_null(strstr(r.out, "bpfgen: seccomp/default.json (enforce): "));
	char *bpfgen_arm[] = { "build/bpfgen", "--arch", "aarch64", "seccomp/default.json", "seccomp/pid1.json",
			       "/tmp/shim-bpfgen.h", NULL };
	run_env(bpfgen_arm, base_env, &r, 60);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	unlink("/tmp/shim-bpfgen.h");
	const char *shipped[] = { "seccomp/default.json", "seccomp/pid1.json" };
	for (size_t i = 0; i < sizeof shipped / sizeof *shipped; i++) {
		run_shim(false, NULL, ARGS("--compile-profile", (char *)shipped[i], "/tmp/shim-shipped.bpf"), &r, 20);
		assert_int_equal(r.status, 0);
		assert_string_equal(r.err, "");
	}
	unlink("/tmp/shim-shipped.bpf");
	/* A copy of the default as SHIM_SECCOMP, running a trivial command. */
	size_t len;
	char *json = slurp("seccomp/default.json", &len);
	char *copy = write_temp(json, len);
	assert_int_equal(chmod(copy, 0644), 0);
	char env[96];
	snprintf(env, sizeof env, "SHIM_SECCOMP=%s", copy);
	run_shim(true, ENV(env), ARGS((char *)probe, "exit", "0"), &r, 20);
	unlink(copy);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
}

/* Issue 20's reproduction: two socket rules with different actions, one
 * testing two arguments. libseccomp's program (runc's, Docker's) tries the
 * rule on argument 1 first, so both sockets get EPERM; the shim once
 * installed a range program that allowed AF_INET. In the kernel, from the
 * JSON and from its compiled file. */
void overlapping_argument_rules_are_denied_as_libseccomp_denies(void **state)
{
	(void)state;
	static const char json[] =
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"syscalls\":[\n"
		" {\"names\":[\"read\",\"write\",\"writev\",\"exit_group\",\"exit\",\"execve\",\"arch_prctl\","
		"\"set_tid_address\",\"brk\",\"mmap\",\"munmap\",\"ioctl\",\"close\",\"fstat\",\"newfstatat\","
		"\"rt_sigprocmask\",\"rt_sigaction\",\"prlimit64\",\"getrandom\",\"mprotect\"],"
		"\"action\":\"SCMP_ACT_ALLOW\"},\n"
		" {\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2,"
		"\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]},\n"
		" {\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"args\":[{\"index\":1,"
		"\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}\n";
	char path[] = "/tmp/shim-overlap-XXXXXX", json_env[64], bpf_env[] = "SHIM_SECCOMP=/tmp/shim-overlap.bpf";
	temp_profile(json, path, json_env, sizeof json_env);
	struct result r;
	run_shim(false, NULL, ARGS("--compile-profile", path, "/tmp/shim-overlap.bpf"), &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	char *settings[] = { json_env, bpf_env };
	for (int i = 0; i < 2; i++) {
		run_shim(true, ENV(settings[i]), ARGS((char *)probe, "socket"), &r, 20);
		print_message("%s: %s", settings[i], r.out);
		assert_int_equal(r.status, 0);
		assert_true(has_line(r.out, "socket(AF_INET, SOCK_STREAM): errno 1"));
		assert_true(has_line(r.out, "socket(AF_UNIX, SOCK_STREAM): errno 1"));
	}
	unlink(path);
	unlink("/tmp/shim-overlap.bpf");
}

/* Two rules on one syscall sharing a != condition make libseccomp 2.6.0
 * loop forever inside seccomp_rule_add; with every signal blocked the
 * start would hang until a KILL. The compile deadline ends it: one line,
 * exit 65, nothing run. */
void a_profile_libseccomp_never_compiles_ends_with_its_error(void **state)
{
	(void)state;
	static const char json[] =
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[\n"
		" {\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":1,\"value\":5,"
		"\"op\":\"SCMP_CMP_NE\"},{\"index\":4,\"value\":7,\"op\":\"SCMP_CMP_NE\"}]},\n"
		" {\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":1,\"value\":5,"
		"\"op\":\"SCMP_CMP_NE\"},{\"index\":5,\"value\":9,\"op\":\"SCMP_CMP_EQ\"}]}]}\n";
	char path[] = "/tmp/shim-loop-XXXXXX", env[64];
	temp_profile(json, path, env, sizeof env);
	struct result r;
	run_shim(true, ENV(env), ARGS((char *)probe, "exit", "0"), &r, 60);
	print_message("%s", r.err);
	assert_int_equal(r.status, 65);
	assert_non_null(strstr(r.err, "libseccomp did not finish compiling it"));
	assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1); /* one line */
	unlink(path);
}
