#include "testlib.h"

#include <signal.h>

#include "config.h"
#include "exitcode.h"
#include "values.h"

static void decimal_accepts_whole_strings_in_range(void **state)
{
	(void)state;
	unsigned long v;
	assert_int_equal(parse_decimal("0", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_decimal("86400", 86400, &v), 0);
	assert_int_equal(v, 86400);
	assert_int_equal(parse_decimal("86401", 86400, &v), -1);
	assert_int_equal(parse_decimal("4294967295", 4294967294ul, &v), -1);
	assert_int_equal(parse_decimal("99999999999999999999", ~0ul, &v), -1);
	/* A digit above max: max - digit must not wrap into a huge bound. */
	assert_int_equal(parse_decimal("7", 5, &v), -1);
	assert_int_equal(parse_decimal("9", 0, &v), -1);
	assert_int_equal(parse_decimal("19", 5, &v), -1);
	assert_int_equal(parse_decimal("5", 5, &v), 0);
	assert_int_equal(v, 5);
	static const char *const bad[] = { "", " 1", "1 ", "+1", "-1", "1e3", "0x10", "1.0", "abc" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(parse_decimal(bad[i], 1000, &v), -1);
}

static void bool_accepts_only_the_documented_words(void **state)
{
	(void)state;
	bool b = false;
	static const char *const yes[] = { "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off" };
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(parse_bool(yes[i], &b), 0);
		assert_true(b);
		assert_int_equal(parse_bool(no[i], &b), 0);
		assert_false(b);
	}
	static const char *const bad[] = { "", "TRUE", "y", "2", "enabled", "true ", " on" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(parse_bool(bad[i], &b), -1);
}

static void signal_names_numbers_and_realtime(void **state)
{
	(void)state;
	int s;
	assert_int_equal(parse_signal("TERM", &s), 0);
	assert_int_equal(s, SIGTERM);
	assert_int_equal(parse_signal("SIGQUIT", &s), 0);
	assert_int_equal(s, SIGQUIT);
	assert_int_equal(parse_signal("10", &s), 0);
	assert_int_equal(s, 10);
	assert_int_equal(parse_signal("RTMIN+2", &s), 0);
	assert_int_equal(s, 34 + 2);
	assert_int_equal(parse_signal("RTMAX-1", &s), 0);
	assert_int_equal(s, SIGRTMAX - 1);
	static const char *const bad[] = { "", "term", "SIG", "0", "65", "RTMIN+99", "RTMIN-1", "TERM2", "-15" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(parse_signal(bad[i], &s), -1);
}

static int load(char **argv, char **envp, struct shim_config *cfg)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return config_load(cfg, argc, argv, envp);
}

static void command_words_pass_verbatim(void **state)
{
	(void)state;
	struct shim_config cfg;
	char *argv[] = { "shim", "node", "packages/backend", "--config", "app-config.yaml", "--help", NULL };
	char *envp[] = { "PATH=/usr/bin", NULL };
	assert_int_equal(load(argv, envp, &cfg), 0);
	assert_int_equal(cfg.action, ACTION_RUN);
	assert_ptr_equal(cfg.command, argv + 1);
	assert_string_equal(cfg.command[2], "--config");
	assert_string_equal(cfg.command[4], "--help");
	assert_string_equal(cfg.path, "/usr/bin");
	assert_string_equal(cfg.user, SHIM_DEFAULT_USER);
	assert_false(cfg.user_explicit);
	assert_string_equal(cfg.fallback_path, "/nodejs/bin");
}

static void double_dash_and_options(void **state)
{
	(void)state;
	struct shim_config cfg;
	char *envp[] = { NULL };
	char *a1[] = { "shim", "--", "--version", NULL };
	assert_int_equal(load(a1, envp, &cfg), 0);
	assert_int_equal(cfg.action, ACTION_RUN);
	assert_string_equal(cfg.command[0], "--version");
	char *a2[] = { "shim", "--version", NULL };
	assert_int_equal(load(a2, envp, &cfg), 0);
	assert_int_equal(cfg.action, ACTION_VERSION);
	char *a3[] = { "shim", "--bogus", "x", NULL };
	assert_int_equal(load(a3, envp, &cfg), EXIT_USAGE);
	char *a4[] = { "shim", NULL };
	assert_int_equal(load(a4, envp, &cfg), EXIT_USAGE);
	char *a5[] = { "shim", "--", NULL };
	assert_int_equal(load(a5, envp, &cfg), EXIT_USAGE);
	char *a6[] = { "shim", "--check", NULL };
	assert_int_equal(load(a6, envp, &cfg), 0);
	assert_int_equal(cfg.action, ACTION_CHECK);
	char *a7[] = { "shim", "--compile-profile", "in.json", NULL };
	assert_int_equal(load(a7, envp, &cfg), EXIT_USAGE);
	char *a8[] = { "shim", "node", "--version", NULL };
	assert_int_equal(load(a8, envp, &cfg), 0);
	assert_int_equal(cfg.action, ACTION_RUN);
}

static void environment_values_parse(void **state)
{
	(void)state;
	struct shim_config cfg;
	char *argv[] = { "shim", "x", NULL };
	char *envp[] = { "SHIM_USER=1000:1000", "SHIM_SECCOMP=off", "SHIM_SECCOMP_MODE=complain",
			 "SHIM_LOG_LEVEL=debug", "SHIM_FALLBACK_PATH=/a:/b", "SHIM_GRACE_SECONDS=3",
			 "SHIM_STOP_TIMEOUT=7", "SHIM_STOP_SIGNAL=INT", "SHIM_GROUP=yes",
			 "SHIM_FORWARD_USR1=on", "SHIM_KEEP_NET_BIND_SERVICE=1", NULL };
	assert_int_equal(load(argv, envp, &cfg), 0);
	assert_string_equal(cfg.user, "1000:1000");
	assert_true(cfg.user_explicit);
	assert_string_equal(cfg.seccomp, "off");
	assert_int_equal(cfg.seccomp_mode, SECCOMP_MODE_COMPLAIN);
	assert_int_equal(cfg.log_level, LOG_LEVEL_DEBUG);
	assert_string_equal(cfg.fallback_path, "/a:/b");
	assert_int_equal(cfg.grace_seconds, 3);
	assert_int_equal(cfg.stop_timeout, 7);
	assert_int_equal(cfg.stop_signal, SIGINT);
	assert_true(cfg.group);
	assert_true(cfg.forward_usr1);
	assert_true(cfg.keep_net_bind_service);
	log_set_level(LOG_LEVEL_WARN);
}

static struct {
	const char *env;
	const char *message;
} bad_env[] = {
	{ "SHIM_USR=1", "SHIM_USR: unknown variable" },
	{ "SHIM_=1", "SHIM_: unknown variable" },
	{ "SHIM_LOG_LEVEL=verbose", "SHIM_LOG_LEVEL=\"verbose\"" },
	{ "SHIM_LOG_LEVEL=", "empty value" },
	{ "SHIM_GRACE_SECONDS=-1", "SHIM_GRACE_SECONDS=\"-1\"" },
	{ "SHIM_GRACE_SECONDS=86401", "SHIM_GRACE_SECONDS=\"86401\"" },
	{ "SHIM_GRACE_SECONDS=5s", "SHIM_GRACE_SECONDS=\"5s\"" },
	{ "SHIM_STOP_TIMEOUT=1.5", "SHIM_STOP_TIMEOUT=\"1.5\"" },
	{ "SHIM_STOP_SIGNAL=KILL", "SHIM_STOP_SIGNAL=\"KILL\"" },
	{ "SHIM_STOP_SIGNAL=FOO", "SHIM_STOP_SIGNAL=\"FOO\"" },
	/* Signals that never end the child by default (issue 21). */
	{ "SHIM_STOP_SIGNAL=TSTP", "SHIM_STOP_SIGNAL=\"TSTP\"" },
	{ "SHIM_STOP_SIGNAL=TTIN", "SHIM_STOP_SIGNAL=\"TTIN\"" },
	{ "SHIM_STOP_SIGNAL=TTOU", "SHIM_STOP_SIGNAL=\"TTOU\"" },
	{ "SHIM_STOP_SIGNAL=CONT", "SHIM_STOP_SIGNAL=\"CONT\"" },
	{ "SHIM_STOP_SIGNAL=CHLD", "SHIM_STOP_SIGNAL=\"CHLD\"" },
	{ "SHIM_STOP_SIGNAL=WINCH", "SHIM_STOP_SIGNAL=\"WINCH\"" },
	{ "SHIM_STOP_SIGNAL=URG", "SHIM_STOP_SIGNAL=\"URG\"" },
	{ "SHIM_GROUP=2", "SHIM_GROUP=\"2\"" },
	{ "SHIM_FORWARD_USR1=TRUE", "SHIM_FORWARD_USR1=\"TRUE\"" },
	{ "SHIM_KEEP_NET_BIND_SERVICE=", "SHIM_KEEP_NET_BIND_SERVICE=\"\": empty value" },
	{ "SHIM_KEEP_NET_BIND_SERVICE=enabled", "SHIM_KEEP_NET_BIND_SERVICE=\"enabled\": expected true/false" },
	{ "SHIM_SECCOMP_MODE=audit", "SHIM_SECCOMP_MODE=\"audit\"" },
	{ "SHIM_FALLBACK_PATH=nodejs/bin", "SHIM_FALLBACK_PATH=\"nodejs/bin\"" },
	{ "SHIM_FALLBACK_PATH=/a:", "SHIM_FALLBACK_PATH=\"/a:\"" },
	{ "SHIM_FALLBACK_PATH=/a::/b", "SHIM_FALLBACK_PATH=\"/a::/b\"" },
	{ "SHIM_LEARN_FILE=learn/p.json", "SHIM_LEARN_FILE=\"learn/p.json\": expected an absolute path" },
	{ "SHIM_USER=", "SHIM_USER=\"\": empty value" },
	{ "SHIM_SECCOMP=", "SHIM_SECCOMP=\"\": empty value" },
};

static size_t bad_index;
static int bad_rc;

static void learn_mode_needs_its_file_and_only_then(void **state)
{
	(void)state;
	struct shim_config cfg;
	char *argv[] = { "shim", "node", NULL };
	char *ok[] = { "SHIM_SECCOMP_MODE=learn", "SHIM_LEARN_FILE=/learn/p.json", NULL };
	assert_int_equal(load(argv, ok, &cfg), 0);
	assert_int_equal(cfg.seccomp_mode, SECCOMP_MODE_LEARN);
	assert_string_equal(cfg.learn_file, "/learn/p.json");
	char *no_file[] = { "SHIM_SECCOMP_MODE=learn", NULL };
	assert_int_equal(load(argv, no_file, &cfg), EXIT_CONFIG);
	char *no_mode[] = { "SHIM_LEARN_FILE=/learn/p.json", NULL };
	assert_int_equal(load(argv, no_mode, &cfg), EXIT_CONFIG);
	char *empty[] = { "SHIM_SECCOMP_MODE=learn", "SHIM_LEARN_FILE=", NULL };
	assert_int_equal(load(argv, empty, &cfg), EXIT_CONFIG);
	/* Relative: refused at config time, as a relative SHIM_FALLBACK_PATH is. */
	char *relative[] = { "SHIM_SECCOMP_MODE=learn", "SHIM_LEARN_FILE=learn/p.json", NULL };
	assert_int_equal(load(argv, relative, &cfg), EXIT_CONFIG);
	char *bare[] = { "SHIM_SECCOMP_MODE=learn", "SHIM_LEARN_FILE=p.json", NULL };
	assert_int_equal(load(argv, bare, &cfg), EXIT_CONFIG);
	/* The child does not see it. */
	char **env = config_child_env(ok, "/home", NULL);
	assert_null(env[0] && strstr(env[0], "SHIM_") ? env[0] : NULL);
	free(env);
}

static void load_bad(void *arg)
{
	(void)arg;
	struct shim_config cfg;
	char *argv[] = { "shim", "x", NULL };
	char *envp[] = { (char *)bad_env[bad_index].env, NULL };
	bad_rc = load(argv, envp, &cfg);
}

static void bad_environment_is_one_line_and_config_code(void **state)
{
	(void)state;
	for (bad_index = 0; bad_index < sizeof bad_env / sizeof *bad_env; bad_index++) {
		const char *err = capture_stderr(load_bad, NULL);
		print_message("%s -> %s", bad_env[bad_index].env, err);
		assert_int_equal(bad_rc, EXIT_CONFIG);
		assert_non_null(strstr(err, bad_env[bad_index].message));
		assert_true(!strncmp(err, "shim: error: ", 13));
		assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1);
	}
}

static void duplicate_variable_is_refused(void **state)
{
	(void)state;
	struct shim_config cfg;
	char *argv[] = { "shim", "x", NULL };
	char *envp[] = { "SHIM_GROUP=1", "SHIM_GROUP=0", NULL };
	assert_int_equal(load(argv, envp, &cfg), EXIT_CONFIG);
}

/* --help and --version work whatever the environment holds (issue 21). */
static void help_and_version_ignore_a_bad_environment(void **state)
{
	(void)state;
	struct shim_config cfg;
	char *envp[] = { "SHIM_STOP_SIGNAL=FOO", "SHIM_GRACE_SECONDS=x", NULL };
	char *help[] = { "shim", "--help", NULL }, *h[] = { "shim", "-h", NULL }, *version[] = { "shim", "--version", NULL };
	assert_int_equal(load(help, envp, &cfg), 0);
	assert_int_equal(cfg.action, ACTION_HELP);
	assert_int_equal(load(h, envp, &cfg), 0);
	assert_int_equal(cfg.action, ACTION_HELP);
	assert_int_equal(load(version, envp, &cfg), 0);
	assert_int_equal(cfg.action, ACTION_VERSION);
	char *run[] = { "shim", "node", NULL };
	assert_int_equal(load(run, envp, &cfg), EXIT_CONFIG);
}

static void kubernetes_service_links_are_not_settings(void **state)
{
	(void)state;
	struct shim_config cfg;
	char *argv[] = { "shim", "x", NULL };
	char *envp[] = { "SHIM_SERVICE_HOST=10.0.0.1", "SHIM_SERVICE_PORT=80", "SHIM_SERVICE_PORT_HTTP=80",
			 "SHIM_PORT=tcp://10.0.0.1:80", "SHIM_PORT_80_TCP=tcp://10.0.0.1:80",
			 "SHIM_PORT_80_TCP_ADDR=10.0.0.1", "SHIM_API_SERVICE_HOST=10.0.0.2",
			 "SHIM_API_PORT_8080_TCP_PROTO=tcp", NULL };
	assert_int_equal(load(argv, envp, &cfg), 0);
	/* They reach the child: the application may use them. */
	char **out = config_child_env(envp, "/", NULL);
	int n = 0;
	while (out[n])
		n++;
	assert_int_equal(n, 9); /* eight links and HOME */
	free(out);
	/* Look-alikes that are not links stay errors. */
	char *bad1[] = { "SHIM_PORTS=1", NULL };
	assert_int_equal(load(argv, bad1, &cfg), EXIT_CONFIG);
	char *bad2[] = { "SHIM_USER_PORT_=1", NULL };
	assert_int_equal(load(argv, bad2, &cfg), EXIT_CONFIG);
	char *bad3[] = { "SHIM_SERVICE_HOSTNAME=1", NULL };
	assert_int_equal(load(argv, bad3, &cfg), EXIT_CONFIG);
}

static void child_env_drops_shim_vars_and_sets_home(void **state)
{
	(void)state;
	char *envp[] = { "PATH=/bin", "SHIM_USER=1", "HOME=", "A=b", NULL };
	char **out = config_child_env(envp, "/home/nonroot", NULL);
	assert_non_null(out);
	assert_string_equal(out[0], "PATH=/bin");
	assert_string_equal(out[1], "A=b");
	assert_string_equal(out[2], "HOME=/home/nonroot");
	assert_null(out[3]);
	free(out);

	char *keep[] = { "HOME=/x", "SHIM_GROUP=1", NULL };
	out = config_child_env(keep, NULL, NULL);
	assert_string_equal(out[0], "HOME=/x");
	assert_null(out[1]);
	free(out);

	/* A root start's HOME=/root, replaced by the target's (main decides when). */
	char *stale[] = { "HOME=/root", "A=b", "HOME=/root", NULL };
	out = config_child_env(stale, "/home/nonroot", NULL);
	assert_string_equal(out[0], "A=b");
	assert_string_equal(out[1], "HOME=/home/nonroot");
	assert_null(out[2]);
	free(out);
}

/* Room for the child's PATH entry (spawn.c writes it when the fallback found
 * the command): the first PATH entry's slot, else the end, with a NULL after. */
static void child_env_leaves_room_for_path(void **state)
{
	(void)state;
	char *envp[] = { "A=b", "PATH=/bin", "PATH=/usr/bin", "SHIM_USER=1", NULL };
	struct child_path path = { .room_size = 64 };
	char **out = config_child_env(envp, "/h", &path);
	assert_non_null(out);
	assert_int_equal(path.slot, 1);
	assert_string_equal(out[1], "PATH=/bin");
	assert_string_equal(out[3], "HOME=/h");
	assert_null(out[4]);
	memset(path.room, 'x', path.room_size); /* inside the block: valgrind and ASan check */
	free(out);

	char *no_path[] = { "A=b", NULL };
	out = config_child_env(no_path, NULL, &path);
	assert_int_equal(path.slot, 1);
	assert_null(out[1]);
	assert_null(out[2]);
	memset(path.room, 'x', path.room_size);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decimal_accepts_whole_strings_in_range),
		cmocka_unit_test(bool_accepts_only_the_documented_words),
		cmocka_unit_test(signal_names_numbers_and_realtime),
		cmocka_unit_test(command_words_pass_verbatim),
		cmocka_unit_test(double_dash_and_options),
		cmocka_unit_test(environment_values_parse),
		cmocka_unit_test(learn_mode_needs_its_file_and_only_then),
		cmocka_unit_test(bad_environment_is_one_line_and_config_code),
		cmocka_unit_test(duplicate_variable_is_refused),
		cmocka_unit_test(help_and_version_ignore_a_bad_environment),
		cmocka_unit_test(kubernetes_service_links_are_not_settings),
		cmocka_unit_test(child_env_drops_shim_vars_and_sets_home),
		cmocka_unit_test(child_env_leaves_room_for_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
