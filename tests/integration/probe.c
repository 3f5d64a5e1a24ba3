/* A child for the integration tests: reports what it was given (identity,
 * signals, descriptors, environment) and behaves as each test needs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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
			    !strncmp(line, "NoNewPrivs:", 11))
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
	if (!strcmp(cmd, "args")) {
		for (int i = 2; i < argc; i++)
			printf("arg[%d]=%s\n", i - 2, argv[i]);
		return 0;
	}
	return 64;
}
