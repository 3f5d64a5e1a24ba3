#include "testlib.h"

#include <dirent.h>
#include <errno.h>
#include <linux/audit.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/stat.h>

#include "emulate.h"
#include "embedded.h"
#include "emit.h"
#include "exitcode.h"
#include "filter.h"
#include "learn.h"
#include "notify.h"
#include "plan.h"
#include "log.h"
#include "tools.h"

static const char *profile =
	"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"syscalls\":[{\"names\":"
	"[\"read\",\"write\",\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"}]}";

static void off_and_default(void **state)
{
	(void)state;
	struct filter_setup f;
	assert_int_equal(filter_prepare("off", SECCOMP_MODE_ENFORCE, &f), 0);
	assert_true(f.off);
	assert_int_equal(filter_prepare("off", SECCOMP_MODE_COMPLAIN, &f), EXIT_CONFIG);
	assert_int_equal(filter_prepare("default", SECCOMP_MODE_ENFORCE, &f), 0);
	struct sock_fprog e, c;
	embedded_default(&e, &c);
	assert_int_equal(f.prog.len, e.len);
	assert_ptr_equal(f.prog.filter, e.filter);
	assert_null(plan_recorder(SECCOMP_MODE_ENFORCE)); /* no listener */
	assert_int_equal(filter_prepare("default", SECCOMP_MODE_COMPLAIN, &f), 0);
	assert_ptr_equal(f.prog.filter, c.filter);
	assert_ptr_equal(plan_recorder(SECCOMP_MODE_COMPLAIN), &notify_complain); /* a listener, complain's logger */
}

/* The test profile written to a temporary file and compiled beside it
 * (JSON_PATH 64 bytes, BPF_PATH 80). */
static void compile_temp(char *json_path, char *bpf_path)
{
	snprintf(json_path, 64, "%s", write_temp(profile, strlen(profile)));
	snprintf(bpf_path, 80, "%s.bpf", json_path);
	assert_int_equal(tools_compile_profile(json_path, bpf_path), 0);
}

static void compiled_file_gives_the_same_filter_as_its_json(void **state)
{
	(void)state;
	char json_path[64], bpf_path[80];
	compile_temp(json_path, bpf_path);
	struct filter_setup from_json, from_bpf;
	assert_int_equal(filter_prepare(json_path, SECCOMP_MODE_ENFORCE, &from_json), 0);
	assert_int_equal(filter_prepare(bpf_path, SECCOMP_MODE_ENFORCE, &from_bpf), 0);
	assert_string_equal(from_json.kind, "json");
	assert_string_equal(from_bpf.kind, "bpf");
	/* JSON at run time gets the range program too, verified at load: the
	 * same program as the compiled file. */
	assert_int_equal(from_json.prog.len, from_bpf.prog.len);
	assert_memory_equal(from_json.prog.filter, from_bpf.prog.filter,
			    from_bpf.prog.len * sizeof *from_bpf.prog.filter);
	struct sock_filter *lib;
	unsigned short lib_len;
	struct ruleset rs;
	assert_int_equal(profile_parse(profile, strlen(profile), "test", &rs, NULL), 0);
	assert_int_equal(emit_libseccomp(&rs, "test", &lib, &lib_len), 0);
	assert_true(from_json.prog.len < lib_len);
	free(lib);
	ruleset_free(&rs);
	/* seccomp/default.json given at run time: the embedded program itself. */
	struct filter_setup from_file;
	struct sock_fprog e, c;
	embedded_default(&e, &c);
	assert_int_equal(filter_prepare("seccomp/default.json", SECCOMP_MODE_ENFORCE, &from_file), 0);
	assert_int_equal(from_file.prog.len, e.len);
	assert_memory_equal(from_file.prog.filter, e.filter, e.len * sizeof *e.filter);
	filter_release(&from_file);
	assert_int_equal(filter_prepare("seccomp/default.json", SECCOMP_MODE_COMPLAIN, &from_file), 0);
	assert_int_equal(from_file.prog.len, c.len);
	assert_memory_equal(from_file.prog.filter, c.filter, c.len * sizeof *c.filter);
	filter_release(&from_file);
	filter_release(&from_json);
	filter_release(&from_bpf);

	/* Truncated by one byte, and by a whole instruction: both refused. */
	struct stat st;
	assert_int_equal(stat(bpf_path, &st), 0);
	assert_int_equal(truncate(bpf_path, st.st_size - 1), 0);
	assert_int_equal(filter_prepare(bpf_path, SECCOMP_MODE_ENFORCE, &from_bpf), EXIT_SECCOMP);
	assert_int_equal(truncate(bpf_path, 10), 0);
	assert_int_equal(filter_prepare(bpf_path, SECCOMP_MODE_ENFORCE, &from_bpf), EXIT_SECCOMP);
	unlink(bpf_path);
	unlink(json_path);
}

/* A JSON profile at start builds only the program its mode installs (each
 * one costs a libseccomp compile and a check); --compile-profile writes both,
 * and each mode's program is the one of that pair. */
static void json_start_builds_only_the_program_of_its_mode(void **state)
{
	(void)state;
	char json_path[64], bpf_path[80];
	compile_temp(json_path, bpf_path);
	struct filter_setup pair, f;
	assert_int_equal(filter_prepare(bpf_path, SECCOMP_MODE_ENFORCE, &pair), 0);
	assert_non_null(pair.owned.enforce);
	assert_non_null(pair.owned.complain);

	assert_int_equal(filter_prepare(json_path, SECCOMP_MODE_ENFORCE, &f), 0);
	assert_null(f.owned.complain);
	assert_int_equal(f.owned.complain_len, 0);
	assert_ptr_equal(f.prog.filter, f.owned.enforce);
	assert_int_equal(f.prog.len, pair.owned.enforce_len);
	assert_memory_equal(f.prog.filter, pair.owned.enforce, f.prog.len * sizeof *f.prog.filter);
	filter_release(&f);

	assert_int_equal(filter_prepare(json_path, SECCOMP_MODE_COMPLAIN, &f), 0);
	assert_null(f.owned.enforce);
	assert_int_equal(f.owned.enforce_len, 0);
	assert_ptr_equal(f.prog.filter, f.owned.complain);
	assert_int_equal(f.prog.len, pair.owned.complain_len);
	assert_memory_equal(f.prog.filter, pair.owned.complain, f.prog.len * sizeof *f.prog.filter);
	assert_non_null(plan_recorder(SECCOMP_MODE_COMPLAIN));
	filter_release(&f);
	filter_release(&pair);
	unlink(bpf_path);
	unlink(json_path);
}

static void assert_file_holds(const char *path, const char *want)
{
	char buf[64] = { 0 };
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_true(fread(buf, 1, sizeof buf - 1, f) < sizeof buf);
	fclose(f);
	assert_string_equal(buf, want);
}

/* Issue 9 item 12: a root --compile-profile must not write through symlinks
 * planted at the temporary name the shim used to use (OUT.tmp) nor at OUT:
 * both stay untouched, OUT becomes a new regular file, no temporary is left. */
static void compile_file_never_follows_a_planted_symlink(void **state)
{
	(void)state;
	char dir[] = "/tmp/shim-compile-XXXXXX", json_path[96], out[96], tmp[112], victim[96], victim2[96];
	assert_non_null(mkdtemp(dir));
	snprintf(json_path, sizeof json_path, "%s/in.json", dir);
	snprintf(out, sizeof out, "%s/out.bpf", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp", out);
	snprintf(victim, sizeof victim, "%s/victim", dir);
	snprintf(victim2, sizeof victim2, "%s/victim2", dir);
	FILE *f = fopen(json_path, "w");
	assert_non_null(f);
	fputs(profile, f);
	fclose(f);
	f = fopen(victim, "w");
	fputs("precious", f);
	fclose(f);
	f = fopen(victim2, "w");
	fputs("precious too", f);
	fclose(f);
	assert_int_equal(symlink(victim, tmp), 0);
	assert_int_equal(symlink(victim2, out), 0);

	assert_int_equal(tools_compile_profile(json_path, out), 0);
	assert_file_holds(victim, "precious");
	assert_file_holds(victim2, "precious too");
	struct stat st;
	assert_int_equal(lstat(out, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	struct filter_setup from_bpf;
	assert_int_equal(filter_prepare(out, SECCOMP_MODE_ENFORCE, &from_bpf), 0);
	assert_string_equal(from_bpf.kind, "bpf");
	filter_release(&from_bpf);

	/* Exactly in.json, out.bpf, out.bpf.tmp (the planted link), victim, victim2. */
	DIR *d = opendir(dir);
	assert_non_null(d);
	int entries = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			entries++;
	closedir(d);
	assert_int_equal(entries, 5);
	unlink(json_path);
	unlink(out);
	unlink(tmp);
	unlink(victim);
	unlink(victim2);
	assert_int_equal(rmdir(dir), 0);
}

/* What the README says of PID 1's filter, checked in the kernel: a call it
 * does not list fails with EPERM; a number above the highest it names (as a
 * syscall newer than the profile) with ENOSYS, runc's rule. */
static void pid1_filter_answers_eperm_and_enosys_above_its_highest(void **state)
{
	(void)state;
#ifdef SHIM_NO_PID1_FILTER
	/* A sanitizer runtime needs more than PID 1's filter allows (as in
	 * main.c); the plain run checks this. */
	skip();
#endif
	if (under_valgrind())
		skip(); /* valgrind does not implement seccomp(2); the plain run checks this */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || filter_confine_pid1())
			syscall(SYS_exit_group, 10);
		if (syscall(SYS_mount, "none", "/nonexistent", "tmpfs", 0, NULL) != -1 || errno != EPERM)
			syscall(SYS_exit_group, 11);
		if (syscall(SYS_getppid) != -1 || errno != EPERM)
			syscall(SYS_exit_group, 12);
		if (syscall(999) != -1 || errno != ENOSYS)
			syscall(SYS_exit_group, 13);
		if (syscall(SYS_getpid) <= 0) /* listed: allowed */
			syscall(SYS_exit_group, 14);
		/* exit_group directly: a sanitizer runtime's exit path needs more than PID 1 may. */
		syscall(SYS_exit_group, 0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void unreadable_inputs_are_refused(void **state)
{
	(void)state;
	struct filter_setup f;
	assert_int_equal(filter_prepare("/nonexistent/profile.json", SECCOMP_MODE_ENFORCE, &f), EXIT_SECCOMP);
	assert_int_equal(filter_prepare("/tmp", SECCOMP_MODE_ENFORCE, &f), EXIT_SECCOMP);
	assert_int_equal(filter_prepare("/dev/null", SECCOMP_MODE_ENFORCE, &f), EXIT_SECCOMP);
	/* 10 MB: over the 1 MiB limit, refused before it is read. */
	char *path = write_temp("{", 1);
	assert_int_equal(truncate(path, 10 * 1000 * 1000), 0);
	assert_int_equal(filter_prepare(path, SECCOMP_MODE_ENFORCE, &f), EXIT_SECCOMP);
	unlink(path);
}

static void embedded_default_is_seccomp_default_json(void **state)
{
	(void)state;
	FILE *f = fopen("seccomp/default.json", "rb");
	assert_non_null(f);
	static char buf[1 << 17];
	size_t len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	struct filter_pair pair;
	assert_int_equal(profile_compile(buf, len, "seccomp/default.json", &pair, NULL, PROFILE_BOTH), 0);
	struct sock_fprog e, c;
	embedded_default(&e, &c);
	assert_int_equal(pair.enforce_len, e.len);
	assert_memory_equal(pair.enforce, e.filter, e.len * sizeof(struct sock_filter));
	assert_int_equal(pair.complain_len, c.len);
	assert_memory_equal(pair.complain, c.filter, c.len * sizeof(struct sock_filter));
	filter_pair_free(&pair);
}

#if defined(__x86_64__)
#define NATIVE AUDIT_ARCH_X86_64
#define OTHER AUDIT_ARCH_I386
#else
#define NATIVE AUDIT_ARCH_AARCH64
#define OTHER AUDIT_ARCH_ARM
#endif

static uint32_t verdict(const struct sock_fprog *p, const char *name, uint64_t arg0)
{
	struct seccomp_data d = { .nr = seccomp_syscall_resolve_name(name), .arch = NATIVE,
				  .args = { arg0 } };
	return emulate_verdict(p->filter, p->len, &d);
}

/* The interpreter PID 1 uses to classify learned calls gives the default
 * profile's documented answers, arguments included. */
static void emulate_verdict_reads_the_default_program(void **state)
{
	(void)state;
	struct sock_fprog e, c;
	embedded_default(&e, &c);
	assert_int_equal(verdict(&e, "read", 0), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(&e, "mount", 0), SECCOMP_RET_ERRNO | EPERM);
	assert_int_equal(verdict(&e, "clone3", 0), SECCOMP_RET_ERRNO | ENOSYS);
	assert_int_equal(verdict(&e, "clone", CLONE_VM | CLONE_THREAD | CLONE_SIGHAND), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(&e, "clone", CLONE_NEWUSER), SECCOMP_RET_ERRNO | EPERM);
	assert_int_equal(verdict(&e, "socket", AF_INET), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(&e, "socket", AF_PACKET), SECCOMP_RET_ERRNO | EPERM);
	assert_int_equal(verdict(&c, "mount", 0), SECCOMP_RET_USER_NOTIF);
#if defined(__x86_64__)
	struct seccomp_data x32 = { .nr = 0x40000000, .arch = NATIVE };
	assert_int_equal(emulate_verdict(e.filter, e.len, &x32) & SECCOMP_RET_ACTION_FULL, SECCOMP_RET_KILL_PROCESS);
#endif
	struct seccomp_data other = { .nr = 1, .arch = OTHER };
	assert_int_equal(emulate_verdict(e.filter, e.len, &other), SECCOMP_RET_KILL_PROCESS);
	struct sock_filter bad[] = { BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 5) };
	assert_int_equal(emulate_verdict(bad, 1, &other), SECCOMP_RET_KILL_PROCESS);
}

/* Learn variant: the assumed set stays allowed, the base's other allowed
 * calls and its denials are reported, its ENOSYS answers stay answers. */
static void learn_variant_reports_allowed_calls(void **state)
{
	(void)state;
	struct filter_setup f;
	assert_int_equal(filter_prepare("off", SECCOMP_MODE_LEARN, &f), EXIT_CONFIG);
	assert_int_equal(filter_prepare("default", SECCOMP_MODE_LEARN, &f), 0);
	assert_true(f.rules.nrules > 0); /* learn keeps the base's rules */
	assert_ptr_equal(plan_recorder(SECCOMP_MODE_LEARN), &learn_recorder); /* a listener, learn's recorder */
	struct sock_fprog variant;
	assert_int_equal(learn_init("/tmp/learn-unit.json", true, "default", "embedded", &f.base, &f.rules, &variant), 0);
	assert_int_equal(verdict(&variant, "read", 0), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(&variant, "futex", 0), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(&variant, "sendmsg", 0), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(&variant, "getppid", 0), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(verdict(&variant, "accept4", 0), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(verdict(&variant, "mount", 0), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(verdict(&variant, "clone", CLONE_NEWUSER), SECCOMP_RET_USER_NOTIF);
	assert_int_equal(verdict(&variant, "clone3", 0), SECCOMP_RET_ERRNO | ENOSYS);
#if defined(__x86_64__)
	struct seccomp_data x32 = { .nr = 0x40000000, .arch = NATIVE };
	assert_int_equal(emulate_verdict(variant.filter, variant.len, &x32) & SECCOMP_RET_ACTION_FULL,
			 SECCOMP_RET_KILL_PROCESS);
#endif
	struct seccomp_data other = { .nr = 3, .arch = OTHER };
	assert_int_equal(emulate_verdict(variant.filter, variant.len, &other), SECCOMP_RET_KILL_PROCESS);
	filter_release(&f);
}

int main(void)
{
	log_set_level(LOG_LEVEL_ERROR);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(off_and_default),
		cmocka_unit_test(emulate_verdict_reads_the_default_program),
		cmocka_unit_test(learn_variant_reports_allowed_calls),
		cmocka_unit_test(embedded_default_is_seccomp_default_json),
		cmocka_unit_test(compiled_file_gives_the_same_filter_as_its_json),
		cmocka_unit_test(json_start_builds_only_the_program_of_its_mode),
		cmocka_unit_test(unreadable_inputs_are_refused),
		cmocka_unit_test(compile_file_never_follows_a_planted_symlink),
		cmocka_unit_test(pid1_filter_answers_eperm_and_enosys_above_its_highest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
