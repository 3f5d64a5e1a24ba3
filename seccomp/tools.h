#ifndef SHIM_SECCOMP_TOOLS_H
#define SHIM_SECCOMP_TOOLS_H

/* The profile tools main runs instead of a child. Each returns 0 or an
 * exit code after one error line. */

/* --print-profile: the effective profile of SETTING ("default" or a JSON
 * file) as OCI JSON on stdout. */
int tools_print_profile(const char *setting);

/* --compile-profile IN OUT: a BPF file (SHIMBPF1) SHIM_SECCOMP can load
 * without libseccomp work. */
int tools_compile_profile(const char *in, const char *out);

/* --export-profile FORMAT IN.json [NAME]: prints IN (a learned or any profile)
 * as a Kubernetes node-level profile on stdout. A node-level profile also
 * governs the runtime's init and the shim as PID 1, so every call of
 * seccomp/k8s-base.json and seccomp/pid1.json that IN does not mention is
 * added (argument-checked ones with the default profile's conditions).
 * FORMAT "localhost": OCI JSON for securityContext.seccompProfile Localhost;
 * "spo": a security-profiles-operator SeccompProfile object named NAME.
 * 0, EXIT_USAGE or EXIT_SECCOMP. */
int tools_export_profile(const char *format, const char *in, const char *name);

/* --learned [WHAT [NAME]]: what learn mode recorded in FILE (the process's
 * own SHIM_LEARN_FILE, so `kubectl exec POD -- /shim --learned` needs no path
 * and no shell) on stdout. WHAT "profile" (the default): the file's bytes as
 * written, once they load as a profile (for a ConfigMap); "review": its review
 * file; "localhost", "spo NAME": as --export-profile prints it.
 * 0, EXIT_USAGE, EXIT_CONFIG (no SHIM_LEARN_FILE), EXIT_SECCOMP or EXIT_SYSTEM. */
int tools_learned(const char *what, const char *file, const char *name);

#endif
