#ifndef SHIM_PROFILE_H
#define SHIM_PROFILE_H

#include <stddef.h>
#include <stdint.h>

struct sock_filter;

/* A profile compiled twice: as written (enforce), and with every denial
 * turned into a user notification (complain). */
struct filter_pair {
	struct sock_filter *enforce;
	unsigned short enforce_len;
	struct sock_filter *complain;
	unsigned short complain_len;
};

/* Compiles an OCI runtime-spec or Docker seccomp profile (JSON text) with
 * libseccomp. SOURCE names it in messages. When effective is not NULL it
 * receives the profile as evaluated here, in OCI form (malloc'd).
 * Returns 0 or EXIT_SECCOMP after one error line. */
int profile_compile(const char *json, size_t len, const char *source, struct filter_pair *out,
		    char **effective);

void filter_pair_free(struct filter_pair *f);

/* Compile for another architecture than this machine's ("x86_64" or
 * "aarch64"): bpfgen's cross builds. Returns -1 for an unknown name. */
int profile_set_arch(const char *name);
/* The architecture being compiled for (libseccomp's token = AUDIT_ARCH_*). */
uint32_t profile_arch(void);

#endif
