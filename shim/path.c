#include "path.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void path_walk_init(struct path_walk *w, const char *name, const char *path, const char *fallback)
{
	w->name = name;
	w->name_len = strlen(name);
	w->lists[0] = path ? path : SHIM_DEFAULT_PATH;
	w->lists[1] = fallback ? fallback : "";
	w->list = 0;
	w->done = 0;
}

int path_walk_next(struct path_walk *w, char *buf, size_t size)
{
	if (w->done)
		return 0;
	if (strchr(w->name, '/') || !w->name_len) {
		w->done = 1;
		if (w->name_len + 1 > size)
			return 0;
		memcpy(buf, w->name, w->name_len + 1);
		return 1;
	}
	while (w->list < 2) {
		const char *dir = w->lists[w->list];
		if (!dir) {
			w->list++;
			continue;
		}
		const char *end = strchr(dir, ':');
		size_t dir_len = end ? (size_t)(end - dir) : strlen(dir);
		w->lists[w->list] = end ? end + 1 : NULL;
		/* The fallback list given as "" means none; an empty PATH entry means ".". */
		if (w->list == 1 && dir_len == 0)
			continue;
		const char *d = dir_len ? dir : ".";
		size_t dl = dir_len ? dir_len : 1;
		if (dl + 1 + w->name_len + 1 > size)
			continue;
		memcpy(buf, d, dl);
		buf[dl] = '/';
		memcpy(buf + dl + 1, w->name, w->name_len + 1);
		return 1;
	}
	w->done = 1;
	return 0;
}

int path_error_is_final(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case EACCES: /* remembered by the caller, the search goes on */
	case ENAMETOOLONG:
	case ELOOP:
	case ESTALE:
	case ENODEV:
	case ETIMEDOUT:
		return 0;
	default:
		return 1;
	}
}

/* 0 when CANDIDATE could be exec'd, else the errno execve would give. */
static int check_candidate(const char *candidate)
{
	struct stat st;
	if (stat(candidate, &st))
		return errno;
	/* execve answers EACCES for a directory or anything not a regular file. */
	if (!S_ISREG(st.st_mode))
		return EACCES;
	return access(candidate, X_OK) ? errno : 0;
}

int path_find(const char *name, const char *path, const char *fallback, char *buf, size_t size,
	      size_t *fallback_dir)
{
	struct path_walk walk;
	unsigned index = 0, denied = 0; /* 1 + the index of the first EACCES candidate */
	int err = ENOENT;
	if (fallback_dir)
		*fallback_dir = 0;
	path_walk_init(&walk, name, path, fallback);
	for (; path_walk_next(&walk, buf, size); index++) {
		err = check_candidate(buf);
		/* The walk is still on the list it took BUF from; BUF is DIR/NAME. */
		if (!err && fallback_dir && walk.list == 1 && !strchr(name, '/'))
			*fallback_dir = strlen(buf) - walk.name_len - 1;
		if (!err)
			return 0;
		if (err == EACCES && !denied)
			denied = index + 1;
		if (path_error_is_final(err))
			return err;
	}
	if (!denied)
		return err;
	/* Walk again to the first denied candidate: no second buffer. */
	path_walk_init(&walk, name, path, fallback);
	for (index = 0; index < denied; index++)
		(void)path_walk_next(&walk, buf, size);
	return EACCES;
}
