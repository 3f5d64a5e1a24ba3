/* bench/filters.c: the range program against libseccomp's, for the same
 * profiles (seccomp/default.json, its complain variant, seccomp/pid1.json):
 *   1. instruction counts;
 *   2. install cost alone: seccomp(2) with the prebuilt program in a fresh
 *      child, against seccomp(2) with no program (EFAULT: entry and exit);
 *   3. denied and argument-checked calls under the default: mount (denied),
 *      socket(AF_INET, bad type) (allowed by an argument rule, then EINVAL
 *      from the kernel), system call 999 (unassigned) in ns per call.
 * Configurations are interleaved (order rotated every round) so that noise
 * from other jobs on the machine hits all of them alike.
 *
 *   filters RUNS ROUNDS RAW.tsv    (bench/run.sh: 300 9 build/bench/raw/filters_raw.tsv)
 *   filters --emit-bpf DIR         writes DIR/default-range.bpf and DIR/default-libseccomp.bpf in
 *                                  --compile-profile's format, for SHIM_SECCOMP=FILE (startup)
 *   filters --load-time N FILE...  CPU time of loading each JSON profile in this process, N times
 *                                  each, interleaved: the enforce program alone (what an enforce-mode
 *                                  start builds) and both programs (what --compile-profile builds)
 *
 * Prints a markdown section on stdout; writes KEY<TAB>VALUE lines to RAW.tsv
 * for bench/summarize.py's issue table. Built by the Makefile
 * (build/bench/filters) from the shim's own profile code. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
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

#include "log.h"
#include "profile.h"
#include "emit.h"

enum { NPROF = 3, NCFG = 1 + 2 * NPROF, NPROBE = 3, LOOPS = 5, CALLS = 50000 };

static const char *const prof_name[NPROF] = { "default", "complain", "pid1" };
static const char *const prof_label[NPROF] = { "default", "default, complain variant", "PID 1" };
static const char *const probe_key[NPROBE] = { "mount", "socket", "nr999" };
static const char *const probe_label[NPROBE] = { "mount (denied)", "socket(AF_INET, bad type) (argument-checked)",
						 "system call 999 (unassigned)" };

static struct sock_fprog prog[NCFG]; /* 0: none; 1..3 range; 4..6 libseccomp */

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

static double pct(double *v, int n, int p)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return v[(n - 1) * p / 100];
}

static void die(const char *what)
{
	fprintf(stderr, "filters: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int parse(const char *path, struct ruleset *rs)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die(path);
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return profile_parse(buf, n, path, rs, NULL);
}

/* Runs FN(cfg, out, n) in a fresh child under no_new_privs and returns what
 * it wrote (N doubles) through a pipe. */
static void in_child(void (*fn)(int, double *, int), int cfg, double *out, int n)
{
	int p[2];
	if (pipe(p))
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(p[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			_exit(1);
		fn(cfg, out, n);
		size_t sz = (size_t)n * sizeof *out;
		_exit(write(p[1], out, sz) == (ssize_t)sz ? 0 : 1);
	}
	close(p[1]);
	size_t sz = (size_t)n * sizeof *out;
	ssize_t r = read(p[0], out, sz);
	close(p[0]);
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) || r != (ssize_t)sz) {
		fprintf(stderr, "filters: child for configuration %d failed\n", cfg);
		exit(1);
	}
}

/* ns for one seccomp(2) with program CFG (0: a NULL program, which fails
 * with EFAULT after the same entry and checks). */
static void install_one(int cfg, double *out, int n)
{
	(void)n;
	now_ns(); /* first vDSO use faults its pages in: not part of the install */
	double t0 = now_ns();
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, cfg ? &prog[cfg] : NULL);
	double t1 = now_ns();
	if ((cfg && rc) || (!cfg && !(rc == -1 && errno == EFAULT)))
		_exit(1);
	out[0] = t1 - t0;
}

static long probe(int k)
{
	switch (k) {
	case 0:
		return syscall(SYS_mount, NULL, NULL, NULL, 0, NULL);
	case 1:
		return syscall(SYS_socket, AF_INET, 9999, 0);
	default:
		return syscall(999);
	}
}

/* Under program CFG: per probe, the fastest of LOOPS loops of CALLS calls
 * (ns per call), then its errno. */
static void calls_one(int cfg, double *out, int n)
{
	(void)n;
	if (cfg && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog[cfg]))
		_exit(1);
	for (int k = 0; k < NPROBE; k++) {
		double best = 1e18;
		for (int l = 0; l < LOOPS; l++) {
			double t0 = now_ns();
			for (int i = 0; i < CALLS; i++)
				probe(k);
			double d = (now_ns() - t0) / CALLS;
			best = d < best ? d : best;
		}
		errno = 0;
		out[k] = best;
		out[NPROBE + k] = probe(k) == -1 ? errno : 0;
	}
}

static const char *ename(double e)
{
	static char buf[16];
	switch ((int)e) {
	case 0:
		return "ok";
	case EPERM:
		return "EPERM";
	case EFAULT:
		return "EFAULT";
	case EINVAL:
		return "EINVAL";
	case ENOSYS:
		return "ENOSYS";
	default:
		snprintf(buf, sizeof buf, "errno %d", (int)e);
		return buf;
	}
}

static FILE *raw;

static void put(const char *key, double v)
{
	fprintf(raw, "%s\t%.1f\n", key, v);
}

/* seccomp/profile_file.c's file layout (struct bpf_file_header): magic, arch, the
 * two lengths, then the enforce and the complain programs. */
static void write_bpf(const char *dir, const char *name, const struct sock_fprog *enf, const struct sock_fprog *cmp)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		die(path);
	uint32_t arch = profile_arch();
	uint16_t el = enf->len, cl = cmp->len;
	if (fwrite("SHIMBPF1", 1, 8, f) != 8 || fwrite(&arch, sizeof arch, 1, f) != 1 || fwrite(&el, sizeof el, 1, f) != 1 ||
	    fwrite(&cl, sizeof cl, 1, f) != 1 || fwrite(enf->filter, sizeof *enf->filter, el, f) != el ||
	    fwrite(cmp->filter, sizeof *cmp->filter, cl, f) != cl || fclose(f))
		die(path);
}

static double cpu_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* --load-time: profile_compile as filter_prepare calls it (parse,
 * emit, verify), medians of N loads per file and variant, the variants
 * interleaved; beside it libseccomp's compile alone of both programs
 * (profile_compile_libseccomp), so the range emitter's and the check's share shows. */
static int load_time(int n, int nfiles, char **files)
{
	if (n < 1 || n > 1000)
		return 64;
	printf("| profile | enforce only: median ms [min-max] | both programs: median ms [min-max] | both / enforce "
	       "| both, libseccomp's compile alone: median ms | range emit + check, both programs: ms |\n"
	       "|---|---|---|---|---|---|\n");
	for (int f = 0; f < nfiles; f++) {
		FILE *in = fopen(files[f], "rb");
		static char buf[1 << 20];
		size_t len = in ? fread(buf, 1, sizeof buf, in) : 0;
		if (!in || ferror(in) || fclose(in))
			die(files[f]);
		double *t[3];
		for (int v = 0; v < 3; v++)
			if (!(t[v] = calloc((size_t)n, sizeof(double))))
				die("calloc");
		for (int i = 0; i < 3 * n; i++) {
			int v = (i + i / 3) % 3; /* rotating order */
			struct filter_pair pair;
			double t0 = cpu_ms();
			if (v == 2 ? profile_compile_libseccomp(buf, len, files[f], &pair, NULL)
				   : profile_compile(buf, len, files[f], &pair, NULL,
							   v ? PROFILE_BOTH : PROFILE_ENFORCE))
				return 1;
			t[v][i / 3] = cpu_ms() - t0;
			filter_pair_free(&pair);
		}
		double m0 = pct(t[0], n, 50), m1 = pct(t[1], n, 50), m2 = pct(t[2], n, 50); /* sorts */
		printf("| %s | %.1f [%.1f-%.1f] | %.1f [%.1f-%.1f] | %.2f | %.1f | %.1f |\n", files[f], m0, t[0][0],
		       t[0][n - 1], m1, t[1][0], t[1][n - 1], m1 / m0, m2, m1 - m2);
		for (int v = 0; v < 3; v++)
			free(t[v]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "--load-time")) {
		log_set_level(LOG_LEVEL_ERROR);
		return load_time(atoi(argv[2]), argc - 3, argv + 3);
	}
	bool emit = argc == 3 && !strcmp(argv[1], "--emit-bpf");
	if (argc != 4 && !emit) {
		fprintf(stderr, "usage: filters RUNS ROUNDS RAW.tsv | filters --emit-bpf DIR | filters --load-time N FILE...\n");
		return 64;
	}
	log_set_level(LOG_LEVEL_ERROR);

	struct ruleset def, complain, pid1;
	if (parse("seccomp/default.json", &def) || parse("seccomp/pid1.json", &pid1) ||
	    ruleset_complain(&def, &complain))
		return 1;
	const struct ruleset *sets[NPROF] = { &def, &complain, &pid1 };
	for (int i = 0; i < NPROF; i++) {
		struct sock_fprog *r = &prog[1 + i], *l = &prog[1 + NPROF + i];
		/* strict: the range program or an error, never a silent fallback */
		if (profile_emit(sets[i], prof_label[i], true, &r->filter, &r->len, NULL) ||
		    emit_libseccomp(sets[i], prof_label[i], &l->filter, &l->len))
			return 1;
	}
	if (emit) {
		write_bpf(argv[2], "default-range.bpf", &prog[1], &prog[2]);
		write_bpf(argv[2], "default-libseccomp.bpf", &prog[1 + NPROF], &prog[2 + NPROF]);
		return 0;
	}
	int runs = atoi(argv[1]), rounds = atoi(argv[2]);
	if (runs < 1 || rounds < 1)
		return 64;
	raw = fopen(argv[3], "w");
	if (!raw)
		die(argv[3]);

	printf("## Filters: the range program against libseccomp's (bench/filters.c)\n\n");
	printf("| profile | range instructions | libseccomp instructions | range / libseccomp |\n|---|---|---|---|\n");
	for (int i = 0; i < NPROF; i++) {
		unsigned rl = prog[1 + i].len, ll = prog[1 + NPROF + i].len;
		printf("| %s | %u | %u | %.2f |\n", prof_label[i], rl, ll, (double)rl / ll);
		char k[64];
		snprintf(k, sizeof k, "insns_range_%s", prof_name[i]);
		put(k, rl);
		snprintf(k, sizeof k, "insns_lib_%s", prof_name[i]);
		put(k, ll);
	}
	/* Docker's and Podman's real profiles (several architectures), as
	 * --compile-profile compiles them: instruction counts only. */
	static const char *const real[] = { "build/test-deps/moby-default.json", "build/test-deps/podman-seccomp.json" };
	for (size_t i = 0; i < sizeof real / sizeof *real; i++) {
		struct ruleset rs;
		struct sock_filter *rp, *lp;
		unsigned short rl, ll;
		if (access(real[i], R_OK)) {
			printf("| %s | (missing: make test-deps) | | |\n", real[i]);
			continue;
		}
		if (parse(real[i], &rs) || profile_emit(&rs, real[i], true, &rp, &rl, NULL) ||
		    emit_libseccomp(&rs, real[i], &lp, &ll))
			return 1;
		printf("| %s (%u architectures) | %u | %u | %.2f |\n", real[i], rs.narch, rl, ll, (double)rl / ll);
		free(rp);
		free(lp);
		ruleset_free(&rs);
	}

	/* 2. install: RUNS fresh children per configuration, interleaved */
	static double inst[NCFG][100000];
	if (runs > 100000)
		runs = 100000;
	for (int r = 0; r < runs; r++)
		for (int j = 0; j < NCFG; j++) {
			int c = (j + r) % NCFG;
			in_child(install_one, c, &inst[c][r], 1);
		}
	double p50[NCFG], p10[NCFG], p90[NCFG];
	for (int c = 0; c < NCFG; c++) {
		p50[c] = pct(inst[c], runs, 50);
		p10[c] = pct(inst[c], runs, 10);
		p90[c] = pct(inst[c], runs, 90);
	}
	printf("\nInstall: one seccomp(2) with the prebuilt program in a fresh child (after fork and no_new_privs),"
	       " %d children per program, interleaved; µs, median (p10–p90). \"Over entry\" subtracts the median of"
	       " seccomp(2) with a NULL program (fails with EFAULT: the call's entry and exit, %.1f µs).\n\n",
	       runs, p50[0] / 1e3);
	printf("| profile | range µs | libseccomp µs | range over entry | libseccomp over entry | libseccomp / range (over entry) |\n"
	       "|---|---|---|---|---|---|\n");
	for (int i = 0; i < NPROF; i++) {
		int r = 1 + i, l = 1 + NPROF + i;
		double dr = p50[r] - p50[0], dl = p50[l] - p50[0];
		printf("| %s | %.1f (%.1f–%.1f) | %.1f (%.1f–%.1f) | +%.1f | +%.1f | %.2f |\n", prof_label[i], p50[r] / 1e3,
		       p10[r] / 1e3, p90[r] / 1e3, p50[l] / 1e3, p10[l] / 1e3, p90[l] / 1e3, dr / 1e3, dl / 1e3, dl / dr);
		char k[64];
		snprintf(k, sizeof k, "install_range_%s", prof_name[i]);
		put(k, dr);
		snprintf(k, sizeof k, "install_lib_%s", prof_name[i]);
		put(k, dl);
	}
	put("install_entry", p50[0]);

	/* 3. calls: ROUNDS fresh children per configuration, interleaved */
	static const int ccfg[3] = { 0, 1, 1 + NPROF }; /* none, range default, libseccomp default */
	static const char *const cname[3] = { "none", "range", "lib" };
	double (*cv)[3][NPROBE] = calloc((size_t)rounds, sizeof *cv);
	double err[3][NPROBE];
	if (!cv)
		die("calloc");
	for (int r = 0; r < rounds; r++)
		for (int j = 0; j < 3; j++) {
			int c = (j + r) % 3;
			double o[2 * NPROBE];
			in_child(calls_one, ccfg[c], o, 2 * NPROBE);
			for (int k = 0; k < NPROBE; k++) {
				cv[r][c][k] = o[k];
				err[c][k] = o[NPROBE + k];
			}
		}
	double m[3][NPROBE], lo[3][NPROBE], hi[3][NPROBE];
	for (int c = 0; c < 3; c++)
		for (int k = 0; k < NPROBE; k++) {
			double v[rounds];
			for (int r = 0; r < rounds; r++)
				v[r] = cv[r][c][k];
			m[c][k] = pct(v, rounds, 50);
			lo[c][k] = v[0];
			hi[c][k] = v[rounds - 1];
		}
	free(cv);
	printf("\nCalls under the default profile: per child the fastest of %d loops of %d calls, ns per call;"
	       " median [min–max] of %d children per configuration, interleaved; the errno each call returned."
	       " \"Over no filter\": the same call with no filter; for mount, which does real work unfiltered,"
	       " over system call 999 with no filter (entry and exit only), as in section 5.\n\n",
	       LOOPS, CALLS, rounds);
	printf("| call | no filter ns | range ns | libseccomp ns | range over no filter | libseccomp over no filter |\n"
	       "|---|---|---|---|---|---|\n");
	for (int k = 0; k < NPROBE; k++) {
		double base = k == 0 ? m[0][2] : m[0][k];
		printf("| %s | %.0f [%.0f–%.0f] (%s) |", probe_label[k], m[0][k], lo[0][k], hi[0][k], ename(err[0][k]));
		printf(" %.0f [%.0f–%.0f] (%s) |", m[1][k], lo[1][k], hi[1][k], ename(err[1][k]));
		printf(" %.0f [%.0f–%.0f] (%s) | %+.0f | %+.0f |\n", m[2][k], lo[2][k], hi[2][k], ename(err[2][k]),
		       m[1][k] - base, m[2][k] - base);
		for (int c = 0; c < 3; c++) {
			char key[64];
			if (c) {
				snprintf(key, sizeof key, "call_%s_%s", cname[c], probe_key[k]);
				put(key, m[c][k] - base);
			}
			snprintf(key, sizeof key, "errno_%s_%s", cname[c], probe_key[k]);
			put(key, err[c][k]);
		}
	}
	if (fclose(raw))
		die(argv[3]);
	return 0;
}
