/* From a `--net` word to a network: the default network and the
 * "macvlan:PARENT" shorthand are made on first use (idempotently, under
 * the store's exclusive lock), names must exist. */
#include <stdio.h>
#include <string.h>
#include <sys/file.h>

#include "net/net_internal.h"
#include "runtime/util.h"

#define MACVLAN_PREFIX "macvlan:"

/* The subnet and gateway a macvlan network on parent gets by default:
 * the parent's IPv4 prefix and the default gateway through it ("": none). */
int net_macvlan_derive(const char *parent, char **subnet, char **gateway, struct jl_err **err)
{
	struct nl *nl = NULL;
	int r = nl_open(&nl, -1, err);
	struct nl_link link;
	if (r == 0) {
		r = nl_link_get(nl, parent, &link, err);
		if (r == -ENODEV)
			r = jl_err_code(err, ENODEV, "macvlan parent \"%s\": no such link", parent);
	}
	struct net_prefix addr;
	if (r == 0) {
		r = nl_link_v4(nl, link.index, &addr, err);
		if (r == -ENOENT)
			r = jl_err_code(err, EADDRNOTAVAIL,
					"macvlan parent \"%s\" has no IPv4 address to take a subnet "
					"from: give --subnet",
					parent);
	}
	union net_ip gw;
	bool found = false;
	if (r == 0)
		r = nl_default_gw_v4(nl, link.index, &gw, &found, err);
	nl_close(nl);
	if (r < 0)
		return r;
	struct net_prefix sub = addr;
	for (int i = sub.len; i < 32; i++)
		sub.ip.b[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	char s[NET_PREFIX_STRLEN];
	net_prefix_format(&sub, s);
	*subnet = xstrdup(s);
	if (found)
		net_ip_format(AF_INET, &gw, s);
	*gateway = xstrdup(found ? s : "");
	return 0;
}

/* "macvlan:eth0.10" -> network "macvlan-eth0_10". */
static char *macvlan_network_name(const char *parent)
{
	char *name = xasprintf("macvlan-%s", parent);
	for (char *p = name; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_-", *p))
			*p = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : '_';
	return name;
}

static int add_network(struct net_store *s, const char *name, const char *parent,
		       struct jl_err **err)
{
	struct net_network_opts o = {.subnet = "10.87.0.0/16"};
	cleanup_free char *subnet = NULL, *gateway = NULL;
	if (parent) {
		int r = net_macvlan_derive(parent, &subnet, &gateway, err);
		if (r < 0)
			return r;
		o = (struct net_network_opts){.subnet = subnet, .gateway = gateway,
					      .macvlan = parent};
	}
	int r = net_network_add(s, name, &o, err);
	return r < 0 ? jl_err_wrap(err, "make network \"%s\"", name) : 0;
}

static int make_on_first_use(struct net_store *s, const char *name, const char *parent,
			     struct jl_err **err)
{
	/* flock cannot upgrade atomically: whoever gets the exclusive lock
	 * first makes it, the others find it made. */
	int r = net_store_lock(s, LOCK_EX, err);
	struct net_network *n = NULL;
	if (r == 0)
		r = net_network_read(s, name, &n, err);
	net_network_free(n);
	if (r == -ENOENT)
		r = add_network(s, name, parent, err);
	int r2 = net_store_lock(s, LOCK_SH, r < 0 ? NULL : err);
	return r < 0 ? r : r2;
}

int net_network_resolve(struct net_store *s, const char *mode, struct net_network **out,
			struct jl_err **err)
{
	cleanup_free char *name = NULL;
	const char *parent = NULL;
	if (!mode || !strcmp(mode, NET_DEFAULT_NETWORK)) {
		name = xstrdup(NET_DEFAULT_NETWORK);
	} else if (jl_str_has_prefix(mode, MACVLAN_PREFIX)) {
		parent = mode + strlen(MACVLAN_PREFIX);
		if (!*parent || strlen(parent) >= IFNAMSIZ)
			return jl_err_code(err, EINVAL, "--net %s: expected macvlan:PARENT-LINK", mode);
		name = macvlan_network_name(parent);
	} else {
		if (!net_name_valid(mode))
			return jl_err_code(err, EINVAL, "--net \"%s\": not a network name", mode);
		name = xstrdup(mode);
	}
	int r = net_network_read(s, name, out, err);
	if (r != -ENOENT)
		return r;
	if (!parent && strcmp(name, NET_DEFAULT_NETWORK))
		return jl_err_code(err, ENOENT, "network \"%s\" does not exist", name);
	r = make_on_first_use(s, name, parent, err);
	if (r == 0)
		r = net_network_read(s, name, out, err);
	return r == -ENOENT ? jl_err_code(err, ENOENT, "network \"%s\" vanished", name) : r;
}

int net_mode_check(const char *store, const char *mode, struct jl_err **err)
{
	if (!mode || !strcmp(mode, "none") || !strcmp(mode, "host") ||
	    !strcmp(mode, NET_DEFAULT_NETWORK))
		return 0;
	if (jl_str_has_prefix(mode, MACVLAN_PREFIX)) {
		const char *parent = mode + strlen(MACVLAN_PREFIX);
		if (!*parent || strlen(parent) >= IFNAMSIZ)
			return jl_err_code(err, EINVAL, "--net %s: expected macvlan:PARENT-LINK", mode);
		return 0;
	}
	if (!net_name_valid(mode))
		return jl_err_code(err, EINVAL, "--net \"%s\": not a network name", mode);
	struct net_store s;
	int r = net_store_open(store, false, &s, err);
	struct net_network *n = NULL;
	if (r == 0)
		r = net_network_read(&s, mode, &n, err);
	net_network_free(n);
	net_store_close(&s);
	return r == -ENOENT ? jl_err_code(err, ENOENT, "network \"%s\" does not exist", mode) : r;
}
