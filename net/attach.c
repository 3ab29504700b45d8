/* net_attach: one container onto one network.  The whole attach runs under
 * the network's lock (the kernel serialises rtnetlink and nftables
 * transactions anyway), so leases, records and the bridge's setup need no
 * other care, and a record found "attaching" under the lock is a crash.
 *
 *   ports parsed -> network resolved (default made on first use) -> lock
 *   -> lease -> record written ("attaching") -> ports claimed -> bridge,
 *   gateway, rules ensured -> veth (peer made as eth0 in the namespace) ->
 *   lo up, addresses, default routes inside -> port rules -> record
 *   "attached".  Any failure undoes what the record names. */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "net/attach_internal.h"
#include "runtime/log.h"
#include "runtime/util.h"

static bool id_valid(const char *id)
{
	size_t n = strlen(id);
	return n > 0 && n <= 250 && strcmp(id, ".") && strcmp(id, "..") &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+.-") == n;
}

static int parse_ports(const struct net_attach_opts *o, struct net_record *r, struct jl_err **err)
{
	r->ports = o->n_ports ? xcalloc(o->n_ports, sizeof(*r->ports)) : NULL;
	for (size_t i = 0; i < o->n_ports; i++) {
		int rc = net_port_parse(o->ports[i], &r->ports[i], err);
		if (rc < 0)
			return rc;
		for (size_t k = 0; k < i; k++)
			if (r->ports[k].host_port == r->ports[i].host_port &&
			    r->ports[k].proto == r->ports[i].proto)
				return jl_err_code(err, EINVAL, "-p %s: host port %u/%s given twice",
						   o->ports[i], r->ports[i].host_port,
						   net_proto_name(r->ports[i].proto));
		r->n_ports++;
	}
	return 0;
}

static int check_ports_allowed(const struct net_network *n, const struct net_record *r,
			       struct jl_err **err)
{
	if (!r->n_ports)
		return 0;
	if (n->internal)
		return jl_err_code(err, EINVAL, "network \"%s\" is internal: -p cannot publish ports",
				   n->name);
	if (!strcmp(n->driver, "macvlan"))
		return jl_err_code(err, EINVAL, "network \"%s\" is a macvlan network: its containers "
						"are on the parent's segment, -p publishes nothing",
				   n->name);
	return 0;
}

/* --- the record ------------------------------------------------------------- */

static void fill_record(struct net_record *r, const char *id, const struct net_network *n,
			const struct net_addrs *a, const union net_ip *ip)
{
	char s[NET_IP_STRLEN];
	r->id = xstrdup(id);
	r->network = xstrdup(n->name);
	r->driver = xstrdup(n->driver);
	r->state = NET_REC_ATTACHING;
	r->ifname = xstrdup("eth0");
	if (!strcmp(n->driver, "bridge"))
		r->host_ifname = xasprintf("jv%08x%05x", net_hash(id, n->name),
					   net_hash(n->name, id) & 0xfffff);
	uint8_t mac[6];
	net_mac_from_v4(&ip->v4, mac);
	char m[18];
	net_mac_format(mac, m);
	r->mac = xstrdup(m);
	net_ip_format(AF_INET, ip, s);
	r->address = xstrdup(s);
	r->prefix = a->sub.len;
	if (a->has_gw) {
		net_ip_format(AF_INET, &a->gw, s);
		r->gateway = xstrdup(s);
	}
	if (a->has6) {
		union net_ip ip6;
		net_prefix_nth(&a->sub6, net_prefix_index(&a->sub, ip), &ip6);
		net_ip_format(AF_INET6, &ip6, s);
		r->address6 = xstrdup(s);
		r->prefix6 = a->sub6.len;
		if (a->has_gw) {
			net_ip_format(AF_INET6, &a->gw6, s);
			r->gateway6 = xstrdup(s);
		}
	}
	r->comment = net_ctr_comment(id);
}

static void fill_out(const struct net_record *r, struct net_attachment *out)
{
	*out = (struct net_attachment){
		.network = xstrdup(r->network),
		.ifname = xstrdup(r->ifname),
		.host_ifname = r->host_ifname ? xstrdup(r->host_ifname) : NULL,
		.address = xstrdup(r->address),
		.gateway = r->gateway ? xstrdup(r->gateway) : NULL,
		.prefix = r->prefix,
		.address6 = r->address6 ? xstrdup(r->address6) : NULL,
		.gateway6 = r->gateway6 ? xstrdup(r->gateway6) : NULL,
		.prefix6 = r->prefix6,
		.mac = xstrdup(r->mac),
	};
}

void net_attachment_free(struct net_attachment *a)
{
	if (!a)
		return;
	char *strs[] = {a->network, a->ifname,	 a->host_ifname, a->address,
			a->gateway, a->address6, a->gateway6,	 a->mac};
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		free(strs[i]);
	memset(a, 0, sizeof(*a));
}

/* --- inside the container --------------------------------------------------- */

static int setup_inside(const struct net_record *r, int netns_fd, struct jl_err **err)
{
	struct nl *in = NULL;
	int rc = nl_open(&in, netns_fd, err);
	struct nl_link lo, eth;
	if (rc == 0)
		rc = nl_link_get(in, "lo", &lo, err);
	if (rc == 0 && !(lo.flags & IFF_UP))
		rc = nl_link_up(in, lo.index, err);
	if (rc == 0)
		rc = nl_link_get(in, r->ifname, &eth, err);
	if (rc == 0 && !(eth.flags & IFF_UP))
		rc = nl_link_up(in, eth.index, err);
	union net_ip ip, gw;
	int f4 = AF_INET, f6 = AF_INET6;
	if (rc == 0 && net_ip_parse(r->address, &f4, &ip) == 0)
		rc = nl_addr_add(in, eth.index, AF_INET, &ip, r->prefix, err);
	if (rc == 0 && r->gateway && net_ip_parse(r->gateway, &f4, &gw) == 0)
		rc = nl_route_add_default(in, AF_INET, &gw, eth.index, err);
	if (rc == 0 && r->address6 && net_ip_parse(r->address6, &f6, &ip) == 0)
		rc = nl_addr_add(in, eth.index, AF_INET6, &ip, r->prefix6, err);
	if (rc == 0 && r->gateway6 && net_ip_parse(r->gateway6, &f6, &gw) == 0)
		rc = nl_route_add_default(in, AF_INET6, &gw, eth.index, err);
	nl_close(in);
	return rc < 0 ? jl_err_wrap(err, "inside the container") : 0;
}

/* --- the link ---------------------------------------------------------------- */

static int make_veth(struct attach *x, struct jl_err **err)
{
	const struct net_network *n = x->net;
	struct nl_link br;
	int rc = nl_link_get(x->nl, n->device, &br, err);
	if (rc < 0)
		return rc == -ENODEV ? jl_err_code(err, ENODEV, "bridge %s vanished", n->device) : rc;
	uint8_t mac[6];
	int f = AF_INET;
	union net_ip ip;
	net_ip_parse(x->rec.address, &f, &ip);
	net_mac_from_v4(&ip.v4, mac);
	rc = nl_veth_create(x->nl, x->rec.host_ifname, br.index, x->rec.ifname, x->netns_fd, mac,
			    err);
	struct nl_link old;
	if (rc == -EEXIST && nl_link_get(x->nl, x->rec.host_ifname, &old, NULL) == 0) {
		/* The host end of an earlier container of this id whose
		 * namespace the kernel is still tearing down
		 * (net_detach_dead): no record names it any more. */
		jl_debug("veth %s of a dead container: deleting it", x->rec.host_ifname);
		rc = nl_link_delete(x->nl, x->rec.host_ifname, err);
		if (rc == 0)
			rc = nl_veth_create(x->nl, x->rec.host_ifname, br.index, x->rec.ifname,
					    x->netns_fd, mac, err);
	}
	if (rc == -EEXIST)
		return jl_err_code(err, EEXIST, "veth %s or the container's %s exists already",
				   x->rec.host_ifname, x->rec.ifname);
	if (rc < 0 || !n->vlan || n->vlan_mode != NET_VLAN_8021Q)
		return rc;
	struct nl_link port;
	rc = nl_link_get(x->nl, x->rec.host_ifname, &port, err);
	if (rc == 0)
		rc = nl_bridge_vlan_add(x->nl, port.index, n->vlan, false, err);
	return rc;
}

static int make_macvlan(struct attach *x, struct jl_err **err)
{
	int f = AF_INET;
	union net_ip ip;
	net_ip_parse(x->rec.address, &f, &ip);
	uint8_t mac[6];
	net_mac_from_v4(&ip.v4, mac);
	int rc = nl_macvlan_create(x->nl, x->rec.ifname, x->parent_index, x->netns_fd, mac, err);
	if (rc == -EEXIST)
		return jl_err_code(err, EEXIST, "the container has a link %s already", x->rec.ifname);
	return rc;
}

/* --- the steps ---------------------------------------------------------------- */

static int take_lease(struct attach *x, struct jl_err **err)
{
	union net_ip ip;
	const union net_ip *skip = x->has_parent_addr ? &x->parent_addr.ip : NULL;
	int rc = net_lease_take(x->netdir, x->net, &x->addrs, x->id, skip, &ip, err);
	if (rc == -ENOSPC) {
		/* Full: free the addresses of containers that died without
		 * a detach, then look again. */
		rc = net_reclaim_stale(x, err);
		if (rc == 0)
			rc = net_lease_take(x->netdir, x->net, &x->addrs, x->id, skip, &ip, err);
	}
	if (rc == -ENOSPC)
		return jl_err_code(err, ENOSPC, "network \"%s\": no free address in %s",
				   x->net->name, x->net->subnet);
	if (rc == 0)
		fill_record(&x->rec, x->id, x->net, &x->addrs, &ip);
	struct stat st;
	if (rc == 0 && fstat(x->netns_fd, &st) == 0)
		x->rec.netns = xasprintf("%llu:%llu", (unsigned long long)st.st_dev,
					 (unsigned long long)st.st_ino);
	return rc;
}

static int prepare_parent(struct attach *x, struct jl_err **err)
{
	struct nl_link link;
	int rc = nl_link_get(x->nl, x->net->device, &link, err);
	if (rc == -ENODEV)
		return jl_err_code(err, ENODEV, "network \"%s\": macvlan parent %s: no such link",
				   x->net->name, x->net->device);
	if (rc < 0)
		return rc;
	x->parent_index = link.index;
	/* The parent's own address is never a container's. */
	x->has_parent_addr = nl_link_v4(x->nl, link.index, &x->parent_addr, NULL) == 0;
	return 0;
}

static int attach_steps(struct attach *x, struct jl_err **err)
{
	bool macvlan = !strcmp(x->net->driver, "macvlan");
	int rc = macvlan ? prepare_parent(x, err) : 0;
	if (rc == 0)
		rc = take_lease(x, err);
	if (rc < 0)
		return rc;
	x->made = true; /* from here on a failure undoes the record */
	rc = net_record_write(x->netdir, &x->rec, err);
	for (size_t i = 0; rc == 0 && i < x->rec.n_ports; i++)
		rc = net_port_claim(&x->store, &x->rec.ports[i], x->id, err);
	if (rc == 0 && !macvlan)
		rc = net_bridge_ensure(x->nl, x->nat, x->net, &x->addrs, err);
	if (rc == 0)
		rc = macvlan ? make_macvlan(x, err) : make_veth(x, err);
	if (rc == 0)
		rc = setup_inside(&x->rec, x->netns_fd, err);
	if (rc == 0)
		rc = nat_ports_add(x->nat, &x->rec, err);
	if (rc == 0) {
		x->rec.state = NET_REC_ATTACHED;
		rc = net_record_write(x->netdir, &x->rec, err);
	}
	return rc;
}

/* An earlier attach of the same id: still whole (idempotent success), or
 * left behind by a crash or a dead container (undone, then made anew). */
static int earlier_attach(struct attach *x, bool *whole, struct jl_err **err)
{
	struct net_record old;
	*whole = false;
	int rc = net_record_read(x->netdir, x->id, &old, err);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	struct nl_link link;
	if (old.state == NET_REC_ATTACHED &&
	    (!old.host_ifname || nl_link_get(x->nl, old.host_ifname, &link, NULL) == 0)) {
		net_record_free(&x->rec);
		x->rec = old;
		*whole = true;
		return 0;
	}
	rc = net_undo_record(x, &old, err);
	net_record_free(&old);
	return rc;
}

static int attach_locked(struct attach *x, struct net_attachment *out, struct jl_err **err)
{
	int rc = net_network_addrs(x->net, &x->addrs, err);
	if (rc == 0)
		rc = check_ports_allowed(x->net, &x->rec, err);
	if (rc == 0)
		rc = nl_open(&x->nl, -1, err);
	if (rc == 0)
		rc = nat_open(&x->nat, err);
	x->netdir = rc == 0 ? net_network_dir(&x->store, x->net->name, &x->lockfd, err) : -1;
	if (x->netdir < 0)
		return rc < 0 ? rc : x->netdir;
	bool whole = false;
	rc = earlier_attach(x, &whole, err);
	if (rc == 0 && !whole)
		rc = attach_steps(x, err);
	if (rc < 0 && x->made)
		net_undo_record(x, &x->rec, NULL);
	if (rc == 0)
		fill_out(&x->rec, out);
	return rc;
}

int net_attach(const char *store, const char *id, const struct net_attach_opts *o,
	       struct net_attachment *out, struct jl_err **err)
{
	memset(out, 0, sizeof(*out));
	if (!id_valid(id))
		return jl_err_code(err, EINVAL, "container id \"%s\": not valid for a network", id);
	struct attach x = {.id = id, .netns_fd = o->netns_fd, .netdir = -1, .lockfd = -1};
	x.store = (struct net_store)NET_STORE_INIT;
	int rc = parse_ports(o, &x.rec, err);
	if (rc == 0)
		rc = net_store_open(store, true, &x.store, err);
	if (rc == 0)
		rc = net_store_lock(&x.store, LOCK_SH, err);
	if (rc == 0)
		rc = net_network_resolve(&x.store, o->network, &x.net, err);
	if (rc == 0)
		rc = attach_locked(&x, out, err);
	net_attach_release(&x);
	if (rc < 0)
		jl_err_wrap(err, "attach container \"%s\" to network \"%s\"", id,
			    o->network ? o->network : NET_DEFAULT_NETWORK);
	return rc;
}

int net_netns_new(int *fd, struct jl_err **err)
{
	cleanup_close int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return jl_err_sys(err, "open the network namespace");
	if (unshare(CLONE_NEWNET) < 0)
		return jl_err_sys(err, "make a network namespace");
	*fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int e = errno;
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* the runtime must not go on in the wrong namespace */
	return *fd < 0 ? jl_err_set(err, e, "open the new network namespace") : 0;
}
