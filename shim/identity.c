/* The credential change: the drop to the target (root start) or the check
 * of the identity given (non-root start), verified; the capability PID 1
 * lets go of once the child has it. */
#include "identity.h"

#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "exitcode.h"
#include "log.h"

static int fail(const char *what)
{
	log_error("identity: %s: %s", what, strerror(errno));
	return EXIT_IDENTITY;
}

static int mismatch(const char *what)
{
	log_error("identity: verification failed: %s", what);
	return EXIT_IDENTITY;
}

static int cap_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	return (int)syscall(SYS_capget, &hdr, data);
}

#define CAP_BIT(cap) (1ull << (cap))

static uint64_t caps_permitted(const struct __user_cap_data_struct caps[2])
{
	return caps[0].permitted | (uint64_t)caps[1].permitted << 32;
}

/* Effective empty; permitted and inheritable KEEP (the capability kept for
 * the child, which raises it as ambient before exec), else nothing. */
static int cap_set_only(uint64_t keep)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof data);
	for (int i = 0; i < 2; i++)
		data[i].permitted = data[i].inheritable = (uint32_t)(keep >> (32 * i));
	return (int)syscall(SYS_capset, &hdr, data);
}

/* Whether the bounding set holds any capability outside KEEP: reads up to the
 * first one, or up to the kernel's last (PR_CAPBSET_READ fails past it). */
static bool bounding_beyond(uint64_t keep)
{
	for (int cap = 0; cap < 64; cap++) {
		int in_bounding = prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0);
		if (in_bounding < 0)
			return false;
		if (in_bounding && !(keep & CAP_BIT(cap)))
			return true;
	}
	return false;
}

/* Drops every capability but KEEP from the bounding set, up to the kernel's
 * last (EINVAL past it). Only called with CAP_SETPCAP, with which dropping
 * one already gone succeeds: no read first, half the prctl calls of a start. */
static int drop_bounding(uint64_t keep)
{
	for (int cap = 0; cap < 64; cap++) {
		if (keep & CAP_BIT(cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0) == 0)
			continue;
		return errno == EINVAL && cap > 0 ? 0 : -1;
	}
	return 0;
}

static const char *const cap_names[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
	"LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
	"SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
	"MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
	"CHECKPOINT_RESTORE",
};

/* One info line naming the capabilities the runtime granted that the drop
 * takes away: a runtime's --cap-add should not vanish without a word. */
static void log_dropped_caps(uint64_t held, uint64_t keep)
{
	uint64_t dropped = held & ~keep;
	if (!dropped || log_get_level() < LOG_LEVEL_INFO)
		return;
	char list[768];
	size_t used = 0;
	list[0] = '\0';
	for (int cap = 0; cap < 64 && used < sizeof list; cap++) {
		if (!(dropped & CAP_BIT(cap)))
			continue;
		int w = cap < (int)(sizeof cap_names / sizeof *cap_names)
				? snprintf(list + used, sizeof list - used, "%sCAP_%s", used ? ", " : "", cap_names[cap])
				: snprintf(list + used, sizeof list - used, "%scapability %d", used ? ", " : "", cap);
		used += w > 0 ? (size_t)w : 0;
	}
	log_info("identity: capabilities dropped: %s%s", list,
		 dropped & CAP_BIT(CAP_NET_BIND_SERVICE)
			 ? " (SHIM_KEEP_NET_BIND_SERVICE=true keeps CAP_NET_BIND_SERVICE for the child)"
			 : "");
}

/* SHIM_KEEP_NET_BIND_SERVICE: what to keep, or exit 77 when the runtime did
 * not grant it (there is nothing to keep, and a child that binds :80 would
 * fail later and less clearly). */
static int kept_caps(const struct identity *id, uint64_t held, uint64_t *keep)
{
	*keep = 0;
	if (!id->keep_net_bind_service)
		return 0;
	if (!(held & CAP_BIT(CAP_NET_BIND_SERVICE))) {
		log_error("identity: SHIM_KEEP_NET_BIND_SERVICE=true, but the runtime did not grant "
			  "CAP_NET_BIND_SERVICE: add it (docker run --cap-add NET_BIND_SERVICE; Kubernetes "
			  "capabilities.add on a root start) or unset SHIM_KEEP_NET_BIND_SERVICE");
		return EXIT_IDENTITY;
	}
	*keep = CAP_BIT(CAP_NET_BIND_SERVICE);
	return 0;
}

static int clear_ambient(void)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) && errno != EINVAL)
		return -1;
	return 0;
}

/* Supplementary groups a root start handles; more is refused (exit 77). */
#define MAX_GROUPS 256

static bool has_gid(const gid_t *list, int n, gid_t gid)
{
	for (int i = 0; i < n; i++)
		if (list[i] == gid)
			return true;
	return false;
}

/* "2000, 3000" (or "none") into buf, cut with "..." when it does not fit. */
static void format_gids(char *buf, size_t size, const gid_t *list, int n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		int w = snprintf(buf + used, size - used, "%s%u", i ? ", " : "", (unsigned)list[i]);
		if (w < 0 || (size_t)w >= size - used) {
			snprintf(buf + (size > 4 ? size - 4 : 0), size > 4 ? 4 : size, "...");
			return;
		}
		used += (size_t)w;
	}
	if (n == 0)
		snprintf(buf, size, "none");
}

/* The supplementary groups are exactly WANT (in any order); 0 only for a gid 0 target. */
static int verify_groups(const struct identity *id, const gid_t *want, int nwant)
{
	gid_t now[MAX_GROUPS];
	int n = getgroups(MAX_GROUPS, now);
	if (n < 0)
		return fail("getgroups");
	if (n != nwant)
		return mismatch("the supplementary groups are not the ones kept");
	for (int i = 0; i < n; i++)
		if (!has_gid(want, nwant, now[i]) || !has_gid(now, n, want[i]))
			return mismatch("the supplementary groups are not the ones kept");
	if (id->gid != 0 && has_gid(now, n, 0))
		return mismatch("supplementary group 0 remains");
	return 0;
}

/* GROUPS (NULL: not checked, a non-root start keeps the runtime's) are the
 * supplementary groups the drop kept; KEEP the capabilities kept for the child. */
static int verify(const struct identity *id, bool require_empty_bounding, const gid_t *groups, int ngroups,
		  uint64_t keep)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (getresuid(&ru, &eu, &su) || getresgid(&rg, &eg, &sg))
		return fail("getresuid/getresgid");
	if (ru != id->uid || eu != id->uid || su != id->uid)
		return mismatch("uids are not all the target");
	if (rg != id->gid || eg != id->gid || sg != id->gid)
		return mismatch("gids are not all the target");

	struct __user_cap_data_struct caps[2];
	if (cap_get(caps))
		return fail("capget");
	for (int i = 0; i < 2; i++)
		if (caps[i].effective || caps[i].permitted != (uint32_t)(keep >> (32 * i)) ||
		    caps[i].inheritable != (uint32_t)(keep >> (32 * i)))
			return mismatch("effective, permitted or inheritable capabilities remain");
	/* Ambient is the child's to raise: none in PID 1. Without KEEP the kernel
	 * keeps it within permitted and inheritable, both just seen empty. */
	if (keep && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_BIND_SERVICE, 0, 0) != 0)
		return mismatch("an ambient capability is set in PID 1");
	if (bounding_beyond(keep)) {
		if (require_empty_bounding)
			return mismatch("the capability bounding set is not empty");
		log_info("identity: capability bounding set not empty and cannot be changed (no CAP_SETPCAP); "
			 "no_new_privs and empty capability sets keep it unused");
	}
	int rc;
	if (groups && (rc = verify_groups(id, groups, ngroups)))
		return rc;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return mismatch("no_new_privs is not set");
	/* Being able to take another id would mean the drop did not happen. An
	 * id we hold is no test (setgid(0) succeeds for OpenShift's gid 0), so
	 * try one we do not: only CAP_SETUID/CAP_SETGID allow that. */
	if (setuid(id->uid == 0 ? 1 : 0) == 0)
		return mismatch("setuid to another uid succeeded");
	if (setgid(id->gid == 0 ? 1 : 0) == 0)
		return mismatch("setgid to another gid succeeded");
	return 0;
}

static bool has_cap(const struct __user_cap_data_struct caps[2], int cap)
{
	return caps[cap / 32].effective & (1u << (cap % 32));
}

/* A root start that lacks what the change needs: one line naming what is
 * missing and both ways out. */
static int missing_caps(const struct identity *id, bool setuid_missing, bool setgid_missing,
			bool setpcap_missing)
{
	char missing[64];
	snprintf(missing, sizeof missing, "%s%s%s%s%s", setuid_missing ? "CAP_SETUID" : "",
		 setuid_missing && (setgid_missing || setpcap_missing) ? ", " : "",
		 setgid_missing ? "CAP_SETGID" : "", setgid_missing && setpcap_missing ? ", " : "",
		 setpcap_missing ? "CAP_SETPCAP" : "");
	if (id->uid == 0)
		log_error("identity: started as root without %s, which running as 0:%u needs: grant it (docker run "
			  "--cap-add; Kubernetes capabilities.add) or drop every capability at the runtime "
			  "(docker run --cap-drop ALL; Kubernetes capabilities.drop: [ALL])",
			  missing, (unsigned)id->gid);
	else
		log_error("identity: started as root without %s, which running as %u:%u needs: grant CAP_SETUID, "
			  "CAP_SETGID and CAP_SETPCAP (docker run --cap-add; Kubernetes capabilities.add) or start "
			  "as non-root (docker run --user %u:%u; Kubernetes runAsUser)",
			  missing, (unsigned)id->uid, (unsigned)id->gid, (unsigned)id->uid, (unsigned)id->gid);
	return EXIT_IDENTITY;
}

/* Root start. Only what still needs changing is changed, so a start whose
 * capabilities are already gone (SHIM_USER=0 under --cap-drop ALL) works,
 * and a start that lacks what a change needs is refused up front. */
static int apply_as_root(struct identity *id)
{
	int pdeath = 0;
	if (id->uid == 0)
		log_warn("SHIM_USER: the child will run as root (uid 0), without capabilities");

	struct __user_cap_data_struct caps[2];
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (cap_get(caps))
		return fail("capget");
	if (getresuid(&ru, &eu, &su) || getresgid(&rg, &eg, &sg))
		return fail("getresuid/getresgid");
	/* The runtime's supplementary groups stay (Kubernetes' fsGroup and
	 * supplementalGroups, a volume's group) but for 0, root's group, which
	 * runtimes give a root start (Docker, Podman, containerd). */
	gid_t start[MAX_GROUPS], kept[MAX_GROUPS];
	int nstart = getgroups(0, NULL), nkept = 0;
	if (nstart > MAX_GROUPS) {
		log_error("identity: started with %d supplementary groups, more than the %d the shim keeps on a root "
			  "start: give the pod fewer (supplementalGroups) or start as non-root (runAsUser)",
			  nstart, MAX_GROUPS);
		return EXIT_IDENTITY;
	}
	if (nstart < 0 || (nstart = getgroups(nstart, start)) < 0)
		return fail("getgroups");
	for (int i = 0; i < nstart; i++)
		if (start[i] != 0)
			kept[nkept++] = start[i];
	uint64_t held = caps_permitted(caps), keep;
	int rc = kept_caps(id, held, &keep);
	if (rc)
		return rc;
	bool uids_change = ru != id->uid || eu != id->uid || su != id->uid;
	bool gids_change = rg != id->gid || eg != id->gid || sg != id->gid;
	bool bounding = bounding_beyond(keep);
	bool setpcap = has_cap(caps, CAP_SETPCAP);
	/* Without CAP_SETPCAP the bounding set stays. For a non-root target that
	 * is inert: with no_new_privs, exec grants nothing beyond the (empty)
	 * permitted set, and no setuid or file capability applies. A uid 0
	 * target is refused instead, as root's exec is what the set bounds. */
	bool setuid_missing = uids_change && !has_cap(caps, CAP_SETUID);
	bool setgid = has_cap(caps, CAP_SETGID);
	/* Group 0 stays for a gid 0 target when we may not drop it: it grants
	 * nothing the gid does not. */
	bool keep_zero = nkept != nstart && id->gid == 0 && !setgid;
	bool groups_change = nkept != nstart && !keep_zero;
	bool setgid_missing = (gids_change || groups_change) && !setgid;
	bool setpcap_missing = bounding && !setpcap && (id->uid == 0 || setuid_missing || setgid_missing);
	if (setuid_missing || setgid_missing || setpcap_missing)
		return missing_caps(id, setuid_missing, setgid_missing, setpcap_missing);

	if (prctl(PR_GET_PDEATHSIG, &pdeath, 0, 0, 0))
		return fail("PR_GET_PDEATHSIG");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return fail("PR_SET_NO_NEW_PRIVS");
	if (bounding && setpcap && drop_bounding(keep))
		return fail("dropping the capability bounding set");
	if (clear_ambient())
		return fail("clearing ambient capabilities");
	log_dropped_caps(held, keep);
	if (nstart > 0) {
		char kept_text[256];
		format_gids(kept_text, sizeof kept_text, keep_zero ? start : kept, keep_zero ? nstart : nkept);
		log_info("identity: supplementary groups kept: %s; dropped: %s", kept_text,
			 groups_change ? "0 (root's group)"
				       : keep_zero ? "none (0 is the target gid; dropping it needs CAP_SETGID)" : "none");
	}
	if (groups_change && setgroups((size_t)nkept, kept))
		return fail("setgroups");
	if (gids_change && setresgid(id->gid, id->gid, id->gid))
		return fail("setresgid");
	/* A kept capability survives the uid change only with keep-caps set
	 * (permitted stays; effective is cleared); exec clears the flag. */
	if (keep && uids_change && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return fail("PR_SET_KEEPCAPS");
	if (uids_change && setresuid(id->uid, id->uid, id->uid))
		return fail("setresuid");
	if (keep && uids_change && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		return fail("PR_SET_KEEPCAPS");
	/* setresuid to non-zero already cleared these (but for KEEP); a uid 0
	 * target needs it. */
	if (cap_set_only(keep))
		return fail("capset");
	/* A credential change clears the parent-death signal. */
	if (pdeath && prctl(PR_SET_PDEATHSIG, (unsigned long)pdeath, 0, 0, 0))
		return fail("PR_SET_PDEATHSIG");
	return keep_zero ? verify(id, setpcap || !bounding, start, nstart, keep)
			 : verify(id, setpcap || !bounding, kept, nkept, keep);
}

static int apply_unprivileged(struct identity *id)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return fail("PR_SET_NO_NEW_PRIVS");
	struct __user_cap_data_struct caps[2];
	if (cap_get(caps))
		return fail("capget");
	/* Podman gives a non-root --user its --cap-add as ambient (so permitted). */
	uint64_t held = caps_permitted(caps), keep;
	int rc = kept_caps(id, held, &keep);
	if (rc)
		return rc;
	/* Dropping the bounding set needs CAP_SETPCAP, so do it while we may. */
	if (has_cap(caps, CAP_SETPCAP) && drop_bounding(keep))
		return fail("dropping the capability bounding set");
	if (clear_ambient())
		return fail("clearing ambient capabilities");
	log_dropped_caps(held, keep);
	if (cap_set_only(keep))
		return fail("capset");

	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (getresuid(&ru, &eu, &su) || getresgid(&rg, &eg, &sg))
		return fail("getresuid/getresgid");
	bool same = ru == id->uid && eu == id->uid && su == id->uid && rg == id->gid &&
		    eg == id->gid && sg == id->gid;
	if (!same) {
		if (id->explicit_user) {
			log_error("identity: started as uid %u gid %u without privilege; "
				  "SHIM_USER asks for %u:%u, which needs a root start",
				  (unsigned)eu, (unsigned)eg, (unsigned)id->uid, (unsigned)id->gid);
			return EXIT_IDENTITY;
		}
		log_info("started as uid %u gid %u without privilege; running as that user "
			 "(set SHIM_USER to require one)", (unsigned)eu, (unsigned)eg);
		if (ru != eu || ru != su || rg != eg || rg != sg)
			return mismatch("real, effective and saved ids differ");
		id->uid = eu;
		id->gid = eg;
		identity_home_of(eu, id->home, sizeof id->home);
	}
	int ngroups = getgroups(0, NULL);
	/* The runtime chose them (Kubernetes adds fsGroup and supplementalGroups). */
	if (ngroups > 0)
		log_info("identity: %d supplementary group(s) kept: dropping them needs a root start", ngroups);
	return verify(id, false, NULL, 0, keep);
}

int identity_release(const struct identity *id)
{
	if (!id->keep_net_bind_service)
		return 0;
	struct __user_cap_data_struct caps[2];
	if (cap_set_only(0) || cap_get(caps))
		return fail("releasing CAP_NET_BIND_SERVICE");
	if (caps[0].permitted || caps[1].permitted || caps[0].inheritable || caps[1].inheritable)
		return mismatch("PID 1 still holds CAP_NET_BIND_SERVICE");
	return 0;
}

int identity_apply(struct identity *id)
{
	int rc = geteuid() == 0 ? apply_as_root(id) : apply_unprivileged(id);
	if (rc)
		return rc;
	/* PID 1 holds the seccomp listener and sees every child: keep same-uid
	 * processes from ptracing it or reading its memory. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		return fail("PR_SET_DUMPABLE");
	log_debug("identity: uid %u gid %u home %s", (unsigned)id->uid, (unsigned)id->gid, id->home);
	return 0;
}
