#!/bin/sh
# Real 802.1Q VLANs (the development hosts' kernel has neither bridge VLAN filtering nor
# 802.1Q devices, so tests/integration/net-modes.bats covers the fallback there).  In
# this guest jaula's VLAN networks share one VLAN-filtering bridge, jaulav0: each
# container port is an untagged member of its network's VLAN (PVID), the bridge itself a
# tagged member, and an 802.1Q device jaulav0.<id> on top carries the gateway.
#   red  VLAN 10 10.10.0.0/24: a, b      red2 VLAN 10 10.11.0.0/24: d
#   blue VLAN 20 10.20.0.0/24: c
# Two VLANs never meet, neither at layer 2 (on-link routes, ARP straight across the
# bridge: only the VLAN filter stands between them, nothing of nftables sees bridged
# frames here) nor routed through the gateways; the same VLAN does, both ways.
# Containers are `unshare -n` processes attached with `jaula network connect`.
# shellcheck disable=SC1090 # /vm/tap.sh (tests/vm/tap.sh)
. "$VM_TAP"

need_jaula "802.1Q networks" || exit 0
S=/tmp/net-store
PIDS=
JN() { "$JAULA" --store "$S" network "$@"; }
JNq() { JN "$@" >/dev/null; }
cleanup() {
	for c in a b c d; do JN disconnect "$c" >/dev/null 2>&1; done
	for n in red red2 blue; do JN rm "$n" >/dev/null 2>&1; done
	for p in $PIDS; do kill "$p" 2>/dev/null; done
}
trap cleanup EXIT

# ctr NAME NETWORK: a network namespace held by a sleeping process, attached.
ctr() {
	unshare -n sleep 1000 &
	eval "PID_$1=$!"
	PIDS="$PIDS $!"
	sleep 0.1
	JN connect "$2" "$1" --netns "/proc/$!/ns/net" >"/tmp/net-$1" 2>&1
}
pid_of() { eval "echo \$PID_$1"; }
addr() { sed -n 's/^eth0 \([0-9.]*\)\/.*/\1/p' "/tmp/net-$1"; }
in_ctr() {
	_p=$(pid_of "$1")
	shift
	nsenter -t "$_p" -n "$@"
}
pings() { in_ctr "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1; }
no_ping() { ! pings "$@"; }
onlink() { in_ctr "$1" ip route add "$(addr "$2")/32" dev eth0; }

check "network create red --vlan 10" JNq create red --vlan 10 --subnet 10.10.0.0/24
check "network create red2 --vlan 10 (same VLAN, other subnet)" JNq create red2 --vlan 10 --subnet 10.11.0.0/24
check "network create blue --vlan 20" JNq create blue --vlan 20 --subnet 10.20.0.0/24
JN inspect red >/tmp/net-inspect
check "inspect says 802.1Q" grep -q '"vlan_isolation": "802.1q"' /tmp/net-inspect
diag "$(grep vlan_isolation_detail /tmp/net-inspect)"
attached=yes
for spec in a:red b:red c:blue d:red2; do
	ctr "${spec%%:*}" "${spec#*:}" || { attached=no; diag "attach $spec: $(cat "/tmp/net-${spec%%:*}")"; }
done
check "containers a, b (red), c (blue), d (red2) attach" [ $attached = yes ]

check "jaulav0 filters VLANs" grep -qx 1 /sys/class/net/jaulav0/bridge/vlan_filtering
check "all four ports are on the one bridge jaulav0" \
	sh -c '[ "$(ls /sys/class/net/jaulav0/brif | grep -c ^jv)" -eq 4 ]'
check "the gateways are on 802.1Q devices" sh -c \
	'ip -o addr show dev jaulav0.10 | grep -q "10.10.0.1/24" && ip -o addr show dev jaulav0.10 | grep -q "10.11.0.1/24" && ip -o addr show dev jaulav0.20 | grep -q "10.20.0.1/24"'
check "no address on the bridge itself" sh -c '! ip -o -4 addr show dev jaulav0 | grep -q inet'

check "a reaches its gateway (untagged in, VLAN 10 on the bridge, tagged to jaulav0.10)" pings a 10.10.0.1
check "c reaches its gateway on jaulav0.20" pings c 10.20.0.1
check "a reaches b (same network)" pings a "$(addr b)"
check "a reaches d (VLAN 10, other network) through the gateway" pings a "$(addr d)"
check "a does not reach c (VLAN 20) through the gateways" no_ping a "$(addr c)"
onlink a c
onlink c a
onlink a d
onlink d a
check "layer 2: a does not reach c across the bridge (VLAN filter)" no_ping a "$(addr c)"
check "layer 2: c does not reach a either" no_ping c "$(addr a)"
check "layer 2: a reaches d across the bridge (same VLAN)" pings a "$(addr d)"

# --wait: the veths are gone on return; without it a helper deletes them
# behind the network's lock, which `network rm` below waits for.
for c in a b; do JN disconnect --wait "$c" || not_ok "disconnect --wait $c"; done
check "disconnect --wait: only the ports of c and d are left" sh -c \
	'[ "$(ls /sys/class/net | grep -c ^jv)" -eq 2 ]'
for c in c d; do JN disconnect "$c" || not_ok "disconnect $c"; done
ports_gone() {
	for i in $(seq 100); do
		ls /sys/class/net | grep -q ^jv || return 0
		sleep 0.05
	done
	return 1
}
check "no container port is left" ports_gone
rm_keeps() { JN rm red && [ -e /sys/class/net/jaulav0.10 ]; }
check "network rm red keeps jaulav0.10 for red2" rm_keeps
rm_rest() { JN rm red2 && JN rm blue; }
check "network rm red2 and blue" rm_rest
check "the VLAN devices and the bridge are gone" sh -c \
	'! [ -e /sys/class/net/jaulav0 ] && ! [ -e /sys/class/net/jaulav0.10 ] && ! [ -e /sys/class/net/jaulav0.20 ]'
tap_end
