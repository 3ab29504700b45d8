#!/usr/bin/env bats
# Container networks, part two: internal, host-only, VLAN isolation (this
# kernel's fallback; real 802.1Q runs in the QEMU guest, tests/vm/guest/
# 20-net-vlan.sh), macvlan, IPv6, 100 parallel attaches, reclaiming the
# addresses of dead containers, and attaches killed at random moments.

load lib/helpers
load lib/net

setup() {
	net_setup
}

teardown() {
	net_teardown
}

# reach FROM ADDR: a TCP echo through ADDR:7 (servers started by the test);
# unreachable FROM ADDR: no answer within half a second (a local veth
# answers in well under a millisecond; a dropped SYN never does).
reach() {
	send "$1" tcp "$2" 7 ping >/dev/null 2>&1
}

unreachable() {
	if [ "$1" = host ]; then
		! "$NETCTL" send --tcp "$2" 7 ping --timeout 0.5 >/dev/null 2>&1
	else
		! in_ctr "$1" "$NETCTL" send --tcp "$2" 7 ping --timeout 0.5 >/dev/null 2>&1
	fi
}

@test "internal: peers reach each other; not the outside, not the host, even with a route of their own" {
	jnet create iso --internal --subnet 10.70.0.0/24
	ctr_new a
	ctr_new b
	ctr_new n
	attach n # a NAT network on the same host: ip_forward is on
	attach a --network iso
	attach b --network iso
	[ -z "$(addr_of a gateway)" ]
	run in_ctr a ip route show default
	[ -z "$output" ]
	bg b "$NETCTL" serve --tcp 7
	bg n "$NETCTL" serve --tcp 7
	bg host "$NETCTL" serve --tcp 7
	wait_listen b tcp 7
	wait_listen n tcp 7
	wait_listen host tcp 7
	# what the internal container must not reach answers others
	reach n 192.0.2.2
	reach n 192.0.2.1
	reach host "$(addr_of n)"
	reach a "$(addr_of b)"
	unreachable a 192.0.2.2
	# A container may add routes: the host still drops what comes from
	# the internal bridge, and forwards nothing of it.
	in_ctr a ip route add default dev eth0
	unreachable a 192.0.2.1
	unreachable a 192.0.2.2
	unreachable a "$(addr_of n)"
	run jnet inspect iso
	echo "$output" | jq -e '.internal and .gateway == ""'
	run attach b --network iso -p 8080:80
	[[ $output == *'network "iso" is internal: -p cannot publish ports'* ]]
}

@test "host-only: peers and the host, not the outside, not other networks" {
	jnet create ho --host-only --subnet 10.71.0.0/24
	ctr_new a
	ctr_new b
	ctr_new n
	attach n
	attach a --network ho
	attach b --network ho
	for c in a b n host; do bg $c "$NETCTL" serve --tcp 7; wait_listen $c tcp 7; done
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
	reach n 192.0.2.2
	reach host "$(addr_of n)"
	reach b "$(addr_of a)"
	reach a "$(addr_of b)"
	reach a 10.71.0.1
	reach a 192.0.2.1
	unreachable a 192.0.2.2
	unreachable a "$(addr_of n)"
	unreachable n "$(addr_of a)"
	# the host reaches them
	reach host "$(addr_of b)"
	! nft list chain inet jaula postrouting | grep -q '10.71.0.0/24'
}

@test "VLAN fallback: a bridge per VLAN id; different VLANs never meet, the same VLAN does" {
	jnet create red --vlan 10 --subnet 10.10.0.0/24
	jnet create red2 --vlan 10 --subnet 10.11.0.0/24
	jnet create blue --vlan 20 --subnet 10.20.0.0/24
	run jnet inspect red
	echo "$output" | jq -e '.vlan == 10 and .vlan_isolation == "bridge-per-vlan" and .device == "jaulav10"'
	for c in a b c d; do ctr_new $c; done
	attach a --network red
	attach b --network red
	attach c --network blue
	attach d --network red2
	for c in b c d; do bg $c "$NETCTL" serve --tcp 7; wait_listen $c tcp 7; done
	reach a "$(addr_of b)"        # same network
	reach a "$(addr_of d)"        # same VLAN, another network: routed on jaulav10
	reach host "$(addr_of c)"
	unreachable a "$(addr_of c)"      # VLAN 20, through the gateways
	# and at layer 2: an on-link route, ARP straight to the other VLAN
	in_ctr a ip route add "$(addr_of c)/32" dev eth0
	in_ctr c ip route add "$(addr_of a)/32" dev eth0
	unreachable a "$(addr_of c)"
	in_ctr a ip route add "$(addr_of d)/32" dev eth0
	in_ctr d ip route add "$(addr_of a)/32" dev eth0
	reach a "$(addr_of d)"
	# both still reach the outside
	run send a tcp 192.0.2.2 7 x
	[ "$output" = "192.0.2.1 x" ]
	run send c tcp 192.0.2.2 7 y
	[ "$output" = "192.0.2.1 y" ]
	for c in a b c d; do detach $c; done
	jnet rm red
	ip link show jaulav10 # red2 still uses it
	jnet rm red2
	jnet rm blue
	run ip link show jaulav10
	[ "$status" -ne 0 ]
}

@test "macvlan: the container is on the parent's segment with its own address and MAC" {
	ctr_new a
	ctr_new b
	attach a --network macvlan:up0
	attach b --network macvlan:up0
	a=$(addr_of a)
	[[ $a == 192.0.2.* ]]
	[ "$a" != 192.0.2.1 ] && [ "$a" != 192.0.2.2 ]
	[ "$(addr_of a gateway)" = 192.0.2.2 ]
	run in_ctr a ip -d -o link show eth0
	[[ $output == *macvlan* ]]
	[[ $output == *"$(addr_of a mac)"* ]]
	# the outside sees the container's own address: no NAT
	run send a tcp 192.0.2.2 7 direct
	[ "$output" = "$a direct" ]
	bg b "$NETCTL" serve --tcp 7
	wait_listen b tcp 7
	run send out tcp "$(addr_of b)" 7 in
	[ "$output" = "192.0.2.2 in" ]
	reach a "$(addr_of b)"
	run jnet inspect macvlan-up0
	echo "$output" | jq -e '.driver == "macvlan" and .device == "up0" and .subnet == "192.0.2.0/24"'
	run attach a --network macvlan:up0 -p 80:80
	[ "$status" -ne 0 ]
	detach a
	# a live container's macvlan is deleted from inside its namespace
	run in_ctr a ip -o link show eth0
	[ "$status" -ne 0 ]
	# a link the container made itself under that name is left alone
	in_ctr b ip link del eth0
	in_ctr b ip link add eth0 type veth peer name eth8
	detach b
	in_ctr b ip -o link show eth0
	in_ctr b ip link del eth0
	# the CLI's disconnect too (a macvlan is deleted in place)
	attach a --network macvlan:up0 >/dev/null
	"$JAULA" --store "$STORE" network disconnect a
	run in_ctr a ip -o link show eth0
	[ "$status" -ne 0 ]
	assert_net_clean "$a"
	jnet create lan --macvlan up0 --subnet 192.0.2.0/25 --gateway 192.0.2.2 2>&1 |
		grep -q 'overlaps network "macvlan-up0"'
}

@test "IPv6: addresses and default route; peers over v6; NAT66 to the outside" {
	jnet create six --subnet 10.30.0.0/24 --ipv6-subnet fd00:30::/64
	ctr_new a
	ctr_new b
	attach a --network six
	attach b --network six
	[ "$(addr_of a address6)" = "fd00:30::$(addr_of a | cut -d. -f4)" ]
	[ "$(addr_of a gateway6)" = fd00:30::1 ]
	run in_ctr a ip -6 -o addr show dev eth0 scope global
	[[ $output == *"inet6 $(addr_of a address6)/64"* ]]
	run in_ctr a ip -6 route show default
	[[ $output == "default via fd00:30::1 dev eth0"* ]]
	bg b "$NETCTL" serve --tcp 7
	wait_listen b tcp 7
	run send a tcp "$(addr_of b address6)" 7 v6
	[ "$output" = "$(addr_of a address6) v6" ]
	run send a tcp 2001:db8::2 7 nat66
	[ "$output" = "2001:db8::1 nat66" ]
	run send a udp 2001:db8::2 7 nat66u
	[ "$output" = "2001:db8::1 nat66u" ]
	run jnet create seven --subnet 10.31.0.0/24 --ipv6-subnet fd00:30::/80
	[[ $output == *'network "seven": subnet fd00:30::/80 overlaps network "six" (fd00:30::/64)'* ]]
}

@test "100 parallel attaches get 100 distinct addresses; 100 parallel detaches leave nothing" {
	jnet create many --subnet 10.40.0.0/24
	for i in $(seq 100); do ctr_new "p$i" & done
	wait
	for i in $(seq 100); do
		"$NETCTL" attach --store "$STORE" --network many --id "p$i" \
			--netns "/proc/$(ns_pid "p$i")/ns/net" >"$BATS_TEST_TMPDIR/att-p$i" 2>&1 &
	done
	wait
	cat "$BATS_TEST_TMPDIR"/att-p* | grep -v '^[a-z0-9_]*=' || true
	[ "$(cat "$BATS_TEST_TMPDIR"/att-p* | grep -c '^address=')" -eq 100 ]
	[ "$(cat "$BATS_TEST_TMPDIR"/att-p* | grep '^address=' | sort -u | wc -l)" -eq 100 ]
	[ "$(ls "$STORE/networks/many/leases" | wc -l)" -eq 100 ]
	[ "$(ip -o link show master jaula-many | wc -l)" -eq 100 ]
	# every container has the address it was told
	for i in 1 50 100; do
		in_ctr "p$i" ip -o addr show dev eth0 | grep -q "inet $(addr_of "p$i")/24"
	done
	for i in $(seq 100); do detach "p$i" & done
	wait
	assert_net_clean $(cat "$BATS_TEST_TMPDIR"/att-p* | sed -n 's/^address=//p')
	jnet rm many
}

@test "the addresses of dead containers are reclaimed when the subnet is full" {
	jnet create tiny --subnet 10.41.0.0/29 # 6 addresses, one the gateway's
	for i in 1 2 3 4 5; do ctr_new "t$i"; attach "t$i" --network tiny -p "810$i:80"; done
	ctr_new t6
	run attach t6 --network tiny
	[ "$status" -ne 0 ]
	[[ $output == *'network "tiny": no free address in 10.41.0.0/29'* ]]
	# t1 and t2 die without a detach: their namespaces go, and their veths
	kill -9 "$(ns_pid t1)" "$(ns_pid t2)"
	for i in $(seq 100); do
		ip link show "$(addr_of t1 host_ifname)" >/dev/null 2>&1 ||
			ip link show "$(addr_of t2 host_ifname)" >/dev/null 2>&1 || break
		sleep 0.05
	done
	attach t6 --network tiny -p 8101:80
	[ ! -e "$STORE/networks/tiny/attachments/t1.json" ]
	[ ! -e "$STORE/networks/tiny/attachments/t2.json" ]
	[ "$(nft list table inet jaula | grep -c 'jaula ctr t[12]"')" -eq 0 ]
	[ "$(ls "$STORE/networks/tiny/leases" | wc -l)" -eq 4 ]
}

@test "attaches killed at random moments leave nothing that detach cannot clean" {
	ctr_new k
	for i in $(seq 25); do
		"$NETCTL" attach --store "$STORE" --id k --netns "/proc/$(ns_pid k)/ns/net" \
			-p 8200:80 >/dev/null 2>&1 &
		pid=$!
		sleep "0.00$((RANDOM % 10))$((RANDOM % 10))"
		kill -9 $pid 2>/dev/null || true
		wait $pid 2>/dev/null || true
		detach k
		assert_net_clean
		run in_ctr k ip -o link show eth0
		[ "$status" -ne 0 ]
	done
	# and the namespace still takes a clean attach
	attach k -p 8200:80
	in_ctr k ip -o addr show dev eth0 | grep -q "inet $(addr_of k)/16"
}
