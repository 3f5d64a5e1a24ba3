/* Integration tests. What the child starts with: signal state, descriptors (its own and PID 1's),
 * the terminal, its arguments, a command found through SHIM_FALLBACK_PATH. */
#include "run.h"

#include <dirent.h>

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

void child_gets_the_signal_state_and_no_extra_fds(void **state)
{
	(void)state;
	struct result direct, shimmed;
	/* The same PID namespace wrapper, without the shim. */
	before_exec = block_and_ignore;
	run_in_pid_ns(ARGS((char *)probe, "status"), NULL, &direct);
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
void pid1_closes_the_descriptors_it_inherited(void **state)
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

void terminal_makes_the_child_the_foreground_group(void **state)
{
	(void)state;
	struct result r;
	/* No terminal: the child leads its own session. */
	run_shim(true, NULL, ARGS((char *)probe, "tty"), &r, 20);
	assert_true(has_line(r.out, "foreground=0 leader=1"));
	/* A terminal (script(1) makes a pty): the child's group is its foreground. */
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "%s %s tty", shim, probe);
	run_in_pid_ns(ARGS("/usr/bin/script", "-qec", cmd, "/dev/null"), NULL, &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "foreground=1 leader=0"));
}

void chart_arguments_pass_verbatim(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, NULL, ARGS((char *)probe, "args", "packages/backend", "--config", "app-config.yaml", "--help", ""), &r, 20);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "arg[0]=packages/backend\narg[1]=--config\narg[2]=app-config.yaml\narg[3]=--help\narg[4]=\n");
}

void node_found_through_the_fallback(void **state)
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
void fallback_directory_is_appended_to_the_childs_path(void **state)
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
	char *argv[] = { PID_NS, (char *)shim, "probenode", "getenv", "PATH", NULL };
	char *envp[] = { fallback, base_env[2], NULL };
	run_env(argv, envp, &r, 20);
	snprintf(want, sizeof want, "PATH=/usr/local/bin:/bin:/usr/bin:%s\n", dir);
	assert_string_equal(r.out, want);
	unlink(node);
	rmdir(dir);
}
