#ifndef SHIM_PATH_H
#define SHIM_PATH_H

#include <stddef.h>

/* The PATH used when the environment has none (musl's and glibc's execvp default). */
#define SHIM_DEFAULT_PATH "/usr/local/bin:/bin:/usr/bin"

/* Walks the candidates for running NAME: NAME itself when it contains '/',
 * else each PATH directory, then each fallback directory. No allocation, so
 * the child can use it between fork and exec. */
struct path_walk {
	const char *name;
	size_t name_len;
	const char *lists[2];
	int list;
	int done;
};

void path_walk_init(struct path_walk *w, const char *name, const char *path, const char *fallback);

/* Writes the next candidate to buf. Returns 1, or 0 when there is none left.
 * Candidates that do not fit in size are skipped. */
int path_walk_next(struct path_walk *w, char *buf, size_t size);

/* What execvp does with an execve error: keep searching, or stop here. */
int path_error_is_final(int err);

/* The search execvp makes, done with stat and access instead of execve
 * attempts, so the child can finish it before installing its filter and then
 * make one execve (as runc does). A candidate is taken when it is a regular
 * file the caller may execute (access X_OK: permissions, ACLs, noexec mounts).
 * Returns 0 with the path in BUF; EACCES with the first candidate that exists
 * but cannot be executed in BUF (execvp's answer when it found only such
 * files); an error that stops execvp's search (path_error_is_final) with that
 * candidate in BUF; else the last candidate's error (ENOENT, ENOTDIR, ...; ENOENT
 * when there was no candidate): not found. On success, *fallback_dir (when
 * not NULL) is the length of the fallback directory the file was found in
 * (BUF's prefix), 0 when PATH or a name with '/' found it. No allocation. */
int path_find(const char *name, const char *path, const char *fallback, char *buf, size_t size,
	      size_t *fallback_dir);

#endif
