/* The program the child installs: chosen and compiled before anything starts
 * (SHIM_SECCOMP, its mode), and PID 1's own. */
#include "filter.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "emit.h"
#include "embedded.h"
#include "exitcode.h"
#include "log.h"
#include "profile_file.h"

/* Learn mode's base: its rule set (kept for learn_init) and enforce program
 * (which classifies what the workload does). */
static int prepare_learn(const char *json, size_t len, const char *source, struct filter_setup *out)
{
	int rc = profile_parse(json, len, source, &out->rules, NULL);
	if (rc)
		return rc;
	if (emit_libseccomp(&out->rules, source, &out->owned.enforce, &out->owned.enforce_len)) {
		filter_release(out);
		return EXIT_SECCOMP;
	}
	return 0;
}

int filter_prepare(const char *setting, enum seccomp_mode mode, struct filter_setup *out)
{
	memset(out, 0, sizeof *out);
	if (!strcmp(setting, "off")) {
		out->off = true;
		out->kind = "off";
		if (mode != SECCOMP_MODE_ENFORCE) {
			log_error("SHIM_SECCOMP_MODE=%s needs a profile, but SHIM_SECCOMP=off",
				  seccomp_mode_names[mode]);
			return EXIT_CONFIG;
		}
		return 0;
	}

	struct sock_fprog enforce, complain;
	/* Learn mode writes rules, so it needs them, not only the program. */
	bool learn = mode == SECCOMP_MODE_LEARN;
	if (!strcmp(setting, "default") && learn) {
		out->kind = "embedded";
		size_t default_len;
		const char *default_json = embedded_default_json(&default_len);
		/* The build already reported the names this libseccomp skips. */
		enum log_level level = log_get_level();
		log_set_level(LOG_LEVEL_ERROR);
		int rc = prepare_learn(default_json, default_len, "default", out);
		log_set_level(level);
		if (rc)
			return rc;
		enforce = complain = (struct sock_fprog){ out->owned.enforce_len, out->owned.enforce };
	} else if (!strcmp(setting, "default")) {
		out->kind = "embedded";
		embedded_default(&enforce, &complain);
	} else {
		size_t len = 0;
		char *data = profile_read_file(setting, &len);
		if (!data)
			return EXIT_SECCOMP;
		int rc;
		if (profile_is_bpf(data, len) && learn) {
			log_error("seccomp profile %s: learn mode needs a JSON profile (a compiled BPF file has no "
				  "rules to write back); use its JSON source", setting);
			rc = EXIT_SECCOMP;
		} else if (profile_is_bpf(data, len)) {
			out->kind = "bpf";
			rc = bpf_file_read(setting, data, len, &out->owned);
		} else if (learn) {
			out->kind = "json";
			rc = prepare_learn(data, len, setting, out);
		} else {
			out->kind = "json";
			/* The range program where it is proven equal to libseccomp's,
			 * else libseccomp's. Only the program this mode installs: the
			 * other would double the load time for nothing. */
			rc = profile_compile(data, len, setting, &out->owned, NULL,
					     mode == SECCOMP_MODE_ENFORCE ? PROFILE_ENFORCE : PROFILE_COMPLAIN);
		}
		free(data);
		if (rc)
			return rc;
		enforce = (struct sock_fprog){ out->owned.enforce_len, out->owned.enforce };
		/* Learn mode: learn_init replaces the program with its variant. */
		complain = learn ? enforce : (struct sock_fprog){ out->owned.complain_len, out->owned.complain };
	}
	out->prog = mode == SECCOMP_MODE_ENFORCE ? enforce : complain;
	out->base = enforce;
	return 0;
}

void filter_release(struct filter_setup *f)
{
	filter_pair_free(&f->owned);
	ruleset_free(&f->rules);
}

int filter_confine_pid1(void)
{
	struct sock_fprog prog;
	embedded_pid1(&prog);
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) {
		log_error("seccomp: confining PID 1: %s", strerror(errno));
		return EXIT_SECCOMP;
	}
	return 0;
}

