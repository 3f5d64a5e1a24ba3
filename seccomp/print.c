/* Rule set -> OCI JSON (json-c builds and escapes it). */
#include "print.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libseccomp's architecture names; the token of each comes from libseccomp. */
static const char *const arch_names[] = {
	"x86", "x86_64", "x32", "arm", "aarch64", "loongarch64", "m68k", "mips", "mips64", "mips64n32",
	"mipsel", "mipsel64", "mipsel64n32", "ppc", "ppc64", "ppc64le", "s390", "s390x", "parisc",
	"parisc64", "riscv64", "sheb", "sh",
};

static json_object *arch_name(uint32_t token)
{
	for (size_t i = 0; i < sizeof arch_names / sizeof *arch_names; i++) {
		if (seccomp_arch_resolve_name(arch_names[i]) != token)
			continue;
		char name[32] = "SCMP_ARCH_";
		size_t n = strlen(name);
		for (const char *p = arch_names[i]; *p && n + 1 < sizeof name; p++)
			name[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
		name[n] = '\0';
		return json_object_new_string(name);
	}
	return NULL; /* the parser only admits names libseccomp resolves */
}

/* The parser admits only these actions (and the variants add NOTIFY): any
 * other is a bug, and printing it as some action would misstate the profile. */
static const char *action_name(uint32_t act)
{
	switch (act & 0xffff0000u) {
	case SCMP_ACT_KILL_PROCESS: return "SCMP_ACT_KILL_PROCESS";
	case SCMP_ACT_KILL_THREAD: return "SCMP_ACT_KILL";
	case SCMP_ACT_TRAP: return "SCMP_ACT_TRAP";
	case SCMP_ACT_ERRNO(0): return "SCMP_ACT_ERRNO";
	case SCMP_ACT_TRACE(0): return "SCMP_ACT_TRACE";
	case SCMP_ACT_LOG: return "SCMP_ACT_LOG";
	case SCMP_ACT_ALLOW: return "SCMP_ACT_ALLOW";
	case SCMP_ACT_NOTIFY: return "SCMP_ACT_NOTIFY"; /* complain/learn variants only */
	default: abort();
	}
}

static bool has_value(uint32_t act)
{
	uint32_t kind = act & 0xffff0000u;
	return kind == SCMP_ACT_ERRNO(0) || kind == SCMP_ACT_TRACE(0);
}

const char *print_compare_name(enum scmp_compare op)
{
	switch (op) {
	case SCMP_CMP_NE: return "SCMP_CMP_NE";
	case SCMP_CMP_LT: return "SCMP_CMP_LT";
	case SCMP_CMP_LE: return "SCMP_CMP_LE";
	case SCMP_CMP_GE: return "SCMP_CMP_GE";
	case SCMP_CMP_GT: return "SCMP_CMP_GT";
	case SCMP_CMP_MASKED_EQ: return "SCMP_CMP_MASKED_EQ";
	default: return "SCMP_CMP_EQ";
	}
}

static const char *const flag_names[] = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
					   "SECCOMP_FILTER_FLAG_TSYNC" };

/* One profile entry: rules FIRST..END-1 (one per name, same action and args). */
static json_object *entry(const struct ruleset *rs, unsigned first, unsigned end, bool (*keep)(const char *name))
{
	const struct rule *r = &rs->rules[first];
	json_object *o = json_object_new_object(), *names = json_object_new_array();
	for (unsigned i = first; i < end; i++)
		if (!keep || keep(rs->rules[i].name))
			json_object_array_add(names, json_object_new_string(rs->rules[i].name));
	json_object_object_add(o, "names", names);
	json_object_object_add(o, "action", json_object_new_string(action_name(r->action)));
	if (has_value(r->action))
		json_object_object_add(o, "errnoRet", json_object_new_int64(r->action & 0xffffu));
	if (r->nargs) {
		json_object *args = json_object_new_array();
		for (unsigned k = 0; k < r->nargs; k++) {
			json_object *a = json_object_new_object();
			json_object_object_add(a, "index", json_object_new_int64(r->args[k].index));
			json_object_object_add(a, "value", json_object_new_uint64(r->args[k].a));
			if (r->args[k].b) /* OCI's default 0 */
				json_object_object_add(a, "valueTwo", json_object_new_uint64(r->args[k].b));
			json_object_object_add(a, "op", json_object_new_string(print_compare_name(r->args[k].op)));
			json_object_array_add(args, a);
		}
		json_object_object_add(o, "args", args);
	}
	return o;
}

char *print_entry(const struct ruleset *rs, unsigned first, unsigned end, bool (*keep)(const char *name),
		  unsigned *kept)
{
	json_object *o = entry(rs, first, end, keep), *names;
	if (!o)
		return NULL;
	*kept = json_object_object_get_ex(o, "names", &names) ? (unsigned)json_object_array_length(names) : 0;
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *copy = text ? strdup(text) : NULL;
	json_object_put(o);
	return copy;
}

char *print_ruleset(const struct ruleset *rs)
{
	json_object *root = json_object_new_object();
	if (!root)
		return NULL;
	json_object_object_add(root, "defaultAction", json_object_new_string(action_name(rs->default_action)));
	if (has_value(rs->default_action))
		json_object_object_add(root, "defaultErrnoRet", json_object_new_int64(rs->default_action & 0xffffu));
	json_object *arches = json_object_new_array();
	for (unsigned a = 0; a < rs->narch; a++) {
		json_object *name = arch_name(rs->arch[a]);
		if (name)
			json_object_array_add(arches, name);
	}
	json_object_object_add(root, "architectures", arches);
	if (rs->flags) {
		json_object *flags = json_object_new_array();
		for (unsigned f = 0; f < sizeof flag_names / sizeof *flag_names; f++)
			if (rs->flags >> f & 1)
				json_object_array_add(flags, json_object_new_string(flag_names[f]));
		json_object_object_add(root, "flags", flags);
	}
	json_object *syscalls = json_object_new_array();
	for (unsigned i = 0, end; i < rs->nrules; i = end) {
		for (end = i + 1; end < rs->nrules && rs->rules[end].group == rs->rules[i].group; end++)
			;
		json_object_array_add(syscalls, entry(rs, i, end, NULL));
	}
	json_object_object_add(root, "syscalls", syscalls);
	const char *text = json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *copy = text ? strdup(text) : NULL;
	json_object_put(root);
	return copy;
}
