/* Integration tests. Identity: the drop to 65532 or SHIM_USER, starts that are not root (the
 * chart's uid 1000, OpenShift's), names from /etc/passwd and /etc/group, HOME. */
#include "run.h"

#include <pwd.h>

void root_start_drops_to_65532(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, NULL, ARGS((char *)probe, "status"), &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "65532", "65532");
	assert_non_null(strstr(r.out, "CapBnd:\t0000000000000000\n"));
	assert_non_null(strstr(r.out, "Seccomp:\t2\n"));
	assert_non_null(strstr(r.out, "HOME=/\n")); /* no passwd entry for 65532 here */
	assert_string_equal(r.err, "");  /* quiet by default */
}

void pid1_is_unprivileged_and_confined(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_SECCOMP=off"), ARGS((char *)probe, "pid1"), &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "Uid:\t65532\t65532\t65532\t65532"));
	assert_true(has_line(r.out, "CapEff:\t0000000000000000"));
	assert_true(has_line(r.out, "NoNewPrivs:\t1"));
	/* Its own filter, even with the child's turned off (sanitizer builds go without). */
	if (!sanitized)
		assert_true(has_line(r.out, "Seccomp:\t2"));
}

void chart_start_as_1000_runs_as_1000(void **state)
{
	(void)state;
	struct result r;
	run_as_1000(NULL, &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "1000", "1000");
	assert_non_null(strstr(r.out, "CapBnd:\t0000000000000000\n"));
	assert_non_null(strstr(r.out, "Seccomp:\t2\n"));
	assert_string_equal(r.err, ""); /* the info line is not shown at the default level */

	run_as_1000(ENV("SHIM_LOG_LEVEL=info"), &r);
	assert_non_null(strstr(r.err, "started as uid 1000 gid 1000 without privilege"));

	run_as_1000(ENV("SHIM_USER=1000:1000"), &r);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "1000", "1000");

	run_as_1000(ENV("SHIM_USER=65532:65532"), &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "SHIM_USER asks for 65532:65532, which needs a root start"));
}

/* Kubernetes root start with capabilities dropped but for the three the drop needs. */
void root_start_with_only_setuid_setgid_setpcap(void **state)
{
	(void)state;
	struct result r;
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--bounding-set=-all,+setuid,+setgid,+setpcap", "--inh-caps=-all", "--",
			   (char *)shim, (char *)probe, "status"),
		      NULL, &r);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "65532", "65532");
	assert_true(has_line(r.out, "CapBnd:\t0000000000000000"));
	/* Without CAP_SETUID the drop cannot happen: refused, nothing runs as root. */
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--bounding-set=-all,+setgid,+setpcap", "--inh-caps=-all", "--",
			   (char *)shim, (char *)probe, "status"),
		      NULL, &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "identity: started as root without CAP_SETUID, which running as 65532:65532 needs"));
}

/* Ambient capabilities from the runtime (Podman gives a non-root --user its --cap-add
 * as ambient) are gone in the child: for a uid 1000 start and a SHIM_USER=0 root start. */
void ambient_capabilities_are_cleared(void **state)
{
	(void)state;
	struct result r;
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--reuid=1000", "--regid=1000", "--clear-groups",
			   "--inh-caps=+net_bind_service", "--ambient-caps=+net_bind_service", "--", (char *)shim,
			   (char *)probe, "status"),
		      NULL, &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "1000", "1000");

	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--inh-caps=+net_bind_service", "--ambient-caps=+net_bind_service", "--",
			   (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_USER=0"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "0", "0");
}

void numeric_uid_without_passwd_entry(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_USER=54321"), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "54321", "54321");
	run_shim(true, ENV("SHIM_USER=54321:99"), ARGS((char *)probe, "status"), &r, 20);
	assert_dropped_to(r.out, "54321", "99");
}

void explicit_root_target_warns(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_USER=0:0"), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "0", "0");
	assert_non_null(strstr(r.err, "shim: warn: SHIM_USER: the child will run as root (uid 0), without capabilities"));
}

/* An extra environment entry for run_with_etc (HOME tests). */
static char *etc_extra_env;

/* Names from a test passwd/group bind-mounted over /etc in a mount namespace. */
static void run_with_etc(const char *user, bool hide_etc, struct result *r)
{
	char script[1024], env_user[96];
	snprintf(env_user, sizeof env_user, "SHIM_USER=%s", user);
	if (hide_etc)
		snprintf(script, sizeof script, "mount -t tmpfs none /etc && exec %s %s status", shim, probe);
	else
		snprintf(script, sizeof script,
			 "printf 'root:x:0:0:root:/root:/bin/sh\\n0day:x:4242:4242::/home/0day:/x\\n"
			 "app:x:5000:5001:app:/home/app:/x\\n' > /tmp/shim-passwd-$$ && "
			 "printf 'root:x:0:\\nappgrp:x:5001:\\nother:x:6000:\\n' > /tmp/shim-group-$$ && "
			 "mount --bind /tmp/shim-passwd-$$ /etc/passwd && mount --bind /tmp/shim-group-$$ /etc/group && "
			 "rm /tmp/shim-passwd-$$ /tmp/shim-group-$$ && exec %s %s status", shim, probe);
	char *argv[] = { "/usr/bin/unshare", "--mount", "--pid", "--fork", "--mount-proc", "--kill-child",
			 "/bin/sh", "-c", script, NULL };
	char *envp[] = { base_env[0], env_user, etc_extra_env, NULL };
	run_env(argv, envp, r, 20);
}

void names_resolve_from_passwd_and_group(void **state)
{
	(void)state;
	struct result r;
	run_with_etc("app", false, &r);
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "5000", "5001");
	assert_non_null(strstr(r.out, "HOME=/home/app\n"));
	run_with_etc("app:other", false, &r);
	assert_dropped_to(r.out, "5000", "6000");
	run_with_etc("0day", false, &r);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "4242", "4242");
	run_with_etc("nobody-here", false, &r);
	assert_int_equal(r.status, 78);
	assert_non_null(strstr(r.err, "SHIM_USER=\"nobody-here\": no user \"nobody-here\" in /etc/passwd"));
	run_with_etc("app:no-such-group", false, &r);
	assert_int_equal(r.status, 78);
	run_with_etc("app", true, &r);
	assert_int_equal(r.status, 78);
	assert_non_null(strstr(r.err, "cannot read /etc/passwd"));
	run_with_etc("5000:5001", true, &r); /* numbers need no passwd */
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "5000", "5001");
}

void bad_user_values_run_nothing(void **state)
{
	(void)state;
	static const char *const bad[] = { "SHIM_USER=", "SHIM_USER=abc", "SHIM_USER=65532:", "SHIM_USER=:1",
					    "SHIM_USER=-1", "SHIM_USER=4294967295", "SHIM_USER=99999999999999999999",
					    "SHIM_USER=65532:65532:1", "SHIM_USER= 65532", "SHIM_USER=65532 :1" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct result r;
		run_shim(true, ENV((char *)bad[i]), ARGS((char *)probe, "status"), &r, 20);
		print_message("%s -> %d %s", bad[i], r.status, r.err);
		assert_int_equal(r.status, 78);
		assert_string_equal(r.out, ""); /* nothing ran */
		assert_non_null(strstr(r.err, "shim: error: SHIM_USER=\""));
		assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);
	}
}

/* OpenShift's restricted SCC: an arbitrary uid with gid 0 (and group 0). */
void openshift_arbitrary_uid_with_gid_0_runs(void **state)
{
	(void)state;
	struct result r;
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--reuid=1000680000", "--regid=0", "--clear-groups", "--inh-caps=-all",
			   "--bounding-set=-all", "--no-new-privs", "--", (char *)shim, (char *)probe, "status"), NULL, &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "1000680000", "0");
	assert_true(has_line(r.out, "Seccomp:\t2"));
	/* With supplementary group 0 as OpenShift sets it; kept like fsGroup. */
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--reuid=1000680000", "--regid=0", "--groups=0", "--inh-caps=-all",
			   "--bounding-set=-all", "--no-new-privs", "--", (char *)shim, (char *)probe, "status"), NULL, &r);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "Uid:\t1000680000\t1000680000\t1000680000\t1000680000"));
	assert_true(has_line(r.out, "Groups:\t0 ") || has_line(r.out, "Groups:\t0"));
	/* An explicit SHIM_USER equal to the start is fine; another uid is not. */
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--reuid=1000680000", "--regid=0", "--clear-groups", "--inh-caps=-all",
			   "--bounding-set=-all", "--no-new-privs", "--", (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_USER=1000680000:0"), &r);
	assert_int_equal(r.status, 0);
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--reuid=1000680000", "--regid=0", "--clear-groups", "--inh-caps=-all",
			   "--bounding-set=-all", "--no-new-privs", "--", (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_USER=0:0"), &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, "");
}

void root_start_to_a_uid_with_gid_0_runs(void **state)
{
	(void)state;
	struct result r;
	run_shim(true, ENV("SHIM_USER=1000:0"), ARGS((char *)probe, "status"), &r, 20);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "1000", "0");
	assert_true(has_line(r.out, "CapBnd:\t0000000000000000"));
}

/* Runtimes set HOME=/root for a root image user: after the drop it must be the target's. */
void root_home_is_replaced_by_the_targets(void **state)
{
	(void)state;
	struct result r;
	char root_home[300];
	struct passwd *pw = getpwuid(0);
	assert_non_null(pw); /* the test machine's passwd has root */
	snprintf(root_home, sizeof root_home, "HOME=%s", pw->pw_dir);
	char *saved = base_env[1];
	base_env[1] = root_home;
	run_shim(true, NULL, ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "HOME=/")); /* 65532 has no entry here */
	/* Root stays root: its HOME stays. */
	run_shim(true, ENV("SHIM_USER=0"), ARGS((char *)probe, "status"), &r, 20);
	assert_int_equal(r.status, 0);
	char want[300];
	snprintf(want, sizeof want, "HOME=%s", pw->pw_dir);
	assert_true(has_line(r.out, want));
	/* Not a root start: the runtime chose HOME for this user. */
	char *argv[32];
	setpriv_args("1000", ARGS((char *)shim, (char *)probe, "status"), argv);
	run_env(argv, base_env, &r, 20);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, want));
	/* Any other HOME is the operator's choice. */
	base_env[1] = "HOME=/srv/app";
	run_shim(true, NULL, ARGS((char *)probe, "status"), &r, 20);
	assert_true(has_line(r.out, "HOME=/srv/app"));
	base_env[1] = saved;
	/* The target's passwd entry when it has one (root's home there is /root). */
	etc_extra_env = "HOME=/root";
	run_with_etc("app", false, &r);
	etc_extra_env = NULL;
	print_message("%s", r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "HOME=/home/app"));
}
