#ifndef SHIM_TESTLIB_H
#define SHIM_TESTLIB_H
/* cmocka and what the tests share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A whole file (profiles, fixtures) into a static buffer, NUL-terminated. */
static inline char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("%s: %s (files under build/test-deps come from make test-deps)", path, strerror(errno));
	static char buf[1 << 20];
	*len = fread(buf, 1, sizeof buf - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* Valgrind runs its client with its preload library. */
static inline bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");
	return p && strstr(p, "vgpreload");
}

/* Runs fn with stderr captured; returns what it wrote (static buffer). */
static inline const char *capture_stderr(void (*fn)(void *), void *arg)
{
	static char buf[8192];
	char path[] = "/tmp/shim-test-XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(2);
	unlink(path);
	dup2(fd, 2);
	fn(arg);
	dup2(saved, 2);
	close(saved);
	lseek(fd, 0, SEEK_SET);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static inline char *write_temp(const char *content, size_t len)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/shim-test-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, content, len) != (ssize_t)len)
		abort();
	close(fd);
	return path;
}

#endif
