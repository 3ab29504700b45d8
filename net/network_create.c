/* `network create`: checking every flag (errors name the flag and, for an
 * overlap, the other network), choosing a free subnet, naming devices,
 * and writing networks/<name>.json.  Nothing of the host changes here
 * except the VLAN probe (a bridge made and removed at once). */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>

#include "net/net_internal.h"
#include "runtime/util.h"

bool net_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 32 || !strcmp(name, "none") || !strcmp(name, "host"))
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* The bridge of a named network: "jaula-NAME", or for a long name its
 * first four letters and a hash (link names have 15 bytes). */
static char *bridge_name(const char *name)
{
	if (!strcmp(name, NET_DEFAULT_NETWORK))
		return xstrdup("jaula0");
	if (strlen(name) <= 9)
		return xasprintf("jaula-%s", name);
	return xasprintf("jaula-%.4s%05x", name, net_hash(name, NULL) & 0xfffff);
}

/* --- subnets ------------------------------------------------------------------ */

static int check_overlap(const char *name, const struct net_prefix *p,
			 struct net_network *const *all, size_t n, struct jl_err **err)
{
	for (size_t i = 0; i < n; i++) {
		const char *theirs[] = {all[i]->subnet, all[i]->subnet6};
		for (size_t k = 0; k < ARRAY_SIZE(theirs); k++) {
			struct net_prefix q;
			const char *why;
			if (!theirs[k] || net_prefix_parse(theirs[k], &q, &why) < 0 ||
			    !net_prefix_overlap(p, &q))
				continue;
			char mine[NET_PREFIX_STRLEN];
			net_prefix_format(p, mine);
			return jl_err_code(err, EEXIST,
					   "network \"%s\": subnet %s overlaps network \"%s\" (%s)",
					   name, mine, all[i]->name, theirs[k]);
		}
	}
	return 0;
}

/* The first 10.86.N.0/24 no network uses. */
static int free_subnet(struct net_network *const *all, size_t n, struct net_prefix *out,
		       struct jl_err **err)
{
	for (int i = 0; i < 256; i++) {
		*out = (struct net_prefix){.family = AF_INET, .len = 24, .ip.b = {10, 86, (uint8_t)i}};
		if (check_overlap("", out, all, n, NULL) == 0)
			return 0;
	}
	return jl_err_code(err, ENOSPC, "no free subnet left in 10.86.0.0/16: give --subnet");
}

static int parse_subnet(const char *flag, const char *s, int family, struct net_prefix *p,
			struct jl_err **err)
{
	const char *why;
	if (net_prefix_parse(s, p, &why) < 0)
		return jl_err_code(err, EINVAL, "%s %s: %s", flag, s, why);
	if (p->family != family)
		return jl_err_code(err, EINVAL, "%s %s: expected an %s subnet", flag, s,
				   family == AF_INET ? "IPv4" : "IPv6");
	if (family == AF_INET && (p->len < 8 || p->len > 30))
		return jl_err_code(err, EINVAL, "%s %s: length must be 8..30", flag, s);
	if (family == AF_INET6 && (p->len < 64 || p->len > 120))
		return jl_err_code(err, EINVAL, "%s %s: length must be 64..120", flag, s);
	return 0;
}

static int parse_gateway(const struct net_network_opts *o, const struct net_prefix *sub,
			 union net_ip *gw, struct jl_err **err)
{
	if (!o->gateway || !*o->gateway) {
		net_prefix_nth(sub, 1, gw); /* "": none, but v6 still skips index 1 */
		return 0;
	}
	int family = AF_INET;
	if (net_ip_parse(o->gateway, &family, gw) < 0)
		return jl_err_code(err, EINVAL, "--gateway %s: not an IPv4 address", o->gateway);
	uint64_t idx = net_prefix_index(sub, gw);
	if (!net_prefix_contains(sub, gw) || idx == 0 || idx > net_prefix_size(sub))
		return jl_err_code(err, EINVAL, "--gateway %s: not a host address of the subnet",
				   o->gateway);
	return 0;
}

static int parse_vlan(const char *s, int *vid, struct jl_err **err)
{
	*vid = 0;
	if (!s)
		return 0;
	if (jl_parse_int(s, vid) < 0 || *vid < 1 || *vid > 4094)
		return jl_err_code(err, EINVAL, "--vlan %s: VLAN id must be 1..4094", s);
	return 0;
}

static int check_combination(const struct net_network_opts *o, struct jl_err **err)
{
	if (o->internal && o->host_only)
		return jl_err_code(err, EINVAL, "--internal and --host-only exclude each other");
	if (o->internal && o->gateway)
		return jl_err_code(err, EINVAL, "--gateway: an --internal network has no gateway");
	if (o->macvlan && (o->internal || o->host_only || o->vlan || o->ipv6_subnet))
		return jl_err_code(err, EINVAL, "--macvlan: takes no --internal, --host-only, "
						 "--vlan or --ipv6-subnet");
	if (o->macvlan && (!*o->macvlan || strlen(o->macvlan) >= IFNAMSIZ))
		return jl_err_code(err, EINVAL, "--macvlan \"%s\": not a link name", o->macvlan);
	return 0;
}

/* --- devices ---------------------------------------------------------------- */

static void set_devices(struct net_network *n, const struct net_network_opts *o)
{
	if (o->macvlan) {
		n->driver = xstrdup("macvlan");
		n->device = xstrdup(o->macvlan);
		n->gw_device = xstrdup(o->macvlan);
		return;
	}
	n->driver = xstrdup("bridge");
	if (!n->vlan) {
		n->device = bridge_name(n->name);
		n->gw_device = xstrdup(n->device);
		return;
	}
	n->vlan_mode = net_vlan_probe();
	char br[IFNAMSIZ], gw[IFNAMSIZ];
	net_vlan_devices(n->vlan_mode, n->vlan, br, gw);
	n->device = xstrdup(br);
	n->gw_device = xstrdup(gw);
}

static int check_device_free(const struct net_network *n, struct net_network *const *all,
			     size_t count, struct jl_err **err)
{
	if (n->vlan || strcmp(n->driver, "bridge"))
		return 0; /* VLAN bridges are shared by design; macvlans need none */
	for (size_t i = 0; i < count; i++)
		if (!strcmp(all[i]->device, n->device))
			return jl_err_code(err, EEXIST, "network \"%s\": bridge %s is network \"%s\"'s",
					   n->name, n->device, all[i]->name);
	return 0;
}

/* --- the network ------------------------------------------------------------ */

static int fill_addresses(struct net_network *n, const struct net_network_opts *o,
			  struct net_network *const *all, size_t count, struct jl_err **err)
{
	struct net_prefix sub;
	int r = o->subnet ? parse_subnet("--subnet", o->subnet, AF_INET, &sub, err)
			  : free_subnet(all, count, &sub, err);
	if (r == 0)
		r = check_overlap(n->name, &sub, all, count, err);
	union net_ip gw;
	if (r == 0)
		r = parse_gateway(o, &sub, &gw, err);
	if (r < 0)
		return r;
	char s[NET_PREFIX_STRLEN];
	net_prefix_format(&sub, s);
	n->subnet = xstrdup(s);
	net_ip_format(AF_INET, &gw, s);
	bool no_gw = o->internal || (o->gateway && !*o->gateway);
	n->gateway = xstrdup(no_gw ? "" : s);
	if (!o->ipv6_subnet)
		return 0;
	struct net_prefix sub6;
	r = parse_subnet("--ipv6-subnet", o->ipv6_subnet, AF_INET6, &sub6, err);
	if (r == 0)
		r = check_overlap(n->name, &sub6, all, count, err);
	if (r < 0)
		return r;
	/* A container's v6 address has its v4 address's host index. */
	if (net_prefix_size(&sub6) < net_prefix_size(&sub) + 1)
		return jl_err_code(err, EINVAL, "--ipv6-subnet %s: smaller than --subnet %s",
				   o->ipv6_subnet, n->subnet);
	net_prefix_format(&sub6, s);
	n->subnet6 = xstrdup(s);
	union net_ip gw6;
	net_prefix_nth(&sub6, net_prefix_index(&sub, &gw), &gw6);
	net_ip_format(AF_INET6, &gw6, s);
	n->gateway6 = xstrdup(no_gw ? "" : s);
	return 0;
}

int net_network_build(const char *name, const struct net_network_opts *o,
		      struct net_network *const *all, size_t count, struct net_network **out,
		      struct jl_err **err)
{
	if (!net_name_valid(name))
		return jl_err_code(err, EINVAL, "network name \"%s\": use 1..32 of a-z 0-9 _ - "
						"(not \"none\" or \"host\")", name);
	for (size_t i = 0; i < count; i++)
		if (!strcmp(all[i]->name, name))
			return jl_err_code(err, EEXIST, "network \"%s\" already exists", name);
	int r = check_combination(o, err);
	struct net_network *n = xcalloc(1, sizeof(*n));
	n->name = xstrdup(name);
	n->internal = o->internal;
	n->host_only = o->host_only;
	if (r == 0)
		r = parse_vlan(o->vlan, &n->vlan, err);
	if (r == 0)
		r = fill_addresses(n, o, all, count, err);
	if (r == 0) {
		set_devices(n, o);
		r = check_device_free(n, all, count, err);
	}
	if (r < 0) {
		net_network_free(n);
		return r;
	}
	char now[40];
	jl_time_rfc3339(now);
	n->created = xstrdup(now);
	*out = n;
	return 0;
}
