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

/* PID 1's own filter: what the loop needs (wait, signal, read its fds,
 * /proc, write stderr, exit); every other call fails with EPERM. */
int filter_confine_pid1(void);

#endif
