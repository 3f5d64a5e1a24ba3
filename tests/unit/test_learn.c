/* Learn mode's files (shim/learn.c). Each case runs in a child: learn.c keeps
 * one learner per process, as PID 1 has. */
#include "testlib.h"

#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "exitcode.h"
#include "filter.h"
#include "learn.h"
#include "log.h"
#include "notify.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/shim-learn-unit-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd);
}

static bool exists(const char *name)
{
	char path[128];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

/* learn_init with the default profile as base, writing DIR/NAME. */
static int init(const char *name)
{
	static char file[128];
	snprintf(file, sizeof file, "%s/%s", dir, name);
	struct filter_setup f;
	struct sock_fprog variant;
	if (filter_prepare("default", SECCOMP_MODE_LEARN, &f) || notify_init(true))
		return 90;
	return learn_init(file, "default", f.effective, &f.base, &f.rules, &variant) ? 91 : 0;
}

/* fsync(2) fails with EIO; for descriptor FD only when FD >= 0. */
static int fail_fsync(int fd)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc = !ctx || (fd < 0 ? seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EIO), SCMP_SYS(fsync), 0)
				 : seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EIO), SCMP_SYS(fsync), 1,
						    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fd))) ||
		 prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}

enum failing { ANY_FSYNC, DIRECTORY_FSYNC, OTHER_FSYNC };

/* The status learn_open returns in a child where fsync fails for every
 * descriptor, for the directory's alone, or for one it never uses. */
static int open_with_failing_fsync(const char *name, enum failing which)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* learn_open opens the directory first: the lowest free descriptor
		 * (init keeps none). Before init: once the shim's emitter has set
		 * libseccomp's API level 7, seccomp_load fails with ECANCELED here. */
		int next = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int fd = which == ANY_FSYNC ? -1 : which == DIRECTORY_FSYNC ? next : next + 10;
		int rc = next < 0 || close(next) || fail_fsync(fd) ? 92 : init(name);
		if (!rc)
			rc = learn_open();
		syscall(SYS_exit_group, rc);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* The data reaches the disk before the rename: when that fsync fails, the
 * name is not replaced and the temporary file is gone. */
static void file_is_synced_before_the_rename(void **state)
{
	(void)state;
	if (under_valgrind())
		skip(); /* valgrind does not implement seccomp(2); the plain run checks this */
	assert_int_equal(open_with_failing_fsync("p.json", ANY_FSYNC), EXIT_CONFIG);
	assert_false(exists("p.json"));
	assert_false(exists(".p.json.tmp"));
}

/* ...and the directory after it, so the rename itself survives a crash. */
static void directory_is_synced_after_the_rename(void **state)
{
	(void)state;
	if (under_valgrind())
		skip();
	assert_int_equal(open_with_failing_fsync("d.json", DIRECTORY_FSYNC), EXIT_CONFIG);
	assert_true(exists("d.json")); /* renamed, then the directory's fsync failed */
	/* The control: the descriptor guessed is the directory's. */
	assert_int_equal(open_with_failing_fsync("e.json", OTHER_FSYNC), 0);
	assert_true(exists("e.json.review.json"));
}

int main(void)
{
	log_set_level(LOG_LEVEL_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(file_is_synced_before_the_rename),
		cmocka_unit_test(directory_is_synced_after_the_rename),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
