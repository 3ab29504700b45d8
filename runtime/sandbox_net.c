/* `jaula sandbox --net`: the bridge network of `jaula run --net bridge`
 * (or a named network of `jaula network create`) instead of loopback only.
 * As for run (runtime/imagerun_net.c), net/ makes a network namespace and
 * attaches it (lease, veth into the bridge, address, route) before the
 * sandbox exists, and the runtime joins it by path: the program never runs
 * a moment without its address, and a failed attach leaves nothing.  The
 * namespace belongs to the host's user namespace, so the sandbox's root
 * holds no capability over it: it can neither reconfigure eth0 nor open
 * raw sockets.  At the end the lease and the records go (the veth with
 * the namespace); after a SIGKILL the reclaim does it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/net.h"
#include "runtime/log.h"
#include "runtime/sandbox_internal.h"

int sbx_net_up(const char *store, const char *id, const char *network, int *netns_fd,
	       struct jl_err **err)
{
	*netns_fd = -1;
	if (geteuid() != 0)
		return jl_err_code(err, EPERM, "--net: only root can attach to a bridge network");
	int r = net_mode_check(store, network, err);
	if (r == 0)
		r = net_netns_new(netns_fd, err);
	if (r == 0) {
		struct net_attach_opts ao = {.network = network, .netns_fd = *netns_fd};
		struct net_attachment a = {0};
		r = net_attach(store, id, &ao, &a, err);
		net_attachment_free(&a);
	}
	if (r < 0) {
		sbx_net_down(store, id);
		if (*netns_fd >= 0)
			close(*netns_fd);
		*netns_fd = -1;
		return jl_err_wrap(err, "--net");
	}
	return 0;
}

void sbx_net_down(const char *store, const char *id)
{
	struct jl_err *e = NULL;
	if (net_detach_dead(store, id, &e) < 0)
		jl_warn("sandbox: network: %s", e->msg);
	jl_err_free(&e);
}

/* /etc/hosts and /etc/resolv.conf of the network (the host's resolvers
 * minus loopback ones, which the sandbox cannot reach), written in the
 * sandbox's directory and bound read-only before the caller's binds, so
 * that a --ro-bind of the caller's own still wins. */
int sbx_net_names(const char *store, const char *id, const char *dir, struct sbx_plan *p,
		  struct jl_err **err)
{
	char *hosts = xasprintf("%s/hosts", dir);
	char *resolv = xasprintf("%s/resolv.conf", dir);
	struct net_names_opts n = {.hostname = "sandbox", .hosts_path = hosts, .resolv_path = resolv};
	int r = net_write_names(store, id, &n, err);
	p->binds = xrealloc(p->binds, (p->n_binds + 2) * sizeof(*p->binds));
	memmove(p->binds + 2, p->binds, p->n_binds * sizeof(*p->binds));
	p->binds[0] = (struct sbx_bind){.source = hosts, .destination = xstrdup("/etc/hosts")};
	p->binds[1] = (struct sbx_bind){.source = resolv, .destination = xstrdup("/etc/resolv.conf")};
	p->n_binds += 2;
	return r < 0 ? jl_err_wrap(err, "--net") : 0;
}
