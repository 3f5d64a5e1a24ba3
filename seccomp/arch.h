#ifndef SHIM_SECCOMP_ARCH_H
#define SHIM_SECCOMP_ARCH_H

/* The constants the profile toolchain and PID 1 share, defined once. */
#include <linux/audit.h>

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#define NATIVE_ARCH_NAME "SCMP_ARCH_X86_64"
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#define NATIVE_ARCH_NAME "SCMP_ARCH_AARCH64"
#else
#error "unsupported architecture"
#endif

/* x32 calls are x86_64's numbers with this bit set (same AUDIT_ARCH). */
#define X32_BIT 0x40000000u

/* Native syscall numbers the shim names, records and learns: 0 to MAX_NR-1. */
#define MAX_NR 1024

#endif
