#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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

enum failure_stage { STAGE_NONE, STAGE_SETUP, STAGE_FILTER, STAGE_EXEC, STAGE_NOTFOUND, STAGE_IDENTITY };

/* What the child leaves for PID 1 when it cannot exec. It is written to
 * memory the parent reads (shared: CLONE_VM, or a MAP_SHARED page in the
 * fork build), not sent through a descriptor, so the child needs no write(2)
 * once its filter is installed. */
struct failure {
	int stage;
	int err;
	char what[240];
};

struct child_args {
	const struct spawn_request *req;
	struct failure *failure;
	int listener_sock;
};

/* The child ends here: it leaves STAGE, ERR and WHAT for PID 1 (which logs
 * them and picks the exit code) and exits. */
static _Noreturn void child_fails(struct failure *f, int stage, int err, const char *what)
{
	size_t len = strlen(what);
	if (len >= sizeof f->what)
		len = sizeof f->what - 1;
	memcpy(f->what, what, len);
	f->what[len] = '\0';
	f->err = err;
	f->stage = stage;
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

/* getdents64's record (linux_dirent64, which no libc header declares). */
struct dirent64_record {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* Closes the descriptors /proc/self/fd lists from FIRST to LAST. procfs
 * lists them by number, so closing some while reading goes on correctly. */
static int close_listed_fds(unsigned first, unsigned last)
{
	int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1;
	char buf[2048] __attribute__((aligned(8)));
	long n;
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0) {
		for (long at = 0; at < n;) {
			const struct dirent64_record *d = (const void *)(buf + at);
			at += d->reclen;
			unsigned long fd = 0;
			const char *p = d->name;
			for (; *p >= '0' && *p <= '9' && fd <= UINT32_MAX; p++)
				fd = fd * 10 + (unsigned long)(*p - '0');
			if (p == d->name || *p || fd < first || fd > last || fd == (unsigned long)dir)
				continue; /* ".", "..", out of range, or the listing itself */
			/* Linux frees the number whatever close returns. */
			(void)close((int)fd);
		}
	}
	int err = n < 0 ? errno : 0;
	(void)close(dir);
	errno = err;
	return err ? -1 : 0;
}

int spawn_close_fds_fallback(unsigned first, unsigned last)
{
	if (close_listed_fds(first, last) == 0)
		return 0;
	/* No /proc (or no descriptor left to open it): every number up to the
	 * hard limit, which is at or above any descriptor open, capped at
	 * fs.nr_open's default. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	rlim_t max = rl.rlim_max > (1u << 20) ? (1u << 20) : rl.rlim_max;
	for (rlim_t fd = first; fd < max && fd <= last; fd++)
		(void)close((int)fd); /* EBADF for most: nothing to check */
	return 0;
}

int spawn_close_fds_from(unsigned first)
{
	if (syscall(SYS_close_range, first, ~0u, 0u) == 0)
		return 0;
	/* Before Linux 5.9, or a runtime's profile that refuses close_range. */
	return spawn_close_fds_fallback(first, ~0u);
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

/* The command search the child makes before its filter; on failure, the
 * stage and the name its message gives (the one execvp would report). */
static int search(const struct spawn_request *req, char *exe, size_t size, size_t *fallback_dir, int *stage,
		  const char **what)
{
	int err = path_find(req->argv[0], req->path, req->fallback, exe, size, fallback_dir);
	*stage = err == ENOENT || err == ENOTDIR ? STAGE_NOTFOUND : STAGE_EXEC;
	*what = err && (err == EACCES || path_error_is_final(err)) ? exe : req->argv[0];
	return err;
}

/* envp[path_slot] = "PATH=" PATH ":" DIR, DIR being EXE's first DIR_LEN
 * bytes: appended, so PATH's own directories keep their precedence. */
static int extend_path(const struct spawn_request *req, const char *exe, size_t dir_len)
{
	const char *path = req->path ? req->path : SHIM_DEFAULT_PATH;
	size_t path_len = strlen(path);
	if (!req->path_entry || 5 + path_len + 1 + dir_len + 1 > req->path_entry_size)
		return -1;
	char *e = req->path_entry;
	memcpy(e, "PATH=", 5);
	memcpy(e + 5, path, path_len);
	e[5 + path_len] = ':';
	memcpy(e + 6 + path_len, exe, dir_len);
	e[6 + path_len + dir_len] = '\0';
	req->envp[req->path_slot] = e;
	return 0;
}

static int child_main(void *arg)
{
	const struct child_args *a = arg;
	const struct spawn_request *req = a->req;
	struct failure *fail = a->failure;

	if (req->sigchld_ignored && signal(SIGCHLD, SIG_IGN) == SIG_ERR)
		child_fails(fail, STAGE_SETUP, errno, "restoring SIGCHLD");
	if (req->foreground) {
		if (setpgid(0, 0))
			child_fails(fail, STAGE_SETUP, errno, "setpgid");
		/* Signals are still blocked here, so SIGTTOU cannot stop us. A
		 * terminal we do not control is not fatal: the child keeps its group. */
		(void)tcsetpgrp(STDIN_FILENO, getpid());
	} else if (setsid() < 0) {
		child_fails(fail, STAGE_SETUP, errno, "setsid");
	}
	if (mark_fds_cloexec())
		child_fails(fail, STAGE_SETUP, errno, "closing inherited descriptors");

	/* The PATH and fallback search happens here, before the filter, as runc
	 * does: the filter then sees one execve, not the search's attempts. */
	char exe[4096];
	size_t fallback_dir = 0;
	int stage;
	const char *what;
	int err = search(req, exe, sizeof exe, &fallback_dir, &stage, &what);
	if (err)
		child_fails(fail, stage, err, what);
	/* Found through the fallback: node's own children (spawnSync("node"),
	 * npm) search the same PATH, so it gains that directory. */
	if (fallback_dir && extend_path(req, exe, fallback_dir))
		child_fails(fail, STAGE_SETUP, ENAMETOOLONG, "adding the fallback directory to PATH");

	if (req->ambient_net_bind_service &&
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0))
		child_fails(fail, STAGE_IDENTITY, errno, "raising CAP_NET_BIND_SERVICE as ambient");

	if (shim_sigmask(SIG_SETMASK, req->child_mask, NULL))
		child_fails(fail, STAGE_SETUP, errno, "restoring the signal mask");

	/* From here on the filter is installed. The child makes only the calls
	 * complain mode's bootstrap allowance lets through (ruleset.c):
	 * sendmsg (complain/learn: the listener to PID 1, which cannot answer a
	 * notification before it holds it), execve, and exit_group on failure.
	 * The listener needs no close: seccomp(2) opens it close-on-exec. */
	if (req->filter) {
		long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				  req->listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, req->filter);
		if (fd < 0)
			child_fails(fail, STAGE_FILTER, errno, "installing the seccomp filter");
		if (req->listener && send_fd(a->listener_sock, (int)fd))
			child_fails(fail, STAGE_FILTER, errno, "handing the listener to PID 1");
	}
	execve(exe, req->argv, req->envp);
	child_fails(fail, STAGE_EXEC, errno, exe);
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

/* The one line and the exit code for a child that could not exec. */
static int log_failure(const struct spawn_request *req, int stage, int err, const char *what)
{
	switch (stage) {
	case STAGE_NOTFOUND:
		log_not_found(req);
		return EXIT_NOTFOUND;
	case STAGE_EXEC:
		log_error("%s: cannot execute: %s", what, strerror(err));
		return err == ENOENT || err == ENOTDIR ? EXIT_NOTFOUND : EXIT_NOEXEC;
	case STAGE_FILTER:
		log_error("seccomp: %s: %s", what, strerror(err));
		return EXIT_SECCOMP;
	case STAGE_IDENTITY:
		log_error("identity: %s: %s", what, strerror(err));
		return EXIT_IDENTITY;
	default:
		log_error("child set-up: %s: %s", what, strerror(err));
		return EXIT_SYSTEM;
	}
}

int spawn_check(const struct spawn_request *req, char *exe, size_t size, size_t *fallback_dir)
{
	int stage;
	const char *what;
	int err = search(req, exe, size, fallback_dir, &stage, &what);
	if (!err && req->ambient_net_bind_service &&
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0)) {
		err = errno;
		stage = STAGE_IDENTITY;
		what = "raising CAP_NET_BIND_SERVICE as ambient";
	}
	return err ? log_failure(req, stage, err, what) : 0;
}

int spawn_child(const struct spawn_request *req, pid_t *pid_out, int *listener_fd)
{
	int sock[2] = { -1, -1 };
	bool want_listener = req->filter && req->listener;

	*listener_fd = -1;
#ifdef SHIM_SPAWN_FORK
	/* The fork build: a shared page for the failure, and a close-on-exec
	 * pipe whose end of file says the child has exec'd or exited. */
	int pipefd[2];
	struct failure *f = mmap(NULL, sizeof *f, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (f == MAP_FAILED) {
		log_error("mmap: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	if (pipe2(pipefd, O_CLOEXEC)) {
		log_error("pipe: %s", strerror(errno));
		(void)munmap(f, sizeof *f);
		return EXIT_SYSTEM;
	}
#else
	/* CLONE_VM: the child writes here; CLONE_VFORK: we read it once the
	 * child has exec'd or exited. */
	struct failure failure;
	struct failure *f = &failure;
#endif
	f->stage = STAGE_NONE;
	int rc = EXIT_SYSTEM;
	pid_t pid = -1;
	if (want_listener && socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sock)) {
		log_error("socketpair: %s", strerror(errno));
		goto out;
	}

	struct child_args args = { .req = req, .failure = f, .listener_sock = sock[1] };
#ifdef SHIM_SPAWN_FORK
	/* Sanitizer builds: their runtimes do not follow a CLONE_VM child. */
	pid = fork();
	if (pid == 0)
		_exit(child_main(&args));
	int clone_errno = errno;
	(void)close(pipefd[1]);
	pipefd[1] = -1;
	if (pid > 0) {
		char byte;
		while (read(pipefd[0], &byte, 1) < 0 && errno == EINTR)
			;
	}
#else
	/* The child runs on this stack while the parent waits (CLONE_VFORK). */
	static char child_stack[64 * 1024] __attribute__((aligned(16)));
	/* Like posix_spawn: the child borrows our memory until it execs, which
	 * saves a page-table copy that costs ~0.5 ms on small VMs. */
	pid = clone(child_main, child_stack + sizeof child_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
	int clone_errno = errno;
#endif
	if (sock[1] >= 0)
		(void)close(sock[1]);
	if (pid < 0) {
		log_error("starting the child: %s", strerror(clone_errno));
		goto out;
	}

	if (f->stage == STAGE_NONE) {
		rc = 0;
		*pid_out = pid;
		if (want_listener) {
			*listener_fd = receive_fd(sock[0]);
			if (*listener_fd < 0) {
				/* The child runs but nothing would answer its notifications. */
				log_error("seccomp: no listener from the child; stopping it");
				(void)kill(pid, SIGKILL);
				(void)waitpid(pid, NULL, 0);
				rc = EXIT_SECCOMP;
			}
		}
		goto out;
	}

	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	f->what[sizeof f->what - 1] = '\0';
	rc = log_failure(req, f->stage, f->err, f->what);
out:
	if (sock[0] >= 0)
		(void)close(sock[0]);
#ifdef SHIM_SPAWN_FORK
	if (pipefd[1] >= 0)
		(void)close(pipefd[1]);
	(void)close(pipefd[0]);
	(void)munmap(f, sizeof *f);
#endif
	return rc;
}
