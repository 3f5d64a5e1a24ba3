/* The profiles compiled into the binary at build time (bpfgen): the default
 * profile's programs and JSON text, and PID 1's own program. */
#include "embedded.h"

#include "arch.h"
#include "default_filter.h" /* generated at build time from seccomp/default.json and seccomp/pid1.json */

#if SHIM_FILTER_AUDIT_ARCH != NATIVE_AUDIT_ARCH
#error "default_filter.h was generated for another architecture (bpfgen --arch)"
#endif

void embedded_default(struct sock_fprog *enforce, struct sock_fprog *complain)
{
	enforce->len = (unsigned short)(sizeof default_enforce / sizeof *default_enforce);
	enforce->filter = (struct sock_filter *)default_enforce;
	complain->len = (unsigned short)(sizeof default_complain / sizeof *default_complain);
	complain->filter = (struct sock_filter *)default_complain;
}

const char *embedded_default_json(size_t *len)
{
	*len = sizeof default_profile_json - 1;
	return default_profile_json;
}

void embedded_pid1(struct sock_fprog *prog)
{
	prog->len = (unsigned short)(sizeof pid1_enforce / sizeof *pid1_enforce);
	prog->filter = (struct sock_filter *)pid1_enforce;
}
