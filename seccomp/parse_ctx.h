#ifndef SHIM_SECCOMP_PARSE_CTX_H
#define SHIM_SECCOMP_PARSE_CTX_H

/* What parse.c and dialect.c share while reading one profile. */
#include <json-c/json.h>
#include <stdbool.h>

#include "ruleset.h"

struct ctx {
	const char *source;
	struct ruleset rs;
	bool failed;
};

/* One error line, "seccomp profile SOURCE: ...", and the parse fails: -1. */
int parse_bad(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whether OBJ has only the fields KEYS (NULL-terminated) names; else one
 * error line naming the first other one. */
bool parse_only_keys(struct ctx *c, json_object *obj, const char *where, const char *const *keys);

/* Docker's includes/excludes of one rule (1 keep, 0 skip, -1
 * bad); the architectures (OCI's list, Docker's archMap); the flags. */
int dialect_applies(struct ctx *c, json_object *rule, const char *where);
int dialect_arches(struct ctx *c, json_object *root);
int dialect_flags(struct ctx *c, json_object *root);

#endif
