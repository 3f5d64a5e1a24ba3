#ifndef SHIM_NOTIFY_H
#define SHIM_NOTIFY_H

#include <linux/seccomp.h>

/* Complain and learn mode: the child's filter turns calls into user
 * notifications on a listener, and PID 1 answers each one, through the
 * recorder the plan chose, with "continue". */

/* What receives the notifications, chosen once (main's plan). */
struct recorder {
	/* After the privilege drop, before the child starts; NULL for nothing.
	 * 0 or an exit code after one error line. */
	int (*open)(void);
	/* supervise's callback: reads one notification from the listener FD,
	 * records it and lets the call proceed. No allocation. */
	void (*on_notify)(int fd);
	/* Once every process is reaped; NULL for nothing. No allocation. */
	void (*finish)(void);
};

/* Complain mode's recorder: logs "would deny NAME(NR) pid=PID comm=COMM"
 * once per process and syscall. */
extern const struct recorder notify_complain;

/* Checks the kernel supports user notification with "continue" and builds
 * the syscall name table (allocates: call before the loop). MODE
 * ("complain" or "learn") names the setting in messages; PROFILE and KIND
 * name the profile in complain's start line. 0 or EXIT_SECCOMP. */
int notify_init(const char *mode, const char *profile, const char *kind);

/* One notification from listener FD, or NULL (the caller died first, or a
 * warning was logged). Valid until the next call. No allocation. */
const struct seccomp_notif *notify_receive(int fd);

/* Lets notification N's call proceed. No allocation. */
void notify_continue(int fd, const struct seccomp_notif *n);

#endif
