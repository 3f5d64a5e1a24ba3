#ifndef SHIM_LOOKUP_H
#define SHIM_LOOKUP_H

#include <stddef.h>
#include <sys/types.h>

/* What PID 1 looks up about a seccomp notification (complain and learn
 * mode): the call's name, and the process that made it. */

/* Builds the native syscall name table (libseccomp; allocates: call
 * before the loop). */
void lookup_init(void);

/* The native name of syscall NR, or NULL. After lookup_init. No allocation. */
const char *lookup_syscall_name(int nr);

/* The process (thread group) of thread TID, from /proc (TID itself when
 * /proc does not say). No allocation. */
pid_t lookup_tgid(pid_t tid);

/* Process PID's comm ("?" when /proc does not say). No allocation. */
void lookup_comm(pid_t pid, char *comm, size_t size);

#endif
