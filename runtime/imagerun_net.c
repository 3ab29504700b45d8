/* The network of a container made from an image (`jaula run --net`):
 * the namespace is made and attached by net/ before the container exists,
 * and the runtime joins it by path, so a container never runs a moment
 * without its address, and a failed attach leaves no container behind.
 * /etc/hosts, /etc/resolv.conf and /etc/hostname are files of the
 * container's directory in the store, bound over the image's. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net/net.h"
#include "runtime/imagerun.h"
#include "runtime/log.h"
#include "runtime/util.h"

static void add_bind(struct ir_plan *p, char *source, const char *destination)
{
	p->binds = xrealloc(p->binds, (p->n_binds + 1) * sizeof(*p->binds));
	p->binds[p->n_binds++] = (struct jl_spec_bind){
		.source = source,
		.destination = xstrdup(destination),
	};
}

static int write_names(const char *store, const char *id, const char *dir,
		       const struct jl_image_run_opts *o, struct ir_plan *p, struct jl_err **err)
{
	char *hosts = xasprintf("%s/hosts", dir);
	char *resolv = xasprintf("%s/resolv.conf", dir);
	char *hostname = xasprintf("%s/hostname", dir);
	struct net_names_opts n = {
		.hostname = p->hostname,
		.dns = o->dns,
		.n_dns = o->n_dns,
		.hosts_path = hosts,
		.resolv_path = resolv,
		.hostname_path = hostname,
	};
	int r = net_write_names(store, id, &n, err);
	/* The plan owns them from here, also on failure. */
	add_bind(p, hosts, "/etc/hosts");
	add_bind(p, resolv, "/etc/resolv.conf");
	add_bind(p, hostname, "/etc/hostname");
	return r;
}

int ir_net_up(const char *store, const char *id, const char *dir,
	      const struct jl_image_run_opts *o, struct ir_plan *p, int *netns_fd,
	      struct jl_err **err)
{
	*netns_fd = -1;
	if (!p->network)
		return 0;
	int r = net_mode_check(store, p->network, err);
	if (r == 0)
		r = net_netns_new(netns_fd, err);
	struct net_attachment a = {0};
	if (r == 0) {
		struct net_attach_opts ao = {
			.network = p->network,
			.netns_fd = *netns_fd,
			.ports = o->publish,
			.n_ports = o->n_publish,
		};
		r = net_attach(store, id, &ao, &a, err);
		net_attachment_free(&a);
	}
	if (r == 0)
		r = write_names(store, id, dir, o, p, err);
	if (r < 0) {
		ir_net_down(store, id);
		if (*netns_fd >= 0)
			close(*netns_fd);
		*netns_fd = -1;
	}
	return r;
}

void ir_net_down(const char *store, const char *id)
{
	struct jl_err *e = NULL;
	if (net_detach_dead(store, id, &e) < 0)
		jl_warn("container \"%s\": network: %s", id, e->msg);
	jl_err_free(&e);
}
