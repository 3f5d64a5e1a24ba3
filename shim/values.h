#ifndef SHIM_VALUES_H
#define SHIM_VALUES_H

#include <stdbool.h>

#include "log.h"

/* Strict parsers of one setting's value. Each returns 0 or -1. */
int parse_decimal(const char *s, unsigned long max, unsigned long *out);
int parse_bool(const char *s, bool *out);
int parse_signal(const char *s, int *out);
int parse_log_level(const char *s, enum log_level *out);

#endif
