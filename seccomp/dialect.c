/* The profile dialects' own parts: the architectures (OCI's list, Docker's
 * archMap), Docker's includes and excludes, the flags; and the target
 * architecture they are read for. */
#include "profile.h"

#include <seccomp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "log.h"
#include "parse_ctx.h"

int parse_bad(struct ctx *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	log_error("seccomp profile %s: %s", c->source, msg);
	c->failed = true;
	return -1;
}

bool parse_only_keys(struct ctx *c, json_object *obj, const char *where, const char *const *keys)
{
	json_object_object_foreach(obj, key, val) {
		(void)val;
		bool known = false;
		for (const char *const *k = keys; *k; k++)
			if (!strcmp(key, *k))
				known = true;
		if (!known) {
			parse_bad(c, "%s: unknown field \"%s\"", where, key);
			return false;
		}
	}
	return true;
}

/* The architecture filters are compiled for: this machine's, or the build
 * target's when bpfgen cross-compiles the embedded profiles. */
static uint32_t target_arch;

int profile_set_arch(const char *name)
{
	if (!strcmp(name, "x86_64"))
		target_arch = SCMP_ARCH_X86_64;
	else if (!strcmp(name, "aarch64"))
		target_arch = SCMP_ARCH_AARCH64;
	else
		return -1;
	return 0;
}

uint32_t profile_arch(void)
{
	return target_arch ? target_arch : seccomp_arch_native();
}

static bool in_string_array(json_object *arr, const char *s)
{
	size_t n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		if (json_object_is_type(v, json_type_string) && !strcmp(json_object_get_string(v), s))
			return true;
	}
	return false;
}

static const char *docker_arch(void)
{
	uint32_t native = profile_arch();
	if (native == SCMP_ARCH_X86_64)
		return "amd64";
	if (native == SCMP_ARCH_AARCH64)
		return "arm64";
	return "";
}

/* "major.minor" of a release string; the rest is ignored. */
static unsigned long version_of(const char *s)
{
	char *end;
	unsigned long major = strtoul(s, &end, 10), minor = 0;
	if (*end == '.')
		minor = strtoul(end + 1, NULL, 10);
	return major * 100000 + minor;
}

static bool kernel_at_least(const char *version)
{
	struct utsname u;
	return uname(&u) == 0 && version_of(u.release) >= version_of(version);
}

/* Docker's includes/excludes, evaluated as Docker does for a process with no
 * capabilities (ours, after the drop). Returns 1 to keep, 0 to skip, -1 bad. */
int dialect_applies(struct ctx *c, json_object *rule, const char *where)
{
	json_object *inc, *exc, *v;
	static const char *const inc_keys[] = { "caps", "arches", "minKernel", NULL };
	static const char *const exc_keys[] = { "caps", "arches", NULL };
	if (json_object_object_get_ex(rule, "includes", &inc) && !json_object_is_type(inc, json_type_null)) {
		if (!json_object_is_type(inc, json_type_object) || !parse_only_keys(c, inc, where, inc_keys))
			return c->failed ? -1 : parse_bad(c, "%s: \"includes\" must be an object", where);
		if (json_object_object_get_ex(inc, "caps", &v) && json_object_is_type(v, json_type_array) &&
		    json_object_array_length(v) > 0)
			return 0;
		if (json_object_object_get_ex(inc, "arches", &v) && json_object_is_type(v, json_type_array) &&
		    json_object_array_length(v) > 0 && !in_string_array(v, docker_arch()))
			return 0;
		if (json_object_object_get_ex(inc, "minKernel", &v) && json_object_is_type(v, json_type_string) &&
		    !kernel_at_least(json_object_get_string(v)))
			return 0;
	}
	if (json_object_object_get_ex(rule, "excludes", &exc) && !json_object_is_type(exc, json_type_null)) {
		if (!json_object_is_type(exc, json_type_object) || !parse_only_keys(c, exc, where, exc_keys))
			return c->failed ? -1 : parse_bad(c, "%s: \"excludes\" must be an object", where);
		if (json_object_object_get_ex(exc, "arches", &v) && json_object_is_type(v, json_type_array) &&
		    in_string_array(v, docker_arch()))
			return 0;
	}
	return 1;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token. */
static uint32_t resolve_arch(const char *name)
{
	char lower[32];
	if (strncmp(name, "SCMP_ARCH_", 10) || strlen(name + 10) >= sizeof lower)
		return 0;
	size_t i = 0;
	for (const char *p = name + 10; *p; p++)
		lower[i++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	lower[i] = '\0';
	return seccomp_arch_resolve_name(lower);
}

static int add_arch(struct ctx *c, const char *name)
{
	uint32_t arch = resolve_arch(name);
	if (!arch)
		return parse_bad(c, "unknown architecture \"%s\"", name);
	unsigned a = 0;
	while (a < c->rs.narch && c->rs.arch[a] != arch)
		a++;
	if (a == c->rs.narch) {
		if (c->rs.narch == RULESET_MAX_ARCH)
			return parse_bad(c, "too many architectures");
		c->rs.arch[c->rs.narch] = arch;
		c->rs.max_nr[c->rs.narch++] = -1;
	}
	return 0;
}

static const char *native_arch_name(void)
{
	uint32_t native = profile_arch();
	if (native == SCMP_ARCH_X86_64)
		return "SCMP_ARCH_X86_64";
	if (native == SCMP_ARCH_AARCH64)
		return "SCMP_ARCH_AARCH64";
	return NULL;
}

int dialect_arches(struct ctx *c, json_object *root)
{
	json_object *list;
	if (json_object_object_get_ex(root, "archMap", &list) && !json_object_is_type(list, json_type_null)) {
		/* Docker: the entry for this machine brings its sub-architectures. */
		if (!json_object_is_type(list, json_type_array))
			return parse_bad(c, "\"archMap\" must be an array");
		const char *native = native_arch_name();
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			json_object *m = json_object_array_get_idx(list, i), *a, *subs;
			if (!json_object_is_type(m, json_type_object) ||
			    !json_object_object_get_ex(m, "architecture", &a) ||
			    !json_object_is_type(a, json_type_string))
				return parse_bad(c, "archMap[%zu]: expected {\"architecture\": ..., \"subArchitectures\": [...]}", i);
			if (!resolve_arch(json_object_get_string(a)))
				return parse_bad(c, "unknown architecture \"%s\"", json_object_get_string(a));
			if (!native || strcmp(json_object_get_string(a), native))
				continue;
			if (add_arch(c, native))
				return -1;
			if (json_object_object_get_ex(m, "subArchitectures", &subs) &&
			    !json_object_is_type(subs, json_type_null)) {
				if (!json_object_is_type(subs, json_type_array))
					return parse_bad(c, "archMap[%zu].subArchitectures must be an array", i);
				for (size_t j = 0; j < json_object_array_length(subs); j++) {
					json_object *s = json_object_array_get_idx(subs, j);
					if (!json_object_is_type(s, json_type_string))
						return parse_bad(c, "archMap[%zu].subArchitectures must hold strings", i);
					if (add_arch(c, json_object_get_string(s)))
						return -1;
				}
			}
		}
		return 0;
	}
	if (!json_object_object_get_ex(root, "architectures", &list) || json_object_is_type(list, json_type_null)) {
		/* Native only (arch[0]): printed, so the printed profile is explicit. */
		return 0;
	}
	if (!json_object_is_type(list, json_type_array))
		return parse_bad(c, "\"architectures\" must be an array");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *a = json_object_array_get_idx(list, i);
		if (!json_object_is_type(a, json_type_string))
			return parse_bad(c, "\"architectures\" must hold strings");
		if (add_arch(c, json_object_get_string(a)))
			return -1;
	}
	return 0;
}

int dialect_flags(struct ctx *c, json_object *root)
{
	/* In print.c's bit order. TSYNC: the child is single-threaded when it installs. */
	static const char *const known[] = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
					     "SECCOMP_FILTER_FLAG_TSYNC" };
	json_object *list;
	if (!json_object_object_get_ex(root, "flags", &list) || json_object_is_type(list, json_type_null))
		return 0;
	if (!json_object_is_type(list, json_type_array))
		return parse_bad(c, "\"flags\" must be an array");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *f = json_object_array_get_idx(list, i);
		const char *name = json_object_is_type(f, json_type_string) ? json_object_get_string(f) : "";
		unsigned k = 0;
		while (k < sizeof known / sizeof *known && strcmp(name, known[k]))
			k++;
		if (k == sizeof known / sizeof *known)
			return parse_bad(c, "unknown or unsupported flag \"%s\"", name);
		c->rs.flags |= 1u << k;
	}
	return 0;
}

