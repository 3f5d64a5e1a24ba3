/* libFuzzer: the environment/configuration parser and SHIM_USER's syntax.
 * The input is split at NUL bytes into environment entries; the first one
 * also goes through identity_parse. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "exitcode.h"
#include "identity.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *copy = malloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	char *envp[65];
	size_t n = 0;
	for (char *p = copy; p < copy + size && n < 64; p += strlen(p) + 1)
		envp[n++] = p;
	envp[n] = NULL;

	char *argv[] = { "shim", "node", "packages/backend", NULL };
	struct shim_config cfg;
	int rc = config_load(&cfg, 3, argv, envp);
	log_set_level(LOG_LEVEL_ERROR);
	if (rc != 0 && rc != EXIT_CONFIG)
		abort();
	if (rc == 0 && (cfg.command != argv + 1 || cfg.grace_seconds > 86400 || cfg.stop_timeout > 86400))
		abort();
	char **child = rc == 0 ? config_child_env(envp, "/home/x", NULL) : NULL;
	if (child) {
		static const char *const settings[] = { "SHIM_USER=", "SHIM_SECCOMP=", "SHIM_SECCOMP_MODE=",
							"SHIM_LOG_LEVEL=", "SHIM_FALLBACK_PATH=", "SHIM_GRACE_SECONDS=",
							"SHIM_STOP_TIMEOUT=", "SHIM_STOP_SIGNAL=", "SHIM_GROUP=",
							"SHIM_FORWARD_USR1=", "SHIM_KEEP_NET_BIND_SERVICE=", NULL };
		/* No setting reaches the child (Kubernetes service links may). */
		for (char **e = child; *e; e++)
			for (const char *const *k = settings; *k; k++)
				if (!strncmp(*e, *k, strlen(*k)))
					abort();
		free(child);
	}

	struct user_spec spec;
	if (n && identity_parse(envp[0], &spec) == 0) {
		if (!spec.user[0] || (spec.user_is_id && spec.uid == (uid_t)-1) ||
		    (spec.group_is_id && spec.gid == (gid_t)-1))
			abort();
	}
	free(copy);
	return 0;
}
