#include "testlib.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stddef.h>

#include "emulate.h"

#include "exitcode.h"
#include "log.h"
#include "profile.h"

#define MINIMAL "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38," \
		"\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":[{\"names\":[\"read\",\"write\"]," \
		"\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}"

static int compile(const char *json, struct filter_pair *out, char **eff)
{
	return profile_compile_libseccomp(json, strlen(json), "test", out, eff);
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

static uint32_t run(const struct sock_filter *p, unsigned len, uint32_t arch, uint32_t nr)
{
	struct seccomp_data d = { .nr = (int)nr, .arch = arch };
	uint32_t r = emulate(p, len, &d);
	assert_int_not_equal(r, EMULATE_INVALID);
	return r;
}

#define ENOSYS_RET (0x00050000u | ENOSYS)
#define EPERM_RET (0x00050000u | EPERM)

/* runc's rule: numbers above the profile's highest get ENOSYS, not EPERM. */
static void newer_syscalls_get_enosys_under_an_eperm_default(void **state)
{
	(void)state;
	struct filter_pair f;
	assert_int_equal(compile("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,\"syscalls\":"
				 "[{\"names\":[\"read\",\"mount\"],\"action\":\"SCMP_ACT_ALLOW\"}]}", &f, NULL), 0);
	/* mount (165) is the highest named. */
	assert_int_equal(run(f.enforce, f.enforce_len, AUDIT_ARCH_X86_64, 165), SCMP_ACT_ALLOW);
	assert_int_equal(run(f.enforce, f.enforce_len, AUDIT_ARCH_X86_64, 164), EPERM_RET);
	assert_int_equal(run(f.enforce, f.enforce_len, AUDIT_ARCH_X86_64, 166), ENOSYS_RET);
	assert_int_equal(run(f.enforce, f.enforce_len, AUDIT_ARCH_X86_64, 999), ENOSYS_RET);
	/* Another ABI is not in this profile: killed, stub or not. */
	assert_int_equal(run(f.enforce, f.enforce_len, AUDIT_ARCH_I386, 999), SCMP_ACT_KILL_PROCESS);
	filter_pair_free(&f);
	/* With ENOSYS as the default there is nothing to add. */
	assert_int_equal(compile(MINIMAL, &f, NULL), 0);
	assert_int_equal(run(f.enforce, f.enforce_len, AUDIT_ARCH_X86_64, 999), ENOSYS_RET);
	filter_pair_free(&f);
}

static int compile_file(const char *path, struct filter_pair *f, char **eff)
{
	size_t len;
	char *data = slurp(path, &len);
	return profile_compile_libseccomp(data, len, path, f, eff);
}

/* Item 11 of issue 9: as runc, on every architecture the profile lists
 * (Docker's archMap on x86_64: x86_64, x86, x32), numbers above the highest
 * named there get ENOSYS; below, the profile decides (EPERM). */
static void docker_profile_answers_enosys_above_its_highest_on_every_listed_arch(void **state)
{
	(void)state;
	struct filter_pair f;
	assert_int_equal(compile_file("build/test-deps/moby-default.json", &f, NULL), 0);
	const struct {
		uint32_t scmp, audit, bit;
	} arches[] = {
		{ SCMP_ARCH_X86_64, AUDIT_ARCH_X86_64, 0 },
		{ SCMP_ARCH_X86, AUDIT_ARCH_I386, 0 },
		{ SCMP_ARCH_X32, AUDIT_ARCH_X86_64, 0x40000000u },
	};
	for (size_t i = 0; i < sizeof arches / sizeof *arches; i++) {
		/* Docker allows read everywhere and denies reboot (no CAP_SYS_BOOT). */
		int rd = seccomp_syscall_resolve_name_arch(arches[i].scmp, "read");
		int rb = seccomp_syscall_resolve_name_arch(arches[i].scmp, "reboot");
		assert_int_equal(run(f.enforce, f.enforce_len, arches[i].audit, (uint32_t)rd), SCMP_ACT_ALLOW);
		assert_int_equal(run(f.enforce, f.enforce_len, arches[i].audit, (uint32_t)rb), EPERM_RET);
		/* 1000 is above anything assigned on each of them. */
		print_message("arch %zu\n", i);
		assert_int_equal(run(f.enforce, f.enforce_len, arches[i].audit, arches[i].bit | 1000), ENOSYS_RET);
	}
	filter_pair_free(&f);
}

/* Item 10 of issue 9: Podman's real default profile (containers-common),
 * with its defaultErrno/errno names and caps excludes. */
static void podman_default_profile_is_accepted_with_its_errno_names(void **state)
{
	(void)state;
	struct filter_pair f;
	char *eff = NULL;
	assert_int_equal(compile_file("build/test-deps/podman-seccomp.json", &f, &eff), 0);
	/* defaultErrno "ENOSYS": unlisted calls get ENOSYS; "errno": "EPERM" rules EPERM. */
	int kexec = seccomp_syscall_resolve_name("kexec_file_load");
	int unlisted = seccomp_syscall_resolve_name("tuxcall");
	assert_int_equal(run(f.enforce, f.enforce_len, AUDIT_ARCH_X86_64, (uint32_t)kexec), EPERM_RET);
	assert_int_equal(run(f.enforce, f.enforce_len, AUDIT_ARCH_X86_64, (uint32_t)unlisted), ENOSYS_RET);
	assert_int_equal(run(f.enforce, f.enforce_len, AUDIT_ARCH_X86_64, 0), SCMP_ACT_ALLOW);
	/* Effective form: numbers only, so any OCI runtime reads it. */
	assert_null(strstr(eff, "\"errno\""));
	assert_non_null(strstr(eff, "\"defaultErrnoRet\": 38"));
	free(eff);
	filter_pair_free(&f);
}

/* containers-common's errno names alone (no number) carry the value; names
 * and numbers that disagree are refused. */
static void errno_names_give_the_value(void **state)
{
	(void)state;
	struct filter_pair f;
	assert_int_equal(compile("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrno\":\"EACCES\",\"syscalls\":"
				 "[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"},"
				 "{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ERRNO\",\"errno\":\"EINVAL\"}]}",
				 &f, NULL), 0);
	assert_int_equal(run(f.enforce, f.enforce_len, AUDIT_ARCH_X86_64, 165), 0x00050000u | EINVAL);
	assert_int_equal(run(f.enforce, f.enforce_len, AUDIT_ARCH_X86_64, 1), 0x00050000u | EACCES);
	filter_pair_free(&f);
}

/* The security-profiles-operator writes its SeccompProfile spec to the node
 * (api/seccompprofile/v1beta1/seccompprofile_types.go in
 * kubernetes-sigs/security-profiles-operator: defaultAction, architectures,
 * syscalls[].names/action/errnoRet/args, flags, listenerPath,
 * listenerMetadata, baseProfileName, and SpecBase's disabled). */
static void security_profiles_operator_output_is_accepted(void **state)
{
	(void)state;
	struct filter_pair f;
	assert_int_equal(compile("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
				 "\"baseProfileName\":\"\",\"disabled\":false,\"listenerMetadata\":\"\","
				 "\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
				 "{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13}],"
				 "\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"]}", &f, NULL), 0);
	assert_int_equal(run(f.enforce, f.enforce_len, AUDIT_ARCH_X86_64, 165), 0x00050000u | 13);
	assert_int_equal(run(f.enforce, f.enforce_len, AUDIT_ARCH_X86_64, 0), SCMP_ACT_ALLOW);
	filter_pair_free(&f);
}

/* Inspektor Gadget's `advise seccomp-profile` prints an OCI LinuxSeccomp
 * (pkg/gadgets/advise/seccomp/tracer/tracer.go, syscallArrToLinuxSeccomp in
 * inspektor-gadget/inspektor-gadget): ERRNO default without a value,
 * containerd's architecture list, one ALLOW rule; numbers its libseccomp
 * could not name appear as "syscallNNN". */
static void inspektor_gadget_output_is_accepted(void **state)
{
	(void)state;
	struct filter_pair f;
	assert_int_equal(compile("{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"architectures\": [\n"
				 "    \"SCMP_ARCH_X86_64\",\n    \"SCMP_ARCH_X86\",\n    \"SCMP_ARCH_X32\"\n  ],\n"
				 "  \"syscalls\": [\n    {\n      \"names\": [\n        \"read\",\n        \"syscall462\",\n"
				 "        \"write\",\n        \"mmap\"\n      ],\n      \"action\": \"SCMP_ACT_ALLOW\"\n    }\n  ]\n}\n", &f, NULL), 0);
	assert_int_equal(run(f.enforce, f.enforce_len, AUDIT_ARCH_X86_64, 0), SCMP_ACT_ALLOW);
	assert_int_equal(run(f.enforce, f.enforce_len, AUDIT_ARCH_X86_64, 2), EPERM_RET);
	assert_int_equal(run(f.enforce, f.enforce_len, AUDIT_ARCH_I386, 3), SCMP_ACT_ALLOW);
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
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrno\":\"EWHATEVER\"}", "unknown errno name \"EWHATEVER\"" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrno\":38}", "must be an errno name" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,\"defaultErrno\":\"ENOSYS\"}", "disagree" },
	{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrno\":\"EPERM\"}", "only goes with" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"errno\":\"EPERM\"}]}", "\"errno\" only goes with" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"baseProfileName\":\"runc-v1.1.0\"}", "baseProfileName" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"disabled\":true}", "\"disabled\" must be false" },
	{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "invalid JSON" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":99999999999999999999999,\"op\":\"SCMP_CMP_EQ\"}]}]}", "out of range" },
	/* Condition values: 0..2^64-1, as runc takes them (json-c reads anything
	 * larger as 2^64-1, so the text is what tells them apart). */
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":18446744073709551616,\"op\":\"SCMP_CMP_EQ\"}]}]}", "out of range (at most 18446744073709551615)" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":18446744073709551615,\"valueTwo\":18446744073709551616,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}", "out of range (at most 18446744073709551615)" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":-1,\"op\":\"SCMP_CMP_EQ\"}]}]}", "args.value: negative" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,\"valueTwo\":-18446744073709551616,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}", "args.valueTwo: negative" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1.0,\"op\":\"SCMP_CMP_EQ\"}]}]}", "args.value: expected a whole number" },
	{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":18446744073709551616e0,\"op\":\"SCMP_CMP_EQ\"}]}]}", "args.value: expected a whole number" },
};

/* Condition values take every unsigned 64-bit value (runc: Go's uint64 in
 * the OCI spec), both ends landing in the rule set and the program exactly;
 * a number inside a string is no value. */
static void condition_values_take_the_whole_unsigned_64_bit_range(void **state)
{
	(void)state;
	static const char json[] =
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"architectures\":[\"SCMP_ARCH_X86_64\"],"
		"\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\","
		"\"comment\":\"\\\" 18446744073709551616 \\\\\",\"args\":["
		"{\"index\":0,\"value\":0,\"op\":\"SCMP_CMP_EQ\"},"
		"{\"index\":1,\"value\":18446744073709551615,\"op\":\"SCMP_CMP_EQ\"},"
		"{\"index\":2,\"value\":18446744073709551615,\"valueTwo\":18446744073709551615,\"op\":\"SCMP_CMP_MASKED_EQ\"},"
		"{\"index\":3,\"value\":0,\"valueTwo\":0,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}";
	struct ruleset rs;
	char *printed = NULL;
	assert_int_equal(profile_parse(json, sizeof json - 1, "test", &rs, &printed), 0);
	assert_int_equal(rs.nrules, 1);
	assert_int_equal(rs.rules[0].nargs, 4);
	const struct rule_arg *a = rs.rules[0].args;
	assert_true(a[0].a == 0 && a[0].b == 0);
	assert_true(a[1].a == UINT64_MAX && a[1].b == 0);
	assert_true(a[2].a == UINT64_MAX && a[2].b == UINT64_MAX);
	assert_true(a[3].a == 0 && a[3].b == 0);
	ruleset_free(&rs);
	/* The printed profile keeps them and loads back. */
	assert_non_null(strstr(printed, "18446744073709551615"));
	assert_int_equal(profile_parse(printed, strlen(printed), "printed", &rs, NULL), 0);
	assert_true(rs.rules[0].args[1].a == UINT64_MAX && rs.rules[0].args[2].b == UINT64_MAX);
	ruleset_free(&rs);
	free(printed);
	/* The program (range emitter, verified at load) decides on the exact values. */
	struct filter_pair f;
	assert_int_equal(profile_compile(json, sizeof json - 1, "test", &f, NULL, PROFILE_ENFORCE), 0);
	static const struct {
		uint64_t args[4];
		uint32_t want;
	} cases[] = {
		{ { 0, UINT64_MAX, UINT64_MAX, 7 }, SCMP_ACT_ALLOW },
		{ { 1, UINT64_MAX, UINT64_MAX, 7 }, ENOSYS_RET },
		{ { 0, UINT64_MAX - 1, UINT64_MAX, 7 }, ENOSYS_RET },
		{ { 0, UINT64_MAX, UINT64_MAX - 1, 7 }, ENOSYS_RET },
		{ { 0, UINT64_MAX >> 32, UINT64_MAX, 7 }, ENOSYS_RET },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct seccomp_data d = { .nr = 0, .arch = AUDIT_ARCH_X86_64 };
		memcpy(d.args, cases[i].args, sizeof cases[i].args);
		assert_int_equal(emulate(f.enforce, f.enforce_len, &d), cases[i].want);
	}
	filter_pair_free(&f);
}

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
	assert_int_equal(profile_compile_libseccomp(data, sizeof data - 1, "test", &f, NULL), EXIT_SECCOMP);
}

static uint32_t decide(const struct filter_pair *f, uint32_t arch, uint32_t nr)
{
	return run(f->enforce, f->enforce_len, arch, nr);
}

/* bpfgen --arch aarch64: the program decides on the aarch64 arch value and
 * aarch64's numbers (openat 56, x86_64's 257), the printed profile names it,
 * and a native-only profile names this machine's arch. */
static struct filter_pair chosen;

static void compile_learned_http(void *arg)
{
	const char *json = arg;
	case_rc = profile_compile(json, strlen(json), "learned-http.json", &chosen, NULL, PROFILE_BOTH);
}

/* Where libseccomp's program is installed, an info line says why, also when
 * both are proven alike and libseccomp's is merely shorter (the complain
 * variant of a profile learned from the HTTP benchmark server). */
static void libseccomp_program_chosen_is_said_with_why(void **state)
{
	(void)state;
	size_t len;
	char *json = slurp("tests/fixtures/learned-http.json", &len);
	log_set_level(LOG_LEVEL_INFO);
	const char *err = capture_stderr(compile_learned_http, json);
	log_set_level(LOG_LEVEL_WARN);
	print_message("%s", err);
	assert_int_equal(case_rc, 0);
	assert_true(chosen.enforce_range);
	assert_false(chosen.complain_range);
	assert_non_null(strstr(err, "shim: info: seccomp profile learned-http.json: libseccomp's program ("));
	assert_non_null(strstr(err, "libseccomp's is shorter"));
	filter_pair_free(&chosen);
}

static void profiles_compile_for_the_target_architecture(void **state)
{
	(void)state;
	const char *json = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"openat\"],"
			   "\"action\":\"SCMP_ACT_ALLOW\"}]}";
	struct filter_pair f;
	char *eff = NULL;
	assert_int_equal(compile(json, &f, &eff), 0);
	assert_int_equal(decide(&f, AUDIT_ARCH_X86_64, 257), SCMP_ACT_ALLOW);
	assert_int_equal(decide(&f, AUDIT_ARCH_X86_64, 56), EPERM_RET);
	assert_int_equal(decide(&f, AUDIT_ARCH_AARCH64, 56), SCMP_ACT_KILL_PROCESS);
	assert_non_null(strstr(eff, "\"SCMP_ARCH_X86_64\""));
	filter_pair_free(&f);
	free(eff);

	assert_int_equal(profile_set_arch("aarch64"), 0);
	int rc = compile(json, &f, &eff);
	assert_int_equal(profile_set_arch("x86_64"), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(decide(&f, AUDIT_ARCH_AARCH64, 56), SCMP_ACT_ALLOW);
	assert_int_equal(decide(&f, AUDIT_ARCH_AARCH64, 257), ENOSYS_RET);
	assert_int_equal(decide(&f, AUDIT_ARCH_X86_64, 257), SCMP_ACT_KILL_PROCESS);
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
		cmocka_unit_test(docker_profile_answers_enosys_above_its_highest_on_every_listed_arch),
		cmocka_unit_test(podman_default_profile_is_accepted_with_its_errno_names),
		cmocka_unit_test(errno_names_give_the_value),
		cmocka_unit_test(security_profiles_operator_output_is_accepted),
		cmocka_unit_test(inspektor_gadget_output_is_accepted),
		cmocka_unit_test(condition_values_take_the_whole_unsigned_64_bit_range),
		cmocka_unit_test(malformed_profiles_are_refused_with_one_line),
		cmocka_unit_test(nul_byte_is_refused),
		cmocka_unit_test(profiles_compile_for_the_target_architecture),
		cmocka_unit_test(libseccomp_program_chosen_is_said_with_why),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
