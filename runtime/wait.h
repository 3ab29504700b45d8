/* Waiting for a started process: signal forwarding, terminal relay. */
#ifndef JAULA_WAIT_H
#define JAULA_WAIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/tty_relay.h"

struct jl_waiter {
	pid_t pid;  /* our child (or adopted orphan, as subreaper) */
	int pidfd;
	int master; /* pty master to relay with our stdin/stdout, or -1 */
	/* private */
	int sigfd;
	struct jl_tty_relay relay;
};

/* Returns the wait status, or -errno. */
int jl_wait_process(struct jl_waiter *w);
/* The status a shell would report: the exit code, or 128 + signal. */
int jl_exit_code(int status);

#endif
