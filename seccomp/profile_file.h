#ifndef SHIM_SECCOMP_PROFILE_FILE_H
#define SHIM_SECCOMP_PROFILE_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "profile.h"

#define SHIM_BPF_MAGIC "SHIMBPF1"
#define SHIM_PROFILE_MAX_BYTES (1u << 20)

/* Reads a whole profile file (regular, at most SHIM_PROFILE_MAX_BYTES), NUL-terminated.
 * malloc'd bytes, or NULL after one error line. */
char *profile_read_file(const char *path, size_t *len);

/* A profile the tools read as JSON: profile_read_file, and a compiled file
 * refused with one line, BEFORE PATH AFTER. NULL after the line. */
char *profile_read_json(const char *path, size_t *len, const char *before, const char *after);

/* Whether DATA is a compiled profile (starts with SHIM_BPF_MAGIC). */
bool profile_is_bpf(const char *data, size_t len);

/* The compiled format, SHIMBPF1: a header (magic, AUDIT_ARCH, both
 * lengths), then the enforce and the complain programs, native byte order,
 * nothing after. */

/* DATA (LEN bytes, read from PATH) -> both programs, malloc'd. 0 or
 * EXIT_SECCOMP after one error line. */
int bpf_file_read(const char *path, const char *data, size_t len, struct filter_pair *out);

/* PAIR -> OUT, through a new temporary file beside it and a rename. 0, or
 * EXIT_USAGE / EXIT_SYSTEM after one error line. */
int bpf_file_write(const char *out, const struct filter_pair *pair);

#endif
