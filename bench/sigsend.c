/* sigsend: drives the signal-latency probe.
 *
 *   sigsend K ROUNDS IDLE_MS OUT.csv NAME 'CMD ARG...' [NAME 'CMD ARG...']...
 *
 * For each round, for each NAME in turn (interleaved), it starts CMD (split on
 * spaces; the last word must run `sigchild K`) with stdout on a pipe, in its own
 * process group, and waits for "ready". NAME "direct" signals the started
 * process itself; any other NAME expects CMD to be
 * `unshare --pid --fork --mount-proc INIT ... sigchild K` and signals the init:
 * the only child of the started unshare, checked to be PID 1 in its namespace
 * (last NSpid field). Then K times: wait IDLE_MS so the init is idle, stamp
 * CLOCK_MONOTONIC, kill(target, SIGTERM), and read the handler's stamp from
 * sigchild ("recv SEC NSEC"); latency = stamp - send, in microseconds.
 * Every read is bounded (2 s); a child that does not finish is killed with its
 * process group. OUT.csv gets "name,round,trial,latency_us" (or FAIL:reason).
 * Build: musl-gcc -static -O2 -o build/bench/sigsend bench/sigsend.c */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Read one line from fd into buf within ms; 1 ok, 0 timeout/EOF. */
static int read_line(int fd, char *buf, size_t cap, int ms, char *pend, size_t *plen)
{
	double deadline = now_us() + ms * 1000.0;
	for (;;) {
		char *nl = memchr(pend, '\n', *plen);
		if (nl) {
			size_t n = (size_t)(nl - pend);
			if (n >= cap)
				n = cap - 1;
			memcpy(buf, pend, n);
			buf[n] = 0;
			*plen -= (size_t)(nl - pend) + 1;
			memmove(pend, nl + 1, *plen);
			return 1;
		}
		int left = (int)((deadline - now_us()) / 1000.0);
		if (left <= 0)
			return 0;
		struct pollfd p = { fd, POLLIN, 0 };
		int r = poll(&p, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		ssize_t got = read(fd, pend + *plen, 4096 - *plen - 1);
		if (got <= 0)
			return 0;
		*plen += (size_t)got;
	}
}

static pid_t find_init(pid_t unshare_pid)
{
	char path[96], buf[256];
	for (int tries = 0; tries < 200; tries++) {
		snprintf(path, sizeof path, "/proc/%d/task/%d/children", unshare_pid, unshare_pid);
		FILE *f = fopen(path, "r");
		long c = 0;
		if (f) {
			if (fscanf(f, "%ld", &c) != 1)
				c = 0;
			fclose(f);
		}
		if (c > 0) {
			snprintf(path, sizeof path, "/proc/%ld/status", c);
			f = fopen(path, "r");
			if (!f)
				return -1;
			int ok = 0;
			while (fgets(buf, sizeof buf, f))
				if (!strncmp(buf, "NSpid:", 6)) {
					char *last = strrchr(buf, '\t');
					ok = last && atol(last + 1) == 1;
				}
			fclose(f);
			return ok ? (pid_t)c : -1;
		}
		usleep(10000);
	}
	return -1;
}

static int reap(pid_t pid, int ms)
{
	int st;
	for (int i = 0; i < ms; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return st;
		usleep(1000);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

int main(int argc, char **argv)
{
	if (argc < 7 || (argc - 5) % 2) {
		fputs("usage: sigsend K ROUNDS IDLE_MS OUT.csv NAME 'CMD...' [...]\n", stderr);
		return 64;
	}
	long k = atol(argv[1]), rounds = atol(argv[2]), idle = atol(argv[3]);
	FILE *out = fopen(argv[4], "w");
	if (!out || k < 1 || rounds < 1 || idle < 0)
		return 64;
	int nspec = (argc - 5) / 2;
	signal(SIGPIPE, SIG_IGN);
	for (long r = 0; r < rounds; r++) {
		for (int s = 0; s < nspec; s++) {
			const char *name = argv[5 + 2 * s];
			char *cmd = strdup(argv[6 + 2 * s]);
			char *words[64];
			int nw = 0;
			for (char *t = strtok(cmd, " "); t && nw < 63; t = strtok(NULL, " "))
				words[nw++] = t;
			words[nw] = NULL;
			int pfd[2];
			if (pipe2(pfd, O_CLOEXEC) < 0)
				return 111;
			pid_t pid = fork();
			if (pid < 0)
				return 111;
			if (pid == 0) {
				setpgid(0, 0);
				dup2(pfd[1], 1);
				execvp(words[0], words);
				_exit(127);
			}
			setpgid(pid, pid);
			close(pfd[1]);
			char pend[4096], line[256];
			size_t plen = 0;
			const char *fail = NULL;
			pid_t target = -1;
			if (!read_line(pfd[0], line, sizeof line, 5000, pend, &plen) || strcmp(line, "ready"))
				fail = "not_ready";
			else if (!strcmp(name, "direct"))
				target = pid;
			else if ((target = find_init(pid)) < 0)
				fail = "no_init";
			long t;
			for (t = 0; t < k && !fail; t++) {
				struct timespec ts = { idle / 1000, (idle % 1000) * 1000000L };
				nanosleep(&ts, NULL);
				struct timespec t0;
				clock_gettime(CLOCK_MONOTONIC, &t0);
				if (kill(target, SIGTERM) < 0) {
					fail = "kill_failed";
					break;
				}
				if (!read_line(pfd[0], line, sizeof line, 2000, pend, &plen)) {
					fail = "not_delivered";
					break;
				}
				long long sec;
				long nsec;
				if (sscanf(line, "recv %lld %ld", &sec, &nsec) != 2) {
					fail = "bad_line";
					break;
				}
				double lat = (sec - t0.tv_sec) * 1e6 + (nsec - t0.tv_nsec) / 1e3;
				fprintf(out, "%s,%ld,%ld,%.1f\n", name, r, t, lat);
			}
			if (fail)
				fprintf(out, "%s,%ld,%ld,FAIL:%s\n", name, r, t, fail);
			close(pfd[0]);
			int st = reap(pid, fail ? 200 : 5000);
			if (st != 0 && !fail)
				fprintf(out, "%s,%ld,%ld,FAIL:exit_status_%d\n", name, r, t, st);
			fflush(out);
			free(cmd);
		}
	}
	fclose(out);
	return 0;
}
