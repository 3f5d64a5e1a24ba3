#ifndef SHIM_SUPERVISE_H
#define SHIM_SUPERVISE_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

struct supervise_opts {
	pid_t child;
	bool pid1;              /* false: we are a child subreaper */
	bool group;             /* forward to the child's process group */
	bool forward_usr1;
	int stop_signal;        /* sent in place of SIGTERM */
	unsigned stop_timeout;  /* seconds; 0 for none */
	unsigned grace_seconds; /* for descendants left after the main child */
	int notify_fd;          /* seccomp listener, or -1 */
	void (*on_notify)(int fd);
};

/* The signals the shim blocks and reads through signalfd: every signal but
 * the synchronous ones, which must stay deliverable to a crashing PID 1. */
void supervise_blocked_set(sigset_t *set);

/* Whether SIG is passed on to the child. */
bool supervise_forwards(int sig, bool forward_usr1);

/* 128+N for a signal, else the exit code. */
int supervise_exit_code(int wait_status);

/* Runs the PID 1 loop until the main child and every descendant are gone;
 * returns the exit code. sigfd reads supervise_blocked_set(). */
int supervise(const struct supervise_opts *opts, int sigfd);

#endif
