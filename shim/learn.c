#include "learn.h"
#include "learn_state.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "emulate.h"
#include "exitcode.h"
#include "io.h"
#include "learn_data.h" /* generated from seccomp/learn-hot.txt */
#include "log.h"
#include "lookup.h"
#include "notify.h"
#include "print.h"
#include "profile.h"
#include "ruleset.h"
#include "sha256.h"

struct learn_state L;
static struct sock_filter variant_prog[BPF_MAXINSNS];





static int cmp_name(const void *a, const void *b)
{
	return strcmp(L.names[*(const unsigned short *)a], L.names[*(const unsigned short *)b]);
}

static bool known_name(const char *name)
{
	return seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

/* Appends ENTRY to *LIST after a separator; -1 when out of memory. */
static int append(char **list, const char *sep, const char *entry)
{
	size_t old = *list ? strlen(*list) : 0, sep_len = old ? strlen(sep) : 0, n = strlen(entry);
	char *grown = realloc(*list, old + sep_len + n + 1);
	if (!grown)
		return -1;
	memcpy(grown + old, sep, sep_len);
	memcpy(grown + old + sep_len, entry, n + 1);
	*list = grown;
	return 0;
}

/* The output's pieces, from the base's rule set, each entry printed by the
 * printer (print.c): which calls the base allows for any arguments, its
 * argument-checked allow rules per call, and its other rules. */
static int plan_rules(const struct ruleset *rs)
{
	int rc = 0;
	for (unsigned i = 0, end; !rc && i < rs->nrules; i = end) {
		for (end = i + 1; end < rs->nrules && rs->rules[end].group == rs->rules[i].group; end++)
			;
		unsigned kept;
		if (rs->rules[i].action != SCMP_ACT_ALLOW) {
			/* Kept verbatim, less the names this libseccomp does not know
			 * (numbers above the profile's highest get ENOSYS anyway), so
			 * the output loads without warnings. */
			char *entry = print_entry(rs, i, end, known_name, &kept);
			rc = !entry || (kept && append(&L.deny, ",", entry));
			free(entry);
			continue;
		}
		for (unsigned j = i; !rc && j < end; j++) {
			int nr = seccomp_syscall_resolve_name(rs->rules[j].name);
			if (nr < 0 || nr >= MAX_NR)
				continue; /* not on this architecture: it cannot be observed */
			if (L.nallow[nr] == UINT8_MAX) {
				L.any_args[nr] = true; /* a base beyond reason: its rules as they are */
			} else {
				struct rule *grown = realloc(L.allow[nr], (L.nallow[nr] + 1u) * sizeof *grown);
				if (!grown) {
					rc = 1;
					break;
				}
				grown[L.nallow[nr]++] = rs->rules[j];
				L.allow[nr] = grown;
			}
			if (!rs->rules[j].nargs) {
				L.uncond[nr] = true;
				continue;
			}
			char *entry = print_entry(rs, j, j + 1, NULL, &kept);
			rc = !entry || append(&L.cond[nr], ",\n    ", entry);
			free(entry);
		}
	}
	if (!rc && !L.deny && !(L.deny = calloc(1, 1)))
		rc = 1;
	if (rc) {
		log_error("SHIM_SECCOMP_MODE=learn: out of memory");
		return EXIT_SYSTEM;
	}
	return 0;
}

/* FILE is absolute (config_load refuses a relative one). */
static int split_path(const char *file)
{
	const char *slash = strrchr(file, '/');
	if (!slash) {
		log_error("SHIM_LEARN_FILE=\"%s\": expected an absolute path", file);
		return EXIT_CONFIG;
	}
	const char *name = slash + 1;
	size_t dir_len = (size_t)(slash - file);
	if (!*name || !strcmp(name, ".") || !strcmp(name, "..")) {
		log_error("SHIM_LEARN_FILE=\"%s\": expected a file name, not a directory", file);
		return EXIT_CONFIG;
	}
	if (strlen(name) >= 200 || dir_len >= sizeof L.dir) {
		log_error("SHIM_LEARN_FILE=\"%s\": path too long", file);
		return EXIT_CONFIG;
	}
	snprintf(L.dir, sizeof L.dir, "%.*s", (int)(dir_len ? dir_len : 1), dir_len ? file : "/");
	snprintf(L.name, sizeof L.name, "%s", name);
	snprintf(L.tmp, sizeof L.tmp, ".%s.tmp", name);
	snprintf(L.review, sizeof L.review, "%s.review.json", name);
	snprintf(L.review_tmp, sizeof L.review_tmp, ".%s.review.json.tmp", name);
	return 0;
}

/* Whether the base allows NR for any argument values we try; then NR is
 * assumed: allowed unreported by the learn variant, and written as such. */
static bool assume(int nr)
{
	if (nr < 0 || nr >= MAX_NR || test_bit(L.in, nr))
		return false;
	if (!allows(base_action(nr, 0)) || !allows(base_action(nr, UINT64_MAX)) ||
	    !allows(base_action(nr, 0x7fffffff)))
		return false;
	set_bit(L.in, nr);
	L.status[nr] = ASSUMED;
	L.counts[ASSUMED]++;
	return true;
}

int learn_init(const char *file, bool learn_args, const char *base_name, const char *base_kind,
	       const struct sock_fprog *enforce, const struct ruleset *base, struct sock_fprog *variant)
{
	int rc = split_path(file);
	if (rc)
		return rc;
	L.file = file;
	L.learn_args = learn_args;
	L.base_name = base_name;
	L.base_kind = base_kind;
	/* The base's effective profile with its newline, as --print-profile
	 * prints it: `shim --print-profile | sha256sum` gives the review file's
	 * baseSha256. */
	char *printed = print_ruleset(base);
	size_t printed_len = printed ? strlen(printed) : 0;
	char *line = printed ? realloc(printed, printed_len + 1) : NULL;
	if (!line) {
		free(printed);
		log_error("SHIM_SECCOMP_MODE=learn: out of memory");
		return EXIT_SYSTEM;
	}
	line[printed_len] = '\n';
	sha256_hex(line, printed_len + 1, L.base_sha);
	free(line);
	L.enforce_len = enforce->len;
	L.enforce = malloc(enforce->len * sizeof *enforce->filter);
	if (!L.enforce) {
		log_error("SHIM_SECCOMP_MODE=learn: out of memory");
		return EXIT_SYSTEM;
	}
	memcpy(L.enforce, enforce->filter, enforce->len * sizeof *enforce->filter);
	lookup_init();
	for (int nr = 0; nr < MAX_NR; nr++) {
		L.names[nr] = lookup_syscall_name(nr);
		if (L.names[nr]) {
			L.order[L.order_len++] = (unsigned short)nr;
			L.spec[nr] = learn_arg_spec(L.names[nr]);
		}
	}
	qsort(L.order, L.order_len, sizeof *L.order, cmp_name);
	if ((rc = plan_rules(base)))
		return rc;

	/* The assumed set: learn-hot.txt's calls the base allows. The child's
	 * bootstrap calls are allowed unreported by the variant in any case
	 * (ruleset_learn), and written as assumed where the base allows them. */
	const char *keep[sizeof learn_assumed / sizeof *learn_assumed];
	size_t nkeep = 0;
	for (size_t i = 0; i < sizeof learn_assumed / sizeof *learn_assumed; i++)
		if (assume(seccomp_syscall_resolve_name(learn_assumed[i])))
			keep[nkeep++] = learn_assumed[i];
	for (const char *const *b = ruleset_bootstrap; *b; b++)
		(void)assume(seccomp_syscall_resolve_name(*b));

	/* The variant is a transformation of the base's rule set, emitted and
	 * verified like any other program. */
	struct ruleset learn_rs;
	if (ruleset_learn(base, keep, nkeep, &learn_rs)) {
		log_error("SHIM_SECCOMP_MODE=learn: out of memory");
		return EXIT_SYSTEM;
	}
	struct sock_filter *prog;
	unsigned short len;
	rc = profile_emit(&learn_rs, base_name, false, &prog, &len, NULL);
	ruleset_free(&learn_rs);
	if (rc)
		return EXIT_SECCOMP;
	memcpy(variant_prog, prog, len * sizeof *prog);
	free(prog);
	variant->filter = variant_prog;
	variant->len = len;
	return 0;
}


int learn_open(void)
{
	L.dirfd = open(L.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (L.dirfd < 0) {
		log_error("SHIM_LEARN_FILE=\"%s\": directory %s: %s (mount a writable volume, such as an "
			  "emptyDir, there)", L.file, L.dir, strerror(errno));
		return EXIT_CONFIG;
	}
	struct stat st;
	if (fstatat(L.dirfd, L.name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISREG(st.st_mode)) {
			log_error("SHIM_LEARN_FILE=\"%s\": exists and is not a regular file", L.file);
			return EXIT_CONFIG;
		}
		int rc = learn_merge_existing();
		if (rc)
			return rc;
		L.existed = true;
	}
	if (learn_write_files(NULL)) {
		log_error("SHIM_LEARN_FILE=\"%s\": cannot write in %s: %s (mount a writable volume, such as an "
			  "emptyDir, there)", L.file, L.dir, strerror(errno));
		return EXIT_CONFIG;
	}
	/* As complain mode does: a quiet log must not pass for enforcement. */
	if (L.existed)
		log_warn("seccomp: learn mode: base profile %s (%s) is not enforced (calls outside it are logged and "
			 "let through); writing %s (merging the existing file: %u observed, %u outside the base)",
			 L.base_name, L.base_kind, L.file, L.merged, L.counts[OUTSIDE]);
	else
		log_warn("seccomp: learn mode: base profile %s (%s) is not enforced (calls outside it are logged and "
			 "let through); writing %s (new)", L.base_name, L.base_kind, L.file);
	return 0;
}

/* The argument rule DATA makes of its call NR: which of the base's allow
 * rules allowed it, narrowed to the values learn_args.c records. False when
 * none can say (the call is then written with the base's rules). */
static bool arg_rule_of(int nr, const struct seccomp_data *data, struct arg_rule *out)
{
	uint64_t args[6];
	for (int i = 0; i < 6; i++)
		args[i] = data->args[i];
	memset(out, 0, sizeof *out);
	out->nr = (unsigned short)nr;
	for (unsigned k = 0; k < L.nallow[nr]; k++) {
		if (!rule_holds(&L.allow[nr][k], args))
			continue;
		struct rule narrowed_rule;
		if (L.spec[nr])
			learn_arg_values(L.spec[nr], args, out->value);
		out->base = (unsigned char)k;
		return learn_arg_narrow(&L.allow[nr][k], L.spec[nr], out->value, &narrowed_rule);
	}
	return false;
}

/* Records a call the first time it is seen, or the first time with these
 * arguments where they are learned (process lookup, rewrite), else returns
 * at once. */
static void record(const struct seccomp_data *data, pid_t tid, int listener, __u64 id)
{
	int nr = data->nr;
	if (data->arch != NATIVE_AUDIT_ARCH || nr < 0 || nr >= MAX_NR)
		return; /* the filter kills other ABIs before any notification */
	uint32_t action = emulate_verdict(L.enforce, L.enforce_len, data) & SECCOMP_RET_ACTION_FULL;
	bool inside = allows(action);
	/* Tracked apart, so a call the base allows with some arguments and
	 * denies with others (clone with namespace flags) is reported both ways. */
	uint64_t *set = inside ? L.in : L.out;
	struct arg_rule ar;
	unsigned at = 0;
	bool new_call = !test_bit(set, nr), new_rule = false;
	if (inside && narrows(nr) && !L.any_args[nr]) {
		int added = arg_rule_of(nr, data, &ar)
				    ? arg_rules_add(L.arg_rules, &L.narg_rules, LEARN_MAX_ARG_RULES, &ar, &at)
				    : -1;
		if (added < 0) {
			/* Never narrower than what ran: the base's rules for it, all. */
			L.any_args[nr] = true;
			if (L.narg_rules == LEARN_MAX_ARG_RULES && !L.arg_rules_full) {
				L.arg_rules_full = true;
				log_warn("learn: more than %d argument rules: %s, and each call seen with new argument "
					 "values from now on, keeps the base's rules for it", LEARN_MAX_ARG_RULES, L.names[nr]);
			}
		}
		new_rule = added != 0;
	}
	if (!new_call && !new_rule)
		return;
	char comm[16];
	pid_t tgid = lookup_tgid(tid);
	lookup_comm(tgid, comm, sizeof comm);
	/* The process may have died and its pid been reused while we read /proc. */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id))
		snprintf(comm, sizeof comm, "?");
	const char *name = L.names[nr] ? L.names[nr] : "?";
	if (new_rule && !L.any_args[nr]) {
		L.arg_rules[at].pid = tgid;
		memcpy(L.arg_rules[at].comm, comm, sizeof comm);
		log_debug("learn: %s(%d) arguments 0x%llx 0x%llx pid=%d comm=%s", name, nr,
			  (unsigned long long)data->args[0], (unsigned long long)data->args[1], (int)tgid, comm);
	}
	if (new_call) {
		set_bit(set, nr);
		L.counts[inside ? OBSERVED : OUTSIDE]++;
		memcpy(inside ? L.comm[nr] : L.out_comm[nr], comm, sizeof comm);
		if (inside) {
			L.status[nr] = OBSERVED;
			L.pid[nr] = tgid;
			log_debug("learn: %s(%d) pid=%d comm=%s", name, nr, (int)tgid, comm);
		} else {
			L.out_pid[nr] = tgid;
			log_line(LOG_LEVEL_ERROR, "seccomp", "learn: outside the base profile: %s(%d) pid=%d comm=%s "
				 "(let through, not added to the profile)", name, nr, (int)tgid, comm);
		}
	}
	if (learn_write_files(NULL) && !L.write_failed) {
		L.write_failed = true;
		log_error("learn: writing %s: %s (the file keeps the last complete profile)", L.file,
			  strerror(errno));
	}
}

static void learn_notified(int fd)
{
	const struct seccomp_notif *n = notify_receive(fd);
	if (!n)
		return;
	record(&n->data, (pid_t)n->pid, fd, n->id);
	notify_continue(fd, n);
}

/* The argument rules the profile holds (a call that fell back to the
 * base's rules holds none). */
static unsigned learn_arg_rules_written(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < L.narg_rules; i++)
		n += narrowed(L.arg_rules[i].nr);
	return n;
}

static void learn_finish(void)
{
	/* The workload runs as a user that can write the directory, so until now
	 * the files were only as good as the workload. Every process is reaped:
	 * written now, from PID 1's own record, they are PID 1's, and the hash
	 * lets whoever copies the profile check that they got those bytes. */
	char sha[65];
	unsigned allowed = L.counts[ASSUMED] + L.counts[OBSERVED];
	if (learn_write_files(sha)) {
		log_line(LOG_LEVEL_ERROR, "learn", "FAILED to write %s at exit: %s; what is there may be the "
			 "workload's, not PID 1's: do not use it (%u calls allowed, %u assumed, %u observed; %u "
			 "outside the base)", L.file, strerror(errno), allowed, L.counts[ASSUMED],
			 L.counts[OBSERVED], L.counts[OUTSIDE]);
		return;
	}
	log_line(LOG_LEVEL_ERROR, "learn", "wrote %s (sha256 %s): %u calls allowed (%u assumed, %u observed), %u "
		 "argument rules; %u outside the base, not allowed (review: %s.review.json)", L.file, sha, allowed,
		 L.counts[ASSUMED], L.counts[OBSERVED], learn_arg_rules_written(), L.counts[OUTSIDE], L.file);
}

const struct recorder learn_recorder = { .open = learn_open, .on_notify = learn_notified, .finish = learn_finish };
