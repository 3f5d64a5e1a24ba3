#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "exitcode.h"
#include "log.h"
#include "path.h"
#include "supervise.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

enum failure_stage { STAGE_SETUP, STAGE_FILTER, STAGE_EXEC, STAGE_NOTFOUND };

/* What the child writes to the close-on-exec pipe when it cannot exec. */
struct failure {
	int stage;
	int err;
	char what[240];
};

struct child_args {
	const struct spawn_request *req;
	int error_fd;
	int listener_sock;
};

static void report(int fd, int stage, int err, const char *what)
{
	struct failure f = { .stage = stage, .err = err };
	size_t len = strlen(what);
	if (len >= sizeof f.what)
		len = sizeof f.what - 1;
	memcpy(f.what, what, len);
	/* One write below PIPE_BUF is atomic; nothing to do if it fails. */
	ssize_t w = write(fd, &f, sizeof f);
	(void)w;
	_exit(EXIT_NOTFOUND);
}

static int mark_fds_cloexec(void)
{
	if (syscall(SYS_close_range, 3u, ~0u, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	/* Kernels before 5.11: walk up to the descriptor limit. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	rlim_t max = rl.rlim_cur > (1u << 20) ? (1u << 20) : rl.rlim_cur;
	for (rlim_t fd = 3; fd < max; fd++)
		if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) && errno != EBADF)
			return -1;
	return 0;
}

static int send_fd(int sock, int fd)
{
	char data = 0;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	memset(&control, 0, sizeof control);
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof control.buf,
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof fd);
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static int receive_fd(int sock)
{
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof control.buf,
	};
	ssize_t n;
	do
		n = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof fd);
	return fd;
}

static int child_main(void *arg)
{
	const struct child_args *a = arg;
	const struct spawn_request *req = a->req;

	if (req->sigchld_ignored && signal(SIGCHLD, SIG_IGN) == SIG_ERR)
		report(a->error_fd, STAGE_SETUP, errno, "restoring SIGCHLD");
	if (req->foreground) {
		if (setpgid(0, 0))
			report(a->error_fd, STAGE_SETUP, errno, "setpgid");
		/* Signals are still blocked here, so SIGTTOU cannot stop us. A
		 * terminal we do not control is not fatal: the child keeps its group. */
		(void)tcsetpgrp(STDIN_FILENO, getpid());
	} else if (setsid() < 0) {
		report(a->error_fd, STAGE_SETUP, errno, "setsid");
	}
	if (mark_fds_cloexec())
		report(a->error_fd, STAGE_SETUP, errno, "closing inherited descriptors");
	if (shim_sigmask(SIG_SETMASK, req->child_mask, NULL))
		report(a->error_fd, STAGE_SETUP, errno, "restoring the signal mask");

	if (req->filter) {
		long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, req->filter_flags, req->filter);
		if (fd < 0)
			report(a->error_fd, STAGE_FILTER, errno, "installing the seccomp filter");
		if (req->filter_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) {
			if (send_fd(a->listener_sock, (int)fd))
				report(a->error_fd, STAGE_FILTER, errno, "handing the listener to PID 1");
			(void)close((int)fd);
		}
	}

	char candidate[4096];
	struct path_walk walk;
	int denied = 0, last = ENOENT;
	char denied_path[sizeof candidate];
	path_walk_init(&walk, req->argv[0], req->path, req->fallback);
	while (path_walk_next(&walk, candidate, sizeof candidate)) {
		execve(candidate, req->argv, req->envp);
		last = errno;
		if (last == EACCES && !denied) {
			denied = 1;
			memcpy(denied_path, candidate, sizeof candidate);
		}
		if (path_error_is_final(last))
			report(a->error_fd, STAGE_EXEC, last, candidate);
	}
	if (denied)
		report(a->error_fd, STAGE_EXEC, EACCES, denied_path);
	report(a->error_fd, last == ENOENT || last == ENOTDIR ? STAGE_NOTFOUND : STAGE_EXEC, last,
	       req->argv[0]);
	return EXIT_NOTFOUND;
}

static void log_not_found(const struct spawn_request *req)
{
	if (strchr(req->argv[0], '/')) {
		log_error("%s: not found", req->argv[0]);
		return;
	}
	log_error("%s: not found in PATH (%s) or the fallback (%s)", req->argv[0],
		  req->path ? req->path : SHIM_DEFAULT_PATH "; PATH unset",
		  req->fallback && *req->fallback ? req->fallback : "none");
}

int spawn_child(const struct spawn_request *req, pid_t *pid_out, int *listener_fd)
{
	int pipefd[2], sock[2] = { -1, -1 };
	bool want_listener = req->filter && (req->filter_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER);

	*listener_fd = -1;
	if (pipe2(pipefd, O_CLOEXEC)) {
		log_error("pipe: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	if (want_listener && socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sock)) {
		log_error("socketpair: %s", strerror(errno));
		(void)close(pipefd[0]);
		(void)close(pipefd[1]);
		return EXIT_SYSTEM;
	}

	struct child_args args = { .req = req, .error_fd = pipefd[1], .listener_sock = sock[1] };
#ifdef SHIM_SPAWN_FORK
	/* Sanitizer builds: their runtimes do not follow a CLONE_VM child. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(child_main(&args));
#else
	/* The child runs on this stack while the parent waits (CLONE_VFORK). */
	static char child_stack[64 * 1024] __attribute__((aligned(16)));
	/* Like posix_spawn: the child borrows our memory until it execs, which
	 * saves a page-table copy that costs ~0.5 ms on small VMs. */
	pid_t pid = clone(child_main, child_stack + sizeof child_stack,
			  CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
#endif
	int clone_errno = errno;
	(void)close(pipefd[1]);
	if (sock[1] >= 0)
		(void)close(sock[1]);
	if (pid < 0) {
		(void)close(pipefd[0]);
		if (sock[0] >= 0)
			(void)close(sock[0]);
		log_error("starting the child: %s", strerror(clone_errno));
		return EXIT_SYSTEM;
	}

	struct failure f;
	ssize_t n;
	do
		n = read(pipefd[0], &f, sizeof f);
	while (n < 0 && errno == EINTR);
	(void)close(pipefd[0]);

	if (n == 0) {
		*pid_out = pid;
		if (want_listener) {
			*listener_fd = receive_fd(sock[0]);
			(void)close(sock[0]);
			if (*listener_fd < 0) {
				/* The child runs but nothing would answer its notifications. */
				log_error("seccomp: no listener from the child; stopping it");
				(void)kill(pid, SIGKILL);
				(void)waitpid(pid, NULL, 0);
				return EXIT_SECCOMP;
			}
		}
		return 0;
	}

	if (sock[0] >= 0)
		(void)close(sock[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof f) {
		log_error("reading the child's exec status: %s", n < 0 ? strerror(errno) : "short read");
		return EXIT_SYSTEM;
	}
	f.what[sizeof f.what - 1] = '\0';
	switch (f.stage) {
	case STAGE_NOTFOUND:
		log_not_found(req);
		return EXIT_NOTFOUND;
	case STAGE_EXEC:
		log_error("%s: cannot execute: %s", f.what, strerror(f.err));
		return f.err == ENOENT || f.err == ENOTDIR ? EXIT_NOTFOUND : EXIT_NOEXEC;
	case STAGE_FILTER:
		log_error("seccomp: %s: %s", f.what, strerror(f.err));
		return EXIT_SECCOMP;
	default:
		log_error("child set-up: %s: %s", f.what, strerror(f.err));
		return EXIT_SYSTEM;
	}
}
