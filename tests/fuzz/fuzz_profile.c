/* libFuzzer: the profile loader, JSON in, filter out (or a clean refusal). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "log.h"
#include "profile.h"

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
		filter_pair_free(&pair);
		free(effective);
	}
	return 0;
}
