/* Learn mode's files: the profile and its review file, rendered in place
 * into one static buffer and replaced atomically, and an existing pair
 * merged at start. */
#include "learn_state.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "io.h"
#include "log.h"
#include "print.h"
#include "sha256.h"

/* The largest profile or review file PID 1 writes; both are built in place. */
#define OUT_BYTES (256u * 1024u)

static const char *const status_names[] = { "", "assumed", "observed", "outside-base" };

static char text[OUT_BYTES];
static size_t text_len;
static bool text_overflow;

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

/* Conditions ARGS[0..N-1] as a profile's "args" array, as print.c prints
 * them (json-c's plain form), so a learned rule merges with a printed one. */
static void put_args(const struct rule_arg *args, unsigned n)
{
	put("[");
	for (unsigned k = 0; k < n; k++) {
		putf("%s{\"index\":%u,\"value\":%llu", k ? "," : "", args[k].index, (unsigned long long)args[k].a);
		if (args[k].b)
			putf(",\"valueTwo\":%llu", (unsigned long long)args[k].b);
		putf(",\"op\":\"%s\"}", print_compare_name(args[k].op));
	}
	put("]");
}

/* The profile rule of argument rule AR (only ones that narrow are kept). */
static struct rule learned_rule(const struct arg_rule *ar)
{
	struct rule r;
	uint64_t value[LEARN_SPEC_MAX_ARGS];
	memcpy(value, ar->value, sizeof value);
	if (!learn_arg_narrow(&L.allow[ar->nr][ar->base], L.spec[ar->nr], value, &r))
		abort();
	return r;
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
		if ((L.status[nr] == ASSUMED || L.status[nr] == OBSERVED) && (L.uncond[nr] || !L.cond[nr]) &&
		    !narrowed(nr)) {
			putf("%s\"%s\"", first ? "" : ", ", L.names[nr]);
			first = false;
		}
	}
	put("], \"action\": \"SCMP_ACT_ALLOW\"}");
	for (unsigned i = 0; i < L.order_len; i++) {
		int nr = L.order[i];
		if (narrowed(nr)) {
			for (unsigned k = 0; k < L.narg_rules; k++) {
				if (L.arg_rules[k].nr != nr)
					continue;
				struct rule r = learned_rule(&L.arg_rules[k]);
				putf(",\n    {\"names\":[\"%s\"],\"action\":\"%s\",\"args\":", L.names[nr],
				     r.action == SCMP_ACT_LOG ? "SCMP_ACT_LOG" : "SCMP_ACT_ALLOW");
				put_args(r.args, r.nargs);
				put("}");
			}
		} else if ((L.status[nr] == ASSUMED || L.status[nr] == OBSERVED) && !L.uncond[nr] && L.cond[nr]) {
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

/* NR's learned argument rules for the review file: which of the base's
 * allow rules for it each narrows (0-based, in the base's order) and the
 * learned conditions (the base's others stay), with the first process. */
static void put_arguments(int nr)
{
	put(", \"arguments\": [");
	bool first = true;
	for (unsigned k = 0; k < L.narg_rules; k++) {
		const struct arg_rule *ar = &L.arg_rules[k];
		if (ar->nr != nr)
			continue;
		struct rule_arg learned[LEARN_SPEC_MAX_ARGS];
		unsigned n = learn_arg_conditions(&L.allow[nr][ar->base], L.spec[nr], ar->value, learned);
		putf("%s\n      {\"rule\": %u, \"args\": ", first ? "" : ",", ar->base);
		put_args(learned, n);
		putf(", \"pid\": %d, \"comm\": ", (int)ar->pid);
		put_string(ar->comm);
		put("}");
		first = false;
	}
	put("]");
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
			if (narrowed(nr))
				put_arguments(nr);
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
int learn_write_files(char sha[65])
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

static bool get_u64(json_object *o, const char *key, uint64_t *out)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	errno = 0;
	*out = json_object_get_uint64(v);
	return !errno;
}

/* One learned argument rule of call NR from a review file: the base's allow
 * rule it narrows and the learned conditions. Rebuilt from those, and only
 * where the values satisfy that rule (learn_arg_narrow), so a file the
 * workload wrote cannot widen anything. */
static int merge_arg_rule(int nr, json_object *a)
{
	char what[200];
	int64_t base;
	json_object *args;
	struct arg_rule ar = { .nr = (unsigned short)nr };
	bool ok = json_object_is_type(a, json_type_object) && get_int(a, "rule", 0, (int64_t)L.nallow[nr] - 1, &base) &&
		  json_object_object_get_ex(a, "args", &args) && json_object_is_type(args, json_type_array);
	const struct learn_arg_spec *spec = L.spec[nr];
	size_t n = ok ? json_object_array_length(args) : 0;
	for (size_t i = 0; ok && i < n; i++) {
		json_object *c = json_object_array_get_idx(args, i);
		const char *op = json_object_is_type(c, json_type_object) ? get_string(c, "op") : NULL;
		int64_t index;
		uint64_t value, value_two = 0;
		ok = op && get_int(c, "index", 0, 5, &index) && get_u64(c, "value", &value) &&
		     (!json_object_object_get_ex(c, "valueTwo", NULL) || get_u64(c, "valueTwo", &value_two));
		unsigned j = 0;
		while (ok && spec && j < spec->nargs && spec->arg[j].index != (unsigned)index)
			j++;
		ok = ok && spec && j < spec->nargs;
		if (!ok)
			break;
		if (spec->arg[j].mask == UINT64_MAX) { /* written as ARG == VALUE */
			ok = !strcmp(op, "SCMP_CMP_EQ") && !value_two;
			ar.value[j] = value;
		} else { /* ARG & MASK == VALUE */
			ok = !strcmp(op, "SCMP_CMP_MASKED_EQ") && value == spec->arg[j].mask &&
			     !(value_two & ~spec->arg[j].mask);
			ar.value[j] = value_two;
		}
	}
	struct rule r;
	if (ok) {
		ar.base = (unsigned char)base;
		ok = learn_arg_narrow(&L.allow[nr][base], spec, ar.value, &r);
	}
	if (!ok) {
		snprintf(what, sizeof what, "lists for %s an argument rule the base's rules for it do not allow "
			 "(or not as learn mode writes it)", L.names[nr]);
		return bad_review(what);
	}
	const char *comm = get_string(a, "comm");
	int64_t pid;
	if (comm && get_int(a, "pid", 0, INT32_MAX, &pid)) {
		ar.pid = (pid_t)pid;
		snprintf(ar.comm, sizeof ar.comm, "%s", comm);
	}
	unsigned at;
	if (arg_rules_add(L.arg_rules, &L.narg_rules, LEARN_MAX_ARG_RULES, &ar, &at) < 0)
		L.any_args[nr] = true;
	return 0;
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
	json_object *arguments = NULL;
	if (json_object_object_get_ex(e, "arguments", &arguments)) {
		if (!observed || !json_object_is_type(arguments, json_type_array)) {
			snprintf(what, sizeof what, "gives %s arguments that are not a list of an observed call", name);
			return bad_review(what);
		}
		if (!narrows((int)nr))
			arguments = NULL; /* not learned by this run: the base's rules */
	}
	if (observed && narrows((int)nr) && !arguments)
		L.any_args[nr] = true; /* learned by name only */
	for (size_t k = 0; arguments && k < json_object_array_length(arguments); k++) {
		int rc = merge_arg_rule((int)nr, json_object_array_get_idx(arguments, k));
		if (rc)
			return rc;
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
int learn_merge_existing(void)
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
