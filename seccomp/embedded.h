#ifndef SHIM_SECCOMP_EMBEDDED_H
#define SHIM_SECCOMP_EMBEDDED_H

#include <linux/filter.h>
#include <stddef.h>

/* The profiles compiled in at build time (bpfgen, from seccomp/default.json
 * and seccomp/pid1.json). No allocation. */

/* The default profile's enforce and complain programs. */
void embedded_default(struct sock_fprog *enforce, struct sock_fprog *complain);

/* The default profile's JSON text (minified). */
const char *embedded_default_json(size_t *len);

/* PID 1's own program (seccomp/pid1.json). */
void embedded_pid1(struct sock_fprog *prog);

#endif
