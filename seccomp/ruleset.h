#ifndef SHIM_RULESET_H
#define SHIM_RULESET_H

/* A seccomp profile as plain data, between parsing (parse.c) and emitting
 * (emit_libseccomp.c, emit_range.c): the default action, the architectures,
 * and the rules in profile order. Variants of a profile (complain, learn)
 * are transformations of a rule set, not cases inside an emitter. */
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RULESET_MAX_ARCH 8
#define RULE_MAX_ARGS 6
#define RULE_NAME_MAX 48

struct rule_arg {
	unsigned index;          /* 0-5 */
	enum scmp_compare op;
	uint64_t a, b;           /* libseccomp's datum_a, datum_b (MASKED_EQ: mask, value) */
};

struct rule {
	char name[RULE_NAME_MAX]; /* the syscall; numbers are looked up per architecture */
	uint32_t action;          /* SCMP_ACT_* with its errno/trace value */
	unsigned nargs;
	bool any;                 /* conditions are alternatives (an index repeated: runc's reading) */
	unsigned group;           /* the profile entry it came from (print merges its names) */
	struct rule_arg args[RULE_MAX_ARGS];
};

struct ruleset {
	uint32_t default_action;
	/* The filter's architectures, the target first (libseccomp tokens =
	 * AUDIT_ARCH_*), each with the highest syscall number the profile names
	 * there (-1: none). */
	uint32_t arch[RULESET_MAX_ARCH];
	long max_nr[RULESET_MAX_ARCH];
	unsigned narch;
	/* runc's rule: numbers above max_nr answer ENOSYS (set from the
	 * profile's own default, kept by transformations). */
	bool enosys_above_max;
	/* The profile's flags, for printing: bit 0 SECCOMP_FILTER_FLAG_LOG, 1
	 * SPEC_ALLOW, 2 TSYNC (accepted, not passed to seccomp(2)). */
	unsigned flags;
	struct rule *rules;
	unsigned nrules, cap;
};

/* Whether condition C holds for argument value V (native, 64-bit: the
 * comparison libseccomp emits on a 64-bit architecture). */
bool rule_arg_holds(const struct rule_arg *c, uint64_t v);

/* Whether rule R's conditions hold for ARGS (all of them, or any for R->any;
 * a rule without conditions holds for every call). */
bool rule_holds(const struct rule *r, const uint64_t args[6]);

/* Appends a copy of R; -1 when out of memory. */
int ruleset_add(struct ruleset *rs, const struct rule *r);
void ruleset_free(struct ruleset *rs);

/* The rule set's number for NAME on ARCH (negative: none there). */
int ruleset_nr(uint32_t arch, const char *name);

/* Complain mode: every denial becomes a user notification; an explicit
 * ENOSYS rule stays (it is an answer that makes libc fall back); the calls
 * the child makes between installing the filter and exec are allowed.
 * OUT is a new rule set; -1 when out of memory. */
int ruleset_complain(const struct ruleset *in, struct ruleset *out);

/* Learn mode: the complain variant in which every call the base allows is
 * reported too (ALLOW becomes a notification), except KEEP (the assumed set:
 * names the base allows for any arguments) and the bootstrap calls, which
 * are allowed unreported. OUT is a new rule set; -1 when out of memory. */
int ruleset_learn(const struct ruleset *in, const char *const *keep, size_t nkeep, struct ruleset *out);

/* The calls the child makes once its filter is installed (NULL-terminated):
 * complain and learn variants always allow them. */
extern const char *const ruleset_bootstrap[];

/* The complain variant's action for ACT (EXPLICIT: from a rule, not the default). */
uint32_t ruleset_complain_action(uint32_t act, bool explicit_rule);

#endif
