/* Learn mode's files (shim/learn.c, shim/learn_files.c). Each case runs in a child: learn.c keeps
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
#include "print.h"
#include "sha256.h"

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

static char base_sha[65]; /* of the base's effective JSON, once init has run */

/* learn_init with the default profile as base, writing DIR/NAME. */
static int init(const char *name)
{
	static char file[128];
	snprintf(file, sizeof file, "%s/%s", dir, name);
	struct filter_setup f;
	struct sock_fprog variant;
	if (filter_prepare("default", SECCOMP_MODE_LEARN, &f) || notify_init("learn", "default", "embedded"))
		return 90;
	char printed[1 << 16]; /* as --print-profile prints it */
	char *effective = print_ruleset(&f.rules);
	if (!effective)
		return 90;
	snprintf(printed, sizeof printed, "%s\n", effective);
	free(effective);
	sha256_hex(printed, strlen(printed), base_sha);
	int rc = learn_init(file, "default", "embedded", &f.base, &f.rules, &variant) ? 91 : 0;
	filter_release(&f);
	return rc;
}

static void write_file(const char *name, const char *content)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(content, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* In a child: init, an existing NAME with a review file listing CALL as
 * observed, from the same base; learn_open's status, its stderr in ERR. */
static int open_existing(const char *name, const char *call, char *err, size_t size)
{
	char log[128];
	snprintf(log, sizeof log, "%s/stderr", dir);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0)
			syscall(SYS_exit_group, 93);
		int rc = init(name);
		char review[160], text[512];
		snprintf(review, sizeof review, "%s.review.json", name);
		snprintf(text, sizeof text, "{\"base\": \"default\", \"baseSha256\": \"%s\", \"syscalls\": [{\"name\": "
			 "\"%s\", \"nr\": %d, \"status\": \"observed\", \"pid\": 7, \"comm\": \"node\"}]}", base_sha, call,
			 seccomp_syscall_resolve_name(call));
		write_file(name, "{}");
		write_file(review, text);
		syscall(SYS_exit_group, rc ? rc : learn_open());
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	int fd = open(log, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	ssize_t n = read(fd, err, size - 1);
	assert_true(n >= 0);
	err[n] = '\0';
	close(fd);
	return WEXITSTATUS(status);
}

/* An existing file's calls are learned again only inside the base: a review
 * file the workload forged (it can write the directory) that lists a call the
 * base denies cannot make the output allow it. */
static void merged_calls_stay_inside_the_base(void **state)
{
	(void)state;
	if (under_valgrind())
		skip(); /* notify_init asks seccomp(2), which valgrind does not implement */
	char err[1024];
	assert_int_equal(open_existing("bind.json", "bind", err, sizeof err), 0);
	assert_string_equal(err, "");
	char path[128];
	snprintf(path, sizeof path, "%s/bind.json.review.json", dir);
	size_t len;
	const char *text = slurp(path, &len);
	assert_non_null(strstr(text, "{\"name\": \"bind\", \"nr\": "));
	assert_non_null(strstr(text, "\"status\": \"observed\", \"pid\": 7, \"comm\": \"node\"}"));

	assert_int_equal(open_existing("mount.json", "mount", err, sizeof err), EXIT_CONFIG);
	print_message("%s", err);
	assert_non_null(strstr(err, "review.json allows mount, which the base does not"));
	assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1);
	snprintf(path, sizeof path, "%s/mount.json", dir);
	assert_string_equal(slurp(path, &len), "{}"); /* untouched */
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
		cmocka_unit_test(merged_calls_stay_inside_the_base),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
