/* The channel between the runtime process and the container's init: a
 * SOCK_SEQPACKET socketpair, so every message arrives whole, with an optional
 * fd in SCM_RIGHTS.  The runtime's end has SO_PASSCRED: the kernel attaches
 * every sender's pid, translated into the runtime's pid namespace, which is
 * how a pid 1 forked inside a new pid namespace is found. */
#ifndef JAULA_SYNC_H
#define JAULA_SYNC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/error.h"

enum sync_type {
	SYNC_ERROR = 1,       /* init -> runtime: errnum + message; init exits */
	SYNC_USERNS,          /* init -> runtime: user namespace made, write my id maps */
	SYNC_USERNS_DONE,     /* runtime -> init */
	SYNC_PID,             /* init -> runtime: the real init's pid (credentials) */
	SYNC_CREATE_RUNTIME,  /* init -> runtime: environment built, run prestart/createRuntime */
	SYNC_HOOKS_DONE,      /* runtime -> init */
	SYNC_CONSOLE,         /* init -> runtime: pty master (run with a terminal) */
	SYNC_SECCOMP,         /* init -> runtime: notify listener fd */
	SYNC_READY,           /* init -> runtime: waiting for start */
	SYNC_HANDOVER,        /* runtime -> init: state recorded; wait for the exec fifo (create) */
	SYNC_START,           /* runtime -> init: state recorded; go (run) */
	SYNC_EXIT_STATUS,     /* reaper pid 1 -> runtime: the program's wait status, in errnum */
};

struct sync_msg {
	uint32_t type;
	int32_t errnum;
	uint32_t len;    /* bytes of data */
	pid_t pid;       /* sender's pid, from SCM_CREDENTIALS (translated) */
	int fd;          /* received fd or -1 */
	char *data;      /* NUL-terminated, malloc'ed (NULL when len == 0) */
};

void sync_msg_clear(struct sync_msg *m);

/* Send type (+ data, + fd when fd >= 0).  Returns 0 or -errno. */
int sync_send(int sock, enum sync_type type, int errnum, const void *data, size_t len, int fd);
/* Receive one message.  -EPIPE when the peer is gone (EOF). */
int sync_recv(int sock, struct sync_msg *m);

/* Wait for a message of type `want`.  A SYNC_ERROR from the peer becomes
 * *err (its message prefixed by `who`); EOF is "who exited unexpectedly". */
int sync_expect(int sock, enum sync_type want, const char *who, struct sync_msg *m,
		struct jl_err **err);

/* In init: report err to the runtime (best effort). */
int sync_send_error(int sock, const struct jl_err *err);

#endif
