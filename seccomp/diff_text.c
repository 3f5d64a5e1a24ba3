/* How --diff-profile writes a rule's conditions and an architecture. */
#include "diff_text.h"

#include <seccomp.h>
#include <stdio.h>

static void put_value(char *buf, size_t size, uint64_t v)
{
	snprintf(buf, size, v < 4096 ? "%llu" : "0x%llx", (unsigned long long)v);
}

/* A rule's conditions as a reviewer reads them: "arg0 == 16 && arg1 & 0x80000 == 0". */
void diff_conditions(const struct rule *r, char *buf, size_t size)
{
	static const char *const ops[] = { [SCMP_CMP_NE] = "!=", [SCMP_CMP_LT] = "<", [SCMP_CMP_LE] = "<=",
					   [SCMP_CMP_EQ] = "==", [SCMP_CMP_GE] = ">=", [SCMP_CMP_GT] = ">" };
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned k = 0; k < r->nargs && n < size; k++) {
		const struct rule_arg *c = &r->args[k];
		char a[24], b[24];
		put_value(a, sizeof a, c->a);
		put_value(b, sizeof b, c->b & c->a);
		const char *join = k ? (r->any ? " || " : " && ") : "";
		int w = c->op == SCMP_CMP_MASKED_EQ ? snprintf(buf + n, size - n, "%sarg%u & %s == %s", join, c->index, a, b)
			: snprintf(buf + n, size - n, "%sarg%u %s %s", join, c->index,
				   c->op < sizeof ops / sizeof *ops && ops[c->op] ? ops[c->op] : "?", a);
		if (w < 0)
			break;
		n += (size_t)w;
	}
}

const char *diff_arch_label(uint32_t token)
{
	switch (token) {
	case SCMP_ARCH_X86_64: return "x86_64";
	case SCMP_ARCH_X86: return "x86";
	case SCMP_ARCH_X32: return "x32";
	case SCMP_ARCH_AARCH64: return "aarch64";
	case SCMP_ARCH_ARM: return "arm";
	default: return "?";
	}
}

