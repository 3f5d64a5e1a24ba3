/* /init of the arm64 test VM (tests/aarch64/run.sh): runs the shim as PID 1
 * of a fresh PID namespace (its own /proc) for each check, on a real arm64
 * kernel (emulated CPU), and prints one "ok"/"not ok" line per check, then
 * "N passed, N failed", then powers the VM off.
 *
 * The initramfs holds /bin/shim, /bin/probe, /bin/escape (aarch64 builds of
 * tests/integration/), /etc/escape.expected (the aarch64 expectations),
 * /etc/profiles/ and, when Node for arm64 was affordable, /nodejs/bin/node. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHIM "/bin/shim"
#define PROBE "/bin/probe"
#define ESCAPE "/bin/escape"
#define A32 "/tmp/a32"
#define RECORD "/tmp/record"

struct result {
	int status; /* exit code, 128+signal, or -1 on timeout */
	char out[65536];
	char err[16384];
	double seconds;
};

static struct result r;
static int failures, passes;
static char why[512];

#define ARGS(...) ((char *[]){ __VA_ARGS__, NULL })
#define ENV(...) ((char *[]){ __VA_ARGS__, NULL })
#define NOENV ((char *[]){ NULL })

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Runs the shim with ARGS and ENV (plus PATH=/bin) as PID 1 of a new PID and
 * mount namespace with its own /proc; DURING runs in this process while it
 * does. Output is read to EOF; TIMEOUT bounds everything. */
static void run(char *const args[], char *const env[], int timeout, void (*during)(pid_t))
{
	char *argv[32], *envp[32];
	int a = 0, e = 0;
	argv[a++] = SHIM;
	for (int i = 0; args[i]; i++)
		argv[a++] = args[i];
	argv[a] = NULL;
	envp[e++] = "PATH=/bin";
	for (int i = 0; env[i]; i++)
		envp[e++] = env[i];
	envp[e] = NULL;

	memset(&r, 0, sizeof r);
	int po[2], pe[2];
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC)) {
		r.status = -2;
		return;
	}
	double start = now();
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
			_exit(120);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0)
			_exit(121);
		execve(SHIM, argv, envp);
		_exit(122);
	}
	close(po[1]);
	close(pe[1]);
	if (pid < 0) {
		r.status = -2;
		close(po[0]);
		close(pe[0]);
		return;
	}
	if (during)
		during(pid);
	size_t no = 0, ne = 0;
	struct pollfd fds[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
	int open_fds = 2;
	while (open_fds && now() - start < timeout) {
		if (poll(fds, 2, 100) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char *buf = i ? r.err : r.out;
			size_t *n = i ? &ne : &no, cap = i ? sizeof r.err : sizeof r.out;
			char scratch[4096];
			ssize_t got = *n + 1 < cap ? read(fds[i].fd, buf + *n, cap - 1 - *n)
						   : read(fds[i].fd, scratch, sizeof scratch);
			if (got <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
			} else if (*n + 1 < cap) {
				*n += (size_t)got;
			}
		}
	}
	int st = 0;
	pid_t w;
	while ((w = waitpid(pid, &st, WNOHANG)) == 0 && now() - start < timeout)
		usleep(10000);
	if (w != pid) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		r.status = -1;
	} else {
		r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	}
	for (int i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	r.seconds = now() - start;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* Records the first failed expectation of the current check. */
static bool expect(bool ok, const char *fmt, ...)
{
	if (!ok && !why[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, sizeof why, fmt, ap);
		va_end(ap);
	}
	return ok;
}

#define EXPECT_STATUS(want) expect(r.status == (want), "exit status %d, want %d; stderr: %.300s", r.status, (want), r.err)
#define EXPECT_OUT(s) expect(strstr(r.out, (s)) != NULL, "stdout lacks \"%s\": %.300s", (s), r.out)
#define EXPECT_ERR(s) expect(strstr(r.err, (s)) != NULL, "stderr lacks \"%s\": %.300s", (s), r.err)

static bool file_has_line(const char *path, const char *line)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return has_line(buf, line);
}

static bool wait_for_line(const char *path, const char *line, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (file_has_line(path, line))
			return true;
		usleep(10000);
	}
	return false;
}

static void new_record(void)
{
	int fd = open(RECORD, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd >= 0)
		close(fd);
	chmod(RECORD, 0666);
}

/* ------------------------------------------------------------------ checks */

static void version_and_architecture(void)
{
	run(ARGS("--version"), NOENV, 20, NULL);
	EXPECT_STATUS(0);
	EXPECT_OUT("libc: musl");
	EXPECT_OUT("default profile: ");
	run(ARGS("--print-profile"), NOENV, 20, NULL);
	EXPECT_STATUS(0);
	EXPECT_OUT("\"SCMP_ARCH_AARCH64\"");
	expect(!strstr(r.out, "X86"), "the printed profile names an x86 architecture");
}

static void exec_through_path_and_arguments(void)
{
	run(ARGS("probe", "args", "a b", "", "$HOME;x"), NOENV, 20, NULL);
	EXPECT_STATUS(0);
	EXPECT_OUT("arg[0]=a b\narg[1]=\narg[2]=$HOME;x\n");
}

static void exit_codes(void)
{
	run(ARGS("probe", "exit", "3"), NOENV, 20, NULL);
	EXPECT_STATUS(3);
	run(ARGS("probe", "raise", "15"), NOENV, 20, NULL);
	EXPECT_STATUS(143);
	run(ARGS("no-such-program-x"), NOENV, 20, NULL);
	EXPECT_STATUS(127);
	EXPECT_ERR("no-such-program-x: not found in PATH (/bin)");
	run(ARGS("/etc/passwd"), NOENV, 20, NULL);
	EXPECT_STATUS(126);
	run(ARGS("probe", "exit", "0"), ENV("SHIM_GROUP=maybe"), 20, NULL);
	EXPECT_STATUS(78);
	run(ARGS("--nope"), NOENV, 20, NULL);
	EXPECT_STATUS(64);
}

static void orphans_are_reaped(void)
{
	run(ARGS("probe", "orphans", "300"), ENV("SHIM_SECCOMP=off"), 60, NULL);
	EXPECT_STATUS(0);
	EXPECT_OUT("left 0 zombies 0");
}

static void send_signals(pid_t pid)
{
	if (!expect(wait_for_line(RECORD, "ready", 20000), "the probe never got ready"))
		return;
	int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGUSR2, SIGWINCH, 40, SIGUSR1 };
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
		kill(pid, sigs[i]);
		usleep(50000);
	}
	kill(pid, SIGTERM);
}

static void signals_are_forwarded(void)
{
	new_record();
	run(ARGS("probe", "signals", RECORD), NOENV, 40, send_signals);
	EXPECT_STATUS(0);
	const char *want[] = { "1", "2", "3", "12", "28", "40", "15" };
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		expect(file_has_line(RECORD, want[i]), "signal %s did not reach the child", want[i]);
	expect(!file_has_line(RECORD, "10"), "USR1 was forwarded without SHIM_FORWARD_USR1");
}

static void term_when_ready(pid_t pid)
{
	/* The probe prints "ready" on stdout, which run() reads only later: poll
	 * the child's existence instead (a second process in the namespace). */
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", pid, pid);
	for (int i = 0; i < 2000; i++) {
		char buf[64] = "";
		int fd = open(path, O_RDONLY);
		ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof buf - 1);
		if (fd >= 0)
			close(fd);
		if (n > 0)
			break;
		usleep(10000);
	}
	usleep(300000); /* the probe ignores TERM as its first act */
	kill(pid, SIGTERM);
}

static void stop_timeout_kills_a_child_ignoring_term(void)
{
	run(ARGS("probe", "ignore-term", "60"), ENV("SHIM_STOP_TIMEOUT=1"), 40, term_when_ready);
	EXPECT_STATUS(137);
	expect(r.seconds < 20, "took %.1f s", r.seconds);
}

static void assert_dropped_to(const char *uid)
{
	char want[96];
	snprintf(want, sizeof want, "Uid:\t%s\t%s\t%s\t%s", uid, uid, uid, uid);
	expect(has_line(r.out, want), "no \"%s\" in %.400s", want, r.out);
	expect(has_line(r.out, "CapEff:\t0000000000000000"), "capabilities left: %.400s", r.out);
	expect(has_line(r.out, "CapBnd:\t0000000000000000"), "bounding set left: %.400s", r.out);
	expect(has_line(r.out, "NoNewPrivs:\t1"), "no_new_privs not set");
}

static void root_start_drops_to_65532_under_the_filter(void)
{
	run(ARGS("probe", "status"), NOENV, 20, NULL);
	EXPECT_STATUS(0);
	assert_dropped_to("65532");
	expect(has_line(r.out, "Seccomp:\t2"), "child has no filter: %.400s", r.out);
	expect(!r.err[0], "not quiet: %s", r.err);
}

static void pid1_is_unprivileged_and_confined(void)
{
	run(ARGS("probe", "pid1"), ENV("SHIM_SECCOMP=off"), 20, NULL);
	EXPECT_STATUS(0);
	expect(has_line(r.out, "Uid:\t65532\t65532\t65532\t65532"), "PID 1 kept root: %.300s", r.out);
	expect(has_line(r.out, "CapEff:\t0000000000000000"), "PID 1 kept capabilities");
	expect(has_line(r.out, "NoNewPrivs:\t1"), "PID 1 without no_new_privs");
	expect(has_line(r.out, "Seccomp:\t2"), "PID 1 without its filter");
}

static void user_names_resolve_and_bad_users_run_nothing(void)
{
	run(ARGS("probe", "status"), ENV("SHIM_USER=node"), 20, NULL);
	EXPECT_STATUS(0);
	assert_dropped_to("1000");
	run(ARGS("probe", "status"), ENV("SHIM_USER=nosuchuser"), 20, NULL);
	expect(r.status == 77 || r.status == 78, "SHIM_USER=nosuchuser: status %d", r.status);
	expect(!r.out[0], "something ran: %s", r.out);
}

static void escape_syscalls_get_the_aarch64_expectations(void)
{
	run(ARGS("escape", "list"), NOENV, 30, NULL);
	EXPECT_STATUS(0);
	FILE *f = fopen("/etc/escape.expected", "r");
	if (!expect(f != NULL, "/etc/escape.expected missing"))
		return;
	char line[128];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		expect(has_line(r.out, line), "escape list: want \"%s\"", line);
		n++;
	}
	fclose(f);
	expect(n >= 80, "only %d expectations", n);
	run(ARGS("escape", "args"), NOENV, 60, NULL);
	EXPECT_STATUS(0);
	EXPECT_OUT("args ok");
	run(ARGS("escape", "threads"), NOENV, 20, NULL);
	EXPECT_STATUS(0);
	EXPECT_OUT("threads ok");
}

/* A static AArch32 (EABI) program: getpid, then exit(7), with svc #0. The
 * kernel runs it through its compat layer (CONFIG_COMPAT); the filter sees
 * AUDIT_ARCH_ARM there and must kill it at the first call. */
static const unsigned int a32_code[] = {
	0xe3a07014, /* mov r7, #20 (getpid) */
	0xef000000, /* svc #0 */
	0xe3a00007, /* mov r0, #7 */
	0xe3a07001, /* mov r7, #1 (exit) */
	0xef000000, /* svc #0 */
};

static int write_a32(const char *path)
{
	unsigned char elf[52 + 32 + sizeof a32_code] = { 0 };
	unsigned size = sizeof elf, base = 0x10000;
	memcpy(elf, "\x7f" "ELF\x01\x01\x01", 7); /* 32-bit, little-endian, version 1 */
#define PUT16(o, v) (elf[o] = (unsigned char)(v), elf[(o) + 1] = (unsigned char)((v) >> 8))
#define PUT32(o, v) (PUT16(o, (v) & 0xffff), PUT16((o) + 2, (unsigned)(v) >> 16))
	PUT16(16, 2);           /* ET_EXEC */
	PUT16(18, 40);          /* EM_ARM */
	PUT32(20, 1);           /* EV_CURRENT */
	PUT32(24, base + 84);   /* entry: the code after the headers */
	PUT32(28, 52);          /* program headers right after this one */
	PUT32(36, 0x05000200);  /* EABI5, soft float */
	PUT16(40, 52);
	PUT16(42, 32);
	PUT16(44, 1);
	PUT16(46, 40);
	PUT32(52, 1);           /* PT_LOAD of the whole file */
	PUT32(56, 0);
	PUT32(60, base);
	PUT32(64, base);
	PUT32(68, size);
	PUT32(72, size);
	PUT32(76, 5);           /* R+X */
	PUT32(80, 0x1000);
	for (size_t i = 0; i < sizeof a32_code / sizeof *a32_code; i++)
		PUT32(84 + 4 * i, a32_code[i]);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0 || write(fd, elf, size) != (ssize_t)size || close(fd))
		return -1;
	return 0;
}

static void aarch32_is_killed(void)
{
	if (!expect(write_a32(A32) == 0, "cannot write %s", A32))
		return;
	/* The control: unconfined, this kernel and CPU do run it. */
	run(ARGS(A32), ENV("SHIM_SECCOMP=off"), 20, NULL);
	EXPECT_STATUS(7);
	run(ARGS(A32), NOENV, 20, NULL);
	EXPECT_STATUS(128 + SIGSYS);
	run(ARGS(A32), ENV("SHIM_SECCOMP_MODE=complain"), 20, NULL);
	EXPECT_STATUS(128 + SIGSYS);
	/* x86's int 0x80 and x32 have no counterpart here. */
	run(ARGS("escape", "int80"), NOENV, 20, NULL);
	EXPECT_OUT("int80 unsupported");
}

static void complain_mode_reports_and_continues(void)
{
	run(ARGS("escape", "list"), ENV("SHIM_SECCOMP_MODE=complain"), 30, NULL);
	EXPECT_STATUS(0);
	EXPECT_ERR("shim: seccomp: would deny mount(40) pid="); /* aarch64's number */
	EXPECT_ERR("comm=escape");
	expect(!has_line(r.out, "mount EPERM") && strstr(r.out, "mount other:"), "mount was not passed on");
	expect(!strstr(r.err, "clone3"), "clone3's ENOSYS reported as a denial");
}

static void json_and_bpf_profiles(void)
{
	run(ARGS("escape", "list"), ENV("SHIM_SECCOMP=/etc/profiles/mount-eacces.json"), 30, NULL);
	EXPECT_STATUS(0);
	expect(has_line(r.out, "mount other:13"), "JSON profile not applied: %.200s", r.out);
	run(ARGS("--compile-profile", "/etc/profiles/mount-eacces.json", "/tmp/mount-eacces.bpf"), NOENV, 20, NULL);
	EXPECT_STATUS(0);
	run(ARGS("escape", "list"), ENV("SHIM_SECCOMP=/tmp/mount-eacces.bpf"), 30, NULL);
	EXPECT_STATUS(0);
	expect(has_line(r.out, "mount other:13"), "BPF profile not applied: %.200s", r.out);
	/* The printed default loads back to the same program. */
	run(ARGS("--compile-profile", "/etc/profiles/default.json", "/tmp/a.bpf"), NOENV, 20, NULL);
	EXPECT_STATUS(0);
	run(ARGS("--print-profile"), NOENV, 20, NULL);
	int fd = open("/tmp/printed.json", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	expect(fd >= 0 && write(fd, r.out, strlen(r.out)) == (ssize_t)strlen(r.out) && !close(fd), "write");
	run(ARGS("--compile-profile", "/tmp/printed.json", "/tmp/b.bpf"), NOENV, 20, NULL);
	EXPECT_STATUS(0);
	static char a[65536], b[65536];
	int fa = open("/tmp/a.bpf", O_RDONLY), fb = open("/tmp/b.bpf", O_RDONLY);
	ssize_t na = fa < 0 ? -1 : read(fa, a, sizeof a), nb = fb < 0 ? -1 : read(fb, b, sizeof b);
	expect(na > 16 && na == nb && !memcmp(a, b, (size_t)na), "printed profile compiles differently");
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	/* The file header records aarch64 (AUDIT_ARCH_AARCH64). */
	expect(na > 16 && a[8] == (char)0xb7 && a[11] == (char)0xc0, "BPF header is not aarch64's");
}

static void foreign_and_broken_profiles_run_nothing(void)
{
	run(ARGS("probe", "status"), ENV("SHIM_SECCOMP=/etc/profiles/x86_64.bpf"), 20, NULL);
	EXPECT_STATUS(65);
	expect(!r.out[0], "something ran: %s", r.out);
	EXPECT_ERR("another architecture");
	run(ARGS("probe", "status"), ENV("SHIM_SECCOMP=/etc/profiles/broken.json"), 20, NULL);
	EXPECT_STATUS(65);
	expect(!r.out[0], "something ran: %s", r.out);
	run(ARGS("probe", "status"), ENV("SHIM_SECCOMP=/nonexistent.json"), 20, NULL);
	EXPECT_STATUS(65);
}

static void node_runs_under_the_default_profile(void)
{
	struct stat st;
	if (stat("/nodejs/bin/node", &st)) {
		printf("# node: not in this image (tests/aarch64/run.sh without Node)\n");
		return;
	}
	/* Found through the distroless fallback, not PATH=/bin. */
	run(ARGS("node", "-e",
		 "const fs=require('fs');fs.writeFileSync('/tmp/n','x');"
		 "require('http').createServer().listen(0,'127.0.0.1',function(){"
		 "console.log('node',process.arch,fs.readFileSync('/tmp/n','utf8'),process.getuid());this.close()})"),
	    NOENV, 120, NULL);
	EXPECT_STATUS(0);
	EXPECT_OUT("node arm64 x 65532");
	run(ARGS("node", "-e", "console.log(require('os').cpus().length>0)"), ENV("SHIM_SECCOMP_MODE=complain"),
	    120, NULL);
	EXPECT_STATUS(0);
	expect(!strstr(r.err, "would deny"), "node needs a denied call: %.300s", r.err);
}

static const struct {
	const char *name;
	void (*fn)(void);
} checks[] = {
#define C(f) { #f, f }
	C(version_and_architecture),
	C(exec_through_path_and_arguments),
	C(exit_codes),
	C(orphans_are_reaped),
	C(signals_are_forwarded),
	C(stop_timeout_kills_a_child_ignoring_term),
	C(root_start_drops_to_65532_under_the_filter),
	C(pid1_is_unprivileged_and_confined),
	C(user_names_resolve_and_bad_users_run_nothing),
	C(escape_syscalls_get_the_aarch64_expectations),
	C(aarch32_is_killed),
	C(complain_mode_reports_and_continues),
	C(json_and_bpf_profiles),
	C(foreign_and_broken_profiles_run_nothing),
	C(node_runs_under_the_default_profile),
};

int main(void)
{
	mkdir("/proc", 0755);
	mkdir("/dev", 0755);
	mkdir("/tmp", 01777);
	if (mount("proc", "/proc", "proc", 0, NULL) || mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) ||
	    mount("tmpfs", "/tmp", "tmpfs", 0, "mode=1777"))
		perror("vmcheck: mount");
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("vmcheck: running %zu checks on %s\n", sizeof checks / sizeof *checks, "aarch64");
	for (size_t i = 0; i < sizeof checks / sizeof *checks; i++) {
		why[0] = '\0';
		double start = now();
		checks[i].fn();
		if (why[0]) {
			failures++;
			printf("not ok %zu %s (%.1f s): %s\n", i + 1, checks[i].name, now() - start, why);
		} else {
			passes++;
			printf("ok %zu %s (%.1f s)\n", i + 1, checks[i].name, now() - start);
		}
	}
	printf("%d passed, %d failed\n", passes, failures);
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
