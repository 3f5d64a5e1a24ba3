#ifndef SHIM_USER_H
#define SHIM_USER_H

/* Who the child runs as: SHIM_USER parsed and looked up, and its HOME,
 * before any credential change. */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* SHIM_USER split into its parts, before any lookup. */
struct user_spec {
	char user[64];
	char group[64];   /* empty when not given */
	bool user_is_id;
	bool group_is_id;
	uid_t uid;
	gid_t gid;
};

struct identity {
	uid_t uid;
	gid_t gid;
	bool explicit_user; /* SHIM_USER was set: a mismatch on a non-root start is an error */
	bool keep_net_bind_service; /* SHIM_KEEP_NET_BIND_SERVICE: the child keeps it, as ambient */
	char home[256];     /* from the target's passwd entry, else "/" */
	bool replace_home;  /* the child's HOME becomes home (identity_prepare) */
};

/* What the run asks for: SHIM_USER, SHIM_KEEP_NET_BIND_SERVICE and the
 * environment's HOME (NULL when unset). */
struct identity_request {
	const char *user;
	bool explicit_user;
	bool keep_net_bind_service;
	const char *home;
};

/* Strict syntax check of uid[:gid] / user[:group]. 0 or -1. */
int identity_parse(const char *spec, struct user_spec *out);

/* Parses and resolves SHIM_USER through /etc/passwd and /etc/group;
 * need_home asks for the target's home directory too (HOME is unset).
 * Returns 0, or EXIT_CONFIG after a one-line error. */
int identity_resolve(const char *spec, bool explicit_user, bool need_home, struct identity *out);

/* The run's identity: identity_resolve, and the HOME decision: an unset
 * HOME, or on a root start that changes uid a HOME equal to root's home (the
 * runtimes set it for the image's user), is replaced by the target's.
 * Returns 0, or EXIT_CONFIG after a one-line error. */
int identity_prepare(const struct identity_request *req, struct identity *out);

/* UID's home directory from passwd, else "/". */
void identity_home_of(uid_t uid, char *buf, size_t size);

#endif
