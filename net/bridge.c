/* A network's side on the host: its bridge (made on first use, with a
 * fixed MAC, up), for 802.1Q VLANs the VLAN-filtering bridge jaulav0 and
 * an 802.1Q device per VLAN carrying the gateway, the gateway addresses,
 * route_localnet, ip_forward when the network forwards, and its rules. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "net/net_internal.h"
#include "runtime/procfs.h"
#include "runtime/util.h"

void net_vlan_devices(enum net_vlan_mode m, int vid, char bridge[IFNAMSIZ], char gw[IFNAMSIZ])
{
	if (m == NET_VLAN_8021Q) {
		snprintf(bridge, IFNAMSIZ, "jaulav0");
		snprintf(gw, IFNAMSIZ, "jaulav0.%d", vid);
	} else {
		snprintf(bridge, IFNAMSIZ, "jaulav%d", vid);
		snprintf(gw, IFNAMSIZ, "jaulav%d", vid);
	}
}

enum net_vlan_mode net_vlan_probe(void)
{
	/* JAULA_NET_VLAN=bridge forces the fallback (tests of both ways on
	 * one kernel). */
	const char *force = getenv("JAULA_NET_VLAN");
	if (force && !strcmp(force, "bridge"))
		return NET_VLAN_BRIDGE;
	struct nl *nl = NULL;
	if (nl_open(&nl, -1, NULL) < 0)
		return NET_VLAN_BRIDGE;
	char br[IFNAMSIZ], vl[IFNAMSIZ];
	unsigned tag = (unsigned)getpid() % 100000;
	snprintf(br, sizeof(br), "jlprobe%u", tag);
	snprintf(vl, sizeof(vl), "jlprobe%u.1", tag);
	static const uint8_t mac[6] = {0x02, 0x6a, 0xff, 0xff, 0xff, 0xfe};
	enum net_vlan_mode m = NET_VLAN_BRIDGE;
	struct nl_link link;
	/* Both are needed: VLAN filtering on the bridge, and 802.1Q devices
	 * for the gateways (CONFIG_BRIDGE_VLAN_FILTERING, CONFIG_VLAN_8021Q). */
	if (nl_bridge_create(nl, br, mac, true, NULL) == 0 && nl_link_get(nl, br, &link, NULL) == 0 &&
	    link.vlan_filtering && nl_vlan_create(nl, vl, link.index, 1, NULL, NULL) == 0)
		m = NET_VLAN_8021Q;
	nl_link_delete(nl, vl, NULL);
	nl_link_delete(nl, br, NULL);
	nl_close(nl);
	return m;
}

/* --- sysctls ------------------------------------------------------------------- */

/* Write 1 to a /proc/sys switch unless it is on already: ip_forward is
 * the host's, and a runtime that rewrites it on every start hides who
 * turned it on. */
static int switch_on(struct jl_procfs *proc, const char *path, struct jl_err **err)
{
	cleanup_free char *full = xasprintf("/proc/%s", path);
	char cur[8] = "";
	cleanup_close int fd = open(full, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && read(fd, cur, sizeof(cur) - 1) > 0 && cur[0] == '1')
		return 0;
	return jl_procfs_write(proc, path, "1", 1, err);
}

static int sysctls(const struct net_network *n, const struct net_addrs *a, struct jl_err **err)
{
	if (n->internal)
		return 0;
	struct jl_procfs proc = JL_PROCFS_INIT;
	int r = jl_procfs_open(&proc, err);
	/* Published ports from the host's loopback: see nat_rules.c. */
	cleanup_free char *localnet = xasprintf("sys/net/ipv4/conf/%s/route_localnet", n->gw_device);
	if (r == 0)
		r = switch_on(&proc, localnet, err);
	if (r == 0 && !n->host_only)
		r = switch_on(&proc, "sys/net/ipv4/ip_forward", err);
	/* As docker and podman with IPv6: a forwarding host ignores router
	 * advertisements on interfaces whose accept_ra is 1, so a host that
	 * configures itself by SLAAC wants accept_ra=2 on its uplink. */
	if (r == 0 && !n->host_only && a->has6)
		r = switch_on(&proc, "sys/net/ipv6/conf/all/forwarding", err);
	jl_procfs_close(&proc);
	return r;
}

/* --- devices ---------------------------------------------------------------- */

/* Make a link with make() unless it exists; bring it up; its index. */
static int ensure_bridge(struct nl *nl, const char *name, const uint8_t mac[6], bool filtering,
			 struct jl_err **err)
{
	struct nl_link link;
	int r = nl_link_get(nl, name, &link, err);
	if (r == -ENODEV) {
		r = nl_bridge_create(nl, name, mac, filtering, err);
		if (r == -EEXIST)
			r = 0; /* another network of the same VLAN bridge was faster */
		if (r == 0)
			r = nl_link_get(nl, name, &link, err);
	}
	if (r < 0)
		return r == -ENODEV ? jl_err_code(err, ENODEV, "bridge %s vanished", name) : r;
	if (strcmp(link.kind, "bridge"))
		return jl_err_code(err, EEXIST, "link %s exists and is not a bridge (%s)", name,
				   *link.kind ? link.kind : "no kind");
	if (!(link.flags & IFF_UP) && (r = nl_link_up(nl, link.index, err)) < 0)
		return r;
	return link.index;
}

static int ensure_vlan_gw(struct nl *nl, const struct net_network *n, int bridge,
			  const uint8_t mac[6], struct jl_err **err)
{
	int r = nl_bridge_vlan_add(nl, bridge, n->vlan, true, err);
	if (r < 0)
		return r;
	struct nl_link link;
	r = nl_link_get(nl, n->gw_device, &link, err);
	if (r == -ENODEV) {
		r = nl_vlan_create(nl, n->gw_device, bridge, n->vlan, mac, err);
		if (r == -EEXIST)
			r = 0;
		if (r == 0)
			r = nl_link_get(nl, n->gw_device, &link, err);
	}
	if (r < 0)
		return r;
	if (!(link.flags & IFF_UP) && (r = nl_link_up(nl, link.index, err)) < 0)
		return r;
	return link.index;
}

int net_bridge_ensure(struct nl *nl, struct nat *t, const struct net_network *n,
		      const struct net_addrs *a, struct jl_err **err)
{
	uint8_t mac[6];
	struct in_addr seed = a->has_gw ? a->gw.v4 : a->sub.ip.v4;
	if (n->vlan && n->vlan_mode == NET_VLAN_8021Q)
		seed.s_addr = htonl((uint32_t)n->vlan); /* 0.0.x.x: never a container's */
	net_mac_from_v4(&seed, mac);
	int br = ensure_bridge(nl, n->device, mac, n->vlan && n->vlan_mode == NET_VLAN_8021Q, err);
	if (br < 0)
		return br;
	int gw = br;
	if (n->vlan && n->vlan_mode == NET_VLAN_8021Q && a->has_gw) {
		net_mac_from_v4(&a->gw.v4, mac);
		gw = ensure_vlan_gw(nl, n, br, mac, err);
		if (gw < 0)
			return gw;
	}
	int r = 0;
	if (a->has_gw)
		r = nl_addr_add(nl, gw, AF_INET, &a->gw, a->sub.len, err);
	if (r == 0 && a->has_gw && a->has6)
		r = nl_addr_add(nl, gw, AF_INET6, &a->gw6, a->sub6.len, err);
	if (r == 0)
		r = sysctls(n, a, err);
	if (r == 0)
		r = nat_network_ensure(t, n, a, err);
	return r < 0 ? jl_err_wrap(err, "network \"%s\"", n->name) : 0;
}

/* --- removal ---------------------------------------------------------------- */

/* Does another network use this VLAN bridge (any VLAN: jaulav0), or this
 * VLAN id? */
static void vlan_users(const struct net_network *n, struct net_network *const *all, size_t count,
		       bool *bridge_used, bool *vid_used)
{
	*bridge_used = *vid_used = false;
	for (size_t i = 0; i < count; i++) {
		if (!strcmp(all[i]->name, n->name) || !all[i]->vlan)
			continue;
		if (!strcmp(all[i]->device, n->device))
			*bridge_used = true;
		if (all[i]->vlan == n->vlan)
			*vid_used = true;
	}
}

int net_bridge_remove(struct net_store *s, struct nl *nl, struct nat *t,
		      const struct net_network *n, struct jl_err **err)
{
	cleanup_free char *c = net_net_comment(n->name);
	int r = nat_rules_delete(t, c, err);
	if (r < 0 || !strcmp(n->driver, "macvlan"))
		return r;
	if (!n->vlan)
		return nl_link_delete(nl, n->device, err);
	struct net_network **all = NULL;
	size_t count = 0;
	r = net_networks_read(s, &all, &count, err);
	bool bridge_used, vid_used;
	vlan_users(n, all, count, &bridge_used, &vid_used);
	net_network_list_free(all, count);
	if (r < 0)
		return r;
	/* Shared devices lose only this network's gateway addresses. */
	struct net_addrs a;
	struct nl_link link;
	if (vid_used && net_network_addrs(n, &a, NULL) == 0 && a.has_gw &&
	    nl_link_get(nl, n->gw_device, &link, NULL) == 0) {
		nl_addr_del(nl, link.index, AF_INET, &a.gw, a.sub.len, NULL);
		if (a.has6)
			nl_addr_del(nl, link.index, AF_INET6, &a.gw6, a.sub6.len, NULL);
	}
	if (!vid_used && strcmp(n->gw_device, n->device))
		r = nl_link_delete(nl, n->gw_device, err);
	if (r == 0 && !bridge_used && !vid_used)
		r = nl_link_delete(nl, n->device, err);
	return r;
}
