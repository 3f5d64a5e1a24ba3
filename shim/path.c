#include "path.h"

#include <errno.h>
#include <string.h>

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
