#ifndef SHIM_EXPORT_H
#define SHIM_EXPORT_H

/* --export-profile FORMAT IN.json [NAME]: prints IN (a learned or any profile)
 * as a Kubernetes node-level profile on stdout. A node-level profile also
 * governs the runtime's init and the shim as PID 1, so every call of
 * seccomp/k8s-base.json and seccomp/pid1.json that IN does not mention is
 * added (argument-checked ones with the default profile's conditions).
 * FORMAT "localhost": OCI JSON for securityContext.seccompProfile Localhost;
 * "spo": a security-profiles-operator SeccompProfile object named NAME.
 * 0, EXIT_USAGE or EXIT_SECCOMP. */
int export_profile(const char *format, const char *in, const char *name);

/* --learned [WHAT [NAME]]: what learn mode recorded in FILE (the process's
 * own SHIM_LEARN_FILE, so `kubectl exec POD -- /shim --learned` needs no path
 * and no shell) on stdout. WHAT "profile" (the default): the file's bytes as
 * written, once they load as a profile (for a ConfigMap); "review": its review
 * file; "localhost", "spo NAME": as --export-profile prints it.
 * 0, EXIT_USAGE, EXIT_CONFIG (no SHIM_LEARN_FILE), EXIT_SECCOMP or EXIT_SYSTEM. */
int export_learned(const char *what, const char *file, const char *name);

#endif
