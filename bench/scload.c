/* scload: a runc-like seccomp loader for a Docker-like profile, built with
 * libseccomp (gcc -O2 scload.c -lseccomp; Debian's libseccomp is glibc-only).
 *
 *   scload [--info] -- COMMAND [ARG...]   build the filter, load it, exec COMMAND
 *   scload --emit-json FILE               write the same policy as a Docker/OCI
 *                                         JSON profile (for SHIM_SECCOMP=FILE)
 *   scload --allow-all -- COMMAND [ARG...]  reference: a 1-instruction filter
 *                                         that allows everything (the price of
 *                                         being in seccomp mode at all)
 *
 * The policy ("docker-like") is written here, not copied: it follows the shape
 * of Docker's default profile for x86_64 with Docker's default capabilities:
 *   - default action ERRNO(EPERM); architectures x86_64 + x86 + x32;
 *   - every system call name libseccomp knows for x86_64 or x86 is allowed
 *     unconditionally except the DENY list below (module loading, mounts and
 *     namespaces, clocks, keyrings, kexec, bpf/perf, io_uring, NUMA policy,
 *     obsolete calls, ...);
 *   - socket: allowed for families < 38, == 39, > 40 (not AF_ALG, AF_VSOCK);
 *   - personality: allowed for 0, 8, 0x20000, 0x20008, 0xffffffff only;
 *   - clone: allowed iff (flags & 0x7E020000) == 0 (no new namespaces);
 *   - clone3: ERRNO(ENOSYS) so that libc falls back to clone.
 * Loading follows runc (libcontainer/seccomp): binary-tree optimisation
 * (SCMP_FLTATR_CTL_OPTIMIZE=2, as runc sets for > 32 rules), libseccomp's NNP
 * attribute off, the BPF exported and prefixed with runc's "ENOSYS stub"
 * (a system call number above the highest one the profile mentions, per
 * architecture, returns ENOSYS), then no_new_privs and seccomp(2). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *deny[] = {
	/* mounts, namespaces, host identity, root */
	"mount", "umount", "umount2", "pivot_root", "setns", "unshare", "sethostname",
	"setdomainname", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
	"open_tree", "mount_setattr", "quotactl", "quotactl_fd", "swapon", "swapoff",
	"reboot", "kexec_load", "kexec_file_load", "acct", "syslog", "vhangup",
	/* modules */
	"init_module", "finit_module", "delete_module", "create_module",
	"get_kernel_syms", "query_module",
	/* clocks */
	"settimeofday", "stime", "clock_settime", "clock_settime64",
	/* raw I/O, kernel introspection, tracing */
	"iopl", "ioperm", "bpf", "perf_event_open", "fanotify_init", "lookup_dcookie",
	"kcmp", "pidfd_getfd", "process_madvise", "open_by_handle_at",
	/* keyrings, userfaultfd, io_uring */
	"keyctl", "add_key", "request_key", "userfaultfd", "io_uring_setup",
	"io_uring_enter", "io_uring_register",
	/* NUMA policy */
	"get_mempolicy", "set_mempolicy", "set_mempolicy_home_node", "mbind",
	"migrate_pages", "move_pages",
	/* obsolete or unimplemented */
	"nfsservctl", "uselib", "ustat", "sysfs", "_sysctl", "vm86", "vm86old",
	"afs_syscall", "tuxcall", "security", "vserver", "getpmsg", "putpmsg", "idle",
	"break", "ftime", "gtty", "stty", "lock", "mpx", "prof", "profil", "ulimit",
	"bdflush",
	/* handled with argument rules below */
	"socket", "personality", "clone", "clone3",
	NULL
};

static int denied(const char *n)
{
	for (int i = 0; deny[i]; i++)
		if (!strcmp(deny[i], n))
			return 1;
	return 0;
}

#define MAXN 1024
static char *names[MAXN];
static int nnames;

static void collect(void)
{
	uint32_t arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86 };
	for (int a = 0; a < 2; a++)
		for (int nr = 0; nr < 1024; nr++) {
			char *n = seccomp_syscall_resolve_num_arch(arches[a], nr);
			if (!n)
				continue;
			int dup = 0;
			for (int i = 0; i < nnames && !dup; i++)
				dup = !strcmp(names[i], n);
			if (dup || denied(n) || nnames >= MAXN)
				free(n);
			else
				names[nnames++] = n;
		}
}

static const uint64_t personas[] = { 0, 8, 0x20000, 0x20008, 0xffffffff };

static int emit_json(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return 1;
	fprintf(f, "{\n\"defaultAction\": \"SCMP_ACT_ERRNO\",\n\"defaultErrnoRet\": 1,\n"
		   "\"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],\n"
		   "\"syscalls\": [\n{\"names\": [");
	for (int i = 0; i < nnames; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", names[i]);
	fprintf(f, "], \"action\": \"SCMP_ACT_ALLOW\"},\n");
	fprintf(f, "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 38, \"op\": \"SCMP_CMP_LT\"}]},\n");
	fprintf(f, "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 39, \"op\": \"SCMP_CMP_EQ\"}]},\n");
	fprintf(f, "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_GT\"}]},\n");
	for (int i = 0; i < 5; i++)
		fprintf(f, "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": %llu, \"op\": \"SCMP_CMP_EQ\"}]},\n",
			(unsigned long long)personas[i]);
	fprintf(f, "{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]},\n");
	fprintf(f, "{\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}\n]\n}\n");
	return fclose(f) != 0;
}

static int max_nr(uint32_t arch, int x32)
{
	int max = -1;
	const char *extra[] = { "socket", "personality", "clone", "clone3" };
	for (int i = 0; i < nnames + 4; i++) {
		const char *n = i < nnames ? names[i] : extra[i - nnames];
		int nr = seccomp_syscall_resolve_name_arch(arch, n);
		if (nr < 0)
			continue;
		if (x32)
			nr &= ~0x40000000;
		if (nr > max)
			max = nr;
	}
	return max;
}

#define ST(c, k) ((struct sock_filter)BPF_STMT(c, k))
#define JP(c, k, t, f) ((struct sock_filter)BPF_JUMP(c, k, t, f))

int main(int argc, char **argv)
{
	int info = 0, i = 1;
	collect();
	if (argc == 3 && !strcmp(argv[1], "--emit-json"))
		return emit_json(argv[2]);
	int allow_all = 0;
	if (i < argc && !strcmp(argv[i], "--info"))
		info = 1, i++;
	if (i < argc && !strcmp(argv[i], "--allow-all"))
		allow_all = 1, i++;
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc) {
		fputs("usage: scload [--info] [--allow-all] -- COMMAND [ARG...] | scload --emit-json FILE\n", stderr);
		return 64;
	}
	if (allow_all) {
		struct sock_filter one[] = { ST(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
		struct sock_fprog p1 = { 1, one };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p1)) {
			perror("scload: seccomp");
			return 65;
		}
		execvp(argv[i], argv + i);
		perror("scload: exec");
		return errno == ENOENT ? 127 : 126;
	}

	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx || seccomp_arch_add(ctx, SCMP_ARCH_X86) || seccomp_arch_add(ctx, SCMP_ARCH_X32) ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0))
		return 65;
	int rules = 0, skipped = 0;
	for (int n = 0; n < nnames; n++) {
		int nr = seccomp_syscall_resolve_name(names[n]);
		if (nr == __NR_SCMP_ERROR || seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0))
			skipped++; /* runc ignores names it cannot resolve */
		else
			rules++;
	}
	int so = seccomp_syscall_resolve_name("socket");
	rules += !seccomp_rule_add(ctx, SCMP_ACT_ALLOW, so, 1, SCMP_A0(SCMP_CMP_LT, 38));
	rules += !seccomp_rule_add(ctx, SCMP_ACT_ALLOW, so, 1, SCMP_A0(SCMP_CMP_EQ, 39));
	rules += !seccomp_rule_add(ctx, SCMP_ACT_ALLOW, so, 1, SCMP_A0(SCMP_CMP_GT, 40));
	for (int p = 0; p < 5; p++)
		rules += !seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1,
					   SCMP_A0(SCMP_CMP_EQ, personas[p]));
	rules += !seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				   SCMP_A0(SCMP_CMP_MASKED_EQ, 0x7E020000, 0));
	rules += !seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);

	int mfd = memfd_create("bpf", MFD_CLOEXEC);
	if (mfd < 0 || seccomp_export_bpf(ctx, mfd))
		return 65;
	off_t len = lseek(mfd, 0, SEEK_END);
	struct sock_filter *orig = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, mfd, 0);
	if (orig == MAP_FAILED)
		return 65;
	size_t norig = (size_t)len / sizeof *orig;

	/* runc-style ENOSYS stub in front of libseccomp's program. */
	int m64 = max_nr(SCMP_ARCH_X86_64, 0), m32 = max_nr(SCMP_ARCH_X86, 0),
	    mx32 = max_nr(SCMP_ARCH_X32, 1);
	struct sock_filter stub[] = {
		/* 0 */ ST(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		/* 1 */ JP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 4),
		/* 2 */ ST(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* 3 */ JP(BPF_JMP | BPF_JSET | BPF_K, 0x40000000, 1, 0),
		/* 4 */ JP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)m64, 4, 6),
		/* 5 */ JP(BPF_JMP | BPF_JGT | BPF_K, 0x40000000u | (uint32_t)mx32, 3, 5),
		/* 6 */ JP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 4),
		/* 7 */ ST(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* 8 */ JP(BPF_JMP | BPF_JGT | BPF_K, (uint32_t)m32, 0, 1),
		/* 9 */ ST(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		/* 10 */ ST(BPF_JMP | BPF_JA, 0),
		/* 11: original program */
	};
	size_t nstub = sizeof stub / sizeof *stub;
	struct sock_filter *prog = calloc(nstub + norig, sizeof *prog);
	memcpy(prog, stub, sizeof stub);
	memcpy(prog + nstub, orig, norig * sizeof *orig);
	struct sock_fprog fprog = { (unsigned short)(nstub + norig), prog };
	if (info)
		fprintf(stderr, "scload: docker-like: %d names allowed unconditionally, %d rules, "
				"%d names skipped, libseccomp %zu insns + runc-like stub %zu "
				"(max nr x86_64 %d, x86 %d, x32 %d)\n",
			nnames, rules, skipped, norig, nstub, m64, m32, mx32);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog)) {
		perror("scload: seccomp");
		return 65;
	}
	execvp(argv[i], argv + i);
	perror("scload: exec");
	return errno == ENOENT ? 127 : 126;
}
