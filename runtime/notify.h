/* NOTIFY_SOCKET: a service manager (systemd, podman --sdnotify=container)
 * that gives the runtime a NOTIFY_SOCKET wants the *container's* READY=1.
 * As runc does: create puts a directory of the state directory at
 * /run/notify in the container and sets the container's NOTIFY_SOCKET to
 * /run/notify/notify.sock; start (or run) binds that socket, releases the
 * container, relays what it sends to the caller's socket and, at READY=1,
 * adds MAINPID=<the container's pid> and returns. */
#ifndef JAULA_NOTIFY_H
#define JAULA_NOTIFY_H

#include <sys/types.h>

#include "runtime/error.h"

#define JL_NOTIFY_DIR "notify"
#define JL_NOTIFY_IN_CONTAINER "/run/notify/notify.sock"

/* The caller's NOTIFY_SOCKET, or NULL. */
const char *jl_notify_host_socket(void);

/* create: make <root>/<id>/notify (dirfd is the state directory); *dir is
 * its absolute path, malloc'ed. */
int jl_notify_prepare(int dirfd, const char *root, const char *id, char **dir,
		      struct jl_err **err);

/* start/run: bind the socket in the state directory's notify/ (if create
 * made one: -ENOENT otherwise).  Returns the socket fd. */
int jl_notify_bind(int dirfd, struct jl_err **err);

/* Relay datagrams from sock to host until READY=1 (then MAINPID=pid) or
 * until the process behind pidfd exits. */
int jl_notify_relay(int sock, const char *host, pid_t pid, int pidfd, struct jl_err **err);

#endif
