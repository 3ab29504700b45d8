#!/usr/bin/env bats
# Container networks, part one: the default bridge network, NAT, published
# ports, names, idempotence, teardown and bad input (lib/net.bash builds
# the world: a host, an outside namespace behind an uplink, containers).

load lib/helpers
load lib/net

# helpers.bash's setup/teardown (a bundle and state root per test) too.
eval "base_$(declare -f setup)"
eval "base_$(declare -f teardown)"
setup() {
	base_setup
	net_setup
}

teardown() {
	base_teardown
	net_teardown
}

@test "bridge: eth0 with a lease, derived MAC, default route, lo up; peers and gateway reachable" {
	ctr_new a
	ctr_new b
	attach a
	attach b
	a=$(addr_of a)
	b=$(addr_of b)
	[ "$a" != "$b" ]
	[[ $a == 10.87.* ]]
	[ "$(addr_of a gateway)" = 10.87.0.1 ]
	# MAC: 02:6a + the address's four bytes
	mac=$(printf '02:6a:%02x:%02x:%02x:%02x' ${a//./ })
	[ "$(addr_of a mac)" = "$mac" ]
	run in_ctr a ip -o link show eth0
	[[ $output == *"link/ether $mac"* ]]
	[[ $output == *"state UP"* ]]
	run in_ctr a ip -o addr show dev eth0
	[[ $output == *"inet $a/16"* ]]
	run in_ctr a ip route show default
	[[ $output == "default via 10.87.0.1 dev eth0"* ]]
	run in_ctr a ip -o link show lo
	[[ $output == *"UP"* ]]
	# the host end is a port of jaula0
	host_if=$(addr_of a host_ifname)
	ip -o link show "$host_if" | grep -q 'master jaula0 ' 
	ip -o addr show dev jaula0 | grep -q "inet 10.87.0.1/16"
	bg b "$NETCTL" serve --tcp 80
	wait_listen b tcp 80
	run send a tcp "$b" 80 hello
	[ "$status" -eq 0 ]
	[ "$output" = "$a hello" ]
	run in_ctr a busybox ping -c1 -W2 10.87.0.1
	[ "$status" -eq 0 ]
}

@test "NAT: a container reaches the outside as the host's uplink address (TCP and UDP); ip_forward turned on" {
	echo 0 >/proc/sys/net/ipv4/ip_forward
	ctr_new a
	attach a
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
	run send a tcp 192.0.2.2 7 over-tcp
	[ "$status" -eq 0 ]
	[ "$output" = "192.0.2.1 over-tcp" ]
	run send a udp 192.0.2.2 7 over-udp
	[ "$status" -eq 0 ]
	[ "$output" = "192.0.2.1 over-udp" ]
	# the masquerade rule is the network's, in jaula's table
	nft list chain inet jaula postrouting | grep -q 'ip saddr 10.87.0.0/16 oifname != "jaula0" masquerade comment "jaula net bridge"'
}

@test "published ports: reachable from outside (source kept) and from the host's loopback, uplink and gateway" {
	ctr_new web
	attach web -p 8080:80 -p 5353:53/udp
	bg web "$NETCTL" serve --tcp 80
	bg web "$NETCTL" serve --udp 53
	wait_listen web tcp 80
	run send out tcp 192.0.2.1 8080 from-outside
	[ "$status" -eq 0 ]
	[ "$output" = "192.0.2.2 from-outside" ]
	run send out udp 192.0.2.1 5353 udp-outside
	[ "$status" -eq 0 ]
	[ "$output" = "192.0.2.2 udp-outside" ]
	# From the host itself: 127.0.0.1 needs route_localnet on jaula0 and
	# the loopback masquerade; the container sees the gateway address.
	run send host tcp 127.0.0.1 8080 from-loopback
	[ "$status" -eq 0 ]
	[ "$output" = "10.87.0.1 from-loopback" ]
	[ "$(cat /proc/sys/net/ipv4/conf/jaula0/route_localnet)" = 1 ]
	run send host tcp 192.0.2.1 8080 from-uplink
	[ "$status" -eq 0 ]
	[ "$output" = "192.0.2.1 from-uplink" ]
	run send host tcp 10.87.0.1 8080 from-gateway
	[ "$status" -eq 0 ]
	[ "$output" = "10.87.0.1 from-gateway" ]
	# only that port: 8081 is not forwarded anywhere
	run send out tcp 192.0.2.1 8081 nothing
	[ "$status" -ne 0 ]
}

@test "published ports: a host address limits the port to it; a second container cannot take a used port" {
	ctr_new a
	ctr_new b
	attach a -p 127.0.0.1:9090:80
	bg a "$NETCTL" serve --tcp 80
	wait_listen a tcp 80
	run send host tcp 127.0.0.1 9090 x
	[ "$output" = "10.87.0.1 x" ]
	run send out tcp 192.0.2.1 9090 y
	[ "$status" -ne 0 ]
	run attach b -p 9090:80
	[ "$status" -ne 0 ]
	[[ $output == *'port 9090/tcp is already published by container "a"'* ]]
	# b got nothing: no lease, no record, no veth, no rule
	[ ! -e "$STORE/networks/bridge/attachments/b.json" ]
	[ "$(ls "$STORE/networks/bridge/leases" | wc -l)" -eq 1 ]
	[ "$(nft list table inet jaula | grep -c 'jaula ctr b')" -eq 0 ]
	run in_ctr b ip -o link show eth0
	[ "$status" -ne 0 ]
	# once a is gone the port is free
	detach a
	attach b -p 9090:80
}

@test "attach is idempotent; detach undoes everything and twice is fine" {
	ctr_new a
	attach a -p 8088:80
	first=$(addr_of a)
	attach a -p 8088:80
	[ "$(addr_of a)" = "$first" ]
	[ "$(ip -o link show | grep -c ' jv')" -eq 1 ]
	[ "$(nft list table inet jaula | grep -c 'comment "jaula ctr a"')" -eq 2 ]
	detach a
	detach a
	run in_ctr a ip -o link show eth0
	[ "$status" -ne 0 ]
	assert_net_clean "$first"
	# A namespace from net_netns_new (made before the container, as
	# `jaula run` would) attaches the same way.
	ns=$("$NETCTL" netns)
	pid=${ns#/proc/}
	echo "${pid%%/*}" >>"$PIDS"
	"$NETCTL" attach --store "$STORE" --id fresh --netns "$ns" | grep -q '^address=10\.87\.'
	nsenter --net="$ns" ip -o addr show eth0 | grep -q 'inet 10\.87\.'
	detach fresh
}

@test "network disconnect: cut off at once, the veth deleted behind the network's lock; --wait waits" {
	jn() { "$JAULA" --store "$STORE" network "$@"; }
	ctr_new a
	ns=/proc/$(ns_pid a)/ns/net
	run jn connect bridge a --netns "$ns"
	[ "$status" -eq 0 ]
	[[ "$output" == "eth0 10.87."* ]]
	addr=${output#eth0 }
	addr=${addr%%/*}
	host=$(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^jv')
	[ -n "$host" ]
	jn disconnect a
	# On return: a's rules, lease and record are gone, its host end is down
	# (or already deleted), so the bridge no longer forwards to it.
	! grep -rqw "$addr" "$STORE"
	! nft list table inet jaula | grep -q 'comment "jaula ctr a"'
	if state=$(ip -o link show "$host" 2>/dev/null); then
		[[ "$state" != *"<"*UP*">"* ]] || { echo "still up: $state"; false; }
	fi
	# A second container takes eth0 in the same namespace at once (the
	# next test stages a slow helper).
	run jn connect bridge b --netns "$ns"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	in_ctr a ip -o addr show eth0 | grep -q 'inet 10\.87\.'
	! ip -o link show "$host" 2>/dev/null
	# --wait: the veth is gone when it returns.
	jn disconnect --wait b
	run in_ctr a ip -o link show eth0
	[ "$status" -ne 0 ]
	[ -z "$(ip -o link show | grep ' jv')" ]
	assert_net_clean
}

@test "network disconnect: a slow helper keeps the network locked until a's veth is gone" {
	jn() { "$JAULA" --store "$STORE" network "$@"; }
	ctr_new a
	ns=/proc/$(ns_pid a)/ns/net
	jn connect bridge a --netns "$ns" >/dev/null
	# Only the helper calls setsid: strace holds it there for 1.5 s, before
	# it deletes anything, as a loaded machine might.
	strace -f -qq -o /dev/null -e trace=setsid -e inject=setsid:delay_exit=1500000 \
		"$JAULA" --store "$STORE" network disconnect a &
	local tracer=$!
	for i in $(seq 250); do
		[ -z "$(ls "$STORE"/networks/bridge/attachments 2>/dev/null)" ] && break
		sleep 0.02
	done
	[ -z "$(ls "$STORE"/networks/bridge/attachments)" ]
	in_ctr a ip -o link show eth0 # the helper has not deleted it yet
	# The attach waits for the lock, then finds eth0 free: without the lock
	# it would meet a's eth0 ("exists already").
	run jn connect bridge b --netns "$ns"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	wait "$tracer"
	in_ctr a ip -o addr show eth0 | grep -q 'inet 10\.87\.'
	jn disconnect --wait b
	assert_net_clean
}

@test "names: hosts, resolv.conf without loopback resolvers (or --dns), hostname" {
	printf 'nameserver 127.0.0.53\nnameserver 192.0.2.53\nnameserver ::1\nsearch example.org\noptions ndots:2\n' \
		>"$BATS_TEST_TMPDIR/resolv.host"
	mount --bind "$BATS_TEST_TMPDIR/resolv.host" /etc/resolv.conf
	jnet create names --subnet 10.50.0.0/24
	ctr_new a
	ctr_new b
	attach a --network names
	attach b --network names
	f=$BATS_TEST_TMPDIR
	run "$NETCTL" names --store "$STORE" --id a --hostname web --hosts "$f/hosts" \
		--resolv "$f/resolv" --hostname-file "$f/hostname"
	umount /etc/resolv.conf
	[ "$status" -eq 0 ]
	cat "$f/resolv"
	grep -qx 'nameserver 192.0.2.53' "$f/resolv"
	! grep -q '127.0.0.53' "$f/resolv"
	! grep -q 'nameserver ::1' "$f/resolv"
	grep -qx 'search example.org' "$f/resolv"
	cat "$f/hosts"
	grep -qP "^$(addr_of a)\tweb a$" "$f/hosts"
	grep -qP "^$(addr_of b)\tb$" "$f/hosts"
	grep -qP '^127.0.0.1\tlocalhost$' "$f/hosts"
	[ "$(cat "$f/hostname")" = web ]
	"$NETCTL" names --store "$STORE" --id a --dns 192.0.2.99 --dns 2001:db8::99 --resolv "$f/resolv2"
	[ "$(cat "$f/resolv2")" = "$(printf 'nameserver 192.0.2.99\nnameserver 2001:db8::99')" ]
	run "$NETCTL" names --store "$STORE" --id a --dns not-an-ip --resolv "$f/resolv3"
	[ "$status" -ne 0 ]
	[[ $output == *'--dns not-an-ip: not an IP address'* ]]
}

@test "network ls, inspect and rm: rm refused while in use, then removes bridge, rules and table" {
	jnet create blue --subnet 10.60.0.0/24
	ctr_new a
	attach a --network blue -p 8099:80
	run jnet ls
	[[ $output == *blue*bridge*10.60.0.0/24*10.60.0.1* ]]
	run jnet inspect blue
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.containers[0].id == "a" and .containers[0].address == "10.60.0.2"
		and .device == "jaula-blue" and .device_state.up and .vlan_isolation == "none"'
	run jnet rm blue
	[ "$status" -ne 0 ]
	[[ $output == *'network "blue" is in use by container "a"'* ]]
	ip link show jaula-blue
	detach a
	jnet rm blue
	run ip link show jaula-blue
	[ "$status" -ne 0 ]
	run nft list table inet jaula
	[ "$status" -ne 0 ] # the last network took the table with it
	[ ! -e "$STORE/networks/blue.json" ]
	[ ! -e "$STORE/networks/blue" ]
	run jnet rm blue
	[[ $output == *'network "blue" does not exist'* ]]
}

@test "bad input fails naming it and creates nothing" {
	ctr_new a
	run attach a -p 99999:80
	[ "$status" -ne 0 ]
	[[ $output == *'-p 99999:80: host port 99999 out of range 1..65535'* ]]
	[ ! -e "$STORE/networks" ]
	run attach a -p 80
	[[ $output == *'-p 80: expected [HOSTIP:]HOSTPORT:CONTAINERPORT'* ]]
	run attach a -p 8080:80/sctp
	[[ $output == *'-p 8080:80/sctp: unknown protocol "sctp" (tcp or udp)'* ]]
	run attach a --network nope
	[ "$status" -ne 0 ]
	[[ $output == *'network "nope" does not exist'* ]]
	jnet create blue --subnet 10.1.128.0/17
	run jnet create red --subnet 10.1.0.0/16
	[ "$status" -ne 0 ]
	[[ $output == *'network "red": subnet 10.1.0.0/16 overlaps network "blue" (10.1.128.0/17)'* ]]
	run jnet create red --vlan 5000
	[ "$status" -ne 0 ]
	[[ $output == *'--vlan 5000: VLAN id must be 1..4094'* ]]
	run jnet create red --subnet 10.2.0.1/16
	[[ $output == *'--subnet 10.2.0.1/16: host bits set'* ]]
	run jnet create red --subnet 10.2.0.0/24 --gateway 10.3.0.1
	[[ $output == *'--gateway 10.3.0.1: not a host address of the subnet'* ]]
	run jnet create Red
	[[ $output == *'network name "Red"'* ]]
	run jnet create blue
	[[ $output == *'network "blue" already exists'* ]]
	[ "$(jnet ls -q)" = blue ]
	[ ! -e "$STORE/networks/red.json" ]
	run in_ctr a ip -o link show eth0
	[ "$status" -ne 0 ]
	run ip link show jaula0
	[ "$status" -ne 0 ]
	assert_net_clean
}

@test "a real container: jaula run -d, attached through /proc/PID/ns/net" {
	set_args sleep 100
	run_detached
	pid=$(ctr_pid "$ID")
	run "$NETCTL" attach --store "$STORE" --id "$ID" --netns "/proc/$pid/ns/net"
	[ "$status" -eq 0 ]
	a=$(echo "$output" | sed -n 's/^address=//p')
	run jaula exec "$ID" ip -o addr show eth0
	[[ $output == *"inet $a/16"* ]]
	run jaula exec "$ID" ip route show default
	[[ $output == "default via 10.87.0.1 dev eth0"* ]]
	run jaula exec "$ID" sh -c 'echo hi | nc -w 2 192.0.2.2 7'
	[ "$output" = "192.0.2.1 hi" ]
	"$NETCTL" detach --store "$STORE" --id "$ID"
	jaula delete -f "$ID"
	assert_net_clean "$a"
}
