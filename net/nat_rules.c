/* nftables over libnftnl, part two: the rules of a network and of a
 * container's published ports, built expression by expression as `nft`
 * would compile them (a payload match is preceded by its protocol check).
 *
 * A network on gateway device D with subnet S ("NAT" = neither internal
 * nor host-only), in nft's words:
 *   postrouting  ip saddr S oifname != D masquerade                     NAT
 *                ip6 saddr S6 oifname != D masquerade                   NAT, v6
 *                oifname D ip saddr S ct status dnat masquerade         NAT: hairpin
 *                oifname D ip saddr 127.0.0.0/8 masquerade              published
 *                    ports from the host's loopback (route_localnet on D
 *                    lets such packets leave lo; the container answers D)
 *   forward      oifname D iifname != D ct status != dnat ct state new drop
 *                    NAT: nobody starts a connection to a container except
 *                    through a published port (other networks included)
 *                iifname D oifname != D drop; oifname D iifname != D drop
 *                    internal, host-only: nothing is routed in or out
 *                    (bridged traffic between peers has iif = oif = D when
 *                    br_netfilter passes it through these hooks)
 *   input        iifname D drop                                         internal
 *                iifname D ip daddr 127.0.0.0/8 ct direction original drop
 *                    route_localnet would otherwise let a container reach
 *                    the host's loopback services (CVE-2020-8558)
 * A published port: prerouting and output get
 *                [ip daddr HOSTIP | fib daddr type local] TCP/UDP dport P
 *                dnat ip to ADDR:CPORT */
#include "net/nat_internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <libnftnl/expr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tuple_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "runtime/util.h"

/* --- expressions ---------------------------------------------------------- */

static void e_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

static void e_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	nftnl_rule_add_expr(r, e);
}

static void e_payload(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

/* reg1 = reg1 & mask */
static void e_mask(struct nftnl_rule *r, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	nftnl_rule_add_expr(r, e);
}

static void e_ct(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

static void e_drop(struct nftnl_rule *r)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, NF_DROP);
	nftnl_rule_add_expr(r, e);
}

static void e_masq(struct nftnl_rule *r)
{
	nftnl_rule_add_expr(r, nftnl_expr_alloc("masq"));
}

static void e_imm(struct nftnl_rule *r, uint32_t reg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
	nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
	nftnl_rule_add_expr(r, e);
}

/* --- matches ---------------------------------------------------------------- */

/* iifname/oifname == or != name; "jaula*" compares the prefix only. */
static void m_ifname(struct nftnl_rule *r, uint32_t key, const char *name, bool eq)
{
	char buf[IFNAMSIZ] = {0};
	size_t n = strlen(name);
	bool prefix = n && name[n - 1] == '*';
	memcpy(buf, name, prefix ? n - 1 : n < IFNAMSIZ ? n : IFNAMSIZ - 1);
	e_meta(r, key);
	e_cmp(r, eq ? NFT_CMP_EQ : NFT_CMP_NEQ, buf, prefix ? (uint32_t)(n - 1) : IFNAMSIZ);
}

static void m_nfproto(struct nftnl_rule *r, int family)
{
	uint8_t proto = family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
	e_meta(r, NFT_META_NFPROTO);
	e_cmp(r, NFT_CMP_EQ, &proto, 1);
}

/* ip saddr/daddr (or ip6) within p. */
static void m_addr(struct nftnl_rule *r, const struct net_prefix *p, bool src)
{
	bool v4 = p->family == AF_INET;
	uint32_t len = v4 ? 4 : 16;
	m_nfproto(r, p->family);
	e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, v4 ? (src ? 12 : 16) : (src ? 8 : 24), len);
	if (p->len < (int)len * 8) {
		uint8_t mask[16] = {0};
		for (int i = 0; i < p->len; i++)
			mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		e_mask(r, mask, len);
	}
	e_cmp(r, NFT_CMP_EQ, &p->ip, len);
}

static void m_ct_bits(struct nftnl_rule *r, uint32_t key, uint32_t bits, bool set)
{
	uint32_t zero = 0;
	e_ct(r, key);
	e_mask(r, &bits, 4);
	e_cmp(r, set ? NFT_CMP_NEQ : NFT_CMP_EQ, &zero, 4);
}

static void m_ct_original(struct nftnl_rule *r)
{
	uint8_t dir = IP_CT_DIR_ORIGINAL;
	e_ct(r, NFT_CT_DIRECTION);
	e_cmp(r, NFT_CMP_EQ, &dir, 1);
}

static const struct net_prefix loopback = {.family = AF_INET, .ip.b = {127}, .len = 8};

/* --- a network's rules ------------------------------------------------------ */

static struct nftnl_rule *rule(void)
{
	return nftnl_rule_alloc();
}

static void postrouting_rules(struct nat *t, const struct net_network *n,
			      const struct net_addrs *a, const char *c)
{
	const char *d = n->gw_device;
	struct nftnl_rule *r;
	bool nat = !n->internal && !n->host_only;
	if (nat) {
		r = rule();
		m_addr(r, &a->sub, true);
		m_ifname(r, NFT_META_OIFNAME, d, false);
		e_masq(r);
		nat_batch_rule(t, "postrouting", r, c);
		if (a->has6) {
			r = rule();
			m_addr(r, &a->sub6, true);
			m_ifname(r, NFT_META_OIFNAME, d, false);
			e_masq(r);
			nat_batch_rule(t, "postrouting", r, c);
		}
		r = rule();
		m_ifname(r, NFT_META_OIFNAME, d, true);
		m_addr(r, &a->sub, true);
		m_ct_bits(r, NFT_CT_STATUS, IPS_DST_NAT, true);
		e_masq(r);
		nat_batch_rule(t, "postrouting", r, c);
	}
	if (!n->internal) {
		r = rule();
		m_ifname(r, NFT_META_OIFNAME, d, true);
		m_addr(r, &loopback, true);
		e_masq(r);
		nat_batch_rule(t, "postrouting", r, c);
	}
}

static void filter_rules(struct nat *t, const struct net_network *n, const char *c)
{
	const char *d = n->gw_device;
	struct nftnl_rule *r;
	if (!n->internal && !n->host_only) {
		r = rule();
		m_ifname(r, NFT_META_OIFNAME, d, true);
		m_ifname(r, NFT_META_IIFNAME, d, false);
		m_ct_bits(r, NFT_CT_STATUS, IPS_DST_NAT, false);
		m_ct_bits(r, NFT_CT_STATE, NF_CT_STATE_BIT(IP_CT_NEW), true);
		e_drop(r);
		nat_batch_rule(t, "forward", r, c);
	} else {
		r = rule();
		m_ifname(r, NFT_META_IIFNAME, d, true);
		m_ifname(r, NFT_META_OIFNAME, d, false);
		e_drop(r);
		nat_batch_rule(t, "forward", r, c);
		r = rule();
		m_ifname(r, NFT_META_OIFNAME, d, true);
		m_ifname(r, NFT_META_IIFNAME, d, false);
		e_drop(r);
		nat_batch_rule(t, "forward", r, c);
	}
	r = rule();
	m_ifname(r, NFT_META_IIFNAME, d, true);
	if (!n->internal) {
		m_addr(r, &loopback, false);
		m_ct_original(r);
	}
	e_drop(r);
	nat_batch_rule(t, "input", r, c);
}

int nat_network_ensure(struct nat *t, const struct net_network *n, const struct net_addrs *a,
		       struct jl_err **err)
{
	cleanup_free char *c = net_net_comment(n->name);
	size_t have = 0;
	int r = nat_rules_count(t, "input", c, &have, err);
	if (r < 0 || have > 0)
		return r;
	/* Some but not all of them (a crash between two transactions
	 * cannot happen: one transaction adds them all; but someone may have
	 * deleted a few): start clean. */
	r = nat_rules_delete(t, c, err);
	if (r < 0)
		return r;
	nat_batch_begin(t);
	postrouting_rules(t, n, a, c);
	filter_rules(t, n, c);
	return nat_batch_commit(t, "add the rules of a network", err);
}

/* --- published ports -------------------------------------------------------- */

static void port_rule(struct nat *t, const char *chain, const struct net_port *p,
		      const union net_ip *to, const char *c)
{
	struct nftnl_rule *r = rule();
	if (p->host_ip[0]) {
		struct net_prefix host = {.family = AF_INET, .len = 32};
		inet_pton(AF_INET, p->host_ip, &host.ip.v4);
		m_addr(r, &host, false);
	} else {
		struct nftnl_expr *e = nftnl_expr_alloc("fib");
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_FLAGS, NFTA_FIB_F_DADDR);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_RESULT, NFT_FIB_RESULT_ADDRTYPE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_FIB_DREG, NFT_REG_1);
		nftnl_rule_add_expr(r, e);
		uint32_t local = RTN_LOCAL;
		e_cmp(r, NFT_CMP_EQ, &local, 4);
		m_nfproto(r, AF_INET);
	}
	uint8_t proto = (uint8_t)p->proto;
	e_meta(r, NFT_META_L4PROTO);
	e_cmp(r, NFT_CMP_EQ, &proto, 1);
	uint16_t dport = htons(p->host_port), cport = htons(p->ctr_port);
	e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	e_cmp(r, NFT_CMP_EQ, &dport, 2);
	e_imm(r, NFT_REG_1, &to->v4, 4);
	e_imm(r, NFT_REG_2, &cport, 2);
	struct nftnl_expr *e = nftnl_expr_alloc("nat");
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY, NFPROTO_IPV4);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
	nftnl_rule_add_expr(r, e);
	nat_batch_rule(t, chain, r, c);
}

int nat_ports_add(struct nat *t, const struct net_record *rec, struct jl_err **err)
{
	if (rec->n_ports == 0)
		return 0;
	union net_ip to;
	int family = AF_INET;
	if (net_ip_parse(rec->address, &family, &to) < 0)
		return jl_err_code(err, EINVAL, "attachment of \"%s\": bad address \"%s\"", rec->id,
				   rec->address);
	nat_batch_begin(t);
	for (size_t i = 0; i < rec->n_ports; i++) {
		port_rule(t, "prerouting", &rec->ports[i], &to, rec->comment);
		port_rule(t, "output", &rec->ports[i], &to, rec->comment);
	}
	return nat_batch_commit(t, "publish ports", err);
}
