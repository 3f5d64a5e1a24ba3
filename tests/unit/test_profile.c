#include "testlib.h"

#include <linux/filter.h>

#include "exitcode.h"
#include "log.h"
#include "profile.h"

#define MINIMAL "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38," \
		"\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":[{\"names\":[\"read\",\"write\"]," \
		"\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}"

static int compile(const char *json, struct filter_pair *out, char **eff)
{
	return profile_compile(json, strlen(json), "test", out, eff);
}

static void oci_profile_compiles_both_variants(void **state)
{
	(void)state;
	struct filter_pair f;
	assert_int_equal(compile(MINIMAL, &f, NULL), 0);
	assert_true(f.enforce_len > 4);
	assert_true(f.complain_len > 4);
	/* The enforce program answers ENOSYS by default; the complain one notifies. */
	bool enosys = false, notify = false;
	for (unsigned i = 0; i < f.enforce_len; i++)
		if (f.enforce[i].code == (BPF_RET | BPF_K) && f.enforce[i].k == (0x00050000u | 38))
			enosys = true;
	for (unsigned i = 0; i < f.complain_len; i++)
		if (f.complain[i].code == (BPF_RET | BPF_K) && f.complain[i].k == 0x7fc00000u)
			notify = true;
	assert_true(enosys);
	assert_true(notify);
	filter_pair_free(&f);
}

static void effective_profile_round_trips_to_the_same_bpf(void **state)
{
	(void)state;
	struct filter_pair a, b;
	char *eff = NULL, *eff2 = NULL;
	assert_int_equal(compile(MINIMAL, &a, &eff), 0);
	assert_non_null(eff);
	assert_int_equal(compile(eff, &b, &eff2), 0);
	assert_int_equal(a.enforce_len, b.enforce_len);
	assert_memory_equal(a.enforce, b.enforce, a.enforce_len * sizeof *a.enforce);
	assert_memory_equal(a.complain, b.complain, a.complain_len * sizeof *a.complain);
	assert_string_equal(eff, eff2);
	free(eff);
	free(eff2);
	filter_pair_free(&a);
	filter_pair_free(&b);
}

static void docker_format_evaluates_includes_for_no_capabilities(void **state)
{
	(void)state;
	const char *docker =
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,"
		"\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]},"
		"{\"architecture\":\"SCMP_ARCH_AARCH64\",\"subArchitectures\":[\"SCMP_ARCH_ARM\"]}],"
		"\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[],\"comment\":\"\",\"includes\":{},\"excludes\":{}},"
		"{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}},"
		"{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"4.8\"}},"
		"{\"names\":[\"s390_pci_mmio_read\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":[\"s390x\"]}},"
		"{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38,\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]}}]}";
	struct filter_pair f;
	char *eff = NULL;
	assert_int_equal(compile(docker, &f, &eff), 0);
	/* mount needs CAP_SYS_ADMIN: gone; ptrace (kernel >= 4.8): kept; s390: gone. */
	assert_null(strstr(eff, "\"mount\""));
	assert_non_null(strstr(eff, "\"ptrace\""));
	assert_null(strstr(eff, "s390_pci_mmio_read"));
	assert_non_null(strstr(eff, "\"clone3\""));
	assert_non_null(strstr(eff, "SCMP_ARCH_X32"));
	assert_null(strstr(eff, "SCMP_ARCH_ARM\""));
	free(eff);
	filter_pair_free(&f);
}

/* runc's rule: numbers above the profile's highest get ENOSYS, not EPERM. */
static void newer_syscalls_get_enosys_under_an_eperm_default(void **state)
{
	(void)state;
	struct filter_pair f;
	assert_int_equal(compile("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,\"syscalls\":"
				 "[{\"names\":[\"read\",\"mount\"],\"action\":\"SCMP_ACT_ALLOW\"}]}", &f, NULL), 0);
	/* mount (165) is the highest named: the stub compares against it. */
	assert_int_equal(f.enforce[4].code, BPF_JMP | BPF_JGT | BPF_K);
	assert_int_equal(f.enforce[4].k, 165);
	assert_int_equal(f.enforce[5].k, 0x00050000u | 38);
	filter_pair_free(&f);
	/* With ENOSYS as the default there is nothing to add. */
	assert_int_equal(compile(MINIMAL, &f, NULL), 0);
	assert_int_not_equal(f.enforce[4].code, BPF_JMP | BPF_JGT | BPF_K);
	filter_pair_free(&f);
}

static void allow_by_default_profile_compiles(void **state)
{
	(void)state;
	struct filter_pair f;
	assert_int_equal(compile("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
				 "[\"mount\",\"write\"],\"action\":\"SCMP_ACT_ERRNO\"}]}", &f, NULL), 0);
	filter_pair_free(&f);
}

static void unknown_syscall_names_are_skipped_with_a_warning(void **state)
{
	(void)state;
	struct filter_pair f;
	assert_int_equal(compile("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":"
				 "[\"read\",\"no_such_call_x\"],\"action\":\"SCMP_ACT_ALLOW\"}]}", &f, NULL), 0);
	filter_pair_free(&f);
}

static const char *const malformed[][2] = {
	{ "", "empty file" },
	{ "{", "invalid JSON" },
	{ "[]", "top level must be an object" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\"} x", "invalid JSON near byte 35" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",}", "invalid JSON" },
	{ "{\"syscalls\":[]}", "\"defaultAction\" is missing" },
	{ "{\"defaultAction\":1}", "must be a string" },
	{ "{\"defaultAction\":\"SCMP_ACT_DENY\"}", "unknown action \"SCMP_ACT_DENY\"" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":-1}", "negative" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":4096}", "out of range" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1.5}", "whole number" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":\"1\"}", "whole number" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}", "only goes with" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_PDP11\"]}", "unknown architecture" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":\"SCMP_ARCH_X86_64\"}", "must be an array" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultAcion\":1}", "unknown field \"defaultAcion\"" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":{}}", "\"syscalls\" must be an array" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[1]}", "must be an object" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"action\":\"SCMP_ACT_ALLOW\"}]}", "\"names\" is missing" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":\"read\",\"action\":\"SCMP_ACT_ALLOW\"}]}", "array of strings" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[1],\"action\":\"SCMP_ACT_ALLOW\"}]}", "array of strings" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"]}]}", "\"action\" is missing" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}", "not supported" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}", "out of range" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_LIKE\"}]}]}", "unknown operator" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":-5,\"op\":\"SCMP_CMP_EQ\"}]}]}", "negative" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}", "index is missing" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"bogus\":1}]}", "unknown field \"bogus\"" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flags\":[\"SECCOMP_FILTER_FLAG_NOPE\"]}", "unknown or unsupported flag" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"listenerPath\":\"/run/x.sock\"}", "listenerPath" },
	{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "invalid JSON" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":99999999999999999999999,\"op\":\"SCMP_CMP_EQ\"}]}]}", "out of range" },
};

static size_t case_index;
static int case_rc;

static void compile_case(void *arg)
{
	(void)arg;
	struct filter_pair f;
	case_rc = compile(malformed[case_index][0], &f, NULL);
}

static void malformed_profiles_are_refused_with_one_line(void **state)
{
	(void)state;
	log_set_level(LOG_LEVEL_WARN);
	for (case_index = 0; case_index < sizeof malformed / sizeof *malformed; case_index++) {
		const char *err = capture_stderr(compile_case, NULL);
		print_message("[%zu] %s", case_index, err);
		assert_int_equal(case_rc, EXIT_SECCOMP);
		assert_true(!strncmp(err, "shim: error: seccomp profile test: ", 35));
		assert_non_null(strstr(err, malformed[case_index][1]));
		assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1);
	}
}

static void nul_byte_is_refused(void **state)
{
	(void)state;
	struct filter_pair f;
	static const char data[] = "{\"defaultAction\":\"SCMP_ACT_ERRNO\"}\0";
	assert_int_equal(profile_compile(data, sizeof data - 1, "test", &f, NULL), EXIT_SECCOMP);
}

static bool has_jeq(const struct filter_pair *f, uint32_t k)
{
	for (unsigned i = 0; i < f->enforce_len; i++)
		if (f->enforce[i].code == (BPF_JMP | BPF_JEQ | BPF_K) && f->enforce[i].k == k)
			return true;
	return false;
}

/* bpfgen --arch aarch64: the program checks the aarch64 arch value and
 * aarch64's numbers (openat 56, x86_64's 257), the printed profile names it,
 * and a native-only profile names this machine's arch. */
static void profiles_compile_for_the_target_architecture(void **state)
{
	(void)state;
	const char *json = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"openat\"],"
			   "\"action\":\"SCMP_ACT_ALLOW\"}]}";
	struct filter_pair f;
	char *eff = NULL;
	assert_int_equal(compile(json, &f, &eff), 0);
	assert_true(has_jeq(&f, 0xc000003eu) && has_jeq(&f, 257) && !has_jeq(&f, 0xc00000b7u));
	assert_non_null(strstr(eff, "\"SCMP_ARCH_X86_64\""));
	filter_pair_free(&f);
	free(eff);

	assert_int_equal(profile_set_arch("aarch64"), 0);
	int rc = compile(json, &f, &eff);
	assert_int_equal(profile_set_arch("x86_64"), 0);
	assert_int_equal(rc, 0);
	assert_true(has_jeq(&f, 0xc00000b7u) && has_jeq(&f, 56) && !has_jeq(&f, 0xc000003eu));
	assert_non_null(strstr(eff, "\"SCMP_ARCH_AARCH64\""));
	assert_null(strstr(eff, "X86_64"));
	filter_pair_free(&f);
	free(eff);
	assert_int_equal(profile_set_arch("mips"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(oci_profile_compiles_both_variants),
		cmocka_unit_test(effective_profile_round_trips_to_the_same_bpf),
		cmocka_unit_test(docker_format_evaluates_includes_for_no_capabilities),
		cmocka_unit_test(unknown_syscall_names_are_skipped_with_a_warning),
		cmocka_unit_test(allow_by_default_profile_compiles),
		cmocka_unit_test(newer_syscalls_get_enosys_under_an_eperm_default),
		cmocka_unit_test(malformed_profiles_are_refused_with_one_line),
		cmocka_unit_test(nul_byte_is_refused),
		cmocka_unit_test(profiles_compile_for_the_target_architecture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
