/* Integration tests. Capabilities and supplementary groups: root starts with some or all
 * capabilities dropped, the runtime's groups, SHIM_KEEP_NET_BIND_SERVICE. */
#include "run.h"

/* docker run --cap-drop ALL with no --user: root without any capability. */
#define CAP_DROP_ALL "/usr/bin/setpriv", "--clear-groups", "--bounding-set=-all", "--inh-caps=-all", "--"

void cap_drop_all_root_start_is_refused_with_remedies(void **state)
{
	(void)state;
	struct result r;
	run_in_pid_ns(ARGS(CAP_DROP_ALL, (char *)shim, (char *)probe, "status"), NULL, &r);
	print_message("%s", r.err);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, ""); /* nothing ran as root */
	assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1); /* one line */
	assert_non_null(strstr(r.err, "shim: error: identity: started as root without CAP_SETUID, CAP_SETGID, "
				      "which running as 65532:65532 needs"));
	assert_non_null(strstr(r.err, "grant CAP_SETUID, CAP_SETGID and CAP_SETPCAP"));
	assert_non_null(strstr(r.err, "--user 65532:65532"));
	assert_non_null(strstr(r.err, "runAsUser"));
}

/* SHIM_USER=0 (root without capabilities) where they are already gone. */
void root_target_with_every_capability_dropped_runs(void **state)
{
	(void)state;
	struct result r;
	run_in_pid_ns(ARGS(CAP_DROP_ALL, (char *)shim, (char *)probe, "status"), ENV("SHIM_USER=0"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "0", "0");
	assert_true(has_line(r.out, "CapBnd:\t0000000000000000"));
}

/* Docker, Podman and containerd give a root start supplementary groups [0]:
 * with every capability dropped, SHIM_USER=0 keeps that group (it is its gid)
 * instead of asking for CAP_SETGID; other groups are the runtime's and stay
 * too (issue 21: before, they were refused). */
void root_target_keeps_group_0_with_every_capability_dropped(void **state)
{
	(void)state;
	struct result r;
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--groups=0", "--bounding-set=-all", "--inh-caps=-all", "--",
			   (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_USER=0"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Uid:\t0\t0\t0\t0\n"));
	assert_non_null(strstr(r.out, "Gid:\t0\t0\t0\t0\n"));
	assert_true(has_line(r.out, "Groups:\t0 ") || has_line(r.out, "Groups:\t0"));
	assert_non_null(strstr(r.out, "CapPrm:\t0000000000000000\n"));
	assert_non_null(strstr(r.out, "CapEff:\t0000000000000000\n"));
	assert_non_null(strstr(r.out, "CapBnd:\t0000000000000000\n"));
	assert_non_null(strstr(r.out, "NoNewPrivs:\t1\n"));
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--groups=0,5", "--bounding-set=-all", "--inh-caps=-all", "--",
			   (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_USER=0", "SHIM_LOG_LEVEL=info"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "Groups:\t0 5 ") || has_line(r.out, "Groups:\t0 5"));
	assert_non_null(strstr(r.err, "identity: supplementary groups kept: 0, 5; dropped: none (0 is the target gid; "
				      "dropping it needs CAP_SETGID)"));
}

/* fsGroup and supplementalGroups on a root start: the runtime's groups stay
 * (a volume chowned to fsGroup stays writable for node), all but 0, and an
 * info line says which were dropped (issue 21). */
void root_start_keeps_the_runtimes_groups_but_0(void **state)
{
	(void)state;
	struct result r;
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--groups=2000", "--", (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_LOG_LEVEL=info"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "Groups:\t2000 ") || has_line(r.out, "Groups:\t2000"));
	assert_non_null(strstr(r.out, "Uid:\t65532\t65532\t65532\t65532\n"));
	assert_non_null(strstr(r.err, "shim: info: identity: supplementary groups kept: 2000; dropped: none\n"));
	/* Kubernetes' root start: the gid 0 group, fsGroup, supplementalGroups. */
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--groups=0,2000,3000", "--", (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_LOG_LEVEL=info"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "Groups:\t2000 3000 ") || has_line(r.out, "Groups:\t2000 3000"));
	assert_non_null(strstr(r.err, "identity: supplementary groups kept: 2000, 3000; dropped: 0 (root's group)\n"));
	/* Quiet at the default level. */
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--groups=0,2000", "--", (char *)shim, (char *)probe, "status"), NULL, &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.err, "");
	/* Dropping 0 needs CAP_SETGID even when the gid is already the target's. */
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--regid=65532", "--groups=0,2000", "--bounding-set=-all,+setuid,+setpcap",
			   "--inh-caps=-all", "--", (char *)shim, (char *)probe, "status"),
		      NULL, &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "identity: started as root without CAP_SETGID, which running as 65532:65532 needs"));
	/* More groups than the shim handles: refused, not cut short. */
	char many[2048] = "--groups=1";
	for (int g = 2; g <= 300; g++)
		snprintf(many + strlen(many), sizeof many - strlen(many), ",%d", g);
	run_in_pid_ns(ARGS("/usr/bin/setpriv", many, "--", (char *)shim, (char *)probe, "status"), NULL, &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "started with 300 supplementary groups, more than the 256"));
	/* Group 0 as the only group, as runtimes give root: none left. */
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--groups=0", "--", (char *)shim, (char *)probe, "status"), NULL, &r);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "65532", "65532");
}

/* Decision: SETUID and SETGID but no SETPCAP. A non-root target runs with the
 * bounding set the runtime gave (inert under no_new_privs with every other
 * set empty); a uid 0 target, for which it is not inert, is refused. */
void root_start_without_setpcap(void **state)
{
	(void)state;
	struct result r;
	char *const cmd[] = { "/usr/bin/setpriv", "--bounding-set=-all,+setuid,+setgid", "--inh-caps=-all", "--",
			      (char *)shim, (char *)probe, "status", NULL };
	run_in_pid_ns(cmd, ENV("SHIM_LOG_LEVEL=info"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_dropped_to(r.out, "65532", "65532");
	assert_true(has_line(r.out, "CapBnd:\t00000000000000c0")); /* left: SETGID (6), SETUID (7) */
	assert_non_null(strstr(r.err, "capability bounding set not empty and cannot be changed (no CAP_SETPCAP)"));
	run_in_pid_ns(cmd, ENV("SHIM_USER=0"), &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "started as root without CAP_SETPCAP, which running as 0:0 needs"));
}

/* SHIM_KEEP_NET_BIND_SERVICE=true: the child keeps CAP_NET_BIND_SERVICE as
 * ambient (bind(:80) works) and nothing else, no_new_privs still set; PID 1
 * holds none; refused (77) where the runtime did not grant it; without it,
 * the info line names what was dropped (issue 21). A new network namespace
 * keeps port 80 free. */
#define NEW_NET "/usr/bin/unshare", "--net", "--"
#define NBS "0000000000000400"

void keep_net_bind_service_keeps_that_alone(void **state)
{
	(void)state;
	struct result r;
	run_in_pid_ns(ARGS(NEW_NET, (char *)shim, (char *)probe, "status"), ENV("SHIM_KEEP_NET_BIND_SERVICE=true"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Uid:\t65532\t65532\t65532\t65532\n"));
	assert_non_null(strstr(r.out, "CapInh:\t" NBS "\n"));
	assert_non_null(strstr(r.out, "CapPrm:\t" NBS "\n"));
	assert_non_null(strstr(r.out, "CapEff:\t" NBS "\n"));
	assert_non_null(strstr(r.out, "CapBnd:\t" NBS "\n"));
	assert_non_null(strstr(r.out, "CapAmb:\t" NBS "\n"));
	assert_non_null(strstr(r.out, "NoNewPrivs:\t1\n"));
	assert_non_null(strstr(r.out, "Seccomp:\t2\n"));
	assert_string_equal(r.err, "");
	run_in_pid_ns(ARGS(NEW_NET, (char *)shim, (char *)probe, "bind", "80"), ENV("SHIM_KEEP_NET_BIND_SERVICE=true"), &r);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "bind 80: ok\n");
	/* PID 1 let go of it once the child had it. */
	run_in_pid_ns(ARGS((char *)shim, (char *)probe, "pid1"), ENV("SHIM_KEEP_NET_BIND_SERVICE=true"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_true(has_line(r.out, "CapPrm:\t0000000000000000"));
	assert_true(has_line(r.out, "CapInh:\t0000000000000000"));
	assert_true(has_line(r.out, "CapAmb:\t0000000000000000"));

	/* Without it: EACCES, and the info line says what went. */
	run_in_pid_ns(ARGS(NEW_NET, (char *)shim, (char *)probe, "bind", "80"), ENV("SHIM_LOG_LEVEL=info"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "bind 80: Permission denied\n");
	assert_non_null(strstr(r.err, "shim: info: identity: capabilities dropped: CAP_CHOWN, CAP_DAC_OVERRIDE, "));
	assert_non_null(strstr(r.err, ", CAP_NET_BIND_SERVICE, "));
	assert_non_null(strstr(r.err, " (SHIM_KEEP_NET_BIND_SERVICE=true keeps CAP_NET_BIND_SERVICE for the child)\n"));
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--bounding-set=-all,+setuid,+setgid,+setpcap,+net_raw", "--inh-caps=-all",
			   "--", (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_LOG_LEVEL=info"), &r);
	assert_non_null(strstr(r.err, "shim: info: identity: capabilities dropped: CAP_SETGID, CAP_SETUID, CAP_SETPCAP, "
				      "CAP_NET_RAW\n"));

	/* Not granted: refused before anything changes, one line. */
	run_in_pid_ns(ARGS("/usr/bin/setpriv", "--bounding-set=-all,+setuid,+setgid,+setpcap", "--inh-caps=-all", "--",
			   (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_KEEP_NET_BIND_SERVICE=true"), &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, "");
	assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);
	assert_non_null(strstr(r.err, "SHIM_KEEP_NET_BIND_SERVICE=true, but the runtime did not grant CAP_NET_BIND_SERVICE"));
	/* The chart's start has none to keep. */
	run_as_1000(ENV("SHIM_KEEP_NET_BIND_SERVICE=1"), &r);
	assert_int_equal(r.status, 77);
	assert_string_equal(r.out, "");

	/* Podman's non-root --cap-add: ambient from the runtime, kept as ambient. */
	run_in_pid_ns(ARGS(NEW_NET, "/usr/bin/setpriv", "--reuid=1000", "--regid=1000", "--clear-groups",
			   "--inh-caps=+net_bind_service", "--ambient-caps=+net_bind_service", "--", (char *)shim,
			   (char *)probe, "bind", "80"),
		      ENV("SHIM_KEEP_NET_BIND_SERVICE=true"), &r);
	print_message("%s%s", r.out, r.err);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "bind 80: ok\n");
	/* Root without capabilities, but this one. */
	run_in_pid_ns(ARGS(NEW_NET, (char *)shim, (char *)probe, "status"),
		      ENV("SHIM_USER=0", "SHIM_KEEP_NET_BIND_SERVICE=true"), &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Uid:\t0\t0\t0\t0\n"));
	assert_non_null(strstr(r.out, "CapPrm:\t" NBS "\n"));
	assert_non_null(strstr(r.out, "CapBnd:\t" NBS "\n"));
	assert_non_null(strstr(r.out, "NoNewPrivs:\t1\n"));
}
