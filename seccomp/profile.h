#ifndef SHIM_PROFILE_H
#define SHIM_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sock_filter;

/* A profile compiled twice: as written (enforce), and with every denial
 * turned into a user notification (complain). */
struct filter_pair {
	struct sock_filter *enforce;
	unsigned short enforce_len;
	struct sock_filter *complain;
	unsigned short complain_len;
	bool enforce_range, complain_range; /* the range program, not libseccomp's */
};

/* Which programs of a pair profile_compile builds: each costs a
 * libseccomp compile and a check, so a start builds only the one its mode
 * installs; --compile-profile writes both. */
enum { PROFILE_ENFORCE = 1, PROFILE_COMPLAIN = 2, PROFILE_BOTH = 3 };

/* compile.c: compiles an OCI runtime-spec or Docker seccomp profile (JSON
 * text): each program is the range program where verify_programs proves it
 * equal to libseccomp's, else libseccomp's (profile_emit). Runtime JSON
 * profiles and --compile-profile use this. Only the programs in WHICH are
 * built; the others stay NULL with length 0. SOURCE names the profile in
 * messages. When EFFECTIVE is not NULL it receives the profile as evaluated
 * here, in OCI form (malloc'd). Returns 0 or EXIT_SECCOMP after one error
 * line. */
int profile_compile(const char *json, size_t len, const char *source, struct filter_pair *out,
		    char **effective, unsigned which);

/* The same with libseccomp's programs only, both variants: --print-profile
 * and --export-profile (which want the profile checked by libseccomp, not
 * the range program), and the tests' reference. */
int profile_compile_libseccomp(const char *json, size_t len, const char *source, struct filter_pair *out,
			       char **effective);

void filter_pair_free(struct filter_pair *f);

#include "ruleset.h"

/* parse.c, step 1: OCI/Docker/Podman JSON -> a rule set (Docker's includes and
 * excludes resolved for a process without capabilities). EFFECTIVE as in
 * profile_compile: print_ruleset's text of the rule set (print.c).
 * Returns 0 or EXIT_SECCOMP after one error line. */
int profile_parse(const char *json, size_t len, const char *source, struct ruleset *out, char **effective);

/* compile.c, steps 2-3, resolve and emit: the range program when the range emitter
 * handles RS, verify_programs proves it decides as libseccomp's program does
 * on every input, and it is not the longer of the two; else libseccomp's,
 * with one info line saying why (STRICT: an error instead, for the build).
 * 0 or -1 after one error line; *PROG is malloc'd; *IS_RANGE (may be NULL)
 * tells which was chosen. */
int profile_emit(const struct ruleset *rs, const char *source, bool strict, struct sock_filter **prog,
		 unsigned short *len, bool *is_range);

/* dialect.c: compile for another architecture than this machine's ("x86_64" or
 * "aarch64"): bpfgen's cross builds. Returns -1 for an unknown name. */
int profile_set_arch(const char *name);
/* The architecture being compiled for (libseccomp's token = AUDIT_ARCH_*). */
uint32_t profile_arch(void);

#endif
