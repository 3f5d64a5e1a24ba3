/* libFuzzer: the profile loader, JSON in, filter out (or a clean refusal);
 * and the differential oracle on every rule set: where the shim installs
 * the range program, it must decide as libseccomp's program on the
 * boundary and random vectors of tests/differential.h, or the run aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../differential.h"
#include "emit.h"
#include "exitcode.h"
#include "log.h"
#include "profile.h"
#include "verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Refusals print one line each; run with -close_fd_mask=2 to keep it quiet. */
	log_set_level(LOG_LEVEL_ERROR);
	struct ruleset rs;
	if (profile_parse((const char *)data, size, "fuzz", &rs, NULL) == 0) {
		/* Rules libseccomp 2.6.0 never finishes compiling end the process
		 * (emit_libseccomp's deadline, exit 65, tested on its own): skip. */
		bool loops = diff_overlapping(&rs) && !diff_libseccomp_finishes(&rs);
		ruleset_free(&rs);
		if (loops)
			return 0;
	}

	struct filter_pair pair;
	char *effective = NULL;
	int rc = profile_compile_libseccomp((const char *)data, size, "fuzz", &pair, &effective);
	if (rc != 0 && rc != EXIT_SECCOMP)
		abort();
	if (rc == 0) {
		if (!pair.enforce_len || !pair.complain_len || !effective)
			abort();
		/* What --print-profile prints must load again. */
		struct filter_pair again;
		char *second = NULL;
		if (profile_compile_libseccomp(effective, strlen(effective), "fuzz-effective", &again, &second))
			abort();
		filter_pair_free(&again);
		free(second);

		if (profile_parse((const char *)data, size, "fuzz", &rs, NULL))
			abort();
		struct sock_filter *lib, *prog;
		unsigned short lib_len, len;
		bool is_range;
		if (emit_libseccomp(&rs, "fuzz", &lib, &lib_len) || profile_emit(&rs, "fuzz", false, &prog, &len, &is_range))
			abort();
		if (is_range) {
			uint64_t seed = 1469598103934665603ull;
			for (size_t i = 0; i < size; i++)
				seed = (seed ^ data[i]) * 1099511628211ull;
			struct diff_result r;
			diff_run(&rs, prog, len, lib, lib_len, seed, 2000, &r);
			if (r.differences) {
				fprintf(stderr, "the range program differs from libseccomp's: %s\n", r.first);
				abort();
			}
		}
		free(lib);
		free(prog);
		ruleset_free(&rs);
		filter_pair_free(&pair);
		free(effective);
	}
	return 0;
}
