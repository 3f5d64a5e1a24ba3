/* Rule set -> libseccomp -> BPF, and runc's ENOSYS stub in front of it. */
#include "emit.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "arch.h"
#include "exitcode.h"
#include "log.h"

/* As runc does: on every architecture of the filter, a syscall number above
 * the highest the profile names there gets ENOSYS, not the profile's
 * default, so libc and libuv fall back from calls newer than the profile
 * instead of failing. x32 (x86_64's arch value with bit 30 set) is checked
 * apart from x86_64, and only when listed; otherwise the profile decides. */
#define STUB_MAX 48

static long arch_max(const struct ruleset *rs, uint32_t arch)
{
	for (unsigned a = 0; a < rs->narch; a++)
		if (rs->arch[a] == arch)
			return rs->max_nr[a];
	return -1;
}

/* Jump targets while building: absolute indexes, or these two labels. */
#define TO_ENOSYS 0x10000u
#define TO_END 0x10001u
struct stub {
	struct sock_filter code[STUB_MAX];
	unsigned jt[STUB_MAX], jf[STUB_MAX];
	unsigned len;
};

static void stub_put(struct stub *s, uint16_t code, uint32_t k, unsigned jt, unsigned jf)
{
	s->code[s->len] = (struct sock_filter)BPF_JUMP(code, k, 0, 0);
	s->jt[s->len] = jt;
	s->jf[s->len++] = jf;
}

/* "nr > max ? ENOSYS : the profile", or straight to the profile (max -1). */
static void stub_check(struct stub *s, long max)
{
	if (max < 0)
		stub_put(s, BPF_JMP | BPF_JA, 0, TO_END, TO_END);
	else
		stub_put(s, BPF_JMP | BPF_JGT | BPF_K, (uint32_t)max, TO_ENOSYS, TO_END);
}

/* Builds the stub; its length is 0 when nothing needs it. */
static void build_enosys_stub(const struct ruleset *rs, struct stub *s)
{
	s->len = 0;
	if (!rs->enosys_above_max)
		return;
	bool any = false;
	for (unsigned a = 0; a < rs->narch; a++)
		any |= rs->max_nr[a] >= 0;
	if (!any)
		return;
	stub_put(s, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
	for (unsigned a = 0; a < rs->narch; a++) {
		uint32_t arch = rs->arch[a];
		if (arch == SCMP_ARCH_X32)
			continue; /* with x86_64 below */
		bool x86_64 = arch == SCMP_ARCH_X86_64;
		unsigned next = s->len + (x86_64 ? 5 : 3);
		stub_put(s, BPF_JMP | BPF_JEQ | BPF_K, arch, s->len + 1, next);
		stub_put(s, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
		if (x86_64) {
			stub_put(s, BPF_JMP | BPF_JGE | BPF_K, X32_BIT, s->len + 2, s->len + 1);
			stub_check(s, rs->max_nr[a]);
			stub_check(s, arch_max(rs, SCMP_ARCH_X32));
		} else {
			stub_check(s, rs->max_nr[a]);
		}
	}
	stub_put(s, BPF_JMP | BPF_JA, 0, TO_END, TO_END);
	stub_put(s, BPF_RET | BPF_K, SCMP_ACT_ERRNO(ENOSYS), 0, 0);
	unsigned end = s->len;
	for (unsigned i = 0; i < s->len; i++) {
		struct sock_filter *f = &s->code[i];
		if (BPF_CLASS(f->code) != BPF_JMP)
			continue;
		unsigned jt = s->jt[i] == TO_ENOSYS ? end - 1 : s->jt[i] == TO_END ? end : s->jt[i];
		unsigned jf = s->jf[i] == TO_ENOSYS ? end - 1 : s->jf[i] == TO_END ? end : s->jf[i];
		if (BPF_OP(f->code) == BPF_JA) {
			f->k = jt - i - 1;
		} else {
			f->jt = (uint8_t)(jt - i - 1);
			f->jf = (uint8_t)(jf - i - 1);
		}
	}
}

static int add_rule(scmp_filter_ctx f, const struct rule *r, int nr)
{
	struct scmp_arg_cmp args[RULE_MAX_ARGS];
	for (unsigned i = 0; i < r->nargs; i++)
		args[i] = (struct scmp_arg_cmp){ .arg = r->args[i].index, .op = r->args[i].op,
						  .datum_a = r->args[i].a, .datum_b = r->args[i].b };
	/* Conditions on one argument are ANDed by libseccomp; runc turns them into
	 * separate rules (OR), and so do we. */
	if (r->any) {
		for (unsigned i = 0; i < r->nargs; i++) {
			int rc = seccomp_rule_add_array(f, r->action, nr, 1, &args[i]);
			if (rc)
				return rc;
		}
		return 0;
	}
	return seccomp_rule_add_array(f, r->action, nr, r->nargs, args);
}

static int build(const struct ruleset *rs, const char *source, scmp_filter_ctx f)
{
	uint32_t target = rs->arch[0];
	if (target != seccomp_arch_native() &&
	    (seccomp_arch_add(f, target) || seccomp_arch_remove(f, SCMP_ARCH_NATIVE))) {
		log_error("seccomp profile %s: libseccomp cannot compile for the target architecture", source);
		return -1;
	}
	/* Any other ABI (int 0x80, x32) is an escape attempt, not a fallback. */
	if (seccomp_attr_set(f, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) ||
	    seccomp_attr_set(f, SCMP_FLTATR_CTL_OPTIMIZE, 2) || seccomp_attr_set(f, SCMP_FLTATR_CTL_NNP, 0)) {
		log_error("seccomp profile %s: libseccomp refused a filter attribute", source);
		return -1;
	}
	for (unsigned a = 1; a < rs->narch; a++) {
		int rc = seccomp_arch_add(f, rs->arch[a]);
		if (rc && rc != -EEXIST) {
			log_error("seccomp profile %s: architecture 0x%x: %s", source, (unsigned)rs->arch[a],
				  strerror(-rc));
			return -1;
		}
	}
	for (unsigned i = 0; i < rs->nrules; i++) {
		const struct rule *r = &rs->rules[i];
		/* A rule that repeats the default action changes nothing; libseccomp
		 * refuses it, runc skips it, and so do we. */
		if (r->action == rs->default_action)
			continue;
		/* Rules take the build host's numbers; libseccomp translates them by
		 * name for the filter's architectures. */
		int nr = seccomp_syscall_resolve_name(r->name);
		if (nr == __NR_SCMP_ERROR)
			continue; /* the parser has warned */
		int rc = add_rule(f, r, nr);
		if (rc == -EEXIST && !r->nargs)
			rc = 0; /* the same unconditional rule twice */
		if (rc) {
			log_error("seccomp profile %s: %s: libseccomp refused the rule: %s", source, r->name,
				  strerror(-rc));
			return -1;
		}
	}
	return 0;
}

/* libseccomp 2.6.0 never returns from seccomp_rule_add for some sets of
 * rules on one syscall that share a != or range condition (found by the
 * differential test; the smallest: a1 != 5 && a4 != 7, then a1 != 5 &&
 * a5 == 9). With every signal blocked, a start would hang until the
 * kubelet's KILL. A CPU-time deadline
 * ends it with the profile's error instead; the real compiles take
 * milliseconds (Docker's three architectures: about 30 ms). */
#define COMPILE_CPU_SECONDS 5
static char deadline_line[600];
static size_t deadline_len;

static void deadline_hit(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	if (si->si_code != SI_KERNEL) /* a kill(2) of SIGPROF, not the timer */
		return;
	(void)!write(STDERR_FILENO, deadline_line, deadline_len);
	_exit(EXIT_SECCOMP);
}

struct deadline {
	struct sigaction old;
	sigset_t mask;
};

static int deadline_start(const char *source, struct deadline *d)
{
	int n = snprintf(deadline_line, sizeof deadline_line,
			 "shim: error: seccomp profile %s: libseccomp did not finish compiling it in %d s of CPU time "
			 "(libseccomp 2.6.0 loops on some rules of one syscall that share a != or range condition); "
			 "rewrite those rules\n",
			 source, COMPILE_CPU_SECONDS);
	deadline_len = n < 0 ? 0 : (size_t)n < sizeof deadline_line ? (size_t)n : sizeof deadline_line - 1;
	struct sigaction sa = { .sa_sigaction = deadline_hit, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigset_t prof;
	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	struct itimerval t = { .it_value = { .tv_sec = COMPILE_CPU_SECONDS } };
	/* Each step undone in reverse when a later one fails. */
	int step = 0;
	if (!sigaction(SIGPROF, &sa, &d->old) && ++step && !sigprocmask(SIG_UNBLOCK, &prof, &d->mask) && ++step &&
	    !setitimer(ITIMER_PROF, &t, NULL))
		return 0;
	int err = errno;
	if (step >= 2)
		(void)sigprocmask(SIG_SETMASK, &d->mask, NULL);
	if (step >= 1)
		(void)sigaction(SIGPROF, &d->old, NULL);
	log_info("seccomp profile %s: compiling without a deadline: %s", source, strerror(err));
	return -1;
}

static int deadline_stop(const char *source, const struct deadline *d)
{
	struct itimerval off = { 0 };
	if (setitimer(ITIMER_PROF, &off, NULL) || sigprocmask(SIG_SETMASK, &d->mask, NULL) ||
	    sigaction(SIGPROF, &d->old, NULL)) {
		log_error("seccomp profile %s: cannot disarm the compile deadline: %s", source, strerror(errno));
		return -1;
	}
	return 0;
}

int emit_libseccomp(const struct ruleset *rs, const char *source, struct sock_filter **prog,
		    unsigned short *len)
{
	/* The program is exported, never loaded by libseccomp: generate it for a
	 * kernel with every feature, the same on any build host. The kernel that
	 * installs it refuses what it lacks, and the shim then exits 65. */
	if (seccomp_api_set(7) && seccomp_api_set(6)) {
		log_error("seccomp profile %s: libseccomp refused API level 6", source);
		return -1;
	}
	*prog = NULL;
	scmp_filter_ctx f = seccomp_init(rs->default_action);
	if (!f) {
		log_error("seccomp profile %s: libseccomp could not create a filter", source);
		return -1;
	}
	/* Unarmed (a runtime's profile without setitimer) the compile runs as
	 * it always did: the guard is against a libseccomp loop, not part of
	 * the filter. */
	struct deadline d;
	bool armed = !deadline_start(source, &d);
	int rc = build(rs, source, f);
	size_t bytes = 0;
	if (!rc) {
		rc = seccomp_export_bpf_mem(f, NULL, &bytes);
		if (rc)
			log_error("seccomp profile %s: libseccomp could not generate the filter: %s", source,
				  strerror(-rc));
	}
	struct stub st;
	build_enosys_stub(rs, &st);
	if (!rc && (bytes == 0 || bytes % sizeof(struct sock_filter) ||
		    bytes / sizeof(struct sock_filter) + st.len > BPF_MAXINSNS)) {
		log_error("seccomp profile %s: the compiled filter has %zu instructions, more than the kernel's %d",
			  source, bytes / sizeof(struct sock_filter) + st.len, BPF_MAXINSNS);
		rc = -1;
	}
	if (!rc) {
		*prog = malloc(bytes + st.len * sizeof(struct sock_filter));
		if (!*prog) {
			log_error("seccomp profile %s: out of memory", source);
			rc = -1;
		}
	}
	if (!rc) {
		rc = seccomp_export_bpf_mem(f, *prog + st.len, &bytes);
		if (rc)
			log_error("seccomp profile %s: libseccomp could not generate the filter: %s", source,
				  strerror(-rc));
	}
	seccomp_release(f); /* it walks the same trees */
	if (armed && deadline_stop(source, &d))
		rc = -1;
	if (rc) {
		free(*prog);
		*prog = NULL;
		return -1;
	}
	memcpy(*prog, st.code, st.len * sizeof(struct sock_filter));
	*len = (unsigned short)(bytes / sizeof(struct sock_filter) + st.len);
	return 0;
}
