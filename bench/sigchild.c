/* sigchild: signal-latency probe, run as the child of the init under test.
 *
 *   sigchild K
 *
 * Warms up (vDSO clock, 64 KiB of stack, one self-signal), installs a SIGTERM
 * handler whose first action is clock_gettime(CLOCK_MONOTONIC), writes "ready"
 * on stdout, then waits for K SIGTERMs; after each one it writes
 * "recv SEC NSEC" (the handler's stamp) on stdout. Exits 0 after K signals.
 * Stdout is used because an init may close every fd >= 3 in its child.
 * A 10 s alarm, re-armed per signal, bounds it if signals stop arriving.
 * Build: musl-gcc -static -O2 -o build/bench/sigchild bench/sigchild.c */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static struct timespec stamp;

static void on_term(int sig)
{
	clock_gettime(CLOCK_MONOTONIC, &stamp);
	(void)sig;
	got = 1;
}

static void on_usr1(int sig) { (void)sig; }

static void say(const char *s)
{
	size_t n = strlen(s);
	while (n) {
		ssize_t w = write(1, s, n);
		if (w <= 0)
			_exit(2);
		s += w;
		n -= (size_t)w;
	}
}

int main(int argc, char **argv)
{
	long k = argc == 2 ? atol(argv[1]) : 0;
	if (k < 1 || k > 100000) {
		fputs("usage: sigchild K\n", stderr);
		return 64;
	}
	volatile char stack[65536];
	memset((char *)stack, 1, sizeof stack);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);

	sigset_t block, waitmask;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGUSR1);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	kill(getpid(), SIGUSR1);
	sigsuspend(&waitmask); /* consumes the warm-up USR1 */

	say("ready\n");
	for (long i = 0; i < k; i++) {
		alarm(10);
		got = 0;
		while (!got)
			sigsuspend(&waitmask);
		char line[64];
		snprintf(line, sizeof line, "recv %lld %ld\n", (long long)stamp.tv_sec, stamp.tv_nsec);
		say(line);
	}
	return 0;
}
