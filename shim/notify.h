#ifndef SHIM_NOTIFY_H
#define SHIM_NOTIFY_H

/* Complain mode: PID 1 answers the filter's notifications. */

/* Checks the kernel supports user notification with "continue" and builds
 * the syscall name table (allocates: call before the loop). 0 or EXIT_SECCOMP. */
int notify_init(void);

/* Reads one notification, logs "would deny NAME(NR) pid=PID comm=COMM" once
 * per process and syscall, and lets the call proceed. No allocation. */
void notify_handle(int fd);

#endif
