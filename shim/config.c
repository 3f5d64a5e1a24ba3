#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "values.h"

const char *const seccomp_mode_names[3] = {
	[SECCOMP_MODE_ENFORCE] = "enforce", [SECCOMP_MODE_COMPLAIN] = "complain", [SECCOMP_MODE_LEARN] = "learn",
};

void config_usage(FILE *out)
{
	static const char text[] =
		"usage: shim [--help | --version | --check | --print-profile |\n"
		"             --compile-profile IN.json OUT.bpf |\n"
		"             --export-profile localhost|spo IN.json [NAME] |\n"
		"             --learned [profile|review|localhost|spo NAME] |\n"
		"             --merge-profile [--review] LEARNED.json... |\n"
		"             --diff-profile OLD.json NEW.json | --] COMMAND [ARG...]\n"
		"Runs COMMAND as a supervised child: drops privileges (SHIM_USER), applies a\n"
		"seccomp profile (SHIM_SECCOMP), forwards signals and reaps zombies.\n"
		"Configuration: SHIM_* environment variables; see the README.\n";
	fputs(text, out);
}

/* Every SHIM_* name the shim knows; anything else with the prefix is an error. */
enum env_key {
	ENV_USER,
	ENV_SECCOMP,
	ENV_SECCOMP_MODE,
	ENV_LOG_LEVEL,
	ENV_FALLBACK_PATH,
	ENV_GRACE_SECONDS,
	ENV_STOP_TIMEOUT,
	ENV_STOP_SIGNAL,
	ENV_GROUP,
	ENV_FORWARD_USR1,
	ENV_LEARN_FILE,
	ENV_KEEP_NET_BIND_SERVICE,
	ENV_LEARN_ARGS,
	ENV_COUNT,
};

static const char *const env_names[ENV_COUNT] = {
	[ENV_USER] = "SHIM_USER",
	[ENV_SECCOMP] = "SHIM_SECCOMP",
	[ENV_SECCOMP_MODE] = "SHIM_SECCOMP_MODE",
	[ENV_LOG_LEVEL] = "SHIM_LOG_LEVEL",
	[ENV_FALLBACK_PATH] = "SHIM_FALLBACK_PATH",
	[ENV_GRACE_SECONDS] = "SHIM_GRACE_SECONDS",
	[ENV_STOP_TIMEOUT] = "SHIM_STOP_TIMEOUT",
	[ENV_STOP_SIGNAL] = "SHIM_STOP_SIGNAL",
	[ENV_GROUP] = "SHIM_GROUP",
	[ENV_FORWARD_USR1] = "SHIM_FORWARD_USR1",
	[ENV_LEARN_FILE] = "SHIM_LEARN_FILE",
	[ENV_KEEP_NET_BIND_SERVICE] = "SHIM_KEEP_NET_BIND_SERVICE",
	[ENV_LEARN_ARGS] = "SHIM_LEARN_ARGS",
};

#define MAX_SECONDS 86400ul

static int bad_value(const char *name, const char *value, const char *expected)
{
	log_error("%s=\"%s\": %s", name, value, expected);
	return EXIT_CONFIG;
}

static int apply_env(struct shim_config *cfg, enum env_key key, const char *v)
{
	const char *name = env_names[key];
	unsigned long n;

	if (!*v)
		return bad_value(name, v, "empty value (unset the variable for the default)");
	switch (key) {
	case ENV_USER:
		cfg->user = v;
		cfg->user_explicit = true;
		return 0;
	case ENV_SECCOMP:
		cfg->seccomp = v;
		return 0;
	case ENV_SECCOMP_MODE:
		for (unsigned m = 0; m < sizeof seccomp_mode_names / sizeof *seccomp_mode_names; m++) {
			if (!strcmp(v, seccomp_mode_names[m])) {
				cfg->seccomp_mode = (enum seccomp_mode)m;
				return 0;
			}
		}
		return bad_value(name, v, "expected enforce, complain or learn");
	case ENV_LOG_LEVEL:
		if (parse_log_level(v, &cfg->log_level))
			return bad_value(name, v, "expected error, warn, info or debug");
		return 0;
	case ENV_FALLBACK_PATH:
		for (const char *p = v; *p; p++) {
			/* Relative fallbacks would depend on the working directory. */
			if ((p == v || p[-1] == ':') && *p != '/')
				return bad_value(name, v, "expected absolute directories separated by ':'");
		}
		if (v[strlen(v) - 1] == ':')
			return bad_value(name, v, "expected absolute directories separated by ':'");
		cfg->fallback_path = v;
		return 0;
	case ENV_GRACE_SECONDS:
		if (parse_decimal(v, MAX_SECONDS, &n))
			return bad_value(name, v, "expected whole seconds from 0 to 86400");
		cfg->grace_seconds = (unsigned)n;
		return 0;
	case ENV_STOP_TIMEOUT:
		if (parse_decimal(v, MAX_SECONDS, &n))
			return bad_value(name, v, "expected whole seconds from 0 (off) to 86400");
		cfg->stop_timeout = (unsigned)n;
		return 0;
	case ENV_STOP_SIGNAL:
		/* A signal whose default action is to stop, continue or nothing
		 * would leave the child running until the runtime's KILL. */
		if (parse_signal(v, &cfg->stop_signal) || cfg->stop_signal == SIGKILL ||
		    cfg->stop_signal == SIGSTOP || cfg->stop_signal == SIGTSTP || cfg->stop_signal == SIGTTIN ||
		    cfg->stop_signal == SIGTTOU || cfg->stop_signal == SIGCONT || cfg->stop_signal == SIGCHLD ||
		    cfg->stop_signal == SIGWINCH || cfg->stop_signal == SIGURG)
			return bad_value(name, v,
					 "expected a catchable signal that ends a process by default, such as TERM, INT "
					 "or QUIT (not TSTP, TTIN, TTOU, CONT, CHLD, WINCH or URG)");
		return 0;
	case ENV_GROUP:
		if (parse_bool(v, &cfg->group))
			return bad_value(name, v, "expected true/false, 1/0, yes/no or on/off");
		return 0;
	case ENV_FORWARD_USR1:
		if (parse_bool(v, &cfg->forward_usr1))
			return bad_value(name, v, "expected true/false, 1/0, yes/no or on/off");
		return 0;
	case ENV_LEARN_FILE:
		/* Relative, it would depend on the working directory, as a fallback would. */
		if (*v != '/')
			return bad_value(name, v, "expected an absolute path (on a writable volume such as an emptyDir)");
		cfg->learn_file = v;
		return 0;
	case ENV_KEEP_NET_BIND_SERVICE:
		if (parse_bool(v, &cfg->keep_net_bind_service))
			return bad_value(name, v, "expected true/false, 1/0, yes/no or on/off");
		return 0;
	case ENV_LEARN_ARGS:
		if (parse_bool(v, &cfg->learn_args))
			return bad_value(name, v, "expected true/false, 1/0, yes/no or on/off");
		cfg->learn_args_set = true;
		return 0;
	case ENV_COUNT:
		break;
	}
	return EXIT_CONFIG;
}

/* Kubernetes injects NAME_SERVICE_HOST, NAME_SERVICE_PORT[_P], NAME_PORT and
 * NAME_PORT_N_PROTO[_ADDR|_PORT|_PROTO] for every Service in the namespace;
 * a Service called "shim..." must not stop the pod. */
static bool is_service_link(const char *name, size_t len)
{
	static const char *const marks[] = { "_SERVICE_HOST", "_SERVICE_PORT", "_PORT" };
	for (size_t i = 0; i < sizeof marks / sizeof *marks; i++) {
		size_t m = strlen(marks[i]);
		for (size_t at = 4; at + m <= len; at++) {
			if (strncmp(name + at, marks[i], m))
				continue;
			const char *rest = name + at + m;
			size_t rest_len = len - at - m;
			/* The mark ends the name, or is followed by "_" and more. */
			if (rest_len == 0 || (rest[0] == '_' && rest_len > 1))
				return true;
		}
	}
	return false;
}

/* Whether NAME=... is one of the shim's own settings (kept from the child). */
static bool is_setting(const char *entry)
{
	for (int k = 0; k < ENV_COUNT; k++) {
		size_t n = strlen(env_names[k]);
		if (!strncmp(entry, env_names[k], n) && entry[n] == '=')
			return true;
	}
	return false;
}

static int load_env(struct shim_config *cfg, char **envp)
{
	bool seen[ENV_COUNT] = { false };

	for (char **e = envp; e && *e; e++) {
		const char *entry = *e;
		if (!strncmp(entry, "PATH=", 5) && !cfg->path) {
			cfg->path = entry + 5;
			continue;
		}
		if (strncmp(entry, "SHIM_", 5))
			continue;
		const char *eq = strchr(entry, '=');
		size_t name_len = eq ? (size_t)(eq - entry) : strlen(entry);
		int key = -1;
		for (int k = 0; k < ENV_COUNT; k++) {
			if (strlen(env_names[k]) == name_len && !strncmp(entry, env_names[k], name_len)) {
				key = k;
				break;
			}
		}
		if (key < 0 && eq && is_service_link(entry, name_len)) {
			log_debug("%.*s: a Kubernetes service link, not a setting", (int)name_len, entry);
			continue;
		}
		if (key < 0 || !eq) {
			log_error("%.*s: unknown variable (every SHIM_* name is checked; see the README)",
				  (int)(name_len > 64 ? 64 : name_len), entry);
			return EXIT_CONFIG;
		}
		if (seen[key]) {
			log_error("%s: set more than once in the environment", env_names[key]);
			return EXIT_CONFIG;
		}
		seen[key] = true;
		int rc = apply_env(cfg, (enum env_key)key, eq + 1);
		if (rc)
			return rc;
	}
	return 0;
}

int config_load(struct shim_config *cfg, int argc, char **argv, char **envp)
{
	*cfg = (struct shim_config){
		.action = ACTION_RUN,
		.fallback_path = SHIM_DEFAULT_FALLBACK,
		.user = SHIM_DEFAULT_USER,
		.seccomp = "default",
		.seccomp_mode = SECCOMP_MODE_ENFORCE,
		.learn_args = true,
		.log_level = LOG_LEVEL_WARN,
		.grace_seconds = SHIM_DEFAULT_GRACE,
		.stop_signal = SIGTERM,
	};

	/* --help and --version work whatever the environment holds
	 * (kubectl exec POD -- /shim --version in a pod with a bad SHIM_*). */
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		cfg->action = ACTION_HELP;
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		cfg->action = ACTION_VERSION;
		return 0;
	}

	/* The learned-profile tools read only their files. --diff-profile's
	 * errors exit 2 (issue 25: 0 and 1 are its answers, for a CI gate). */
	if (argc > 1 && !strcmp(argv[1], "--merge-profile")) {
		cfg->merge_review = argc > 2 && !strcmp(argv[2], "--review");
		int first = 2 + cfg->merge_review;
		if (argc <= first) {
			log_error("usage: shim --merge-profile [--review] LEARNED.json...");
			return EXIT_USAGE;
		}
		cfg->action = ACTION_MERGE_PROFILE;
		cfg->profiles = argv + first;
		cfg->nprofiles = (unsigned)(argc - first);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--diff-profile")) {
		if (argc != 4) {
			log_error("usage: shim --diff-profile OLD.json NEW.json");
			return 2;
		}
		cfg->action = ACTION_DIFF_PROFILE;
		cfg->profiles = argv + 2;
		cfg->nprofiles = 2;
		return 0;
	}

	int rc = load_env(cfg, envp);
	/* Apply the level first, so the rest of the start logs as asked. */
	log_set_level(cfg->log_level);
	if (rc)
		return rc;
	if (cfg->seccomp_mode == SECCOMP_MODE_LEARN && !cfg->learn_file) {
		log_error("SHIM_SECCOMP_MODE=learn needs SHIM_LEARN_FILE, the path of the profile to write "
			  "(on a writable volume such as an emptyDir)");
		return EXIT_CONFIG;
	}
	if (cfg->learn_file && cfg->seccomp_mode != SECCOMP_MODE_LEARN) {
		log_error("SHIM_LEARN_FILE is set but SHIM_SECCOMP_MODE is not learn (set both, or neither)");
		return EXIT_CONFIG;
	}
	if (cfg->learn_args_set && cfg->seccomp_mode != SECCOMP_MODE_LEARN) {
		log_error("SHIM_LEARN_ARGS is set but SHIM_SECCOMP_MODE is not learn (unset it, or learn)");
		return EXIT_CONFIG;
	}

	int first = 1;
	if (argc > 1) {
		const char *opt = argv[1];
		if (!strcmp(opt, "--print-profile")) {
			cfg->action = ACTION_PRINT_PROFILE;
			return argc == 2 ? 0 : (log_error("--print-profile takes no argument"), EXIT_USAGE);
		} else if (!strcmp(opt, "--compile-profile")) {
			if (argc != 4) {
				log_error("usage: shim --compile-profile IN.json OUT.bpf");
				return EXIT_USAGE;
			}
			cfg->action = ACTION_COMPILE_PROFILE;
			cfg->compile_in = argv[2];
			cfg->compile_out = argv[3];
			return 0;
		} else if (!strcmp(opt, "--export-profile")) {
			if (argc != 4 && argc != 5) {
				log_error("usage: shim --export-profile localhost IN.json | --export-profile spo IN.json NAME");
				return EXIT_USAGE;
			}
			cfg->action = ACTION_EXPORT_PROFILE;
			cfg->export_format = argv[2];
			cfg->export_in = argv[3];
			cfg->export_name = argc == 5 ? argv[4] : NULL;
			return 0;
		} else if (!strcmp(opt, "--learned")) {
			if (argc > 4) {
				log_error("usage: shim --learned [profile|review|localhost|spo NAME]");
				return EXIT_USAGE;
			}
			cfg->action = ACTION_LEARNED;
			cfg->export_format = argc > 2 ? argv[2] : "profile";
			cfg->export_name = argc == 4 ? argv[3] : NULL;
			return 0;
		} else if (!strcmp(opt, "--check")) {
			cfg->action = ACTION_CHECK;
			first = 2;
		} else if (!strcmp(opt, "--")) {
			first = 2;
		} else if (opt[0] == '-' && opt[1]) {
			log_error("%s: unknown option (use -- before a command that starts with '-')", opt);
			config_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (first < argc) {
		cfg->command = argv + first;
	} else if (cfg->action == ACTION_RUN) {
		config_usage(stderr);
		return EXIT_USAGE;
	}
	return 0;
}

char **config_child_env(char **envp, const char *home, struct child_path *path)
{
	size_t count = 0;
	for (char **e = envp; e && *e; e++)
		count++;
	/* One block: the pointer array (HOME and PATH may each add an entry),
	 * the HOME entry, then the room for PATH. */
	size_t home_len = home ? strlen(home) : 0;
	size_t room = path ? path->room_size : 0;
	char **out = malloc((count + 3) * sizeof *out + home_len + 6 + room);
	if (!out)
		return NULL;
	char *home_entry = (char *)(out + count + 3);
	size_t n = 0, path_slot = (size_t)-1;
	for (char **e = envp; e && *e; e++) {
		if (is_setting(*e))
			continue;
		if (home && !strncmp(*e, "HOME=", 5))
			continue; /* replaced below */
		if (path_slot == (size_t)-1 && !strncmp(*e, "PATH=", 5))
			path_slot = n; /* the one the shim searched (load_env takes the first) */
		out[n++] = *e;
	}
	if (home) {
		memcpy(home_entry, "HOME=", 5);
		memcpy(home_entry + 5, home, home_len + 1);
		out[n++] = home_entry;
	}
	out[n] = out[n + 1] = NULL;
	if (path) {
		path->room = home_entry + home_len + 6;
		path->slot = path_slot == (size_t)-1 ? n : path_slot;
	}
	return out;
}
