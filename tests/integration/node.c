/* Integration tests. A real workload (node, with a native addon) under the default profile, in
 * complain mode, and under Docker's and Podman's profiles. */
#include "run.h"

static void node_workload(char *mode_env, const char *profile_env, struct result *r)
{
	run_shim(true, ENV(node_path_env, mode_env, (char *)profile_env), ARGS("node", workload), r, 90);
}

void node_workload_passes_under_the_default_profile(void **state)
{
	(void)state;
	struct result r;
	node_workload("SHIM_SECCOMP_MODE=enforce", "SHIM_LOG_LEVEL=warn", &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "workload ok"));
	assert_true(has_line(r.out, "ok sqlite")); /* better-sqlite3, a native addon */
	assert_string_equal(r.err, "");
}

void node_workload_has_no_would_deny_in_complain_mode(void **state)
{
	(void)state;
	struct result r;
	node_workload("SHIM_SECCOMP_MODE=complain", "SHIM_LOG_LEVEL=warn", &r);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "workload ok"));
	assert_null(strstr(r.err, "would deny"));
	assert_string_equal(r.err, COMPLAIN_START_LINE "\n"); /* nothing but the start line */
}

void docker_default_profile_loads_and_node_runs(void **state)
{
	(void)state;
	struct result r;
	node_workload("SHIM_SECCOMP_MODE=enforce", moby_env, &r);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "workload ok"));
	/* Docker's profile denies mount too (EPERM by default). */
	run_shim(true, ENV(moby_env), ARGS((char *)escape, "list"), &r, 20);
	assert_true(has_line(r.out, "mount EPERM"));
	assert_true(has_line(r.out, "clone3 ENOSYS"));
}

/* The return escape printed for "ABI NR = RET", or 1 when it printed none. */
static long raw_result(const char *out, const char *abi, const char *nr)
{
	char key[64];
	snprintf(key, sizeof key, "%s %s = ", abi, nr);
	const char *p = strstr(out, key);
	return p ? strtol(p + strlen(key), NULL, 10) : 1;
}

/* Docker's profile lists x86 and x32 beside x86_64. Its range program,
 * compiled by --compile-profile and built from the JSON at start, decides
 * their calls in the kernel as libseccomp's program does. */
void docker_profile_decides_i386_and_x32_calls_in_the_kernel(void **state)
{
	(void)state;
	struct result r;
	const char *json = moby_env + strlen("SHIM_SECCOMP=");
	/* Podman's too: the range program (libseccomp's has 1206 and 1426
	 * instructions), with no warning that the two programs differ. */
	char podman[4200];
	snprintf(podman, sizeof podman, "%.*s/podman-seccomp.json",
		 (int)(strrchr(json, '/') - json), json);
	const char *in[] = { podman, json };
	for (int i = 0; i < 2; i++) {
		run_shim(false, NULL, ARGS("--compile-profile", (char *)in[i], "/tmp/shim-moby.bpf"), &r, 30);
		assert_int_equal(r.status, 0);
		const char *count = strstr(r.out, "enforce ");
		assert_non_null(count);
		long n = strtol(count + strlen("enforce "), NULL, 10);
		print_message("%s", r.out);
		assert_true(n > 0 && n < 600);
		assert_null(strstr(r.err, "differs"));
	}
	char *settings[] = { moby_env, "SHIM_SECCOMP=/tmp/shim-moby.bpf" };
	bool ia32 = kernel_has_ia32();
	for (int i = 0; i < 2; i++) {
		char *env[] = { settings[i], NULL };
		if (ia32) {
			run_shim(true, env, ARGS((char *)escape, "int80", "20"), &r, 20);
			assert_true(raw_result(r.out, "int80", "20") > 0);                  /* getpid: allowed */
			run_shim(true, env, ARGS((char *)escape, "int80", "310", "0"), &r, 20);
			assert_int_equal(raw_result(r.out, "int80", "310"), -EPERM);        /* unshare(0): denied */
			run_shim(true, env, ARGS((char *)escape, "int80", "102", "1", "0"), &r, 20);
			assert_int_equal(raw_result(r.out, "int80", "102"), -EFAULT);       /* socketcall(SOCKET): allowed */
			run_shim(true, env, ARGS((char *)escape, "int80", "999"), &r, 20);
			assert_int_equal(raw_result(r.out, "int80", "999"), -ENOSYS);       /* above the profile */
		}
		run_shim(true, env, ARGS((char *)escape, "x32", "272"), &r, 20);
		assert_int_equal(raw_result(r.out, "x32", "272"), -EPERM);                 /* unshare: denied */
		run_shim(true, env, ARGS((char *)escape, "x32", "39"), &r, 20);
		long pid = raw_result(r.out, "x32", "39");                                 /* getpid: allowed */
		assert_true(pid == 0 || pid == -ENOSYS);                                   /* (a kernel without x32) */
	}
	if (!ia32)
		print_message("this kernel has no IA32 emulation: i386 calls not tested\n");
	unlink("/tmp/shim-moby.bpf");
}
