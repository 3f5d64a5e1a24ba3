#ifndef SHIM_BPF_H
#define SHIM_BPF_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>

/* Runs a seccomp classic-BPF program on one call, as the kernel would, and
 * returns its action. Learn mode asks the base profile's own program whether a
 * reported call is inside the base, so arguments count exactly as under
 * enforce. A malformed program (bad opcode, jump or load) yields
 * SECCOMP_RET_KILL_PROCESS. No allocation. */
uint32_t bpf_run(const struct sock_filter *prog, unsigned len, const struct seccomp_data *data);

#endif
