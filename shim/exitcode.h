#ifndef SHIM_EXITCODE_H
#define SHIM_EXITCODE_H

/* The shim's own exit codes; anything else is the child's status. */
enum {
	EXIT_USAGE = 64,       /* bad command line */
	EXIT_SECCOMP = 65,     /* profile unreadable, invalid, or filter not installable */
	EXIT_IDENTITY = 77,    /* privilege drop or verification failed */
	EXIT_CONFIG = 78,      /* bad SHIM_* value */
	EXIT_SYSTEM = 111,     /* a system call the shim needs failed */
	EXIT_NOEXEC = 126,     /* found but could not be executed */
	EXIT_NOTFOUND = 127,   /* not found in PATH or the fallback */
};

#endif
