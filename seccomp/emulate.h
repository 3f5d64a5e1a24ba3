#ifndef SHIM_SECCOMP_EMULATE_H
#define SHIM_SECCOMP_EMULATE_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stdint.h>

/* Runs a classic BPF seccomp program on DATA the way the kernel does and
 * returns its action. A program the kernel would refuse (bad opcode, jump
 * or load out of range, no return) gives EMULATE_INVALID. */
#define EMULATE_INVALID 0xdeadbeefu
uint32_t emulate(const struct sock_filter *prog, unsigned len, const struct seccomp_data *data);

/* The same; *READ_ARGS tells whether the path taken loaded an argument (one
 * that does not is what the kernel's action cache can keep). */
uint32_t emulate_trace(const struct sock_filter *prog, unsigned len, const struct seccomp_data *data,
		       bool *read_args);

/* The emulator for a caller that must fail closed: learn mode asks the base
 * profile's own program whether a reported call is inside the base, so
 * arguments count exactly as under enforce. A program the kernel would
 * refuse yields SECCOMP_RET_KILL_PROCESS. No allocation. */
uint32_t emulate_verdict(const struct sock_filter *prog, unsigned len, const struct seccomp_data *data);

#endif
