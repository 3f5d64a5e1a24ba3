#ifndef SHIM_NOTIFY_H
#define SHIM_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Complain and learn mode: PID 1 answers the filter's notifications. */

/* Checks the kernel supports user notification with "continue" and builds
 * the syscall name table (allocates: call before the loop). LEARN hands each
 * notification to learn_seen instead of logging it. 0 or EXIT_SECCOMP. */
int notify_init(bool learn);

/* Reads one notification, logs "would deny NAME(NR) pid=PID comm=COMM" once
 * per process and syscall (complain) or records it (learn), and lets the call
 * proceed. No allocation. */
void notify_handle(int fd);

/* The native name of syscall NR, or NULL. After notify_init. */
const char *notify_syscall_name(int nr);

/* The process (thread group) of thread TID and its comm, from /proc. */
void notify_process(pid_t tid, pid_t *tgid, char *comm, size_t size);

#endif
