/* Step 1, parse: OCI, Docker and Podman JSON -> a rule set. The dialects' own
 * parts (architectures, Docker's includes and excludes, flags) are in dialect.c. */
#include "profile.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <json-c/json.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "log.h"
#include "parse_ctx.h"
#include "print.h"

#define MAX_DEPTH 16
#define MAX_ERRNO 4095

/* json-c 0.16 keeps a whole number as int64, or as uint64 when it is above
 * INT64_MAX; one above UINT64_MAX becomes UINT64_MAX and one below INT64_MIN
 * becomes INT64_MIN (strtoull/strtoll's clamp), with no error and no errno
 * from the getters. So a negative reads as negative here, and a number above
 * UINT64_MAX is refused before, from the text (find_overflow). */
static int get_u64(struct ctx *c, json_object *v, const char *what, uint64_t max, uint64_t *out)
{
	if (!json_object_is_type(v, json_type_int))
		return parse_bad(c, "%s: expected a whole number", what);
	if (json_object_get_int64(v) < 0)
		return parse_bad(c, "%s: negative", what);
	uint64_t u = json_object_get_uint64(v);
	if (u > max)
		return parse_bad(c, "%s: out of range (at most %llu)", what, (unsigned long long)max);
	*out = u;
	return 0;
}

static bool number_char(char ch)
{
	return (ch >= '0' && ch <= '9') || ch == '-' || ch == '+' || ch == '.' || ch == 'e' || ch == 'E';
}

/* The offset of the first whole number above UINT64_MAX in JSON (LEN bytes,
 * which json-c has accepted as strict JSON), or LEN: json-c reads such a
 * number as UINT64_MAX itself, so only the text tells them apart. Outside
 * strings a number starts with '-' or a digit and runs on over digits, '-',
 * '+', '.', 'e' and 'E'. */
static size_t find_overflow(const char *json, size_t len)
{
	static const char max[] = "18446744073709551615";
	bool in_string = false;
	for (size_t i = 0; i < len; i++) {
		if (in_string) {
			if (json[i] == '\\')
				i++;
			else if (json[i] == '"')
				in_string = false;
			continue;
		}
		if (json[i] == '"')
			in_string = true;
		if (json[i] != '-' && (json[i] < '0' || json[i] > '9'))
			continue;
		size_t from = i, end = i;
		bool whole = true;
		for (; end < len && number_char(json[end]); end++)
			if (json[end] == '.' || json[end] == 'e' || json[end] == 'E')
				whole = false;
		i = end - 1;
		if (!whole || json[from] == '-')
			continue; /* a fraction, or negative: refused by type or sign */
		size_t start = from;
		while (start < end - 1 && json[start] == '0')
			start++;
		size_t digits = end - start;
		if (digits > sizeof max - 1 || (digits == sizeof max - 1 && memcmp(json + start, max, digits) > 0))
			return from;
	}
	return len;
}

static const struct {
	const char *name;
	uint32_t action; /* errno and trace take their value later */
} actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0) },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0) },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG },
};

/* Linux's errno names (asm-generic, the same on x86_64 and arm64), for
 * containers-common's "errno"/"defaultErrno" fields, which name the value. */
static const struct {
	const char *name;
	unsigned value;
} errno_names[] = {
	{ "EPERM", 1 }, { "ENOENT", 2 }, { "ESRCH", 3 }, { "EINTR", 4 }, { "EIO", 5 }, { "ENXIO", 6 },
	{ "E2BIG", 7 }, { "ENOEXEC", 8 }, { "EBADF", 9 }, { "ECHILD", 10 }, { "EAGAIN", 11 }, { "ENOMEM", 12 },
	{ "EACCES", 13 }, { "EFAULT", 14 }, { "ENOTBLK", 15 }, { "EBUSY", 16 }, { "EEXIST", 17 }, { "EXDEV", 18 },
	{ "ENODEV", 19 }, { "ENOTDIR", 20 }, { "EISDIR", 21 }, { "EINVAL", 22 }, { "ENFILE", 23 }, { "EMFILE", 24 },
	{ "ENOTTY", 25 }, { "ETXTBSY", 26 }, { "EFBIG", 27 }, { "ENOSPC", 28 }, { "ESPIPE", 29 }, { "EROFS", 30 },
	{ "EMLINK", 31 }, { "EPIPE", 32 }, { "EDOM", 33 }, { "ERANGE", 34 }, { "EDEADLK", 35 },
	{ "ENAMETOOLONG", 36 }, { "ENOLCK", 37 }, { "ENOSYS", 38 }, { "ENOTEMPTY", 39 }, { "ELOOP", 40 },
	{ "ENOMSG", 42 }, { "EIDRM", 43 }, { "ECHRNG", 44 }, { "EL2NSYNC", 45 }, { "EL3HLT", 46 }, { "EL3RST", 47 },
	{ "ELNRNG", 48 }, { "EUNATCH", 49 }, { "ENOCSI", 50 }, { "EL2HLT", 51 }, { "EBADE", 52 }, { "EBADR", 53 },
	{ "EXFULL", 54 }, { "ENOANO", 55 }, { "EBADRQC", 56 }, { "EBADSLT", 57 }, { "EBFONT", 59 },
	{ "ENOSTR", 60 }, { "ENODATA", 61 }, { "ETIME", 62 }, { "ENOSR", 63 }, { "ENONET", 64 }, { "ENOPKG", 65 },
	{ "EREMOTE", 66 }, { "ENOLINK", 67 }, { "EADV", 68 }, { "ESRMNT", 69 }, { "ECOMM", 70 }, { "EPROTO", 71 },
	{ "EMULTIHOP", 72 }, { "EDOTDOT", 73 }, { "EBADMSG", 74 }, { "EOVERFLOW", 75 }, { "ENOTUNIQ", 76 },
	{ "EBADFD", 77 }, { "EREMCHG", 78 }, { "ELIBACC", 79 }, { "ELIBBAD", 80 }, { "ELIBSCN", 81 },
	{ "ELIBMAX", 82 }, { "ELIBEXEC", 83 }, { "EILSEQ", 84 }, { "ERESTART", 85 }, { "ESTRPIPE", 86 },
	{ "EUSERS", 87 }, { "ENOTSOCK", 88 }, { "EDESTADDRREQ", 89 }, { "EMSGSIZE", 90 }, { "EPROTOTYPE", 91 },
	{ "ENOPROTOOPT", 92 }, { "EPROTONOSUPPORT", 93 }, { "ESOCKTNOSUPPORT", 94 }, { "EOPNOTSUPP", 95 },
	{ "EPFNOSUPPORT", 96 }, { "EAFNOSUPPORT", 97 }, { "EADDRINUSE", 98 }, { "EADDRNOTAVAIL", 99 },
	{ "ENETDOWN", 100 }, { "ENETUNREACH", 101 }, { "ENETRESET", 102 }, { "ECONNABORTED", 103 },
	{ "ECONNRESET", 104 }, { "ENOBUFS", 105 }, { "EISCONN", 106 }, { "ENOTCONN", 107 }, { "ESHUTDOWN", 108 },
	{ "ETOOMANYREFS", 109 }, { "ETIMEDOUT", 110 }, { "ECONNREFUSED", 111 }, { "EHOSTDOWN", 112 },
	{ "EHOSTUNREACH", 113 }, { "EALREADY", 114 }, { "EINPROGRESS", 115 }, { "ESTALE", 116 }, { "EUCLEAN", 117 },
	{ "ENOTNAM", 118 }, { "ENAVAIL", 119 }, { "EISNAM", 120 }, { "EREMOTEIO", 121 }, { "EDQUOT", 122 },
	{ "ENOMEDIUM", 123 }, { "EMEDIUMTYPE", 124 }, { "ECANCELED", 125 }, { "ENOKEY", 126 },
	{ "EKEYEXPIRED", 127 }, { "EKEYREVOKED", 128 }, { "EKEYREJECTED", 129 }, { "EOWNERDEAD", 130 },
	{ "ENOTRECOVERABLE", 131 }, { "ERFKILL", 132 }, { "EHWPOISON", 133 },

};

/* The errno of OBJ: a number under NUM_KEY (OCI), a name under NAME_KEY
 * (containers-common writes both, e.g. 1 and "EPERM"). Both present must
 * agree. Returns 1 if a number is given, 2 for a name alone, 0 for neither,
 * -1 bad. */
static int get_errno(struct ctx *c, json_object *obj, const char *num_key, const char *name_key,
		     const char *where, uint64_t *out)
{
	json_object *e;
	int has = 0;
	if (json_object_object_get_ex(obj, num_key, &e) && !json_object_is_type(e, json_type_null)) {
		if (get_u64(c, e, num_key, MAX_ERRNO, out))
			return -1;
		has = 1;
	}
	if (!json_object_object_get_ex(obj, name_key, &e) || json_object_is_type(e, json_type_null))
		return has;
	const char *name = json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL;
	if (!name)
		return parse_bad(c, "%s: \"%s\" must be an errno name such as \"EPERM\"", where, name_key);
	if (!*name && has)
		return has; /* an empty name next to a number: the number */
	for (size_t i = 0; i < sizeof errno_names / sizeof *errno_names; i++) {
		if (strcmp(name, errno_names[i].name))
			continue;
		if (has && *out != errno_names[i].value)
			return parse_bad(c, "%s: \"%s\" %llu and \"%s\" \"%s\" disagree", where, num_key,
				   (unsigned long long)*out, name_key, name);
		*out = errno_names[i].value;
		return has ? 1 : 2;
	}
	return parse_bad(c, "%s: \"%s\": unknown errno name \"%s\"", where, name_key, name);
}

/* Resolves "action" (+ errnoRet or errno) of OBJ. ERRNO without a value means
 * EPERM, as in runc. */
static int get_action(struct ctx *c, json_object *obj, const char *action_key, const char *errno_key,
		      const char *errno_name_key, const char *where, uint32_t *out, uint32_t *errno_out)
{
	json_object *a;
	if (!json_object_object_get_ex(obj, action_key, &a))
		return parse_bad(c, "%s: \"%s\" is missing", where, action_key);
	if (!json_object_is_type(a, json_type_string))
		return parse_bad(c, "%s: \"%s\" must be a string", where, action_key);
	const char *name = json_object_get_string(a);
	for (size_t i = 0; i < sizeof actions / sizeof *actions; i++) {
		if (strcmp(name, actions[i].name))
			continue;
		uint64_t value = 1; /* EPERM */
		int has = get_errno(c, obj, errno_key, errno_name_key, where, &value);
		if (has < 0)
			return -1;
		uint32_t act = actions[i].action;
		if (act == SCMP_ACT_ERRNO(0))
			act = SCMP_ACT_ERRNO((uint16_t)value);
		else if (act == SCMP_ACT_TRACE(0))
			act = SCMP_ACT_TRACE(has ? (uint16_t)value : 0);
		else if (has)
			return parse_bad(c, "%s: \"%s\" only goes with SCMP_ACT_ERRNO or SCMP_ACT_TRACE", where,
				   has == 2 ? errno_name_key : errno_key);
		*out = act;
		if (errno_out)
			*errno_out = act & 0xffffu; /* the errno or trace value */
		return 0;
	}
	if (!strcmp(name, "SCMP_ACT_NOTIFY"))
		return parse_bad(c, "%s: SCMP_ACT_NOTIFY is not supported (use SHIM_SECCOMP_MODE=complain)", where);
	return parse_bad(c, "%s: unknown action \"%s\"", where, name);
}

static const struct {
	const char *name;
	enum scmp_compare op;
} compares[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

static int get_args(struct ctx *c, json_object *rule, const char *where, struct rule *out)
{
	json_object *list;
	out->nargs = 0;
	out->any = false;
	if (!json_object_object_get_ex(rule, "args", &list) || json_object_is_type(list, json_type_null))
		return 0;
	if (!json_object_is_type(list, json_type_array))
		return parse_bad(c, "%s: \"args\" must be an array", where);
	size_t n = json_object_array_length(list);
	if (n > RULE_MAX_ARGS)
		return parse_bad(c, "%s: more than 6 argument conditions", where);
	unsigned seen = 0;
	for (size_t i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(list, i), *v;
		static const char *const keys[] = { "index", "value", "valueTwo", "op", NULL };
		if (!json_object_is_type(a, json_type_object))
			return parse_bad(c, "%s: args[%zu] must be an object", where, i);
		if (!parse_only_keys(c, a, where, keys))
			return -1;
		uint64_t index, value = 0, value_two = 0;
		if (!json_object_object_get_ex(a, "index", &v))
			return parse_bad(c, "%s: args[%zu].index is missing", where, i);
		if (get_u64(c, v, "args.index", 5, &index))
			return -1;
		if (json_object_object_get_ex(a, "value", &v) && get_u64(c, v, "args.value", UINT64_MAX, &value))
			return -1;
		if (json_object_object_get_ex(a, "valueTwo", &v) &&
		    get_u64(c, v, "args.valueTwo", UINT64_MAX, &value_two))
			return -1;
		if (!json_object_object_get_ex(a, "op", &v) || !json_object_is_type(v, json_type_string))
			return parse_bad(c, "%s: args[%zu].op must be a string", where, i);
		const char *op = json_object_get_string(v);
		size_t k = 0;
		while (k < sizeof compares / sizeof *compares && strcmp(op, compares[k].name))
			k++;
		if (k == sizeof compares / sizeof *compares)
			return parse_bad(c, "%s: unknown operator \"%s\"", where, op);
		/* Conditions on one argument are ANDed by libseccomp; runc reads them
		 * as alternatives (OR), and so do we. */
		if (seen & (1u << index))
			out->any = true;
		seen |= 1u << index;
		out->args[i] = (struct rule_arg){ .index = (unsigned)index, .op = compares[k].op, .a = value,
						  .b = value_two };
		out->nargs++;
	}
	return 0;
}

static int load_rule(struct ctx *c, json_object *rule, size_t index)
{
	char where[48];
	snprintf(where, sizeof where, "syscalls[%zu]", index);
	static const char *const keys[] = { "names", "name", "action", "errnoRet", "errno", "args", "comment",
					    "includes", "excludes", NULL };
	if (!json_object_is_type(rule, json_type_object))
		return parse_bad(c, "%s: must be an object", where);
	if (!parse_only_keys(c, rule, where, keys))
		return -1;
	int applies = dialect_applies(c, rule, where);
	if (applies <= 0)
		return applies;

	uint32_t act, err;
	if (get_action(c, rule, "action", "errnoRet", "errno", where, &act, &err))
		return -1;
	struct rule r = { .action = act };
	if (get_args(c, rule, where, &r))
		return -1;

	json_object *names, *name;
	json_object *single = NULL;
	if (json_object_object_get_ex(rule, "names", &names)) {
		if (!json_object_is_type(names, json_type_array))
			return parse_bad(c, "%s: \"names\" must be an array of strings", where);
	} else if (json_object_object_get_ex(rule, "name", &name)) {
		single = json_object_new_array();
		json_object_array_add(single, json_object_get(name));
		names = single;
	} else {
		return parse_bad(c, "%s: \"names\" is missing", where);
	}
	size_t n = json_object_array_length(names);
	int rc = 0;
	r.group = (unsigned)index;
	for (size_t i = 0; i < n && !rc; i++) {
		json_object *v = json_object_array_get_idx(names, i);
		if (!json_object_is_type(v, json_type_string)) {
			rc = parse_bad(c, "%s: \"names\" must be an array of strings", where);
			break;
		}
		const char *sys = json_object_get_string(v);
		int nr = seccomp_syscall_resolve_name(sys);
		if (nr == __NR_SCMP_ERROR) {
			/* As runc: a name this libseccomp does not know for this
			 * architecture is skipped, so one profile serves many kernels.
			 * It stays in the rule set for printing (no number: the
			 * emitters pass it by). */
			log_warn("seccomp profile %s: unknown syscall \"%s\" skipped", c->source, sys);
			if (strlen(sys) >= sizeof r.name)
				continue;
		} else {
			/* The highest number per architecture, for runc's ENOSYS rule. */
			for (unsigned a = 0; a < c->rs.narch; a++) {
				int anr = ruleset_nr(c->rs.arch[a], sys);
				if (anr >= 0 && anr > c->rs.max_nr[a]) /* negative: a pseudo number (socketcall) */
					c->rs.max_nr[a] = anr;
			}
			if (strlen(sys) >= sizeof r.name) {
				rc = parse_bad(c, "%s: syscall name too long", where);
				break;
			}
		}
		strcpy(r.name, sys);
		if (ruleset_add(&c->rs, &r))
			rc = parse_bad(c, "out of memory");
	}
	if (single)
		json_object_put(single);
	return rc ? -1 : 0;
}

static int parse_root(struct ctx *c, json_object *root)
{
	/* OCI's fields; containers-common's defaultErrno; Docker's archMap;
	 * security-profiles-operator's baseProfileName and disabled. */
	static const char *const keys[] = { "defaultAction", "defaultErrnoRet", "defaultErrno", "architectures",
					    "archMap", "syscalls", "flags", "listenerPath", "listenerMetadata",
					    "baseProfileName", "disabled", NULL };
	if (!json_object_is_type(root, json_type_object))
		return parse_bad(c, "the top level must be an object");
	if (!parse_only_keys(c, root, "top level", keys))
		return -1;
	json_object *v;
	if (json_object_object_get_ex(root, "listenerPath", &v) && !json_object_is_type(v, json_type_null))
		return parse_bad(c, "\"listenerPath\" is not supported (use SHIM_SECCOMP_MODE=complain)");
	/* The operator unions a base profile in before it writes the file; one
	 * still named here was not resolved, and a disabled one is not a profile. */
	if (json_object_object_get_ex(root, "baseProfileName", &v) && !json_object_is_type(v, json_type_null) &&
	    (!json_object_is_type(v, json_type_string) || *json_object_get_string(v)))
		return parse_bad(c, "\"baseProfileName\" is not supported: give the profile with its base merged in");
	if (json_object_object_get_ex(root, "disabled", &v) && !json_object_is_type(v, json_type_null) &&
	    (!json_object_is_type(v, json_type_boolean) || json_object_get_boolean(v)))
		return parse_bad(c, "\"disabled\" must be false: a disabled profile cannot be applied");

	uint32_t def;
	if (get_action(c, root, "defaultAction", "defaultErrnoRet", "defaultErrno", "top level", &def, NULL))
		return -1;
	c->rs.default_action = def;
	c->rs.enosys_above_max = def != SCMP_ACT_ALLOW && def != SCMP_ACT_LOG && def != SCMP_ACT_ERRNO(ENOSYS);
	c->rs.arch[0] = profile_arch();
	c->rs.max_nr[0] = -1;
	c->rs.narch = 1;

	if (dialect_arches(c, root) || dialect_flags(c, root))
		return -1;

	json_object *list;
	if (json_object_object_get_ex(root, "syscalls", &list) && !json_object_is_type(list, json_type_null)) {
		if (!json_object_is_type(list, json_type_array))
			return parse_bad(c, "\"syscalls\" must be an array");
		for (size_t i = 0; i < json_object_array_length(list); i++)
			if (load_rule(c, json_object_array_get_idx(list, i), i))
				return -1;
	}
	return 0;
}

int profile_parse(const char *json, size_t len, const char *source, struct ruleset *out, char **effective)
{
	struct ctx c = { .source = source };
	memset(out, 0, sizeof *out);
	if (effective)
		*effective = NULL;
	if (len == 0) {
		parse_bad(&c, "empty file");
		return EXIT_SECCOMP;
	}
	if (memchr(json, '\0', len)) {
		parse_bad(&c, "contains a NUL byte");
		return EXIT_SECCOMP;
	}

	json_tokener *tok = json_tokener_new_ex(MAX_DEPTH);
	if (!tok) {
		parse_bad(&c, "out of memory");
		return EXIT_SECCOMP;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	json_object *root = json_tokener_parse_ex(tok, json, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || jerr != json_tokener_success) {
		if (root)
			json_object_put(root);
		parse_bad(&c, "invalid JSON near byte %zu: %s", used,
		    jerr == json_tokener_continue ? "unexpected end of input" : json_tokener_error_desc(jerr));
		return EXIT_SECCOMP;
	}
	for (size_t i = used; i < len; i++) {
		if (json[i] != ' ' && json[i] != '\n' && json[i] != '\t' && json[i] != '\r') {
			json_object_put(root);
			parse_bad(&c, "trailing data after the JSON value at byte %zu", i);
			return EXIT_SECCOMP;
		}
	}
	size_t over = find_overflow(json, used);
	if (over < used) {
		json_object_put(root);
		parse_bad(&c, "the number at byte %zu: out of range (at most %llu)", over, (unsigned long long)UINT64_MAX);
		return EXIT_SECCOMP;
	}

	int rc = parse_root(&c, root);
	if (!rc && effective) {
		/* Step 4, print (print.c): the rule set as OCI JSON. */
		*effective = print_ruleset(&c.rs);
		if (!*effective)
			rc = parse_bad(&c, "out of memory");
	}
	json_object_put(root);
	if (rc) {
		ruleset_free(&c.rs);
		return EXIT_SECCOMP;
	}
	*out = c.rs;
	return 0;
}

