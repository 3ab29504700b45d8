/* Shared by attach.c and detach.c: one attach in progress, and undoing a
 * record. */
#ifndef JAULA_ATTACH_INTERNAL_H
#define JAULA_ATTACH_INTERNAL_H

#include "net/net_internal.h"

/* Links whose deletion a helper process finishes (deferred.c). */
struct net_deferred {
	char **names;
	size_t n;
	int *locks; /* the networks' locks, held by the helper until it is done */
	size_t n_locks;
};
void net_deferred_add(struct net_deferred *d, const char *name);
void net_deferred_hold(struct net_deferred *d, int lockfd);
/* Start the helper (when there is something to delete), or delete in
 * place if it cannot be started; then release d. */
void net_deferred_finish(struct net_deferred *d, struct nl *nl);

struct attach {
	const char *id;
	int netns_fd;
	struct net_store store;
	struct net_network *net;
	struct net_addrs addrs;
	int netdir, lockfd; /* networks/<name>, and its lock (held) */
	struct nl *nl;      /* the host's rtnetlink */
	struct nat *nat;
	struct net_record rec;
	bool made; /* a lease was taken: undo on failure */
	bool ns_gone; /* detach of a dead container: its veth goes with its namespace */
	struct net_deferred *defer; /* a live container's veths: deleted by a helper */
	int parent_index; /* macvlan */
	struct net_prefix parent_addr;
	bool has_parent_addr;
};

/* Undo what a record names (rules, veth, port claims, lease, the record),
 * each step tolerating "already gone".  Under the network's lock. */
int net_undo_record(struct attach *x, const struct net_record *r, struct jl_err **err);
/* Undo the records of containers that are gone (their veth vanished with
 * their namespace) or of attaches that crashed (still "attaching" under
 * the lock).  Returns 0 even when nothing was freed. */
int net_reclaim_stale(struct attach *x, struct jl_err **err);
void net_attach_release(struct attach *x);

#endif
