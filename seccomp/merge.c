/* --merge-profile: learned profiles united as rule sets (what each allows,
 * once), printed as the profile printer prints any rule set. */
#include "merge.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "log.h"
#include "merge_review.h"
#include "print.h"
#include "profile.h"
#include "profile_file.h"

static bool same_args(const struct rule *a, const struct rule *b)
{
	if (a->nargs != b->nargs || a->any != b->any)
		return false;
	for (unsigned k = 0; k < a->nargs; k++)
		if (a->args[k].index != b->args[k].index || a->args[k].op != b->args[k].op ||
		    a->args[k].a != b->args[k].a || a->args[k].b != b->args[k].b)
			return false;
	return true;
}

static bool same_rule(const struct rule *a, const struct rule *b)
{
	return a->action == b->action && !strcmp(a->name, b->name) && same_args(a, b);
}

static bool listed(const struct ruleset *rs, const struct rule *r)
{
	for (unsigned i = 0; i < rs->nrules; i++)
		if (same_rule(&rs->rules[i], r))
			return true;
	return false;
}

static bool uncond_allow(const struct rule *r)
{
	return r->action == SCMP_ACT_ALLOW && !r->nargs;
}

/* Whether some input allows NAME for any arguments. */
static bool allowed_always(const struct ruleset *in, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		for (unsigned j = 0; j < in[i].nrules; j++)
			if (uncond_allow(&in[i].rules[j]) && !strcmp(in[i].rules[j].name, name))
				return true;
	return false;
}

struct ref {
	const struct rule *r;
};

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* By name, then by conditions: the output does not depend on the inputs'
 * order (the merge commutes), and allow rules decide the same in any order. */
static int cmp_ref(const void *a, const void *b)
{
	const struct rule *x = ((const struct ref *)a)->r, *y = ((const struct ref *)b)->r;
	int c = strcmp(x->name, y->name);
	if (c || (c = cmp_u64(x->nargs, y->nargs)) || (c = cmp_u64(x->any, y->any)))
		return c;
	for (unsigned k = 0; k < x->nargs; k++)
		if ((c = cmp_u64(x->args[k].index, y->args[k].index)) || (c = cmp_u64(x->args[k].op, y->args[k].op)) ||
		    (c = cmp_u64(x->args[k].a, y->args[k].a)) || (c = cmp_u64(x->args[k].b, y->args[k].b)))
			return c;
	return 0;
}

static int header_differs(const struct ruleset *a, const struct ruleset *b, char *why, size_t why_len)
{
	const char *what = a->default_action != b->default_action ? "default actions"
			 : a->flags != b->flags ? "flags"
			 : a->narch != b->narch || memcmp(a->arch, b->arch, a->narch * sizeof *a->arch) ? "architectures"
			 : NULL;
	if (what)
		snprintf(why, why_len, "%s differ", what);
	return what != NULL;
}

int merge_rulesets(const struct ruleset *in, size_t n, struct ruleset *out, char *why, size_t why_len)
{
	*out = in[0];
	out->rules = NULL;
	out->nrules = out->cap = 0;
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (header_differs(&in[0], &in[i], why, why_len))
			return 1;
		for (unsigned a = 0; a < out->narch; a++)
			if (in[i].max_nr[a] > out->max_nr[a])
				out->max_nr[a] = in[i].max_nr[a];
		total += in[i].nrules;
	}
	struct ref *allow = malloc((total ? total : 1) * sizeof *allow);
	if (!allow)
		return -1;
	size_t nallow = 0;
	for (size_t i = 0; i < n; i++)
		for (unsigned j = 0; j < in[i].nrules; j++)
			if (in[i].rules[j].action == SCMP_ACT_ALLOW)
				allow[nallow++] = (struct ref){ &in[i].rules[j] };
	qsort(allow, nallow, sizeof *allow, cmp_ref);
	int rc = 0;
	unsigned group = 0;
	/* The calls allowed for any arguments: one entry, as learn mode writes. */
	for (size_t k = 0; k < nallow && !rc; k++) {
		struct rule r = *allow[k].r;
		if (!uncond_allow(&r) || listed(out, &r))
			continue;
		r.group = group;
		rc = ruleset_add(out, &r);
	}
	group += out->nrules > 0;
	/* The argument-checked ones: an entry each, unless the call is allowed
	 * for any arguments anyway. */
	for (size_t k = 0; k < nallow && !rc; k++) {
		struct rule r = *allow[k].r;
		if (uncond_allow(&r) || listed(out, &r) || allowed_always(in, n, r.name))
			continue;
		r.group = group++;
		rc = ruleset_add(out, &r);
	}
	/* The rest, as the inputs keep them (the same base's, verbatim). */
	for (size_t i = 0; i < n && !rc; i++) {
		for (unsigned j = 0; j < in[i].nrules && !rc; j++) {
			struct rule r = in[i].rules[j];
			if (r.action == SCMP_ACT_ALLOW || listed(out, &r))
				continue;
			bool same_entry = j > 0 && in[i].rules[j - 1].group == r.group && out->nrules &&
					  in[i].rules[j - 1].action != SCMP_ACT_ALLOW &&
					  same_rule(&out->rules[out->nrules - 1], &in[i].rules[j - 1]);
			r.group = same_entry ? out->rules[out->nrules - 1].group : group++;
			rc = ruleset_add(out, &r);
		}
	}
	free(allow);
	if (rc) {
		ruleset_free(out);
		return -1;
	}
	return 0;
}

static int print_merged(const struct ruleset *rs, size_t n)
{
	char why[128];
	struct ruleset merged;
	int rc = merge_rulesets(rs, n, &merged, why, sizeof why);
	if (rc) {
		if (rc > 0)
			log_error("--merge-profile: the profiles' %s: they were not learned from the same base", why);
		else
			log_error("--merge-profile: out of memory");
		return rc > 0 ? EXIT_SECCOMP : EXIT_SYSTEM;
	}
	char *text = print_ruleset(&merged);
	ruleset_free(&merged);
	if (!text) {
		log_error("--merge-profile: out of memory");
		return EXIT_SYSTEM;
	}
	int ok = fputs(text, stdout) >= 0 && fputc('\n', stdout) != EOF && fflush(stdout) == 0;
	free(text);
	if (!ok) {
		log_error("writing the profile to stdout: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	return 0;
}

int merge_profile_tool(char *const *paths, size_t n, bool review)
{
	struct ruleset *rs = calloc(n, sizeof *rs);
	json_object **reviews = calloc(n, sizeof *reviews);
	int rc = rs && reviews ? 0 : EXIT_SYSTEM;
	if (rc)
		log_error("--merge-profile: out of memory");
	for (size_t i = 0; i < n && !rc; i++) {
		size_t len;
		char *data = profile_read_json(paths[i], &len, "--merge-profile: ",
					       " is a compiled BPF file; merge the learned JSON profiles");
		if (!data) {
			rc = EXIT_SECCOMP;
			break;
		}
		rc = profile_parse(data, len, paths[i], &rs[i], NULL);
		free(data);
	}
	/* The review files: the base each profile was learned from. */
	for (size_t i = 0; i < n && !rc; i++)
		if (!(rc = review_read(paths[i], &reviews[i])))
			rc = review_matches(paths[i], reviews[i], &rs[i]);
	if (!rc)
		rc = review_same_base(paths, reviews, n);
	if (!rc)
		rc = review ? review_print_merged(paths, reviews, n) : print_merged(rs, n);
	for (size_t i = 0; rs && i < n; i++)
		ruleset_free(&rs[i]);
	for (size_t i = 0; reviews && i < n; i++)
		if (reviews[i])
			json_object_put(reviews[i]);
	free(rs);
	free(reviews);
	return rc;
}
