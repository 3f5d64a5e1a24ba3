/* Steps 2-3, resolve and emit, and the choice of program: the range program
 * where it is proven to decide as libseccomp's does, else libseccomp's. */
#include "profile.h"

#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "exitcode.h"
#include "log.h"
#include "resolve.h"
#include "verify.h"

int profile_emit(const struct ruleset *rs, const char *source, bool strict, struct sock_filter **prog,
		 unsigned short *len, bool *is_range)
{
	struct sock_filter *lib, *range;
	unsigned short lib_len, range_len;
	if (is_range)
		*is_range = false;
	if (emit_libseccomp(rs, source, &lib, &lib_len))
		return -1;
	/* The range program only where it is proven to decide as libseccomp's
	 * does on every input (verify.c). */
	char why[320] = "outside what the range emitter handles";
	range = NULL;
	/* Resolved once: the range program is emitted from these tables and
	 * proven against them. */
	struct table *tables;
	int rc = resolve_all(rs, &tables) || emit_range_tables(rs, tables, &range, &range_len)
			 ? VERIFY_UNPROVEN
			 : verify_tables(rs, tables, lib, lib_len, range, range_len, why, sizeof why);
	free(tables);
	if (rc) {
		free(range);
		if (strict) {
			log_error("seccomp profile %s: no range program: %s", source, why);
			free(lib);
			return -1;
		}
		log_info("seccomp profile %s: libseccomp's program (%u instructions), not the range program: %s",
			 source, lib_len, why);
		*prog = lib;
		*len = lib_len;
		return 0;
	}
	/* Both decide alike: the shorter is installed (libseccomp's linear
	 * list can be, for a profile that allows a handful of calls). */
	if (lib_len < range_len) {
		log_info("seccomp profile %s: libseccomp's program (%u instructions), not the range program: both "
			 "proven to decide alike, libseccomp's is shorter (the range program has %u)", source, lib_len,
			 range_len);
		free(range);
		*prog = lib;
		*len = lib_len;
		return 0;
	}
	free(lib);
	if (is_range)
		*is_range = true;
	*prog = range;
	*len = range_len;
	return 0;
}

static int compile_with(const char *json, size_t len, const char *source, struct filter_pair *out,
			char **effective, bool range, unsigned which)
{
	memset(out, 0, sizeof *out);
	struct ruleset rs, complain;
	int rc = profile_parse(json, len, source, &rs, effective);
	if (rc)
		return rc;
	if ((which & PROFILE_ENFORCE) &&
	    (range ? profile_emit(&rs, source, false, &out->enforce, &out->enforce_len, &out->enforce_range)
		   : emit_libseccomp(&rs, source, &out->enforce, &out->enforce_len)))
		rc = EXIT_SECCOMP;
	if (!rc && (which & PROFILE_COMPLAIN)) {
		if (ruleset_complain(&rs, &complain)) {
			log_error("seccomp profile %s: out of memory", source);
			rc = EXIT_SECCOMP;
		} else {
			if (range ? profile_emit(&complain, source, false, &out->complain, &out->complain_len,
						 &out->complain_range)
				  : emit_libseccomp(&complain, source, &out->complain, &out->complain_len))
				rc = EXIT_SECCOMP;
			ruleset_free(&complain);
		}
	}
	ruleset_free(&rs);
	if (rc) {
		filter_pair_free(out);
		if (effective) {
			free(*effective);
			*effective = NULL;
		}
	}
	return rc;
}

int profile_compile_libseccomp(const char *json, size_t len, const char *source, struct filter_pair *out,
		    char **effective)
{
	return compile_with(json, len, source, out, effective, false, PROFILE_BOTH);
}

int profile_compile(const char *json, size_t len, const char *source, struct filter_pair *out,
			  char **effective, unsigned which)
{
	return compile_with(json, len, source, out, effective, true, which);
}

void filter_pair_free(struct filter_pair *f)
{
	free(f->enforce);
	free(f->complain);
	f->enforce = f->complain = NULL;
	f->enforce_len = f->complain_len = 0;
}
