#ifndef SHIM_EMIT_H
#define SHIM_EMIT_H

#include <linux/filter.h>

#include "ruleset.h"

/* Rule set -> BPF with libseccomp (one comparison per syscall, binary tree),
 * plus runc's ENOSYS stub in front. SOURCE names the profile in messages.
 * 0, or -1 after one error line. *PROG is malloc'd. */
int emit_libseccomp(const struct ruleset *rs, const char *source, struct sock_filter **prog,
		    unsigned short *len);

/* Rule set -> BPF with the range emitter (emit_range.c): arch check, then a
 * balanced search over runs of equal decisions. Returns 0, or -1 when the rule
 * set is outside what it handles (several architectures, conflicting rules,
 * numbers above its table): callers then keep libseccomp's program. */
int emit_range(const struct ruleset *rs, struct sock_filter **prog, unsigned short *len);

/* The same from RS's tables as resolve_all built them (profile_emit builds
 * them once, for this and for the proof). */
struct table;
int emit_range_tables(const struct ruleset *rs, const struct table *t, struct sock_filter **prog,
		      unsigned short *len);

#endif
