/* `network rm` and `network inspect`. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>

#include "net/attach_internal.h"
#include "runtime/util.h"

static int refuse_in_use(const struct net_network *n, char **ids, size_t count,
			 struct jl_err **err)
{
	struct jl_buf b = {0};
	for (size_t i = 0; i < count && i < 5; i++)
		jl_buf_printf(&b, "%s\"%s\"", i ? ", " : "", ids[i]);
	if (count > 5)
		jl_buf_printf(&b, " and %zu more", count - 5);
	int r = jl_err_code(err, EBUSY, "network \"%s\" is in use by container%s %s", n->name,
			    count > 1 ? "s" : "", b.data);
	jl_buf_free(&b);
	return r;
}

static int remove_locked(struct attach *x, struct jl_err **err)
{
	x->netdir = net_network_dir(&x->store, x->net->name, &x->lockfd, err);
	if (x->netdir < 0)
		return x->netdir;
	char **ids = NULL;
	size_t count = 0;
	int r = net_lease_holders(x->netdir, &ids, &count, err);
	if (r == 0 && count > 0)
		r = refuse_in_use(x->net, ids, count, err);
	net_strv_free(ids, count);
	if (r == 0)
		r = nl_open(&x->nl, -1, err);
	if (r == 0)
		r = nat_open(&x->nat, err);
	if (r == 0)
		r = net_bridge_remove(&x->store, x->nl, x->nat, x->net, err);
	if (r == 0)
		r = nat_table_remove_if_empty(x->nat, err);
	/* The directory goes first: a crash before the JSON goes leaves a
	 * network that `network rm` can still remove. */
	if (r == 0)
		r = jl_remove_tree_at(x->store.dirfd, x->net->name, err);
	cleanup_free char *file = xasprintf("%s.json", x->net->name);
	if (r == 0 && unlinkat(x->store.dirfd, file, 0) < 0 && errno != ENOENT)
		r = jl_err_sys(err, "remove %s/%s", x->store.path, file);
	return r;
}

int net_network_remove(const char *store, const char *name, struct jl_err **err)
{
	struct attach x = {.id = "", .netdir = -1, .lockfd = -1};
	int r = net_store_open(store, false, &x.store, err);
	if (r == -ENOENT)
		return jl_err_code(err, ENOENT, "network \"%s\" does not exist", name);
	if (r == 0)
		r = net_store_lock(&x.store, LOCK_EX, err);
	if (r == 0 && !net_name_valid(name))
		r = jl_err_code(err, EINVAL, "network name \"%s\": not valid", name);
	if (r == 0) {
		r = net_network_read(&x.store, name, &x.net, err);
		if (r == -ENOENT)
			r = jl_err_code(err, ENOENT, "network \"%s\" does not exist", name);
	}
	if (r == 0)
		r = remove_locked(&x, err);
	net_attach_release(&x);
	return r;
}

/* --- inspect ------------------------------------------------------------------ */

static void json_devices(struct jl_json_writer *w, const struct net_network *n)
{
	struct nl *nl = NULL;
	struct nl_link link;
	bool have = nl_open(&nl, -1, NULL) == 0 &&
		    nl_link_get(nl, n->device, &link, NULL) == 0;
	jl_jw_key(w, "device_state");
	jl_jw_begin_object(w);
	jl_jw_kv_bool(w, "exists", have);
	jl_jw_kv_bool(w, "up", have && (link.flags & IFF_UP));
	if (have && !strcmp(link.kind, "bridge"))
		jl_jw_kv_bool(w, "vlan_filtering", link.vlan_filtering);
	jl_jw_end_object(w);
	nl_close(nl);
}

static void json_containers(struct jl_json_writer *w, int netdir)
{
	char **ids = NULL;
	size_t n = 0;
	jl_jw_key(w, "containers");
	jl_jw_begin_array(w);
	if (netdir >= 0 && net_record_ids(netdir, &ids, &n, NULL) == 0) {
		for (size_t i = 0; i < n; i++) {
			struct net_record r;
			if (net_record_read(netdir, ids[i], &r, NULL) < 0)
				continue;
			net_record_json(w, &r);
			net_record_free(&r);
		}
	}
	net_strv_free(ids, n);
	jl_jw_end_array(w);
}

static const char *isolation_words(const struct net_network *n)
{
	if (!n->vlan)
		return "none (no VLAN)";
	if (n->vlan_mode == NET_VLAN_8021Q)
		return "802.1Q tagging on the VLAN-filtering bridge jaulav0 (port PVID, untagged)";
	return "a bridge per VLAN id with nftables forward rules (this kernel lacks bridge "
	       "vlan_filtering or 802.1Q devices)";
}

int net_network_inspect(const char *store, const char *name, struct jl_buf *out,
			struct jl_err **err)
{
	struct net_network *n = NULL;
	int r = net_network_load(store, name, &n, err);
	if (r < 0)
		return r;
	struct net_store s;
	cleanup_close int netdir = -1;
	if (net_store_open(store, false, &s, NULL) == 0) {
		netdir = net_subdir(s.dirfd, name, NULL);
		net_store_close(&s);
	}
	struct jl_json_writer w = {.out = out, .pretty = true};
	jl_jw_begin_object(&w);
	net_network_json(&w, n);
	jl_jw_kv_str(&w, "vlan_isolation_detail", isolation_words(n));
	json_devices(&w, n);
	json_containers(&w, netdir);
	jl_jw_end_object(&w);
	jl_buf_puts(out, "\n");
	net_network_free(n);
	return 0;
}
