#!/usr/bin/env bats
# `jaula run --net` for containers made from images: the namespace is
# attached before the container starts, the names are written, published
# ports work from outside and from the host, and stop/rm give everything
# back.  The world is lib/net.bash's: this shell is the host, an "outside"
# namespace behind the uplink runs echo servers on port 7.

load lib/helpers
load lib/net

eval "base_$(declare -f setup)"
setup() {
	base_setup
	net_setup
	if [ ! -e "$BATS_FILE_TMPDIR/busybox.tar" ]; then
		tar -C "$ROOTFS" -cf "$BATS_FILE_TMPDIR/busybox.tar" .
	fi
	jaula image import -q "$BATS_FILE_TMPDIR/busybox.tar" bb >/dev/null
}

teardown() {
	local id
	for id in $("$JAULA" --root "$STATE" list -q 2>/dev/null); do
		"$JAULA" --root "$STATE" --store "$STORE" rm -f "$id" >/dev/null 2>&1
	done
	net_teardown
}

jaula() {
	"$JAULA" --root "$STATE" --store "$STORE" "$@"
}

# The container's address as it sees it.
ctr_addr() {
	jaula exec "$1" sh -c "ip -o -4 addr show eth0" | awk '{print $4}' | cut -d/ -f1
}

@test "run IMAGE: the default bridge network; NAT out; names; nothing left after --rm" {
	run jaula run --rm --name c1 bb sh -c '
		ip -o -4 addr show eth0 | awk "{print \$4}"
		ip route | grep ^default
		grep -w c1 /etc/hosts
		cat /etc/hostname
		echo hi | nc -w 2 192.0.2.2 7'
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == 10.87.*/16 ]]
	a=${lines[0]%/16}
	[[ ${lines[1]} == "default via 10.87.0.1 dev eth0"* ]]
	[[ ${lines[2]} == "$a"*c1* ]]
	[ "${lines[3]}" = c1 ]
	# the outside sees the host's uplink address
	[ "${lines[4]}" = "192.0.2.1 hi" ]
	assert_net_clean "$a"
	[ -z "$(ls "$STORE/containers")" ]
	# The same name again at once, while the kernel may still be taking
	# the first one's veth down: the old host end is replaced.
	for i in 1 2 3; do
		run jaula run --rm --name c1 bb sh -c 'echo hi | nc -w 2 192.0.2.2 7'
		[ "$output" = "192.0.2.1 hi" ]
	done
	assert_net_clean
}

@test "run -d -p: reachable from outside and the host's loopback; a taken port fails cleanly; stop frees it" {
	jaula run -d --name web -p 8080:80 bb sh -c 'while :; do echo from-web | nc -l -p 80; done'
	a=$(ctr_addr web)
	for i in $(seq 50); do jaula exec web netstat -ltn | grep -q ':80 ' && break; sleep 0.05; done
	run out sh -c 'echo x | busybox nc -w 2 192.0.2.1 8080'
	[ "$output" = from-web ]
	run sh -c 'echo x | busybox nc -w 2 127.0.0.1 8080'
	[ "$output" = from-web ]
	# a second container cannot take the port, and leaves nothing behind
	run jaula run -d --name web2 -p 8080:80 bb sleep 100
	[ "$status" -ne 0 ]
	[[ $output == *8080* ]]
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	run jaula list -q
	[ "$output" = web ]
	[ ! -e "$STORE/containers/web2" ]
	# stop gives the address and the port back; rm has nothing left to do
	jaula stop -t 1 web
	assert_net_clean
	jaula run -d --name web3 -p 8080:80 bb sleep 100
	jaula rm -f web3
	jaula rm web
	assert_net_clean "$a"
}

@test "run --net NAME: peers by name in /etc/hosts; other networks unreachable" {
	jnet create red --subnet 10.10.0.0/24 >/dev/null
	jnet create blue --subnet 10.20.0.0/24 >/dev/null
	jaula run -d --name r1 --net red bb sleep 100
	jaula run -d --name r2 --net red bb sleep 100
	jaula run -d --name b1 --net blue bb sleep 100
	r1=$(ctr_addr r1)
	[[ $r1 == 10.10.0.* ]]
	run jaula exec r2 grep -w r1 /etc/hosts
	[[ $output == "$r1"* ]]
	run jaula exec r2 ping -c1 -W2 r1
	[ "$status" -eq 0 ]
	run jaula exec b1 ping -c1 -W1 "$r1"
	[ "$status" -ne 0 ]
	# in use: refused
	run jnet rm red
	[ "$status" -ne 0 ]
	jaula rm -f r1 r2 b1
	jnet rm red
	jnet rm blue
	assert_net_clean "$r1"
}

@test "run --dns; --net none keeps the image's files; bad --net, -p and --dns create nothing" {
	run jaula run --rm --dns 192.0.2.53 bb cat /etc/resolv.conf
	[ "$output" = "nameserver 192.0.2.53" ]
	for bad in "--net nosuch" "-p 99999:80" "-p 80" "--dns not-an-ip" "--net macvlan:"; do
		run jaula run --rm $bad bb true
		[ "$status" -ne 0 ]
		[ "$(echo "$output" | wc -l)" -eq 1 ]
		[[ $output == *"${bad#* }"* ]]
		[ -z "$(ls "$STORE/containers")" ]
		run jaula list -q
		[ -z "$output" ]
		assert_net_clean
	done
}

@test "a container killed without rm: rm -f still removes its veth, rules and lease" {
	jaula run -d --name k -p 9090:80 bb sleep 100
	a=$(ctr_addr k)
	kill -9 "$(jaula state k | jq .pid)"
	sleep 0.2
	jaula rm -f k
	assert_net_clean "$a"
}

# --- plain bundles: org.jaula.net.* annotations ---------------------------------

@test "a bundle with org.jaula.net.network: attached before it runs, detached by delete" {
	cfg '.annotations["org.jaula.net.network"] = "bridge" | .annotations["org.jaula.net.ports"] = "8081:80"'
	set_args sh -c 'while :; do echo from-bundle | nc -l -p 80; done'
	run_detached
	a=$(jaula exec "$ID" ip -o -4 addr show eth0 | awk '{print $4}' | cut -d/ -f1)
	[[ $a == 10.87.* ]]
	for i in $(seq 50); do jaula exec "$ID" netstat -ltn | grep -q ':80 ' && break; sleep 0.05; done
	run out sh -c 'echo x | busybox nc -w 2 192.0.2.1 8081'
	[ "$output" = from-bundle ]
	jaula delete -f "$ID"
	assert_net_clean "$a"
}

@test "a bundle's network annotations: a bad one, or one over a joined namespace, creates nothing" {
	ns=$(spawn_ns)
	for case in 'network=nosuch|does not exist' 'network=bridge,ports=70000:80|70000' \
		'ports=80:80|needs annotations["org.jaula.net.network"]' \
		"network=bridge,path=/proc/$ns/ns/net|needs a new network namespace"; do
		private=$BATS_TEST_TMPDIR/cfg.json
		jq --arg root "$ROOTFS" '.root.path = $root' "$ITEST_LIB/config.base.json" >"$BUNDLE/config.json"
		spec=${case%%|*}
		want=${case#*|}
		for kv in ${spec//,/ }; do
			k=${kv%%=*} v=${kv#*=}
			if [ "$k" = path ]; then
				cfg '(.linux.namespaces[] | select(.type == "network")).path = $p' --arg p "$v"
			else
				cfg '.annotations["org.jaula.net." + $k] = $v' --arg k "$k" --arg v "$v"
			fi
		done
		run jaula run -d -b "$BUNDLE" "$ID"
		[ "$status" -ne 0 ]
		[[ $output == *"$want"* ]]
		assert_gone "$ID"
		assert_net_clean
	done
}
