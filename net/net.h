/* Container networks: the net room's door (runtime/ and cli/ include it).
 * Depends only on the base layer; talks to the kernel over netlink (libmnl,
 * net/netlink*.c) and nftables (libnftnl, net/nat*.c), never through `ip`,
 * `iptables`, `nft` or CNI programs.
 *
 * Modes of `jaula run --net MODE` and what each needs from here:
 *   none            nothing: the container's own network namespace, lo up
 *                   (the runtime does that); net_write_names if it wants
 *                   /etc/hosts and /etc/resolv.conf
 *   host            nothing: no network namespace of its own
 *   bridge          net_attach(network NULL or "bridge"): the default network,
 *                   bridge jaula0, 10.87.0.0/16, NAT out; made on first use
 *   NAME            net_attach(network NAME): a network of `network create`
 *   macvlan:PARENT  net_attach(network "macvlan:PARENT"): a network
 *                   "macvlan-PARENT" made on first use from the parent's IPv4
 *                   prefix and default gateway
 *
 * Store layout, under the image store (--store, $JAULA_STORE,
 * NET_DEFAULT_STORE):
 *   networks/.lock                flock: shared while attaching, exclusive
 *                                 to create or remove a network
 *   networks/<name>.json          one network (net_network_create)
 *   networks/<name>/.lock         flock: held for a whole attach or detach
 *   networks/<name>/leases/<ip>   the container id holding that address
 *   networks/<name>/attachments/<id>.json
 *                                 what net_attach made, written before it
 *                                 makes it: net_detach undoes it after a crash
 *   networks/.ports/<proto>-<port> the container id publishing that port
 *
 * Firewall: only the table `inet jaula` (port DNAT, masquerade, isolation),
 * removed with the last network; every rule carries a comment naming its
 * network or container and is found by it to be removed.  Nothing else of
 * the host's ruleset is read or touched.  Its base chains accept by
 * default, so a host whose own tables drop forwarded traffic still needs
 * its administrator's rule for the containers. */
#ifndef JAULA_NET_H
#define JAULA_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/error.h"
#include "runtime/util.h"

#define NET_DEFAULT_STORE "/var/lib/jaula"
#define NET_DEFAULT_NETWORK "bridge" /* bridge jaula0, 10.87.0.0/16 */

/* --- networks ---------------------------------------------------------------- */

/* `network create` flags as typed; the room checks them and errors name the
 * flag (`--vlan 5000: VLAN id must be 1..4094`).  NULL: not given. */
struct net_network_opts {
	const char *subnet;      /* CIDR; NULL: the first free 10.86.N.0/24 */
	const char *gateway;     /* NULL: the subnet's first address */
	const char *ipv6_subnet; /* a /64../120; containers get the same host part */
	const char *vlan;        /* 1..4094 */
	const char *macvlan;     /* parent link: a macvlan network instead of a bridge */
	bool internal;           /* peers only: no gateway, no route out, host unreachable */
	bool host_only;          /* peers and the host; no NAT, no forwarding */
};

/* How containers of VLAN networks are kept apart, decided by what the
 * kernel can do when the network is created. */
enum net_vlan_mode {
	NET_VLAN_NONE,
	NET_VLAN_8021Q,  /* one VLAN-filtering bridge jaulav0, port PVID untagged,
			    gateway on the 802.1Q device jaulav0.<id> */
	NET_VLAN_BRIDGE, /* no vlan_filtering or no 8021q: a bridge per VLAN id,
			    jaulav<id>, and nftables rules between them */
};

struct net_network {
	char *name;
	char *driver;  /* "bridge" or "macvlan" */
	char *device;  /* the bridge, or the macvlan parent */
	char *gw_device; /* where the gateway address lives (bridge, jaulav0.<id>) */
	char *subnet, *gateway;   /* "10.87.0.0/16", "10.87.0.1" ("" internal) */
	char *subnet6, *gateway6; /* NULL without IPv6 */
	bool internal, host_only;
	int vlan; /* 0: none */
	enum net_vlan_mode vlan_mode;
	char *created;
};

/* Create networks/<name>.json.  Names: [a-z0-9_-], 1..32, not "none" or
 * "host".  Refused: an existing name, a subnet overlapping another network's
 * (`network "red": subnet 10.1.0.0/16 overlaps network "blue"
 * (10.1.128.0/17)`), bad CIDRs, a gateway outside the subnet.  Nothing of
 * the host changes until a container attaches. */
int net_network_create(const char *store, const char *name, const struct net_network_opts *o,
		       struct jl_err **err);
/* ENOENT: `network "x" does not exist` (the default network always loads). */
int net_network_load(const char *store, const char *name, struct net_network **out,
		     struct jl_err **err);
void net_network_free(struct net_network *n);
/* All networks, sorted by name (the default one only once it was used). */
int net_network_list(const char *store, struct net_network ***out, size_t *n,
		     struct jl_err **err);
void net_network_list_free(struct net_network **v, size_t n);
/* Refused while a container holds an address; removes the bridge, its
 * rules and the files. */
int net_network_remove(const char *store, const char *name, struct jl_err **err);
/* One JSON object: the network, how VLANs are isolated, its bridge's state
 * and the containers attached (id, addresses, ports). */
int net_network_inspect(const char *store, const char *name, struct jl_buf *out,
			struct jl_err **err);
/* Refuse an unknown NETWORK of --net early, before anything is made:
 * "none", "host", "bridge", "macvlan:PARENT" and existing names pass. */
int net_mode_check(const char *store, const char *mode, struct jl_err **err);

/* --- containers -------------------------------------------------------------- */

/* What `jaula run` asks for one container. */
struct net_attach_opts {
	const char *network;             /* NULL: "bridge"; a name; "macvlan:PARENT" */
	int netns_fd;                    /* the container's network namespace */
	const char *const *ports;        /* -p [HOSTIP:]HOSTPORT:CTRPORT[/tcp|udp] */
	size_t n_ports;
};

struct net_attachment {
	char *network;
	char *ifname;          /* inside: "eth0" */
	char *host_ifname;     /* the host end of the veth (NULL for macvlan) */
	char *address, *gateway;   /* "10.87.0.2", "10.87.0.1" (NULL: none) */
	int prefix;                /* 16 */
	char *address6, *gateway6; /* NULL without IPv6 */
	int prefix6;
	char *mac;
};

/* Attach the container `id` to a network: an address lease, the bridge
 * (made on first use, with its gateway address and rules), a veth pair
 * whose inner end is made directly in the namespace as eth0 with a MAC
 * derived from the address, the address, a default route via the gateway,
 * lo up, ip_forward when the network forwards, and -p port forwards.
 * Idempotent (a second call for the same id and network finds what is
 * there); on failure everything made is undone.  The namespace may be that
 * of a running container or one made with net_netns_new. */
int net_attach(const char *store, const char *id, const struct net_attach_opts *o,
	       struct net_attachment *out, struct jl_err **err);
void net_attachment_free(struct net_attachment *a);

/* Undo every attachment of `id`: veth, port rules, VLAN membership, leases.
 * Idempotent: nothing attached is success; works from the records alone,
 * so after a crash at any step too. */
int net_detach(const char *store, const char *id, struct jl_err **err);
/* The same, but returns as soon as the container is cut off (its veths
 * down, rules, ports and leases gone): the veths are deleted by a detached
 * helper that holds the networks' locks until then, because the kernel
 * makes a deletion wait for RCU callbacks (net/deferred.c).  Forks: for a
 * single-threaded caller. */
int net_detach_nowait(const char *store, const char *id, struct jl_err **err);
/* The same for a container whose network namespace is gone or going (it
 * has stopped and nothing else holds the namespace): its veth is left to
 * the kernel, which deletes it with the namespace, off the caller's path. */
int net_detach_dead(const char *store, const char *id, struct jl_err **err);

/* A new network namespace, not entered by the caller: its fd (O_CLOEXEC).
 * For a container made from an image, attach this before the container
 * exists and give the runtime "/proc/self/fd/<fd>" as the namespace path.
 * Must be called by a single-threaded process (it unshares and setns back). */
int net_netns_new(int *fd, struct jl_err **err);

/* Check one -p spec; the room's errors name it (`-p 99999:80: host port
 * 99999 out of range 1..65535`). */
int net_port_check(const char *spec, struct jl_err **err);

/* --- names ------------------------------------------------------------------- */

struct net_names_opts {
	const char *hostname;      /* the container's host name */
	const char *const *dns;    /* --dns servers; none: the host's resolvers
				      minus loopback ones (systemd-resolved's
				      upstream list when only 127.0.0.53 is set) */
	size_t n_dns;
	const char *hosts_path;    /* files to write (created or truncated, 0644); */
	const char *resolv_path;   /* NULL: skip that one.  The runtime binds them */
	const char *hostname_path; /* over /etc/hosts, /etc/resolv.conf, /etc/hostname */
};
/* /etc/hosts has localhost, the container's own address and hostname, and
 * the other containers of its (named) network by id. */
int net_write_names(const char *store, const char *id, const struct net_names_opts *o,
		    struct jl_err **err);

#endif
