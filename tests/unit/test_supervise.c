#include "testlib.h"

#include <signal.h>
#include <sys/wait.h>

#include "exitcode.h"
#include "supervise.h"

static int status_of(int code_or_signal, int by_signal)
{
	pid_t p = fork();
	if (p == 0) {
		if (by_signal) {
			signal(code_or_signal, SIG_DFL);
			raise(code_or_signal);
		}
		_exit(code_or_signal);
	}
	int st;
	waitpid(p, &st, 0);
	return st;
}

static void exit_codes_map_like_a_shell(void **state)
{
	(void)state;
	assert_int_equal(supervise_exit_code(status_of(0, 0)), 0);
	assert_int_equal(supervise_exit_code(status_of(3, 0)), 3);
	assert_int_equal(supervise_exit_code(status_of(255, 0)), 255);
	assert_int_equal(supervise_exit_code(status_of(SIGTERM, 1)), 143);
	assert_int_equal(supervise_exit_code(status_of(SIGKILL, 1)), 137);
	assert_int_equal(supervise_exit_code(status_of(SIGINT, 1)), 130);
}

static void forwarded_signals(void **state)
{
	(void)state;
	int yes[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR2, SIGWINCH, SIGCONT, 32, 33, 34, SIGRTMAX };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		assert_true(supervise_forwards(yes[i], false));
	assert_false(supervise_forwards(SIGUSR1, false));
	assert_true(supervise_forwards(SIGUSR1, true));
	int no[] = { SIGCHLD, SIGPIPE, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGSEGV, SIGABRT, SIGSYS };
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		assert_false(supervise_forwards(no[i], true));
}

static void every_signal_but_kill_and_stop_is_blocked(void **state)
{
	(void)state;
	sigset_t set;
	supervise_blocked_set(&set);
	/* 32-34 too, which musl's sigfillset leaves out (glibc's 32-33); and the
	 * fault signals, so that kill -SEGV is read and ignored. */
	for (int sig = 1; sig <= 64; sig++)
		assert_int_equal(sigismember(&set, sig), sig != SIGKILL && sig != SIGSTOP);

	/* The kernel gets all of them: the libc's sigprocmask would drop some. */
	sigset_t old;
	assert_int_equal(shim_sigmask(SIG_SETMASK, &set, &old), 0);
	FILE *f = fopen("/proc/self/status", "r");
	assert_non_null(f);
	char line[256], blocked[64] = "";
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "SigBlk: %63s", blocked) == 1)
			break;
	fclose(f);
	assert_int_equal(shim_sigmask(SIG_SETMASK, &old, NULL), 0);
	/* All but bit 8 (KILL) and 18 (STOP). Valgrind keeps signal 64 for itself
	 * and never lets its client block it; the plain and musl runs check it. */
	assert_string_equal(blocked, under_valgrind() ? "7ffffffffffbfeff" : "fffffffffffbfeff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exit_codes_map_like_a_shell),
		cmocka_unit_test(forwarded_signals),
		cmocka_unit_test(every_signal_but_kill_and_stop_is_blocked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
