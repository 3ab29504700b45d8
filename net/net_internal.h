/* The net room's private parts: addresses and prefixes (addr.c), the store
 * and its locks (store.c), networks on disk (network*.c), leases (ipam.c),
 * attachment records (record.c), ports (ports.c), netlink (netlink*.c, the
 * only files that call libmnl) and nftables (nat*.c, the only files that
 * call libnftnl).  No other room includes this. */
#ifndef JAULA_NET_INTERNAL_H
#define JAULA_NET_INTERNAL_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "net/net.h"
#include "runtime/json.h"

/* --- addresses (addr.c) ----------------------------------------------------- */

union net_ip {
	struct in_addr v4;
	struct in6_addr v6;
	uint8_t b[16];
};

struct net_prefix {
	int family; /* AF_INET, AF_INET6 */
	union net_ip ip;
	int len;
};

#define NET_IP_STRLEN INET6_ADDRSTRLEN
#define NET_PREFIX_STRLEN (INET6_ADDRSTRLEN + 4)

/* An address of family (AF_INET, AF_INET6, or 0 for either; *family is
 * set).  Returns 0 or -EINVAL. */
int net_ip_parse(const char *s, int *family, union net_ip *ip);
/* "a.b.c.d/len": host bits must be zero.  *why says what is wrong. */
int net_prefix_parse(const char *s, struct net_prefix *p, const char **why);
void net_ip_format(int family, const union net_ip *ip, char out[NET_IP_STRLEN]);
void net_prefix_format(const struct net_prefix *p, char out[NET_PREFIX_STRLEN]);
bool net_prefix_contains(const struct net_prefix *p, const union net_ip *ip);
bool net_prefix_overlap(const struct net_prefix *a, const struct net_prefix *b);
/* The host indices a prefix has for leases (v4: without network and
 * broadcast; capped at 2^24 so a lease scan stays bounded). */
uint64_t net_prefix_size(const struct net_prefix *p);
/* network address + idx, and back (idx of an address inside p). */
void net_prefix_nth(const struct net_prefix *p, uint64_t idx, union net_ip *out);
uint64_t net_prefix_index(const struct net_prefix *p, const union net_ip *ip);
/* A locally administered unicast MAC from an IPv4 address: 02:6a:a.b.c.d,
 * the same for the same address (neighbours' caches stay right). */
void net_mac_from_v4(const struct in_addr *a, uint8_t mac[6]);
void net_mac_format(const uint8_t mac[6], char out[18]);
/* FNV-1a, for short stable names (veth, bridges, rule comments). */
uint32_t net_hash(const char *a, const char *b);

/* --- the store (store.c) ------------------------------------------------------ */

struct net_store {
	char *path;  /* <store>/networks */
	int dirfd;   /* of it */
	int lockfd;  /* networks/lock, flock'ed by net_store_lock */
};
#define NET_STORE_INIT {.path = NULL, .dirfd = -1, .lockfd = -1}

/* Open (create: make) <store>/networks; NULL store: NET_DEFAULT_STORE.
 * Without create, a missing directory is ENOENT with no error set. */
int net_store_open(const char *store, bool create, struct net_store *s, struct jl_err **err);
void net_store_close(struct net_store *s);
int net_store_lock(struct net_store *s, int op, struct jl_err **err); /* LOCK_SH, LOCK_EX */
/* networks/<name>/ (made when missing) and its lock, flock'ed exclusively.
 * Returns the directory fd; *lockfd is the held lock. */
int net_network_dir(struct net_store *s, const char *name, int *lockfd, struct jl_err **err);

/* Read and parse a JSON file under dirfd; -ENOENT (no error set) when it
 * is missing.  what names it in errors. */
int net_json_read(int dirfd, const char *name, const char *what, jl_json_val *out,
		  struct jl_err **err);
char *net_json_str(jl_json_val o, const char *key); /* malloc'ed, NULL when absent */
int net_json_int(jl_json_val o, const char *key, int dflt);
bool net_json_bool(jl_json_val o, const char *key);
/* Remove dirfd/sub's ".*.tmp" files (jl_write_atomic_at's, of a writer
 * that died), under the lock that writers hold. */
void net_remove_tmp(int dirfd, const char *sub);
/* O_PATH fd of a subdirectory; -ENOENT (no error set) when missing. */
int net_subdir(int dirfd, const char *name, struct jl_err **err);

/* --- networks (network.c, network_create.c) -------------------------------- */

bool net_name_valid(const char *name);
/* Load networks/<name>.json; ENOENT with no error set when missing. */
int net_network_read(struct net_store *s, const char *name, struct net_network **out,
		     struct jl_err **err);
int net_network_write(struct net_store *s, const struct net_network *n, struct jl_err **err);
/* The default network and "macvlan:PARENT" are made on first use; a name
 * must exist.  Caller holds the store lock shared; it may be upgraded. */
int net_network_resolve(struct net_store *s, const char *mode, struct net_network **out,
			struct jl_err **err);
/* Parsed subnet, gateway (family 0: none) and the v6 pair. */
struct net_addrs {
	struct net_prefix sub, sub6;
	union net_ip gw, gw6;
	bool has_gw, has6;
};
int net_network_addrs(const struct net_network *n, struct net_addrs *a, struct jl_err **err);
/* A network's JSON object into w (inspect, list). */
void net_network_json(struct jl_json_writer *w, const struct net_network *n);
/* Every network of the store, sorted by name. */
int net_networks_read(struct net_store *s, struct net_network ***out, size_t *n,
		      struct jl_err **err);
/* Check the flags against every other network and make the network. */
int net_network_build(const char *name, const struct net_network_opts *o,
		      struct net_network *const *all, size_t count, struct net_network **out,
		      struct jl_err **err);
/* build + write, under the store's exclusive lock. */
int net_network_add(struct net_store *s, const char *name, const struct net_network_opts *o,
		    struct jl_err **err);
/* The subnet and gateway ("" none) a macvlan network on parent gets. */
int net_macvlan_derive(const char *parent, char **subnet, char **gateway, struct jl_err **err);
const char *net_vlan_mode_name(enum net_vlan_mode m);

/* --- leases (ipam.c) ---------------------------------------------------------- */

/* Take a free address of the network for id (leases/<ip>, O_EXCL), under
 * the network's lock, never skip (a macvlan parent's own address).
 * -ENOSPC (no error set) when every address is leased. */
int net_lease_take(int netdir, const struct net_network *n, const struct net_addrs *a,
		   const char *id, const union net_ip *skip, union net_ip *out, struct jl_err **err);
/* Remove every lease of the network naming id. */
int net_lease_drop(int netdir, const char *id, struct jl_err **err);
/* The holders of the network's leases (network rm refuses while any). */
int net_lease_holders(int netdir, char ***ids, size_t *n, struct jl_err **err);

/* --- attachment records (record.c) ------------------------------------------- */

struct net_port {
	char host_ip[NET_IP_STRLEN]; /* "" for every address */
	uint16_t host_port, ctr_port;
	int proto; /* IPPROTO_TCP, IPPROTO_UDP */
};

enum net_record_state { NET_REC_ATTACHING, NET_REC_ATTACHED };

struct net_record {
	char *id, *network, *driver;
	enum net_record_state state;
	char *host_ifname, *ifname, *mac;
	char *address, *gateway, *address6, *gateway6;
	int prefix, prefix6;
	struct net_port *ports;
	size_t n_ports;
	char *comment; /* the rules' comment */
	char *netns;   /* "DEV:INO" of the container's namespace: a live macvlan's detach finds it */
};

void net_record_json(struct jl_json_writer *w, const struct net_record *r);
/* netns_find.c: the namespace a record's netns names, opened (O_CLOEXEC)
 * through a process in it; -ENOENT when none is (it is gone, or only a bind
 * mount holds it). */
int net_netns_find(const char *identity, int *fd);
int net_record_write(int netdir, const struct net_record *r, struct jl_err **err);
/* ENOENT with no error set when there is none. */
int net_record_read(int netdir, const char *id, struct net_record *r, struct jl_err **err);
int net_record_remove(int netdir, const char *id, struct jl_err **err);
void net_record_free(struct net_record *r);
/* The ids with a record in networks/<name>/attachments. */
int net_record_ids(int netdir, char ***ids, size_t *n, struct jl_err **err);
void net_strv_free(char **v, size_t n);
/* The comment every rule of a container carries ("jaula ctr ID", or a
 * hash of a long id: comments hold 128 bytes). */
char *net_ctr_comment(const char *id);
char *net_net_comment(const char *name);

/* --- ports (ports.c) -------------------------------------------------------- */

int net_port_parse(const char *spec, struct net_port *p, struct jl_err **err);
/* networks/ports/<proto>-<port> for id (O_EXCL): "port 8080/tcp is already
 * published by container x". */
int net_port_claim(struct net_store *s, const struct net_port *p, const char *id,
		   struct jl_err **err);
int net_port_release_all(struct net_store *s, const char *id, struct jl_err **err);
const char *net_proto_name(int proto);

/* --- netlink (netlink.c, netlink_link.c: libmnl) ------------------------- */

struct nl; /* a NETLINK_ROUTE socket in one network namespace */
struct nat;

/* netns_fd < 0: the caller's namespace. */
int nl_open(struct nl **out, int netns_fd, struct jl_err **err);
void nl_close(struct nl *n);

struct nl_link {
	int index, master;
	unsigned flags;
	char kind[16];
	bool vlan_filtering; /* a bridge's */
};
/* -ENODEV when there is no such link (no error set). */
int nl_link_get(struct nl *n, const char *name, struct nl_link *out, struct jl_err **err);
int nl_link_up(struct nl *n, int index, struct jl_err **err);
/* By name; -ENODEV when there is no such link (no error set). */
int nl_link_down(struct nl *n, const char *name, struct jl_err **err);
/* Missing: success. */
int nl_link_delete(struct nl *n, const char *name, struct jl_err **err);
/* EEXIST is returned as -EEXIST with no error set by the creators. */
int nl_bridge_create(struct nl *n, const char *name, const uint8_t mac[6], bool vlan_filtering,
		     struct jl_err **err);
int nl_vlan_create(struct nl *n, const char *name, int parent, int vid, const uint8_t mac[6],
		   struct jl_err **err);
/* A veth pair: host end `host` enslaved to master (> 0) and up; the peer
 * made in the namespace netns_fd as `peer`, with mac, up. */
int nl_veth_create(struct nl *n, const char *host, int master, const char *peer, int netns_fd,
		   const uint8_t mac[6], struct jl_err **err);
int nl_macvlan_create(struct nl *n, const char *name, int parent, int netns_fd,
		      const uint8_t mac[6], struct jl_err **err);
/* Bridge VLAN membership of a port (pvid + untagged) or of the bridge
 * itself (self, tagged). */
int nl_bridge_vlan_add(struct nl *n, int index, int vid, bool self, struct jl_err **err);
/* EEXIST is success for nl_addr_add and nl_route_add_default, a missing
 * address for nl_addr_del. */
int nl_addr_del(struct nl *n, int index, int family, const union net_ip *ip, int len,
		struct jl_err **err);
int nl_addr_add(struct nl *n, int index, int family, const union net_ip *ip, int len,
		struct jl_err **err);
int nl_route_add_default(struct nl *n, int family, const union net_ip *gw, int oif,
			 struct jl_err **err);
/* The first global IPv4 address of a link and its prefix; the IPv4
 * default gateway through it (family 0 when there is none). */
int nl_link_v4(struct nl *n, int index, struct net_prefix *addr, struct jl_err **err);
int nl_default_gw_v4(struct nl *n, int index, union net_ip *gw, bool *found,
		     struct jl_err **err);

/* --- nftables (nat.c, nat_expr.c: libnftnl) ------------------------------ */

struct nat; /* a batch under construction on a NETLINK_NETFILTER socket */

int nat_open(struct nat **out, struct jl_err **err);
void nat_close(struct nat *t);
/* The network's masquerade, isolation and loopback rules (added when
 * missing, in one transaction). */
int nat_network_ensure(struct nat *t, const struct net_network *n, const struct net_addrs *a,
		       struct jl_err **err);
/* DNAT for each published port of one container. */
int nat_ports_add(struct nat *t, const struct net_record *r, struct jl_err **err);
/* Remove the table once it holds no rule (the last network went). */
int nat_table_remove_if_empty(struct nat *t, struct jl_err **err);
/* Delete every rule whose comment is `comment`. */
int nat_rules_delete(struct nat *t, const char *comment, struct jl_err **err);
/* Rules of the table (of one chain, or all: NULL) with that comment. */
int nat_rules_count(struct nat *t, const char *chain, const char *comment, size_t *n,
		    struct jl_err **err);

/* --- host setup (bridge.c) -------------------------------------------------- */

/* The network's devices (bridge, VLAN device, gateway addresses, up,
 * route_localnet), its rules and ip_forward: idempotent, under the
 * network's lock. */
int net_bridge_ensure(struct nl *nl, struct nat *t, const struct net_network *n,
		      const struct net_addrs *a, struct jl_err **err);
/* What net_network_remove takes away: rules, gateway device, bridge
 * (a shared VLAN bridge only when no other network uses it). */
int net_bridge_remove(struct net_store *s, struct nl *nl, struct nat *t,
		      const struct net_network *n, struct jl_err **err);
/* Probe the kernel: bridge vlan_filtering and 802.1Q devices? */
enum net_vlan_mode net_vlan_probe(void);
/* jaulav0 / jaulav<id> / jaulav0.<id> for a VLAN network. */
void net_vlan_devices(enum net_vlan_mode m, int vid, char bridge[IFNAMSIZ], char gw[IFNAMSIZ]);

#endif
