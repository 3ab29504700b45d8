/* The net room's parsers and arithmetic, no root needed: prefixes (parse,
 * overlap, n-th host and back), -p specs with their error messages,
 * network names and flags checked by network create, and the files of a
 * store (leases, records) in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "net/net_internal.h"
#include "runtime/util.h"

static void pfx(const char *s, struct net_prefix *p)
{
	const char *why = NULL;
	assert_int_equal(net_prefix_parse(s, p, &why), 0);
}

static void test_prefix_parse(void **state)
{
	(void)state;
	struct net_prefix p;
	const char *why;
	pfx("10.87.0.0/16", &p);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.len, 16);
	pfx("fd00:30::/64", &p);
	assert_int_equal(p.family, AF_INET6);
	static const struct {
		const char *in, *why;
	} bad[] = {
		{"10.0.0.1/16", "host bits set"}, {"10.0.0.0", "expected ADDRESS/LENGTH"},
		{"10.0.0.0/33", "length must be 0..32"}, {"fd00::/129", "length must be 0..128"},
		{"10.0.0/8", "not an IP address"},	 {"/8", "expected ADDRESS/LENGTH"},
		{"10.0.0.0/x", "length must be 0..32"},	 {"10.0.0.0/-1", "length must be 0..32"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		why = NULL;
		assert_int_equal(net_prefix_parse(bad[i].in, &p, &why), -EINVAL);
		assert_string_equal(why, bad[i].why);
	}
}

static void test_prefix_overlap(void **state)
{
	(void)state;
	struct net_prefix a, b, c, d, v6;
	pfx("10.1.0.0/16", &a);
	pfx("10.1.128.0/17", &b);
	pfx("10.2.0.0/16", &c);
	pfx("10.0.0.0/8", &d);
	pfx("fd00::/8", &v6);
	assert_true(net_prefix_overlap(&a, &b));
	assert_true(net_prefix_overlap(&b, &a));
	assert_false(net_prefix_overlap(&a, &c));
	assert_true(net_prefix_overlap(&d, &c));
	assert_false(net_prefix_overlap(&a, &v6));
}

static void test_prefix_hosts(void **state)
{
	(void)state;
	struct net_prefix p;
	union net_ip ip;
	char s[NET_IP_STRLEN];
	pfx("10.41.0.0/29", &p);
	assert_int_equal(net_prefix_size(&p), 6);
	net_prefix_nth(&p, 6, &ip);
	net_ip_format(AF_INET, &ip, s);
	assert_string_equal(s, "10.41.0.6");
	assert_int_equal(net_prefix_index(&p, &ip), 6);
	pfx("10.40.0.0/23", &p);
	net_prefix_nth(&p, 300, &ip);
	net_ip_format(AF_INET, &ip, s);
	assert_string_equal(s, "10.40.1.44");
	assert_int_equal(net_prefix_index(&p, &ip), 300);
	pfx("fd00:30::/64", &p);
	net_prefix_nth(&p, 0x1234, &ip);
	net_ip_format(AF_INET6, &ip, s);
	assert_string_equal(s, "fd00:30::1234");
	assert_int_equal(net_prefix_size(&p), 1 << 24); /* capped */
	uint8_t mac[6];
	char m[18];
	inet_pton(AF_INET, "10.87.0.2", &ip.v4);
	net_mac_from_v4(&ip.v4, mac);
	net_mac_format(mac, m);
	assert_string_equal(m, "02:6a:0a:57:00:02");
}

static void test_port_parse(void **state)
{
	(void)state;
	struct net_port p;
	struct jl_err *err = NULL;
	assert_int_equal(net_port_parse("8080:80", &p, &err), 0);
	assert_int_equal(p.host_port, 8080);
	assert_int_equal(p.ctr_port, 80);
	assert_int_equal(p.proto, IPPROTO_TCP);
	assert_string_equal(p.host_ip, "");
	assert_int_equal(net_port_parse("127.0.0.1:53:5353/udp", &p, &err), 0);
	assert_string_equal(p.host_ip, "127.0.0.1");
	assert_int_equal(p.proto, IPPROTO_UDP);
	static const struct {
		const char *in, *msg;
	} bad[] = {
		{"99999:80", "-p 99999:80: host port 99999 out of range 1..65535"},
		{"80:0", "-p 80:0: container port 0 out of range 1..65535"},
		{"80", "-p 80: expected [HOSTIP:]HOSTPORT:CONTAINERPORT"},
		{"80:80/sctp", "-p 80:80/sctp: unknown protocol \"sctp\" (tcp or udp)"},
		{"x:80", "-p x:80: host port \"x\" is not a number"},
		{"::1:80:80", "-p ::1:80:80: host address \"::1\" is not IPv4"},
		{"300.1.1.1:80:80", "-p 300.1.1.1:80:80: host address \"300.1.1.1\" is not IPv4"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_true(net_port_parse(bad[i].in, &p, &err) < 0);
		assert_non_null(err);
		assert_string_equal(err->msg, bad[i].msg);
		jl_err_free(&err);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_true(net_name_valid("red"));
	assert_true(net_name_valid("a-b_c9"));
	assert_false(net_name_valid(""));
	assert_false(net_name_valid("Red"));
	assert_false(net_name_valid("a.b"));
	assert_false(net_name_valid("none"));
	assert_false(net_name_valid("host"));
	assert_false(net_name_valid("abcdefghijklmnopqrstuvwxyz0123456"));
}

/* network_create's checks, against two existing networks. */
static void test_network_build(void **state)
{
	(void)state;
	struct net_network blue = {.name = "blue", .device = "jaula-blue",
				   .subnet = "10.1.128.0/17", .gateway = "10.1.128.1"};
	struct net_network six = {.name = "six", .device = "jaula-six", .subnet = "10.30.0.0/24",
				  .gateway = "10.30.0.1", .subnet6 = "fd00:30::/64"};
	struct net_network *all[] = {&blue, &six};
	static const struct {
		struct net_network_opts o;
		const char *msg;
	} bad[] = {
		{{.subnet = "10.1.0.0/16"},
		 "network \"red\": subnet 10.1.0.0/16 overlaps network \"blue\" (10.1.128.0/17)"},
		{{.vlan = "5000"}, "--vlan 5000: VLAN id must be 1..4094"},
		{{.vlan = "0"}, "--vlan 0: VLAN id must be 1..4094"},
		{{.subnet = "10.9.0.0/31"}, "--subnet 10.9.0.0/31: length must be 8..30"},
		{{.subnet = "fd00::/64"}, "--subnet fd00::/64: expected an IPv4 subnet"},
		{{.subnet = "10.9.0.0/24", .gateway = "10.9.0.255"},
		 "--gateway 10.9.0.255: not a host address of the subnet"},
		{{.internal = true, .host_only = true}, "--internal and --host-only exclude each other"},
		{{.internal = true, .gateway = "10.9.0.1"},
		 "--gateway: an --internal network has no gateway"},
		{{.subnet = "10.9.0.0/24", .ipv6_subnet = "fd00:30:0:0:1::/80"},
		 "network \"red\": subnet fd00:30:0:0:1::/80 overlaps network \"six\" (fd00:30::/64)"},
		{{.subnet = "10.9.0.0/16", .ipv6_subnet = "fd00:9::/120"},
		 "--ipv6-subnet fd00:9::/120: smaller than --subnet 10.9.0.0/16"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct net_network *n = NULL;
		struct jl_err *err = NULL;
		assert_true(net_network_build("red", &bad[i].o, all, 2, &n, &err) < 0);
		assert_null(n);
		assert_string_equal(err->msg, bad[i].msg);
		jl_err_free(&err);
	}
	struct net_network *n = NULL;
	struct jl_err *err = NULL;
	struct net_network_opts o = {0};
	assert_int_equal(net_network_build("a-long-network-name", &o, all, 2, &n, &err), 0);
	assert_string_equal(n->subnet, "10.86.0.0/24");
	assert_string_equal(n->gateway, "10.86.0.1");
	assert_true(strlen(n->device) < IFNAMSIZ);
	assert_true(jl_str_has_prefix(n->device, "jaula-a-lo"));
	net_network_free(n);
	assert_true(net_network_build("blue", &o, all, 2, &n, &err) < 0);
	assert_string_equal(err->msg, "network \"blue\" already exists");
	jl_err_free(&err);
}

/* Leases: distinct, skipping the gateway, exhausted with -ENOSPC, dropped
 * by holder; in a temporary directory. */
static void test_leases(void **state)
{
	(void)state;
	char dir[] = "/tmp/jaula-net-unit-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct net_store s;
	struct jl_err *err = NULL;
	assert_int_equal(net_store_open(dir, true, &s, &err), 0);
	int lock = -1;
	int netdir = net_network_dir(&s, "tiny", &lock, &err);
	assert_true(netdir >= 0);
	struct net_network n = {.name = "tiny", .subnet = "10.41.0.0/29", .gateway = "10.41.0.1"};
	struct net_addrs a;
	assert_int_equal(net_network_addrs(&n, &a, &err), 0);
	char seen[8][NET_IP_STRLEN];
	for (int i = 0; i < 5; i++) {
		union net_ip ip;
		char id[16];
		snprintf(id, sizeof(id), "c%d", i);
		assert_int_equal(net_lease_take(netdir, &n, &a, id, NULL, &ip, &err), 0);
		net_ip_format(AF_INET, &ip, seen[i]);
		assert_string_not_equal(seen[i], "10.41.0.1");
		for (int k = 0; k < i; k++)
			assert_string_not_equal(seen[i], seen[k]);
	}
	union net_ip ip;
	assert_int_equal(net_lease_take(netdir, &n, &a, "c9", NULL, &ip, &err), -ENOSPC);
	assert_int_equal(net_lease_drop(netdir, "c3", &err), 0);
	assert_int_equal(net_lease_take(netdir, &n, &a, "c9", NULL, &ip, &err), 0);
	char got[NET_IP_STRLEN];
	net_ip_format(AF_INET, &ip, got);
	assert_string_equal(got, seen[3]);
	char **ids = NULL;
	size_t count = 0;
	assert_int_equal(net_lease_holders(netdir, &ids, &count, &err), 0);
	assert_int_equal(count, 5);
	net_strv_free(ids, count);
	close(netdir);
	close(lock);
	net_store_close(&s);
	assert_int_equal(jl_remove_tree_at(AT_FDCWD, dir, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_parse), cmocka_unit_test(test_prefix_overlap),
		cmocka_unit_test(test_prefix_hosts), cmocka_unit_test(test_port_parse),
		cmocka_unit_test(test_names),	     cmocka_unit_test(test_network_build),
		cmocka_unit_test(test_leases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
