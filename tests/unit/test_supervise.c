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
	int yes[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR2, SIGWINCH, SIGCONT, 34, SIGRTMAX };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
		assert_true(supervise_forwards(yes[i], false));
	assert_false(supervise_forwards(SIGUSR1, false));
	assert_true(supervise_forwards(SIGUSR1, true));
	int no[] = { SIGCHLD, SIGPIPE, SIGALRM, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG };
	for (size_t i = 0; i < sizeof no / sizeof *no; i++)
		assert_false(supervise_forwards(no[i], true));
}

static void synchronous_signals_stay_unblocked(void **state)
{
	(void)state;
	sigset_t set;
	supervise_blocked_set(&set);
	int sync[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGSYS, SIGTRAP };
	for (size_t i = 0; i < sizeof sync / sizeof *sync; i++)
		assert_int_equal(sigismember(&set, sync[i]), 0);
	int async[] = { SIGTERM, SIGINT, SIGCHLD, SIGHUP, SIGUSR1, SIGTTOU, 34 };
	for (size_t i = 0; i < sizeof async / sizeof *async; i++)
		assert_int_equal(sigismember(&set, async[i]), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exit_codes_map_like_a_shell),
		cmocka_unit_test(forwarded_signals),
		cmocka_unit_test(synchronous_signals_stay_unblocked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
