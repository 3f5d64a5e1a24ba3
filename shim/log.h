#ifndef SHIM_LOG_H
#define SHIM_LOG_H

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* One line on stderr: "shim: TAG: message". Never allocates. */
void log_line(enum log_level level, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_error(...) log_line(LOG_LEVEL_ERROR, "error", __VA_ARGS__)
#define log_warn(...) log_line(LOG_LEVEL_WARN, "warn", __VA_ARGS__)
#define log_info(...) log_line(LOG_LEVEL_INFO, "info", __VA_ARGS__)
#define log_debug(...) log_line(LOG_LEVEL_DEBUG, "debug", __VA_ARGS__)

#endif
