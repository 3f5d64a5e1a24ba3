/* bench/filters.c: the range program against libseccomp's, for the same
 * profile: instruction counts (default, complain variant, PID 1), the cost
 * of installing each (seccomp(2) in a fresh child, program prebuilt), and
 * the cost of denied and argument-checked calls under each, in ns over no
 * filter. Prints one markdown section. Built by bench/run.sh against the
 * shim's own profile code (build/host libraries). */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "emit.h"
#include "log.h"
#include "profile.h"

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return v[n / 2];
}

static int parse(const char *path, struct ruleset *rs)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return profile_parse(buf, n, path, rs, NULL);
}

/* ns for seccomp(2) with PROG in a fresh child: median of RUNS. */
static double install_ns(const struct sock_fprog *prog, int runs)
{
	double *v = calloc((size_t)runs, sizeof *v);
	for (int i = 0; i < runs; i++) {
		int p[2];
		if (pipe(p))
			exit(1);
		pid_t pid = fork();
		if (pid == 0) {
			double t0 = 0, t1 = 0;
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) {
				t0 = now_ns();
				if (prog && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog))
					_exit(1);
				t1 = now_ns();
			}
			double d = t1 - t0;
			ssize_t w = write(p[1], &d, sizeof d);
			_exit(w == sizeof d ? 0 : 1);
		}
		close(p[1]);
		if (read(p[0], &v[i], sizeof v[i]) != sizeof v[i])
			v[i] = -1;
		close(p[0]);
		waitpid(pid, NULL, 0);
	}
	double m = median(v, runs);
	free(v);
	return m;
}

/* ns per call for the three probes under PROG (NULL: no filter), in a child. */
static void call_ns(const struct sock_fprog *prog, double out[3])
{
	int p[2];
	if (pipe(p))
		exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    (prog && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog)))
			_exit(1);
		double r[3];
		enum { N = 200000, ROUNDS = 7 };
		for (int probe = 0; probe < 3; probe++) {
			double v[ROUNDS];
			for (int k = 0; k < ROUNDS; k++) {
				double t0 = now_ns();
				for (int i = 0; i < N; i++) {
					if (probe == 0)
						syscall(SYS_mount, NULL, NULL, NULL, 0, NULL); /* denied (EPERM) */
					else if (probe == 1)
						syscall(SYS_socket, AF_INET, 9999, 0); /* argument-checked, allowed: EINVAL */
					else
						syscall(999); /* unassigned: ENOSYS */
				}
				v[k] = (now_ns() - t0) / N;
			}
			r[probe] = median(v, ROUNDS);
		}
		ssize_t w = write(p[1], r, sizeof r);
		_exit(w == sizeof r ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], out, 3 * sizeof *out) != 3 * (ssize_t)sizeof *out)
		out[0] = out[1] = out[2] = -1;
	close(p[0]);
	waitpid(pid, NULL, 0);
}

int main(int argc, char **argv)
{
	log_set_level(LOG_LEVEL_ERROR);
	int runs = argc > 1 ? atoi(argv[1]) : 300;
	struct ruleset def, complain, pid1;
	if (parse("seccomp/default.json", &def) || parse("seccomp/pid1.json", &pid1) ||
	    ruleset_complain(&def, &complain))
		return 1;
	const struct ruleset *sets[3] = { &def, &complain, &pid1 };
	const char *names[3] = { "default", "default, complain variant", "PID 1" };
	struct sock_fprog range[3], lib[3];
	for (int i = 0; i < 3; i++) {
		if (profile_emit(sets[i], names[i], true, &range[i].filter, &range[i].len) ||
		    emit_libseccomp(sets[i], names[i], &lib[i].filter, &lib[i].len))
			return 1;
	}
	printf("## Filters: range program vs libseccomp's\n\n");
	printf("Command: `build/bench/filters %d` (from bench/run.sh), %d installs per median.\n\n", runs, runs);
	printf("| profile | range instructions | libseccomp instructions | goal |\n|---|---|---|---|\n");
	for (int i = 0; i < 3; i++)
		printf("| %s | %u | %u | %s |\n", names[i], range[i].len, lib[i].len,
		       i == 0 ? (range[i].len <= 200 ? "<= 200: met" : "<= 200: MISSED") : "");
	double none = install_ns(NULL, runs);
	double ir = install_ns(&range[0], runs), il = install_ns(&lib[0], runs);
	printf("\n| install (seccomp(2), fresh child, median) | ns | over no filter |\n|---|---|---|\n");
	printf("| no filter (prctl only) | %.0f | |\n", none);
	printf("| default, range program | %.0f | +%.0f |\n", ir, ir - none);
	printf("| default, libseccomp program | %.0f | +%.0f |\n", il, il - none);
	printf("| ratio libseccomp / range (over no filter) | %.2fx | |\n", (il - none) / (ir - none));
	double c0[3], cr[3], cl[3];
	call_ns(NULL, c0);
	call_ns(&range[0], cr);
	call_ns(&lib[0], cl);
	static const char *probe[3] = { "mount (denied, EPERM)", "socket(AF_INET, bad type) (argument-checked)",
					"nr 999 (unassigned, ENOSYS)" };
	printf("\n| call under the default | no filter ns | range: ns over | libseccomp: ns over |\n|---|---|---|---|\n");
	for (int p = 0; p < 3; p++)
		printf("| %s | %.0f | +%.0f | +%.0f |\n", probe[p], c0[p], cr[p] - c0[p], cl[p] - c0[p]);
	return 0;
}
