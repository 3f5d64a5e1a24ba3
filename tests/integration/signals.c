/* Integration tests. Signals: forwarding (the forwarded set, real-time, USR1, group mode), TERM at
 * start and after a storm, the stop timeout, fault signals sent and real. */
#include "run.h"

#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

static int signals_to_send[16];
static size_t n_signals;
static bool signals_pid_ns = true;

static void send_signals(pid_t pid)
{
	pid_t target = shim_pid_of(pid, signals_pid_ns);
	assert_true(wait_for_file_line(record, "ready", 5000));
	for (size_t i = 0; i < n_signals; i++) {
		kill(target, signals_to_send[i]);
		usleep(20000);
	}
	kill(target, SIGTERM);
}

void every_forwarded_signal_reaches_the_child(void **state)
{
	(void)state;
	struct result r;
	/* 32-34 are reserved by the probe's libc, so real-time ones from 35. */
	int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGUSR2, SIGWINCH, SIGCONT, 35, 40, SIGRTMAX, SIGUSR1 };
	memcpy(signals_to_send, sigs, sizeof sigs);
	n_signals = sizeof sigs / sizeof *sigs;
	new_record();
	while_running = send_signals;
	run_shim(true, NULL, ARGS((char *)probe, "signals", record), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	char line[16];
	for (size_t i = 0; i + 1 < n_signals; i++) {
		snprintf(line, sizeof line, "%d", sigs[i]);
		print_message("signal %s\n", line);
		assert_true(file_has_line(record, line));
	}
	snprintf(line, sizeof line, "%d", SIGUSR1);
	assert_false(file_has_line(record, line)); /* not forwarded by default */
	snprintf(line, sizeof line, "%d", SIGTERM);
	assert_true(file_has_line(record, line));
	unlink(record);
}

void usr1_is_forwarded_when_enabled(void **state)
{
	(void)state;
	struct result r;
	signals_to_send[0] = SIGUSR1;
	n_signals = 1;
	new_record();
	while_running = send_signals;
	run_shim(true, ENV("SHIM_FORWARD_USR1=true"), ARGS((char *)probe, "signals", record), &r, 20);
	assert_int_equal(r.status, 0);
	char line[16];
	snprintf(line, sizeof line, "%d", SIGUSR1);
	assert_true(file_has_line(record, line));
	unlink(record);
}

static char group_record2[64];

static void send_hup_then_term(pid_t pid)
{
	pid_t target = shim_pid_of(pid, true);
	assert_true(wait_for_file_line(record, "ready", 5000));
	assert_true(wait_for_file_line(group_record2, "ready", 5000));
	kill(target, SIGHUP);
	usleep(200000);
	kill(target, SIGTERM);
}

static void group_mode(bool group)
{
	struct result r;
	new_record();
	memcpy(group_record2, record, sizeof record);
	new_record();
	char cmd[512];
	snprintf(cmd, sizeof cmd, "%s signals %s & exec %s signals %s", probe, group_record2, probe, record);
	while_running = send_hup_then_term;
	run_shim(true, group ? ENV("SHIM_GROUP=1", "SHIM_SECCOMP=off") : ENV("SHIM_SECCOMP=off"),
		 ARGS("/bin/sh", "-c", cmd), &r, 30);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_true(file_has_line(record, "1"));
	/* The sibling in the child's process group sees HUP only in group mode. */
	assert_int_equal(file_has_line(group_record2, "1"), group);
	unlink(record);
	unlink(group_record2);
}

void group_mode_signals_the_process_group(void **state)
{
	(void)state;
	group_mode(true);
	group_mode(false);
}

/* TERM once the shim's child ignores TERM (SigIgn bit 15 in its status):
 * a fixed delay lost that race under the sanitizer build. */
static void send_term_when_ready(pid_t pid)
{
	pid_t target = shim_pid_of(pid, true);
	pid_t child = shim_pid_of(target, true);
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/status", (int)child);
	for (int i = 0; child > 0 && i < 1000; i++) {
		int fd = open(path, O_RDONLY);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
		if (fd >= 0)
			close(fd);
		const char *ign = n > 0 ? (buf[n] = '\0', strstr(buf, "SigIgn:\t")) : NULL;
		if (ign && strtoull(ign + 8, NULL, 16) & (1ull << (SIGTERM - 1)))
			break;
		usleep(5000);
	}
	kill(target, SIGTERM);
}

void stop_timeout_kills_a_child_that_ignores_term(void **state)
{
	(void)state;
	struct result r;
	while_running = send_term_when_ready;
	run_shim(true, ENV("SHIM_STOP_TIMEOUT=1"), ARGS((char *)probe, "ignore-term", "60"), &r, 30);
	assert_int_equal(r.status, 137);
	assert_true(r.seconds < 10);
}

/* TERM as soon as the shim has blocked signals (its first act), usually
 * before its child exists: the signal must reach the child all the same. A
 * TERM between exec and that first act is dropped by the kernel for any
 * namespace init without a handler, and no init can help that. */
/* Waits until TARGET runs the shim and has blocked signals. */
static void wait_until_blocking(pid_t target)
{
	char path[64], exe_path[64], exe[4096], buf[2048];
	snprintf(path, sizeof path, "/proc/%d/status", (int)target);
	snprintf(exe_path, sizeof exe_path, "/proc/%d/exe", (int)target);
	for (int i = 0; i < 100000; i++) {
		/* unshare blocks TERM around its fork too: wait for our exec first. */
		ssize_t len = readlink(exe_path, exe, sizeof exe - 1);
		if (len <= 0 || (exe[len] = '\0', strcmp(exe, shim)))
			continue;
		int fd = open(path, O_RDONLY);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
		if (fd >= 0)
			close(fd);
		if (n > 0) {
			buf[n] = '\0';
			const char *blk = strstr(buf, "SigBlk:\t");
			if (blk && strncmp(blk + 8, "0000000000000000", 16))
				return;
		}
	}
}

static void term_right_away(pid_t pid)
{
	pid_t target = shim_pid_of(pid, true);
	wait_until_blocking(target);
	kill(target, SIGTERM);
}

void term_at_start_is_not_lost(void **state)
{
	(void)state;
	struct result r;
	for (int i = 0; i < 20; i++) {
		new_record();
		while_running = term_right_away;
		run_shim(true, NULL, ARGS((char *)probe, "signals", record), &r, 20);
		/* Before the child's handler: killed by TERM; after: handler exits 0. */
		print_message("%d: status %d after %.2fs %s\n", i, r.status, r.seconds, r.err);
		assert_true(r.status == 0 || r.status == 143);
		assert_true(r.seconds < 10);
		unlink(record);
	}
}

/* Every real-time signal, the libc-reserved 32-34 included (musl's sigfillset
 * leaves them out), reaches the child, and the shim survives them: as PID 1
 * and as a subreaper. */
/* One signal at a time, each once the child has recorded the previous one:
 * pending together, TERM would be read before the real-time ones. */
static void send_signals_one_by_one(pid_t pid)
{
	pid_t target = shim_pid_of(pid, signals_pid_ns);
	assert_true(wait_for_file_line(record, "ready", 5000));
	for (size_t i = 0; i < n_signals; i++) {
		char line[16];
		snprintf(line, sizeof line, "%d", signals_to_send[i]);
		kill(target, signals_to_send[i]);
		if (!wait_for_file_line(record, line, 5000))
			break;
	}
	kill(target, SIGTERM);
}

static void realtime_signals_32_to_64_are_forwarded(bool pid_ns)
{
	struct result r;
	int sigs[] = { 32, 33, 34, 35, 36, 50, 64 };
	memcpy(signals_to_send, sigs, sizeof sigs);
	n_signals = sizeof sigs / sizeof *sigs;
	signals_pid_ns = pid_ns;
	new_record();
	while_running = send_signals_one_by_one;
	run_shim(pid_ns, NULL, ARGS((char *)probe, "sigfd", record), &r, 20);
	signals_pid_ns = true;
	print_message("%s", r.err);
	assert_int_equal(r.status, 0); /* the child ended by the final TERM, the shim with it */
	char line[16];
	for (size_t i = 0; i < n_signals; i++) {
		snprintf(line, sizeof line, "%d", sigs[i]);
		print_message("signal %s\n", line);
		assert_true(file_has_line(record, line));
	}
	assert_true(file_has_line(record, "15"));
	unlink(record);
}

void realtime_signals_reach_the_child_as_pid1(void **state)
{
	(void)state;
	realtime_signals_32_to_64_are_forwarded(true);
}

void realtime_signals_reach_the_child_as_subreaper(void **state)
{
	(void)state;
	realtime_signals_32_to_64_are_forwarded(false);
}

static const int fault_signals[] = { SIGABRT, SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV, SIGSYS };

static void send_fault_signals(pid_t pid)
{
	pid_t target = shim_pid_of(pid, signals_pid_ns);
	assert_true(wait_for_file_line(record, "ready", 5000));
	for (size_t i = 0; i < sizeof fault_signals / sizeof *fault_signals; i++) {
		assert_int_equal(kill(target, fault_signals[i]), 0);
		union sigval v = { .sival_int = 1 };
		assert_int_equal(sigqueue(target, fault_signals[i], v), 0);
	}
	usleep(100000);
	kill(target, SIGTERM);
}

/* kill -SEGV (and the other fault signals) sent to the shim is not a fault:
 * ignored like every unlisted signal, neither fatal nor forwarded. */
static void fault_signals_sent_with_kill_are_ignored(bool pid_ns)
{
	struct result r;
	signals_pid_ns = pid_ns;
	new_record();
	while_running = send_fault_signals;
	run_shim(pid_ns, NULL, ARGS((char *)probe, "signals", record), &r, 20);
	signals_pid_ns = true;
	print_message("%s", r.err);
	assert_int_equal(r.status, 0); /* the shim lived to forward the TERM */
	assert_true(file_has_line(record, "15"));
	char line[16];
	for (size_t i = 0; i < sizeof fault_signals / sizeof *fault_signals; i++) {
		snprintf(line, sizeof line, "%d", fault_signals[i]);
		assert_false(file_has_line(record, line));
	}
	unlink(record);
}

void kill_segv_to_the_subreaper_is_ignored(void **state)
{
	(void)state;
	fault_signals_sent_with_kill_are_ignored(false);
}

void kill_segv_to_pid1_is_ignored(void **state)
{
	(void)state;
	fault_signals_sent_with_kill_are_ignored(true);
}

static pid_t faulted_child;
static bool fault_injected;

/* Makes the shim fault for real: ptrace it and point its next instruction at
 * address 0. The kernel forces the SIGSEGV through the shim's signal mask. */
static void inject_fault(pid_t pid)
{
	pid_t target = shim_pid_of(pid, signals_pid_ns);
	assert_true(wait_for_file_line(record, "ready", 5000));
	faulted_child = shim_pid_of(target, true); /* the shim's child */
	fault_injected = false;
	if (ptrace(PTRACE_SEIZE, target, 0, 0) || ptrace(PTRACE_INTERRUPT, target, 0, 0))
		return;
	int st;
	if (waitpid(target, &st, __WALL) != target)
		return;
#if defined(__x86_64__)
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, target, 0, &regs) == 0) {
		regs.rip = 0;
		regs.orig_rax = (unsigned long long)-1; /* no system call restart */
		fault_injected = ptrace(PTRACE_SETREGS, target, 0, &regs) == 0;
	}
#endif
	ptrace(PTRACE_DETACH, target, 0, 0);
	if (!fault_injected || signals_pid_ns)
		return;
	/* Not PID 1: the shim's child outlives the crash, as designed, and holds
	 * the output pipe open. Once the shim is dead (a zombie until run_shim
	 * reaps it), end the child, so the run ends now, not at its timeout. */
	for (int i = 0; i < 500; i++) {
		char path[64], stat[256] = "";
		snprintf(path, sizeof path, "/proc/%d/stat", (int)target);
		FILE *f = fopen(path, "r");
		if (f) {
			if (!fgets(stat, sizeof stat, f))
				stat[0] = '\0';
			fclose(f);
		}
		const char *state = strrchr(stat, ')');
		if (!f || (state && state[1] == ' ' && state[2] == 'Z')) {
			kill(faulted_child, SIGKILL);
			return;
		}
		usleep(10000);
	}
}

static void real_fault_still_ends_the_shim(bool pid_ns)
{
#if !defined(__x86_64__)
	skip();
#endif
	struct result r;
	signals_pid_ns = pid_ns;
	new_record();
	while_running = inject_fault;
	run_shim(pid_ns, ENV("SHIM_SECCOMP=off"), ARGS((char *)probe, "signals", record), &r, 20);
	signals_pid_ns = true;
	print_message("%s", r.err);
	assert_true(fault_injected);
	if (!pid_ns) {
		assert_int_equal(r.status, 128 + SIGSEGV);
		assert_true(faulted_child > 0);
		kill(faulted_child, SIGKILL); /* orphaned by the crash, as designed */
	} else {
		/* unshare reports its child, the shim, killed by SEGV the shell way. */
		assert_int_equal(r.status, 128 + SIGSEGV);
	}
	unlink(record);
}

void real_fault_ends_the_subreaper(void **state)
{
	(void)state;
	real_fault_still_ends_the_shim(false);
}

void real_fault_ends_pid1(void **state)
{
	(void)state;
	real_fault_still_ends_the_shim(true);
}

static long vm_rss_kib(pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	const char *p = strstr(buf, "VmRSS:");
	return p ? strtol(p + 6, NULL, 10) : -1;
}

static long rss_before, rss_after;

static void storm(pid_t pid)
{
	pid_t target = shim_pid_of(pid, true);
	assert_true(wait_for_file_line(record, "ready", 5000));
	static const int sigs[] = { SIGUSR2, SIGWINCH, SIGHUP };
	for (int i = 0; i < 1000; i++)
		kill(target, sigs[i % 3]);
	usleep(100000);
	rss_before = vm_rss_kib(target);
	for (int i = 0; i < 30000; i++) {
		kill(target, sigs[i % 3]);
		if (i % 1000 == 999)
			usleep(1000);
	}
	usleep(200000);
	rss_after = vm_rss_kib(target);
	kill(target, SIGTERM);
}

void signal_storm_keeps_pid1_flat_and_term_exact(void **state)
{
	(void)state;
	struct result r;
	new_record();
	while_running = storm;
	run_shim(true, NULL, ARGS((char *)probe, "burst", record), &r, 60);
	print_message("rss %ld -> %ld KiB; %s", rss_before, rss_after, r.err);
	/* TERM after 31,000 other signals is neither lost nor confused. */
	assert_int_equal(r.status, 42);
	assert_true(rss_before > 0);
	assert_true(rss_after - rss_before <= 4);
	unlink(record);
}

static useconds_t term_delay;

static void term_after_delay(pid_t pid)
{
	pid_t target = shim_pid_of(pid, true);
	wait_until_blocking(target);
	usleep(term_delay);
	kill(target, SIGTERM);
}

/* TERM at every point of start-up, from config parsing to after the child
 * runs: the run always ends promptly, by TERM or by the child's handler. */
void term_at_every_stage_of_start_up(void **state)
{
	(void)state;
	struct result r;
	for (term_delay = 0; term_delay <= 20000; term_delay += 800) {
		new_record();
		while_running = term_after_delay;
		run_shim(true, NULL, ARGS((char *)probe, "signals", record), &r, 20);
		if (r.status != 0 && r.status != 143)
			print_message("delay %u us: status %d %s\n", (unsigned)term_delay, r.status, r.err);
		assert_true(r.status == 0 || r.status == 143);
		assert_true(r.seconds < 10);
		unlink(record);
	}
}
