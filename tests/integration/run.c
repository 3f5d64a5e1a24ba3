/* What the integration tests share: see run.h. */
#include "run.h"

#include <poll.h>
#include <sys/wait.h>
#include <time.h>

const char *shim, *probe, *escape;
bool sanitized;
char node_path_env[4200], workload[4200], moby_env[4200];

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Set before run(): what the test's child does before exec. */
void (*before_exec)(void);
/* Set before run(): called once the child runs, with its pid. */
void (*while_running)(pid_t);

void run_env(char *const argv[], char *const envp[], struct result *r, int timeout)
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
			/* Said, so a hang reads as one and not as the status it leaves
			 * (the command may be gone, with a descendant holding the pipes). */
			print_message("run: %s: stdout/stderr still open after %d s: KILLing its process group\n", argv[0],
				      timeout);
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
char *base_env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=", NULL, NULL, NULL };

/* Appends the NULL-terminated LIST to DST (N entries so far, room for SIZE);
 * a list too long fails the test instead of overrunning. */
static void append(char **dst, int *n, int size, char *const list[])
{
	for (int i = 0; list && list[i]; i++) {
		assert_true(*n < size - 1);
		dst[(*n)++] = list[i];
	}
	dst[*n] = NULL;
}

/* Runs [PID_NS] HEAD... TAIL... with base_env and then ENV_EXTRA: every
 * run_shim and run_in_pid_ns. */
static void run_words(bool pid_ns, char *const head[], char *const tail[], char **env_extra, struct result *r,
		      int timeout)
{
	static char *const ns[] = { PID_NS, NULL };
	char *argv[64], *envp[64];
	int a = 0, e = 0;
	if (pid_ns)
		append(argv, &a, 64, ns);
	append(argv, &a, 64, head);
	append(argv, &a, 64, tail);
	append(envp, &e, 64, base_env);
	append(envp, &e, 64, env_extra);
	run_env(argv, envp, r, timeout);
}

/* Runs argv (NULL-terminated, after the shim) with extra environment entries. */
void run_shim(bool pid_ns, char **env_extra, char *const args[], struct result *r, int timeout)
{
	run_words(pid_ns, ARGS((char *)shim), args, env_extra, r, timeout);
}

/* The shim's host pid: the child of `unshare`, or the direct child. */
pid_t shim_pid_of(pid_t pid, bool pid_ns)
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

bool wait_for_file_line(const char *file, const char *line, int ms)
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

bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

bool file_has_line(const char *file, const char *line)
{
	return wait_for_file_line(file, line, 5);
}

char record[64];

void new_record(void)
{
	snprintf(record, sizeof record, "/tmp/shim-it-XXXXXX");
	int fd = mkstemp(record);
	assert_true(fd >= 0);
	close(fd);
	chmod(record, 0666);
}

void assert_dropped_to(const char *out, const char *uid, const char *gid)
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

char *setpriv_args(const char *uid, char *const rest[], char **argv)
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
void run_as_1000(char **env_extra, struct result *r)
{
	char *argv[32];
	setpriv_args("1000", ARGS((char *)shim, (char *)probe, "status"), argv);
	/* A PID namespace first, so the shim is PID 1 as in the pod. */
	run_in_pid_ns(argv, env_extra, r);
}

void run_in_pid_ns(char *const cmd[], char **env_extra, struct result *r)
{
	run_words(true, cmd, NULL, env_extra, r, 20);
}

/* JSON written to a new readable temporary file PATH (a mkstemp template);
 * ENV receives SHIM_SECCOMP=PATH. */
void temp_profile(const char *json, char *path, char *env, size_t env_size)
{
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	assert_int_equal(fchmod(fd, 0644), 0);
	assert_int_equal(close(fd), 0);
	snprintf(env, env_size, "SHIM_SECCOMP=%s", path);
}

/* Whether this kernel runs i386 calls at all (IA32 emulation can be compiled
 * out or disabled: int $0x80 then faults with SIGSEGV before any filter). */
bool kernel_has_ia32(void)
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

/* A whole small file (empty when missing), in a static buffer. */
const char *read_file(const char *path)
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

void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

bool run_setup(void)
{
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
		return false;
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
	return true;
}

char learn_dir[64];

/* A directory the shim (dropped to 65532) can write: SHIM_LEARN_FILE=DIR/NAME. */
void learn_env(char *buf, size_t size, const char *name)
{
	if (!learn_dir[0]) {
		snprintf(learn_dir, sizeof learn_dir, "/tmp/shim-learn-XXXXXX");
		assert_non_null(mkdtemp(learn_dir));
		assert_int_equal(chmod(learn_dir, 0777), 0);
	}
	snprintf(buf, size, "SHIM_LEARN_FILE=%s/%s", learn_dir, name);
}
