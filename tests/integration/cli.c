/* Integration tests. The command line and configuration errors: --help, --check (deciding as
 * the run does), every row of tests/bad-inputs.md. */
#include "run.h"

void help_goes_to_stdout_usage_errors_to_stderr(void **state)
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

void check_validates_and_runs_nothing(void **state)
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
void check_decides_as_the_run_does(void **state)
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

void bad_inputs_table(void **state)
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
