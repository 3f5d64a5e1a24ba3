#include <errno.h>
#include <json-c/json.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "config.h"
#include "diff.h"
#include "embedded.h"
#include "exitcode.h"
#include "filter.h"
#include "identity.h"
#include "log.h"
#include "merge.h"
#include "path.h"
#include "plan.h"
#include "spawn.h"
#include "supervise.h"
#include "tools.h"

#ifndef SHIM_VERSION
#define SHIM_VERSION "dev"
#endif
#ifndef SHIM_COMMIT
#define SHIM_COMMIT "unknown"
#endif
#ifndef SHIM_MUSL_VERSION
#define SHIM_MUSL_VERSION "unknown"
#endif

extern char **environ;

static int print_version(void)
{
	const struct scmp_version *v = seccomp_version();
	struct sock_fprog enforce, complain;
	embedded_default(&enforce, &complain);
	printf("shim %s (commit %s)\n"
	       "libc: musl %s, static-pie\n"
	       "libseccomp: %u.%u.%u\n"
	       "json-c: %s\n"
	       "default profile: %u BPF instructions (complain variant %u)\n"
	       "licence: Apache-2.0; contains musl (MIT), libseccomp (LGPL-2.1), json-c (MIT):"
	       " see THIRD_PARTY_NOTICES.md\n",
	       SHIM_VERSION, SHIM_COMMIT, SHIM_MUSL_VERSION, v->major, v->minor, v->micro, json_c_version(),
	       enforce.len, complain.len);
	return fflush(stdout) ? EXIT_SYSTEM : 0;
}

/* One block of each size the start path allocates and frees (a passwd
 * lookup's FILE, a line buffer), held for the process's life, keeps musl's
 * allocator from unmapping and mapping its groups again at each lookup:
 * bench/README.md, "The heap hold", has the measurement. Not in the
 * sanitizer build: its allocator is not musl's, and LeakSanitizer would
 * report the blocks once main's frame is gone. */
static void keep_heap_mapped(void *volatile held[2])
{
#ifdef __SANITIZE_ADDRESS__
	held[0] = held[1] = NULL;
#else
	held[0] = malloc(1264);
	held[1] = malloc(64);
#endif
}

/* --check decides as the run does: the same identity drop (this process
 * becomes the child's user; it runs nothing and exits), then the child's own
 * command search with that user's rights. */
static int check_summary(const struct shim_config *cfg, struct identity *id, const struct filter_setup *f)
{
	int rc = identity_apply(id);
	if (rc)
		return rc;
	/* Static: a start that is not --check never touches its page. */
	static char found[4096];
	size_t fallback_dir = 0;
	if (cfg->command) {
		struct spawn_request req = {
			.argv = cfg->command,
			.path = cfg->path,
			.fallback = cfg->fallback_path,
			.ambient_net_bind_service = cfg->keep_net_bind_service,
		};
		if ((rc = spawn_check(&req, found, sizeof found, &fallback_dir)))
			return rc;
	}
	printf("shim: ok: user %u:%u (%s), seccomp %s%s%s (%u instructions, %s), fallback %s%s%s%s%.*s%s\n",
	       (unsigned)id->uid, (unsigned)id->gid, cfg->user_explicit ? "SHIM_USER" : "default",
	       f->off ? "off" : cfg->seccomp, f->off ? "" : " ", f->off ? "" : f->kind,
	       f->off ? 0u : f->prog.len, seccomp_mode_names[cfg->seccomp_mode],
	       cfg->fallback_path, cfg->command ? ", command " : "", found,
	       fallback_dir ? " (PATH gains " : "", (int)fallback_dir, found, fallback_dir ? ")" : "");
	return fflush(stdout) ? EXIT_SYSTEM : 0;
}

/* The profile tools and the informational actions: no child, no PID 1. */
static int run_tool(const struct shim_config *cfg)
{
	switch (cfg->action) {
	case ACTION_HELP:
		config_usage(stdout);
		return fflush(stdout) ? EXIT_SYSTEM : 0;
	case ACTION_VERSION:
		return print_version();
	case ACTION_PRINT_PROFILE:
		return tools_print_profile(cfg->seccomp);
	case ACTION_COMPILE_PROFILE:
		return tools_compile_profile(cfg->compile_in, cfg->compile_out);
	case ACTION_EXPORT_PROFILE:
		return tools_export_profile(cfg->export_format, cfg->export_in, cfg->export_name);
	case ACTION_LEARNED:
		return tools_learned(cfg->export_format, cfg->learn_file, cfg->export_name);
	case ACTION_MERGE_PROFILE:
		return merge_profile_tool(cfg->profiles, cfg->nprofiles, cfg->merge_review);
	case ACTION_DIFF_PROFILE:
		return diff_profile_tool(cfg->profiles[0], cfg->profiles[1]);
	case ACTION_RUN:
	case ACTION_CHECK:
		break;
	}
	return EXIT_SYSTEM; /* not a tool: main runs these */
}

/* What supervise needs once the child runs. */
struct running {
	pid_t child;
	bool pid1;
	int listener, sigfd, timerfd;
};

/* Starts the child as the plan says, with every descriptor PID 1 needs made
 * first: a failure here runs nothing (bad-inputs row 67), none after the
 * spawn. Then PID 1 lets go of what only the start needed. */
static int start(const struct shim_config *cfg, struct identity *id, struct plan *plan, const sigset_t *blocked,
		 const sigset_t *original, struct running *out)
{
	if (plan->filter.off)
		log_warn("SHIM_SECCOMP=off: the child runs without the shim's seccomp filter");
	struct sigaction chld;
	if (sigaction(SIGCHLD, NULL, &chld)) {
		log_error("sigaction: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	bool sigchld_ignored = chld.sa_handler == SIG_IGN;
	/* An ignored SIGCHLD would make the kernel reap for us and lose the status. */
	if (sigchld_ignored && signal(SIGCHLD, SIG_DFL) == SIG_ERR) {
		log_error("signal: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	out->pid1 = getpid() == 1;
	if (!out->pid1 && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) {
		log_error("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	int rc = identity_apply(id);
	/* As the user PID 1 runs as: a location it cannot write fails before exec. */
	if (!rc && plan->recorder && plan->recorder->open)
		rc = plan->recorder->open();
	if (rc)
		return rc;

	/* Room for the PATH the child writes when the fallback finds its command. */
	struct child_path child_path = {
		.room_size = 5 + strlen(cfg->path ? cfg->path : SHIM_DEFAULT_PATH) + 1 + strlen(cfg->fallback_path) + 1,
	};
	char **child_env = config_child_env(environ, id->replace_home ? id->home : NULL, &child_path);
	out->sigfd = signalfd(-1, blocked, SFD_CLOEXEC | SFD_NONBLOCK);
	out->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (!child_env || out->sigfd < 0 || out->timerfd < 0) {
		free(child_env);
		log_error("%s: %s", !child_env ? "environment" : out->sigfd < 0 ? "signalfd" : "timerfd_create",
			  strerror(errno));
		return EXIT_SYSTEM;
	}
	struct spawn_request req = {
		.argv = cfg->command,
		.envp = child_env,
		.path = cfg->path,
		.fallback = cfg->fallback_path,
		.child_mask = original,
		.sigchld_ignored = sigchld_ignored,
		.foreground = isatty(STDIN_FILENO),
		.filter = plan->filter.off ? NULL : &plan->filter.prog,
		.listener = plan->recorder != NULL,
		.path_entry = child_path.room,
		.path_entry_size = child_path.room_size,
		.path_slot = child_path.slot,
		.ambient_net_bind_service = cfg->keep_net_bind_service,
	};
	/* A glibc build (the sanitizer one) restores masks through its own
	 * sigprocmask inside NSS (getpwuid_r), which unblocks its reserved
	 * 32-33: block everything again once that is done (a no-op with musl). */
	if (shim_sigmask(SIG_BLOCK, blocked, NULL)) {
		log_error("sigprocmask: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	rc = spawn_child(&req, &out->child, &out->listener);
	/* The child has exec'd or failed: its environment and filter are its own now. */
	free(child_env);
	if (rc)
		return rc;
	log_debug("started %s as pid %d (seccomp %s)", cfg->command[0], (int)out->child, plan->filter.kind);
	/* The child has raised it as ambient and exec'd: PID 1 lets go of it. */
	rc = identity_release(id);
#ifndef SHIM_NO_PID1_FILTER
	/* From here on PID 1 only waits, signals, reads its fds and writes stderr. */
	if (!rc)
		rc = filter_confine_pid1();
#endif
	if (rc)
		(void)kill(out->child, SIGKILL);
	return rc;
}

int main(int argc, char **argv)
{
	/* Block first: a namespace PID 1 loses a signal that arrives with no
	 * handler, and the child must not miss a TERM sent during start-up. */
	sigset_t blocked, original;
	supervise_blocked_set(&blocked);
	if (shim_sigmask(SIG_BLOCK, &blocked, &original)) {
		log_error("sigprocmask: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	struct shim_config cfg;
	int rc = config_load(&cfg, argc, argv, environ);
	if (rc)
		return rc;
	if (cfg.action != ACTION_RUN && cfg.action != ACTION_CHECK)
		return run_tool(&cfg);
	/* PID 1 keeps nothing the runtime leaked (the CVE-2024-21626 class):
	 * before anything opens, so only stdin, stdout and stderr stay. Not for
	 * the profile tools above, whose files may be /dev/fd/N. */
	if (spawn_close_fds_from(3)) {
		log_error("closing inherited descriptors: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	/* On main's stack, which lives as long as the process. */
	void *volatile held_blocks[2];
	keep_heap_mapped(held_blocks);

	/* Everything that can be wrong with the configuration surfaces here,
	 * before any credential change, filter or fork. */
	struct identity id;
	struct identity_request who = {
		.user = cfg.user,
		.explicit_user = cfg.user_explicit,
		.keep_net_bind_service = cfg.keep_net_bind_service,
		.home = getenv("HOME"),
	};
	if ((rc = identity_prepare(&who, &id)))
		return rc;
	struct plan plan;
	if ((rc = plan_seccomp(&cfg, &plan)))
		return rc;
	if (cfg.action == ACTION_CHECK) {
		rc = check_summary(&cfg, &id, &plan.filter);
		plan_release(&plan);
		return rc;
	}

	struct running run = { .listener = -1 };
	rc = start(&cfg, &id, &plan, &blocked, &original, &run);
	plan_release(&plan);
	if (rc)
		return rc;
	struct supervise_opts opts = {
		.child = run.child,
		.pid1 = run.pid1,
		.group = cfg.group,
		.forward_usr1 = cfg.forward_usr1,
		.stop_signal = cfg.stop_signal,
		.stop_timeout = cfg.stop_timeout,
		.grace_seconds = cfg.grace_seconds,
		.notify_fd = run.listener,
		.on_notify = plan.recorder ? plan.recorder->on_notify : NULL,
	};
	rc = supervise(&opts, run.sigfd, run.timerfd);
	if (plan.recorder && plan.recorder->finish)
		plan.recorder->finish();
	return rc;
}
