/* --merge-profile --review: learn mode's review files merged, and the check
 * that the profiles were learned from one base (their baseSha256, the sha256
 * of the base's --print-profile text, as learn mode's restart merge uses). */
#include "merge_review.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exitcode.h"
#include "log.h"
#include "profile_file.h"
#include "ruleset.h"

static const char *get_string(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v) : NULL;
}

static bool get_int(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int) &&
	       json_object_get_int64(v) >= 0 && json_object_get_int64(v) <= INT32_MAX;
}

static bool is_status(const char *s)
{
	return s && (!strcmp(s, "assumed") || !strcmp(s, "observed") || !strcmp(s, "outside-base"));
}

static int bad_review(const char *file, const char *what)
{
	log_error("--merge-profile: %s %s: not a review file learn mode writes", file, what);
	return EXIT_SECCOMP;
}

/* What learn_merge_existing asks of a review file. */
static int check(const char *file, json_object *root)
{
	json_object *list;
	if (!json_object_is_type(root, json_type_object) || !get_string(root, "base") ||
	    !get_string(root, "baseSha256") || !json_object_object_get_ex(root, "syscalls", &list) ||
	    !json_object_is_type(list, json_type_array))
		return bad_review(file, "lacks its base, baseSha256 or syscalls");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i);
		const char *status = json_object_is_type(e, json_type_object) ? get_string(e, "status") : NULL;
		bool traced = status && strcmp(status, "assumed");
		if (!get_string(e, "name") || !get_int(e, "nr") || !is_status(status) ||
		    (traced && (!get_int(e, "pid") || !get_string(e, "comm")))) {
			char what[96];
			snprintf(what, sizeof what, "has a syscalls entry (%zu) without its name, nr, status, pid or comm", i);
			return bad_review(file, what);
		}
	}
	return 0;
}

int review_read(const char *path, json_object **out)
{
	char file[4096];
	struct stat st;
	*out = NULL;
	if ((size_t)snprintf(file, sizeof file, "%s.review.json", path) >= sizeof file) {
		log_error("--merge-profile: %s: path too long", path);
		return EXIT_SECCOMP;
	}
	if (stat(file, &st) && errno == ENOENT) {
		log_error("--merge-profile: %s has no review file %s, which says which base it was learned from "
			  "(copy it out with the profile)", path, file);
		return EXIT_SECCOMP;
	}
	size_t len;
	char *data = profile_read_file(file, &len);
	if (!data)
		return EXIT_SECCOMP;
	enum json_tokener_error jerr;
	*out = json_tokener_parse_verbose(data, &jerr);
	free(data);
	if (!*out) {
		log_error("--merge-profile: %s is not JSON (%s)", file, json_tokener_error_desc(jerr));
		return EXIT_SECCOMP;
	}
	return check(file, *out);
}

static bool review_lists(json_object *review, const char *name)
{
	json_object *list;
	json_object_object_get_ex(review, "syscalls", &list);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *e = json_object_array_get_idx(list, i);
		if (!strcmp(get_string(e, "name"), name) && strcmp(get_string(e, "status"), "outside-base"))
			return true;
	}
	return false;
}

static bool profile_allows(const struct ruleset *rs, const char *name)
{
	for (unsigned i = 0; i < rs->nrules; i++)
		if (rs->rules[i].action == SCMP_ACT_ALLOW && !strcmp(rs->rules[i].name, name))
			return true;
	return false;
}

int review_matches(const char *path, json_object *review, const struct ruleset *rs)
{
	const char *extra = NULL, *missing = NULL;
	for (unsigned i = 0; i < rs->nrules && !extra; i++)
		if (rs->rules[i].action == SCMP_ACT_ALLOW && !review_lists(review, rs->rules[i].name))
			extra = rs->rules[i].name;
	json_object *list;
	json_object_object_get_ex(review, "syscalls", &list);
	for (size_t i = 0; i < json_object_array_length(list) && !extra && !missing; i++) {
		json_object *e = json_object_array_get_idx(list, i);
		if (strcmp(get_string(e, "status"), "outside-base") && !profile_allows(rs, get_string(e, "name")))
			missing = get_string(e, "name");
	}
	if (!extra && !missing)
		return 0;
	log_error("--merge-profile: %s %s %s, which its review file %s: merge profiles as learn mode wrote them, "
		  "with their own review files", path, extra ? "allows" : "does not allow", extra ? extra : missing,
		  extra ? "does not list" : "lists as learned");
	return EXIT_SECCOMP;
}

int review_same_base(char *const *paths, json_object *const *reviews, size_t n)
{
	const char *sha = get_string(reviews[0], "baseSha256");
	for (size_t i = 1; i < n; i++) {
		const char *other = get_string(reviews[i], "baseSha256");
		if (strcmp(sha, other)) {
			log_error("--merge-profile: %s was learned from base %s (sha256 %.12s), %s from base %s "
				  "(sha256 %.12s): merge only profiles learned from the same base", paths[i],
				  get_string(reviews[i], "base"), other, paths[0], get_string(reviews[0], "base"), sha);
			return EXIT_SECCOMP;
		}
	}
	return 0;
}

struct entry {
	json_object *e;
	const char *name;
	bool outside;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (int)x->outside - (int)y->outside;
}

/* A learned argument rule's key: its base rule and conditions, not who made it. */
static const char *arg_key(json_object *a, char *buf, size_t size)
{
	json_object *rule = NULL, *args = NULL;
	json_object_object_get_ex(a, "rule", &rule);
	json_object_object_get_ex(a, "args", &args);
	snprintf(buf, size, "%s %s", rule ? json_object_to_json_string_ext(rule, JSON_C_TO_STRING_PLAIN) : "-",
		 args ? json_object_to_json_string_ext(args, JSON_C_TO_STRING_PLAIN) : "-");
	return buf;
}

static int cmp_arg(const void *a, const void *b)
{
	char x[512], y[512];
	return strcmp(arg_key(*(json_object *const *)a, x, sizeof x), arg_key(*(json_object *const *)b, y, sizeof y));
}

/* The inputs' learned argument rules for call NAME, once each and sorted,
 * as a new array; NULL when an input learned NAME without them (then the
 * base's rules for it apply, as its profile says, and so in the merge). */
static json_object *merged_arguments(json_object *const *reviews, size_t n, const char *name)
{
	json_object *out = json_object_new_array(), *list, *args;
	bool any = false;
	for (size_t i = 0; out && i < n; i++) {
		json_object_object_get_ex(reviews[i], "syscalls", &list);
		for (size_t j = 0; j < json_object_array_length(list); j++) {
			json_object *e = json_object_array_get_idx(list, j);
			if (strcmp(get_string(e, "name"), name) || !strcmp(get_string(e, "status"), "outside-base"))
				continue;
			if (!json_object_object_get_ex(e, "arguments", &args) ||
			    !json_object_is_type(args, json_type_array)) {
				any = true;
				continue;
			}
			for (size_t k = 0; k < json_object_array_length(args); k++) {
				json_object *a = json_object_array_get_idx(args, k);
				char x[512], y[512];
				bool seen = false;
				for (size_t m = 0; m < json_object_array_length(out) && !seen; m++)
					seen = !strcmp(arg_key(a, x, sizeof x),
						       arg_key(json_object_array_get_idx(out, m), y, sizeof y));
				if (!seen)
					json_object_array_add(out, json_object_get(a));
			}
		}
	}
	if (any) {
		json_object_put(out);
		return NULL;
	}
	if (out)
		json_object_array_sort(out, cmp_arg);
	return out;
}

int review_print_merged(char *const *paths, json_object *const *reviews, size_t n)
{
	size_t total = 0, count = 0;
	json_object *list;
	for (size_t i = 0; i < n; i++)
		if (json_object_object_get_ex(reviews[i], "syscalls", &list))
			total += json_object_array_length(list);
	struct entry *all = malloc((total ? total : 1) * sizeof *all);
	if (!all) {
		log_error("--merge-profile: out of memory");
		return EXIT_SYSTEM;
	}
	/* One entry per call and side (inside the base, outside it); an
	 * observed entry replaces an assumed one, the first of each kind stays. */
	for (size_t i = 0; i < n; i++) {
		json_object_object_get_ex(reviews[i], "syscalls", &list);
		for (size_t j = 0; j < json_object_array_length(list); j++) {
			json_object *e = json_object_array_get_idx(list, j);
			const char *status = get_string(e, "status");
			struct entry cand = { e, get_string(e, "name"), !strcmp(status, "outside-base") };
			size_t k = 0;
			while (k < count && (strcmp(all[k].name, cand.name) || all[k].outside != cand.outside))
				k++;
			if (k == count)
				all[count++] = cand;
			else if (!strcmp(status, "observed") && !strcmp(get_string(all[k].e, "status"), "assumed"))
				all[k] = cand;
		}
	}
	qsort(all, count, sizeof *all, cmp_entry);
	unsigned counts[3] = { 0 };
	json_object *root = json_object_new_object(), *from = json_object_new_array(), *out = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(from, json_object_new_string(paths[i]));
	for (size_t k = 0; k < count; k++) {
		const char *status = get_string(all[k].e, "status");
		counts[!strcmp(status, "assumed") ? 0 : !strcmp(status, "observed") ? 1 : 2]++;
		json_object *e = NULL;
		if (json_object_deep_copy(all[k].e, &e, NULL)) {
			free(all);
			json_object_put(root);
			log_error("--merge-profile: out of memory");
			return EXIT_SYSTEM;
		}
		json_object_object_del(e, "arguments");
		json_object *args = all[k].outside ? NULL : merged_arguments(reviews, n, all[k].name);
		if (args)
			json_object_object_add(e, "arguments", args);
		json_object_array_add(out, e);
	}
	free(all);
	json_object_object_add(root, "mergedFrom", from);
	json_object_object_add(root, "base", json_object_new_string(get_string(reviews[0], "base")));
	json_object_object_add(root, "baseSha256", json_object_new_string(get_string(reviews[0], "baseSha256")));
	json_object_object_add(root, "assumed", json_object_new_int64(counts[0]));
	json_object_object_add(root, "observed", json_object_new_int64(counts[1]));
	json_object_object_add(root, "outsideBase", json_object_new_int64(counts[2]));
	json_object_object_add(root, "syscalls", out);
	const char *text = json_object_to_json_string_ext(
		root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
	int ok = text && fputs(text, stdout) >= 0 && fputc('\n', stdout) != EOF && fflush(stdout) == 0;
	int err = errno;
	json_object_put(root);
	if (!ok) {
		log_error("writing the review file to stdout: %s", strerror(err));
		return EXIT_SYSTEM;
	}
	return 0;
}
