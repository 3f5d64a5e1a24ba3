#ifndef SHIM_IDENTITY_H
#define SHIM_IDENTITY_H

/* The credential change, on the identity user.c resolved. */
#include "user.h"

/* Root start: drop to the target. Non-root start: shed what can be shed and
 * check the current identity against the target (which it may adopt, see
 * README). Then verifies every credential; returns 0 or EXIT_IDENTITY. */
int identity_apply(struct identity *id);

/* PID 1, once the child has it as ambient: lets go of the capability kept
 * for it (keep_net_bind_service), so PID 1 holds none. 0 or EXIT_IDENTITY. */
int identity_release(const struct identity *id);

#endif
