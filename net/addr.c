/* IPv4/IPv6 addresses and prefixes: parsing, formatting, containment,
 * overlap, the n-th host of a subnet, and names derived from addresses. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "net/net_internal.h"
#include "runtime/util.h"

int net_ip_parse(const char *s, int *family, union net_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if ((*family == 0 || *family == AF_INET) && inet_pton(AF_INET, s, &ip->v4) == 1) {
		*family = AF_INET;
		return 0;
	}
	if ((*family == 0 || *family == AF_INET6) && inet_pton(AF_INET6, s, &ip->v6) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

static int family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* Clear (keep = false) or test the bits after the first len. */
static bool host_bits(union net_ip *ip, int family, int len, bool clear)
{
	bool any = false;
	for (int i = len; i < family_bits(family); i++) {
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));
		if (ip->b[i / 8] & bit) {
			any = true;
			if (clear)
				ip->b[i / 8] &= (uint8_t)~bit;
		}
	}
	return any;
}

int net_prefix_parse(const char *s, struct net_prefix *p, const char **why)
{
	const char *slash = strchr(s, '/');
	*why = "expected ADDRESS/LENGTH";
	if (!slash || slash == s || slash - s >= NET_IP_STRLEN)
		return -EINVAL;
	char addr[NET_IP_STRLEN];
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	p->family = 0;
	if (net_ip_parse(addr, &p->family, &p->ip) < 0) {
		*why = "not an IP address";
		return -EINVAL;
	}
	int len;
	if (jl_parse_int(slash + 1, &len) < 0 || len < 0 || len > family_bits(p->family)) {
		*why = p->family == AF_INET ? "length must be 0..32" : "length must be 0..128";
		return -EINVAL;
	}
	p->len = len;
	if (host_bits(&p->ip, p->family, len, false)) {
		*why = "host bits set";
		return -EINVAL;
	}
	return 0;
}

void net_ip_format(int family, const union net_ip *ip, char out[NET_IP_STRLEN])
{
	if (!inet_ntop(family, ip, out, NET_IP_STRLEN))
		snprintf(out, NET_IP_STRLEN, "?");
}

void net_prefix_format(const struct net_prefix *p, char out[NET_PREFIX_STRLEN])
{
	char ip[NET_IP_STRLEN];
	net_ip_format(p->family, &p->ip, ip);
	snprintf(out, NET_PREFIX_STRLEN, "%s/%d", ip, p->len);
}

bool net_prefix_contains(const struct net_prefix *p, const union net_ip *ip)
{
	union net_ip masked = *ip;
	host_bits(&masked, p->family, p->len, true);
	return !memcmp(&masked, &p->ip, p->family == AF_INET ? 4 : 16);
}

bool net_prefix_overlap(const struct net_prefix *a, const struct net_prefix *b)
{
	if (a->family != b->family)
		return false;
	/* Two prefixes overlap exactly when the shorter one contains the
	 * other's network address. */
	return a->len <= b->len ? net_prefix_contains(a, &b->ip) : net_prefix_contains(b, &a->ip);
}

#define NET_MAX_HOSTS (1ULL << 24)

uint64_t net_prefix_size(const struct net_prefix *p)
{
	int host = family_bits(p->family) - p->len;
	if (host >= 25)
		return NET_MAX_HOSTS;
	uint64_t n = 1ULL << host;
	/* v4: neither the network nor the broadcast address; v6: not the
	 * subnet-router anycast address (index 0). */
	if (p->family == AF_INET)
		return n > 2 ? n - 2 : 0;
	return n - 1;
}

void net_prefix_nth(const struct net_prefix *p, uint64_t idx, union net_ip *out)
{
	*out = p->ip;
	int last = p->family == AF_INET ? 3 : 15;
	uint64_t carry = idx;
	for (int i = last; i >= 0 && carry; i--) {
		uint64_t v = out->b[i] + (carry & 0xff);
		out->b[i] = (uint8_t)v;
		carry = (carry >> 8) + (v >> 8);
	}
}

uint64_t net_prefix_index(const struct net_prefix *p, const union net_ip *ip)
{
	/* The host part: the address minus its network bits.  It fits 64 bits
	 * for every prefix a lease can come from (v6 /64 or longer). */
	union net_ip host = *ip;
	for (int i = 0; i < p->len; i++)
		host.b[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	int n = p->family == AF_INET ? 4 : 16;
	uint64_t idx = 0;
	for (int i = n > 8 ? n - 8 : 0; i < n; i++)
		idx = idx << 8 | host.b[i];
	return idx;
}

void net_mac_from_v4(const struct in_addr *a, uint8_t mac[6])
{
	const uint8_t *b = (const uint8_t *)&a->s_addr;
	mac[0] = 0x02; /* locally administered, unicast */
	mac[1] = 0x6a; /* 'j' */
	memcpy(mac + 2, b, 4);
}

void net_mac_format(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

uint32_t net_hash(const char *a, const char *b)
{
	uint32_t h = 2166136261u;
	for (const char *s = a; s && *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	h = (h ^ 0xff) * 16777619u; /* "ab"+"c" is not "a"+"bc" */
	for (const char *s = b; s && *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}
