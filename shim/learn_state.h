#ifndef SHIM_LEARN_STATE_H
#define SHIM_LEARN_STATE_H

/* Learn mode's record, shared by learn.c (the plan and the recorder) and
 * learn_files.c (the two files it writes and the existing file it merges). */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch.h"
#include "emulate.h"
#include "learn_args.h"
#include "ruleset.h"

#define WORDS (MAX_NR / 64)
/* Learned argument rules PID 1 keeps; beyond, a call keeps the base's rules. */
#define LEARN_MAX_ARG_RULES 512

enum status { NONE, ASSUMED, OBSERVED, OUTSIDE };


struct learn_state {
	const char *file;      /* SHIM_LEARN_FILE as given */
	const char *base_name; /* SHIM_SECCOMP as given */
	const char *base_kind; /* "embedded", "json", for the start line */
	char dir[4096], name[256], tmp[300], review[300], review_tmp[320];
	int dirfd;                /* valid once opened */
	struct sock_filter *enforce;
	unsigned enforce_len;
	const char *names[MAX_NR];
	bool uncond[MAX_NR];      /* the base allows it for any arguments */
	char *cond[MAX_NR];       /* else: the base's allow rules for it, as JSON objects */
	char *deny;               /* the base's other rules, verbatim, comma-separated */
	unsigned short order[MAX_NR]; /* numbers sorted by name, for stable output */
	unsigned order_len;
	/* The learned set: in[] assumed or observed inside the base, out[] made
	 * although the base denies it (with these arguments). */
	uint64_t in[WORDS], out[WORDS];
	unsigned char status[MAX_NR]; /* of in[]: ASSUMED or OBSERVED */
	pid_t pid[MAX_NR], out_pid[MAX_NR];
	char comm[MAX_NR][16], out_comm[MAX_NR][16];
	unsigned counts[4];
	bool write_failed;
	char base_sha[65];        /* of the base's effective JSON: what "the same base" means */
	bool existed;             /* SHIM_LEARN_FILE was there: merged */
	unsigned merged;          /* observed calls taken from an existing file */
	/* Argument learning (SHIM_LEARN_ARGS, on by default): for a call the base
	 * allows only with some arguments, or one learn_args.c names, the output
	 * allows what was observed, as narrowed base rules. */
	bool learn_args;
	struct rule *allow[MAX_NR];   /* the base's allow rules for each call */
	unsigned char nallow[MAX_NR];
	const struct learn_arg_spec *spec[MAX_NR];
	bool any_args[MAX_NR];        /* written with the base's rules all the same */
	struct arg_rule arg_rules[LEARN_MAX_ARG_RULES]; /* by call, base rule, values */
	unsigned narg_rules;
	bool arg_rules_full;
};
/* The one learner of this process (learn.c): zero-initialised, in .bss,
 * not 64 KiB of the binary. */
extern struct learn_state L;

static inline bool test_bit(const uint64_t *set, int nr)
{
	return set[nr / 64] >> (nr % 64) & 1;
}

static inline void set_bit(uint64_t *set, int nr)
{
	set[nr / 64] |= (uint64_t)1 << (nr % 64);
}

/* What the base decides for NR with all arguments VALUE. */
static inline uint32_t base_action(int nr, uint64_t value)
{
	struct seccomp_data d = { .nr = nr, .arch = NATIVE_AUDIT_ARCH };
	for (int i = 0; i < 6; i++)
		d.args[i] = value;
	return emulate_verdict(L.enforce, L.enforce_len, &d) & SECCOMP_RET_ACTION_FULL;
}

static inline bool allows(uint32_t action)
{
	return action == SECCOMP_RET_ALLOW || action == SECCOMP_RET_LOG;
}

/* Whether NR's output is its observed argument rules (else its name, or
 * the base's rules for it in full). */
static inline bool narrows(int nr)
{
	return L.learn_args && L.nallow[nr] && (L.spec[nr] || !L.uncond[nr]);
}

static inline bool narrowed(int nr)
{
	return narrows(nr) && L.status[nr] == OBSERVED && !L.any_args[nr];
}

/* learn_files.c: writes the profile and the review file from L (SHA, when
 * not NULL, gets the sha256 of the profile's bytes as written). 0, or -1
 * with errno. No allocation. */
int learn_write_files(char sha[65]);

/* learn_files.c: SHIM_LEARN_FILE exists: merges what its review file says
 * was learned, if from the same base. 0 or EXIT_CONFIG after one error line. */
int learn_merge_existing(void);

#endif
