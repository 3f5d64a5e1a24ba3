/* Profile files: reading one (JSON or compiled), and the compiled format,
 * SHIMBPF1, both ways. */
#include "profile_file.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "exitcode.h"
#include "io.h"
#include "log.h"

/* File layout of a compiled profile: this header, then the enforce and the
 * complain programs, native byte order, nothing after. */
struct bpf_file_header {
	char magic[8];
	uint32_t audit_arch;
	uint16_t enforce_len;
	uint16_t complain_len;
};

char *profile_read_file(const char *path, size_t *len)
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

bool profile_is_bpf(const char *data, size_t len)
{
	return len >= sizeof SHIM_BPF_MAGIC - 1 && !memcmp(data, SHIM_BPF_MAGIC, sizeof SHIM_BPF_MAGIC - 1);
}

char *profile_read_json(const char *path, size_t *len, const char *before, const char *after)
{
	char *data = profile_read_file(path, len);
	if (data && profile_is_bpf(data, *len)) {
		free(data);
		log_error("%s%s%s", before, path, after);
		return NULL;
	}
	return data;
}

int bpf_file_read(const char *path, const char *data, size_t len, struct filter_pair *out)
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

int bpf_file_write(const char *out, const struct filter_pair *pair)
{
	struct bpf_file_header h = { .audit_arch = NATIVE_AUDIT_ARCH, .enforce_len = pair->enforce_len,
				     .complain_len = pair->complain_len };
	memcpy(h.magic, SHIM_BPF_MAGIC, sizeof h.magic);
	/* A new temporary file beside OUT, then rename: a reader never sees half
	 * a filter, and mkostemp's O_CREAT|O_EXCL never follows a symlink someone
	 * planted, so a root run cannot be made to overwrite another file. */
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.XXXXXX", out) >= (int)sizeof tmp) {
		log_error("%s: path too long", out);
		return EXIT_USAGE;
	}
	int fd = mkostemp(tmp, O_CLOEXEC);
	int rc = fd < 0 || fchmod(fd, 0644) || write_all(fd, &h, sizeof h) ||
	     write_all(fd, pair->enforce, (size_t)pair->enforce_len * sizeof(struct sock_filter)) ||
	     write_all(fd, pair->complain, (size_t)pair->complain_len * sizeof(struct sock_filter)) ||
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
	if (rc) {
		if (fd >= 0)
			(void)unlink(tmp);
		log_error("%s: %s", out, strerror(err));
		return EXIT_SYSTEM;
	}
	return 0;
}
