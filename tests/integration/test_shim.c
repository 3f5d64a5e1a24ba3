/* Integration tests: build/shim as PID 1 of a new PID namespace (and as a
 * subreaper outside one), with tests/integration/probe.c as its child. */
#include "../unit/testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>

static const char *shim, *probe, *escape;
/* What complain mode logs at start with the embedded profile. */
#define COMPLAIN_START_LINE \
	"shim: warn: seccomp: complain mode: profile default (embedded) is not enforced; each would-be denial is logged"
/* The shim under test is the ASan/UBSan build: dynamic, and without PID 1's filter. */
static bool sanitized;

struct result {
	int status; /* exit code, or 128+N */
	char out[1 << 16];
	char err[1 << 16];
	double seconds;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Set before run(): what the test's child does before exec. */
static void (*before_exec)(void);
/* Set before run(): called once the child runs, with its pid. */
static void (*while_running)(pid_t);

static void run_env(char *const argv[], char *const envp[], struct result *r, int timeout)
{
	int out[2], err[2];
	memset(r, 0, sizeof *r);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	double start = now();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		close(out[1]);
		close(err[1]);
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		close(devnull);
		if (before_exec)
			before_exec();
		execve(argv[0], argv, envp);
		_exit(121);
	}
	close(out[1]);
	close(err[1]);
	if (while_running)
		while_running(pid);
	size_t no = 0, ne = 0;
	struct pollfd p[2] = { { .fd = out[0], .events = POLLIN }, { .fd = err[0], .events = POLLIN } };
	int open_fds = 2;
	while (open_fds) {
		int left = (int)((start + timeout - now()) * 1000);
		if (left <= 0 || poll(p, 2, left) == 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (!p[i].revents)
				continue;
			char *buf = i ? r->err : r->out;
			size_t *n = i ? &ne : &no;
			ssize_t got = read(p[i].fd, buf + *n, sizeof r->out - 1 - *n);
			if (got <= 0) {
				p[i].fd = -1;
				open_fds--;
			} else {
				*n += (size_t)got;
			}
		}
	}
	close(out[0]);
	close(err[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	r->seconds = now() - start;
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	before_exec = NULL;
	while_running = NULL;
}

/* Sanitizer settings pass through for the ASan build of the shim. */
static char *base_env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=", NULL, NULL, NULL };

/* Runs argv (NULL-terminated, after the shim) with extra environment entries. */
static void run_shim(bool pid_ns, char **env_extra, char *const args[], struct result *r, int timeout)
{
	char *argv[64], *envp[64];
	int a = 0, e = 0;
	if (pid_ns) {
		argv[a++] = "/usr/bin/unshare";
		argv[a++] = "--pid";
		argv[a++] = "--fork";
		argv[a++] = "--mount-proc";
		argv[a++] = "--kill-child";
	}
	argv[a++] = (char *)shim;
	for (int i = 0; args[i]; i++)
		argv[a++] = args[i];
	argv[a] = NULL;
	for (int i = 0; base_env[i]; i++)
		envp[e++] = base_env[i];
	for (int i = 0; env_extra && env_extra[i]; i++)
		envp[e++] = env_extra[i];
	envp[e] = NULL;
	run_env(argv, envp, r, timeout);
}

#define ARGS(...) ((char *[]){ __VA_ARGS__, NULL })
#define ENV(...) ((char *[]){ __VA_ARGS__, NULL })

/* The shim's host pid: the child of `unshare`, or the direct child. */
static pid_t shim_pid_of(pid_t pid, bool pid_ns)
{
	if (!pid_ns)
		return pid;
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(path, "r");
		int child = 0;
		if (f) {
			if (fscanf(f, "%d", &child) != 1)
				child = 0;
			fclose(f);
		}
		if (child > 0)
			return child;
		usleep(2000);
	}
	return -1;
}

static bool wait_for_file_line(const char *file, const char *line, int ms)
{
	for (int i = 0; i < ms / 5; i++) {
		FILE *f = fopen(file, "r");
		char buf[128];
		while (f && fgets(buf, sizeof buf, f)) {
			buf[strcspn(buf, "\n")] = '\0';
			if (!strcmp(buf, line)) {
				fclose(f);
				return true;
			}
		}
		if (f)
			fclose(f);
		usleep(5000);
	}
	return false;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

static bool file_has_line(const char *file, const char *line)
{
	return wait_for_file_line(file, line, 5);
}

static char record[64];

static void new_record(void)
{
	snprintf(record, sizeof record, "/tmp/shim-it-XXXXXX");
	int fd = mkstemp(record);
	assert_true(fd >= 0);
	close(fd);
	chmod(record, 0666);
}

/* ---------------------------------------------------------------- core */

static void orphans_are_all_reaped(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_SECCOMP=off"), ARGS((char *)probe, "orphans", "1000"), &r, 60);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "left 0 zombies 0"));
}

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

static void every_forwarded_signal_reaches_the_child(void **state)
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

static void usr1_is_forwarded_when_enabled(void **state)
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

static void exit_codes(void **state)
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

static void exec_format_error_has_no_shell_fallback(void **state)
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

static void subreaper_outside_pid1_cleans_up_descendants(void **state)
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

static void grandchild_holding_stdout_does_not_hang_pid1(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_GRACE_SECONDS=1"), ARGS((char *)probe, "grandchild", "60"), &r, 30);
	assert_int_equal(r.status, 0);
	assert_true(r.seconds < 10);
}

static void descendants_ignoring_term_are_killed_after_the_grace(void **state)
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

static void group_mode_signals_the_process_group(void **state)
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

static void stop_timeout_kills_a_child_that_ignores_term(void **state)
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

static void term_at_start_is_not_lost(void **state)
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

static void block_and_ignore(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_SETMASK, &set, NULL);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);
	dup2(1, 7); /* an fd >= 3 without close-on-exec */
}

static const char *line_of(const char *text, const char *key, char *buf, size_t size)
{
	const char *p = strstr(text, key);
	assert_non_null(p);
	size_t n = strcspn(p, "\n");
	snprintf(buf, size, "%.*s", (int)n, p);
	return buf;
}

static void child_gets_the_signal_state_and_no_extra_fds(void **state)
{
	(void)state;
	struct result direct, shimmed;
	/* The same PID namespace wrapper, without the shim. */
	char *argv[] = { "/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "--kill-child", (char *)probe, "status", NULL };
	before_exec = block_and_ignore;
	run_env(argv, base_env, &direct, 20);
	before_exec = block_and_ignore;
	run_shim(true, NULL, ARGS((char *)probe, "status"), &shimmed, 20);
	assert_int_equal(shimmed.status, 0);
	char a[128], b[128];
	assert_string_equal(line_of(direct.out, "SigBlk:", a, sizeof a), line_of(shimmed.out, "SigBlk:", b, sizeof b));
	assert_string_equal(line_of(direct.out, "SigIgn:", a, sizeof a), line_of(shimmed.out, "SigIgn:", b, sizeof b));
	/* The probe sees fd 7 without the shim; with it, nothing above 2. */
	line_of(direct.out, "fds:", a, sizeof a);
	assert_non_null(strstr(a, " 7"));
	assert_non_null(strstr(shimmed.out, "fds:\n"));
	assert_non_null(strstr(shimmed.out, "shim_vars=0"));
}

static char leaked_file[64];
static int pid1_leaked_fds; /* descriptors of PID 1 that name leaked_file */
static int pid1_fds;        /* PID 1's descriptors above 2 */

/* The runtime's leak: the file at fd 9 and fd 300, without close-on-exec. */
static void leak_fds(void)
{
	int fd = open(leaked_file, O_RDONLY);
	dup2(fd, 9);
	dup2(fd, 300);
	close(fd);
}

/* PID 1's descriptors once its child runs (as root we may read a
 * non-dumpable process's /proc/PID/fd), then TERM. */
static void count_pid1_fds(pid_t pid)
{
	pid_t target = shim_pid_of(pid, true);
	assert_true(wait_for_file_line(record, "ready", 5000));
	char dir[64], link[352], to[4096];
	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)target);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	pid1_fds = pid1_leaked_fds = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || atoi(e->d_name) < 3)
			continue;
		pid1_fds++;
		snprintf(link, sizeof link, "%s/%s", dir, e->d_name);
		ssize_t n = readlink(link, to, sizeof to - 1);
		if (n > 0 && (to[n] = '\0', !strcmp(to, leaked_file)))
			pid1_leaked_fds++;
		print_message("PID 1 fd %s -> %s\n", e->d_name, n > 0 ? to : "?");
	}
	closedir(d);
	kill(target, SIGTERM);
}

/* PID 1 itself closes what the runtime leaked, not only the child's copies
 * (issue 21; catatonit does the same). */
static void pid1_closes_the_descriptors_it_inherited(void **state)
{
	(void)state;
	snprintf(leaked_file, sizeof leaked_file, "/tmp/shim-leak-XXXXXX");
	int fd = mkstemp(leaked_file);
	assert_true(fd >= 0);
	close(fd);
	new_record();
	struct result r;
	before_exec = leak_fds;
	while_running = count_pid1_fds;
	run_shim(true, NULL, ARGS((char *)probe, "signals", record), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_int_equal(pid1_leaked_fds, 0);
	/* Its own: the signalfd and the timerfd. */
	assert_int_equal(pid1_fds, 2);
	unlink(record);
	unlink(leaked_file);
}

static void terminal_makes_the_child_the_foreground_group(void **state)
{
	(void)state;
	struct result r;
	/* No terminal: the child leads its own session. */
	run_shim(true, NULL, ARGS((char *)probe, "tty"), &r, 20);
	assert_true(has_line(r.out, "foreground=0 leader=1"));
	/* A terminal (script(1) makes a pty): the child's group is its foreground. */
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "%s %s tty", shim, probe);
	char *argv[] = { "/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
			 "/usr/bin/script", "-qec", cmd, "/dev/null", NULL };
	run_env(argv, base_env, &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "foreground=1 leader=0"));
}

static void chart_arguments_pass_verbatim(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, NULL, ARGS((char *)probe, "args", "packages/backend", "--config", "app-config.yaml", "--help", ""), &r, 20);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "arg[0]=packages/backend\narg[1]=--config\narg[2]=app-config.yaml\narg[3]=--help\narg[4]=\n");
}

static void node_found_through_the_fallback(void **state)
{
	(void)state;
	char dir[] = "/tmp/shim-fallback-XXXXXX";
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);
	char node[128], cmd[512];
	snprintf(node, sizeof node, "%s/node", dir);
	snprintf(cmd, sizeof cmd, "cp %s %s", probe, node);
	assert_int_equal(system(cmd), 0);
	char fallback[160];
	snprintf(fallback, sizeof fallback, "SHIM_FALLBACK_PATH=/nonexistent:%s", dir);
	struct result r;
	char *saved = base_env[0];
	base_env[0] = "PATH=/nonexistent/bin";
	run_shim(true, ENV(fallback), ARGS("node", "args", "packages/backend"), &r, 20);
	base_env[0] = saved;
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "arg[0]=packages/backend\n");
	unlink(node);
	rmdir(dir);
}

/* Found through the fallback, node's own children find node through PATH
 * (spawnSync("node")): the child's PATH gains that directory, appended; found
 * through PATH, PATH is unchanged (issue 21). */
static void fallback_directory_is_appended_to_the_childs_path(void **state)
{
	(void)state;
	char dir[] = "/tmp/shim-fallback-XXXXXX";
	assert_non_null(mkdtemp(dir));
	chmod(dir, 0755);
	char node[128], cmd[512], want[256], fallback[160], path_env[160];
	/* Not "node": the default PATH may hold a real one. */
	snprintf(node, sizeof node, "%s/probenode", dir);
	snprintf(cmd, sizeof cmd, "cp %s %s", probe, node);
	assert_int_equal(system(cmd), 0);
	snprintf(fallback, sizeof fallback, "SHIM_FALLBACK_PATH=/nonexistent:%s", dir);
	struct result r;
	char *saved = base_env[0];
	base_env[0] = "PATH=/nonexistent/bin";
	run_shim(true, ENV(fallback), ARGS("probenode", "getenv", "PATH"), &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	snprintf(want, sizeof want, "PATH=/nonexistent/bin:%s\n", dir);
	assert_string_equal(r.out, want);
	run_shim(true, ENV(fallback), ARGS("probenode", "execvp", "probenode", "args", "hello"), &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "arg[0]=hello\nexecvp probenode: exit 0\n");
	/* Found through PATH: nothing changes. */
	snprintf(path_env, sizeof path_env, "PATH=%s", dir);
	base_env[0] = path_env;
	run_shim(true, ENV(fallback), ARGS("probenode", "getenv", "PATH"), &r, 20);
	snprintf(want, sizeof want, "%s\n", path_env);
	assert_string_equal(r.out, want);
	base_env[0] = saved;
	/* PATH unset: the default the search used, then the directory. */
	char *argv[] = { "/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "--kill-child", (char *)shim, "probenode",
			 "getenv", "PATH", NULL };
	char *envp[] = { fallback, base_env[2], NULL };
	run_env(argv, envp, &r, 20);
	snprintf(want, sizeof want, "PATH=/usr/local/bin:/bin:/usr/bin:%s\n", dir);
	assert_string_equal(r.out, want);
	unlink(node);
	rmdir(dir);
}

/* ------------------------------------------- issue 9: signals (core) */

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

static void realtime_signals_reach_the_child_as_pid1(void **state)
{
	(void)state;
	realtime_signals_32_to_64_are_forwarded(true);
}

static void realtime_signals_reach_the_child_as_subreaper(void **state)
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

static void kill_segv_to_the_subreaper_is_ignored(void **state)
{
	(void)state;
	fault_signals_sent_with_kill_are_ignored(false);
}

static void kill_segv_to_pid1_is_ignored(void **state)
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

static void real_fault_ends_the_subreaper(void **state)
{
	(void)state;
	real_fault_still_ends_the_shim(false);
}

static void real_fault_ends_pid1(void **state)
{
	(void)state;
	real_fault_still_ends_the_shim(true);
}

/* Subreaper: once the main child is reaped and nothing left in its process
 * group, the number may be reused by an unrelated process's group (here a
 * canary made with ns_last_pid, same uid as the shim): the KILL phase must
 * not hit it. */
static void kill_phase_never_signals_a_reused_process_group(void **state)
{
	(void)state;
	struct result r;
	new_record();
	char *argv[] = { "/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
			 (char *)probe, "reuse-pgid", record, (char *)shim, (char *)probe, NULL };
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

/* ------------------------------------------------------------ identity */

static void assert_dropped_to(const char *out, const char *uid, const char *gid)
{
	char want[128];
	snprintf(want, sizeof want, "Uid:\t%s\t%s\t%s\t%s\n", uid, uid, uid, uid);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof want, "Gid:\t%s\t%s\t%s\t%s\n", gid, gid, gid, gid);
	assert_non_null(strstr(out, want));
	assert_true(has_line(out, "Groups:\t") || has_line(out, "Groups:\t "));
	assert_non_null(strstr(out, "CapInh:\t0000000000000000\n"));
	assert_non_null(strstr(out, "CapPrm:\t0000000000000000\n"));
	assert_non_null(strstr(out, "CapEff:\t0000000000000000\n"));
	assert_non_null(strstr(out, "CapAmb:\t0000000000000000\n"));
	assert_non_null(strstr(out, "NoNewPrivs:\t1\n"));
}

static void root_start_drops_to_65532(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, NULL, ARGS((char *)probe, "status"), &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "65532", "65532");
	assert_non_null(strstr(r.out, "CapBnd:\t0000000000000000\n"));
	assert_non_null(strstr(r.out, "Seccomp:\t2\n"));
	assert_non_null(strstr(r.out, "HOME=/\n")); /* no passwd entry for 65532 here */
	assert_string_equal(r.err, "");  /* quiet by default */
}

static void pid1_is_unprivileged_and_confined(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_SECCOMP=off"), ARGS((char *)probe, "pid1"), &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "Uid:\t65532\t65532\t65532\t65532"));
	assert_true(has_line(r.out, "CapEff:\t0000000000000000"));
	assert_true(has_line(r.out, "NoNewPrivs:\t1"));
	/* Its own filter, even with the child's turned off (sanitizer builds go without). */
	if (!sanitized)
		assert_true(has_line(r.out, "Seccomp:\t2"));
}

static char *setpriv_args(const char *uid, char *const rest[], char **argv)
{
	int a = 0;
	static char ruid[32], rgid[32];
	snprintf(ruid, sizeof ruid, "--reuid=%s", uid);
	snprintf(rgid, sizeof rgid, "--regid=%s", uid);
	argv[a++] = "/usr/bin/setpriv";
	argv[a++] = ruid;
	argv[a++] = rgid;
	argv[a++] = "--clear-groups";
	argv[a++] = "--inh-caps=-all";
	argv[a++] = "--bounding-set=-all";
	argv[a++] = "--no-new-privs";
	argv[a++] = "--";
	for (int i = 0; rest[i]; i++)
		argv[a++] = rest[i];
	argv[a] = NULL;
	return argv[0];
}

/* The chart's case: uid 1000, no capabilities, no_new_privs already set. */
static void run_as_1000(char **env_extra, struct result *r)
{
	char *argv[32], *envp[16];
	int e = 0;
	setpriv_args("1000", ARGS((char *)shim, (char *)probe, "status"), argv);
	for (int i = 0; base_env[i]; i++)
		envp[e++] = base_env[i];
	for (int i = 0; env_extra && env_extra[i]; i++)
		envp[e++] = env_extra[i];
	envp[e] = NULL;
	/* A PID namespace first, so the shim is PID 1 as in the pod. */
	char *ns[40] = { "/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "--kill-child" };
	int n = 5;
	for (int i = 0; argv[i]; i++)
		ns[n++] = argv[i];
	ns[n] = NULL;
	run_env(ns, envp, r, 20);
}

static void chart_start_as_1000_runs_as_1000(void **state)
{
	(void)state;
	struct result r;
	run_as_1000(NULL, &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "1000", "1000");
	assert_non_null(strstr(r.out, "CapBnd:\t0000000000000000\n"));
	assert_non_null(strstr(r.out, "Seccomp:\t2\n"));
	assert_string_equal(r.err, ""); /* the info line is not shown at the default level */

	run_as_1000(ENV("SHIM_LOG_LEVEL=info"), &r);
	assert_non_null(strstr(r.err, "started as uid 1000 gid 1000 without privilege"));

	run_as_1000(ENV("SHIM_USER=1000:1000"), &r);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "1000", "1000");

	run_as_1000(ENV("SHIM_USER=65532:65532"), &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "SHIM_USER asks for 65532:65532, which needs a root start"));
}

/* Kubernetes root start with capabilities dropped but for the three the drop needs. */
static void root_start_with_only_setuid_setgid_setpcap(void **state)
{
	(void)state;
	struct result r;
	char *argv[] = { "/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
			 "/usr/bin/setpriv", "--bounding-set=-all,+setuid,+setgid,+setpcap", "--inh-caps=-all", "--",
			 (char *)shim, (char *)probe, "status", NULL };
	run_env(argv, base_env, &r, 20);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "65532", "65532");
	assert_true(has_line(r.out, "CapBnd:\t0000000000000000"));
	/* Without CAP_SETUID the drop cannot happen: refused, nothing runs as root. */
	char *no_setuid[] = { "/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
			      "/usr/bin/setpriv", "--bounding-set=-all,+setgid,+setpcap", "--inh-caps=-all", "--",
			      (char *)shim, (char *)probe, "status", NULL };
	run_env(no_setuid, base_env, &r, 20);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "identity: started as root without CAP_SETUID, which running as 65532:65532 needs"));
}

/* Ambient capabilities from the runtime (Podman gives a non-root --user its --cap-add
 * as ambient) are gone in the child: for a uid 1000 start and a SHIM_USER=0 root start. */
static void ambient_capabilities_are_cleared(void **state)
{
	(void)state;
	struct result r;
	char *as_1000[] = { "/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
			    "/usr/bin/setpriv", "--reuid=1000", "--regid=1000", "--clear-groups",
			    "--inh-caps=+net_bind_service", "--ambient-caps=+net_bind_service", "--",
			    (char *)shim, (char *)probe, "status", NULL };
	run_env(as_1000, base_env, &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "1000", "1000");

	char *env_root[16];
	int e = 0;
	for (int i = 0; base_env[i]; i++)
		env_root[e++] = base_env[i];
	env_root[e++] = "SHIM_USER=0";
	env_root[e] = NULL;
	char *as_root[] = { "/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
			    "/usr/bin/setpriv", "--inh-caps=+net_bind_service", "--ambient-caps=+net_bind_service", "--",
			    (char *)shim, (char *)probe, "status", NULL };
	run_env(as_root, env_root, &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "0", "0");
}

static void numeric_uid_without_passwd_entry(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_USER=54321"), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "54321", "54321");
	run_shim(true, ENV("SHIM_USER=54321:99"), ARGS((char *)probe, "status"), &r, 20);
	assert_dropped_to(r.out, "54321", "99");
}

static void explicit_root_target_warns(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_USER=0:0"), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "0", "0");
	assert_non_null(strstr(r.err, "shim: warn: SHIM_USER: the child will run as root (uid 0), without capabilities"));
}

/* An extra environment entry for run_with_etc (HOME tests). */
static char *etc_extra_env;

/* Names from a test passwd/group bind-mounted over /etc in a mount namespace. */
static void run_with_etc(const char *user, bool hide_etc, struct result *r)
{
	char script[1024], env_user[96];
	snprintf(env_user, sizeof env_user, "SHIM_USER=%s", user);
	if (hide_etc)
		snprintf(script, sizeof script, "mount -t tmpfs none /etc && exec %s %s status", shim, probe);
	else
		snprintf(script, sizeof script,
			 "printf 'root:x:0:0:root:/root:/bin/sh\\n0day:x:4242:4242::/home/0day:/x\\n"
			 "app:x:5000:5001:app:/home/app:/x\\n' > /tmp/shim-passwd-$$ && "
			 "printf 'root:x:0:\\nappgrp:x:5001:\\nother:x:6000:\\n' > /tmp/shim-group-$$ && "
			 "mount --bind /tmp/shim-passwd-$$ /etc/passwd && mount --bind /tmp/shim-group-$$ /etc/group && "
			 "rm /tmp/shim-passwd-$$ /tmp/shim-group-$$ && exec %s %s status", shim, probe);
	char *argv[] = { "/usr/bin/unshare", "--mount", "--pid", "--fork", "--mount-proc", "--kill-child",
			 "/bin/sh", "-c", script, NULL };
	char *envp[] = { base_env[0], env_user, etc_extra_env, NULL };
	run_env(argv, envp, r, 20);
}

static void names_resolve_from_passwd_and_group(void **state)
{
	(void)state;
	struct result r;
	run_with_etc("app", false, &r);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "5000", "5001");
	assert_non_null(strstr(r.out, "HOME=/home/app\n"));
	run_with_etc("app:other", false, &r);
	assert_dropped_to(r.out, "5000", "6000");
	run_with_etc("0day", false, &r);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "4242", "4242");
	run_with_etc("nobody-here", false, &r);
	assert_int_equal(r.status, 78);
	assert_non_null(strstr(r.err, "SHIM_USER=\"nobody-here\": no user \"nobody-here\" in /etc/passwd"));
	run_with_etc("app:no-such-group", false, &r);
	assert_int_equal(r.status, 78);
	run_with_etc("app", true, &r);
	assert_int_equal(r.status, 78);
	assert_non_null(strstr(r.err, "cannot read /etc/passwd"));
	run_with_etc("5000:5001", true, &r); /* numbers need no passwd */
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "5000", "5001");
}

static void bad_user_values_run_nothing(void **state)
{
	(void)state;
	static const char *const bad[] = { "SHIM_USER=", "SHIM_USER=abc", "SHIM_USER=65532:", "SHIM_USER=:1",
					    "SHIM_USER=-1", "SHIM_USER=4294967295", "SHIM_USER=99999999999999999999",
					    "SHIM_USER=65532:65532:1", "SHIM_USER= 65532", "SHIM_USER=65532 :1" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct result r;
		run_shim(true, ENV((char *)bad[i]), ARGS((char *)probe, "status"), &r, 20);
		print_message("%s -> %d %s", bad[i], r.status, r.err);
		assert_int_equal(r.status, 78);
		assert_string_equal(r.out, ""); /* nothing ran */
		assert_non_null(strstr(r.err, "shim: error: SHIM_USER=\""));
		assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);
	}
}

/* ------------------------------------------ issue 9: identity (core) */

static void run_in_pid_ns(char *const cmd[], char **env_extra, struct result *r)
{
	char *argv[40] = { "/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "--kill-child" };
	char *envp[16];
	int a = 5, e = 0;
	for (int i = 0; cmd[i]; i++)
		argv[a++] = cmd[i];
	argv[a] = NULL;
	for (int i = 0; base_env[i]; i++)
		envp[e++] = base_env[i];
	for (int i = 0; env_extra && env_extra[i]; i++)
		envp[e++] = env_extra[i];
	envp[e] = NULL;
	run_env(argv, envp, r, 20);
}

/* OpenShift's restricted SCC: an arbitrary uid with gid 0 (and group 0). */
static void openshift_arbitrary_uid_with_gid_0_runs(void **state)
{
	(void)state;
	struct result r;
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--reuid=1000680000", "--regid=0", "--clear-groups", "--inh-caps=-all",
			   "--bounding-set=-all", "--no-new-privs", "--", (char *)shim, (char *)probe, "status"), NULL, &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "1000680000", "0");
	assert_true(has_line(r.out, "Seccomp:\t2"));
	/* With supplementary group 0 as OpenShift sets it; kept like fsGroup. */
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--reuid=1000680000", "--regid=0", "--groups=0", "--inh-caps=-all",
			   "--bounding-set=-all", "--no-new-privs", "--", (char *)shim, (char *)probe, "status"), NULL, &r);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "Uid:\t1000680000\t1000680000\t1000680000\t1000680000"));
	assert_true(has_line(r.out, "Groups:\t0 ") || has_line(r.out, "Groups:\t0"));
	/* An explicit SHIM_USER equal to the start is fine; another uid is not. */
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--reuid=1000680000", "--regid=0", "--clear-groups", "--inh-caps=-all",
			   "--bounding-set=-all", "--no-new-privs", "--", (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_USER=1000680000:0"), &r);
	assert_int_equal(r.status, 0);
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--reuid=1000680000", "--regid=0", "--clear-groups", "--inh-caps=-all",
			   "--bounding-set=-all", "--no-new-privs", "--", (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_USER=0:0"), &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, "");
}

static void root_start_to_a_uid_with_gid_0_runs(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_USER=1000:0"), ARGS((char *)probe, "status"), &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "1000", "0");
	assert_true(has_line(r.out, "CapBnd:\t0000000000000000"));
}

/* docker run --cap-drop ALL with no --user: root without any capability. */
#define CAP_DROP_ALL "/usr/bin/setpriv", "--clear-groups", "--bounding-set=-all", "--inh-caps=-all", "--"

static void cap_drop_all_root_start_is_refused_with_remedies(void **state)
{
	(void)state;
	struct result r;
	run_in_pid_ns(ARGS(CAP_DROP_ALL, (char *)shim, (char *)probe, "status"), NULL, &r);
	print_message("%s", r.err);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, ""); /* nothing ran as root */
	assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1); /* one line */
	assert_non_null(strstr(r.err, "shim: error: identity: started as root without CAP_SETUID, CAP_SETGID, "
				      "which running as 65532:65532 needs"));
	assert_non_null(strstr(r.err, "grant CAP_SETUID, CAP_SETGID and CAP_SETPCAP"));
	assert_non_null(strstr(r.err, "--user 65532:65532"));
	assert_non_null(strstr(r.err, "runAsUser"));
}

/* SHIM_USER=0 (root without capabilities) where they are already gone. */
static void root_target_with_every_capability_dropped_runs(void **state)
{
	(void)state;
	struct result r;
	run_in_pid_ns(ARGS(CAP_DROP_ALL, (char *)shim, (char *)probe, "status"), ENV("SHIM_USER=0"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "0", "0");
	assert_true(has_line(r.out, "CapBnd:\t0000000000000000"));
}

/* Docker, Podman and containerd give a root start supplementary groups [0]:
 * with every capability dropped, SHIM_USER=0 keeps that group (it is its gid)
 * instead of asking for CAP_SETGID; other groups are the runtime's and stay
 * too (issue 21: before, they were refused). */
static void root_target_keeps_group_0_with_every_capability_dropped(void **state)
{
	(void)state;
	struct result r;
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--groups=0", "--bounding-set=-all", "--inh-caps=-all", "--",
			   (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_USER=0"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Uid:\t0\t0\t0\t0\n"));
	assert_non_null(strstr(r.out, "Gid:\t0\t0\t0\t0\n"));
	assert_true(has_line(r.out, "Groups:\t0 ") || has_line(r.out, "Groups:\t0"));
	assert_non_null(strstr(r.out, "CapPrm:\t0000000000000000\n"));
	assert_non_null(strstr(r.out, "CapEff:\t0000000000000000\n"));
	assert_non_null(strstr(r.out, "CapBnd:\t0000000000000000\n"));
	assert_non_null(strstr(r.out, "NoNewPrivs:\t1\n"));
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--groups=0,5", "--bounding-set=-all", "--inh-caps=-all", "--",
			   (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_USER=0", "SHIM_LOG_LEVEL=info"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "Groups:\t0 5 ") || has_line(r.out, "Groups:\t0 5"));
	assert_non_null(strstr(r.err, "identity: supplementary groups kept: 0, 5; dropped: none (0 is the target gid; "
				      "dropping it needs CAP_SETGID)"));
}

/* fsGroup and supplementalGroups on a root start: the runtime's groups stay
 * (a volume chowned to fsGroup stays writable for node), all but 0, and an
 * info line says which were dropped (issue 21). */
static void root_start_keeps_the_runtimes_groups_but_0(void **state)
{
	(void)state;
	struct result r;
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--groups=2000", "--", (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_LOG_LEVEL=info"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "Groups:\t2000 ") || has_line(r.out, "Groups:\t2000"));
	assert_non_null(strstr(r.out, "Uid:\t65532\t65532\t65532\t65532\n"));
	assert_non_null(strstr(r.err, "shim: info: identity: supplementary groups kept: 2000; dropped: none\n"));
	/* Kubernetes' root start: the gid 0 group, fsGroup, supplementalGroups. */
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--groups=0,2000,3000", "--", (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_LOG_LEVEL=info"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "Groups:\t2000 3000 ") || has_line(r.out, "Groups:\t2000 3000"));
	assert_non_null(strstr(r.err, "identity: supplementary groups kept: 2000, 3000; dropped: 0 (root's group)\n"));
	/* Quiet at the default level. */
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--groups=0,2000", "--", (char *)shim, (char *)probe, "status"), NULL, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	/* Dropping 0 needs CAP_SETGID even when the gid is already the target's. */
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--regid=65532", "--groups=0,2000", "--bounding-set=-all,+setuid,+setpcap",
			   "--inh-caps=-all", "--", (char *)shim, (char *)probe, "status"),
		      NULL, &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "identity: started as root without CAP_SETGID, which running as 65532:65532 needs"));
	/* More groups than the shim handles: refused, not cut short. */
	char many[2048] = "--groups=1";
	for (int g = 2; g <= 300; g++)
		snprintf(many + strlen(many), sizeof many - strlen(many), ",%d", g);
	run_in_pid_ns(ARGS("/usr/bin/setpriv", many, "--", (char *)shim, (char *)probe, "status"), NULL, &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "started with 300 supplementary groups, more than the 256"));
	/* Group 0 as the only group, as runtimes give root: none left. */
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--groups=0", "--", (char *)shim, (char *)probe, "status"), NULL, &r);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "65532", "65532");
}

/* Decision: SETUID and SETGID but no SETPCAP. A non-root target runs with the
 * bounding set the runtime gave (inert under no_new_privs with every other
 * set empty); a uid 0 target, for which it is not inert, is refused. */
static void root_start_without_setpcap(void **state)
{
	(void)state;
	struct result r;
	char *const cmd[] = { "/usr/bin/setpriv", "--bounding-set=-all,+setuid,+setgid", "--inh-caps=-all", "--",
			      (char *)shim, (char *)probe, "status", NULL };
	run_in_pid_ns(cmd, ENV("SHIM_LOG_LEVEL=info"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "65532", "65532");
	assert_true(has_line(r.out, "CapBnd:\t00000000000000c0")); /* left: SETGID (6), SETUID (7) */
	assert_non_null(strstr(r.err, "capability bounding set not empty and cannot be changed (no CAP_SETPCAP)"));
	run_in_pid_ns(cmd, ENV("SHIM_USER=0"), &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "started as root without CAP_SETPCAP, which running as 0:0 needs"));
}

/* SHIM_KEEP_NET_BIND_SERVICE=true: the child keeps CAP_NET_BIND_SERVICE as
 * ambient (bind(:80) works) and nothing else, no_new_privs still set; PID 1
 * holds none; refused (77) where the runtime did not grant it; without it,
 * the info line names what was dropped (issue 21). A new network namespace
 * keeps port 80 free. */
#define NEW_NET "/usr/bin/unshare", "--net", "--"
#define NBS "0000000000000400"

static void keep_net_bind_service_keeps_that_alone(void **state)
{
	(void)state;
	struct result r;
	run_in_pid_ns(ARGS(NEW_NET, (char *)shim, (char *)probe, "status"), ENV("SHIM_KEEP_NET_BIND_SERVICE=true"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Uid:\t65532\t65532\t65532\t65532\n"));
	assert_non_null(strstr(r.out, "CapInh:\t" NBS "\n"));
	assert_non_null(strstr(r.out, "CapPrm:\t" NBS "\n"));
	assert_non_null(strstr(r.out, "CapEff:\t" NBS "\n"));
	assert_non_null(strstr(r.out, "CapBnd:\t" NBS "\n"));
	assert_non_null(strstr(r.out, "CapAmb:\t" NBS "\n"));
	assert_non_null(strstr(r.out, "NoNewPrivs:\t1\n"));
	assert_non_null(strstr(r.out, "Seccomp:\t2\n"));
	assert_string_equal(r.err, "");
	run_in_pid_ns(ARGS(NEW_NET, (char *)shim, (char *)probe, "bind", "80"), ENV("SHIM_KEEP_NET_BIND_SERVICE=true"), &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "bind 80: ok\n");
	/* PID 1 let go of it once the child had it. */
	run_in_pid_ns(ARGS((char *)shim, (char *)probe, "pid1"), ENV("SHIM_KEEP_NET_BIND_SERVICE=true"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "CapPrm:\t0000000000000000"));
	assert_true(has_line(r.out, "CapInh:\t0000000000000000"));
	assert_true(has_line(r.out, "CapAmb:\t0000000000000000"));

	/* Without it: EACCES, and the info line says what went. */
	run_in_pid_ns(ARGS(NEW_NET, (char *)shim, (char *)probe, "bind", "80"), ENV("SHIM_LOG_LEVEL=info"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "bind 80: Permission denied\n");
	assert_non_null(strstr(r.err, "shim: info: identity: capabilities dropped: CAP_CHOWN, CAP_DAC_OVERRIDE, "));
	assert_non_null(strstr(r.err, ", CAP_NET_BIND_SERVICE, "));
	assert_non_null(strstr(r.err, " (SHIM_KEEP_NET_BIND_SERVICE=true keeps CAP_NET_BIND_SERVICE for the child)\n"));
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--bounding-set=-all,+setuid,+setgid,+setpcap,+net_raw", "--inh-caps=-all",
			   "--", (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_LOG_LEVEL=info"), &r);
	assert_non_null(strstr(r.err, "shim: info: identity: capabilities dropped: CAP_SETGID, CAP_SETUID, CAP_SETPCAP, "
				      "CAP_NET_RAW\n"));

	/* Not granted: refused before anything changes, one line. */
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--bounding-set=-all,+setuid,+setgid,+setpcap", "--inh-caps=-all", "--",
			   (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_KEEP_NET_BIND_SERVICE=true"), &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, "");
	assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);
	assert_non_null(strstr(r.err, "SHIM_KEEP_NET_BIND_SERVICE=true, but the runtime did not grant CAP_NET_BIND_SERVICE"));
	/* The chart's start has none to keep. */
	run_as_1000(ENV("SHIM_KEEP_NET_BIND_SERVICE=1"), &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, "");

	/* Podman's non-root --cap-add: ambient from the runtime, kept as ambient. */
	run_in_pid_ns(ARGS(NEW_NET, "/usr/bin/setpriv", "--reuid=1000", "--regid=1000", "--clear-groups",
			   "--inh-caps=+net_bind_service", "--ambient-caps=+net_bind_service", "--", (char *)shim,
			   (char *)probe, "bind", "80"),
		      ENV("SHIM_KEEP_NET_BIND_SERVICE=true"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "bind 80: ok\n");
	/* Root without capabilities, but this one. */
	run_in_pid_ns(ARGS(NEW_NET, (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_USER=0", "SHIM_KEEP_NET_BIND_SERVICE=true"), &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Uid:\t0\t0\t0\t0\n"));
	assert_non_null(strstr(r.out, "CapPrm:\t" NBS "\n"));
	assert_non_null(strstr(r.out, "CapBnd:\t" NBS "\n"));
	assert_non_null(strstr(r.out, "NoNewPrivs:\t1\n"));
}

/* Runtimes set HOME=/root for a root image user: after the drop it must be the target's. */
static void root_home_is_replaced_by_the_targets(void **state)
{
	(void)state;
	struct result r;
	char root_home[300];
	struct passwd *pw = getpwuid(0);
	assert_non_null(pw); /* the test machine's passwd has root */
	snprintf(root_home, sizeof root_home, "HOME=%s", pw->pw_dir);
	char *saved = base_env[1];
	base_env[1] = root_home;
	run_shim(true, NULL, ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "HOME=/")); /* 65532 has no entry here */
	/* Root stays root: its HOME stays. */
	run_shim(true, ENV("SHIM_USER=0"), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 0);
	char want[300];
	snprintf(want, sizeof want, "HOME=%s", pw->pw_dir);
	assert_true(has_line(r.out, want));
	/* Not a root start: the runtime chose HOME for this user. */
	char *argv[32];
	setpriv_args("1000", ARGS((char *)shim, (char *)probe, "status"), argv);
	run_env(argv, base_env, &r, 20);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, want));
	/* Any other HOME is the operator's choice. */
	base_env[1] = "HOME=/srv/app";
	run_shim(true, NULL, ARGS((char *)probe, "status"), &r, 20);
	assert_true(has_line(r.out, "HOME=/srv/app"));
	base_env[1] = saved;
	/* The target's passwd entry when it has one (root's home there is /root). */
	etc_extra_env = "HOME=/root";
	run_with_etc("app", false, &r);
	etc_extra_env = NULL;
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "HOME=/home/app"));
}

/* ---------------------------------- issue 9: defaults and messages (core) */

/* Like `docker stop` (TERM, KILL 10 s later; Podman's default too): a
 * descendant that ignores TERM is cleaned up by the default grace before the
 * runtime's KILL, so the exit code is the main child's, not 137. */
static void default_grace_ends_inside_dockers_stop_timeout(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, NULL, ARGS((char *)probe, "grandchild", "60", "ignore-term"), &r, 10);
	print_message("%.2fs %s%s", r.seconds, r.out, r.err);
	assert_int_equal(r.status, 0);
	run_shim(false, NULL, ARGS((char *)probe, "grandchild", "60", "ignore-term"), &r, 10);
	assert_int_equal(r.status, 0);
}

static void help_goes_to_stdout_usage_errors_to_stderr(void **state)
{
	(void)state;
	struct result r;
	run_shim(false, NULL, ARGS("--help"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: shim"));
	assert_string_equal(r.err, "");
	run_shim(false, NULL, ARGS("-h"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: shim"));
	char *argv[] = { (char *)shim, NULL };
	run_env(argv, base_env, &r, 20);
	assert_int_equal(r.status, 64);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "usage: shim"));
	run_shim(false, NULL, ARGS("--bogus"), &r, 20);
	assert_int_equal(r.status, 64);
	assert_string_equal(r.out, "");
	/* An unknown option names itself, then the usage (issue 21). */
	assert_non_null(strstr(r.err, "--bogus: unknown option"));
	assert_non_null(strstr(r.err, "usage: shim"));
	/* --help and --version work whatever the environment holds. */
	run_shim(false, ENV("SHIM_STOP_SIGNAL=FOO", "SHIM_SECCOMP=/nonexistent"), ARGS("--version"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "shim "));
	run_shim(false, ENV("SHIM_GRACE_SECONDS=x"), ARGS("--help"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: shim"));
}

/* JSON written to a new readable temporary file PATH (a mkstemp template);
 * ENV receives SHIM_SECCOMP=PATH. */
static void temp_profile(const char *json, char *path, char *env, size_t env_size)
{
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	assert_int_equal(fchmod(fd, 0644), 0);
	assert_int_equal(close(fd), 0);
	snprintf(env, env_size, "SHIM_SECCOMP=%s", path);
}

/* A runtime profile without setitimer (a Localhost export made before the
 * compile deadline existed): a JSON profile still loads, compiled without
 * the deadline. The outer shim plays the runtime's filter. */
static void a_json_profile_loads_where_setitimer_is_denied(void **state)
{
	(void)state;
	static const char outer[] = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
				    "[\"setitimer\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]}\n";
	char path[] = "/tmp/shim-outer-XXXXXX", env[64], inner[96];
	temp_profile(outer, path, env, sizeof env);
	/* The inner shim compiles a JSON profile (the outer does not pass its
	 * SHIM_* settings on, so env(1) sets the inner's). */
	assert_int_equal(system("cp seccomp/default.json /tmp/shim-inner.json && chmod 644 /tmp/shim-inner.json"), 0);
	snprintf(inner, sizeof inner, "SHIM_SECCOMP=/tmp/shim-inner.json");
	struct result r;
	run_shim(true, ENV(env), ARGS("/usr/bin/env", inner, "SHIM_LOG_LEVEL=info", (char *)shim, (char *)probe, "seccomp"),
		 &r, 30);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "seccomp=2"));
	assert_non_null(strstr(r.err, "compiling without a deadline"));
	unlink(path);
	unlink("/tmp/shim-inner.json");
}

/* A profile whose default kills: the child ends with SIGSYS (exit 159) and
 * PID 1 says why, with the remedy (issue 21). */
static void a_seccomp_kill_is_named(void **state)
{
	(void)state;
	static const char json[] = "{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"syscalls\":[{\"names\":"
				   "[\"execve\",\"exit_group\",\"exit\",\"brk\",\"arch_prctl\",\"set_tid_address\","
				   "\"close\"],\"action\":\"SCMP_ACT_ALLOW\"}]}\n";
	char path[] = "/tmp/shim-kill-XXXXXX", env[64];
	temp_profile(json, path, env, sizeof env);
	struct result r;
	run_shim(true, ENV(env), ARGS((char *)probe, "socket"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 128 + SIGSYS);
	assert_non_null(strstr(r.err, "was killed by SIGSYS"));
	assert_non_null(strstr(r.err, "SHIM_SECCOMP_MODE=complain"));
	unlink(path);
}

static void complain_mode_says_so_at_start(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_SECCOMP_MODE=complain"), ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.err, COMPLAIN_START_LINE));
	char *bpf = "/tmp/shim-complain-start.bpf";
	run_shim(false, NULL, ARGS("--compile-profile", "seccomp/default.json", bpf), &r, 20);
	assert_int_equal(r.status, 0);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=complain", "SHIM_SECCOMP=/tmp/shim-complain-start.bpf"),
		 ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.err, "shim: warn: seccomp: complain mode: profile /tmp/shim-complain-start.bpf (bpf) "
				    "is not enforced; each would-be denial is logged"));
	unlink(bpf);
	/* Enforce mode says nothing. */
	run_shim(true, NULL, ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_string_equal(r.err, "");
}

/* ------------------------------------------------------------- seccomp */

/* Whether this kernel runs i386 calls at all (IA32 emulation can be compiled
 * out or disabled: int $0x80 then faults with SIGSEGV before any filter). */
static bool kernel_has_ia32(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 1);
		execl(escape, escape, "int80", (char *)NULL);
		_exit(127);
	}
	int status;
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void escape_syscalls_are_denied(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, NULL, ARGS((char *)escape, "list"), &r, 20);
	assert_int_equal(r.status, 0);
	FILE *f = fopen("tests/integration/escape.expected", "r");
	assert_non_null(f);
	char line[128];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_non_null(strstr(r.out, line));
		n++;
	}
	fclose(f);
	assert_true(n >= 40);
	assert_true(has_line(r.out, "clone3 ENOSYS"));

	if (kernel_has_ia32()) {
		run_shim(true, NULL, ARGS((char *)escape, "int80"), &r, 20);
		assert_null(strstr(r.out, "survived"));
		assert_int_equal(r.status, 128 + SIGSYS);
	} else {
		print_message("this kernel has no IA32 emulation: int $0x80 not tested\n");
	}
	run_shim(true, NULL, ARGS((char *)escape, "x32"), &r, 20);
	assert_null(strstr(r.out, "survived"));
	assert_int_equal(r.status, 128 + SIGSYS);
	run_shim(true, NULL, ARGS((char *)escape, "threads"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "threads ok"));
	/* The argument sweep (address families, clone bits, personality values). */
	run_shim(true, NULL, ARGS((char *)escape, "args"), &r, 60);
	print_message("%s", r.out);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "args ok"));
}

static void complain_mode_reports_and_continues(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_SECCOMP_MODE=complain"), ARGS((char *)escape, "list"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.err, "shim: seccomp: would deny mount(165) pid="));
	assert_non_null(strstr(r.err, "comm=escape"));
	/* The call went on to the kernel instead of getting EPERM from the filter. */
	assert_true(has_line(r.out, "mount EPERM") == false);
	assert_true(strstr(r.out, "mount other:") != NULL);
	/* clone3's ENOSYS is an answer, not a denial. */
	assert_null(strstr(r.err, "clone3"));
}

/* The child resolves its command through PATH before installing its filter,
 * so complain and learn mode need to let through only sendmsg, execve and
 * exit_group before PID 1 holds the listener. Under a profile that allows
 * nothing, a child that searched, wrote or closed after installing would
 * wait on a notification nobody can answer (PID 1 waits for its exec): the
 * run would hang. PATH's first entry is missing, so the search has work to do. */
static void complain_child_needs_only_the_bootstrap_calls(void **state)
{
	(void)state;
	char dir[] = "/tmp/shim-bootstrap-XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	char cmd[512], profile[128], garbage[128], path_env[160], profile_env[160], out_env[160];
	snprintf(cmd, sizeof cmd, "cp %s %s/bootprobe", probe, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(profile, sizeof profile, "%s/deny-all.json", dir);
	FILE *f = fopen(profile, "w");
	assert_non_null(f);
	fputs("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": []}\n", f);
	fclose(f);
	assert_int_equal(chmod(profile, 0644), 0);
	/* Executable, but no format the kernel knows: execve fails after install. */
	snprintf(garbage, sizeof garbage, "%s/garbage", dir);
	f = fopen(garbage, "w");
	assert_non_null(f);
	fputs("not a program\n", f);
	fclose(f);
	assert_int_equal(chmod(garbage, 0755), 0);
	snprintf(path_env, sizeof path_env, "PATH=/nonexistent/bin:%s", dir);
	snprintf(profile_env, sizeof profile_env, "SHIM_SECCOMP=%s", profile);
	snprintf(out_env, sizeof out_env, "SHIM_LEARN_FILE=%s/learned.json", dir);
	assert_int_equal(chmod(dir, 0777), 0);
	char *saved = base_env[0];
	base_env[0] = path_env;
	struct result r;
	for (int learn = 0; learn < 2; learn++) {
		char *mode = learn ? "SHIM_SECCOMP_MODE=learn" : "SHIM_SECCOMP_MODE=complain";
		char *learn_file = learn ? out_env : "SHIM_LOG_LEVEL=info";
		run_shim(true, ENV(mode, profile_env, learn_file), ARGS("bootprobe", "exit", "0"), &r, 20);
		print_message("%s: %.2f s\n%s", mode, r.seconds, r.err);
		assert_int_equal(r.status, 0);
		/* The workload's calls are reported (the filter is on)... */
		assert_non_null(strstr(r.err, "comm=bootprobe"));
		/* ...and none made by the shim's child before exec (comm "shim"). */
		assert_null(strstr(r.err, "comm=shim"));
		/* A failed exec after the filter is reported without a write. (Not
		 * in the sanitizer build: its runtime makes calls of its own, such
		 * as sigaltstack, when the exec fails.) */
		if (sanitized)
			continue;
		run_shim(true, ENV(mode, profile_env, learn_file), ARGS(garbage), &r, 20);
		assert_int_equal(r.status, 126);
		assert_non_null(strstr(r.err, "Exec format error"));
	}
	base_env[0] = saved;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void broken_profiles_run_nothing(void **state)
{
	(void)state;
	struct result r;
	char *bad = write_temp("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [", 47);
	char env[96];
	snprintf(env, sizeof env, "SHIM_SECCOMP=%s", bad);
	run_shim(true, ENV(env), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 65);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "shim: error: seccomp profile "));
	unlink(bad);
	run_shim(true, ENV("SHIM_SECCOMP=/nonexistent.json"), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 65);
	assert_string_equal(r.out, "");
}

static void check_validates_and_runs_nothing(void **state)
{
	(void)state;
	struct result r;
	run_shim(false, NULL, ARGS("--check", "probe-not-here"), &r, 20);
	assert_int_equal(r.status, 127);
	assert_non_null(strstr(r.err, "probe-not-here: not found in PATH"));
	run_shim(false, ENV("SHIM_SECCOMP_MODE=complain"), ARGS("--check", (char *)probe, "exit", "9"), &r, 20);
	assert_int_equal(r.status, 0); /* not the command's 9: nothing ran */
	assert_non_null(strstr(r.out, "shim: ok: user 65532:65532 (default), seccomp default embedded"));
	assert_non_null(strstr(r.out, "complain"));
	assert_non_null(strstr(r.out, probe));
	run_shim(false, ENV("SHIM_GROUP=perhaps"), ARGS("--check"), &r, 20);
	assert_int_equal(r.status, 78);
	assert_string_equal(r.out, "");
}

/* The error line: what the run and --check must agree on. */
static const char *first_error(const char *err, char *buf, size_t size)
{
	const char *e = strstr(err, "shim: error: ");
	snprintf(buf, size, "%.*s", e ? (int)strcspn(e, "\n") : 0, e ? e : "");
	return buf;
}

/* Runs PREFIX... SHIM [--check] probe ARGS both ways: the same exit code
 * and error line; --check runs nothing. Returns the run's code. */
static int run_and_check(char *const prefix[], char **env_extra, const char *command, const char *arg)
{
	struct result run, check;
	char *with[32], *without[32];
	int n = 0;
	for (; prefix[n]; n++)
		with[n] = without[n] = prefix[n];
	with[n] = without[n] = (char *)shim;
	int w = n + 1, o = n + 1;
	with[w++] = "--check";
	with[w++] = without[o++] = (char *)command;
	with[w++] = without[o++] = (char *)arg;
	with[w] = without[o] = NULL;
	run_in_pid_ns(without, env_extra, &run);
	run_in_pid_ns(with, env_extra, &check);
	char a[1024], b[1024];
	print_message("%s: run %d %s| check %d %s%s", command, run.status, run.err, check.status, check.out, check.err);
	assert_int_equal(check.status, run.status);
	assert_string_equal(first_error(check.err, a, sizeof a), first_error(run.err, b, sizeof b));
	if (check.status == 0)
		assert_non_null(strstr(check.out, "shim: ok: "));
	else
		assert_string_equal(check.out, "");
	return run.status;
}

/* --check decides as the run does, as the user the child will be (issue 21):
 * it said ok for starts that then failed with 77 or 126. */
static void check_decides_as_the_run_does(void **state)
{
	(void)state;
	char *const root[] = { NULL };
	char *const chart[] = { "/usr/bin/setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "--inh-caps=-all",
				"--bounding-set=-all", "--no-new-privs", "--", NULL };
	char *const no_setuid[] = { "/usr/bin/setpriv", "--bounding-set=-all,+setgid,+setpcap", "--inh-caps=-all", "--",
				    NULL };
	/* SHIM_USER mismatch on a non-root start. */
	assert_int_equal(run_and_check(chart, ENV("SHIM_USER=65532:65532"), probe, "status"), 77);
	/* A root start without CAP_SETUID. */
	assert_int_equal(run_and_check(no_setuid, NULL, probe, "status"), 77);
	/* SHIM_KEEP_NET_BIND_SERVICE where there is none to keep. */
	assert_int_equal(run_and_check(chart, ENV("SHIM_KEEP_NET_BIND_SERVICE=true"), probe, "status"), 77);
	/* A command only root may read and execute: 126 for the child's user. */
	char dir[] = "/tmp/shim-check-XXXXXX";
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	char rootonly[96], cmd[512], path_env[96];
	snprintf(rootonly, sizeof rootonly, "%s/rootonly", dir);
	snprintf(cmd, sizeof cmd, "cp %s %s && chmod 0700 %s", probe, rootonly, rootonly);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(run_and_check(root, NULL, rootonly, "status"), 126);
	snprintf(path_env, sizeof path_env, "PATH=%s", dir);
	char *saved = base_env[0];
	base_env[0] = path_env;
	assert_int_equal(run_and_check(root, NULL, "rootonly", "status"), 126);
	/* As root (SHIM_USER=0) it runs, and --check says so. */
	assert_int_equal(run_and_check(root, ENV("SHIM_USER=0"), "rootonly", "status"), 0);
	base_env[0] = saved;
	/* The chart's start: ok, naming the user it adopts. */
	assert_int_equal(run_and_check(chart, NULL, probe, "status"), 0);
	struct result r;
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--reuid=1000", "--regid=1000", "--clear-groups", "--inh-caps=-all",
			   "--bounding-set=-all", "--no-new-privs", "--", (char *)shim, "--check", (char *)probe),
		      NULL, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "shim: ok: user 1000:1000 (default)"));
	/* Found through the fallback: the summary says PATH gains the directory. */
	char fallback[128], want[160];
	snprintf(fallback, sizeof fallback, "SHIM_FALLBACK_PATH=%s", dir);
	assert_int_equal(chmod(rootonly, 0755), 0);
	run_in_pid_ns(ARGS((char *)shim, "--check", "rootonly"), ENV(fallback), &r);
	assert_int_equal(r.status, 0);
	snprintf(want, sizeof want, ", command %s (PATH gains %s)\n", rootonly, dir);
	assert_non_null(strstr(r.out, want));
	unlink(rootonly);
	rmdir(dir);
}

static void printed_profile_loads_back_to_the_same_bpf(void **state)
{
	(void)state;
	struct result r;
	run_shim(false, NULL, ARGS("--print-profile"), &r, 20);
	assert_int_equal(r.status, 0);
	char *printed = write_temp(r.out, strlen(r.out));
	char a[80], b[96];
	snprintf(a, sizeof a, "%s", printed);
	snprintf(b, sizeof b, "%s.bpf", a);
	run_shim(false, NULL, ARGS("--compile-profile", a, b), &r, 20);
	assert_int_equal(r.status, 0);
	run_shim(false, NULL, ARGS("--compile-profile", "seccomp/default.json", "/tmp/shim-default.bpf"), &r, 20);
	assert_int_equal(r.status, 0);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "cmp -s %s /tmp/shim-default.bpf", b);
	assert_int_equal(system(cmd), 0);
	char env[128];
	snprintf(env, sizeof env, "SHIM_SECCOMP=%s", b);
	run_shim(true, ENV(env), ARGS((char *)escape, "list"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "mount EPERM"));
	unlink(a);
	unlink(b);
	unlink("/tmp/shim-default.bpf");
}

/* The shipped profiles load without a word on stderr in every normal use:
 * a warning there on each start would teach operators to ignore warnings
 * (issue 20: a name the pinned libseccomp does not know). */
static void shipped_profiles_load_in_silence(void **state)
{
	(void)state;
	struct result r;
	run_shim(false, NULL, ARGS("--print-profile"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	/* The build step, for both targets; what it made goes to stdout. */
	char *bpfgen[] = { "build/bpfgen", "seccomp/default.json", "seccomp/pid1.json", "/tmp/shim-bpfgen.h", NULL };
	run_env(bpfgen, base_env, &r, 60);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	assert_non_null(strstr(r.out, "bpfgen: seccomp/default.json (enforce): "));
	char *bpfgen_arm[] = { "build/bpfgen", "--arch", "aarch64", "seccomp/default.json", "seccomp/pid1.json",
			       "/tmp/shim-bpfgen.h", NULL };
	run_env(bpfgen_arm, base_env, &r, 60);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	unlink("/tmp/shim-bpfgen.h");
	const char *shipped[] = { "seccomp/default.json", "seccomp/pid1.json" };
	for (size_t i = 0; i < sizeof shipped / sizeof *shipped; i++) {
		run_shim(false, NULL, ARGS("--compile-profile", (char *)shipped[i], "/tmp/shim-shipped.bpf"), &r, 20);
		assert_int_equal(r.status, 0);
		assert_string_equal(r.err, "");
	}
	unlink("/tmp/shim-shipped.bpf");
	/* A copy of the default as SHIM_SECCOMP, running a trivial command. */
	size_t len;
	char *json = slurp("seccomp/default.json", &len);
	char *copy = write_temp(json, len);
	assert_int_equal(chmod(copy, 0644), 0);
	char env[96];
	snprintf(env, sizeof env, "SHIM_SECCOMP=%s", copy);
	run_shim(true, ENV(env), ARGS((char *)probe, "exit", "0"), &r, 20);
	unlink(copy);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
}

/* ---------------------------------------------------- bad-input table */

static char tmpdir_path[64];

/* Expands one placeholder of tests/bad-inputs.md into a path. */
static const char *placeholder(const char *value, char *buf, size_t size)
{
	char path[256];
	static int n;
	snprintf(path, sizeof path, "%s/in%d", tmpdir_path, n++);
	if (!strncmp(value, "{file:", 6)) {
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fwrite(value + 6, 1, strlen(value) - 7, f);
		fclose(f);
	} else if (!strcmp(value, "{empty}")) {
		fclose(fopen(path, "w"));
	} else if (!strcmp(value, "{nul}")) {
		FILE *f = fopen(path, "w");
		fwrite("{\"defaultAction\": \"SCMP_ACT_ERRNO\"}\0", 1, 37, f);
		fclose(f);
	} else if (!strcmp(value, "{big}")) {
		fclose(fopen(path, "w"));
		assert_int_equal(truncate(path, 10000000), 0);
	} else if (!strcmp(value, "{dir}")) {
		assert_int_equal(mkdir(path, 0755), 0);
	} else if (!strcmp(value, "{fifo}")) {
		assert_int_equal(mkfifo(path, 0644), 0);
	} else if (!strcmp(value, "{bpf-truncated}") || !strcmp(value, "{bpf-header}")) {
		struct result r;
		char *argv[] = { (char *)shim, "--compile-profile", "seccomp/default.json", path, NULL };
		run_env(argv, base_env, &r, 20);
		assert_int_equal(r.status, 0);
		struct stat st;
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(truncate(path, !strcmp(value, "{bpf-header}") ? 12 : st.st_size - 1), 0);
	} else if (!strcmp(value, "{private}")) {
		FILE *f = fopen(path, "w");
		fputs("{\"defaultAction\": \"SCMP_ACT_ALLOW\"}", f);
		fclose(f);
		chmod(path, 0600);
	} else {
		return value;
	}
	snprintf(buf, size, "%s", path);
	return buf;
}

static const char *condition_script(const char *condition)
{
	static const struct {
		const char *name, *script;
	} scripts[] = {
		{ "root", "exec \"$@\"" },
		{ "uid1000", "exec /usr/bin/setpriv --reuid=1000 --regid=1000 --clear-groups --inh-caps=-all "
			     "--bounding-set=-all --no-new-privs -- \"$@\"" },
		{ "no-proc", "mount -t tmpfs none /proc && exec \"$@\"" },
		{ "ro-root", "mount --bind / / && mount -o remount,bind,ro / && exec \"$@\"" },
		{ "no-etc", "mount -t tmpfs none /etc && exec \"$@\"" },
		{ "fd3", "ulimit -n 3 && exec \"$@\"" },
		{ "fd4", "ulimit -n 4 && exec \"$@\"" },
	};
	for (size_t i = 0; i < sizeof scripts / sizeof *scripts; i++)
		if (!strcmp(condition, scripts[i].name))
			return scripts[i].script;
	fail_msg("unknown condition %s", condition);
	return NULL;
}

/* "`x`" -> "x"; "-" -> "". Modifies the cell in place. */
static char *cell(char *c)
{
	while (*c == ' ')
		c++;
	size_t n = strlen(c);
	while (n && c[n - 1] == ' ')
		c[--n] = '\0';
	if (!strcmp(c, "-"))
		return c + 1;
	if (n >= 2 && c[0] == '`' && c[n - 1] == '`') {
		c[n - 1] = '\0';
		return c + 1;
	}
	return c;
}

static void bad_inputs_table(void **state)
{
	(void)state;
	snprintf(tmpdir_path, sizeof tmpdir_path, "/tmp/shim-bad-XXXXXX");
	assert_non_null(mkdtemp(tmpdir_path));
	chmod(tmpdir_path, 0755);
	FILE *f = fopen("tests/bad-inputs.md", "r");
	assert_non_null(f);
	static char line[8192];
	int rows = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '|' || line[2] < '0' || line[2] > '9')
			continue;
		char *cols[8];
		int ncols = 0;
		/* Split at " | " so cell text may hold a lone '|'. */
		char *p = line + 1;
		while (ncols < 8) {
			char *sep = strstr(p, " | ");
			cols[ncols++] = p;
			if (!sep)
				break;
			*sep = '\0';
			p = sep + 3;
		}
		assert_int_equal(ncols, 6);
		cols[5][strlen(cols[5]) - 2] = '\0'; /* the row's closing " |" */
		const char *id = cell(cols[0]), *condition = cell(cols[1]);
		char *env_text = cell(cols[2]), *args_text = cell(cols[3]);
		int want_exit = atoi(cell(cols[4]));
		const char *message = cell(cols[5]);
		/* A dynamically linked sanitizer build cannot load with 3 descriptors,
		 * and its leak checker needs /proc. */
		if (sanitized && (!strncmp(condition, "fd", 2) || !strcmp(condition, "no-proc")))
			continue;

		char *envp[16], *argv[48];
		static char bufs[16][1100];
		int e = 0, a = 0;
		envp[e++] = base_env[0];
		if (base_env[2])
			envp[e++] = base_env[2];
		for (char *tok = strtok(env_text, ";"); tok && *tok; tok = strtok(NULL, ";")) {
			while (*tok == ' ')
				tok++;
			char *eq = strchr(tok, '=');
			assert_non_null(eq);
			char value[512];
			const char *v = placeholder(eq + 1, value, sizeof value);
			snprintf(bufs[e], sizeof bufs[e], "%.*s=%s", (int)(eq - tok), tok, v);
			envp[e] = bufs[e];
			e++;
		}
		envp[e] = NULL;
		argv[a++] = "/usr/bin/unshare";
		argv[a++] = "--mount";
		argv[a++] = "--pid";
		argv[a++] = "--fork";
		argv[a++] = "--kill-child";
		if (strcmp(condition, "no-proc"))
			argv[a++] = "--mount-proc";
		argv[a++] = "/bin/sh";
		argv[a++] = "-c";
		argv[a++] = (char *)condition_script(condition);
		argv[a++] = "sh";
		argv[a++] = (char *)shim;
		if (!*args_text) {
			argv[a++] = (char *)probe;
			argv[a++] = "seccomp";
		}
		for (char *tok = strtok(args_text, " "); tok; tok = strtok(NULL, " "))
			argv[a++] = tok;
		argv[a] = NULL;

		struct result r;
		run_env(argv, envp, &r, 30);
		print_message("row %s: exit %d, %s", id, r.status, r.err[0] ? r.err : "(no message)\n");
		assert_int_equal(r.status, want_exit);
		assert_non_null(strstr(r.err, message));
		if (want_exit == 0) {
			assert_string_equal(r.out, "seccomp=2\n");
		} else {
			/* Nothing ran, so nothing ran unconfined; the error is one line,
			 * which the usage follows for an unknown option (477d555). */
			assert_string_equal(r.out, "");
			const char *nl = strchr(r.err, '\n');
			assert_true(nl == r.err + strlen(r.err) - 1 ||
				    (want_exit == 64 && !strncmp(nl + 1, "usage: shim", 11)));
		}
		rows++;
	}
	fclose(f);
	assert_true(rows >= (sanitized ? 48 : 50));
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir_path);
	assert_int_equal(system(cmd), 0);
}

/* -------------------------------------------------------------- stress */

static void ten_thousand_zombies_are_reaped(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_SECCOMP=off"), ARGS((char *)probe, "orphans", "10000"), &r, 120);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "left 0 zombies 0"));
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

static void signal_storm_keeps_pid1_flat_and_term_exact(void **state)
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
static void term_at_every_stage_of_start_up(void **state)
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

/* ---------------------------------------------------------------- node */

static char node_path_env[4200], workload[4200], moby_env[4200];

static void node_workload(char *mode_env, const char *profile_env, struct result *r)
{
	run_shim(true, ENV(node_path_env, mode_env, (char *)profile_env), ARGS("node", workload), r, 90);
}

static void node_workload_passes_under_the_default_profile(void **state)
{
	(void)state;
	struct result r;
	node_workload("SHIM_SECCOMP_MODE=enforce", "SHIM_LOG_LEVEL=warn", &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "workload ok"));
	assert_true(has_line(r.out, "ok sqlite")); /* better-sqlite3, a native addon */
	assert_string_equal(r.err, "");
}

static void node_workload_has_no_would_deny_in_complain_mode(void **state)
{
	(void)state;
	struct result r;
	node_workload("SHIM_SECCOMP_MODE=complain", "SHIM_LOG_LEVEL=warn", &r);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "workload ok"));
	assert_null(strstr(r.err, "would deny"));
	assert_string_equal(r.err, COMPLAIN_START_LINE "\n"); /* nothing but the start line */
}

static void docker_default_profile_loads_and_node_runs(void **state)
{
	(void)state;
	struct result r;
	node_workload("SHIM_SECCOMP_MODE=enforce", moby_env, &r);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "workload ok"));
	/* Docker's profile denies mount too (EPERM by default). */
	run_shim(true, ENV(moby_env), ARGS((char *)escape, "list"), &r, 20);
	assert_true(has_line(r.out, "mount EPERM"));
	assert_true(has_line(r.out, "clone3 ENOSYS"));
}

/* The return escape printed for "ABI NR = RET", or 1 when it printed none. */
static long raw_result(const char *out, const char *abi, const char *nr)
{
	char key[64];
	snprintf(key, sizeof key, "%s %s = ", abi, nr);
	const char *p = strstr(out, key);
	return p ? strtol(p + strlen(key), NULL, 10) : 1;
}

/* Docker's profile lists x86 and x32 beside x86_64. Its range program,
 * compiled by --compile-profile and built from the JSON at start, decides
 * their calls in the kernel as libseccomp's program does. */
static void docker_profile_decides_i386_and_x32_calls_in_the_kernel(void **state)
{
	(void)state;
	struct result r;
	const char *json = moby_env + strlen("SHIM_SECCOMP=");
	/* Podman's too: the range program (libseccomp's has 1206 and 1426
	 * instructions), with no warning that the two programs differ. */
	char podman[4200];
	snprintf(podman, sizeof podman, "%.*s/podman-seccomp.json",
		 (int)(strrchr(json, '/') - json), json);
	const char *in[] = { podman, json };
	for (int i = 0; i < 2; i++) {
		run_shim(false, NULL, ARGS("--compile-profile", (char *)in[i], "/tmp/shim-moby.bpf"), &r, 30);
		assert_int_equal(r.status, 0);
		const char *count = strstr(r.out, "enforce ");
		assert_non_null(count);
		long n = strtol(count + strlen("enforce "), NULL, 10);
		print_message("%s", r.out);
		assert_true(n > 0 && n < 600);
		assert_null(strstr(r.err, "differs"));
	}
	char *settings[] = { moby_env, "SHIM_SECCOMP=/tmp/shim-moby.bpf" };
	bool ia32 = kernel_has_ia32();
	for (int i = 0; i < 2; i++) {
		char *env[] = { settings[i], NULL };
		if (ia32) {
			run_shim(true, env, ARGS((char *)escape, "int80", "20"), &r, 20);
			assert_true(raw_result(r.out, "int80", "20") > 0);                  /* getpid: allowed */
			run_shim(true, env, ARGS((char *)escape, "int80", "310", "0"), &r, 20);
			assert_int_equal(raw_result(r.out, "int80", "310"), -EPERM);        /* unshare(0): denied */
			run_shim(true, env, ARGS((char *)escape, "int80", "102", "1", "0"), &r, 20);
			assert_int_equal(raw_result(r.out, "int80", "102"), -EFAULT);       /* socketcall(SOCKET): allowed */
			run_shim(true, env, ARGS((char *)escape, "int80", "999"), &r, 20);
			assert_int_equal(raw_result(r.out, "int80", "999"), -ENOSYS);       /* above the profile */
		}
		run_shim(true, env, ARGS((char *)escape, "x32", "272"), &r, 20);
		assert_int_equal(raw_result(r.out, "x32", "272"), -EPERM);                 /* unshare: denied */
		run_shim(true, env, ARGS((char *)escape, "x32", "39"), &r, 20);
		long pid = raw_result(r.out, "x32", "39");                                 /* getpid: allowed */
		assert_true(pid == 0 || pid == -ENOSYS);                                   /* (a kernel without x32) */
	}
	if (!ia32)
		print_message("this kernel has no IA32 emulation: i386 calls not tested\n");
	unlink("/tmp/shim-moby.bpf");
}

/* Issue 20's reproduction: two socket rules with different actions, one
 * testing two arguments. libseccomp's program (runc's, Docker's) tries the
 * rule on argument 1 first, so both sockets get EPERM; the shim once
 * installed a range program that allowed AF_INET. In the kernel, from the
 * JSON and from its compiled file. */
static void overlapping_argument_rules_are_denied_as_libseccomp_denies(void **state)
{
	(void)state;
	static const char json[] =
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"syscalls\":[\n"
		" {\"names\":[\"read\",\"write\",\"writev\",\"exit_group\",\"exit\",\"execve\",\"arch_prctl\","
		"\"set_tid_address\",\"brk\",\"mmap\",\"munmap\",\"ioctl\",\"close\",\"fstat\",\"newfstatat\","
		"\"rt_sigprocmask\",\"rt_sigaction\",\"prlimit64\",\"getrandom\",\"mprotect\"],"
		"\"action\":\"SCMP_ACT_ALLOW\"},\n"
		" {\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":2,"
		"\"op\":\"SCMP_CMP_EQ\"},{\"index\":1,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]},\n"
		" {\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"args\":[{\"index\":1,"
		"\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}\n";
	char path[] = "/tmp/shim-overlap-XXXXXX", json_env[64], bpf_env[] = "SHIM_SECCOMP=/tmp/shim-overlap.bpf";
	temp_profile(json, path, json_env, sizeof json_env);
	struct result r;
	run_shim(false, NULL, ARGS("--compile-profile", path, "/tmp/shim-overlap.bpf"), &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	char *settings[] = { json_env, bpf_env };
	for (int i = 0; i < 2; i++) {
		run_shim(true, ENV(settings[i]), ARGS((char *)probe, "socket"), &r, 20);
		print_message("%s: %s", settings[i], r.out);
		assert_int_equal(r.status, 0);
		assert_true(has_line(r.out, "socket(AF_INET, SOCK_STREAM): errno 1"));
		assert_true(has_line(r.out, "socket(AF_UNIX, SOCK_STREAM): errno 1"));
	}
	unlink(path);
	unlink("/tmp/shim-overlap.bpf");
}

/* Two rules on one syscall sharing a != condition make libseccomp 2.6.0
 * loop forever inside seccomp_rule_add; with every signal blocked the
 * start would hang until a KILL. The compile deadline ends it: one line,
 * exit 65, nothing run. */
static void a_profile_libseccomp_never_compiles_ends_with_its_error(void **state)
{
	(void)state;
	static const char json[] =
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[\n"
		" {\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":1,\"value\":5,"
		"\"op\":\"SCMP_CMP_NE\"},{\"index\":4,\"value\":7,\"op\":\"SCMP_CMP_NE\"}]},\n"
		" {\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":1,\"value\":5,"
		"\"op\":\"SCMP_CMP_NE\"},{\"index\":5,\"value\":9,\"op\":\"SCMP_CMP_EQ\"}]}]}\n";
	char path[] = "/tmp/shim-loop-XXXXXX", env[64];
	temp_profile(json, path, env, sizeof env);
	struct result r;
	run_shim(true, ENV(env), ARGS((char *)probe, "exit", "0"), &r, 60);
	print_message("%s", r.err);
	assert_int_equal(r.status, 65);
	assert_non_null(strstr(r.err, "libseccomp did not finish compiling it"));
	assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1); /* one line */
	unlink(path);
}

/* ---------------------------------------------------------------- learn */

static char learn_dir[64];

/* A whole small file (empty when missing), in a static buffer. */
static const char *read_file(const char *path)
{
	static char buf[1 << 16];
	buf[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return buf;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* A directory the shim (dropped to 65532) can write: SHIM_LEARN_FILE=DIR/NAME. */
static void learn_env(char *buf, size_t size, const char *name)
{
	if (!learn_dir[0]) {
		snprintf(learn_dir, sizeof learn_dir, "/tmp/shim-learn-XXXXXX");
		assert_non_null(mkdtemp(learn_dir));
		assert_int_equal(chmod(learn_dir, 0777), 0);
	}
	snprintf(buf, size, "SHIM_LEARN_FILE=%s/%s", learn_dir, name);
}

/* How many syscall names a profile allows (any arguments or some), through
 * the shim's own reading of it. */
static int allowed_names(const char *profile)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd,
		 "env -u SHIM_TEST_SANITIZED SHIM_SECCOMP=%s %s --print-profile | python3 -c 'import json,sys; p=json.load(sys.stdin); "
		 "print(len({n for r in p[\"syscalls\"] if r[\"action\"]==\"SCMP_ACT_ALLOW\" for n in r[\"names\"]}))'",
		 profile, shim);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	int n = -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	assert_int_equal(pclose(f), 0);
	return n;
}

/* Every escape-class call of escape.expected is denied (EPERM or ENOSYS: a
 * learned profile may deny it earlier, e.g. the fork its probe needs). */
static void escape_list_is_denied_under(const char *profile_env)
{
	struct result r;
	run_shim(true, ENV((char *)profile_env), ARGS((char *)escape, "list"), &r, 20);
	assert_int_equal(r.status, 0);
	FILE *f = fopen("tests/integration/escape.expected", "r");
	assert_non_null(f);
	char line[128];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#' || line[0] == '\n' || !strncmp(line, "control_", 8))
			continue;
		char name[96], want[96], denied[2][128], expected[32];
		assert_int_equal(sscanf(line, "%95s %31s", name, expected), 2);
		/* Not an escape: allowed by the base too (socket(AF_INET | 1<<32) is
		 * AF_INET to the kernel, and runtime JSON gets the range program). */
		if (!strncmp(expected, "other", 5))
			continue;
		snprintf(want, sizeof want, "%s", name);
		snprintf(denied[0], sizeof denied[0], "%s EPERM", want);
		snprintf(denied[1], sizeof denied[1], "%s ENOSYS", want);
		bool ok = has_line(r.out, denied[0]) || has_line(r.out, denied[1]);
		if (!ok)
			print_message("not denied under %s: %s", profile_env, line);
		assert_true(ok);
		n++;
	}
	fclose(f);
	assert_true(n >= 40);
	assert_true(has_line(r.out, "clone3 ENOSYS"));
}

static void learned_node_profile_enforces_and_is_smaller(void **state)
{
	(void)state;
	struct result r;
	char out_env[128], profile[128], profile_env[160];
	learn_env(out_env, sizeof out_env, "node.json");
	snprintf(profile, sizeof profile, "%s/node.json", learn_dir);
	snprintf(profile_env, sizeof profile_env, "SHIM_SECCOMP=%s", profile);
	run_shim(true, ENV(node_path_env, "SHIM_SECCOMP_MODE=learn", out_env), ARGS("node", workload), &r, 90);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "workload ok"));
	/* One summary line, and nothing reported outside the default profile. */
	assert_non_null(strstr(r.err, "shim: learn: wrote "));
	assert_non_null(strstr(r.err, "; 0 outside the base"));
	assert_null(strstr(r.err, "outside the base profile:"));

	run_shim(true, ENV(node_path_env, "SHIM_SECCOMP_MODE=enforce", profile_env), ARGS("node", workload), &r, 90);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "workload ok"));
	assert_true(has_line(r.out, "ok sqlite"));
	assert_string_equal(r.err, "");

	/* Argument-checked calls keep the base's conditions; its deny and ENOSYS rules stay. */
	const char *text = read_file(profile);
	assert_non_null(strstr(text, "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,"));
	assert_non_null(strstr(text, "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":"));
	assert_non_null(strstr(text, "{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}"));
	assert_non_null(strstr(text, "\"defaultErrnoRet\": 38"));
	int learned = allowed_names(profile), full = allowed_names("seccomp/default.json");
	print_message("learned profile allows %d names, the default %d\n", learned, full);
	assert_true(learned > 20);
	assert_true(learned < full);
	escape_list_is_denied_under(profile_env);
	/* A learned profile of a real workload keeps the range program (proven, issue 20). */
	char bpf[160];
	snprintf(bpf, sizeof bpf, "%s/node.bpf", learn_dir);
	run_shim(false, NULL, ARGS("--compile-profile", profile, bpf), &r, 30);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "instructions (range program), complain "));
	assert_non_null(strstr(r.out, " (range program)\n"));

	/* Second run with the learned profile as its base: nothing new, same file. */
	char out2_env[128], cmd[300];
	learn_env(out2_env, sizeof out2_env, "node2.json");
	run_shim(true, ENV(node_path_env, "SHIM_SECCOMP_MODE=learn", out2_env, profile_env), ARGS("node", workload),
		 &r, 90);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "workload ok"));
	assert_non_null(strstr(r.err, "; 0 outside the base"));
	snprintf(cmd, sizeof cmd, "cmp %s %s/node2.json", profile, learn_dir);
	assert_int_equal(system(cmd), 0);

	/* Kubernetes export: a superset (the runtime's and PID 1's calls added) that still loads. */
	run_shim(false, NULL, ARGS("--export-profile", "localhost", profile), &r, 20);
	assert_int_equal(r.status, 0);
	char exported[128], exported_env[160];
	snprintf(exported, sizeof exported, "%s/k8s.json", learn_dir);
	FILE *f = fopen(exported, "w");
	assert_non_null(f);
	fputs(r.out, f);
	fclose(f);
	int k8s = allowed_names(exported);
	print_message("Localhost export allows %d names\n", k8s);
	assert_true(k8s > learned && k8s < full);
	assert_non_null(strstr(r.out, "\"seccomp\""));
	assert_non_null(strstr(r.out, "\"setresuid\""));
	snprintf(exported_env, sizeof exported_env, "SHIM_SECCOMP=%s", exported);
	escape_list_is_denied_under(exported_env);
	run_shim(false, NULL, ARGS("--export-profile", "spo", profile, "node-workload"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"kind\": \"SeccompProfile\""));
	assert_non_null(strstr(r.out, "\"name\": \"node-workload\""));
	assert_null(strstr(r.out, "defaultErrnoRet"));
	assert_non_null(strstr(r.err, "no defaultErrnoRet"));
}

static void learn_reports_calls_outside_the_base_and_keeps_enosys(void **state)
{
	(void)state;
	struct result r;
	char out_env[128], profile_env[160], review[128];
	learn_env(out_env, sizeof out_env, "escape.json");
	snprintf(profile_env, sizeof profile_env, "SHIM_SECCOMP=%s/escape.json", learn_dir);
	snprintf(review, sizeof review, "%s/escape.json.review.json", learn_dir);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS((char *)escape, "list"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	/* Reported and let through, as in complain mode... */
	assert_non_null(strstr(r.err, "shim: seccomp: learn: outside the base profile: mount(165) pid="));
	assert_true(strstr(r.out, "mount other:") != NULL);
	/* ...except the base's ENOSYS answer, which node's fallback needs. */
	assert_true(has_line(r.out, "clone3 ENOSYS"));
	assert_null(strstr(r.err, "clone3"));
	const char *text = read_file(review);
	assert_non_null(strstr(text, "{\"name\": \"mount\", \"nr\": 165, \"status\": \"outside-base\""));
	assert_non_null(strstr(text, "{\"name\": \"read\", \"nr\": 0, \"status\": \"assumed\"}"));
	/* Listed for review, never allowed by the output. */
	escape_list_is_denied_under(profile_env);
}

/* PID 1 stays confined in learn mode and still replaces the files: the probe's
 * stdout ioctl comes after PID 1's own filter is in place (the probe waits for it). */
static void learn_keeps_pid1_confined_and_writing(void **state)
{
	(void)state;
	struct result r;
	char out_env[128], review[128];
	learn_env(out_env, sizeof out_env, "pid1.json");
	snprintf(review, sizeof review, "%s/pid1.json.review.json", learn_dir);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS((char *)probe, "pid1"), &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	if (!sanitized)
		assert_true(has_line(r.out, "Seccomp:\t2"));
	assert_null(strstr(r.err, "learn: writing"));
	assert_non_null(strstr(r.err, "shim: learn: wrote "));
	const char *text = read_file(review), *ioctl_entry = strstr(text, "{\"name\": \"ioctl\", ");
	assert_non_null(ioctl_entry);
	assert_non_null(strstr(ioctl_entry, "\"status\": \"observed\""));
}

static pid_t learn_child;

static void kill_child_once_learning(pid_t pid)
{
	pid_t shim_pid = shim_pid_of(pid, true);
	assert_true(shim_pid > 0);
	char review[128];
	snprintf(review, sizeof review, "%s/killed.json.review.json", learn_dir);
	/* Wait (bounded) until calls are being learned, then KILL the workload. */
	for (int i = 0; i < 2000 && learn_child <= 0; i++) {
		const char *text = read_file(review), *observed = strstr(text, "\"observed\": ");
		if (observed && atoi(observed + 12) >= 30 && strstr(text, "\"comm\": \"node\"")) {
			char path[64];
			snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)shim_pid, (int)shim_pid);
			FILE *f = fopen(path, "r");
			if (f && fscanf(f, "%d", &learn_child) != 1)
				learn_child = 0;
			if (f)
				fclose(f);
		}
		if (learn_child <= 0)
			usleep(5000);
	}
	assert_true(learn_child > 0);
	assert_int_equal(kill(learn_child, SIGKILL), 0);
}

static void killed_learning_run_leaves_a_loadable_profile(void **state)
{
	(void)state;
	struct result r;
	char out_env[128], profile_env[160];
	learn_env(out_env, sizeof out_env, "killed.json");
	snprintf(profile_env, sizeof profile_env, "SHIM_SECCOMP=%s/killed.json", learn_dir);
	learn_child = 0;
	while_running = kill_child_once_learning;
	run_shim(true, ENV(node_path_env, "SHIM_SECCOMP_MODE=learn", out_env), ARGS("node", workload), &r, 90);
	print_message("%s", r.err);
	assert_int_equal(r.status, 128 + SIGKILL);
	assert_non_null(strstr(r.err, "shim: learn: wrote "));
	/* The shim compiles it, and both files are complete JSON. */
	run_shim(false, ENV(profile_env), ARGS("--check", (char *)probe), &r, 20);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	char cmd[300];
	snprintf(cmd, sizeof cmd, "python3 -c 'import json,sys; [json.load(open(f)) for f in sys.argv[1:]]' "
		 "%s/killed.json %s/killed.json.review.json", learn_dir, learn_dir);
	assert_int_equal(system(cmd), 0);
}

/* The sha256 of a file, as coreutils computes it. */
static const char *sha256_of(const char *path)
{
	static char hex[65];
	char cmd[256];
	snprintf(cmd, sizeof cmd, "sha256sum %s", path);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%64s", hex), 1);
	assert_int_equal(pclose(f), 0);
	return hex;
}

/* The workload can write the directory (it runs as PID 1's user), so it can
 * replace both files; once every process is reaped PID 1 writes them again,
 * and its summary line gives the sha256 of the profile it wrote. */
static void learn_rewrites_what_the_workload_replaced(void **state)
{
	(void)state;
	struct result r;
	char out_env[128], profile[128], review[160], summary[512];
	learn_env(out_env, sizeof out_env, "replaced.json");
	snprintf(profile, sizeof profile, "%s/replaced.json", learn_dir);
	snprintf(review, sizeof review, "%s/replaced.json.review.json", learn_dir);
	char *allow_all = "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}";
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env),
		 ARGS((char *)probe, "overwrite", profile, allow_all, review, "{}"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	const char *text = read_file(profile);
	assert_string_not_equal(text, allow_all);
	assert_non_null(strstr(text, "\"defaultAction\": \"SCMP_ACT_ERRNO\""));
	assert_non_null(strstr(read_file(review), "\"status\": \"observed\", \"pid\": 2, \"comm\": \"probe\"}"));
	snprintf(summary, sizeof summary, "shim: learn: wrote %s (sha256 %s): ", profile, sha256_of(profile));
	assert_non_null(strstr(r.err, summary));
}

/* A restart keeps the volume (a liveness-probe restart of the container):
 * the second run merges what the first learned; a file learned from another
 * base is refused, and deleting it starts afresh. */
static void learn_merges_a_restart_and_refuses_another_base(void **state)
{
	(void)state;
	struct result r;
	char out_env[128], profile[128], review[160], saved[1 << 16];
	learn_env(out_env, sizeof out_env, "restart.json");
	snprintf(profile, sizeof profile, "%s/restart.json", learn_dir);
	snprintf(review, sizeof review, "%s/restart.json.review.json", learn_dir);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS((char *)probe, "listen"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(read_file(profile), "\"listen\""));

	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	const char *text = read_file(profile);
	assert_non_null(strstr(text, "\"bind\""));
	assert_non_null(strstr(text, "\"listen\""));
	text = read_file(review);
	const char *bind = strstr(text, "{\"name\": \"bind\", ");
	assert_non_null(bind);
	assert_non_null(strstr(bind, "\"status\": \"observed\", \"pid\": 2, \"comm\": \"probe\"}"));
	/* The base's identity: the sha256 of what --print-profile prints for it. */
	char cmd[512], sha[65], field[96];
	snprintf(cmd, sizeof cmd, "env -u SHIM_TEST_SANITIZED %s --print-profile | sha256sum", shim);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%64s", sha), 1);
	assert_int_equal(pclose(f), 0);
	snprintf(field, sizeof field, "\"baseSha256\": \"%s\"", sha);
	assert_non_null(strstr(text, field));

	/* Another base: refused in one line naming both, the files untouched. */
	snprintf(saved, sizeof saved, "%s", read_file(profile));
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env, moby_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 78);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "was learned from base default (sha256 "));
	assert_non_null(strstr(r.err, "moby-default.json (sha256 "));
	assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);
	assert_string_equal(read_file(profile), saved);

	/* A review file that is not learn mode's: refused too. */
	snprintf(cmd, sizeof cmd, "sed -i 's/\"status\": \"observed\"/\"status\": \"allowed\"/' %s", review);
	assert_int_equal(system(cmd), 0);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 78);
	assert_non_null(strstr(r.err, "the status \"allowed\""));
	/* No review file: what the profile was learned from is unknown. */
	assert_int_equal(unlink(review), 0);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_int_equal(r.status, 78);
	assert_non_null(strstr(r.err, "exists without its review file"));

	/* Deleting the profile starts afresh, from any base. */
	assert_int_equal(unlink(profile), 0);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env, moby_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_null(strstr(read_file(profile), "\"listen\""));
	assert_non_null(strstr(read_file(review), "moby-default.json"));
}

/* Writes TEXT to PATH (a test's copy of a tool's stdout). */
static void save(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* --merge-profile and --diff-profile on profiles learn mode wrote (issue
 * 25): two replicas merged (profile and review file), the merge loads and
 * allows what each learned; diff's lines and exit status, both ways; a
 * profile learned from another base, or without its review file, refused
 * in one line. */
static void learned_profiles_merge_and_diff(void **state)
{
	(void)state;
	struct result r;
	char env[3][128], path[5][160], review[200];
	const char *names[] = { "replica-a.json", "replica-b.json", "other-base.json" };
	for (int i = 0; i < 3; i++) {
		learn_env(env[i], sizeof env[i], names[i]);
		snprintf(path[i], sizeof path[i], "%s/%s", learn_dir, names[i]);
	}
	snprintf(path[3], sizeof path[3], "%s/merged.json", learn_dir);
	snprintf(path[4], sizeof path[4], "%s/no-review.json", learn_dir);
	snprintf(review, sizeof review, "%s.review.json", path[3]);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", env[0]), ARGS((char *)probe, "listen"), &r, 20);
	assert_int_equal(r.status, 0);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", env[1]), ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_int_equal(r.status, 0);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", env[2], moby_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_int_equal(r.status, 0);

	/* Replica A listened, B did not: NEW=A allows more (1), NEW=B less (0). */
	run_shim(false, NULL, ARGS("--diff-profile", path[1], path[0]), &r, 30);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 1);
	assert_true(has_line(r.out, "+ listen"));
	assert_true(has_line(r.out, "+ bind"));
	assert_null(strstr(r.out, "- listen"));
	run_shim(false, NULL, ARGS("--diff-profile", path[0], path[1]), &r, 30);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "- listen"));
	assert_null(strstr(r.out, "+ "));
	run_shim(false, NULL, ARGS("--diff-profile", path[0], path[0]), &r, 30);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "");

	/* The merge, and its review file. */
	run_shim(false, NULL, ARGS("--merge-profile", path[0], path[1]), &r, 30);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	save(path[3], r.out);
	run_shim(false, NULL, ARGS("--merge-profile", "--review", path[0], path[1]), &r, 30);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"mergedFrom\""));
	const char *listen = strstr(r.out, "\"name\": \"listen\"");
	assert_non_null(listen);
	assert_non_null(strstr(listen, "\"status\": \"observed\""));
	save(review, r.out);
	/* It allows everything either replica allows, and nothing else. */
	for (int i = 0; i < 2; i++) {
		run_shim(false, NULL, ARGS("--diff-profile", path[i], path[3]), &r, 30);
		assert_null(strstr(r.out, "- "));
	}
	run_shim(false, NULL, ARGS("--diff-profile", path[0], path[3]), &r, 30);
	assert_int_equal(r.status, 0); /* A already allowed all of B's */
	/* Merging the merge again changes nothing (it has its review file). */
	run_shim(false, NULL, ARGS("--merge-profile", path[3], path[1]), &r, 30);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, read_file(path[3]));
	/* It loads, and the calls it merged in are allowed. */
	char merged_env[200];
	snprintf(merged_env, sizeof merged_env, "SHIM_SECCOMP=%s", path[3]);
	run_shim(true, ENV(merged_env), ARGS((char *)probe, "listen"), &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);

	/* Another base: one line naming both, nothing on stdout. */
	run_shim(false, NULL, ARGS("--merge-profile", path[0], path[2]), &r, 30);
	print_message("%s", r.err);
	assert_int_equal(r.status, 65);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "was learned from base "));
	assert_non_null(strstr(r.err, "moby-default.json (sha256 "));
	assert_non_null(strstr(r.err, "merge only profiles learned from the same base"));
	assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);
	/* No review file: which base it came from is unknown. */
	save(path[4], read_file(path[0]));
	run_shim(false, NULL, ARGS("--merge-profile", path[0], path[4]), &r, 30);
	assert_int_equal(r.status, 65);
	assert_non_null(strstr(r.err, "has no review file"));
	assert_string_equal(r.out, "");
	/* A profile edited after learning: its review file no longer says what it allows. */
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "sed 's/\"listen\",/\"listen\", \"ptrace\",/' %s > %s && cp %s.review.json %s.review.json",
		 path[0], path[4], path[0], path[4]);
	assert_int_equal(system(cmd), 0);
	assert_non_null(strstr(read_file(path[4]), "\"ptrace\""));
	run_shim(false, NULL, ARGS("--merge-profile", path[0], path[4]), &r, 30);
	print_message("%s", r.err);
	assert_int_equal(r.status, 65);
	assert_non_null(strstr(r.err, "allows ptrace, which its review file does not list"));
	assert_string_equal(r.out, "");
}

/* As complain mode does, learn mode says so at start, naming the file and
 * the base; the review file names both as set. */
static void learn_mode_says_so_at_start(void **state)
{
	(void)state;
	struct result r;
	char out_env[128], profile[128], review[160], line[512], field[192];
	learn_env(out_env, sizeof out_env, "start.json");
	snprintf(profile, sizeof profile, "%s/start.json", learn_dir);
	snprintf(review, sizeof review, "%s/start.json.review.json", learn_dir);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	snprintf(line, sizeof line, "shim: warn: seccomp: learn mode: base profile default (embedded) is not enforced "
		 "(calls outside it are logged and let through); writing %s (new)", profile);
	assert_true(has_line(r.err, line));
	snprintf(field, sizeof field, "\"profile\": \"%s\",\n  \"base\": \"default\",", profile);
	assert_non_null(strstr(read_file(review), field));

	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env, moby_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_int_equal(r.status, 78); /* another base: the refusal alone, no start line */
	assert_null(strstr(r.err, "learn mode:"));
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", out_env), ARGS((char *)probe, "exit", "0"), &r, 20);
	assert_int_equal(r.status, 0);
	snprintf(line, sizeof line, "shim: warn: seccomp: learn mode: base profile default (embedded) is not enforced "
		 "(calls outside it are logged and let through); writing %s (merging the existing file: ", profile);
	assert_non_null(strstr(r.err, line));
}

static void learn_without_a_writable_location_runs_nothing(void **state)
{
	(void)state;
	struct result r;
	char dir[64], env[128];
	snprintf(dir, sizeof dir, "/tmp/shim-ro-XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0555), 0); /* not writable for 65532 */
	snprintf(env, sizeof env, "SHIM_LEARN_FILE=%s/p.json", dir);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", env), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 78);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "shim: error: SHIM_LEARN_FILE=\""));
	assert_non_null(strstr(r.err, "Permission denied"));
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", "SHIM_LEARN_FILE=/nonexistent-dir/p.json"),
		 ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 78);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "No such file or directory"));
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn"), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 78);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "SHIM_LEARN_FILE"));
	run_shim(true, ENV(env), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 78);
	run_shim(true, ENV("SHIM_SECCOMP_MODE=learn", "SHIM_SECCOMP=off", env), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 78);
	assert_string_equal(r.out, "");
	rmdir(dir);
}

int main(void)
{
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	static char asan[512], ubsan[512];
	if (getenv("ASAN_OPTIONS")) {
		snprintf(asan, sizeof asan, "ASAN_OPTIONS=%s", getenv("ASAN_OPTIONS"));
		snprintf(ubsan, sizeof ubsan, "UBSAN_OPTIONS=%s", getenv("UBSAN_OPTIONS") ? getenv("UBSAN_OPTIONS") : "");
		base_env[2] = asan;
		base_env[3] = ubsan;
	}
	sanitized = getenv("SHIM_TEST_SANITIZED") != NULL;
	shim = getenv("SHIM");
	probe = getenv("PROBE");
	escape = getenv("ESCAPE");
	if (!shim || !probe || !escape) {
		fprintf(stderr, "set SHIM, PROBE and ESCAPE\n");
		return 2;
	}
	static char abs_probe[4096], abs_escape[4096], abs_shim[4096];
	/* Absolute paths: some tests change PATH or the working directory. */
	shim = realpath(shim, abs_shim);
	probe = realpath(probe, abs_probe);
	escape = realpath(escape, abs_escape);
	char cwd[2048];
	assert_non_null(getcwd(cwd, sizeof cwd));
	snprintf(node_path_env, sizeof node_path_env, "NODE_PATH=%s/build/npm/node_modules", cwd);
	snprintf(workload, sizeof workload, "%s/tests/fixtures/node-workload.js", cwd);
	snprintf(moby_env, sizeof moby_env, "SHIM_SECCOMP=%s/build/test-deps/moby-default.json", cwd);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(orphans_are_all_reaped),
		cmocka_unit_test(every_forwarded_signal_reaches_the_child),
		cmocka_unit_test(usr1_is_forwarded_when_enabled),
		cmocka_unit_test(exit_codes),
		cmocka_unit_test(exec_format_error_has_no_shell_fallback),
		cmocka_unit_test(subreaper_outside_pid1_cleans_up_descendants),
		cmocka_unit_test(grandchild_holding_stdout_does_not_hang_pid1),
		cmocka_unit_test(descendants_ignoring_term_are_killed_after_the_grace),
		cmocka_unit_test(group_mode_signals_the_process_group),
		cmocka_unit_test(stop_timeout_kills_a_child_that_ignores_term),
		cmocka_unit_test(term_at_start_is_not_lost),
		cmocka_unit_test(child_gets_the_signal_state_and_no_extra_fds),
		cmocka_unit_test(pid1_closes_the_descriptors_it_inherited),
		cmocka_unit_test(terminal_makes_the_child_the_foreground_group),
		cmocka_unit_test(chart_arguments_pass_verbatim),
		cmocka_unit_test(node_found_through_the_fallback),
		cmocka_unit_test(fallback_directory_is_appended_to_the_childs_path),
		cmocka_unit_test(realtime_signals_reach_the_child_as_pid1),
		cmocka_unit_test(realtime_signals_reach_the_child_as_subreaper),
		cmocka_unit_test(kill_segv_to_the_subreaper_is_ignored),
		cmocka_unit_test(kill_segv_to_pid1_is_ignored),
		cmocka_unit_test(real_fault_ends_the_subreaper),
		cmocka_unit_test(real_fault_ends_pid1),
		cmocka_unit_test(kill_phase_never_signals_a_reused_process_group),
		cmocka_unit_test(root_start_drops_to_65532),
		cmocka_unit_test(pid1_is_unprivileged_and_confined),
		cmocka_unit_test(chart_start_as_1000_runs_as_1000),
		cmocka_unit_test(root_start_with_only_setuid_setgid_setpcap),
		cmocka_unit_test(ambient_capabilities_are_cleared),
		cmocka_unit_test(numeric_uid_without_passwd_entry),
		cmocka_unit_test(explicit_root_target_warns),
		cmocka_unit_test(names_resolve_from_passwd_and_group),
		cmocka_unit_test(bad_user_values_run_nothing),
		cmocka_unit_test(openshift_arbitrary_uid_with_gid_0_runs),
		cmocka_unit_test(root_start_to_a_uid_with_gid_0_runs),
		cmocka_unit_test(cap_drop_all_root_start_is_refused_with_remedies),
		cmocka_unit_test(root_target_with_every_capability_dropped_runs),
		cmocka_unit_test(root_target_keeps_group_0_with_every_capability_dropped),
		cmocka_unit_test(root_start_keeps_the_runtimes_groups_but_0),
		cmocka_unit_test(root_start_without_setpcap),
		cmocka_unit_test(root_home_is_replaced_by_the_targets),
		cmocka_unit_test(keep_net_bind_service_keeps_that_alone),
		cmocka_unit_test(default_grace_ends_inside_dockers_stop_timeout),
		cmocka_unit_test(help_goes_to_stdout_usage_errors_to_stderr),
		cmocka_unit_test(complain_mode_says_so_at_start),
		cmocka_unit_test(escape_syscalls_are_denied),
		cmocka_unit_test(complain_mode_reports_and_continues),
		cmocka_unit_test(complain_child_needs_only_the_bootstrap_calls),
		cmocka_unit_test(broken_profiles_run_nothing),
		cmocka_unit_test(check_validates_and_runs_nothing),
		cmocka_unit_test(check_decides_as_the_run_does),
		cmocka_unit_test(printed_profile_loads_back_to_the_same_bpf),
		cmocka_unit_test(shipped_profiles_load_in_silence),
		cmocka_unit_test(bad_inputs_table),
		cmocka_unit_test(ten_thousand_zombies_are_reaped),
		cmocka_unit_test(signal_storm_keeps_pid1_flat_and_term_exact),
		cmocka_unit_test(term_at_every_stage_of_start_up),
		cmocka_unit_test(node_workload_passes_under_the_default_profile),
		cmocka_unit_test(node_workload_has_no_would_deny_in_complain_mode),
		cmocka_unit_test(docker_default_profile_loads_and_node_runs),
		cmocka_unit_test(docker_profile_decides_i386_and_x32_calls_in_the_kernel),
		cmocka_unit_test(overlapping_argument_rules_are_denied_as_libseccomp_denies),
		cmocka_unit_test(a_seccomp_kill_is_named),
		cmocka_unit_test(a_json_profile_loads_where_setitimer_is_denied),
		cmocka_unit_test(a_profile_libseccomp_never_compiles_ends_with_its_error),
		cmocka_unit_test(learned_node_profile_enforces_and_is_smaller),
		cmocka_unit_test(learn_reports_calls_outside_the_base_and_keeps_enosys),
		cmocka_unit_test(killed_learning_run_leaves_a_loadable_profile),
		cmocka_unit_test(learn_keeps_pid1_confined_and_writing),
		cmocka_unit_test(learn_without_a_writable_location_runs_nothing),
		cmocka_unit_test(learn_rewrites_what_the_workload_replaced),
		cmocka_unit_test(learn_merges_a_restart_and_refuses_another_base),
		cmocka_unit_test(learn_mode_says_so_at_start),
		cmocka_unit_test(learned_profiles_merge_and_diff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
