/* Networks on disk: networks/<name>.json, read, written, listed, created
 * (the checks are network_create.c), removed; the default network and
 * "macvlan:PARENT" made on first use. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>

#include "net/net_internal.h"
#include "runtime/util.h"

static const char *const vlan_mode_names[] = {"none", "802.1q", "bridge-per-vlan"};

const char *net_vlan_mode_name(enum net_vlan_mode m)
{
	return vlan_mode_names[m];
}

void net_network_json(struct jl_json_writer *w, const struct net_network *n)
{
	jl_jw_kv_str(w, "name", n->name);
	jl_jw_kv_str(w, "driver", n->driver);
	jl_jw_kv_str(w, "device", n->device);
	jl_jw_kv_str(w, "gateway_device", n->gw_device);
	jl_jw_kv_str(w, "subnet", n->subnet);
	jl_jw_kv_str(w, "gateway", n->gateway);
	jl_jw_kv_str(w, "ipv6_subnet", n->subnet6);
	jl_jw_kv_str(w, "ipv6_gateway", n->gateway6);
	jl_jw_kv_bool(w, "internal", n->internal);
	jl_jw_kv_bool(w, "host_only", n->host_only);
	jl_jw_kv_int(w, "vlan", n->vlan);
	jl_jw_kv_str(w, "vlan_isolation", net_vlan_mode_name(n->vlan_mode));
	jl_jw_kv_str(w, "created", n->created);
}

int net_network_write(struct net_store *s, const struct net_network *n, struct jl_err **err)
{
	struct jl_buf b = {0};
	struct jl_json_writer w = {.out = &b, .pretty = true};
	jl_jw_begin_object(&w);
	net_network_json(&w, n);
	jl_jw_end_object(&w);
	jl_buf_puts(&b, "\n");
	cleanup_free char *name = xasprintf("%s.json", n->name);
	int r = jl_write_atomic_at(s->dirfd, name, b.data, b.len, 0600, err);
	jl_buf_free(&b);
	return r;
}

int net_network_read(struct net_store *s, const char *name, struct net_network **out,
		     struct jl_err **err)
{
	cleanup_free char *file = xasprintf("%s.json", name);
	cleanup_free char *what = xasprintf("network \"%s\"", name);
	jl_json_val v = NULL;
	int r = net_json_read(s->dirfd, file, what, &v, err);
	if (r < 0)
		return r;
	struct net_network *n = xcalloc(1, sizeof(*n));
	n->name = net_json_str(v, "name");
	n->driver = net_json_str(v, "driver");
	n->device = net_json_str(v, "device");
	n->gw_device = net_json_str(v, "gateway_device");
	n->subnet = net_json_str(v, "subnet");
	n->gateway = net_json_str(v, "gateway");
	n->subnet6 = net_json_str(v, "ipv6_subnet");
	n->gateway6 = net_json_str(v, "ipv6_gateway");
	n->internal = net_json_bool(v, "internal");
	n->host_only = net_json_bool(v, "host_only");
	n->vlan = net_json_int(v, "vlan", 0);
	const char *mode = jl_json_string(jl_json_get(v, "vlan_isolation"));
	for (size_t i = 0; mode && i < ARRAY_SIZE(vlan_mode_names); i++)
		if (!strcmp(mode, vlan_mode_names[i]))
			n->vlan_mode = (enum net_vlan_mode)i;
	n->created = net_json_str(v, "created");
	jl_json_free(v);
	if (!n->name || strcmp(n->name, name) || !n->driver || !n->device || !n->gw_device ||
	    !n->subnet || !n->gateway) {
		net_network_free(n);
		return jl_err_code(err, EINVAL, "%s: %s is incomplete", what, file);
	}
	*out = n;
	return 0;
}

void net_network_free(struct net_network *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->driver);
	free(n->device);
	free(n->gw_device);
	free(n->subnet);
	free(n->gateway);
	free(n->subnet6);
	free(n->gateway6);
	free(n->created);
	free(n);
}

int net_network_addrs(const struct net_network *n, struct net_addrs *a, struct jl_err **err)
{
	memset(a, 0, sizeof(*a));
	const char *why = "";
	int f4 = AF_INET, f6 = AF_INET6;
	if (net_prefix_parse(n->subnet, &a->sub, &why) < 0 || a->sub.family != AF_INET)
		return jl_err_code(err, EINVAL, "network \"%s\": subnet %s: %s", n->name, n->subnet,
				   why);
	a->has_gw = *n->gateway != '\0';
	if (a->has_gw && net_ip_parse(n->gateway, &f4, &a->gw) < 0)
		return jl_err_code(err, EINVAL, "network \"%s\": gateway %s", n->name, n->gateway);
	if (!n->subnet6)
		return 0;
	a->has6 = true;
	if (net_prefix_parse(n->subnet6, &a->sub6, &why) < 0 || a->sub6.family != AF_INET6 ||
	    (a->has_gw && (!n->gateway6 || net_ip_parse(n->gateway6, &f6, &a->gw6) < 0)))
		return jl_err_code(err, EINVAL, "network \"%s\": IPv6 subnet %s", n->name,
				   n->subnet6);
	return 0;
}

/* --- listing -------------------------------------------------------------- */

static int cmp_networks(const void *a, const void *b)
{
	return strcmp((*(struct net_network *const *)a)->name,
		      (*(struct net_network *const *)b)->name);
}

int net_networks_read(struct net_store *s, struct net_network ***out, size_t *n,
		      struct jl_err **err)
{
	*out = NULL;
	*n = 0;
	int fd = openat(s->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return jl_err_sys(err, "open %s", s->path);
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return jl_err_sys(err, "read %s", s->path);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".json"))
			continue;
		cleanup_free char *name = strndup(de->d_name, len - 5);
		struct net_network *net = NULL;
		int r = net_network_read(s, name, &net, err);
		if (r == -ENOENT)
			continue; /* removed meanwhile */
		if (r < 0) {
			net_network_list_free(*out, *n);
			return r;
		}
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = net;
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_networks);
	return 0;
}

void net_network_list_free(struct net_network **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		net_network_free(v[i]);
	free(v);
}

int net_network_list(const char *store, struct net_network ***out, size_t *n,
		     struct jl_err **err)
{
	struct net_store s;
	int r = net_store_open(store, false, &s, err);
	*out = NULL;
	*n = 0;
	if (r == -ENOENT)
		return 0;
	if (r == 0)
		r = net_store_lock(&s, LOCK_SH, err);
	if (r == 0)
		r = net_networks_read(&s, out, n, err);
	net_store_close(&s);
	return r;
}

/* --- create, load ----------------------------------------------------------- */

/* Under the store's exclusive lock: check against every network, write. */
int net_network_add(struct net_store *s, const char *name, const struct net_network_opts *o,
		    struct jl_err **err)
{
	struct net_network **all = NULL, *n = NULL;
	size_t count = 0;
	int r = net_networks_read(s, &all, &count, err);
	if (r == 0)
		r = net_network_build(name, o, all, count, &n, err);
	if (r == 0)
		r = net_network_write(s, n, err);
	net_network_free(n);
	net_network_list_free(all, count);
	return r;
}

int net_network_create(const char *store, const char *name, const struct net_network_opts *o,
		       struct jl_err **err)
{
	struct net_store s;
	int r = net_store_open(store, true, &s, err);
	if (r == 0)
		r = net_store_lock(&s, LOCK_EX, err);
	if (r == 0 && !strcmp(name, NET_DEFAULT_NETWORK))
		r = jl_err_code(err, EEXIST, "network \"%s\" is the default network (made on "
					     "first use)", name);
	struct net_network_opts derived;
	cleanup_free char *subnet = NULL, *gateway = NULL;
	if (r == 0 && o->macvlan && !o->subnet) {
		derived = *o;
		r = net_macvlan_derive(o->macvlan, &subnet, &gateway, err);
		derived.subnet = subnet;
		derived.gateway = o->gateway ? o->gateway : gateway;
		o = &derived;
	}
	if (r == 0)
		r = net_network_add(&s, name, o, err);
	net_store_close(&s);
	return r;
}

int net_network_load(const char *store, const char *name, struct net_network **out,
		     struct jl_err **err)
{
	struct net_store s;
	int r = net_store_open(store, true, &s, err);
	if (r == 0)
		r = net_store_lock(&s, LOCK_SH, err);
	if (r == 0)
		r = net_network_resolve(&s, name, out, err);
	net_store_close(&s);
	return r;
}
