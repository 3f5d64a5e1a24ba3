/* The libseccomp the shim links, checked where its filter is enforced: in the kernel.
 * GHSA-4q85-33p6-j5g6 (libseccomp 2.6.0, fixed in 2.6.1; deps.sh applies
 * scripts/patches/libseccomp-2.6.0-ghsa-4q85-33p6-j5g6.patch): two rules on one syscall
 * with different actions and 64-bit LT/LE/NE conditions on the same argument merge into
 * one tree, and the later, narrower rule's action was lost, so its calls were allowed. */
#include "testlib.h"

#include <errno.h>
#include <seccomp.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* Loads default EACCES + "getpgid ALLOW if arg0 OP wide" + "getpgid EPERM if arg0 OP narrow"
 * in a child, calls getpgid(arg) there and returns its errno (0 or ESRCH when allowed). */
static int errno_under(enum scmp_compare op, uint64_t wide, uint64_t narrow, uint64_t arg)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EACCES));
	assert_non_null(ctx);
	assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 0), 0);
	assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(exit_group), 0), 0);
	assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getpgid), 1, SCMP_CMP(0, op, wide)), 0);
	assert_int_equal(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(getpgid), 1,
					  SCMP_CMP(0, op, narrow)), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int e = 255;
		if (seccomp_load(ctx) == 0)
			e = syscall(SYS_getpgid, arg) < 0 ? errno : 0;
		if (write(p[1], &e, sizeof e) != sizeof e)
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	int e = -1;
	assert_int_equal(read(p[0], &e, sizeof e), sizeof e);
	close(p[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	seccomp_release(ctx);
	assert_int_not_equal(e, 255); /* the filter loaded */
	return e;
}

static bool allowed(int e)
{
	return e != EPERM && e != EACCES;
}

/* 32-bit values: the narrower rule's action wins where both match. The reference behaviour. */
static void test_narrow_rule_wins_32bit(void **state)
{
	(void)state;
	if (under_valgrind())
		skip(); /* valgrind does not implement seccomp(2); the plain and musl runs check this */
	assert_int_equal(errno_under(SCMP_CMP_LT, 0x10, 0x5, 1), EPERM);
	assert_true(allowed(errno_under(SCMP_CMP_LT, 0x10, 0x5, 7)));
}

/* The same with 64-bit values sharing their high word: 2.6.0 unpatched allowed arg 1 here. */
static void test_narrow_rule_wins_64bit(void **state)
{
	(void)state;
	if (under_valgrind())
		skip(); /* valgrind does not implement seccomp(2); the plain and musl runs check this */
	assert_int_equal(errno_under(SCMP_CMP_LT, 0x100000010ULL, 0x100000005ULL, 1), EPERM);
	assert_int_equal(errno_under(SCMP_CMP_LE, 0x100000010ULL, 0x100000005ULL, 1), EPERM);
	assert_int_equal(errno_under(SCMP_CMP_NE, 0x100000010ULL, 0x100000005ULL, 1), EPERM);
	/* beyond the narrow rule, the wide one still allows */
	assert_true(allowed(errno_under(SCMP_CMP_LT, 0x100000010ULL, 0x100000005ULL, 0x100000007ULL)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_narrow_rule_wins_32bit),
		cmocka_unit_test(test_narrow_rule_wins_64bit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
