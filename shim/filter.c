#include "filter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "arch.h"
#include "emit.h"
#include "default_filter.h" /* generated at build time from seccomp/default.json */
#include "exitcode.h"
#include "io.h"
#include "log.h"

#if SHIM_FILTER_AUDIT_ARCH != NATIVE_AUDIT_ARCH
#error "default_filter.h was generated for another architecture (bpfgen --arch)"
#endif

/* File layout of a compiled profile: this header, then the enforce and the
 * complain programs, native byte order, nothing after. */
struct bpf_file_header {
	char magic[8];
	uint32_t audit_arch;
	uint16_t enforce_len;
	uint16_t complain_len;
};

void filter_default(struct sock_fprog *enforce, struct sock_fprog *complain)
{
	enforce->len = (unsigned short)(sizeof default_enforce / sizeof *default_enforce);
	enforce->filter = (struct sock_filter *)default_enforce;
	complain->len = (unsigned short)(sizeof default_complain / sizeof *default_complain);
	complain->filter = (struct sock_filter *)default_complain;
}

const char *filter_default_json(size_t *len)
{
	*len = sizeof default_profile_json - 1;
	return default_profile_json;
}

int filter_confine_pid1(void)
{
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof pid1_enforce / sizeof *pid1_enforce),
		.filter = (struct sock_filter *)pid1_enforce,
	};
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) {
		log_error("seccomp: confining PID 1: %s", strerror(errno));
		return EXIT_SECCOMP;
	}
	return 0;
}

char *filter_read_file(const char *path, size_t *len)
{
	/* O_NONBLOCK: a FIFO must be refused, not waited on. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		log_error("seccomp profile %s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat st;
	char *buf = NULL;
	if (fstat(fd, &st)) {
		log_error("seccomp profile %s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		log_error("seccomp profile %s: is a directory", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		log_error("seccomp profile %s: not a regular file", path);
		goto out;
	}
	if (st.st_size > (off_t)SHIM_PROFILE_MAX_BYTES) {
		log_error("seccomp profile %s: too large (%lld bytes, the limit is %u)", path,
			  (long long)st.st_size, SHIM_PROFILE_MAX_BYTES);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		log_error("seccomp profile %s: out of memory", path);
		goto out;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_error("seccomp profile %s: %s", path, n < 0 ? strerror(errno) : "changed while read");
			free(buf);
			buf = NULL;
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*len = got;
out:
	(void)close(fd);
	return buf;
}

static bool is_bpf_file(const char *data, size_t len)
{
	return len >= sizeof SHIM_BPF_MAGIC - 1 && !memcmp(data, SHIM_BPF_MAGIC, sizeof SHIM_BPF_MAGIC - 1);
}

static int parse_bpf_file(const char *path, const char *data, size_t len, struct filter_pair *out)
{
	struct bpf_file_header h;
	if (len < sizeof h) {
		log_error("seccomp profile %s: truncated BPF file (%zu bytes)", path, len);
		return EXIT_SECCOMP;
	}
	memcpy(&h, data, sizeof h);
	if (h.audit_arch != NATIVE_AUDIT_ARCH) {
		log_error("seccomp profile %s: BPF file made for another architecture (0x%x)", path,
			  (unsigned)h.audit_arch);
		return EXIT_SECCOMP;
	}
	if (!h.enforce_len || !h.complain_len || h.enforce_len > BPF_MAXINSNS || h.complain_len > BPF_MAXINSNS) {
		log_error("seccomp profile %s: BPF file has an invalid program length", path);
		return EXIT_SECCOMP;
	}
	size_t want = sizeof h + ((size_t)h.enforce_len + h.complain_len) * sizeof(struct sock_filter);
	if (len != want) {
		log_error("seccomp profile %s: BPF file is %zu bytes, its header says %zu (truncated or padded)",
			  path, len, want);
		return EXIT_SECCOMP;
	}
	out->enforce = malloc((size_t)h.enforce_len * sizeof(struct sock_filter));
	out->complain = malloc((size_t)h.complain_len * sizeof(struct sock_filter));
	if (!out->enforce || !out->complain) {
		filter_pair_free(out);
		log_error("seccomp profile %s: out of memory", path);
		return EXIT_SECCOMP;
	}
	memcpy(out->enforce, data + sizeof h, (size_t)h.enforce_len * sizeof(struct sock_filter));
	memcpy(out->complain, data + sizeof h + (size_t)h.enforce_len * sizeof(struct sock_filter),
	       (size_t)h.complain_len * sizeof(struct sock_filter));
	out->enforce_len = h.enforce_len;
	out->complain_len = h.complain_len;
	return 0;
}

/* Learn mode's base: its rule set (kept for learn_init) and enforce program
 * (which classifies what the workload does). */
static int prepare_learn(const char *json, size_t len, const char *source, struct filter_setup *out)
{
	int rc = profile_parse(json, len, source, &out->rules, NULL);
	if (rc)
		return rc;
	if (emit_libseccomp(&out->rules, source, &out->owned.enforce, &out->owned.enforce_len)) {
		filter_release(out);
		return EXIT_SECCOMP;
	}
	return 0;
}

int filter_prepare(const char *setting, enum seccomp_mode mode, struct filter_setup *out)
{
	memset(out, 0, sizeof *out);
	if (!strcmp(setting, "off")) {
		out->off = true;
		out->kind = "off";
		if (mode != SECCOMP_MODE_ENFORCE) {
			log_error("SHIM_SECCOMP_MODE=%s needs a profile, but SHIM_SECCOMP=off",
				  seccomp_mode_names[mode]);
			return EXIT_CONFIG;
		}
		return 0;
	}

	struct sock_fprog enforce, complain;
	/* Learn mode writes rules, so it needs them, not only the program. */
	bool learn = mode == SECCOMP_MODE_LEARN;
	if (!strcmp(setting, "default") && learn) {
		out->kind = "embedded";
		/* The build already reported the names this libseccomp skips. */
		enum log_level level = log_get_level();
		log_set_level(LOG_LEVEL_ERROR);
		int rc = prepare_learn(default_profile_json, sizeof default_profile_json - 1, "default", out);
		log_set_level(level);
		if (rc)
			return rc;
		enforce = complain = (struct sock_fprog){ out->owned.enforce_len, out->owned.enforce };
	} else if (!strcmp(setting, "default")) {
		out->kind = "embedded";
		filter_default(&enforce, &complain);
	} else {
		size_t len = 0;
		char *data = filter_read_file(setting, &len);
		if (!data)
			return EXIT_SECCOMP;
		int rc;
		if (is_bpf_file(data, len) && learn) {
			log_error("seccomp profile %s: learn mode needs a JSON profile (a compiled BPF file has no "
				  "rules to write back); use its JSON source", setting);
			rc = EXIT_SECCOMP;
		} else if (is_bpf_file(data, len)) {
			out->kind = "bpf";
			rc = parse_bpf_file(setting, data, len, &out->owned);
		} else if (learn) {
			out->kind = "json";
			rc = prepare_learn(data, len, setting, out);
		} else {
			out->kind = "json";
			/* The range program where it is proven equal to libseccomp's,
			 * else libseccomp's. Only the program this mode installs: the
			 * other would double the load time for nothing. */
			rc = profile_compile_range(data, len, setting, &out->owned, NULL,
						   mode == SECCOMP_MODE_ENFORCE ? PROFILE_ENFORCE : PROFILE_COMPLAIN);
		}
		free(data);
		if (rc)
			return rc;
		enforce = (struct sock_fprog){ out->owned.enforce_len, out->owned.enforce };
		/* Learn mode: learn_init replaces the program with its variant. */
		complain = learn ? enforce : (struct sock_fprog){ out->owned.complain_len, out->owned.complain };
	}
	out->prog = mode == SECCOMP_MODE_ENFORCE ? enforce : complain;
	out->base = enforce;
	return 0;
}

void filter_release(struct filter_setup *f)
{
	filter_pair_free(&f->owned);
	ruleset_free(&f->rules);
}

int filter_print_profile(const char *setting)
{
	const char *text = default_profile_json;
	size_t len = sizeof default_profile_json - 1;
	char *data = NULL, *effective = NULL;
	if (!strcmp(setting, "off")) {
		log_error("SHIM_SECCOMP=off: there is no profile to print");
		return EXIT_SECCOMP;
	}
	if (strcmp(setting, "default")) {
		data = filter_read_file(setting, &len);
		if (!data)
			return EXIT_SECCOMP;
		if (is_bpf_file(data, len)) {
			free(data);
			log_error("seccomp profile %s: a compiled BPF file has no JSON form; print its source", setting);
			return EXIT_SECCOMP;
		}
		text = data;
	}
	struct filter_pair pair;
	int rc = profile_compile(text, len, strcmp(setting, "default") ? setting : "default", &pair, &effective);
	free(data);
	if (rc)
		return rc;
	filter_pair_free(&pair);
	int ok = fputs(effective, stdout) >= 0 && fputc('\n', stdout) != EOF && fflush(stdout) == 0;
	free(effective);
	if (!ok) {
		log_error("writing the profile to stdout: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	return 0;
}

int filter_compile_file(const char *in, const char *out)
{
	size_t len = 0;
	char *data = filter_read_file(in, &len);
	if (!data)
		return EXIT_SECCOMP;
	if (is_bpf_file(data, len)) {
		free(data);
		log_error("seccomp profile %s: already compiled", in);
		return EXIT_SECCOMP;
	}
	struct filter_pair pair;
	/* The operator compiling a profile is told why a program is not the
	 * range program (an info line at run time). */
	enum log_level level = log_get_level();
	if (level < LOG_LEVEL_INFO)
		log_set_level(LOG_LEVEL_INFO);
	int rc = profile_compile_range(data, len, in, &pair, NULL, PROFILE_BOTH);
	log_set_level(level);
	free(data);
	if (rc)
		return rc;

	struct bpf_file_header h = { .audit_arch = NATIVE_AUDIT_ARCH, .enforce_len = pair.enforce_len,
				     .complain_len = pair.complain_len };
	memcpy(h.magic, SHIM_BPF_MAGIC, sizeof h.magic);
	/* A new temporary file beside OUT, then rename: a reader never sees half
	 * a filter, and mkostemp's O_CREAT|O_EXCL never follows a symlink someone
	 * planted, so a root run cannot be made to overwrite another file. */
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", out) >= (int)sizeof tmp) {
		filter_pair_free(&pair);
		log_error("%s: path too long", out);
		return EXIT_USAGE;
	}
	int fd = mkostemp(tmp, O_CLOEXEC);
	rc = fd < 0 || fchmod(fd, 0644) || write_all(fd, &h, sizeof h) ||
	     write_all(fd, pair.enforce, (size_t)pair.enforce_len * sizeof(struct sock_filter)) ||
	     write_all(fd, pair.complain, (size_t)pair.complain_len * sizeof(struct sock_filter)) ||
	     fsync(fd);
	if (fd >= 0) {
		int saved = errno;
		if (close(fd) && !rc) {
			rc = 1;
			saved = errno;
		}
		if (!rc && rename(tmp, out)) {
			rc = 1;
			saved = errno;
		}
		errno = saved;
	}
	int err = errno;
	filter_pair_free(&pair);
	if (rc) {
		if (fd >= 0)
			(void)unlink(tmp);
		log_error("%s: %s", out, strerror(err));
		return EXIT_SYSTEM;
	}
	/* What was written, for the operator's record (and review). */
	if (printf("%s: enforce %u instructions (%s), complain %u (%s)\n", out, h.enforce_len,
		   pair.enforce_range ? "range program" : "libseccomp's program", h.complain_len,
		   pair.complain_range ? "range program" : "libseccomp's program") < 0 ||
	    fflush(stdout)) {
		log_error("stdout: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	return 0;
}
