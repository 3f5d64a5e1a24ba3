/* Who the child runs as: SHIM_USER parsed and looked up (passwd, group),
 * and the HOME decision. Before any credential change. */
#include "user.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "values.h"
#include "exitcode.h"
#include "log.h"

#define MAX_ID 4294967294ul /* (uid_t)-1 means "unchanged" to the kernel */

static int parse_part(const char *s, size_t len, char *buf, size_t size, bool *is_id, unsigned long *id)
{
	if (len == 0 || len >= size)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	bool digits = true;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		bool portable = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') || c == '.' || c == '_' || (c == '-' && i > 0) ||
				(c == '$' && i == len - 1);
		if (!portable)
			return -1;
		if (c < '0' || c > '9')
			digits = false;
	}
	*is_id = digits;
	if (digits && parse_decimal(buf, MAX_ID, id))
		return -1;
	return 0;
}

int identity_parse(const char *spec, struct user_spec *out)
{
	memset(out, 0, sizeof *out);
	const char *colon = strchr(spec, ':');
	size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);
	unsigned long id = 0;
	if (parse_part(spec, ulen, out->user, sizeof out->user, &out->user_is_id, &id))
		return -1;
	out->uid = (uid_t)id;
	if (colon) {
		const char *g = colon + 1;
		if (strchr(g, ':'))
			return -1;
		id = 0;
		if (parse_part(g, strlen(g), out->group, sizeof out->group, &out->group_is_id, &id))
			return -1;
		out->gid = (gid_t)id;
	}
	return 0;
}

static void set_home(struct identity *id, const char *dir)
{
	snprintf(id->home, sizeof id->home, "%s", dir && *dir ? dir : "/");
}

void identity_home_of(uid_t uid, char *buf, size_t size)
{
	struct passwd pw, *pwp = NULL;
	char pwbuf[2048];
	getpwuid_r(uid, &pw, pwbuf, sizeof pwbuf, &pwp);
	snprintf(buf, size, "%s", pwp && pwp->pw_dir && *pwp->pw_dir ? pwp->pw_dir : "/");
}

int identity_prepare(const struct identity_request *req, struct identity *out)
{
	bool home_unset = !req->home || !*req->home;
	/* Docker, Podman, crun and runc set HOME for the image's user: on a root
	 * start that changes uid, a HOME equal to root's home is not the target's
	 * (and unreadable to it), so it is replaced like an unset one. */
	char start_home[256] = "";
	uid_t start_uid = geteuid();
	if (start_uid == 0 && !home_unset)
		identity_home_of(start_uid, start_home, sizeof start_home);
	bool home_is_roots = start_home[0] && !strcmp(req->home, start_home);
	int rc = identity_resolve(req->user, req->explicit_user, home_unset || home_is_roots, out);
	if (rc)
		return rc;
	out->replace_home = home_unset || (home_is_roots && out->uid != start_uid);
	out->keep_net_bind_service = req->keep_net_bind_service;
	return 0;
}

static int readable(const char *file, const char *spec)
{
	if (access(file, R_OK) == 0)
		return 0;
	log_error("SHIM_USER=\"%s\": cannot read %s: %s", spec, file, strerror(errno));
	return -1;
}

int identity_resolve(const char *spec, bool explicit_user, bool need_home, struct identity *out)
{
	struct user_spec us;
	memset(out, 0, sizeof *out);
	out->explicit_user = explicit_user;
	if (identity_parse(spec, &us)) {
		log_error("SHIM_USER=\"%s\": expected uid[:gid] or user[:group] "
			  "(ids 0-4294967294, names of letters, digits, '.', '_', '-')", spec);
		return EXIT_CONFIG;
	}

	struct passwd pw, *pwp = NULL;
	char buf[2048];
	if (us.user_is_id) {
		out->uid = us.uid;
		/* A missing or unreadable passwd is fine for a number; and when
		 * neither the gid nor HOME is wanted from it, it is not read. */
		if (need_home || !us.group[0])
			getpwuid_r(us.uid, &pw, buf, sizeof buf, &pwp);
		/* Documented rule: a uid without an entry gets gid = uid. */
		out->gid = pwp ? pwp->pw_gid : (gid_t)us.uid;
	} else {
		if (readable("/etc/passwd", spec))
			return EXIT_CONFIG;
		int rc = getpwnam_r(us.user, &pw, buf, sizeof buf, &pwp);
		if (!pwp) {
			log_error("SHIM_USER=\"%s\": no user \"%s\" in /etc/passwd%s%s", spec, us.user,
				  rc ? ": " : "", rc ? strerror(rc) : "");
			return EXIT_CONFIG;
		}
		out->uid = pwp->pw_uid;
		out->gid = pwp->pw_gid;
	}
	set_home(out, pwp ? pwp->pw_dir : NULL);

	if (us.group[0]) {
		if (us.group_is_id) {
			out->gid = us.gid;
		} else {
			struct group gr, *grp = NULL;
			if (readable("/etc/group", spec))
				return EXIT_CONFIG;
			int rc = getgrnam_r(us.group, &gr, buf, sizeof buf, &grp);
			if (!grp) {
				log_error("SHIM_USER=\"%s\": no group \"%s\" in /etc/group%s%s", spec, us.group,
					  rc ? ": " : "", rc ? strerror(rc) : "");
				return EXIT_CONFIG;
			}
			out->gid = grp->gr_gid;
		}
	}
	return 0;
}
