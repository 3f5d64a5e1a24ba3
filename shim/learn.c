#include "learn.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <seccomp.h>
#include <stdarg.h>
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

#define WORDS (MAX_NR / 64)
/* The largest profile or review file PID 1 writes; both are built in place. */
#define OUT_BYTES (256u * 1024u)

enum status { NONE, ASSUMED, OBSERVED, OUTSIDE };
static const char *const status_names[] = { "", "assumed", "observed", "outside-base" };

static struct {
	const char *file;      /* SHIM_LEARN_FILE as given */
	const char *base_name; /* SHIM_SECCOMP as given */
	const char *base_kind; /* "embedded", "json", for the start line */
	char dir[4096], name[256], tmp[300], review[300], review_tmp[320];
	int dirfd;                /* valid once opened */
	struct sock_filter *enforce;
	unsigned enforce_len;
	const char *names[MAX_NR];
	bool uncond[MAX_NR];      /* the base allows it for any arguments */
	char *cond[MAX_NR];       /* else: the base's allow rules for it, as JSON objects */
	char *deny;               /* the base's other rules, verbatim, comma-separated */
	unsigned short order[MAX_NR]; /* numbers sorted by name, for stable output */
	unsigned order_len;
	/* The learned set: in[] assumed or observed inside the base, out[] made
	 * although the base denies it (with these arguments). */
	uint64_t in[WORDS], out[WORDS];
	unsigned char status[MAX_NR]; /* of in[]: ASSUMED or OBSERVED */
	pid_t pid[MAX_NR], out_pid[MAX_NR];
	char comm[MAX_NR][16], out_comm[MAX_NR][16];
	unsigned counts[4];
	bool write_failed;
	char base_sha[65];        /* of the base's effective JSON: what "the same base" means */
	bool existed;             /* SHIM_LEARN_FILE was there: merged */
	unsigned merged;          /* observed calls taken from an existing file */
} L; /* zero-initialised: .bss, not 64 KiB of the binary */

static struct sock_filter variant_prog[BPF_MAXINSNS];
static char text[OUT_BYTES];
static size_t text_len;
static bool text_overflow;

static bool test_bit(const uint64_t *set, int nr)
{
	return set[nr / 64] >> (nr % 64) & 1;
}

static void set_bit(uint64_t *set, int nr)
{
	set[nr / 64] |= (uint64_t)1 << (nr % 64);
}

static void put(const char *s)
{
	size_t n = strlen(s);
	if (text_len + n >= sizeof text) {
		text_overflow = true;
		return;
	}
	memcpy(text + text_len, s, n);
	text_len += n;
}

static void putf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void putf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text + text_len, sizeof text - text_len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof text - text_len) {
		text_overflow = true;
		text[text_len] = '\0';
		return;
	}
	text_len += (size_t)n;
}

/* A JSON string of S (comm names are chosen by the workload). */
static void put_string(const char *s)
{
	put("\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			putf("\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			putf("\\u%04x", *p);
		else
			putf("%c", *p);
	}
	put("\"");
}

/* What the base decides for NR with all arguments VALUE. */
static uint32_t base_action(int nr, uint64_t value)
{
	struct seccomp_data d = { .nr = nr, .arch = NATIVE_AUDIT_ARCH };
	for (int i = 0; i < 6; i++)
		d.args[i] = value;
	return emulate_verdict(L.enforce, L.enforce_len, &d) & SECCOMP_RET_ACTION_FULL;
}

static bool allows(uint32_t action)
{
	return action == SECCOMP_RET_ALLOW || action == SECCOMP_RET_LOG;
}

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

int learn_init(const char *file, const char *base_name, const char *base_kind, const struct sock_fprog *enforce,
	       const struct ruleset *base, struct sock_fprog *variant)
{
	int rc = split_path(file);
	if (rc)
		return rc;
	L.file = file;
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
		if (L.names[nr])
			L.order[L.order_len++] = (unsigned short)nr;
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

static void render_profile(void)
{
	text_len = 0;
	text_overflow = false;
	put("{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"defaultErrnoRet\": 38,\n"
	    "  \"architectures\": [\"" NATIVE_ARCH_NAME "\"],\n  \"syscalls\": [\n"
	    "    {\"names\": [");
	bool first = true;
	for (unsigned i = 0; i < L.order_len; i++) {
		int nr = L.order[i];
		if ((L.status[nr] == ASSUMED || L.status[nr] == OBSERVED) && (L.uncond[nr] || !L.cond[nr])) {
			putf("%s\"%s\"", first ? "" : ", ", L.names[nr]);
			first = false;
		}
	}
	put("], \"action\": \"SCMP_ACT_ALLOW\"}");
	for (unsigned i = 0; i < L.order_len; i++) {
		int nr = L.order[i];
		if ((L.status[nr] == ASSUMED || L.status[nr] == OBSERVED) && !L.uncond[nr] && L.cond[nr]) {
			put(",\n    ");
			put(L.cond[nr]);
		}
	}
	if (*L.deny) {
		put(",\n    ");
		put(L.deny);
	}
	put("\n  ]\n}\n");
}

static void render_review(void)
{
	text_len = 0;
	text_overflow = false;
	/* Both as set (SHIM_LEARN_FILE, SHIM_SECCOMP). */
	put("{\n  \"profile\": ");
	put_string(L.file);
	put(",\n  \"base\": ");
	put_string(L.base_name);
	putf(",\n  \"baseSha256\": \"%s\"", L.base_sha);
	putf(",\n  \"assumed\": %u,\n  \"observed\": %u,\n  \"outsideBase\": %u,\n  \"syscalls\": [",
	     L.counts[ASSUMED], L.counts[OBSERVED], L.counts[OUTSIDE]);
	bool first = true;
	for (unsigned i = 0; i < L.order_len; i++) {
		int nr = L.order[i];
		if (L.status[nr] != NONE) {
			putf("%s\n    {\"name\": \"%s\", \"nr\": %d, \"status\": \"%s\"", first ? "" : ",",
			     L.names[nr], nr, status_names[L.status[nr]]);
			if (L.status[nr] == OBSERVED) {
				putf(", \"pid\": %d, \"comm\": ", (int)L.pid[nr]);
				put_string(L.comm[nr]);
			}
			put("}");
			first = false;
		}
		if (test_bit(L.out, nr)) {
			putf("%s\n    {\"name\": \"%s\", \"nr\": %d, \"status\": \"%s\", \"pid\": %d, \"comm\": ",
			     first ? "" : ",", L.names[nr], nr, status_names[OUTSIDE], (int)L.out_pid[nr]);
			put_string(L.out_comm[nr]);
			put("}");
			first = false;
		}
	}
	put("\n  ]\n}\n");
}

/* Writes text[] to NAME through a fresh temporary file and a rename, so a
 * reader (or a pod killed now) sees the old file or the new one, never half.
 * The data reaches the disk before the rename and the rename before we
 * return: without the fsyncs a crash of the node could leave the new name
 * on an empty or partial file. */
static int replace(const char *tmp, const char *name)
{
	if (text_overflow) {
		errno = EFBIG;
		return -1;
	}
	int fd = openat(L.dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && errno == EEXIST) {
		/* Left by a PID 1 killed mid-write. */
		if (unlinkat(L.dirfd, tmp, 0) && errno != ENOENT)
			return -1;
		fd = openat(L.dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	}
	if (fd < 0)
		return -1;
	if (write_all(fd, text, text_len) || fsync(fd)) {
		int err = errno;
		(void)close(fd);
		(void)unlinkat(L.dirfd, tmp, 0);
		errno = err;
		return -1;
	}
	if (close(fd) || renameat(L.dirfd, tmp, L.dirfd, name)) {
		int err = errno;
		(void)unlinkat(L.dirfd, tmp, 0);
		errno = err;
		return -1;
	}
	return fsync(L.dirfd);
}

/* SHA, when not NULL, gets the sha256 of the profile's bytes as written. */
static int write_files(char sha[65])
{
	render_profile();
	if (replace(L.tmp, L.name))
		return -1;
	if (sha)
		sha256_hex(text, text_len, sha);
	render_review();
	return replace(L.review_tmp, L.review);
}

/* Whether the base allows NR for some arguments: only then may an existing
 * file's entry for it be allowed by the output. */
static bool inside_base(int nr)
{
	return L.uncond[nr] || L.cond[nr] || allows(base_action(nr, 0)) || allows(base_action(nr, UINT64_MAX)) ||
	       allows(base_action(nr, 0x7fffffff));
}

/* S, from a file the workload could have written, for a one-line message. */
static const char *printable(const char *s, char *buf, size_t size)
{
	size_t n = 0;
	for (; *s && n + 1 < size; s++)
		buf[n++] = *s >= 0x20 && *s < 0x7f ? *s : '?';
	buf[n] = '\0';
	return buf;
}

static int bad_review(const char *what)
{
	log_error("SHIM_LEARN_FILE=\"%s\": its review file %s.review.json %s, so it cannot be merged (delete %s to "
		  "start afresh)", L.file, L.file, what, L.file);
	return EXIT_CONFIG;
}

static const char *get_string(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v) : NULL;
}

static bool get_int(json_object *o, const char *key, int64_t min, int64_t max, int64_t *out)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return *out >= min && *out <= max;
}

/* One entry of an existing review file into the learned set. */
static int merge_entry(json_object *e, size_t i)
{
	char what[160], shown[2][41];
	const char *name = json_object_is_type(e, json_type_object) ? get_string(e, "name") : NULL;
	const char *status = name ? get_string(e, "status") : NULL;
	int64_t nr, pid = 0;
	if (!status || !get_int(e, "nr", 0, MAX_NR - 1, &nr)) {
		snprintf(what, sizeof what, "has a syscalls entry (%zu) without a name, nr and status", i);
		return bad_review(what);
	}
	if (!L.names[nr] || strcmp(L.names[nr], name)) {
		snprintf(what, sizeof what, "lists %s as number %d, which this architecture does not",
			 printable(name, shown[0], sizeof shown[0]), (int)nr);
		return bad_review(what);
	}
	bool outside = !strcmp(status, status_names[OUTSIDE]);
	bool observed = !strcmp(status, status_names[OBSERVED]);
	if (!outside && !observed && strcmp(status, status_names[ASSUMED])) {
		snprintf(what, sizeof what, "gives %s the status \"%s\" (expected assumed, observed or "
			 "outside-base)", name, printable(status, shown[1], sizeof shown[1]));
		return bad_review(what);
	}
	const char *comm = outside || observed ? get_string(e, "comm") : "";
	if (!comm || ((outside || observed) && !get_int(e, "pid", 0, INT32_MAX, &pid))) {
		snprintf(what, sizeof what, "lists %s without its pid and comm", name);
		return bad_review(what);
	}
	if (outside) {
		if (!test_bit(L.out, (int)nr)) {
			set_bit(L.out, (int)nr);
			L.out_pid[nr] = (pid_t)pid;
			snprintf(L.out_comm[nr], sizeof L.out_comm[nr], "%s", comm);
			L.counts[OUTSIDE]++;
		}
		return 0;
	}
	if (!inside_base((int)nr)) {
		snprintf(what, sizeof what, "allows %s, which the base does not", name);
		return bad_review(what);
	}
	if (L.status[nr] != NONE)
		return 0; /* assumed now, or listed twice */
	set_bit(L.in, (int)nr);
	/* Assumed by the shim that wrote it but not by this one: kept, as assumed. */
	L.status[nr] = observed ? OBSERVED : ASSUMED;
	L.counts[L.status[nr]]++;
	if (observed) {
		L.pid[nr] = (pid_t)pid;
		snprintf(L.comm[nr], sizeof L.comm[nr], "%s", comm);
		L.merged++;
	}
	return 0;
}

/* SHIM_LEARN_FILE exists (a restart keeps its volume): its review file says
 * which base it was learned from and what, so the calls it holds are learned
 * again only if the base is the same. Reads it into text[], unused yet. */
static int merge_existing(void)
{
	int fd = openat(L.dirfd, L.review, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) {
		log_error("SHIM_LEARN_FILE=\"%s\": exists without its review file %s.review.json, which says what "
			  "it was learned from (delete %s to start afresh)", L.file, L.file, L.file);
		return EXIT_CONFIG;
	}
	struct stat st;
	char what[160];
	if (fd < 0 || fstat(fd, &st)) {
		snprintf(what, sizeof what, "cannot be read (%s)", strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		return bad_review(what);
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size >= sizeof text) {
		(void)close(fd);
		return bad_review(S_ISREG(st.st_mode) ? "is too large" : "is not a regular file");
	}
	size_t len = 0;
	while (len < sizeof text - 1) {
		ssize_t n = read(fd, text + len, sizeof text - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(what, sizeof what, "cannot be read (%s)", strerror(errno));
			(void)close(fd);
			return bad_review(what);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	(void)close(fd);
	text[len] = '\0';
	enum json_tokener_error jerr;
	json_object *root = json_tokener_parse_verbose(text, &jerr), *list = NULL;
	const char *base = root ? get_string(root, "base") : NULL, *sha = base ? get_string(root, "baseSha256") : NULL;
	int rc = 0;
	if (!root) {
		snprintf(what, sizeof what, "is not JSON (%s)", json_tokener_error_desc(jerr));
		rc = bad_review(what);
	}
	else if (!sha || !json_object_object_get_ex(root, "syscalls", &list) ||
		 !json_object_is_type(list, json_type_array))
		rc = bad_review("lacks its base, baseSha256 or syscalls");
	else if (strcmp(sha, L.base_sha)) {
		char shown[160], shown_sha[13];
		log_error("SHIM_LEARN_FILE=\"%s\" was learned from base %s (sha256 %s), not from this run's base %s "
			  "(sha256 %.12s): use another SHIM_LEARN_FILE, or delete it to start afresh", L.file,
			  printable(base, shown, sizeof shown), printable(sha, shown_sha, sizeof shown_sha), L.base_name,
			  L.base_sha);
		rc = EXIT_CONFIG;
	}
	for (size_t i = 0; !rc && i < json_object_array_length(list); i++)
		rc = merge_entry(json_object_array_get_idx(list, i), i);
	if (root)
		json_object_put(root);
	return rc;
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
		int rc = merge_existing();
		if (rc)
			return rc;
		L.existed = true;
	}
	if (write_files(NULL)) {
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

/* Records a call the first time it is seen (process lookup, rewrite), else
 * returns at once. */
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
	if (test_bit(set, nr))
		return;
	set_bit(set, nr);
	L.counts[inside ? OBSERVED : OUTSIDE]++;
	char *comm = inside ? L.comm[nr] : L.out_comm[nr];
	pid_t tgid = lookup_tgid(tid);
	lookup_comm(tgid, comm, sizeof L.comm[nr]);
	/* The process may have died and its pid been reused while we read /proc. */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id))
		snprintf(comm, sizeof L.comm[nr], "?");
	if (inside) {
		L.status[nr] = OBSERVED;
		L.pid[nr] = tgid;
	} else {
		L.out_pid[nr] = tgid;
	}
	const char *name = L.names[nr] ? L.names[nr] : "?";
	if (inside)
		log_debug("learn: %s(%d) pid=%d comm=%s", name, nr, (int)tgid, comm);
	else
		log_line(LOG_LEVEL_ERROR, "seccomp", "learn: outside the base profile: %s(%d) pid=%d comm=%s "
			 "(let through, not added to the profile)", name, nr, (int)tgid, comm);
	if (write_files(NULL) && !L.write_failed) {
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

static void learn_finish(void)
{
	/* The workload runs as a user that can write the directory, so until now
	 * the files were only as good as the workload. Every process is reaped:
	 * written now, from PID 1's own record, they are PID 1's, and the hash
	 * lets whoever copies the profile check that they got those bytes. */
	char sha[65];
	unsigned allowed = L.counts[ASSUMED] + L.counts[OBSERVED];
	if (write_files(sha)) {
		log_line(LOG_LEVEL_ERROR, "learn", "FAILED to write %s at exit: %s; what is there may be the "
			 "workload's, not PID 1's: do not use it (%u calls allowed, %u assumed, %u observed; %u "
			 "outside the base)", L.file, strerror(errno), allowed, L.counts[ASSUMED],
			 L.counts[OBSERVED], L.counts[OUTSIDE]);
		return;
	}
	log_line(LOG_LEVEL_ERROR, "learn", "wrote %s (sha256 %s): %u calls allowed (%u assumed, %u observed); %u "
		 "outside the base, not allowed (review: %s.review.json)", L.file, sha, allowed, L.counts[ASSUMED],
		 L.counts[OBSERVED], L.counts[OUTSIDE], L.file);
}

const struct recorder learn_recorder = { .open = learn_open, .on_notify = learn_notified, .finish = learn_finish };
