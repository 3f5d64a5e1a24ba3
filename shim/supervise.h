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

/* The kernel's signal count (64 on most architectures), whatever the libc reserves. */
#define SHIM_KERNEL_SIGNALS (_NSIG - 1)

/* The signals the shim blocks and reads through signalfd: every one the
 * kernel has but KILL and STOP, libc-reserved real-time ones included. Block
 * and unblock it with shim_sigmask, never sigprocmask: libcs drop their
 * reserved signals from the set. */
void supervise_blocked_set(sigset_t *set);

/* rt_sigprocmask without the libc's filtering of its reserved signals. */
int shim_sigmask(int how, const sigset_t *set, sigset_t *old);

/* Whether SIG is passed on to the child. */
bool supervise_forwards(int sig, bool forward_usr1);

/* 128+N for a signal, else the exit code. */
int supervise_exit_code(int wait_status);

/* Runs the PID 1 loop until the main child and every descendant are gone;
 * returns the exit code. sigfd reads supervise_blocked_set(). */
int supervise(const struct supervise_opts *opts, int sigfd, int timerfd);

#endif
