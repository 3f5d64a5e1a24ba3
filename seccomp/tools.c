/* The profile tools: --print-profile, --compile-profile, --export-profile. */
#include "tools.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "exitcode.h"
#include "export_data.h"    /* seccomp/k8s-base.json and seccomp/pid1.json */
#include "log.h"
#include "profile.h"
#include "profile_file.h"

int tools_print_profile(const char *setting)
{
	size_t len;
	const char *text = embedded_default_json(&len);
	char *data = NULL, *effective = NULL;
	if (!strcmp(setting, "off")) {
		log_error("SHIM_SECCOMP=off: there is no profile to print");
		return EXIT_SECCOMP;
	}
	if (strcmp(setting, "default")) {
		data = profile_read_json(setting, &len, "seccomp profile ",
					 ": a compiled BPF file has no JSON form; print its source");
		if (!data)
			return EXIT_SECCOMP;
		text = data;
	}
	struct filter_pair pair;
	int rc = profile_compile_libseccomp(text, len, strcmp(setting, "default") ? setting : "default", &pair, &effective);
	free(data);
	if (rc)
		return rc;
	filter_pair_free(&pair);
	int ok = fputs(effective, stdout) >= 0 && fputc('\n', stdout) != EOF && fflush(stdout) == 0;
	free(effective);
	if (!ok) {
		log_error("writing the profile to stdout: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	return 0;
}

int tools_compile_profile(const char *in, const char *out)
{
	size_t len = 0;
	char *data = profile_read_json(in, &len, "seccomp profile ", ": already compiled");
	if (!data)
		return EXIT_SECCOMP;
	struct filter_pair pair;
	/* The operator compiling a profile is told why a program is not the
	 * range program (an info line at run time). */
	enum log_level level = log_get_level();
	if (level < LOG_LEVEL_INFO)
		log_set_level(LOG_LEVEL_INFO);
	int rc = profile_compile(data, len, in, &pair, NULL, PROFILE_BOTH);
	log_set_level(level);
	free(data);
	if (rc)
		return rc;

	rc = bpf_file_write(out, &pair);
	/* What was written, for the operator's record (and review). */
	if (!rc && (printf("%s: enforce %u instructions (%s), complain %u (%s)\n", out, pair.enforce_len,
			   pair.enforce_range ? "range program" : "libseccomp's program", pair.complain_len,
			   pair.complain_range ? "range program" : "libseccomp's program") < 0 ||
		    fflush(stdout))) {
		log_error("stdout: %s", strerror(errno));
		rc = EXIT_SYSTEM;
	}
	filter_pair_free(&pair);
	return rc;
}

/* The profile as the shim reads it (Docker's includes resolved), as JSON. */
static json_object *effective_of(const char *text, size_t len, const char *source)
{
	struct filter_pair pair;
	char *effective = NULL;
	if (profile_compile_libseccomp(text, len, source, &pair, &effective))
		return NULL;
	filter_pair_free(&pair);
	json_object *o = json_tokener_parse(effective);
	free(effective);
	return o;
}

static bool rule_names(json_object *rule, const char *name)
{
	json_object *names;
	if (!json_object_object_get_ex(rule, "names", &names))
		return false;
	for (size_t i = 0; i < json_object_array_length(names); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(names, i)), name))
			return true;
	return false;
}

static bool mentions(json_object *syscalls, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(syscalls); i++)
		if (rule_names(json_object_array_get_idx(syscalls, i), name))
			return true;
	return false;
}

/* Whether IN allows NAME only with some arguments (a learned profile's
 * argument rules): the runtime's init and PID 1 make it with their own. */
static bool allows_only_some(json_object *syscalls, const char *name)
{
	bool some = false;
	for (size_t i = 0; i < json_object_array_length(syscalls); i++) {
		json_object *rule = json_object_array_get_idx(syscalls, i), *action, *args;
		if (!rule_names(rule, name) || !json_object_object_get_ex(rule, "action", &action) ||
		    strcmp(json_object_get_string(action), "SCMP_ACT_ALLOW"))
			continue;
		if (!json_object_object_get_ex(rule, "args", &args) || !json_object_array_length(args))
			return false;
		some = true;
	}
	return some;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The node-level additions: each needed name IN does not mention, or allows
 * only with some arguments, as a plain allow, or with the default profile's
 * rules where the default checks arguments. */
static int add_node_calls(json_object *profile, json_object *syscalls, json_object *defaults)
{
	json_object *base = json_tokener_parse(export_k8s_base_json);
	json_object *pid1 = json_tokener_parse(export_pid1_json);
	const char *names[512];
	size_t n = 0;
	int rc = 0;
	json_object *lists[3] = { NULL, NULL, NULL }, *part, *rules;
	if (!base || !pid1) {
		rc = -1;
		goto out;
	}
	if (json_object_object_get_ex(base, "runtime", &part))
		json_object_object_get_ex(part, "names", &lists[0]);
	if (json_object_object_get_ex(base, "shim", &part))
		json_object_object_get_ex(part, "names", &lists[1]);
	if (json_object_object_get_ex(pid1, "syscalls", &rules) && json_object_array_length(rules) > 0)
		json_object_object_get_ex(json_object_array_get_idx(rules, 0), "names", &lists[2]);
	for (int l = 0; l < 3; l++) {
		for (size_t i = 0; lists[l] && i < json_object_array_length(lists[l]) && n < 512; i++) {
			const char *s = json_object_get_string(json_object_array_get_idx(lists[l], i));
			bool dup = false;
			for (size_t j = 0; j < n && !dup; j++)
				dup = !strcmp(names[j], s);
			if (!dup && (!mentions(syscalls, s) || allows_only_some(syscalls, s)))
				names[n++] = s;
		}
	}
	qsort(names, n, sizeof *names, cmp_str);
	json_object *plain = json_object_new_array();
	json_object *conditional = json_object_new_array();
	json_object *def_rules, *own = NULL;
	json_object_object_get_ex(defaults, "syscalls", &def_rules);
	/* The shim's own argument rules where it needs less than the default's. */
	if (json_object_object_get_ex(base, "shim", &part))
		json_object_object_get_ex(part, "arguments", &own);
	for (size_t i = 0; i < n; i++) {
		bool checked = false, has_own = false;
		for (size_t r = 0; own && r < json_object_array_length(own); r++)
			has_own |= rule_names(json_object_array_get_idx(own, r), names[i]);
		json_object *from = has_own ? own : def_rules;
		for (size_t r = 0; r < json_object_array_length(from); r++) {
			json_object *rule = json_object_array_get_idx(from, r), *action, *args;
			json_object_object_get_ex(rule, "action", &action);
			if (!rule_names(rule, names[i]) || !json_object_object_get_ex(rule, "args", &args) ||
			    strcmp(json_object_get_string(action), "SCMP_ACT_ALLOW"))
				continue;
			checked = true;
			json_object *copy = json_object_new_object(), *one = json_object_new_array();
			json_object_array_add(one, json_object_new_string(names[i]));
			json_object_object_add(copy, "names", one);
			json_object_object_add(copy, "action", json_object_new_string("SCMP_ACT_ALLOW"));
			json_object_object_add(copy, "args", json_object_get(args));
			json_object_array_add(conditional, copy);
		}
		if (!checked)
			json_object_array_add(plain, json_object_new_string(names[i]));
	}
	/* First, so a reader sees what was added; then IN's rules. */
	json_object *all = json_object_new_array();
	if (json_object_array_length(plain)) {
		json_object *rule = json_object_new_object();
		json_object_object_add(rule, "names", json_object_get(plain));
		json_object_object_add(rule, "action", json_object_new_string("SCMP_ACT_ALLOW"));
		json_object_array_add(all, rule);
	}
	for (size_t i = 0; i < json_object_array_length(conditional); i++)
		json_object_array_add(all, json_object_get(json_object_array_get_idx(conditional, i)));
	for (size_t i = 0; i < json_object_array_length(syscalls); i++)
		json_object_array_add(all, json_object_get(json_object_array_get_idx(syscalls, i)));
	json_object_object_add(profile, "syscalls", all);
	json_object_put(plain);
	json_object_put(conditional);
out:
	if (base)
		json_object_put(base);
	if (pid1)
		json_object_put(pid1);
	return rc;
}

/* A Kubernetes object name: a DNS-1123 subdomain (dot-separated labels of
 * lower-case letters, digits and '-', each starting and ending with a letter
 * or digit; at most 253 characters in all). */
static bool dns1123_subdomain(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i], prev = i ? s[i - 1] : '.', next = i + 1 < n ? s[i + 1] : '.';
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && c != '-' && c != '.')
			return false;
		if (c != '.' ? !alnum && (prev == '.' || next == '.') : prev == '.' || next == '.')
			return false;
	}
	return true;
}

int tools_export_profile(const char *format, const char *in, const char *name)
{
	bool spo = !strcmp(format, "spo");
	if (!spo && strcmp(format, "localhost")) {
		log_error("--export-profile %s: expected localhost or spo", format);
		return EXIT_USAGE;
	}
	if (spo != (name != NULL)) {
		log_error("usage: shim --export-profile localhost IN.json | --export-profile spo IN.json NAME");
		return EXIT_USAGE;
	}
	if (spo && !dns1123_subdomain(name)) {
		log_error("spo: NAME \"%.64s%s\" is not a Kubernetes object name: use at most 253 "
			  "lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
			  name, strlen(name) > 64 ? "..." : "");
		return EXIT_USAGE;
	}
	size_t len = 0;
	char *data = profile_read_json(in, &len, "seccomp profile ",
				       ": a compiled BPF file has no JSON form; export its source");
	if (!data)
		return EXIT_SECCOMP;
	json_object *profile = effective_of(data, len, in);
	free(data);
	enum log_level level = log_get_level();
	log_set_level(LOG_LEVEL_ERROR); /* the default's skipped names were reported at build time */
	size_t default_len;
	const char *default_text = embedded_default_json(&default_len);
	json_object *defaults = effective_of(default_text, default_len, "default");
	log_set_level(level);
	json_object *syscalls;
	if (!profile || !defaults || !json_object_object_get_ex(profile, "syscalls", &syscalls) ||
	    add_node_calls(profile, syscalls, defaults)) {
		if (profile)
			json_object_put(profile);
		if (defaults)
			json_object_put(defaults);
		return EXIT_SECCOMP;
	}
	json_object *out = profile;
	if (spo) {
		/* The SeccompProfile CRD has no defaultErrnoRet (the runtime's
		 * EPERM applies) and no flags. v1beta1: the version SPO 0.9 and
		 * 1.x both serve (1.x also serves v1, which 0.9 does not know). */
		json_object *v;
		if (json_object_object_get_ex(profile, "defaultErrnoRet", &v))
			log_warn("the SeccompProfile CRD has no defaultErrnoRet: calls outside the profile get EPERM "
				 "instead of %s", json_object_get_string(v));
		json_object_object_del(profile, "defaultErrnoRet");
		json_object_object_del(profile, "flags");
		out = json_object_new_object();
		json_object *meta = json_object_new_object();
		json_object_object_add(out, "apiVersion", json_object_new_string("security-profiles-operator.x-k8s.io/v1beta1"));
		json_object_object_add(out, "kind", json_object_new_string("SeccompProfile"));
		json_object_object_add(meta, "name", json_object_new_string(name));
		json_object_object_add(out, "metadata", meta);
		json_object_object_add(out, "spec", profile);
	}
	const char *text = json_object_to_json_string_ext(
		out, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	int ok = text && fputs(text, stdout) >= 0 && fputc('\n', stdout) != EOF && fflush(stdout) == 0;
	int err = errno;
	json_object_put(out);
	json_object_put(defaults);
	if (!ok) {
		log_error("writing the profile to stdout: %s", strerror(err));
		return EXIT_SYSTEM;
	}
	return 0;
}

int tools_learned(const char *what, const char *file, const char *name)
{
	bool review = !strcmp(what, "review");
	if (!strcmp(what, "localhost") || !strcmp(what, "spo")) {
		if (!file)
			goto unset;
		return tools_export_profile(what, file, name);
	}
	if ((!review && strcmp(what, "profile")) || name) {
		log_error("usage: shim --learned [profile|review|localhost|spo NAME]");
		return EXIT_USAGE;
	}
	if (!file)
		goto unset;
	char path[4096];
	int n = snprintf(path, sizeof path, "%s%s", file, review ? ".review.json" : "");
	if (n < 0 || (size_t)n >= sizeof path) {
		log_error("SHIM_LEARN_FILE=\"%s\": path too long", file);
		return EXIT_CONFIG;
	}
	size_t len = 0;
	char *data = profile_read_file(path, &len);
	if (!data)
		return EXIT_SECCOMP;
	json_object *check = review ? json_tokener_parse(data) : effective_of(data, len, path);
	if (!check) {
		free(data);
		if (review)
			log_error("%s: not JSON (learn mode did not write it whole)", path);
		return EXIT_SECCOMP;
	}
	json_object_put(check);
	int ok = fwrite(data, 1, len, stdout) == len && fflush(stdout) == 0;
	int err = errno;
	free(data);
	if (!ok) {
		log_error("writing %s to stdout: %s", path, strerror(err));
		return EXIT_SYSTEM;
	}
	return 0;
unset:
	log_error("--learned: SHIM_LEARN_FILE is not set: run it in the learning container "
		  "(kubectl exec POD -- /shim --learned), where learn mode set it");
	return EXIT_CONFIG;
}
