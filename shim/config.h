#ifndef SHIM_CONFIG_H
#define SHIM_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "log.h"

enum shim_action {
	ACTION_RUN,
	ACTION_HELP,
	ACTION_VERSION,
	ACTION_CHECK,
	ACTION_PRINT_PROFILE,
	ACTION_COMPILE_PROFILE,
	ACTION_EXPORT_PROFILE,
	ACTION_LEARNED,
	ACTION_MERGE_PROFILE,
	ACTION_DIFF_PROFILE,
};

enum seccomp_mode { SECCOMP_MODE_ENFORCE, SECCOMP_MODE_COMPLAIN, SECCOMP_MODE_LEARN };
/* SHIM_SECCOMP_MODE's values, by mode. */
extern const char *const seccomp_mode_names[3];

struct shim_config {
	enum shim_action action;
	char **command;           /* NULL-terminated, verbatim from argv */
	const char *compile_in;   /* --compile-profile IN OUT */
	const char *compile_out;
	const char *export_format; /* --export-profile FORMAT IN [NAME], --learned [FORMAT [NAME]] */
	const char *export_in;
	const char *export_name;
	char **profiles;          /* --merge-profile [--review] A..., --diff-profile OLD NEW */
	unsigned nprofiles;
	bool merge_review;

	const char *path;         /* PATH, or NULL when unset */
	const char *fallback_path;
	const char *user;         /* SHIM_USER as given, or the default */
	bool user_explicit;
	const char *seccomp;      /* "default", "off" or a file path */
	enum seccomp_mode seccomp_mode;
	const char *learn_file;   /* SHIM_LEARN_FILE: learn mode's output */
	bool learn_args;          /* SHIM_LEARN_ARGS: learn argument values too (default) */
	bool learn_args_set;
	enum log_level log_level;
	unsigned grace_seconds;
	unsigned stop_timeout;    /* 0: no stop deadline */
	int stop_signal;
	bool group;
	bool forward_usr1;
	bool keep_net_bind_service; /* the child keeps CAP_NET_BIND_SERVICE (ambient) */
};

#define SHIM_DEFAULT_USER "65532:65532"
#define SHIM_DEFAULT_FALLBACK "/nodejs/bin"
/* Node's stop plus this must fit Docker's and Podman's 10 s stop timeout (README). */
#define SHIM_DEFAULT_GRACE 3u

/* Fills cfg from argv and envp. Returns 0, or the exit code after logging
 * a one-line error (EXIT_USAGE or EXIT_CONFIG). */
int config_load(struct shim_config *cfg, int argc, char **argv, char **envp);

/* Room for the PATH entry the child writes when it finds its command
 * through the fallback (spawn.c): set room_size, config_child_env fills in
 * the rest. */
struct child_path {
	size_t room_size;  /* in: bytes for "PATH=" PATH ":" DIR and the NUL */
	char *room;        /* out: that many bytes inside the environment's block */
	size_t slot;       /* out: index of the first PATH entry, else of the
			    * terminating NULL, which another NULL follows */
};

/* The child's environment: envp without the shim's settings and, when home is
 * not NULL, with every HOME entry replaced by HOME=home; with path not NULL,
 * room for a PATH entry (above). One allocation (free() it); NULL on ENOMEM. */
char **config_child_env(char **envp, const char *home, struct child_path *path);

/* The usage text: stdout for --help, stderr for a usage error. */
void config_usage(FILE *out);

#endif
