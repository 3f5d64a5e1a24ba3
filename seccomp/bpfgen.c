/* Build step: compiles seccomp/default.json (the child's profile) and
 * seccomp/pid1.json (PID 1's own) once, into a header the shim embeds, so
 * starting it costs only the kernel's install. The programs come from the
 * range emitter and are verified against libseccomp's here. What it made goes
 * to stdout; stderr is for warnings and errors only, so a clean build of the
 * shipped profiles leaves it empty (tests/integration checks that). */
#include <errno.h>
#include <json-c/json.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "profile.h"
#include "learn_data.h"

/* The whole file, NUL-terminated (json_tokener_parse reads up to the NUL). */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0, r;
	char *buf = malloc(cap + 1);
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			char *bigger = realloc(buf, (cap *= 2) + 1);
			if (!bigger)
				free(buf);
			buf = bigger;
		}
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

static void emit_prog(FILE *out, const char *name, const struct sock_filter *p, unsigned len)
{
	fprintf(out, "static const struct sock_filter %s[%u] = {\n", name, len);
	for (unsigned i = 0; i < len; i++)
		fprintf(out, "\t{ 0x%04x, %u, %u, 0x%08x },\n", p[i].code, p[i].jt, p[i].jf, p[i].k);
	fprintf(out, "};\n\n");
}

static void emit_string(FILE *out, const char *name, const char *text)
{
	size_t len = strlen(text);
	fprintf(out, "static const char %s[] =", name);
	for (size_t i = 0; i < len; i++) {
		if (i % 64 == 0)
			fprintf(out, "\n\t\"");
		fprintf(out, "\\x%02x", (unsigned char)text[i]);
		if (i % 64 == 63 || i == len - 1)
			fprintf(out, "\"");
	}
	fprintf(out, ";\n\n");
}

/* Compiles PATH with the range emitter, verified decision by decision
 * against libseccomp's program (any difference fails the build); emits
 * NAME_enforce, and with FULL also NAME_complain and NAME_profile_json
 * (minified: --print-profile formats it anyway). */
static int emit_profile(FILE *out, const char *name, const char *path, bool full)
{
	size_t len;
	char *json = slurp(path, &len);
	if (!json) {
		fprintf(stderr, "bpfgen: %s: %s\n", path, strerror(errno));
		return 1;
	}
	struct ruleset rs, complain;
	if (profile_parse(json, len, path, &rs, NULL))
		return 1;
	if (ruleset_complain(&rs, &complain)) {
		fprintf(stderr, "bpfgen: out of memory\n");
		return 1;
	}
	const struct ruleset *variant[2] = { &rs, &complain };
	const char *suffix[2] = { "enforce", "complain" };
	for (int v = 0; v < (full ? 2 : 1); v++) {
		struct sock_filter *prog, *lib;
		unsigned short prog_len, lib_len;
		if (profile_emit(variant[v], path, true, &prog, &prog_len, NULL))
			return 1;
		if (emit_libseccomp(variant[v], path, &lib, &lib_len))
			return 1;
		char sym[64];
		snprintf(sym, sizeof sym, "%s_%s", name, suffix[v]);
		emit_prog(out, sym, prog, prog_len);
		printf("bpfgen: %s (%s): %u instructions, verified against libseccomp's %u\n", path, suffix[v],
		       prog_len, lib_len);
		free(prog);
		free(lib);
	}
	if (full) {
		/* Learn mode's variant is emitted at start (learn.c), from this base
		 * and learn-hot.txt's names it allows for any arguments: checked
		 * here the same way, so a shipped base never falls back. */
		const char *keep[sizeof learn_assumed / sizeof *learn_assumed];
		size_t nkeep = 0;
		for (size_t i = 0; i < sizeof learn_assumed / sizeof *learn_assumed; i++)
			for (unsigned r = 0; r < rs.nrules; r++)
				if (!strcmp(rs.rules[r].name, learn_assumed[i]) && !rs.rules[r].nargs &&
				    rs.rules[r].action == SCMP_ACT_ALLOW) {
					keep[nkeep++] = learn_assumed[i];
					break;
				}
		struct ruleset learn;
		struct sock_filter *prog, *lib;
		unsigned short prog_len, lib_len;
		if (ruleset_learn(&rs, keep, nkeep, &learn) || profile_emit(&learn, path, true, &prog, &prog_len, NULL) ||
		    emit_libseccomp(&learn, path, &lib, &lib_len))
			return 1;
		printf("bpfgen: %s (learn, %zu assumed; emitted at start): %u instructions, range program verified "
		       "(libseccomp's: %u)\n",
		       path, nkeep, prog_len, lib_len);
		free(prog);
		free(lib);
		ruleset_free(&learn);

		json_object *parsed = json_tokener_parse(json);
		const char *minified = parsed ? json_object_to_json_string_ext(
			parsed, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
		if (!minified) {
			fprintf(stderr, "bpfgen: %s: cannot minify\n", path);
			return 1;
		}
		char sym[64];
		snprintf(sym, sizeof sym, "%s_profile_json", name);
		emit_string(out, sym, minified);
		json_object_put(parsed);
	}
	ruleset_free(&complain);
	ruleset_free(&rs);
	free(json);
	return 0;
}

int main(int argc, char **argv)
{
	/* --arch: the target's, when it is not the build host's. */
	if (argc == 6 && !strcmp(argv[1], "--arch")) {
		if (profile_set_arch(argv[2])) {
			fprintf(stderr, "bpfgen: unknown architecture \"%s\" (x86_64 or aarch64)\n", argv[2]);
			return 64;
		}
		argv += 2;
		argc -= 2;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: bpfgen [--arch x86_64|aarch64] DEFAULT.json PID1.json OUT.h\n");
		return 64;
	}
	FILE *out = fopen(argv[3], "w");
	if (!out) {
		fprintf(stderr, "bpfgen: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	fprintf(out, "/* Generated by seccomp/bpfgen from %s and %s. Do not edit. */\n\n", argv[1], argv[2]);
	/* embedded.c refuses to build with a header made for another architecture. */
	fprintf(out, "#define SHIM_FILTER_AUDIT_ARCH 0x%08xu\n\n", (unsigned)profile_arch());
	if (emit_profile(out, "default", argv[1], true) || emit_profile(out, "pid1", argv[2], false))
		return 1;
	if (fclose(out)) {
		fprintf(stderr, "bpfgen: %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	if (fflush(stdout)) {
		fprintf(stderr, "bpfgen: stdout: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
