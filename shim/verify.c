#include "verify.h"

#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emulate.h"
#include "resolve.h"

#define X32_BIT 0x40000000u

static const uint32_t arch_values[] = {
	AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM, 0x4000003eu /* x32 token */,
	AUDIT_ARCH_RISCV64, 0, 0xffffffffu,
};

static int compare(const struct sock_filter *lib, unsigned lib_len, const struct sock_filter *range,
		   unsigned range_len, const struct seccomp_data *d, const struct seccomp_data *kernel_view,
		   char *why, size_t why_len)
{
	uint32_t want = emulate(lib, lib_len, kernel_view), got = emulate(range, range_len, d);
	if (want == got && want != EMULATE_INVALID)
		return 0;
	snprintf(why, why_len, "arch 0x%08x nr %u args 0x%llx 0x%llx ...: libseccomp 0x%08x, range 0x%08x",
		 (unsigned)d->arch, (unsigned)d->nr, (unsigned long long)d->args[0],
		 (unsigned long long)d->args[1], (unsigned)want, (unsigned)got);
	return -1;
}

/* Values worth trying for an argument of syscall NR. */
static size_t grid(const struct ruleset *rs, const int *rule_nr, uint32_t nr, uint64_t *v, size_t cap)
{
	size_t n = 0;
#define ADD(x)                                   \
	do {                                     \
		if (n < cap)                     \
			v[n++] = (uint64_t)(x);  \
	} while (0)
	for (uint64_t i = 0; i <= 64; i++) { /* address families (AF_MAX 46) and small values */
		ADD(i);
		ADD(i | 1ull << 32);
		ADD(i | 1ull << 63);
		ADD(i | 0xffffffff00000000ull);
	}
	static const uint64_t clone_new[] = { 0x00020000, 0x02000000, 0x04000000, 0x08000000,
					      0x10000000, 0x20000000, 0x40000000, 0x00000080 };
	const uint64_t thread = 0x003d0f00; /* VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID */
	for (size_t i = 0; i < sizeof clone_new / sizeof *clone_new; i++) {
		ADD(clone_new[i]);
		ADD(clone_new[i] | thread);
		ADD(clone_new[i] | 1ull << 32);
		ADD(clone_new[i] | thread | 1ull << 32);
	}
	ADD(thread);
	ADD(thread | 1ull << 32);
	ADD(0x1200011); /* fork's flags as glibc passes them */
	static const uint64_t personality[] = { 0x8, 0x20000, 0x20008, 0xffffffff, 0x7, 0x9, 0x1ffff, 0x20001,
						0x20007, 0x20009, 0xfffffffe, 0x80000000, 0x7fffffff, 0x400000,
						0x100000000ull, 0x100000008ull, 0xffffffffffffffffull };
	for (size_t i = 0; i < sizeof personality / sizeof *personality; i++)
		ADD(personality[i]);
	for (unsigned i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];
		if (rule_nr[i] != (int)nr)
			continue;
		for (unsigned k = 0; k < r->nargs; k++) {
			uint64_t x[] = { r->args[k].a, r->args[k].b };
			for (int j = 0; j < 2; j++) {
				ADD(x[j]);
				ADD(x[j] + 1);
				ADD(x[j] - 1);
				ADD(x[j] | 1ull << 32);
				ADD(x[j] ^ 0xffffffffull);
			}
		}
	}
#undef ADD
	return n;
}

int verify_programs(const struct ruleset *rs, const struct sock_filter *lib, unsigned lib_len,
		    const struct sock_filter *range, unsigned range_len, char *why, size_t why_len)
{
	uint32_t target = rs->arch[0];
	for (size_t a = 0; a < sizeof arch_values / sizeof *arch_values; a++) {
		for (int pass = 0; pass < 2; pass++) {
			if (pass == 1 && target != AUDIT_ARCH_X86_64)
				break;
			uint32_t base = pass ? X32_BIT : 0;
			for (uint32_t i = 0; i < 1024 + 2; i++) {
				uint32_t nr = i < 1024 ? base | i : i == 1024 ? 0xffffffffu : 0x7fffffffu;
				struct seccomp_data d = { .nr = (int)nr, .arch = arch_values[a] };
				if (compare(lib, lib_len, range, range_len, &d, &d, why, why_len))
					return -1;
			}
		}
	}
	/* Arguments, on the target architecture, for every syscall that has
	 * argument rules and the four whose arguments the kernel truncates. */
	static uint64_t values[1024];
	static bool checked[1024];
	memset(checked, 0, sizeof checked);
	int *rule_nr = malloc((rs->nrules + 1) * sizeof *rule_nr);
	if (!rule_nr) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < rs->nrules; i++) {
		rule_nr[i] = ruleset_nr(target, rs->rules[i].name);
		if (rs->rules[i].nargs && rule_nr[i] >= 0 && rule_nr[i] < 1024)
			checked[rule_nr[i]] = true;
	}
	static const char *const truncating[] = { "socket", "socketpair", "clone", "personality" };
	for (size_t i = 0; i < sizeof truncating / sizeof *truncating; i++) {
		int nr = ruleset_nr(target, truncating[i]);
		if (nr >= 0 && nr < 1024)
			checked[nr] = true;
	}
	int rc = 0;
	for (uint32_t nr = 0; nr < 1024 && !rc; nr++) {
		if (!checked[nr])
			continue;
		size_t n = grid(rs, rule_nr, nr, values, sizeof values / sizeof *values);
		for (unsigned arg = 0; arg < 6 && !rc; arg++) {
			bool trunc = resolve_truncates(target, nr, arg);
			for (size_t k = 0; k < n && !rc; k++) {
				struct seccomp_data d = { .nr = (int)nr, .arch = target };
				d.args[arg] = values[k];
				struct seccomp_data seen = d;
				if (trunc)
					seen.args[arg] &= 0xffffffffu;
				rc = compare(lib, lib_len, range, range_len, &d, &seen, why, why_len);
			}
		}
	}
	free(rule_nr);
	if (rc)
		return -1;
	return 0;
}
