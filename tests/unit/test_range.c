/* resolve.c, emit_range.c, verify.c, ruleset.c and the emulator. */
#include "testlib.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "embedded.h"
#include "emit.h"
#include "emulate.h"
#include "filter.h"
#include "log.h"
#include "profile.h"
#include "resolve.h"
#include "verify.h"
#include "../differential.h"

static void parse_file(const char *path, struct ruleset *rs)
{
	size_t len;
	char *data = slurp(path, &len);
	assert_int_equal(profile_parse(data, len, path, rs, NULL), 0);
}

/* Both programs of RS, checked to decide alike; returns the range length. */
static unsigned range_verified(const struct ruleset *rs, unsigned *lib_len_out)
{
	struct sock_filter *lib, *range;
	unsigned short lib_len, range_len;
	assert_int_equal(emit_libseccomp(rs, "test", &lib, &lib_len), 0);
	assert_int_equal(emit_range(rs, &range, &range_len), 0);
	char why[256] = "";
	int rc = verify_programs(rs, lib, lib_len, range, range_len, why, sizeof why);
	if (rc)
		fail_msg("verification: %s", why);
	free(lib);
	free(range);
	if (lib_len_out)
		*lib_len_out = lib_len;
	return range_len;
}

/* Issue 13's goal: the default under 200 instructions; PID 1's and the
 * complain variant verified the same way. */
static void embedded_profiles_compress_and_verify(void **state)
{
	(void)state;
	struct ruleset rs, complain;
	unsigned lib;
	parse_file("seccomp/default.json", &rs);
	unsigned n = range_verified(&rs, &lib);
	print_message("default: range %u, libseccomp %u instructions\n", n, lib);
	assert_true(n <= 200);
	assert_int_equal(ruleset_complain(&rs, &complain), 0);
	n = range_verified(&complain, &lib);
	print_message("default complain: range %u, libseccomp %u\n", n, lib);
	ruleset_free(&complain);
	ruleset_free(&rs);
	parse_file("seccomp/pid1.json", &rs);
	n = range_verified(&rs, &lib);
	print_message("pid1: range %u, libseccomp %u\n", n, lib);
	ruleset_free(&rs);
}

/* Docker's and Podman's real profiles, as --compile-profile and a runtime
 * JSON profile take them: several architectures (x86_64 with x86 and x32;
 * aarch64 with arm), i386's multiplexed socket and ipc calls, arm's private
 * numbers above the table. Every variant the shim installs is the range
 * program, verified decision by decision against libseccomp's. */
static void docker_and_podman_profiles_compress_and_verify(void **state)
{
	(void)state;
	static const char *const files[] = { "build/test-deps/moby-default.json",
					     "build/test-deps/podman-seccomp.json" };
	static const char *const arches[] = { "x86_64", "aarch64" };
	static const char *const keep[] = { "read", "futex" };
	for (size_t a = 0; a < 2; a++) {
		assert_int_equal(profile_set_arch(arches[a]), 0);
		for (size_t f = 0; f < 2; f++) {
			struct ruleset rs, complain, learn;
			unsigned lib;
			parse_file(files[f], &rs);
			assert_int_equal(rs.narch, a == 0 ? 3 : 2);
			unsigned n = range_verified(&rs, &lib);
			print_message("%s on %s: range %u, libseccomp %u\n", files[f], arches[a], n, lib);
			assert_true(n * 2 < lib);
			assert_int_equal(ruleset_complain(&rs, &complain), 0);
			n = range_verified(&complain, &lib);
			print_message("  complain: range %u, libseccomp %u\n", n, lib);
			assert_int_equal(ruleset_learn(&rs, keep, 2, &learn), 0);
			n = range_verified(&learn, &lib);
			print_message("  learn: range %u, libseccomp %u\n", n, lib);
			ruleset_free(&learn);
			ruleset_free(&complain);
			ruleset_free(&rs);
		}
	}
	assert_int_equal(profile_set_arch("x86_64"), 0);
}

/* A profile of JSON text, for the tests below. */
static void parse_text(const char *json, struct ruleset *rs)
{
	assert_int_equal(profile_parse(json, strlen(json), "test", rs, NULL), 0);
}

static uint32_t run(const struct sock_filter *p, unsigned len, uint32_t arch, uint32_t nr, uint64_t a0)
{
	struct seccomp_data d = { .nr = (int)nr, .arch = arch, .args = { a0 } };
	return emulate(p, len, &d);
}

/* i386 as libseccomp compiles it: a rule on a socket call holds on the
 * direct syscall (socket is 359) with its conditions, and on socketcall(2)
 * (102) for that call only, where argument 0 is the call number, so the
 * rule's condition on argument 0 is replaced, not kept. No other ABI
 * multiplexes. (clone3, i386's 435, keeps the direct calls below runc's
 * ENOSYS rule.) */
static void i386_socket_rules_hold_on_socketcall_and_the_direct_call(void **state)
{
	(void)state;
	struct ruleset rs;
	parse_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86_64\", "
		   "\"SCMP_ARCH_X86\"], \"syscalls\": [{\"names\": [\"socket\"], \"action\": "
		   "\"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}, "
		   "{\"names\": [\"semget\", \"getpid\", \"clone3\", \"send\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
		   &rs);
	struct sock_filter *p;
	unsigned short len;
	assert_int_equal(profile_emit(&rs, "test", true, &p, &len, NULL), 0);
	const uint32_t i386 = AUDIT_ARCH_I386, eperm = SCMP_ACT_ERRNO(EPERM);
	assert_int_equal(run(p, len, i386, 359, 1), SCMP_ACT_ALLOW); /* socket(AF_UNIX) */
	assert_int_equal(run(p, len, i386, 359, 2), eperm);          /* socket(AF_INET) */
	assert_int_equal(run(p, len, i386, 102, 1), SCMP_ACT_ALLOW); /* socketcall(SYS_SOCKET) */
	assert_int_equal(run(p, len, i386, 102, 2), eperm);          /* socketcall(SYS_BIND) */
	assert_int_equal(run(p, len, i386, 117, 2), SCMP_ACT_ALLOW); /* ipc(SEMGET) */
	assert_int_equal(run(p, len, i386, 117, 1), eperm);          /* ipc(SEMOP) */
	assert_int_equal(run(p, len, i386, 20, 0), SCMP_ACT_ALLOW);  /* getpid */
	assert_int_equal(run(p, len, AUDIT_ARCH_X86_64, 39, 0), SCMP_ACT_ALLOW);
	assert_int_equal(run(p, len, AUDIT_ARCH_X86_64, 41, 2), eperm);
	/* send exists on i386 only as socketcall's call 9: nothing on x86_64,
	 * where 102 is getuid (found by fuzzing: getuid(9) was allowed). */
	assert_int_equal(run(p, len, AUDIT_ARCH_X86_64, 102, 9), eperm);
	assert_int_equal(run(p, len, i386, 102, 9), SCMP_ACT_ALLOW);
	assert_int_equal(run(p, len, AUDIT_ARCH_AARCH64, 39, 0), SCMP_ACT_KILL_PROCESS);
	free(p);
	ruleset_free(&rs);
	/* With nothing named above 358 on i386, runc's ENOSYS rule answers the
	 * direct call before any rule (libc then falls back to socketcall). */
	parse_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": [\"SCMP_ARCH_X86_64\", "
		   "\"SCMP_ARCH_X86\"], \"syscalls\": [{\"names\": [\"socket\", \"getpid\"], \"action\": "
		   "\"SCMP_ACT_ALLOW\"}]}",
		   &rs);
	assert_int_equal(profile_emit(&rs, "test", true, &p, &len, NULL), 0);
	assert_int_equal(run(p, len, i386, 359, 1), SCMP_ACT_ERRNO(ENOSYS));
	assert_int_equal(run(p, len, i386, 102, 1), SCMP_ACT_ERRNO(ENOSYS));
	assert_int_equal(run(p, len, i386, 20, 0), SCMP_ACT_ALLOW);
	free(p);
	ruleset_free(&rs);
}

/* libseccomp's merging of rules on one syscall, which the table follows: an
 * unconditional rule replaces the argument rules before it, and argument
 * rules after an unconditional one change nothing. */
static void rules_on_one_syscall_merge_as_libseccomp_merges_them(void **state)
{
	(void)state;
	struct ruleset rs;
	parse_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
		   "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
		   "\"value\": 8, \"op\": \"SCMP_CMP_EQ\"}]},"
		   "{\"names\": [\"personality\", \"socket\"], \"action\": \"SCMP_ACT_LOG\"},"
		   "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, "
		   "\"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}]}",
		   &rs);
	struct sock_filter *p;
	unsigned short len;
	assert_int_equal(profile_emit(&rs, "test", true, &p, &len, NULL), 0);
	const uint32_t x86_64 = AUDIT_ARCH_X86_64;
	assert_int_equal(run(p, len, x86_64, SYS_personality, 8), SCMP_ACT_LOG);
	assert_int_equal(run(p, len, x86_64, SYS_personality, 0), SCMP_ACT_LOG);
	assert_int_equal(run(p, len, x86_64, SYS_socket, 1), SCMP_ACT_LOG);
	free(p);
	ruleset_free(&rs);
}

/* A condition on a full 64-bit argument whose "holds" target is the next
 * condition: a differing high word decides it without the low-word compare
 * (found by fuzzing: arg5 = 40 | 1 << 32 fell into "arg5 != 40" on the low
 * word and was denied). */
static void a_64_bit_condition_hands_over_to_the_next(void **state)
{
	(void)state;
	struct ruleset rs;
	parse_text("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
		   "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
		   "{\"index\": 5, \"value\": 40, \"op\": \"SCMP_CMP_NE\"},"
		   "{\"index\": 0, \"value\": 38, \"op\": \"SCMP_CMP_NE\"}]},"
		   "{\"names\": [\"mmap\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
		   "{\"index\": 3, \"value\": 4, \"op\": \"SCMP_CMP_EQ\"},"
		   "{\"index\": 3, \"value\": 5, \"op\": \"SCMP_CMP_GT\"}]}]}",
		   &rs);
	range_verified(&rs, NULL);
	struct sock_filter *p;
	unsigned short len;
	assert_int_equal(emit_range(&rs, &p, &len), 0);
	struct seccomp_data d = { .nr = SYS_socket, .arch = AUDIT_ARCH_X86_64 };
	d.args[5] = 40 | 1ull << 32;
	assert_int_equal(emulate(p, len, &d), SCMP_ACT_ALLOW);
	d.args[5] = 40;
	assert_int_equal(emulate(p, len, &d), SCMP_ACT_ERRNO(EPERM));
	d = (struct seccomp_data){ .nr = SYS_mmap, .arch = AUDIT_ARCH_X86_64 };
	d.args[3] = 4 | 1ull << 32; /* neither 4 nor <= 5 */
	assert_int_equal(emulate(p, len, &d), SCMP_ACT_ALLOW);
	d.args[3] = 3;
	assert_int_equal(emulate(p, len, &d), SCMP_ACT_ERRNO(EPERM));
	free(p);
	ruleset_free(&rs);
}

/* arm's private syscalls (cacheflush 0xf0002 ...) lie far above the table:
 * runs of their own, and runc's ENOSYS rule starts above the highest. */
static void arm_private_numbers_are_runs_of_their_own(void **state)
{
	(void)state;
	assert_int_equal(profile_set_arch("aarch64"), 0);
	struct ruleset rs;
	parse_file("build/test-deps/moby-default.json", &rs);
	struct sock_filter *p;
	unsigned short len;
	assert_int_equal(profile_emit(&rs, "moby", true, &p, &len, NULL), 0);
	const uint32_t arm = AUDIT_ARCH_ARM;
	assert_int_equal(run(p, len, arm, 0xf0002, 0), SCMP_ACT_ALLOW); /* cacheflush */
	assert_int_equal(run(p, len, arm, 0xf0005, 0), SCMP_ACT_ALLOW); /* set_tls */
	assert_int_equal(run(p, len, arm, 0xf0004, 0), SCMP_ACT_ERRNO(EPERM)); /* usr32 */
	assert_int_equal(run(p, len, arm, 0xf0006, 0), SCMP_ACT_ERRNO(ENOSYS));
	assert_int_equal(run(p, len, arm, 0x1000, 0), SCMP_ACT_ERRNO(EPERM));
	assert_int_equal(run(p, len, AUDIT_ARCH_AARCH64, 172, 0), SCMP_ACT_ALLOW); /* getpid */
	free(p);
	ruleset_free(&rs);
	assert_int_equal(profile_set_arch("x86_64"), 0);
}

/* The embedded programs are the range programs. */
static void embedded_default_is_the_range_program(void **state)
{
	(void)state;
	struct ruleset rs;
	parse_file("seccomp/default.json", &rs);
	struct sock_filter *range;
	unsigned short range_len;
	assert_int_equal(emit_range(&rs, &range, &range_len), 0);
	struct sock_fprog e, c;
	embedded_default(&e, &c);
	assert_int_equal(e.len, range_len);
	assert_memory_equal(e.filter, range, range_len * sizeof *range);
	free(range);
	ruleset_free(&rs);
}

/* Every unconditional ALLOW is decided from arch and nr alone, so the
 * kernel's action cache answers it without running the filter. */
static void unconditional_allows_read_no_argument(void **state)
{
	(void)state;
	struct sock_fprog e, c;
	embedded_default(&e, &c);
	unsigned allowed = 0;
	for (uint32_t nr = 0; nr < 1024; nr++) {
		struct seccomp_data d = { .nr = (int)nr, .arch = AUDIT_ARCH_X86_64 };
		bool read_args;
		uint32_t r = emulate_trace(e.filter, e.len, &d, &read_args);
		if (r != SCMP_ACT_ALLOW)
			continue;
		if (read_args) {
			/* Only the argument-checked calls may read an argument. */
			assert_true(resolve_truncates(AUDIT_ARCH_X86_64, nr, 0));
			continue;
		}
		allowed++;
		memset(d.args, 0xff, sizeof d.args);
		assert_int_equal(emulate(e.filter, e.len, &d), SCMP_ACT_ALLOW);
	}
	assert_true(allowed > 250);
}

/* The verification finds a planted difference and names the case. */
static void verification_names_the_first_difference(void **state)
{
	(void)state;
	struct ruleset rs;
	parse_file("seccomp/default.json", &rs);
	struct sock_filter *lib, *range;
	unsigned short lib_len, range_len;
	assert_int_equal(emit_libseccomp(&rs, "test", &lib, &lib_len), 0);
	assert_int_equal(emit_range(&rs, &range, &range_len), 0);
	/* Turn the return of EPERM into EACCES. */
	bool changed = false;
	for (unsigned i = 0; i < range_len; i++)
		if (range[i].code == (BPF_RET | BPF_K) && range[i].k == (0x00050000u | EPERM)) {
			range[i].k = 0x00050000u | EACCES;
			changed = true;
		}
	assert_true(changed);
	char why[256] = "";
	assert_int_equal(verify_programs(&rs, lib, lib_len, range, range_len, why, sizeof why), -1);
	print_message("%s\n", why);
	assert_non_null(strstr(why, "libseccomp 0x00050001, range 0x0005000d"));
	free(lib);
	free(range);
	ruleset_free(&rs);
}

/* Issue 20: the check once varied one argument at a time with the others
 * at 0, so a program that tries prctl's rules in profile order (a0 == 2 &&
 * a1 == 1 -> ALLOW before a1 == 1 -> EPERM) passed beside libseccomp's,
 * which tries the a1 rule first. The proof finds the vector (2, 1). */
static void verification_finds_a_difference_needing_two_arguments(void **state)
{
	(void)state;
	static const char json[] =
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"syscalls\":["
		"{\"names\":[\"prctl\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2,"
		"\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]},"
		"{\"names\":[\"prctl\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"args\":[{\"index\":1,"
		"\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}";
	struct ruleset rs;
	assert_int_equal(profile_parse(json, strlen(json), "test", &rs, NULL), 0);
	struct sock_filter *lib;
	unsigned short lib_len;
	assert_int_equal(emit_libseccomp(&rs, "test", &lib, &lib_len), 0);
	enum { KILL = 0x80000000u, ALLOW = 0x7fff0000u, EPERM_ = 0x00050001u, NOSYS = 0x00050026u };
	const uint32_t a0 = offsetof(struct seccomp_data, args[0]), a1 = offsetof(struct seccomp_data, args[1]);
	struct sock_filter order[] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 19),
		/* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* 3 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 15, 0),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 15),
		/* rule 1: a0 == 2 && a1 == 1 */
		/* 5 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, a0 + 4),
		/* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 7),
		/* 7 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, a0),
		/* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 5),
		/* 9 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, a1 + 4),
		/* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3),
		/* 11 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, a1),
		/* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
		/* 13 */ BPF_STMT(BPF_RET | BPF_K, ALLOW),
		/* rule 2: a1 == 1 */
		/* 14 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, a1 + 4),
		/* 15 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4),
		/* 16 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, a1),
		/* 17 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 2),
		/* 18 */ BPF_STMT(BPF_RET | BPF_K, EPERM_),
		/* 19 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu, 0, 1),
		/* 20 */ BPF_STMT(BPF_RET | BPF_K, NOSYS),
		/* 21 */ BPF_STMT(BPF_RET | BPF_K, KILL),
	};
	unsigned len = sizeof order / sizeof *order;
	/* One argument at a time, the others 0: the two programs agree. */
	for (unsigned k = 0; k < 2; k++)
		for (uint64_t v = 0; v < 4; v++) {
			struct seccomp_data d = { .nr = SYS_prctl, .arch = AUDIT_ARCH_X86_64 };
			d.args[k] = v;
			assert_int_equal(emulate(order, len, &d), emulate(lib, lib_len, &d));
		}
	char why[320] = "";
	assert_int_equal(verify_programs(&rs, lib, lib_len, order, len, why, sizeof why), VERIFY_DIFFERS);
	print_message("%s\n", why);
	assert_non_null(strstr(why, "args 0x2 0x1 "));
	/* The differential oracle of the property test and the fuzzer sees it too. */
	struct diff_result r;
	diff_run(&rs, order, len, lib, lib_len, 1, 1000, &r);
	print_message("oracle: %u of %u vectors differ, first %s\n", r.differences, r.vectors, r.first);
	assert_true(r.differences > 0);
	/* The range emitter, which tries the rules in libseccomp's order, is proven. */
	struct sock_filter *range;
	unsigned short range_len;
	assert_int_equal(emit_range(&rs, &range, &range_len), 0);
	assert_int_equal(verify_programs(&rs, lib, lib_len, range, range_len, why, sizeof why), 0);
	free(range);
	free(lib);
	ruleset_free(&rs);
}

/* The kernel's 32-bit reading of socket's family: AF_INET with bit 32 set
 * is AF_INET to the kernel, so the range program allows it (libseccomp's
 * 64-bit comparison denies it). */
static void truncated_arguments_follow_the_kernel(void **state)
{
	(void)state;
	struct sock_fprog e, c;
	embedded_default(&e, &c);
	struct seccomp_data d = { .nr = SYS_socket, .arch = AUDIT_ARCH_X86_64 };
	d.args[0] = AF_INET | 1ull << 32;
	assert_int_equal(emulate(e.filter, e.len, &d), SCMP_ACT_ALLOW);
	d.args[0] = AF_PACKET | 1ull << 32;
	assert_int_equal(emulate(e.filter, e.len, &d), 0x00050000u | EPERM);
}

/* The emulator against the kernel: install the default range program in a
 * child and compare, call by call, what the emulator predicts. */
static void emulator_agrees_with_the_kernel(void **state)
{
	(void)state;
	const char *preload = getenv("LD_PRELOAD");
	if (preload && strstr(preload, "vgpreload"))
		skip(); /* valgrind does not implement seccomp(2); the plain run checks this */
	struct sock_fprog e, c;
	embedded_default(&e, &c);
	static const struct {
		long nr;
		uint64_t a0, a1;
	} calls[] = {
		{ SYS_getpid, 0, 0 },
		{ SYS_getppid, 0, 0 },
		{ SYS_socket, AF_UNIX, SOCK_STREAM },
		{ SYS_socket, AF_INET | 1ull << 32, SOCK_STREAM },
		{ SYS_socket, AF_PACKET, SOCK_RAW },
		{ SYS_socket, 5, SOCK_STREAM },
		{ SYS_personality, 0xffffffff, 0 },
		{ SYS_personality, 0x0040000, 0 },
		{ SYS_mount, 0, 0 },
		{ SYS_clone3, 0, 0 },
		{ SYS_unshare, 0x10000000, 0 },
		{ 999, 0, 0 },
		{ 1023, 0, 0 },
		{ 400, 0, 0 }, /* not 335: the kernel passes uretprobe through seccomp unfiltered */
		{ SYS_kexec_load, 0, 0 },
	};
	size_t n = sizeof calls / sizeof *calls;
	uint32_t want[sizeof calls / sizeof *calls];
	for (size_t i = 0; i < n; i++) {
		struct seccomp_data d = { .nr = (int)calls[i].nr, .arch = AUDIT_ARCH_X86_64,
					  .args = { calls[i].a0, calls[i].a1 } };
		want[i] = emulate(e.filter, e.len, &d);
		assert_int_not_equal(want[i], EMULATE_INVALID);
	}
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &e))
			syscall(SYS_exit_group, 100);
		for (size_t i = 0; i < n; i++) {
			errno = 0;
			long r = syscall(calls[i].nr, calls[i].a0, calls[i].a1, 0, 0, 0, 0);
			int err = r == -1 ? errno : 0;
			if ((want[i] & 0xffff0000u) == 0x00050000u) {
				if (err != (int)(want[i] & 0xffff))
					syscall(SYS_exit_group, (int)i + 1);
			} else if (want[i] == SCMP_ACT_ALLOW) {
				/* Allowed: the kernel's own answer, never the filter's ENOSYS/EPERM
				 * for these harmless calls. */
				if (err == ENOSYS || err == EPERM)
					syscall(SYS_exit_group, (int)i + 1);
				if (calls[i].nr == SYS_socket && r >= 0)
					close((int)r);
			} else {
				syscall(SYS_exit_group, 99);
			}
		}
		syscall(SYS_exit_group, 0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status))
		fail_msg("call %d: the kernel answered other than the emulator predicted", WEXITSTATUS(status) - 1);
}

/* Complain is a transformation of the rule set: denials notify, explicit
 * ENOSYS stays, the bootstrap calls are allowed. */
static void complain_is_a_rule_set_transformation(void **state)
{
	(void)state;
	struct ruleset rs, complain;
	parse_file("seccomp/default.json", &rs);
	assert_int_equal(ruleset_complain(&rs, &complain), 0);
	assert_int_equal(complain.default_action, SCMP_ACT_NOTIFY);
	bool clone3_enosys = false, mount_notify = false, execve_allow = false;
	for (unsigned i = 0; i < complain.nrules; i++) {
		const struct rule *r = &complain.rules[i];
		clone3_enosys |= !strcmp(r->name, "clone3") && r->action == SCMP_ACT_ERRNO(ENOSYS);
		mount_notify |= !strcmp(r->name, "mount") && r->action == SCMP_ACT_NOTIFY;
		execve_allow |= !strcmp(r->name, "execve") && r->action == SCMP_ACT_ALLOW && !r->nargs;
	}
	assert_true(clone3_enosys);
	assert_true(mount_notify);
	assert_true(execve_allow);
	ruleset_free(&complain);
	ruleset_free(&rs);
}

/* The command is resolved before the filter is installed (spawn.c), so the
 * complain variant of a profile that allows nothing lets through only what
 * the child still makes after installing it: sendmsg (the listener), execve,
 * exit and exit_group. No write, close or PATH-search calls (access, stat). */
static void complain_allows_only_the_bootstrap_calls(void **state)
{
	(void)state;
	static const char deny_all[] = "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": []}";
	struct ruleset rs, complain;
	assert_int_equal(profile_parse(deny_all, sizeof deny_all - 1, "deny-all", &rs, NULL), 0);
	assert_int_equal(ruleset_complain(&rs, &complain), 0);
	assert_int_equal(complain.default_action, SCMP_ACT_NOTIFY);
	static const char *const want[] = { "sendmsg", "execve", "exit", "exit_group" };
	assert_int_equal(complain.nrules, sizeof want / sizeof *want);
	for (unsigned i = 0; i < complain.nrules; i++) {
		assert_int_equal(complain.rules[i].action, SCMP_ACT_ALLOW);
		assert_int_equal(complain.rules[i].nargs, 0);
		bool listed = false;
		for (size_t j = 0; j < sizeof want / sizeof *want; j++)
			listed |= !strcmp(complain.rules[i].name, want[j]);
		if (!listed)
			fail_msg("complain allows %s after the filter is installed", complain.rules[i].name);
	}
	/* And in the program: write (the old failure report) notifies. */
	struct sock_filter *prog;
	unsigned short len;
	assert_int_equal(profile_emit(&complain, "deny-all", true, &prog, &len, NULL), 0);
	struct seccomp_data d = { .nr = SYS_write, .arch = profile_arch() };
	assert_int_equal(emulate(prog, len, &d), SECCOMP_RET_USER_NOTIF);
	d.nr = SYS_execve;
	assert_int_equal(emulate(prog, len, &d), SECCOMP_RET_ALLOW);
	free(prog);
	ruleset_free(&complain);
	ruleset_free(&rs);
}

/* The action RS's range program (verified against libseccomp's) gives NAME. */
static uint32_t decided(const struct ruleset *rs, const char *name)
{
	struct sock_filter *prog;
	unsigned short len;
	assert_int_equal(profile_emit(rs, "test", true, &prog, &len, NULL), 0);
	struct seccomp_data d = { .nr = ruleset_nr(profile_arch(), name), .arch = profile_arch() };
	uint32_t r = emulate(prog, len, &d);
	free(prog);
	return r;
}

/* Learn is a transformation of the rule set too: what the base allows is
 * reported, except the kept (assumed) names and the bootstrap calls; its
 * ENOSYS answers and denials stay as in complain mode. */
static void learn_is_a_rule_set_transformation(void **state)
{
	(void)state;
	struct ruleset rs, learn;
	parse_file("seccomp/default.json", &rs);
	static const char *const keep[] = { "read", "futex" };
	assert_int_equal(ruleset_learn(&rs, keep, 2, &learn), 0);
	assert_int_equal(decided(&learn, "read"), SECCOMP_RET_ALLOW);
	assert_int_equal(decided(&learn, "futex"), SECCOMP_RET_ALLOW);
	assert_int_equal(decided(&learn, "execve"), SECCOMP_RET_ALLOW);
	assert_int_equal(decided(&learn, "sendmsg"), SECCOMP_RET_ALLOW);
	assert_int_equal(decided(&learn, "getppid"), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(decided(&learn, "write"), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(decided(&learn, "mount"), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(decided(&learn, "clone3"), SECCOMP_RET_ERRNO | ENOSYS);
	ruleset_free(&learn);
	ruleset_free(&rs);
	/* A base that allows by default: the default is reported, the bootstrap calls are not. */
	static const char allow_all[] = "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": "
					"[{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\"}]}";
	assert_int_equal(profile_parse(allow_all, sizeof allow_all - 1, "allow-all", &rs, NULL), 0);
	assert_int_equal(ruleset_learn(&rs, NULL, 0, &learn), 0);
	assert_int_equal(learn.default_action, SCMP_ACT_NOTIFY);
	assert_int_equal(decided(&learn, "getppid"), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(decided(&learn, "mount"), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(decided(&learn, "execve"), SECCOMP_RET_ALLOW);
	assert_int_equal(decided(&learn, "exit_group"), SECCOMP_RET_ALLOW);
	ruleset_free(&learn);
	ruleset_free(&rs);
}

int main(void)
{
	log_set_level(LOG_LEVEL_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(embedded_profiles_compress_and_verify),
		cmocka_unit_test(docker_and_podman_profiles_compress_and_verify),
		cmocka_unit_test(i386_socket_rules_hold_on_socketcall_and_the_direct_call),
		cmocka_unit_test(rules_on_one_syscall_merge_as_libseccomp_merges_them),
		cmocka_unit_test(arm_private_numbers_are_runs_of_their_own),
		cmocka_unit_test(a_64_bit_condition_hands_over_to_the_next),
		cmocka_unit_test(complain_allows_only_the_bootstrap_calls),
		cmocka_unit_test(embedded_default_is_the_range_program),
		cmocka_unit_test(unconditional_allows_read_no_argument),
		cmocka_unit_test(verification_names_the_first_difference),
		cmocka_unit_test(verification_finds_a_difference_needing_two_arguments),
		cmocka_unit_test(truncated_arguments_follow_the_kernel),
		cmocka_unit_test(emulator_agrees_with_the_kernel),
		cmocka_unit_test(complain_is_a_rule_set_transformation),
		cmocka_unit_test(learn_is_a_rule_set_transformation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
