#ifndef SHIM_FILTER_H
#define SHIM_FILTER_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "profile.h"
#include "ruleset.h"

/* The filter the child installs, chosen and compiled before anything starts. */
struct filter_setup {
	bool off;
	const char *kind;        /* "embedded", "json", "bpf" or "off", for messages */
	struct sock_fprog prog;
	struct filter_pair owned;
	/* Learn mode: the base as enforced and its rule set (which learn_init
	 * transforms into the variant). */
	struct sock_fprog base;
	struct ruleset rules;
};

/* SHIM_SECCOMP + SHIM_SECCOMP_MODE -> a ready program. 0 or EXIT_SECCOMP. */
int filter_prepare(const char *setting, enum seccomp_mode mode, struct filter_setup *out);

void filter_release(struct filter_setup *f);

/* Reads a whole profile file (regular, at most SHIM_PROFILE_MAX_BYTES), NUL-terminated.
 * malloc'd bytes, or NULL after one error line. */
char *filter_read_file(const char *path, size_t *len);

/* --print-profile: the effective profile as OCI JSON on stdout. */
int filter_print_profile(const char *setting);

/* --compile-profile IN OUT: a BPF file SHIM_SECCOMP can load without libseccomp work. */
int filter_compile_file(const char *in, const char *out);

/* PID 1's own filter: what the loop needs (wait, signal, read its fds,
 * /proc, write stderr, exit); every other call fails with EPERM. */
int filter_confine_pid1(void);

/* The embedded default's JSON text (minified). */
const char *filter_default_json(size_t *len);

/* The embedded default, for tests and the build check. */
void filter_default(struct sock_fprog *enforce, struct sock_fprog *complain);

#define SHIM_BPF_MAGIC "SHIMBPF1"
#define SHIM_PROFILE_MAX_BYTES (1u << 20)

#endif
