/* sysloop: price of one system call under whatever seccomp filter it runs with.
 *
 *   sysloop ROUNDS ITERS
 *
 * Calls, each through syscall(2) with fixed arguments:
 *   getppid        allowed, no arguments (hot, cacheable by the kernel)
 *   read1          read(fd, buf, 1) on /dev/zero (allowed, cacheable)
 *   mount          mount(NULL, NULL, NULL, 0, NULL): denied by a filter; with no
 *                  filter the kernel fails it early itself (EFAULT/EPERM)
 *   nr999          system call number 999 (unknown to the kernel: ENOSYS
 *                  without a filter; the filter's default action with one)
 * For each round the four loops run one after the other (interleaved), each
 * timed over ITERS calls with CLOCK_MONOTONIC. Prints, per call,
 *   NAME min_ns median_ns ret errno
 * (ns per call: min and median over the rounds; return value and errno
 * number of the last call, errno 0 when it succeeded),
 * and first a line "# Seccomp: M filters: F" from /proc/self/status.
 * Build: musl-gcc -static -O2 -o build/bench/sysloop bench/sysloop.c */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NCALL 4
static const char *names[NCALL] = { "getppid", "read1", "mount", "nr999" };
static int zfd;
static char buf[8];

static long call(int which)
{
	switch (which) {
	case 0: return syscall(SYS_getppid);
	case 1: return syscall(SYS_read, zfd, buf, 1);
	case 2: return syscall(SYS_mount, NULL, NULL, NULL, 0, NULL);
	default: return syscall(999, 0, 0, 0, 0, 0);
	}
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long rounds = argc == 3 ? atol(argv[1]) : 0, iters = argc == 3 ? atol(argv[2]) : 0;
	if (rounds < 1 || rounds > 1000 || iters < 1 || iters > 100000000) {
		fputs("usage: sysloop ROUNDS ITERS\n", stderr);
		return 64;
	}
	zfd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (zfd < 0)
		return 111;
	FILE *f = fopen("/proc/self/status", "r");
	char line[256], seccomp[32] = "?", filters[32] = "?";
	while (f && fgets(line, sizeof line, f)) {
		if (!strncmp(line, "Seccomp:", 8))
			sscanf(line + 8, "%31s", seccomp);
		if (!strncmp(line, "Seccomp_filters:", 16))
			sscanf(line + 16, "%31s", filters);
	}
	if (f)
		fclose(f);
	printf("# Seccomp: %s filters: %s\n", seccomp, filters);

	double *t = calloc((size_t)(rounds * NCALL), sizeof *t);
	long ret[NCALL];
	int err[NCALL];
	for (int c = 0; c < NCALL; c++) /* warm-up */
		for (long i = 0; i < iters / 10 + 1; i++)
			call(c);
	for (long r = 0; r < rounds; r++)
		for (int c = 0; c < NCALL; c++) {
			double a = now_ns();
			for (long i = 0; i < iters; i++)
				ret[c] = call(c);
			err[c] = ret[c] < 0 ? errno : 0;
			t[c * rounds + r] = (now_ns() - a) / (double)iters;
		}
	for (int c = 0; c < NCALL; c++) {
		double *v = t + c * rounds;
		qsort(v, (size_t)rounds, sizeof *v, cmp);
		double med = rounds % 2 ? v[rounds / 2] : (v[rounds / 2 - 1] + v[rounds / 2]) / 2;
		printf("%s %.1f %.1f %ld %d\n", names[c], v[0], med, ret[c], err[c]);
	}
	return 0;
}
