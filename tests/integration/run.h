#ifndef SHIM_INTEGRATION_RUN_H
#define SHIM_INTEGRATION_RUN_H
/* Integration tests: build/shim as PID 1 of a new PID namespace (and as a
 * subreaper outside one), with tests/integration/probe.c as its child.
 * run.c holds what the test files share: running the shim (or any command)
 * with arguments and environment, and capturing its stdout, stderr and exit
 * status; tests.h lists every test. */
#include "../unit/testlib.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "tests.h"

/* The binaries under test (SHIM, PROBE, ESCAPE), as absolute paths. */
extern const char *shim, *probe, *escape;
/* The shim under test is the ASan/UBSan build: dynamic, and without PID 1's filter. */
extern bool sanitized;
/* NODE_PATH for the node workload, the workload's script, and SHIM_SECCOMP=
 * Docker's profile (build/test-deps). */
extern char node_path_env[4200], workload[4200], moby_env[4200];

/* What complain mode logs at start with the embedded profile. */
#define COMPLAIN_START_LINE \
	"shim: warn: seccomp: complain mode: profile default (embedded) is not enforced; each would-be denial is logged"

struct result {
	int status; /* exit code, or 128+N */
	char out[1 << 16];
	char err[1 << 16];
	double seconds;
};

/* Set before run(): what the test's child does before exec. */
extern void (*before_exec)(void);
/* Set before run(): called once the child runs, with its pid. */
extern void (*while_running)(pid_t);

/* Runs argv with exactly envp; KILLs its process group after TIMEOUT seconds. */
void run_env(char *const argv[], char *const envp[], struct result *r, int timeout);

/* PATH, HOME and (for the ASan build) the sanitizer settings; a test may
 * swap an entry, and puts it back. */
extern char *base_env[5];

/* A new PID namespace, with its own /proc, whose init is the command that follows. */
#define PID_NS "/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "--kill-child"

/* Runs argv (NULL-terminated, after the shim) with extra environment entries. */
void run_shim(bool pid_ns, char **env_extra, char *const args[], struct result *r, int timeout);
/* Runs CMD in a new PID namespace with base_env and extra entries (20 s). */
void run_in_pid_ns(char *const cmd[], char **env_extra, struct result *r);

#define ARGS(...) ((char *[]){ __VA_ARGS__, NULL })
#define ENV(...) ((char *[]){ __VA_ARGS__, NULL })

/* The shim's host pid: the child of `unshare`, or the direct child. */
pid_t shim_pid_of(pid_t pid, bool pid_ns);
bool wait_for_file_line(const char *file, const char *line, int ms);
bool has_line(const char *text, const char *line);
/* A directory the shim (dropped to 65532) can write, made once: SHIM_LEARN_FILE=learn_dir/NAME in BUF. */
extern char learn_dir[64];
void learn_env(char *buf, size_t size, const char *name);
bool file_has_line(const char *file, const char *line);

/* A file the probe writes what it received to (new_record makes a new one). */
extern char record[64];
void new_record(void);

/* JSON written to a new readable temporary file PATH (a mkstemp template);
 * ENV receives SHIM_SECCOMP=PATH. */
void temp_profile(const char *json, char *path, char *env, size_t env_size);
/* A whole small file (empty when missing), in a static buffer. */
const char *read_file(const char *path);
/* Writes TEXT to PATH (a test's copy of a tool's stdout, a profile). */
void write_text(const char *path, const char *text);
/* Whether this kernel runs i386 calls at all. */
bool kernel_has_ia32(void);

/* Identity checks that identity.c and caps.c share. */
void assert_dropped_to(const char *out, const char *uid, const char *gid);
char *setpriv_args(const char *uid, char *const rest[], char **argv);
/* The chart's case: uid 1000, no capabilities, no_new_privs already set. */
void run_as_1000(char **env_extra, struct result *r);

/* From the environment (SHIM, PROBE, ESCAPE, sanitizer settings); false,
 * with a message, when one of the three is missing. */
bool run_setup(void);

#endif
