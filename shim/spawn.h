#ifndef SHIM_SPAWN_H
#define SHIM_SPAWN_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct sock_fprog;

struct spawn_request {
	char **argv;
	char **envp;
	const char *path;               /* PATH; NULL for the default */
	const char *fallback;           /* searched after PATH */
	const sigset_t *child_mask;     /* the mask the shim was started with */
	bool sigchld_ignored;           /* the shim was started with SIGCHLD ignored */
	bool foreground;                /* stdin is a terminal: child is its foreground group */
	const struct sock_fprog *filter; /* installed last before execve; NULL for none */
	bool listener;                  /* the filter hands PID 1 a notification listener */
	/* A command found through the fallback: the child writes "PATH=" PATH
	 * ":" DIR here and puts it at envp[path_slot] (config_child_env leaves
	 * room), so node's own children find node too. NULL: PATH stays. */
	char *path_entry;
	size_t path_entry_size;
	size_t path_slot;
	/* SHIM_KEEP_NET_BIND_SERVICE: raised as ambient before exec (PID 1 kept
	 * it permitted and inheritable for this), so exec gives it to node. */
	bool ambient_net_bind_service;
};

/* Starts the child. Returns 0 once it has exec'd, with its pid and, when the
 * filter asked for a listener, the notification fd (else -1). Otherwise logs
 * one line and returns the exit code: 127, 126, EXIT_SECCOMP, EXIT_IDENTITY
 * (the ambient raise) or EXIT_SYSTEM. */
int spawn_child(const struct spawn_request *req, pid_t *pid, int *listener_fd);

/* --check, after the same identity drop as the run: the child's command
 * search and its ambient raise, with the messages and exit codes the run
 * gives (127, 126, EXIT_IDENTITY). 0 with the command's path in exe and
 * *fallback_dir as path_find sets it. Nothing is exec'd: what only exec
 * shows (ENOEXEC, a missing interpreter) and the filter's install are not
 * tried. */
int spawn_check(const struct spawn_request *req, char *exe, size_t size, size_t *fallback_dir);

/* Closes every descriptor from FIRST up: PID 1 keeps nothing the runtime
 * leaked to it (the CVE-2024-21626 class). close_range, else the fallback.
 * Returns 0, or -1 with errno. */
int spawn_close_fds_from(unsigned first);

/* The fallback alone, for descriptors FIRST to LAST (exposed for tests):
 * the entries of /proc/self/fd, or without /proc every number up to the
 * hard RLIMIT_NOFILE. Returns 0, or -1 with errno. */
int spawn_close_fds_fallback(unsigned first, unsigned last);

#endif
