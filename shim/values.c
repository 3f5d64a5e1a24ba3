/* Strict value parsers for the SHIM_* settings: whole-string decimal, the
 * booleans, signal names and numbers as `kill -l` gives them, log levels. */
#include "values.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

/* RTMIN as `kill -l` and glibc programs (node) number it; musl says 35. */
#define RTMIN 34

int parse_decimal(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	if (!s || !*s)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		unsigned d = (unsigned)(*p - '0');
		if (d > max || v > (max - d) / 10) /* d > max: max - d would wrap */
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off" };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		if (!strcmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static const struct {
	const char *name;
	int sig;
} signal_names[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "BUS", SIGBUS }, { "FPE", SIGFPE }, { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 }, { "SEGV", SIGSEGV }, { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT },
	{ "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU }, { "URG", SIGURG }, { "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

int parse_signal(const char *s, int *out)
{
	unsigned long n;
	if (!s || !*s)
		return -1;
	if (s[0] >= '0' && s[0] <= '9') {
		if (parse_decimal(s, (unsigned long)SIGRTMAX, &n) || n == 0)
			return -1;
		*out = (int)n;
		return 0;
	}
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof signal_names / sizeof *signal_names; i++) {
		if (!strcmp(s, signal_names[i].name)) {
			*out = signal_names[i].sig;
			return 0;
		}
	}
	if (!strncmp(s, "RTMIN", 5)) {
		if (!s[5]) {
			*out = RTMIN;
			return 0;
		}
		if (s[5] == '+' && !parse_decimal(s + 6, (unsigned long)(SIGRTMAX - RTMIN), &n)) {
			*out = RTMIN + (int)n;
			return 0;
		}
		return -1;
	}
	if (!strncmp(s, "RTMAX", 5)) {
		if (!s[5]) {
			*out = SIGRTMAX;
			return 0;
		}
		if (s[5] == '-' && !parse_decimal(s + 6, (unsigned long)(SIGRTMAX - RTMIN), &n)) {
			*out = SIGRTMAX - (int)n;
			return 0;
		}
	}
	return -1;
}

int parse_log_level(const char *s, enum log_level *out)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}
