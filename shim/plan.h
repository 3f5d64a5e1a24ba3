#ifndef SHIM_PLAN_H
#define SHIM_PLAN_H

#include "config.h"
#include "filter.h"
#include "notify.h"

/* The seccomp mode, decided once: main turns the configuration into this
 * plan and hands its parts down (spawn: the program and whether it opens a
 * listener; supervise: the recorder's callback). No other file keeps the
 * mode. */
struct plan {
	struct filter_setup filter;      /* the program the child installs (filter.off: none) */
	const struct recorder *recorder; /* NULL: no listener (enforce); else who answers it */
};

/* The recorder of MODE: NULL for enforce, complain's would-deny logger,
 * or learn's recorder. */
const struct recorder *plan_recorder(enum seccomp_mode mode);

/* SHIM_SECCOMP, SHIM_SECCOMP_MODE and SHIM_LEARN_FILE -> the plan: the
 * program (filter_prepare), the recorder, its kernel check (notify_init) and,
 * in learn mode, the learn variant in place of the base (learn_init).
 * Allocates. 0 or an exit code after one error line. */
int plan_seccomp(const struct shim_config *cfg, struct plan *out);

void plan_release(struct plan *p);

#endif
