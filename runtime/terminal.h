/* Terminals: the pty is created inside the container (from its own devpts
 * instance) and its master end is handed out over a unix socket with
 * SCM_RIGHTS: to --console-socket (conmon, containerd) or to `jaula run`,
 * which then relays between its own terminal and the pty. */
#ifndef JAULA_TERMINAL_H
#define JAULA_TERMINAL_H

#include <stdbool.h>

#include "runtime/error.h"
#include "runtime/spec.h"

/* Connect to a console socket (parent side, before clone). */
int jl_console_connect(const char *path, struct jl_err **err);
/* Send fd with `name` as the payload (the protocol runc's clients expect). */
int jl_send_fd(int sock, int fd, const char *name, struct jl_err **err);

/* In init, after pivot_root: make the pty, hand the master to console_sock
 * (or to the runtime through sync_sock), make the slave our controlling
 * terminal and stdio, and bind it on /dev/console. */
int jl_terminal_setup(const struct spec_process *p, int console_sock, int sync_sock,
		      bool bind_console, struct jl_err **err);

#endif
