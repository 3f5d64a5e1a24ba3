#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io.h"

static enum log_level current_level = LOG_LEVEL_WARN;

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

static int log_enabled(enum log_level level)
{
	return level <= current_level;
}

void log_line(enum log_level level, const char *tag, const char *fmt, ...)
{
	char line[1024];
	int saved_errno = errno;
	if (!log_enabled(level))
		return;

	int used = snprintf(line, sizeof line, "shim: %s: ", tag);
	if (used < 0)
		used = 0;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line + used, sizeof line - (size_t)used, fmt, ap);
	va_end(ap);
	size_t len = (size_t)used + (n < 0 ? 0 : (size_t)n);
	if (len > sizeof line - 2)
		len = sizeof line - 2;
	/* A message must stay one line, whatever a value it quotes contains. */
	for (size_t i = 0; i < len; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[len++] = '\n';

	(void)write_all(STDERR_FILENO, line, len); /* stderr is gone: nothing better to do */
	errno = saved_errno;
}
