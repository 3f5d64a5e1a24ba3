#include "bpf.h"

#include "emulate.h"

/* seccomp/emulate.c is the one interpreter (the build's verification runs it
 * too); for learn mode a program the kernel would refuse denies everything. */
uint32_t bpf_run(const struct sock_filter *prog, unsigned len, const struct seccomp_data *data)
{
	uint32_t action = emulate(prog, len, data);
	return action == EMULATE_INVALID ? SECCOMP_RET_KILL_PROCESS : action;
}
