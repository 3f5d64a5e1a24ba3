#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exitcode.h"
#include "learn.h"
#include "log.h"

#define MAX_NR 1024
#define SEEN_SLOTS 4096

static const char *names[MAX_NR];
static uint32_t native_arch;

/* Kernel structs may grow; these buffers are checked against the sizes it reports. */
static union {
	struct seccomp_notif n;
	unsigned char bytes[512];
} req;
static union {
	struct seccomp_notif_resp r;
	unsigned char bytes[512];
} resp;
static size_t req_size, resp_size;

static struct {
	pid_t tgid;
	int nr;
} seen[SEEN_SLOTS];

static bool learning;

int notify_init(bool learn)
{
	learning = learn;
	const char *mode = learn ? "learn" : "complain";
	uint32_t action = SECCOMP_RET_USER_NOTIF;
	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action)) {
		log_error("SHIM_SECCOMP_MODE=%s: this kernel has no seccomp user notification "
			  "(Linux 5.5 or later is needed): %s", mode, strerror(errno));
		return EXIT_SECCOMP;
	}
	struct seccomp_notif_sizes sizes;
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes)) {
		log_error("SHIM_SECCOMP_MODE=%s: SECCOMP_GET_NOTIF_SIZES: %s", mode, strerror(errno));
		return EXIT_SECCOMP;
	}
	if (sizes.seccomp_notif > sizeof req || sizes.seccomp_notif_resp > sizeof resp) {
		log_error("SHIM_SECCOMP_MODE=%s: kernel notification structures are larger than expected", mode);
		return EXIT_SECCOMP;
	}
	req_size = sizes.seccomp_notif > sizeof req.n ? sizes.seccomp_notif : sizeof req.n;
	resp_size = sizes.seccomp_notif_resp > sizeof resp.r ? sizes.seccomp_notif_resp : sizeof resp.r;
	native_arch = seccomp_arch_native();
	for (int nr = 0; nr < MAX_NR; nr++)
		names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
	return 0;
}

const char *notify_syscall_name(int nr)
{
	return nr >= 0 && nr < MAX_NR ? names[nr] : NULL;
}

static pid_t tgid_of(pid_t tid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tid;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	(void)close(fd);
	if (n <= 0)
		return tid;
	buf[n] = '\0';
	const char *t = strstr(buf, "\nTgid:");
	return t ? (pid_t)strtol(t + 6, NULL, 10) : tid;
}

static void read_comm(pid_t pid, char *comm, size_t size)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	snprintf(comm, size, "?");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, comm, size - 1);
	(void)close(fd);
	if (n <= 0) {
		snprintf(comm, size, "?");
		return;
	}
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
}

void notify_process(pid_t tid, pid_t *tgid, char *comm, size_t size)
{
	*tgid = tgid_of(tid);
	read_comm(*tgid, comm, size);
}

/* True the first time this process makes this syscall. */
static int first_time(pid_t tgid, int nr)
{
	size_t h = ((size_t)(uint32_t)tgid * 2654435761u + (size_t)(uint32_t)nr) % SEEN_SLOTS;
	for (size_t i = 0; i < SEEN_SLOTS; i++) {
		size_t slot = (h + i) % SEEN_SLOTS;
		if (seen[slot].tgid == 0) {
			seen[slot].tgid = tgid;
			seen[slot].nr = nr;
			return 1;
		}
		if (seen[slot].tgid == tgid && seen[slot].nr == nr)
			return 0;
	}
	return 1; /* table full: better a repeated line than a lost one */
}

void notify_handle(int fd)
{
	memset(req.bytes, 0, req_size);
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req.n)) {
		/* ENOENT: the caller died before we looked. */
		if (errno != ENOENT && errno != EINTR)
			log_warn("seccomp: receiving a notification: %s", strerror(errno));
		return;
	}
	int nr = req.n.data.nr;
	if (learning) {
		learn_seen(&req.n.data, (pid_t)req.n.pid, fd, req.n.id);
		goto answer;
	}
	pid_t tgid = tgid_of((pid_t)req.n.pid);
	if (first_time(tgid, nr)) {
		char comm[32];
		read_comm(tgid, comm, sizeof comm);
		const char *name = req.n.data.arch == native_arch && nr >= 0 && nr < MAX_NR && names[nr]
					   ? names[nr] : "?";
		log_line(LOG_LEVEL_ERROR, "seccomp", "would deny %s(%d) pid=%d comm=%s", name, nr, (int)tgid, comm);
	}
answer:
	memset(resp.bytes, 0, resp_size);
	resp.r.id = req.n.id;
	resp.r.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp.r) && errno != ENOENT)
		log_warn("seccomp: answering a notification: %s", strerror(errno));
}
