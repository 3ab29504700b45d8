/* rtnetlink over libmnl, part one: the socket (in any network namespace),
 * requests with acknowledgement, links, addresses and routes.  The link
 * creators (bridge, veth, VLAN, macvlan) are netlink_link.c.  libmnl is
 * used in these two files only. */
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "net/netlink_internal.h"
#include "runtime/util.h"

int nl_open(struct nl **out, int netns_fd, struct jl_err **err)
{
	struct nl *n = xcalloc(1, sizeof(*n));
	n->buf = xmalloc(NL_BUF_SIZE);
	n->seq = (uint32_t)time(NULL);
	cleanup_close int self = -1;
	/* A netlink socket belongs to the namespace it was made in, so the
	 * container's is made inside it; the caller goes straight back. */
	if (netns_fd >= 0) {
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0 || setns(netns_fd, CLONE_NEWNET) < 0) {
			nl_close(n);
			return jl_err_sys(err, "enter the container's network namespace");
		}
	}
	n->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	int e = errno;
	if (self >= 0 && setns(self, CLONE_NEWNET) < 0) {
		/* Nothing after this could be trusted to act on the host. */
		jl_err_sys(err, "return to the runtime's network namespace");
		abort();
	}
	if (!n->sock || mnl_socket_bind(n->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = n->sock ? errno : e;
		nl_close(n);
		return jl_err_set(err, e, "open a netlink socket");
	}
	n->portid = mnl_socket_get_portid(n->sock);
	*out = n;
	return 0;
}

void nl_close(struct nl *n)
{
	if (!n)
		return;
	if (n->sock)
		mnl_socket_close(n->sock);
	free(n->buf);
	free(n);
}

struct nlmsghdr *nl_msg(struct nl *n, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(n->buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++n->seq;
	return nlh;
}

/* Send and read until the answer ends: the ACK (0 or -errno from the
 * kernel, no error object) or, for dumps, NLMSG_DONE; cb sees the data. */
int nl_talk(struct nl *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	if (mnl_socket_sendto(n->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	uint32_t seq = nlh->nlmsg_seq;
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(n->sock, n->buf, NL_BUF_SIZE);
		if (len < 0)
			return -errno;
		int r = mnl_cb_run(n->buf, (size_t)len, seq, n->portid, cb, data);
		if (r < 0)
			return -errno;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

/* --- links ------------------------------------------------------------------ */

static int linkinfo_cb(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;
	if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
		snprintf(l->kind, sizeof(l->kind), "%s", mnl_attr_get_str(a));
	if (mnl_attr_get_type(a) == IFLA_INFO_DATA && !strcmp(l->kind, "bridge")) {
		const struct nlattr *b;
		mnl_attr_for_each_nested(b, a)
			if (mnl_attr_get_type(b) == IFLA_BR_VLAN_FILTERING)
				l->vlan_filtering = mnl_attr_get_u8(b) != 0;
	}
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct nl_link *l = data;
	switch (mnl_attr_get_type(a)) {
	case IFLA_MASTER:
		l->master = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINKINFO:
		mnl_attr_parse_nested(a, linkinfo_cb, l);
		break;
	}
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_link *l = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	l->index = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	return mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, l);
}

int nl_link_get(struct nl *n, const char *name, struct nl_link *out, struct jl_err **err)
{
	memset(out, 0, sizeof(*out));
	struct nlmsghdr *nlh = nl_msg(n, RTM_GETLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	int r = nl_talk(n, nlh, link_cb, out);
	if (r == -ENODEV)
		return r;
	return r < 0 ? jl_err_set(err, -r, "link \"%s\"", name) : 0;
}

int nl_link_up(struct nl *n, int index, struct jl_err **err)
{
	struct nlmsghdr *nlh = nl_msg(n, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = index;
	ifi->ifi_flags = ifi->ifi_change = IFF_UP;
	int r = nl_talk(n, nlh, NULL, NULL);
	return r < 0 ? jl_err_set(err, -r, "set link %d up", index) : 0;
}

int nl_link_down(struct nl *n, const char *name, struct jl_err **err)
{
	struct nlmsghdr *nlh = nl_msg(n, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_change = IFF_UP; /* and ifi_flags 0: down */
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	int r = nl_talk(n, nlh, NULL, NULL);
	if (r == -ENODEV)
		return r;
	return r < 0 ? jl_err_set(err, -r, "set link \"%s\" down", name) : 0;
}

int nl_link_delete(struct nl *n, const char *name, struct jl_err **err)
{
	struct nlmsghdr *nlh = nl_msg(n, RTM_DELLINK, NLM_F_ACK);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	int r = nl_talk(n, nlh, NULL, NULL);
	if (r == -ENODEV)
		return 0;
	return r < 0 ? jl_err_set(err, -r, "delete link \"%s\"", name) : 0;
}

/* --- addresses and routes --------------------------------------------------- */

int nl_addr_add(struct nl *n, int index, int family, const union net_ip *ip, int len,
		struct jl_err **err)
{
	struct nlmsghdr *nlh = nl_msg(n, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)len;
	ifa->ifa_index = (uint32_t)index;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	size_t alen = family == AF_INET ? 4 : 16;
	mnl_attr_put(nlh, IFA_LOCAL, alen, ip);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, ip);
	if (family == AF_INET && len <= 30) {
		union net_ip brd = *ip;
		for (int i = len; i < 32; i++)
			brd.b[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		mnl_attr_put(nlh, IFA_BROADCAST, 4, &brd);
	}
	/* No duplicate address detection: the address is ours by lease, and
	 * a tentative address would fail the container's first connections. */
	if (family == AF_INET6)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
	int r = nl_talk(n, nlh, NULL, NULL);
	if (r == -EEXIST)
		return 0;
	if (r < 0) {
		char s[NET_IP_STRLEN];
		net_ip_format(family, ip, s);
		return jl_err_set(err, -r, "add address %s/%d", s, len);
	}
	return 0;
}

int nl_route_add_default(struct nl *n, int family, const union net_ip *gw, int oif,
			 struct jl_err **err)
{
	struct nlmsghdr *nlh = nl_msg(n, RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, family == AF_INET ? 4 : 16, gw);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	int r = nl_talk(n, nlh, NULL, NULL);
	if (r == -EEXIST)
		return 0;
	if (r < 0) {
		char s[NET_IP_STRLEN];
		net_ip_format(family, gw, s);
		return jl_err_set(err, -r, "add default route via %s", s);
	}
	return 0;
}

struct addr_find {
	int index;
	struct net_prefix *out;
	bool found;
};

static int addr_attr_cb(const struct nlattr *a, void *data)
{
	struct addr_find *f = data;
	if (mnl_attr_get_type(a) == IFA_LOCAL && mnl_attr_get_payload_len(a) == 4) {
		memcpy(&f->out->ip.v4, mnl_attr_get_payload(a), 4);
		f->found = true;
	}
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_find *f = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	if (f->found || (int)ifa->ifa_index != f->index || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return MNL_CB_OK;
	f->out->family = AF_INET;
	f->out->len = ifa->ifa_prefixlen;
	return mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, f);
}

int nl_link_v4(struct nl *n, int index, struct net_prefix *addr, struct jl_err **err)
{
	struct nlmsghdr *nlh = nl_msg(n, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	struct addr_find f = {.index = index, .out = addr};
	memset(addr, 0, sizeof(*addr));
	int r = nl_talk(n, nlh, addr_cb, &f);
	if (r < 0)
		return jl_err_set(err, -r, "list addresses");
	return f.found ? 0 : -ENOENT;
}

struct gw_find {
	int index;
	union net_ip *gw;
	bool *found;
	bool is_default;
	int oif;
	bool has_gw;
	union net_ip cand;
};

static int route_attr_cb(const struct nlattr *a, void *data)
{
	struct gw_find *f = data;
	if (mnl_attr_get_type(a) == RTA_OIF)
		f->oif = (int)mnl_attr_get_u32(a);
	if (mnl_attr_get_type(a) == RTA_GATEWAY && mnl_attr_get_payload_len(a) == 4) {
		memcpy(&f->cand.v4, mnl_attr_get_payload(a), 4);
		f->has_gw = true;
	}
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct gw_find *f = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	if (*f->found || rtm->rtm_dst_len != 0 || rtm->rtm_table != RT_TABLE_MAIN)
		return MNL_CB_OK;
	f->oif = 0;
	f->has_gw = false;
	int r = mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, f);
	if (f->has_gw && f->oif == f->index) {
		*f->gw = f->cand;
		*f->found = true;
	}
	return r;
}

int nl_default_gw_v4(struct nl *n, int index, union net_ip *gw, bool *found,
		     struct jl_err **err)
{
	struct nlmsghdr *nlh = nl_msg(n, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	*found = false;
	struct gw_find f = {.index = index, .gw = gw, .found = found};
	int r = nl_talk(n, nlh, route_cb, &f);
	return r < 0 ? jl_err_set(err, -r, "list routes") : 0;
}

int nl_addr_del(struct nl *n, int index, int family, const union net_ip *ip, int len,
		struct jl_err **err)
{
	struct nlmsghdr *nlh = nl_msg(n, RTM_DELADDR, NLM_F_ACK);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)len;
	ifa->ifa_index = (uint32_t)index;
	mnl_attr_put(nlh, IFA_LOCAL, family == AF_INET ? 4 : 16, ip);
	int r = nl_talk(n, nlh, NULL, NULL);
	if (r == -EADDRNOTAVAIL || r == -ENODEV)
		return 0;
	return r < 0 ? jl_err_set(err, -r, "delete an address of link %d", index) : 0;
}
