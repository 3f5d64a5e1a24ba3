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

#endif
