/* rtnetlink over libmnl, part two: making links.  Every creator asks for
 * NLM_F_EXCL and returns -EEXIST without an error object, so callers decide
 * whether "already there" is the idempotent case or a conflict. */
#include <libmnl/libmnl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <string.h>

#include "net/netlink_internal.h"

/* RTM_NEWLINK for a new link, up from the start. */
static struct nlmsghdr *new_link(struct nl *n, const char *name, const uint8_t mac[6])
{
	struct nlmsghdr *nlh = nl_msg(n, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return nlh;
}

static int finish(struct nl *n, struct nlmsghdr *nlh, const char *what, const char *name,
		  struct jl_err **err)
{
	int r = nl_talk(n, nlh, NULL, NULL);
	if (r == -EEXIST)
		return r;
	return r < 0 ? jl_err_set(err, -r, "create %s \"%s\"", what, name) : 0;
}

int nl_bridge_create(struct nl *n, const char *name, const uint8_t mac[6], bool vlan_filtering,
		     struct jl_err **err)
{
	/* A fixed MAC: a bridge otherwise takes the lowest of its ports',
	 * changing under the containers' ARP caches as they come and go. */
	struct nlmsghdr *nlh = new_link(n, name, mac);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	if (vlan_filtering) {
		struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u8(nlh, IFLA_BR_VLAN_FILTERING, 1);
		/* Ports join no VLAN by themselves (the default would put
		 * every port in VLAN 1 together): each gets its network's. */
		mnl_attr_put_u16(nlh, IFLA_BR_VLAN_DEFAULT_PVID, 0);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, info);
	return finish(n, nlh, "bridge", name, err);
}

int nl_vlan_create(struct nl *n, const char *name, int parent, int vid, const uint8_t mac[6],
		   struct jl_err **err)
{
	struct nlmsghdr *nlh = new_link(n, name, mac);
	mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)parent);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vlan");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u16(nlh, IFLA_VLAN_ID, (uint16_t)vid);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return finish(n, nlh, "VLAN device", name, err);
}

int nl_veth_create(struct nl *n, const char *host, int master, const char *peer, int netns_fd,
		   const uint8_t mac[6], struct jl_err **err)
{
	struct nlmsghdr *nlh = new_link(n, host, NULL);
	if (master > 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	struct nlattr *p = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer is made in the container's namespace under its final
	 * name: no move, no rename, and no moment when a host link named
	 * eth0 exists.  It cannot be made up here: veth_open() refuses
	 * (ENOTCONN) before the pair is joined; setup_inside brings it up. */
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return finish(n, nlh, "veth", host, err);
}

int nl_macvlan_create(struct nl *n, const char *name, int parent, int netns_fd,
		      const uint8_t mac[6], struct jl_err **err)
{
	struct nlmsghdr *nlh = new_link(n, name, mac);
	mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)parent);
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* bridge mode: macvlans of one parent reach each other too. */
	mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_BRIDGE);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return finish(n, nlh, "macvlan", name, err);
}

int nl_bridge_vlan_add(struct nl *n, int index, int vid, bool self, struct jl_err **err)
{
	struct nlmsghdr *nlh = nl_msg(n, RTM_SETLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = index;
	struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	/* A port: frames enter untagged and are tagged vid inside the bridge
	 * (PVID), and leave it untagged.  The bridge itself: tagged, so the
	 * 802.1Q device on top of it (the gateway) gets that VLAN only. */
	struct bridge_vlan_info vi = {.vid = (uint16_t)vid};
	if (self)
		mnl_attr_put_u16(nlh, IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF);
	else
		vi.flags = BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED;
	mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
	mnl_attr_nest_end(nlh, spec);
	int r = nl_talk(n, nlh, NULL, NULL);
	return r < 0 ? jl_err_set(err, -r, "add VLAN %d to link %d", vid, index) : 0;
}
