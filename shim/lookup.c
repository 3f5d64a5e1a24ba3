#include "lookup.h"

#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "io.h"

static const char *names[MAX_NR];
static bool ready;

void lookup_init(void)
{
	if (ready)
		return;
	ready = true;
	for (int nr = 0; nr < MAX_NR; nr++)
		names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
}

const char *lookup_syscall_name(int nr)
{
	return nr >= 0 && nr < MAX_NR ? names[nr] : NULL;
}

pid_t lookup_tgid(pid_t tid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/status", (int)tid);
	const char *t = read_small(path, buf, sizeof buf) > 0 ? strstr(buf, "\nTgid:") : NULL;
	return t ? (pid_t)strtol(t + 6, NULL, 10) : tid;
}

void lookup_comm(pid_t pid, char *comm, size_t size)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/comm", (int)pid);
	if (read_small(path, comm, size) <= 0)
		snprintf(comm, size, "?");
	comm[strcspn(comm, "\n")] = '\0';
}
