#include "supervise.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exitcode.h"
#include "io.h"
#include "log.h"

/* After KILL, processes we may not signal (a root `kubectl exec` under an
 * unprivileged PID 1) would keep us waiting forever; the kernel ends them
 * when PID 1 exits. */
#define AFTER_KILL_SECONDS 1u

void supervise_blocked_set(sigset_t *set)
{
	/* Built bit by bit in the kernel's layout (bit N-1 for signal N, in
	 * unsigned longs, as musl and glibc both store it): musl's sigfillset and
	 * sigaddset leave out 32-34, glibc's 32-33, and an init must block those
	 * too or `kill -34` ends it. The synchronous signals are blocked as well,
	 * so a kill(2) of SEGV or ABRT is read and ignored: a real fault is forced
	 * through any mask by the kernel, which unblocks it and ends us. */
	unsigned long words[sizeof(sigset_t) / sizeof(unsigned long)];
	const unsigned bits = 8 * sizeof(unsigned long);
	memset(words, 0, sizeof words);
	for (unsigned sig = 1; sig <= SHIM_KERNEL_SIGNALS; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			words[(sig - 1) / bits] |= 1ul << ((sig - 1) % bits);
	memcpy(set, words, sizeof words);
}

int shim_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	if (old)
		memset(old, 0, sizeof *old); /* the kernel fills only its own size */
	return (int)syscall(SYS_rt_sigprocmask, how, set, old, _NSIG / 8);
}

bool supervise_forwards(int sig, bool forward_usr1)
{
	switch (sig) {
	case SIGTERM: case SIGINT: case SIGHUP: case SIGQUIT:
	case SIGUSR2: case SIGWINCH: case SIGCONT:
		return true;
	case SIGUSR1:
		return forward_usr1;
	default:
		/* The kernel's real-time range, whatever this libc reserves of it. */
		return sig >= 32 && sig <= SIGRTMAX;
	}
}

int supervise_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_SYSTEM;
}

enum phase {
	RUNNING,  /* the main child lives */
	DRAINING, /* it is gone; descendants got TERM */
	KILLED,   /* descendants got KILL */
};

struct state {
	const struct supervise_opts *opts;
	enum phase phase;
	int main_status;
	bool main_done;
	bool deadline_armed;
	bool gave_up;
	int timerfd;
};

static void arm(int timerfd, unsigned seconds)
{
	struct itimerspec its = { .it_value = { .tv_sec = seconds, .tv_nsec = seconds ? 0 : 1 } };
	if (timerfd_settime(timerfd, 0, &its, NULL))
		log_warn("timerfd_settime: %s", strerror(errno));
}

/* Whether our unreaped child PID belongs to process group PGID, from
 * /proc/PID/stat (the fifth field; comm may hold spaces and parentheses). */
static bool in_group(long pid, pid_t pgid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if (read_small(path, buf, sizeof buf) <= 0)
		return false;
	const char *p = strrchr(buf, ')');
	int ppid, pgrp;
	char st;
	return p && sscanf(p + 1, " %c %d %d", &st, &ppid, &pgrp) == 3 && pgrp == (int)pgid;
}

/* Signals every descendant: as PID 1, all other processes of the namespace;
 * as a subreaper, our children (grandchildren follow as they are reparented)
 * and the main child's process group while it certainly exists: a group id
 * is freed, and may then be reused by an unrelated process of a shared PID
 * namespace, once its last member is reaped. Members are our descendants, so
 * the group exists while the main child or another member among our own
 * children is unreaped: only we reap those, and not before this returns.
 * Best effort by nature: a process may be gone, or not ours to signal. */
static void signal_descendants(const struct state *s, int sig)
{
	if (s->opts->pid1) {
		if (kill(-1, sig) && errno != ESRCH)
			log_debug("kill(-1, %d): %s", sig, strerror(errno));
		return;
	}
	pid_t pgid = s->opts->child;
	bool group_alive = !s->main_done;
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/self/task/%ld/children", (long)syscall(SYS_gettid));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		log_debug("%s: %s; only the main child's group can be signalled", path, strerror(errno));
	ssize_t n;
	size_t carry = 0;
	while (fd >= 0 && (n = read(fd, buf + carry, sizeof buf - 1 - carry)) > 0) {
		size_t len = carry + (size_t)n;
		buf[len] = '\0';
		char *p = buf, *space;
		while ((space = strchr(p, ' '))) {
			*space = '\0';
			long pid = strtol(p, NULL, 10);
			if (pid > 0) {
				if (!group_alive && in_group(pid, pgid))
					group_alive = true;
				(void)kill((pid_t)pid, sig);
			}
			p = space + 1;
		}
		carry = strlen(p);
		memmove(buf, p, carry);
	}
	if (fd >= 0)
		(void)close(fd);
	/* The group also holds grandchildren whose parents still live. */
	if (group_alive && kill(-pgid, sig) && errno != ESRCH)
		log_debug("kill(-%d, %d): %s", (int)pgid, sig, strerror(errno));
}

/* Reaps every child that is ready. Returns true when none is left. */
static bool reap(struct state *s)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			if (pid == s->opts->child) {
				s->main_status = status;
				s->main_done = true;
				log_debug("child %d ended: exit code %d", (int)pid, supervise_exit_code(status));
				/* A seccomp KILL (or TRAP with no handler) ends the child with
				 * SIGSYS and nothing else would say so. */
				if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
					log_warn("child %d was killed by SIGSYS: the seccomp profile kills or traps a call "
						 "it made; SHIM_SECCOMP_MODE=complain names the call",
						 (int)pid);
			}
			continue;
		}
		if (pid == 0)
			return false;
		if (errno == EINTR)
			continue;
		return true; /* ECHILD */
	}
}

static void forward(struct state *s, int sig)
{
	const struct supervise_opts *o = s->opts;
	if (!supervise_forwards(sig, o->forward_usr1)) {
		log_debug("signal %d not forwarded", sig);
		return;
	}
	if (s->phase != RUNNING)
		return;
	int out = sig == SIGTERM ? o->stop_signal : sig;
	pid_t target = o->group ? -o->child : o->child;
	if (kill(target, out) && errno != ESRCH)
		log_warn("forwarding signal %d to %d: %s", out, (int)target, strerror(errno));
	if ((sig == SIGTERM || sig == SIGINT) && o->stop_timeout && !s->deadline_armed) {
		s->deadline_armed = true;
		arm(s->timerfd, o->stop_timeout);
	}
}

static void on_timer(struct state *s)
{
	uint64_t ticks;
	if (read(s->timerfd, &ticks, sizeof ticks) < 0)
		return;
	switch (s->phase) {
	case RUNNING:
		log_warn("child did not stop within %us; sending KILL to its process group",
			 s->opts->stop_timeout);
		if (kill(-s->opts->child, SIGKILL) && errno == ESRCH)
			(void)kill(s->opts->child, SIGKILL);
		break;
	case DRAINING:
		log_info("descendants still running after %us; sending KILL", s->opts->grace_seconds);
		signal_descendants(s, SIGKILL);
		s->phase = KILLED;
		arm(s->timerfd, AFTER_KILL_SECONDS);
		break;
	case KILLED:
		s->gave_up = true;
		break;
	}
}

int supervise(const struct supervise_opts *opts, int sigfd, int timerfd)
{
	struct state s = { .opts = opts, .phase = RUNNING, .timerfd = timerfd };
	struct pollfd pfd[3] = {
		{ .fd = sigfd, .events = POLLIN },
		{ .fd = s.timerfd, .events = POLLIN },
		{ .fd = opts->notify_fd, .events = POLLIN },
	};

	for (;;) {
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo info[16];
			ssize_t n = read(sigfd, info, sizeof info);
			for (ssize_t i = 0; i < n / (ssize_t)sizeof *info; i++) {
				if (info[i].ssi_signo != SIGCHLD)
					forward(&s, (int)info[i].ssi_signo);
			}
		}
		if (pfd[1].revents & POLLIN)
			on_timer(&s);
		if (pfd[2].revents & POLLIN)
			opts->on_notify(pfd[2].fd);
		if (pfd[2].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			/* Every process under the filter is gone. */
			(void)close(pfd[2].fd);
			pfd[2].fd = -1;
		}

		/* SIGCHLD may be coalesced, so reap on every wake-up. */
		bool none_left = reap(&s);
		if (s.main_done && none_left)
			break;
		if (s.main_done && s.phase == RUNNING) {
			log_info("main child gone, descendants remain: TERM, then KILL after %us",
				 opts->grace_seconds);
			s.phase = DRAINING;
			signal_descendants(&s, SIGTERM);
			signal_descendants(&s, SIGCONT);
			arm(s.timerfd, opts->grace_seconds);
		}
		/* Orphans reparented to a subreaper after the KILL get theirs too. */
		if (s.phase == KILLED && !none_left && !opts->pid1)
			signal_descendants(&s, SIGKILL);
		if (s.gave_up) {
			log_warn("some descendants could not be signalled; leaving them to the kernel");
			break;
		}

		int r;
		do
			r = poll(pfd, 3, -1);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			log_error("poll: %s", strerror(errno));
			(void)kill(opts->child, SIGKILL);
			return EXIT_SYSTEM;
		}
	}
	(void)close(s.timerfd);
	if (pfd[2].fd >= 0)
		(void)close(pfd[2].fd);
	return supervise_exit_code(s.main_status);
}
