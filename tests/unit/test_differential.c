/* The differential property test (issue 20): seeded random profiles whose
 * rules overlap on one or two syscalls, each compiled the way the shim
 * compiles a runtime profile (profile_emit), run in the emulator beside
 * libseccomp's program of the same profile on boundary and random argument
 * vectors. Wherever the range program is chosen, no vector may be decided
 * differently. SHIM_DIFF_PROFILES and SHIM_DIFF_VECTORS change the counts,
 * SHIM_DIFF_SEED the seed; SHIM_DIFF_DUMP=N prints profile N as OCI JSON,
 * SHIM_DIFF_LOUD=1 keeps libseccomp's refusals on stderr. */
#include "testlib.h"

#include <linux/audit.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "../differential.h"
#include "emit.h"
#include "log.h"
#include "print.h"
#include "profile.h"
#include "verify.h"

static const char *const pool[] = {
	"socket", "socketpair", "clone", "personality", "prctl", "mmap", "ioctl", "kill", "fcntl", "setsockopt",
	"mprotect", "futex",
};

static const enum scmp_compare ops[] = { SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE,
					 SCMP_CMP_GT, SCMP_CMP_GE, SCMP_CMP_MASKED_EQ };

static uint64_t value(uint64_t *s)
{
	switch (diff_rand(s) % 7) {
	case 0: return diff_rand(s) % 64;
	case 1: return 0x7fffffffull + diff_rand(s) % 3;        /* around bit 31 */
	case 2: return 0xfffffffeull + diff_rand(s) % 3;        /* around the high word */
	case 3: return 1ull << 32 | diff_rand(s) % 8;           /* a small value with bit 32 */
	case 4: return UINT64_MAX - diff_rand(s) % 3;
	case 5: return diff_rand(s) & 0xffffffffull;
	default: return diff_rand(s);
	}
}

static uint32_t action(uint64_t *s)
{
	switch (diff_rand(s) % 7) {
	case 0: return SCMP_ACT_ALLOW;
	case 1: return SCMP_ACT_ERRNO((uint32_t)(1 + diff_rand(s) % 40));
	case 2: return SCMP_ACT_KILL_PROCESS;
	case 3: return SCMP_ACT_KILL_THREAD;
	case 4: return SCMP_ACT_TRAP;
	case 5: return SCMP_ACT_LOG;
	default: return SCMP_ACT_TRACE((uint32_t)(diff_rand(s) % 8));
	}
}

/* 1-2 syscalls, 2-4 rules, 1-3 conditions on distinct indexes 0-5. */
static void random_profile(uint64_t *s, struct ruleset *rs)
{
	memset(rs, 0, sizeof *rs);
	static const uint32_t defaults[] = { SCMP_ACT_ALLOW, SCMP_ACT_ERRNO(38), SCMP_ACT_ERRNO(1),
					     SCMP_ACT_KILL_PROCESS, SCMP_ACT_LOG };
	rs->default_action = defaults[diff_rand(s) % 5];
	rs->arch[0] = SCMP_ARCH_X86_64;
	rs->narch = 1;
	if (diff_rand(s) % 5 == 0) { /* Docker's layout: x86_64, x86 and x32 */
		rs->arch[1] = SCMP_ARCH_X86;
		rs->arch[2] = SCMP_ARCH_X32;
		rs->narch = 3;
	}
	rs->enosys_above_max = diff_rand(s) % 2;
	const char *names[2];
	unsigned nnames = 1 + (unsigned)(diff_rand(s) % 2);
	for (unsigned i = 0; i < nnames; i++)
		names[i] = pool[diff_rand(s) % (sizeof pool / sizeof *pool)];
	unsigned nrules = 2 + (unsigned)(diff_rand(s) % 3);
	for (unsigned i = 0; i < nrules; i++) {
		struct rule r = { .action = action(s), .group = i };
		snprintf(r.name, sizeof r.name, "%s", names[diff_rand(s) % nnames]);
		r.nargs = 1 + (unsigned)(diff_rand(s) % 3);
		unsigned used = 0;
		for (unsigned k = 0; k < r.nargs; k++) {
			unsigned idx;
			do
				idx = (unsigned)(diff_rand(s) % 6);
			while (used >> idx & 1);
			used |= 1u << idx;
			struct rule_arg *c = &r.args[k];
			c->index = idx;
			c->op = ops[diff_rand(s) % (sizeof ops / sizeof *ops)];
			c->a = value(s);
			if (c->op == SCMP_CMP_MASKED_EQ) {
				c->a = diff_rand(s) % 2 ? c->a : (1ull << (diff_rand(s) % 64)) | (1ull << (diff_rand(s) % 64));
				c->b = diff_rand(s) % 2 ? c->a & value(s) : value(s);
			}
		}
		assert_int_equal(ruleset_add(rs, &r), 0);
	}
	for (unsigned a = 0; a < rs->narch; a++) {
		rs->max_nr[a] = -1;
		for (unsigned i = 0; i < rs->nrules; i++) {
			int nr = ruleset_nr(rs->arch[a], rs->rules[i].name);
			if (nr > rs->max_nr[a])
				rs->max_nr[a] = nr;
		}
	}
}

static unsigned env_count(const char *name, unsigned def)
{
	const char *v = getenv(name);
	return v && *v ? (unsigned)strtoul(v, NULL, 10) : def;
}

/* libseccomp refuses some random profiles (an identical chain with another
 * action: -EEXIST); the shim refuses them too. Its error line is expected. */
static void quiet_stderr(void)
{
	fflush(stderr);
	int null = open("/dev/null", O_WRONLY);
	if (null < 0 || dup2(null, 2) != 2)
		_exit(4);
	close(null);
}

struct tally {
	unsigned next;     /* the profile being tried */
	unsigned loops, refused, range, lib_chosen, checked, declined, differ, unproven, shorter;
	unsigned long long vectors, range_differences;
	char first[320];
};

/* Profiles FROM.. of the run, each from its own seed (so a run can resume
 * after any of them). */
static void try_profiles(struct tally *t, unsigned from, unsigned nprofiles, unsigned nvectors, uint64_t seed0)
{
	for (unsigned p = from; p < nprofiles; p++) {
		t->next = p;
		uint64_t seed = seed0 * 0x100000001b3ull + p;
		(void)diff_rand(&seed);
		struct ruleset rs;
		random_profile(&seed, &rs);
		if (getenv("SHIM_DIFF_DUMP") && (unsigned)atoi(getenv("SHIM_DIFF_DUMP")) == p) {
			char *json = print_ruleset(&rs);
			printf("%s\n", json);
			fflush(stdout); /* the child may end in libseccomp's loop */
			free(json);
		}
		struct sock_filter *lib, *prog;
		unsigned short lib_len, len;
		bool is_range;
		if (emit_libseccomp(&rs, "random", &lib, &lib_len)) {
			t->refused++;
			ruleset_free(&rs);
			continue;
		}
		if (profile_emit(&rs, "random", false, &prog, &len, &is_range))
			_exit(3);
		struct diff_result r;
		diff_run(&rs, prog, len, lib, lib_len, diff_rand(&seed), nvectors, &r);
		t->vectors += r.vectors;
		t->checked++;
		if (is_range) {
			t->range++;
			t->range_differences += r.differences;
			if (r.differences && !*t->first)
				snprintf(t->first, sizeof t->first, "profile %u: %s", p, r.first);
		} else {
			t->lib_chosen++;
			/* Why: the same steps profile_emit takes. */
			struct sock_filter *rp;
			unsigned short rlen;
			char why[320];
			if (emit_range(&rs, &rp, &rlen)) {
				t->declined++;
			} else {
				int v = verify_programs(&rs, lib, lib_len, rp, rlen, why, sizeof why);
				t->differ += v == VERIFY_DIFFERS;
				t->unproven += v == VERIFY_UNPROVEN;
				t->shorter += v == 0;
				free(rp);
			}
		}
		free(lib);
		free(prog);
		ruleset_free(&rs);
	}
	t->next = nprofiles;
}

/* The profiles run in a child: some rule pairs make libseccomp 2.6.0 loop
 * forever, and emit_libseccomp's deadline then ends the process with 65
 * (as it ends the shim). The child's tally lives in shared memory; the run
 * resumes after the profile that looped. */
static void installed_program_never_differs_from_libseccomp(void **state)
{
	(void)state;
	unsigned nprofiles = env_count("SHIM_DIFF_PROFILES", 10000), nvectors = env_count("SHIM_DIFF_VECTORS", 1000);
	uint64_t seed = env_count("SHIM_DIFF_SEED", 20);
	struct tally *t = mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(t != MAP_FAILED);
	memset(t, 0, sizeof *t);
	unsigned from = 0;
	while (from < nprofiles) {
		fflush(stdout);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			/* libseccomp's refusals print one line each: expected here. */
			log_set_level(LOG_LEVEL_ERROR);
			if (!getenv("SHIM_DIFF_LOUD"))
				quiet_stderr();
			try_profiles(t, from, nprofiles, nvectors, seed);
			fflush(stdout);
			_exit(0);
		}
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			break;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 65)
			fail_msg("profile %u: the child ended with status 0x%x", t->next, (unsigned)status);
		print_message("profile %u: libseccomp never finished compiling it (SHIM_DIFF_DUMP=%u prints it)\n",
			      t->next, t->next);
		t->loops++;
		from = t->next + 1;
	}
	print_message("%u random profiles: %u never compiled (libseccomp loops), %u refused by libseccomp, %u "
		      "compiled; range program chosen for %u (%.1f%%), libseccomp's for %u (the range program decides "
		      "differently %u, not proven %u, declined by the emitter %u, longer %u); %llu vectors; %llu "
		      "differences where the range program was chosen\n",
		      nprofiles, t->loops, t->refused, t->checked, t->range,
		      t->checked ? 100.0 * t->range / t->checked : 0.0, t->lib_chosen, t->differ, t->unproven,
		      t->declined, t->shorter, t->vectors, t->range_differences);
	if (t->range_differences)
		fail_msg("%s", t->first);
	/* The property is only tested if both kinds occur. */
	assert_true(t->range > 0 && t->lib_chosen > 0);
	assert_int_equal(munmap(t, sizeof *t), 0);
}

/* Issue 20's three reproductions: each installed program decides as
 * libseccomp's on the vectors the issue names. */
static void issue_reproductions_are_decided_as_libseccomp_decides(void **state)
{
	(void)state;
	struct {
		const char *json;
		int nr;
		uint64_t args[6];
	} cases[] = {
		{ "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"syscalls\":["
		  "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2,\"op\":"
		  "\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]},"
		  "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"args\":[{\"index\":1,"
		  "\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		  41, { 2, 1 } },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		  "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,\"args\":[{\"index\":1,"
		  "\"value\":2147483648,\"op\":\"SCMP_CMP_GE\"}]},"
		  "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_KILL_PROCESS\",\"args\":[{\"index\":3,\"value\":1,"
		  "\"op\":\"SCMP_CMP_GT\"}]}]}",
		  56, { 0, 0x80000000, 0, 2 } },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		  "{\"names\":[\"prctl\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"args\":[{\"index\":0,"
		  "\"value\":18446744073709551614,\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":1,\"op\":"
		  "\"SCMP_CMP_GE\"}]},"
		  "{\"names\":[\"prctl\"],\"action\":\"SCMP_ACT_TRAP\",\"args\":[{\"index\":1,\"value\":2147483648,"
		  "\"op\":\"SCMP_CMP_LE\"}]}]}",
		  157, { 0xfffffffffffffffeull, 1 } },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct ruleset rs;
		assert_int_equal(profile_parse(cases[i].json, strlen(cases[i].json), "issue", &rs, NULL), 0);
		struct sock_filter *lib, *prog;
		unsigned short lib_len, len;
		assert_int_equal(emit_libseccomp(&rs, "issue", &lib, &lib_len), 0);
		bool is_range;
		assert_int_equal(profile_emit(&rs, "issue", false, &prog, &len, &is_range), 0);
		struct seccomp_data d = { .nr = cases[i].nr, .arch = AUDIT_ARCH_X86_64 };
		memcpy(d.args, cases[i].args, sizeof d.args);
		struct seccomp_data kernel = d;
		for (unsigned k = 0; k < 6; k++)
			if (resolve_truncates(SCMP_ARCH_X86_64, (uint32_t)d.nr, k))
				kernel.args[k] &= 0xffffffffull;
		uint32_t want = emulate(lib, lib_len, &kernel), got = emulate(prog, len, &d);
		print_message("case %zu: libseccomp 0x%08x, installed 0x%08x (%s, %u instructions)\n", i, want, got,
			      is_range ? "range program" : "libseccomp's program", len);
		assert_int_equal(got, want);
		if (is_range) {
			struct diff_result r;
			diff_run(&rs, prog, len, lib, lib_len, 7, 20000, &r);
			if (r.differences)
				fail_msg("case %zu: %s", i, r.first);
		}
		free(lib);
		free(prog);
		ruleset_free(&rs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(issue_reproductions_are_decided_as_libseccomp_decides),
		cmocka_unit_test(installed_program_never_differs_from_libseccomp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
