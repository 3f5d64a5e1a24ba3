#ifndef SHIM_SECCOMP_DIFF_TEXT_H
#define SHIM_SECCOMP_DIFF_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "ruleset.h"

/* R's conditions as a reviewer reads them, into BUF: "arg0 == 16",
 * "arg0 & 0x7e020000 == 0", joined by && (or || for alternatives); values
 * below 4096 in decimal, others in hex. */
void diff_conditions(const struct rule *r, char *buf, size_t size);

/* libseccomp's short name of an architecture the decision tables handle. */
const char *diff_arch_label(uint32_t token);

#endif
