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
	int rc = learn_init(file, true, "default", "embedded", &f.base, &f.rules, &variant) ? 91 : 0;
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
 * observed (with EXTRA keys), from the same base; learn_open's status, its
 * stderr in ERR. */
static int open_existing_with(const char *name, const char *call, const char *extra, char *err, size_t size)
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
		char review[160], text[1024];
		snprintf(review, sizeof review, "%s.review.json", name);
		snprintf(text, sizeof text, "{\"base\": \"default\", \"baseSha256\": \"%s\", \"syscalls\": [{\"name\": "
			 "\"%s\", \"nr\": %d, \"status\": \"observed\", \"pid\": 7, \"comm\": \"node\"%s}]}", base_sha,
			 call, seccomp_syscall_resolve_name(call), extra);
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

static int open_existing(const char *name, const char *call, char *err, size_t size)
{
	return open_existing_with(name, call, "", err, size);
}

/* An existing file's argument rules are learned again only as learn mode
 * writes them and inside the base's rule they name: a forged review file
 * cannot widen socket to a family the base denies, or put a family under a
 * rule that does not allow it. A valid one is written back as a narrowed rule. */
static void merged_argument_rules_stay_inside_the_base(void **state)
{
	(void)state;
	if (under_valgrind())
		skip();
	char err[1024], path[128];
	size_t len;
	/* The default's socket allow rules: 0 AF_UNIX, 1 AF_INET, 2 AF_INET6, 3 AF_NETLINK. */
	static const char ok[] = ", \"arguments\": [{\"rule\": 1, \"args\": [{\"index\": 0, \"value\": 2, \"op\": "
				 "\"SCMP_CMP_EQ\"}, {\"index\": 1, \"value\": 15, \"valueTwo\": 2, \"op\": "
				 "\"SCMP_CMP_MASKED_EQ\"}], \"pid\": 7, \"comm\": \"node\"}]";
	assert_int_equal(open_existing_with("sock.json", "socket", ok, err, sizeof err), 0);
	assert_string_equal(err, "");
	snprintf(path, sizeof path, "%s/sock.json", dir);
	const char *text = slurp(path, &len);
	assert_non_null(strstr(text, "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"
				     "\"value\":2,\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":15,\"valueTwo\":2,"
				     "\"op\":\"SCMP_CMP_MASKED_EQ\"}]}"));
	/* Nothing else of socket is allowed: AF_INET6 and the rest were not learned. */
	assert_null(strstr(text, "\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":10,"));
	assert_null(strstr(text, "\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,"));

	static const char *const forged[] = {
		/* AF_PACKET (17): the base denies it */
		", \"arguments\": [{\"rule\": 1, \"args\": [{\"index\": 0, \"value\": 17, \"op\": \"SCMP_CMP_EQ\"}]}]",
		/* AF_INET under rule 0, which allows AF_UNIX only */
		", \"arguments\": [{\"rule\": 0, \"args\": [{\"index\": 0, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]}]",
		/* a wider comparison than learn mode writes */
		", \"arguments\": [{\"rule\": 1, \"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_GE\"}]}]",
		/* a rule the base does not have */
		", \"arguments\": [{\"rule\": 9, \"args\": []}]",
		/* an argument learn mode does not learn for socket */
		", \"arguments\": [{\"rule\": 1, \"args\": [{\"index\": 2, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}]",
	};
	for (size_t i = 0; i < sizeof forged / sizeof *forged; i++) {
		char name[32];
		snprintf(name, sizeof name, "forged%zu.json", i);
		assert_int_equal(open_existing_with(name, "socket", forged[i], err, sizeof err), EXIT_CONFIG);
		print_message("%s", err);
		assert_non_null(strstr(err, "lists for socket an argument rule the base's rules for it do not allow"));
		assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1);
	}
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
		cmocka_unit_test(merged_argument_rules_stay_inside_the_base),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
