#ifndef SHIM_SHA256_H
#define SHIM_SHA256_H

#include <stddef.h>

/* SHA-256 (FIPS 180-4) of LEN bytes at DATA as 64 lower-case hex digits and
 * a NUL in HEX. No allocation. Learn mode prints it for the profile PID 1
 * wrote and records the base's, so an operator can tell PID 1's file from a
 * file the workload replaced; musl, libseccomp and json-c offer none. */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
