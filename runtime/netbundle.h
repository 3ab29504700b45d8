/* Networks for plain bundles: a config.json whose annotations ask for one
 *   "org.jaula.net.network": "bridge" | NAME | "macvlan:PARENT"
 *   "org.jaula.net.ports":   "8080:80,127.0.0.1:5353:53/udp"   (optional)
 * gets its new network namespace attached by the runtime between the
 * init's clone and the create-time hooks, and detached when the container
 * is deleted.  A config that joins a network namespace by path is left
 * alone (podman, containerd and CNI do their own networking). */
#ifndef JAULA_NETBUNDLE_H
#define JAULA_NETBUNDLE_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/container.h"
#include "runtime/error.h"
#include "runtime/spec.h"
#include "runtime/state.h"

#define JL_NET_ANNOTATION "org.jaula.net.network"
#define JL_NET_PORTS_ANNOTATION "org.jaula.net.ports"

/* Refuse what cannot work before anything is made: an unknown network, a
 * bad port, or a network asked for without a new network namespace. */
int jl_netbundle_check(const struct jl_global *g, const struct spec *s, struct jl_err **err);
/* Attach the namespace of init `pid`; *attached tells whether anything
 * may need undoing.  No annotation: nothing. */
int jl_netbundle_attach(const struct jl_global *g, const struct spec *s, const char *id,
			pid_t pid, bool *attached, struct jl_err **err);
/* Undo it (delete, a failed create: the init is dead, its veth goes with
 * its namespace); idempotent. */
void jl_netbundle_detach(const struct jl_global *g, const char *id);
/* Whether state annotations ask for a network (key, value, ..., NULL). */
bool jl_netbundle_wanted(char *const *annotations);

#endif
