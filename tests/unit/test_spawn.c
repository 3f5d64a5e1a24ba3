#include "testlib.h"

#include <sys/resource.h>
#include <sys/wait.h>

#include "spawn.h"

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* Runs fn in a child (it closes descriptors the test runner may hold) and
 * expects it to exit 0. */
static void in_child(int (*fn)(void))
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static int leak(int fd)
{
	return dup2(0, fd) == fd ? 0 : 1;
}

/* Through /proc/self/fd: only the range asked for. */
static int listed(void)
{
	if (leak(100) || leak(101) || leak(103) || leak(104))
		return 1;
	if (spawn_close_fds_fallback(101, 103))
		return 2;
	return is_open(100) && !is_open(101) && !is_open(103) && is_open(104) ? 0 : 3;
}

static void fallback_closes_the_listed_range(void **state)
{
	(void)state;
	in_child(listed);
}

/* /proc/self/fd cannot be opened (no descriptor left below the soft limit):
 * every number is closed up to the hard limit, above the soft one too. */
static int walked(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_max < 200)
		return 1;
	if (leak(150) || leak(151))
		return 2;
	rl.rlim_cur = 16;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return 3;
	for (int fd = 3; fd < 16; fd++)
		if (!is_open(fd) && leak(fd))
			return 4;
	if (open("/proc/self/fd", O_RDONLY | O_DIRECTORY) >= 0 || errno != EMFILE)
		return 5;
	if (spawn_close_fds_fallback(150, ~0u))
		return 6;
	return !is_open(150) && !is_open(151) && is_open(15) ? 0 : 7;
}

static void fallback_walks_to_the_hard_limit_without_proc(void **state)
{
	(void)state;
	in_child(walked);
}

static int from_three(void)
{
	if (leak(7) || leak(300))
		return 1;
	if (spawn_close_fds_from(3))
		return 2;
	return is_open(0) && is_open(1) && is_open(2) && !is_open(7) && !is_open(300) ? 0 : 3;
}

static void everything_from_3_is_closed(void **state)
{
	(void)state;
	in_child(from_three);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fallback_closes_the_listed_range),
		cmocka_unit_test(fallback_walks_to_the_hard_limit_without_proc),
		cmocka_unit_test(everything_from_3_is_closed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
