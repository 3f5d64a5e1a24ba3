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

/* Values worth trying for an argument of table index AT. */
static size_t grid(const struct table *t, uint32_t at, uint64_t *v, size_t cap)
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
	for (unsigned c = at < TABLE_NR ? t->first[at] : 0; c; c = t->next[c - 1]) {
		const struct rule *r = &t->rules[c - 1];
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

/* Numbers worth trying on every arch value: all of the table's range, with
 * and without x32's bit, and the boundaries above it. */
static int numbers(const struct ruleset *rs, const struct sock_filter *lib, unsigned lib_len,
		   const struct sock_filter *range, unsigned range_len, const struct table *tables, char *why,
		   size_t why_len)
{
	uint32_t extra[2 + RULESET_MAX_ARCH * (3 + 3 * TABLE_MAX_HIGH)];
	size_t nextra = 0;
	extra[nextra++] = 0xffffffffu;
	extra[nextra++] = 0x7fffffffu;
	for (unsigned a = 0; a < rs->narch; a++) {
		const struct table *t = &tables[a];
		long max = rs->max_nr[a];
		for (long d = -1; d <= 1; d++)
			extra[nextra++] = (uint32_t)(max + d);
		for (unsigned h = 0; h < t->nhigh; h++)
			for (uint32_t d = 0; d < 3; d++)
				extra[nextra++] = t->base + t->high[h].start + d - 1;
	}
	uint32_t archs[sizeof arch_values / sizeof *arch_values + RULESET_MAX_ARCH];
	size_t narchs = 0;
	for (size_t a = 0; a < sizeof arch_values / sizeof *arch_values; a++)
		archs[narchs++] = arch_values[a];
	for (unsigned a = 0; a < rs->narch; a++)
		archs[narchs++] = tables[a].audit_arch;
	for (size_t a = 0; a < narchs; a++) {
		for (uint32_t i = 0; i < 2 * TABLE_NR + nextra; i++) {
			uint32_t nr = i < TABLE_NR ? i : i < 2 * TABLE_NR ? X32_BIT | (i - TABLE_NR) : extra[i - 2 * TABLE_NR];
			struct seccomp_data d = { .nr = (int)nr, .arch = archs[a] };
			if (compare(lib, lib_len, range, range_len, &d, &d, why, why_len))
				return -1;
		}
	}
	return 0;
}

/* Arguments, on each of the filter's architectures, for every syscall that
 * has argument rules there and, on 64-bit ABIs, those whose arguments the
 * kernel truncates. */
static int arguments(const struct sock_filter *lib, unsigned lib_len, const struct sock_filter *range,
		     unsigned range_len, const struct table *t, char *why, size_t why_len)
{
	static uint64_t values[1024];
	for (uint32_t i = 0; i < TABLE_NR; i++) {
		if (!t->ncond[i] && !t->trunc[i])
			continue;
		size_t n = grid(t, i, values, sizeof values / sizeof *values);
		for (unsigned arg = 0; arg < 6; arg++) {
			bool trunc = t->trunc[i] >> arg & 1;
			for (size_t k = 0; k < n; k++) {
				struct seccomp_data d = { .nr = (int)(t->base + i), .arch = t->audit_arch };
				d.args[arg] = values[k];
				struct seccomp_data seen = d;
				if (trunc)
					seen.args[arg] &= 0xffffffffu;
				if (compare(lib, lib_len, range, range_len, &d, &seen, why, why_len))
					return -1;
			}
		}
	}
	return 0;
}

int verify_programs(const struct ruleset *rs, const struct sock_filter *lib, unsigned lib_len,
		    const struct sock_filter *range, unsigned range_len, char *why, size_t why_len)
{
	struct table *tables = calloc(rs->narch ? rs->narch : 1, sizeof *tables);
	if (!tables) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	int rc = 0;
	for (unsigned a = 0; a < rs->narch && !rc; a++)
		if (resolve(rs, a, &tables[a])) {
			snprintf(why, why_len, "architecture 0x%08x: outside what the range emitter handles",
				 (unsigned)rs->arch[a]);
			rc = -1;
		}
	if (!rc)
		rc = numbers(rs, lib, lib_len, range, range_len, tables, why, why_len);
	for (unsigned a = 0; a < rs->narch && !rc; a++)
		rc = arguments(lib, lib_len, range, range_len, &tables[a], why, why_len);
	free(tables);
	return rc;
}
