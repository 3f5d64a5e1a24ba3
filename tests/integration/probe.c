/* A child for the integration tests: reports what it was given (identity,
 * signals, descriptors, environment) and behaves as each test needs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void status_lines(void)
{
	static const char *const keys[] = { "Uid:", "Gid:", "Groups:", "CapInh:", "CapPrm:", "CapEff:",
					    "CapBnd:", "CapAmb:", "NoNewPrivs:", "Seccomp:", "SigBlk:",
					    "SigIgn:", NULL };
	FILE *f = fopen("/proc/self/status", "r");
	char line[512];
	while (f && fgets(line, sizeof line, f))
		for (const char *const *k = keys; *k; k++)
			if (!strncmp(line, *k, strlen(*k)))
				fputs(line, stdout);
	if (f)
		fclose(f);
}

static void fd_lines(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	printf("fds:");
	while (d && (e = readdir(d))) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] != '.' && fd > 2 && fd != dirfd(d))
			printf(" %d", fd);
	}
	printf("\n");
	if (d)
		closedir(d);
}

static int cmd_status(void)
{
	status_lines();
	fd_lines();
	int shim_vars = 0;
	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "SHIM_", 5))
			shim_vars++;
	const char *home = getenv("HOME");
	printf("HOME=%s\nshim_vars=%d\npid=%d ppid=%d pgid=%d sid=%d\n", home ? home : "(unset)", shim_vars,
	       (int)getpid(), (int)getppid(), (int)getpgrp(), (int)getsid(0));
	return 0;
}

static int record_fd = -1;

static void on_signal(int sig)
{
	char buf[16];
	int n = snprintf(buf, sizeof buf, "%d\n", sig);
	if (write(record_fd, buf, (size_t)n) < 0)
		_exit(99);
	if (sig == SIGTERM)
		_exit(0);
}

/* Records every catchable signal to FILE, one number a line; TERM ends it with 0. */
static int cmd_signals(const char *file)
{
	record_fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (record_fd < 0)
		return 2;
	struct sigaction sa = { .sa_handler = on_signal };
	sigfillset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			sigaction(sig, &sa, NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (write(record_fd, "ready\n", 6) != 6)
		return 2;
	for (int i = 0; i < 600; i++)
		sleep(1);
	return 3;
}

/* Like cmd_signals, for every signal 1-64 including the ones libc reserves
 * (musl: 32-34), which sigaction refuses: blocked with the raw system call
 * and read through signalfd. TERM ends it with 0. */
static int cmd_sigfd(const char *file)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return 2;
	sigset_t all;
	memset(&all, 0xff, sizeof all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, _NSIG / 8))
		return 2;
	int sfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sfd < 0 || write(fd, "ready\n", 6) != 6)
		return 2;
	for (;;) {
		struct signalfd_siginfo si;
		if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si)
			return 2;
		char buf[16];
		int n = snprintf(buf, sizeof buf, "%u\n", si.ssi_signo);
		if (write(fd, buf, (size_t)n) != n)
			return 2;
		if (si.ssi_signo == SIGTERM)
			return 0;
	}
}

/* Writes "main PID" to FILE, leaves a child that moved to a session of its own
 * and ignores TERM, and exits: the main child's process group is then gone. */
static int cmd_orphan_own_group(const char *file)
{
	int sync[2];
	if (pipe(sync))
		return 2;
	pid_t g = fork();
	if (g < 0)
		return 2;
	if (g == 0) {
		signal(SIGTERM, SIG_IGN);
		/* A session of its own: staying in the main child's session would
		 * keep that number (and so the group id) allocated. */
		if (setsid() < 0 || write(sync[1], "x", 1) != 1)
			_exit(2);
		for (int i = 0; i < 60; i++)
			sleep(1);
		_exit(0);
	}
	char c;
	if (read(sync[0], &c, 1) != 1)
		return 2;
	FILE *f = fopen(file, "a");
	if (!f)
		return 2;
	fprintf(f, "main %d\n", (int)getpid());
	return fclose(f) ? 2 : 0;
}

/* PID 1 of a test PID namespace: runs SHIM PROBE orphan-own-group FILE as a
 * subreaper, waits until the shim has reaped the main child, then makes a
 * canary (same uid as the shim) whose process group reuses the main child's
 * number, as an unrelated process of a shared PID namespace could. Reports
 * the shim's exit status and whether the canary survived. */
static int cmd_reuse_pgid(const char *file, const char *shim, const char *probe)
{
	pid_t s = fork();
	if (s < 0)
		return 2;
	if (s == 0) {
		execl(shim, shim, probe, "orphan-own-group", file, (char *)NULL);
		_exit(121);
	}
	int main_pid = 0;
	for (int i = 0; i < 2000 && !main_pid; i++) {
		FILE *f = fopen(file, "r");
		if (f) {
			if (fscanf(f, "main %d", &main_pid) != 1)
				main_pid = 0;
			fclose(f);
		}
		if (!main_pid)
			usleep(5000);
	}
	if (!main_pid)
		return 3;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d", main_pid);
	for (int i = 0; i < 2000 && access(path, F_OK) == 0; i++)
		usleep(5000);
	if (access(path, F_OK) == 0)
		return 4;
	FILE *last = fopen("/proc/sys/kernel/ns_last_pid", "w");
	if (!last || fprintf(last, "%d", main_pid - 1) < 0 || fclose(last))
		return 5;
	pid_t canary = fork();
	if (canary < 0)
		return 2;
	if (canary == 0) {
		if (setpgid(0, 0) || setresgid(65532, 65532, 65532) || setresuid(65532, 65532, 65532))
			_exit(2);
		for (int i = 0; i < 60; i++)
			sleep(1);
		_exit(0);
	}
	printf("canary %d pgid %d main %d\n", (int)canary, (int)getpgid(canary), main_pid);
	int st;
	while (waitpid(s, &st, 0) < 0)
		if (errno != EINTR)
			return 2;
	printf("shim status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	pid_t w = waitpid(canary, &st, WNOHANG);
	printf("canary %s\n", w == 0 ? "alive" : WIFSIGNALED(st) ? "killed" : "exited");
	kill(canary, SIGKILL);
	waitpid(canary, &st, 0);
	return 0;
}

static volatile sig_atomic_t burst_count;

static void on_burst(int sig)
{
	if (sig == SIGTERM)
		_exit(42);
	burst_count++;
}

/* Busy (spinning) child for signal bursts: counts signals, TERM exits 42. */
static int cmd_burst(const char *file)
{
	struct sigaction sa = { .sa_handler = on_burst };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "ready\n", 6) != 6)
		return 2;
	close(fd);
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while (now.tv_sec - start.tv_sec < 60);
	return 3;
}

static size_t count_others(int *zombies)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;
	*zombies = 0;
	while (d && (e = readdir(d))) {
		int pid = atoi(e->d_name);
		if (pid <= 1 || pid == getpid())
			continue;
		n++;
		char path[64], buf[256];
		snprintf(path, sizeof path, "/proc/%d/stat", pid);
		int fd = open(path, O_RDONLY);
		if (fd >= 0) {
			ssize_t r = read(fd, buf, sizeof buf - 1);
			close(fd);
			if (r > 0) {
				buf[r] = '\0';
				char *p = strrchr(buf, ')');
				if (p && p[1] == ' ' && p[2] == 'Z')
					(*zombies)++;
			}
		}
	}
	if (d)
		closedir(d);
	return n;
}

/* Makes N orphans, then waits (bounded) until /proc shows nobody but PID 1 and us. */
static int cmd_orphans(int n)
{
	pid_t mid = fork();
	if (mid < 0)
		return 2;
	if (mid == 0) {
		for (int i = 0; i < n; i++) {
			pid_t p = fork();
			if (p == 0)
				_exit(0);
			if (p < 0)
				_exit(2);
		}
		_exit(0);
	}
	int st;
	waitpid(mid, &st, 0);
	int zombies = 0;
	size_t left = 0;
	for (int i = 0; i < 2000; i++) {
		left = count_others(&zombies);
		if (!left)
			break;
		usleep(10000);
	}
	printf("left %zu zombies %d\n", left, zombies);
	return left == 0 ? 0 : 1;
}

static int cmd_ignore_term(int seconds)
{
	signal(SIGTERM, SIG_IGN);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	printf("ready\n");
	fflush(stdout);
	for (int i = 0; i < seconds; i++)
		sleep(1);
	return 0;
}

/* Leaves a grandchild that keeps stdout open (and ignores TERM if asked). */
static int cmd_leave_grandchild(int seconds, int ignore_term)
{
	if (ignore_term)
		signal(SIGTERM, SIG_IGN);
	pid_t p = fork();
	if (p == 0) {
		for (int i = 0; i < seconds; i++)
			sleep(1);
		_exit(0);
	}
	printf("grandchild %d\n", (int)p);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 64;
	const char *cmd = argv[1];
	if (!strcmp(cmd, "status"))
		return cmd_status();
	if (!strcmp(cmd, "exit") && argc > 2)
		return atoi(argv[2]);
	if (!strcmp(cmd, "raise") && argc > 2) {
		signal(atoi(argv[2]), SIG_DFL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		raise(atoi(argv[2]));
		return 1;
	}
	if (!strcmp(cmd, "pid1")) {
		/* PID 1's own identity and filter, as the child sees them. PID 1
		 * confines itself right after our exec, so give it a moment. */
		char buf[4096];
		for (int i = 0; i < 200; i++) {
			int fd = open("/proc/1/status", O_RDONLY);
			ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
			if (fd >= 0)
				close(fd);
			if (n <= 0)
				return 2;
			buf[n] = '\0';
			if (strstr(buf, "\nSeccomp:\t2\n"))
				break;
			usleep(10000);
		}
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
			if (!strncmp(line, "Uid:", 4) || !strncmp(line, "Seccomp:", 8) || !strncmp(line, "CapEff:", 7) ||
			    !strncmp(line, "CapPrm:", 7) || !strncmp(line, "CapInh:", 7) ||
			    !strncmp(line, "CapAmb:", 7) || !strncmp(line, "NoNewPrivs:", 11))
				puts(line);
		return 0;
	}
	if (!strcmp(cmd, "tty")) {
		/* Whether we are the terminal's foreground group, and our session. */
		printf("foreground=%d leader=%d\n", tcgetpgrp(0) == getpgrp(), getsid(0) == getpid());
		return 0;
	}
	if (!strcmp(cmd, "seccomp")) {
		/* Works without /proc: the mode of this process's filter. */
		printf("seccomp=%d\n", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
		return 0;
	}
	if (!strcmp(cmd, "burst") && argc > 2)
		return cmd_burst(argv[2]);
	if (!strcmp(cmd, "sigfd") && argc > 2)
		return cmd_sigfd(argv[2]);
	if (!strcmp(cmd, "orphan-own-group") && argc > 2)
		return cmd_orphan_own_group(argv[2]);
	if (!strcmp(cmd, "reuse-pgid") && argc > 4)
		return cmd_reuse_pgid(argv[2], argv[3], argv[4]);
	if (!strcmp(cmd, "signals") && argc > 2)
		return cmd_signals(argv[2]);
	if (!strcmp(cmd, "orphans") && argc > 2)
		return cmd_orphans(atoi(argv[2]));
	if (!strcmp(cmd, "ignore-term") && argc > 2)
		return cmd_ignore_term(atoi(argv[2]));
	if (!strcmp(cmd, "grandchild") && argc > 2)
		return cmd_leave_grandchild(atoi(argv[2]), argc > 3 && !strcmp(argv[3], "ignore-term"));
	if (!strcmp(cmd, "sleep") && argc > 2) {
		sleep((unsigned)atoi(argv[2]));
		return 0;
	}
	if (!strcmp(cmd, "socket")) {
		/* What a profile with socket rules decides in the kernel. */
		static const struct {
			int family;
			const char *name;
		} fam[] = { { AF_INET, "AF_INET" }, { AF_UNIX, "AF_UNIX" } };
		for (int i = 0; i < 2; i++) {
			int fd = socket(fam[i].family, SOCK_STREAM, 0);
			if (fd >= 0)
				printf("socket(%s, SOCK_STREAM): ALLOWED\n", fam[i].name);
			else
				printf("socket(%s, SOCK_STREAM): errno %d\n", fam[i].name, errno);
			if (fd >= 0)
				close(fd);
		}
		return 0;
	}
	if (!strcmp(cmd, "overwrite") && argc > 3 && argc % 2 == 0) {
		/* overwrite PATH TEXT...: a workload replacing files it can write
		 * (learn mode's output). Twice, so the last pass makes no call for
		 * the first time and PID 1 has no reason to rewrite them after it. */
		for (int pass = 0; pass < 2; pass++)
			for (int i = 2; i + 1 < argc; i += 2) {
				int fd = open(argv[i], O_WRONLY | O_TRUNC | O_CLOEXEC);
				size_t n = strlen(argv[i + 1]);
				if (fd < 0 || write(fd, argv[i + 1], n) != (ssize_t)n || close(fd))
					return 1;
			}
		return 0;
	}
	if (!strcmp(cmd, "listen")) {
		/* bind and listen: calls the default profile allows that exit does not make. */
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(sa_family_t)) || listen(fd, 1) || close(fd))
			return 1;
		return 0;
	}
	if (!strcmp(cmd, "bind") && argc > 2) {
		/* A TCP listener on PORT of any address: below 1024 it needs
		 * CAP_NET_BIND_SERVICE. */
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)atoi(argv[2])) };
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a))
			printf("bind %s: %s\n", argv[2], strerror(errno));
		else
			printf("bind %s: ok\n", argv[2]);
		return 0;
	}
	if (!strcmp(cmd, "getenv") && argc > 2) {
		const char *v = getenv(argv[2]);
		printf("%s%s%s\n", argv[2], v ? "=" : " unset", v ? v : "");
		return 0;
	}
	if (!strcmp(cmd, "execvp") && argc > 2) {
		/* What node's spawnSync(NAME) does: a child found through PATH. */
		fflush(stdout);
		pid_t p = fork();
		if (p == 0) {
			execvp(argv[2], argv + 2);
			printf("execvp %s: %s\n", argv[2], strerror(errno));
			_exit(127);
		}
		int st;
		if (p < 0 || waitpid(p, &st, 0) != p)
			return 2;
		printf("execvp %s: exit %d\n", argv[2], WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		return 0;
	}
	if (!strcmp(cmd, "args")) {
		for (int i = 2; i < argc; i++)
			printf("arg[%d]=%s\n", i - 2, argv[i]);
		return 0;
	}
	return 64;
}
