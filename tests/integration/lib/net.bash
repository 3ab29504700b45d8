# The small world of the network tests (tests/integration/net*.bats), built
# inside run.sh's private network namespace, which plays the host:
#
#   host (this shell; jaula and netctl run here)        outside (a namespace)
#     up0 192.0.2.1/24 2001:db8::1/64  <--- veth --->   up1 192.0.2.2/24 2001:db8::2/64
#     default route via 192.0.2.2                        TCP and UDP echo servers on
#                                                        port 7 that answer with the
#                                                        peer's address (netctl serve)
#   containers: network namespaces of `unshare --net` (ctr_new NAME), attached
#   with netctl (the library's net_attach) until `jaula run --net` exists.
#
# Nothing is written outside $BATS_TEST_TMPDIR: no `ip netns` files in /run.
NETCTL=${NETCTL:-${TOOLS:-$(dirname "$JAULA")/tools}/netctl}

net_setup() {
	export STORE=$BATS_TEST_TMPDIR/store
	PIDS=$BATS_TEST_TMPDIR/pids
	: >"$PIDS"
	OUT=$(spawn_ns)
	ip link add up0 type veth peer name up1 netns "/proc/$OUT/ns/net"
	ip addr add 192.0.2.1/24 dev up0
	ip -6 addr add 2001:db8::1/64 dev up0 nodad
	ip link set up0 up
	out ip link set lo up
	out ip addr add 192.0.2.2/24 dev up1
	out ip -6 addr add 2001:db8::2/64 dev up1 nodad
	out ip link set up1 up
	ip route add default via 192.0.2.2
	ip -6 route add default via 2001:db8::2
	bg out "$NETCTL" serve --tcp 7
	bg out "$NETCTL" serve --udp 7
	wait_listen "out" tcp 7
}

net_teardown() {
	local id f
	for f in "$BATS_TEST_TMPDIR"/ctr-*; do
		[ -e "$f" ] || continue
		id=${f##*/ctr-}
		"$NETCTL" detach --store "$STORE" --id "$id" >/dev/null 2>&1
	done
	while read -r pid; do kill -9 "$pid" 2>/dev/null; done <"$PIDS"
	for n in $("$JAULA" --store "$STORE" network ls -q 2>/dev/null); do
		"$JAULA" --store "$STORE" network rm "$n" >/dev/null 2>&1
	done
	# Whatever a failed test left: the world goes, so the next test's
	# starts clean.
	nft delete table inet jaula 2>/dev/null
	for l in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^(jaula|jv|up0)'); do
		ip link del "$l" 2>/dev/null
	done
	ip route flush default 2>/dev/null
	ip -6 route flush default 2>/dev/null
	return 0
}

# A process in a network namespace of its own, holding it; prints its pid.
spawn_ns() {
	setsid unshare --net sleep 3600 >/dev/null 2>&1 3>&- &
	echo $! >>"$PIDS"
	disown
	local i
	for i in $(seq 50); do
		[ "$(readlink /proc/$!/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
		sleep 0.02
	done
	echo $!
}

# bg NS CMD...: run CMD in the background in namespace NS ("out", a
# container name, or "host").
bg() {
	local ns=$1
	shift
	if [ "$ns" = host ]; then
		setsid "$@" >/dev/null 2>&1 3>&- &
	else
		setsid nsenter -t "$(ns_pid "$ns")" -n "$@" >/dev/null 2>&1 3>&- &
	fi
	echo $! >>"$PIDS"
	disown
}

ns_pid() {
	if [ "$1" = out ]; then echo "$OUT"; else cat "$BATS_TEST_TMPDIR/ctr-$1"; fi
}

out() { nsenter -t "$OUT" -n "$@"; }

# ctr_new NAME: a container's network namespace.
ctr_new() {
	spawn_ns >"$BATS_TEST_TMPDIR/ctr-$1"
}

in_ctr() {
	local name=$1
	shift
	nsenter -t "$(ns_pid "$name")" -n "$@"
}

# attach NAME [netctl args...]: net_attach; the key=value output goes to
# $BATS_TEST_TMPDIR/att-NAME and $output.
attach() {
	local name=$1
	shift
	"$NETCTL" attach --store "$STORE" --id "$name" --netns "/proc/$(ns_pid "$name")/ns/net" "$@" \
		>"$BATS_TEST_TMPDIR/att-$name"
	local rc=$?
	cat "$BATS_TEST_TMPDIR/att-$name"
	return $rc
}

detach() {
	"$NETCTL" detach --store "$STORE" --id "$1"
}

# addr_of NAME [KEY]: a value of NAME's attachment (address by default).
addr_of() {
	sed -n "s/^${2:-address}=//p" "$BATS_TEST_TMPDIR/att-$1"
}

jnet() {
	"$JAULA" --store "$STORE" network "$@"
}

# wait_listen NS tcp|udp PORT: until something listens there (2 s).
wait_listen() {
	local i flag=-tln
	[ "$2" = udp ] && flag=-uln
	for i in $(seq 100); do
		if [ "$1" = host ]; then
			ss -H "$flag" "sport = :$3" | grep -q . && return 0
		else
			nsenter -t "$(ns_pid "$1")" -n ss -H "$flag" "sport = :$3" | grep -q . && return 0
		fi
		sleep 0.02
	done
	echo "nothing listens on $2 port $3 in $1"
	return 1
}

# send NS tcp|udp HOST PORT MSG: one round trip through the echo server,
# answered by "PEER-ADDRESS MSG".
send() {
	local ns=$1
	shift
	if [ "$ns" = host ]; then
		"$NETCTL" send "--$1" "${@:2}" --timeout 2
	else
		nsenter -t "$(ns_pid "$ns")" -n "$NETCTL" send "--$1" "${@:2}" --timeout 2
	fi
}

# Nothing of the net room may remain: no veth, no jaula rule, no lease, no
# attachment record, and no file of the store naming a container address.
assert_net_clean() {
	local links rules i
	# The veth of a stopped container goes with its namespace, which the
	# kernel tears down in the background (net_detach_dead): give it time.
	for i in $(seq 150); do
		links=$(ip -o link show | awk -F': ' '{print $2}' | grep -E '^jv' || true)
		[ -z "$links" ] && break
		sleep 0.02
	done
	[ -z "$links" ] || { echo "veths left: $links"; return 1; }
	rules=$(nft list table inet jaula 2>/dev/null | grep -E 'comment "jaula ctr' || true)
	[ -z "$rules" ] || { echo "container rules left: $rules"; return 1; }
	local f
	f=$(find "$STORE/networks" -path '*/leases/*' -o -path '*/attachments/*' -o -path '*/.ports/*' \
		2>/dev/null | grep -v '/\.lock$' | grep -vE '/(leases|attachments|\.ports)$' || true)
	[ -z "$f" ] || { echo "store files left: $f"; return 1; }
	local a
	for a in "$@"; do
		if nft list ruleset 2>/dev/null | grep -qw "$a"; then
			echo "a rule still names $a"
			return 1
		fi
		if grep -rqw "$a" "$STORE" 2>/dev/null; then
			echo "a store file still names $a: $(grep -rlw "$a" "$STORE")"
			return 1
		fi
	done
}
