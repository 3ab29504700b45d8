/* Undoing attachments: net_detach (the container is removed), the undo of
 * a failed attach, and reclaiming the addresses of containers that died
 * without a detach.  Every step tolerates "already gone", so the same
 * undo works after a crash at any point of an attach or of itself. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>

#include "net/attach_internal.h"
#include "runtime/log.h"
#include "runtime/util.h"

/* The container loses the network now; the link goes later (deferred.c). */
static int cut_off(struct attach *x, const char *host_ifname, struct jl_err **err)
{
	int rc = nl_link_down(x->nl, host_ifname, err);
	if (rc == -ENODEV)
		return 0;
	if (rc == 0)
		net_deferred_add(x->defer, host_ifname);
	return rc;
}

/* A macvlan lives only in the container's namespace: a live one's is
 * deleted from in there (a gone one's went with it).  Only a link of that
 * name that is still a macvlan: the container may have made its own since. */
static int delete_inside(const struct net_record *r, struct jl_err **err)
{
	cleanup_close int ns = -1;
	if (net_netns_find(r->netns, &ns) < 0)
		return 0;
	struct nl *in = NULL;
	int rc = nl_open(&in, ns, err);
	struct nl_link l;
	if (rc == 0 && nl_link_get(in, r->ifname, &l, NULL) == 0 && !strcmp(l.kind, "macvlan"))
		rc = nl_link_delete(in, r->ifname, err);
	nl_close(in);
	return rc < 0 ? jl_err_wrap(err, "inside the container") : 0;
}

int net_undo_record(struct attach *x, const struct net_record *r, struct jl_err **err)
{
	int rc = nat_rules_delete(x->nat, r->comment, err);
	/* The host end: deleting it takes the container's end too. */
	if (rc == 0 && r->host_ifname && !x->ns_gone && x->defer)
		rc = cut_off(x, r->host_ifname, err);
	else if (rc == 0 && r->host_ifname && !x->ns_gone)
		rc = nl_link_delete(x->nl, r->host_ifname, err);
	else if (rc == 0 && !r->host_ifname && r->netns && !x->ns_gone)
		rc = delete_inside(r, err);
	if (rc == 0)
		rc = net_port_release_all(&x->store, r->id, err);
	if (rc == 0)
		rc = net_lease_drop(x->netdir, r->id, err);
	if (rc == 0)
		rc = net_record_remove(x->netdir, r->id, err);
	return rc;
}

static bool record_stale(struct attach *x, const struct net_record *r)
{
	if (r->state == NET_REC_ATTACHING)
		return true; /* we hold the lock: nobody is attaching it */
	struct nl_link link;
	/* A namespace's end of a veth pair takes the other end with it when
	 * the namespace goes, so a missing host end is a dead container.  A
	 * macvlan leaves no such trace: its lease stays until rm. */
	return r->host_ifname && nl_link_get(x->nl, r->host_ifname, &link, NULL) == -ENODEV;
}

int net_reclaim_stale(struct attach *x, struct jl_err **err)
{
	char **ids = NULL;
	size_t n = 0;
	int rc = net_record_ids(x->netdir, &ids, &n, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct net_record r;
		if (!strcmp(ids[i], x->id) || net_record_read(x->netdir, ids[i], &r, NULL) < 0)
			continue;
		if (record_stale(x, &r)) {
			jl_debug("network \"%s\": reclaiming %s from container \"%s\"", x->net->name,
				 r.address, r.id);
			rc = net_undo_record(x, &r, err);
		}
		net_record_free(&r);
	}
	net_strv_free(ids, n);
	return rc;
}

void net_attach_release(struct attach *x)
{
	net_record_free(&x->rec);
	nat_close(x->nat);
	nl_close(x->nl);
	net_network_free(x->net);
	closep(&x->netdir);
	closep(&x->lockfd); /* drops the network's lock */
	net_store_close(&x->store);
	x->nat = NULL;
	x->nl = NULL;
	x->net = NULL;
}

/* One network: the record of id, or (a crash before the record was
 * written) only a lease naming it. */
static int detach_from(struct attach *x, struct jl_err **err)
{
	x->netdir = net_network_dir(&x->store, x->net->name, &x->lockfd, err);
	if (x->netdir < 0)
		return x->netdir;
	struct net_record r;
	int rc = net_record_read(x->netdir, x->id, &r, err);
	if (rc == 0) {
		size_t deferred = x->defer ? x->defer->n : 0;
		rc = net_undo_record(x, &r, err);
		net_record_free(&r);
		if (x->defer && x->defer->n > deferred)
			net_deferred_hold(x->defer, x->lockfd);
	} else if (rc == -ENOENT) {
		rc = net_lease_drop(x->netdir, x->id, err);
	}
	closep(&x->netdir);
	closep(&x->lockfd);
	return rc;
}

static int detach(const char *store, const char *id, bool ns_gone, bool wait,
		  struct jl_err **err)
{
	struct net_deferred defer = {0};
	struct attach x = {.id = id, .netdir = -1, .lockfd = -1, .ns_gone = ns_gone,
			   .defer = wait ? NULL : &defer};
	int rc = net_store_open(store, false, &x.store, err);
	if (rc == -ENOENT)
		return 0; /* no store, no networks: nothing attached */
	struct net_network **all = NULL;
	size_t n = 0;
	if (rc == 0)
		rc = net_store_lock(&x.store, LOCK_SH, err);
	if (rc == 0)
		rc = net_networks_read(&x.store, &all, &n, err);
	if (rc == 0 && n > 0)
		rc = nl_open(&x.nl, -1, err);
	if (rc == 0 && n > 0)
		rc = nat_open(&x.nat, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		x.net = all[i];
		rc = detach_from(&x, err);
	}
	x.net = NULL;
	if (rc == 0)
		rc = net_port_release_all(&x.store, id, err);
	/* Also after a failure: what was cut off is deleted all the same. */
	net_deferred_finish(&defer, x.nl);
	net_network_list_free(all, n);
	net_attach_release(&x);
	return rc < 0 ? jl_err_wrap(err, "detach container \"%s\"", id) : 0;
}

int net_detach(const char *store, const char *id, struct jl_err **err)
{
	return detach(store, id, false, true, err);
}

int net_detach_nowait(const char *store, const char *id, struct jl_err **err)
{
	return detach(store, id, false, false, err);
}

/* Deleting a veth waits for RCU grace periods in the kernel (15-40 ms
 * here, most of what a network costs a short container); when the
 * container's namespace dies the kernel deletes the pair itself, batched
 * and off our path.  So for a dead container only the rules, port claims,
 * lease and record go here.  A new attach that finds the old host end
 * still dying under the same name deletes it then (attach.c). */
int net_detach_dead(const char *store, const char *id, struct jl_err **err)
{
	return detach(store, id, true, true, err);
}
