#include "notify.h"

#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exitcode.h"
#include "log.h"
#include "lookup.h"

#define SEEN_SLOTS 4096

static uint32_t native_arch;
static const char *profile_name, *profile_kind;

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

int notify_init(const char *mode, const char *profile, const char *kind)
{
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
	profile_name = profile;
	profile_kind = kind;
	lookup_init();
	return 0;
}

const struct seccomp_notif *notify_receive(int fd)
{
	memset(req.bytes, 0, req_size);
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req.n)) {
		/* ENOENT: the caller died before we looked. */
		if (errno != ENOENT && errno != EINTR)
			log_warn("seccomp: receiving a notification: %s", strerror(errno));
		return NULL;
	}
	return &req.n;
}

void notify_continue(int fd, const struct seccomp_notif *n)
{
	memset(resp.bytes, 0, resp_size);
	resp.r.id = n->id;
	resp.r.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp.r) && errno != ENOENT)
		log_warn("seccomp: answering a notification: %s", strerror(errno));
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

static int complain_open(void)
{
	/* Otherwise "no would-deny lines" looks like "not in complain mode". */
	log_warn("seccomp: complain mode: profile %s (%s) is not enforced; each would-be denial is logged",
		 profile_name, profile_kind);
	return 0;
}

static void complain_notified(int fd)
{
	const struct seccomp_notif *n = notify_receive(fd);
	if (!n)
		return;
	int nr = n->data.nr;
	pid_t tgid = lookup_tgid((pid_t)n->pid);
	if (first_time(tgid, nr)) {
		char comm[32];
		lookup_comm(tgid, comm, sizeof comm);
		const char *name = n->data.arch == native_arch ? lookup_syscall_name(nr) : NULL;
		log_line(LOG_LEVEL_ERROR, "seccomp", "would deny %s(%d) pid=%d comm=%s", name ? name : "?", nr,
			 (int)tgid, comm);
	}
	notify_continue(fd, n);
}

const struct recorder notify_complain = { .open = complain_open, .on_notify = complain_notified };
