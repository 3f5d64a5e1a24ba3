/*
 * escape: probes escape-class syscalls by raw number, for running under the
 * shim's seccomp profile (seccomp/default.json).
 *
 *   escape list     one line per probe: "NAME RESULT", RESULT is EPERM, ENOSYS
 *                   or other:<errno> (other:0 when the call returned >= 0).
 *                   Compare with tests/integration/escape.expected.
 *   escape int80    i386 getpid via `int $0x80`; prints "int80 survived" if it
 *                   returns (under the filter the process must be killed).
 *   escape x32      getpid with __X32_SYSCALL_BIT; prints "x32 survived" if it
 *                   returns (under the filter the process must be killed).
 *   escape int80 NR [A0 [A1 [A2]]]
 *                   i386 syscall NR via `int $0x80`; prints "int80 NR = RET"
 *                   (RET the raw return: -errno on failure).
 *   escape x32 NR   x32 syscall NR (the bit added), no arguments; prints
 *                   "x32 NR = RET" (-errno on failure).
 *   escape threads  starts and joins 4 pthreads; prints "threads ok" (with
 *                   glibc this exercises the clone3 -> ENOSYS -> clone
 *                   fallback; musl always uses clone).
 *   escape unused   calls the default allows with argument values the Node
 *                   fixture never uses (netlink DGRAM and IPv6 sockets,
 *                   a clone flag set, a prctl option): "NAME RESULT" lines.
 *   escape args     sweeps the argument-filtered syscalls of the default
 *                   profile (socket families 0..127 and 64-bit variants,
 *                   socketpair, every clone flag bit, personality values) and
 *                   prints "args ok", or one "args BAD ..." line per mismatch
 *                   and exits 1. Only meaningful under the filter: unconfined
 *                   as root it would create sockets of every family.
 *
 * Every probe passes arguments that make the call fail early (bad flags, bad
 * pointers, fd -1, invalid magic) so that running this without a filter, even
 * as root, changes nothing: no mount, namespace, module, clock, hostname or
 * process is created or modified. Exceptions that do succeed unconfined are
 * undone (fds closed, personality restored); vhangup runs in a child that
 * first detaches from the controlling terminal with setsid().
 * Unconfined and as root, the AF_* socket probes may make the kernel autoload
 * the protocol module.
 *
 * C11; builds with `musl-gcc -static` and with glibc gcc, for x86_64 and
 * aarch64. Only libc headers are used; syscall numbers missing from older libc
 * headers fall back to each architecture's numbers below. On aarch64 the
 * x86-only probes are left out (tests/aarch64/escape.expected).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
/* x86_64 numbers for syscalls newer than some libc headers. */
#ifndef SYS_kexec_file_load
#define SYS_kexec_file_load 320
#endif
#ifndef SYS_bpf
#define SYS_bpf 321
#endif
#ifndef SYS_userfaultfd
#define SYS_userfaultfd 323
#endif
#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425
#endif
#ifndef SYS_io_uring_enter
#define SYS_io_uring_enter 426
#endif
#ifndef SYS_io_uring_register
#define SYS_io_uring_register 427
#endif
#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef SYS_fsopen
#define SYS_fsopen 430
#endif
#ifndef SYS_fsconfig
#define SYS_fsconfig 431
#endif
#ifndef SYS_fsmount
#define SYS_fsmount 432
#endif
#ifndef SYS_fspick
#define SYS_fspick 433
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_process_madvise
#define SYS_process_madvise 440
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif
#ifndef SYS_process_mrelease
#define SYS_process_mrelease 448
#endif
#ifndef SYS_set_mempolicy_home_node
#define SYS_set_mempolicy_home_node 450
#endif
#elif defined(__aarch64__)
/* asm-generic numbers (arm64) for syscalls newer than musl 1.2.3's headers. */
#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif
#ifndef SYS_process_mrelease
#define SYS_process_mrelease 448
#endif
#ifndef SYS_set_mempolicy_home_node
#define SYS_set_mempolicy_home_node 450
#endif
#endif /* __x86_64__, __aarch64__ */

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000L
#endif

#define F_CLONE_THREAD 0x00010000L /* CLONE_THREAD */
#define F_CLONE_FS 0x00000200L     /* CLONE_FS */
#define NS_NEWNS 0x00020000L
#define NS_NEWCGROUP 0x02000000L
#define NS_NEWUTS 0x04000000L
#define NS_NEWIPC 0x08000000L
#define NS_NEWUSER 0x10000000L
#define NS_NEWPID 0x20000000L
#define NS_NEWNET 0x40000000L

#define P_AF_UNSPEC 0
#define P_AF_UNIX 1
#define P_AF_INET 2
#define P_AF_KEY 15
#define P_AF_NETLINK 16
#define P_AF_PACKET 17
#define P_AF_TIPC 30
#define P_AF_ALG 38
#define P_AF_VSOCK 40
#define P_AF_XDP 44

#define PERS_LINUX_QUERY 0xffffffffL
#define PERS_BSD 0x0006L
#define PERS_ADDR_NO_RANDOMIZE 0x0040000L
#define PERS_READ_IMPLIES_EXEC 0x0400000L

enum {
    K_PLAIN = 0,   /* nothing to undo */
    K_FD = 1,      /* returns an fd on success: close it */
    K_PERS = 2,    /* personality: restore the old value on success */
    K_CHILD = 3,   /* run in a forked child after setsid() */
    K_PAIR = 4,    /* socketpair: a3 points at int[2], close both on success */
};

struct probe {
    const char *name;
    long nr;
    long a[6];
    int kind;
};

static int pair_fds[2] = {-1, -1};
static struct timeval bad_tv = {0, 2000000}; /* tv_usec out of range: EINVAL */
static struct timespec zero_ts = {0, 0};

#define P(name, nr, a0, a1, a2, a3, a4, a5, kind) \
    {name, nr, {(long)(a0), (long)(a1), (long)(a2), (long)(a3), (long)(a4), (long)(a5)}, kind}

static void report(const char *name, long r, int e)
{
    if (r >= 0)
        printf("%s other:0\n", name);
    else if (e == EPERM)
        printf("%s EPERM\n", name);
    else if (e == ENOSYS)
        printf("%s ENOSYS\n", name);
    else
        printf("%s other:%d\n", name, e);
    fflush(stdout);
}

static long do_call(const struct probe *p, int *err)
{
    errno = 0;
    long r = syscall(p->nr, p->a[0], p->a[1], p->a[2], p->a[3], p->a[4], p->a[5]);
    *err = errno;
    return r;
}

static void run_probe(const struct probe *p)
{
    int e = 0;
    long r;

    if (p->kind == K_CHILD) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            report(p->name, -1, errno);
            return;
        }
        if (pid == 0) {
            (void)setsid(); /* no controlling terminal: vhangup() has nothing to hang up */
            r = do_call(p, &e);
            _exit(r >= 0 ? 0 : (e & 0xff ? e & 0xff : 255));
        }
        int st = 0;
        pid_t w;
        while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {
        }
        if (w < 0) {
            printf("%s other:waitpid%d\n", p->name, errno);
            fflush(stdout);
        } else if (WIFEXITED(st)) {
            int code = WEXITSTATUS(st);
            report(p->name, code == 0 ? 0 : -1, code);
        } else {
            printf("%s other:signal%d\n", p->name, WIFSIGNALED(st) ? WTERMSIG(st) : -1);
            fflush(stdout);
        }
        return;
    }

    long old_pers = -1;
    if (p->kind == K_PERS)
        old_pers = syscall(SYS_personality, PERS_LINUX_QUERY);
    r = do_call(p, &e);
    if (r >= 0) {
        if (p->kind == K_FD && r > 2)
            close((int)r);
        if (p->kind == K_PERS && old_pers >= 0)
            (void)syscall(SYS_personality, old_pers);
        if (p->kind == K_PAIR) {
            close(pair_fds[0]);
            close(pair_fds[1]);
        }
    }
    report(p->name, r, e);
}

static int cmd_list(void)
{
    const long neg = -1L;
    const struct probe probes[] = {
        /* mounts and the new mount API */
        P("mount", SYS_mount, 0, 0, 0, 0, 0, 0, K_PLAIN),
        P("umount2", SYS_umount2, 0, neg, 0, 0, 0, 0, K_PLAIN),
        P("pivot_root", SYS_pivot_root, 0, 0, 0, 0, 0, 0, K_PLAIN),
        P("chroot", SYS_chroot, 0, 0, 0, 0, 0, 0, K_PLAIN),
        P("open_tree", SYS_open_tree, neg, 0, neg, 0, 0, 0, K_FD),
        P("move_mount", SYS_move_mount, neg, 0, neg, 0, neg, 0, K_PLAIN),
        P("fsopen", SYS_fsopen, 0, neg, 0, 0, 0, 0, K_FD),
        P("fsconfig", SYS_fsconfig, neg, neg, 0, 0, 0, 0, K_PLAIN),
        P("fsmount", SYS_fsmount, neg, neg, 0, 0, 0, 0, K_FD),
        P("fspick", SYS_fspick, neg, 0, neg, 0, 0, 0, K_FD),
        P("mount_setattr", SYS_mount_setattr, neg, 0, neg, 0, 0, 0, K_PLAIN),
        /* namespaces */
        P("unshare", SYS_unshare, neg, 0, 0, 0, 0, 0, K_PLAIN),
        P("setns", SYS_setns, neg, 0, 0, 0, 0, 0, K_PLAIN),
        /* clone with namespace flags: CLONE_THREAD without CLONE_SIGHAND (and
         * CLONE_FS with NEWNS/NEWUSER) makes the kernel reject them with EINVAL */
        P("clone_newuser_newns", SYS_clone, NS_NEWUSER | NS_NEWNS | F_CLONE_FS | F_CLONE_THREAD, 0, 0, 0, 0, 0, K_PLAIN),
        P("clone_newns", SYS_clone, NS_NEWNS | F_CLONE_THREAD, 0, 0, 0, 0, 0, K_PLAIN),
        P("clone_newuser", SYS_clone, NS_NEWUSER | F_CLONE_THREAD, 0, 0, 0, 0, 0, K_PLAIN),
        P("clone_newpid", SYS_clone, NS_NEWPID | F_CLONE_THREAD, 0, 0, 0, 0, 0, K_PLAIN),
        P("clone_newnet", SYS_clone, NS_NEWNET | F_CLONE_THREAD, 0, 0, 0, 0, 0, K_PLAIN),
        P("clone_newuts", SYS_clone, NS_NEWUTS | F_CLONE_THREAD, 0, 0, 0, 0, 0, K_PLAIN),
        P("clone_newipc", SYS_clone, NS_NEWIPC | F_CLONE_THREAD, 0, 0, 0, 0, 0, K_PLAIN),
        P("clone_newcgroup", SYS_clone, NS_NEWCGROUP | F_CLONE_THREAD, 0, 0, 0, 0, 0, K_PLAIN),
        P("clone3", SYS_clone3, 0, 0, 0, 0, 0, 0, K_PLAIN),
        /* kernel attack surface */
        P("bpf", SYS_bpf, neg, 0, 0, 0, 0, 0, K_FD),
        P("perf_event_open", SYS_perf_event_open, 0, 0, neg, neg, 0, 0, K_FD),
        P("userfaultfd", SYS_userfaultfd, neg, 0, 0, 0, 0, 0, K_FD),
        P("io_uring_setup", SYS_io_uring_setup, 0, 0, 0, 0, 0, 0, K_FD),
        P("io_uring_enter", SYS_io_uring_enter, neg, 0, 0, neg, 0, 0, K_PLAIN),
        P("io_uring_register", SYS_io_uring_register, neg, neg, 0, 0, 0, 0, K_PLAIN),
        P("keyctl", SYS_keyctl, neg, 0, 0, 0, 0, 0, K_PLAIN),
        P("add_key", SYS_add_key, 0, 0, 0, 0, 0, 0, K_PLAIN),
        P("request_key", SYS_request_key, 0, 0, 0, 0, 0, 0, K_PLAIN),
        P("fanotify_init", SYS_fanotify_init, neg, 0, 0, 0, 0, 0, K_FD),
        P("fanotify_mark", SYS_fanotify_mark, neg, 0, 0, neg, 0, 0, K_PLAIN),
        P("lookup_dcookie", SYS_lookup_dcookie, 0, 0, 0, 0, 0, 0, K_PLAIN),
        P("name_to_handle_at", SYS_name_to_handle_at, neg, 0, 0, 0, neg, 0, K_PLAIN),
        P("open_by_handle_at", SYS_open_by_handle_at, neg, 0, 0, 0, 0, 0, K_FD),
        /* other processes */
        P("ptrace", SYS_ptrace, neg, 0, 0, 0, 0, 0, K_PLAIN),
        P("process_vm_readv", SYS_process_vm_readv, 0, 0, 0, 0, 0, neg, K_PLAIN),
        P("process_vm_writev", SYS_process_vm_writev, 0, 0, 0, 0, 0, neg, K_PLAIN),
        P("pidfd_getfd", SYS_pidfd_getfd, neg, 0, neg, 0, 0, 0, K_FD),
        P("kcmp", SYS_kcmp, 0, 0, neg, 0, 0, 0, K_PLAIN),
        P("process_madvise", SYS_process_madvise, neg, 0, 0, 0, neg, 0, K_PLAIN),
        P("process_mrelease", SYS_process_mrelease, neg, neg, 0, 0, 0, 0, K_PLAIN),
        P("get_robust_list", SYS_get_robust_list, neg, 0, 0, 0, 0, 0, K_PLAIN),
        /* modules, kexec, boot, swap, accounting, quotas */
        P("kexec_load", SYS_kexec_load, 0, 0, 0, neg, 0, 0, K_PLAIN),
        P("kexec_file_load", SYS_kexec_file_load, neg, neg, 0, 0, neg, 0, K_PLAIN),
        P("init_module", SYS_init_module, 0, 0, 0, 0, 0, 0, K_PLAIN),
        P("finit_module", SYS_finit_module, neg, 0, neg, 0, 0, 0, K_PLAIN),
        P("delete_module", SYS_delete_module, 0, 0, 0, 0, 0, 0, K_PLAIN),
        P("reboot", SYS_reboot, 0, 0, 0, 0, 0, 0, K_PLAIN),
        P("swapon", SYS_swapon, 0, 0, 0, 0, 0, 0, K_PLAIN),
        P("swapoff", SYS_swapoff, 0, 0, 0, 0, 0, 0, K_PLAIN),
        P("acct", SYS_acct, 1, 0, 0, 0, 0, 0, K_PLAIN),
        P("quotactl", SYS_quotactl, neg, 0, 0, 0, 0, 0, K_PLAIN),
        P("quotactl_fd", SYS_quotactl_fd, neg, neg, 0, 0, 0, 0, K_PLAIN),
        /* clocks, host identity, kernel log, tty */
        P("settimeofday", SYS_settimeofday, &bad_tv, 0, 0, 0, 0, 0, K_PLAIN),
        P("clock_settime", SYS_clock_settime, CLOCK_MONOTONIC, &zero_ts, 0, 0, 0, 0, K_PLAIN),
        P("clock_adjtime", SYS_clock_adjtime, 0x7fffffff, 0, 0, 0, 0, 0, K_PLAIN),
        P("adjtimex", SYS_adjtimex, 0, 0, 0, 0, 0, 0, K_PLAIN),
        P("sethostname", SYS_sethostname, 0, neg, 0, 0, 0, 0, K_PLAIN),
        P("setdomainname", SYS_setdomainname, 0, neg, 0, 0, 0, 0, K_PLAIN),
        P("syslog", SYS_syslog, neg, 0, 0, 0, 0, 0, K_PLAIN),
        P("vhangup", SYS_vhangup, 0, 0, 0, 0, 0, 0, K_CHILD),
        /* NUMA placement */
        P("mbind", SYS_mbind, 0, 0, 0, 0, 0, neg, K_PLAIN),
        P("set_mempolicy", SYS_set_mempolicy, neg, 0, 0, 0, 0, 0, K_PLAIN),
        P("get_mempolicy", SYS_get_mempolicy, 0, 0, 0, 0, neg, 0, K_PLAIN),
        P("migrate_pages", SYS_migrate_pages, neg, 0, 0, 0, 0, 0, K_PLAIN),
        P("move_pages", SYS_move_pages, 0, 0, 0, 0, 0, neg, K_PLAIN),
        P("set_mempolicy_home_node", SYS_set_mempolicy_home_node, 0, 0, 0, neg, 0, 0, K_PLAIN),
        /* x86 raw I/O and segments, obsolete calls */
#ifdef SYS_iopl
        P("iopl", SYS_iopl, 4, 0, 0, 0, 0, 0, K_PLAIN),
#endif
#ifdef SYS_ioperm
        P("ioperm", SYS_ioperm, neg, 1, 0, 0, 0, 0, K_PLAIN),
#endif
#ifdef SYS_modify_ldt
        P("modify_ldt", SYS_modify_ldt, 0, 0, 0, 0, 0, 0, K_PLAIN),
#endif
#ifdef SYS_set_thread_area
        P("set_thread_area", SYS_set_thread_area, 0, 0, 0, 0, 0, 0, K_PLAIN),
#endif
#ifdef SYS_uselib
        P("uselib", SYS_uselib, 0, 0, 0, 0, 0, 0, K_PLAIN),
#endif
#ifdef SYS_ustat
        P("ustat", SYS_ustat, 0, 0, 0, 0, 0, 0, K_PLAIN),
#endif
#ifdef SYS_sysfs
        P("sysfs", SYS_sysfs, neg, 0, 0, 0, 0, 0, K_PLAIN),
#endif
        P("vmsplice", SYS_vmsplice, neg, 0, 0, neg, 0, 0, K_PLAIN),
        P("remap_file_pages", SYS_remap_file_pages, 0, 0, 0, 0, neg, 0, K_PLAIN),
        /* socket families: only AF_UNIX/AF_INET/AF_INET6/AF_NETLINK are allowed */
        P("socket_packet", SYS_socket, P_AF_PACKET, SOCK_RAW, 0, 0, 0, 0, K_FD),
        P("socket_vsock", SYS_socket, P_AF_VSOCK, SOCK_STREAM, 0, 0, 0, 0, K_FD),
        P("socket_alg", SYS_socket, P_AF_ALG, SOCK_SEQPACKET, 0, 0, 0, 0, K_FD),
        P("socket_key", SYS_socket, P_AF_KEY, SOCK_RAW, 2, 0, 0, 0, K_FD),
        P("socket_xdp", SYS_socket, P_AF_XDP, SOCK_RAW, 0, 0, 0, 0, K_FD),
        P("socket_tipc", SYS_socket, P_AF_TIPC, SOCK_SEQPACKET, 0, 0, 0, 0, K_FD),
        P("socket_unspec", SYS_socket, P_AF_UNSPEC, SOCK_STREAM, 0, 0, 0, 0, K_FD),
        /* AF_INET in the low 32 bits, garbage above: the kernel sees AF_INET, and so does the filter */
        P("socket_inet_hi32", SYS_socket, 0x100000000L | P_AF_INET, SOCK_STREAM, 0, 0, 0, 0, K_FD),
        P("socketpair_inet", SYS_socketpair, P_AF_INET, SOCK_STREAM, 0, pair_fds, 0, 0, K_PAIR),
        /* personality: only PER_LINUX, PER_LINUX32, UNAME26 variants and the query */
        P("personality_bsd", SYS_personality, PERS_BSD, 0, 0, 0, 0, 0, K_PERS),
        P("personality_addr_no_randomize", SYS_personality, PERS_ADDR_NO_RANDOMIZE, 0, 0, 0, 0, 0, K_PERS),
        P("personality_read_implies_exec", SYS_personality, PERS_READ_IMPLIES_EXEC, 0, 0, 0, 0, 0, K_PERS),
        /* controls: these must stay allowed (or be unknown -> ENOSYS) */
        P("control_socket_unix", SYS_socket, P_AF_UNIX, SOCK_STREAM, 0, 0, 0, 0, K_FD),
        P("control_socket_inet", SYS_socket, P_AF_INET, SOCK_DGRAM, 0, 0, 0, 0, K_FD),
        P("control_socket_netlink", SYS_socket, P_AF_NETLINK, SOCK_RAW, 0, 0, 0, 0, K_FD),
        P("control_socketpair_unix", SYS_socketpair, P_AF_UNIX, SOCK_STREAM, 0, pair_fds, 0, 0, K_PAIR),
        P("control_clone_thread_nosighand", SYS_clone, F_CLONE_THREAD, 0, 0, 0, 0, 0, K_PLAIN),
        P("control_personality_query", SYS_personality, PERS_LINUX_QUERY, 0, 0, 0, 0, 0, K_PERS),
        P("control_unknown_nr_1000", 1000, 0, 0, 0, 0, 0, 0, K_PLAIN),
    };
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
        run_probe(&probes[i]);
    return 0;
}

static int cmd_int80(void)
{
#if defined(__x86_64__)
    long ret;
    fflush(stdout);
    /* i386 ABI: eax = 20 is getpid there (writev in x86_64 numbering). */
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory", "cc", "r8", "r9", "r10", "r11");
    (void)ret;
    printf("int80 survived\n");
    return 0;
#else
    printf("int80 unsupported\n");
    return 2;
#endif
}

/* One i386 or x32 call by number, for checking a multi-architecture
 * profile's decisions in the kernel. Only harmless numbers are passed by
 * the tests (getpid, unshare(0), socketcall with a NULL argument block). */
static int cmd_raw(const char *abi, int argc, char **argv)
{
#if defined(__x86_64__)
    long nr = strtol(argv[0], NULL, 0), a[3] = { 0, 0, 0 }, ret;
    for (int i = 1; i < argc && i < 4; i++)
        a[i - 1] = strtol(argv[i], NULL, 0);
    if (strcmp(abi, "int80") == 0)
        __asm__ volatile("int $0x80"
                         : "=a"(ret)
                         : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2])
                         : "memory", "cc", "r8", "r9", "r10", "r11");
    else
        ret = syscall(__X32_SYSCALL_BIT | nr) < 0 ? -errno : 0;
    /* syscall() gives -1 and errno for x32: print -errno, or 0. */
    printf("%s %ld = %ld\n", abi, nr, ret);
    return 0;
#else
    (void)argc;
    (void)argv;
    printf("%s unsupported\n", abi);
    return 2;
#endif
}

static int cmd_x32(void)
{
#if defined(__x86_64__)
    fflush(stdout);
    (void)syscall(__X32_SYSCALL_BIT | SYS_getpid);
    printf("x32 survived\n");
    return 0;
#else
    printf("x32 unsupported\n");
    return 2;
#endif
}

static void *thread_fn(void *arg)
{
    volatile long *slot = arg;
    *slot = (long)syscall(SYS_gettid);
    return NULL;
}

static int cmd_threads(void)
{
    pthread_t t[4];
    long tids[4] = {0, 0, 0, 0};
    for (int i = 0; i < 4; i++) {
        int rc = pthread_create(&t[i], NULL, thread_fn, &tids[i]);
        if (rc != 0) {
            printf("threads failed: pthread_create: %s\n", strerror(rc));
            return 1;
        }
    }
    for (int i = 0; i < 4; i++) {
        int rc = pthread_join(t[i], NULL);
        if (rc != 0) {
            printf("threads failed: pthread_join: %s\n", strerror(rc));
            return 1;
        }
        if (tids[i] <= 0) {
            printf("threads failed: thread %d did not run\n", i);
            return 1;
        }
    }
    printf("threads ok\n");
    return 0;
}

static const char *classify(long r, int e, char *buf, size_t len)
{
    if (r >= 0)
        return "other:0";
    if (e == EPERM)
        return "EPERM";
    if (e == ENOSYS)
        return "ENOSYS";
    snprintf(buf, len, "other:%d", e);
    return buf;
}

/* Expected under seccomp/default.json, on the low 32 bits of each argument
 * (the kernel reads socket's and socketpair's family as int, personality's
 * as unsigned int, and clone's flags through lower_32_bits):
 *   socket:      families 1, 2, 10, 16 reach the kernel, every other value EPERM
 *   socketpair:  family 1 reaches the kernel, every other value EPERM
 *   clone:       any of 0x7E020000 set -> EPERM, otherwise reaches the kernel
 *   personality: 0, 8, 0x20000, 0x20008, 0xffffffff reach the kernel, others ENOSYS */
static int cmd_args(void)
{
    int bad = 0;
    char buf[32];
    unsigned long vals[160];
    size_t nv = 0;
    for (unsigned long f = 0; f < 128; f++)
        vals[nv++] = f;
    const unsigned long wide[] = {0x100000001UL, 0x100000002UL, 0x10000000aUL, 0x100000010UL,
                                  0xffffffff00000002UL, 0x7fffffffUL, 0x80000000UL,
                                  0xffffffffUL, ~0UL};
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        vals[nv++] = wide[i];

    for (size_t i = 0; i < nv; i++) {
        unsigned long f = vals[i];
        unsigned int lo = (unsigned int)f;
        int allowed = lo == 1 || lo == 2 || lo == 10 || lo == 16;
        errno = 0;
        long r = syscall(SYS_socket, f, SOCK_DGRAM, 0);
        int e = errno;
        if (r >= 0)
            close((int)r);
        if (allowed ? (r < 0 && (e == EPERM || e == ENOSYS)) : (r >= 0 || e != EPERM)) {
            printf("args BAD socket %#lx %s\n", f, classify(r, e, buf, sizeof buf));
            bad++;
        }
        int sv[2] = {-1, -1};
        allowed = lo == 1;
        errno = 0;
        r = syscall(SYS_socketpair, f, SOCK_STREAM, 0, sv);
        e = errno;
        if (r >= 0) {
            close(sv[0]);
            close(sv[1]);
        }
        if (allowed ? (r < 0) : (r >= 0 || e != EPERM)) {
            printf("args BAD socketpair %#lx %s\n", f, classify(r, e, buf, sizeof buf));
            bad++;
        }
    }

    /* Each flag bit together with CLONE_THREAD but without CLONE_SIGHAND (for
     * CLONE_SIGHAND itself: without CLONE_VM), which the kernel rejects with
     * EINVAL before creating anything. */
    for (int b = 0; b < 64; b++) {
        unsigned long fl = b == 11 ? (1UL << 11) : ((1UL << b) | (unsigned long)F_CLONE_THREAD);
        int ns = ((1UL << b) & 0x7E020000UL) != 0;
        errno = 0;
        long r = syscall(SYS_clone, fl, 0, 0, 0, 0);
        int e = errno;
        if (r == 0)
            _exit(0);
        if (ns ? (r >= 0 || e != EPERM) : (r >= 0 || e == EPERM || e == ENOSYS)) {
            printf("args BAD clone bit %d %s\n", b, classify(r, e, buf, sizeof buf));
            bad++;
        }
    }

    const unsigned long pers_ok[] = {0, 8, 0x20000, 0x20008, 0xffffffffUL};
    const unsigned long pers_no[] = {1, 6, 7, 9, 0x10, 0x28, 0x20001, 0x20009, 0x40000, 0x400000,
                                     0x0800000, 0x8000000, 0xfffffffeUL, 0x100000000UL,
                                     0x100000008UL, 0x1ffffffffUL, ~0UL};
    long old = syscall(SYS_personality, PERS_LINUX_QUERY);
    for (size_t i = 0; i < sizeof pers_ok / sizeof pers_ok[0] + sizeof pers_no / sizeof pers_no[0]; i++) {
        int listed_ok = i < sizeof pers_ok / sizeof pers_ok[0];
        unsigned long v = listed_ok ? pers_ok[i] : pers_no[i - sizeof pers_ok / sizeof pers_ok[0]];
        unsigned int lo = (unsigned int)v;
        int allowed = lo == 0 || lo == 8 || lo == 0x20000 || lo == 0x20008 || lo == 0xffffffffU;
        errno = 0;
        long r = syscall(SYS_personality, v);
        int e = errno;
        if (r >= 0 && old >= 0)
            (void)syscall(SYS_personality, old);
        if (allowed ? (r < 0) : (r >= 0 || e != ENOSYS)) {
            printf("args BAD personality %#lx %s\n", v, classify(r, e, buf, sizeof buf));
            bad++;
        }
    }

    if (bad == 0)
        printf("args ok\n");
    return bad == 0 ? 0 : 1;
}

/* Calls the default profile allows, with argument values the Node fixture
 * (tests/fixtures/node-workload.js) never uses: a profile learned from it
 * with argument values denies them (ENOSYS, its default), one learned by
 * name allows them. Each fails early or is undone unconfined. */
static int cmd_unused(void)
{
    char buf[32];
    struct { const char *name; long nr; unsigned long a0, a1, a2; } probes[] = {
        /* node's netlink socket is SOCK_RAW (getifaddrs) */
        {"socket_netlink_dgram", SYS_socket, AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, 0},
        /* the fixture talks IPv4 on loopback only */
        {"socket_inet6_stream", SYS_socket, AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0},
        /* CLONE_SIGHAND without CLONE_VM: EINVAL from the kernel, no process */
        {"clone_sighand_without_vm", SYS_clone, 0x800 | 17, 0, 0},
        /* PR_GET_DUMPABLE: node asks for PR_CAPBSET_READ only */
        {"prctl_get_dumpable", SYS_prctl, 3, 0, 0},
    };
    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
        errno = 0;
        long r = syscall(probes[i].nr, probes[i].a0, probes[i].a1, probes[i].a2, 0, 0);
        int e = errno;
        if (r == 0 && probes[i].nr == SYS_clone)
            _exit(0);
        if (r >= 0 && probes[i].nr == SYS_socket)
            close((int)r);
        printf("%s %s\n", probes[i].name, classify(r, e, buf, sizeof buf));
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    if (strcmp(cmd, "list") == 0)
        return cmd_list();
    if ((strcmp(cmd, "int80") == 0 || strcmp(cmd, "x32") == 0) && argc > 2)
        return cmd_raw(cmd, argc - 2, argv + 2);
    if (strcmp(cmd, "int80") == 0)
        return cmd_int80();
    if (strcmp(cmd, "x32") == 0)
        return cmd_x32();
    if (strcmp(cmd, "threads") == 0)
        return cmd_threads();
    if (strcmp(cmd, "args") == 0)
        return cmd_args();
    if (strcmp(cmd, "unused") == 0)
        return cmd_unused();
    fprintf(stderr, "usage: %s list|int80|x32|threads|args|unused\n", argc > 0 ? argv[0] : "escape");
    return 2;
}
