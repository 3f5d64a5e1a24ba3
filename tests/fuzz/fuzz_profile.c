/* libFuzzer: the profile loader, JSON in, filter out (or a clean refusal);
 * and the range emitter and its verification on every rule set. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	struct filter_pair pair;
	char *effective = NULL;
	int rc = profile_compile((const char *)data, size, "fuzz", &pair, &effective);
	if (rc != 0 && rc != EXIT_SECCOMP)
		abort();
	if (rc == 0) {
		if (!pair.enforce_len || !pair.complain_len || !effective)
			abort();
		/* What --print-profile prints must load again. */
		struct filter_pair again;
		char *second = NULL;
		if (profile_compile(effective, strlen(effective), "fuzz-effective", &again, &second))
			abort();
		filter_pair_free(&again);
		free(second);

		struct ruleset rs;
		if (profile_parse((const char *)data, size, "fuzz", &rs, NULL))
			abort();
		struct sock_filter *lib, *range;
		unsigned short lib_len, range_len;
		if (emit_range(&rs, &range, &range_len) == 0) {
			char why[256];
			if (emit_libseccomp(&rs, "fuzz", &lib, &lib_len))
				abort();
			/* A difference is not a crash: profile_emit then keeps libseccomp's
			 * program (rules that overlap are read first-match here). */
			(void)verify_programs(&rs, lib, lib_len, range, range_len, why, sizeof why);
			free(lib);
			free(range);
		}
		ruleset_free(&rs);
		filter_pair_free(&pair);
		free(effective);
	}
	return 0;
}
