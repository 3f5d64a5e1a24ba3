/* orphans: reaping workload, run as the child of the init under test (the init
 * must be PID 1 of a fresh PID namespace, `unshare --pid --fork --mount-proc`).
 *
 *   orphans N MAXSLEEP_MS LIMIT_MS
 *
 * One intermediate process creates N grandchildren with clone(CLONE_VM|SIGCHLD)
 * (ordinary processes with their own PID that share the intermediate's memory;
 * fork() costs ~0.6 ms on the measuring guest, clone(CLONE_VM) ~80 us) and exits
 * at once without waiting for them, so all N are reparented to PID 1. Each
 * grandchild sleeps a pseudo-random 0..MAXSLEEP_MS ms and exits.
 * After the intermediate has been reaped (t_create) this process polls /proc
 * (getdents only, ~1 ms apart) until no process other than PID 1 and itself is
 * left ("zombie-free"), for at most LIMIT_MS. Then it scans /proc/PID/stat and
 * counts what is left (state Z = zombies, anything else = alive).
 * Output, one line on stdout:
 *   create_ms=.. free_after_create_ms=..|never free_from_start_ms=..|never
 *   first_poll=.. zombies_left=.. alive_left=.. clone_fail=..
 * Build: musl-gcc -static -O2 -o build/bench/orphans bench/orphans.c */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STACK_SZ 4096

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Grandchild: raw system calls only (it shares memory and TLS with its parent). */
static int grandchild(void *arg)
{
	long ns = (long)arg;
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };
	if (ns > 0)
		syscall(SYS_nanosleep, &ts, NULL);
	syscall(SYS_exit, 0);
	return 0;
}

static int is_pid(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* Count processes other than PID 1 and self (getdents only). */
static int count_others(pid_t self)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (!is_pid(e->d_name))
			continue;
		long p = atol(e->d_name);
		if (p != 1 && p != self)
			n++;
	}
	closedir(d);
	return n;
}

static void scan(pid_t self, int *zombies, int *alive)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[64], buf[512];
	*zombies = *alive = 0;
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!is_pid(e->d_name))
			continue;
		long p = atol(e->d_name);
		if (p == 1 || p == self)
			continue;
		snprintf(path, sizeof path, "/proc/%ld/stat", p);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue; /* gone meanwhile */
		ssize_t r = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = 0;
		char *c = strrchr(buf, ')');
		if (c && c[1] == ' ' && c[2] == 'Z')
			(*zombies)++;
		else
			(*alive)++;
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fputs("usage: orphans N MAXSLEEP_MS LIMIT_MS\n", stderr);
		return 64;
	}
	long n = atol(argv[1]), maxsleep = atol(argv[2]), limit = atol(argv[3]);
	if (n < 1 || n > 100000 || maxsleep < 0 || limit < 1 || limit > 60000)
		return 64;
	pid_t self = getpid();
	double t0 = now_ms();
	int pfd[2];
	if (pipe(pfd) < 0)
		return 111;
	pid_t mid = fork();
	if (mid < 0)
		return 111;
	if (mid == 0) {
		close(pfd[0]);
		char *stacks = mmap(NULL, (size_t)n * STACK_SZ, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (stacks == MAP_FAILED)
			_exit(111);
		unsigned long x = 88172645463325252UL;
		int fails = 0;
		for (long i = 0; i < n; i++) {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			long ns = maxsleep ? (long)(x % (unsigned long)(maxsleep * 1000)) * 1000 : 0;
			if (clone(grandchild, stacks + (i + 1) * STACK_SZ - 64,
				  CLONE_VM | SIGCHLD, (void *)ns) < 0)
				fails++;
		}
		(void)!write(pfd[1], &fails, sizeof fails);
		_exit(0); /* at once, without waiting: every grandchild is orphaned */
	}
	close(pfd[1]);
	int st, fails = -1;
	while (waitpid(mid, &st, 0) < 0)
		;
	double tc = now_ms();
	if (read(pfd[0], &fails, sizeof fails) != sizeof fails)
		fails = -1;
	int first = -1, left;
	double tfree = -1;
	for (;;) {
		left = count_others(self);
		if (first < 0)
			first = left;
		if (left == 0) {
			tfree = now_ms();
			break;
		}
		if (now_ms() - tc > limit)
			break;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	int zombies, alive;
	scan(self, &zombies, &alive);
	if (tfree >= 0)
		printf("create_ms=%.1f free_after_create_ms=%.1f free_from_start_ms=%.1f "
		       "first_poll=%d zombies_left=%d alive_left=%d clone_fail=%d\n",
		       tc - t0, tfree - tc, tfree - t0, first, zombies, alive, fails);
	else
		printf("create_ms=%.1f free_after_create_ms=never free_from_start_ms=never "
		       "first_poll=%d zombies_left=%d alive_left=%d clone_fail=%d\n",
		       tc - t0, first, zombies, alive, fails);
	fflush(stdout);
	return 0;
}
