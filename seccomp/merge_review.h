#ifndef SHIM_SECCOMP_MERGE_REVIEW_H
#define SHIM_SECCOMP_MERGE_REVIEW_H

/* --merge-profile's review files (PATH.review.json, as learn mode writes
 * them): read, checked for one base, merged. Each returns 0 or an exit code
 * after one error line. */
#include <json-c/json.h>
#include <stddef.h>

/* PATH's review file, checked to be one learn mode writes, into *OUT.
 * A missing one is refused: it is what says which base PATH was learned from. */
int review_read(const char *path, json_object **out);

/* REVIEW lists as assumed or observed exactly the calls the profile RS (read
 * from PATH) allows, for some arguments; else EXIT_SECCOMP (the profile was
 * edited after learning, or the review file belongs to another profile). */
struct ruleset;
int review_matches(const char *path, json_object *review, const struct ruleset *rs);

/* All of REVIEWS[0..N-1] name the same baseSha256, else EXIT_SECCOMP. */
int review_same_base(char *const *paths, json_object *const *reviews, size_t n);

/* The merged review file on stdout: each call once, observed where any input
 * observed it (its first process), else assumed; outside-base calls once. */
int review_print_merged(char *const *paths, json_object *const *reviews, size_t n);

#endif
