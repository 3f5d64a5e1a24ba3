#ifndef SHIM_IO_H
#define SHIM_IO_H

#include <stddef.h>
#include <sys/types.h>

/* Writes all LEN bytes (again after EINTR and short writes). 0, or -1 with
 * errno (EIO when write returned 0). No allocation. */
int write_all(int fd, const void *buf, size_t len);

/* One read of a small file such as /proc/PID/status into BUF (SIZE > 1),
 * NUL-terminated. The number of bytes, or -1 when it cannot be opened or
 * read (nothing logged: a process may be gone). No allocation. */
ssize_t read_small(const char *path, char *buf, size_t size);

#endif
