/* Integration tests. The shim's life cycle: reaping as PID 1 and as a subreaper, exit codes,
 * the grace before descendants are KILLed. */
#include "run.h"

void orphans_are_all_reaped(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_SECCOMP=off"), ARGS((char *)probe, "orphans", "1000"), &r, 60);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "left 0 zombies 0"));
}

void exit_codes(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, NULL, ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_int_equal(r.status, 0);
	run_shim(true, NULL, ARGS((char *)probe, "exit", "3"), &r, 20);
	assert_int_equal(r.status, 3);
	run_shim(true, NULL, ARGS((char *)probe, "raise", "15"), &r, 20);
	assert_int_equal(r.status, 143);
	run_shim(true, NULL, ARGS("no-such-program-x"), &r, 20);
	assert_int_equal(r.status, 127);
	assert_non_null(strstr(r.err, "no-such-program-x: not found in PATH (/usr/local/bin:/usr/bin:/bin) or the fallback (/nodejs/bin)"));
	run_shim(true, NULL, ARGS("/etc/passwd"), &r, 20);
	assert_int_equal(r.status, 126);
	assert_non_null(strstr(r.err, "/etc/passwd: cannot execute: Permission denied"));
	run_shim(true, ENV("SHIM_GROUP=maybe"), ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_int_equal(r.status, 78);
	assert_string_equal(r.err, "shim: error: SHIM_GROUP=\"maybe\": expected true/false, 1/0, yes/no or on/off\n");
	run_shim(true, NULL, ARGS("--nope"), &r, 20);
	assert_int_equal(r.status, 64);
}

void exec_format_error_has_no_shell_fallback(void **state)
{
	(void)state;
	char *script = write_temp("echo ran\n", 9);
	chmod(script, 0755);
	struct result r;
	run_shim(false, ENV("SHIM_SECCOMP=off"), ARGS(script), &r, 20);
	assert_int_equal(r.status, 126);
	assert_null(strstr(r.out, "ran"));
	assert_non_null(strstr(r.err, "Exec format error"));
	unlink(script);
}

void subreaper_outside_pid1_cleans_up_descendants(void **state)
{
	(void)state;
	struct result r;
	run_shim(false, ENV("SHIM_GRACE_SECONDS=2"), ARGS((char *)probe, "grandchild", "60"), &r, 30);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_true(r.seconds < 10);
	int gc = 0;
	assert_int_equal(sscanf(strstr(r.out, "grandchild "), "grandchild %d", &gc), 1);
	/* Reaped by the shim: not even a zombie remains. */
	assert_int_equal(kill(gc, 0), -1);
	assert_int_equal(errno, ESRCH);
}

void grandchild_holding_stdout_does_not_hang_pid1(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_GRACE_SECONDS=1"), ARGS((char *)probe, "grandchild", "60"), &r, 30);
	assert_int_equal(r.status, 0);
	assert_true(r.seconds < 10);
}

void descendants_ignoring_term_are_killed_after_the_grace(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_GRACE_SECONDS=1"), ARGS((char *)probe, "grandchild", "60", "ignore-term"), &r, 30);
	print_message("%.2fs %s%s", r.seconds, r.out, r.err);
	assert_int_equal(r.status, 0); /* the main child's status, not the KILLed one's */
	assert_true(r.seconds >= 0.9 && r.seconds < 10);
	/* Outside a PID namespace too, as a subreaper. */
	run_shim(false, ENV("SHIM_GRACE_SECONDS=1"), ARGS((char *)probe, "grandchild", "60", "ignore-term"), &r, 30);
	assert_int_equal(r.status, 0);
	assert_true(r.seconds >= 0.9 && r.seconds < 10);
	int gc = 0;
	assert_int_equal(sscanf(strstr(r.out, "grandchild "), "grandchild %d", &gc), 1);
	assert_int_equal(kill(gc, 0), -1);
	assert_int_equal(errno, ESRCH);
}

/* Subreaper: once the main child is reaped and nothing left in its process
 * group, the number may be reused by an unrelated process's group (here a
 * canary made with ns_last_pid, same uid as the shim): the KILL phase must
 * not hit it. */
void kill_phase_never_signals_a_reused_process_group(void **state)
{
	(void)state;
	struct result r;
	new_record();
	char *argv[] = { PID_NS, (char *)probe, "reuse-pgid", record, (char *)shim, (char *)probe, NULL };
	char *envp[] = { base_env[0], "SHIM_GRACE_SECONDS=1", "SHIM_LOG_LEVEL=debug", NULL };
	run_env(argv, envp, &r, 30);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	int canary = 0, pgid = 0, main_pid = 0;
	assert_int_equal(sscanf(r.out, "canary %d pgid %d main %d", &canary, &pgid, &main_pid), 3);
	assert_int_equal(canary, main_pid); /* the number was reused */
	assert_true(has_line(r.out, "shim status 0"));
	assert_true(has_line(r.out, "canary alive"));
	unlink(record);
}

/* Like `docker stop` (TERM, KILL 10 s later; Podman's default too): a
 * descendant that ignores TERM is cleaned up by the default grace before the
 * runtime's KILL, so the exit code is the main child's, not 137. */
void default_grace_ends_inside_dockers_stop_timeout(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, NULL, ARGS((char *)probe, "grandchild", "60", "ignore-term"), &r, 10);
	print_message("%.2fs %s%s", r.seconds, r.out, r.err);
	assert_int_equal(r.status, 0);
	run_shim(false, NULL, ARGS((char *)probe, "grandchild", "60", "ignore-term"), &r, 10);
	assert_int_equal(r.status, 0);
}

void ten_thousand_zombies_are_reaped(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_SECCOMP=off"), ARGS((char *)probe, "orphans", "10000"), &r, 120);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "left 0 zombies 0"));
}
