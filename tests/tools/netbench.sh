#!/bin/bash
# Setup + teardown of one container's network: jaula (net_attach/net_detach
# through tests/tools/netctl, one exec each, as a runtime would call them)
# against the CNI bridge plugin (Debian's containernetworking-plugins:
# /usr/lib/cni/bridge with host-local IPAM, invoked as a CNI runtime does:
# CNI_COMMAND=ADD/DEL in the environment, the JSON config on stdin), on the
# same subnet, both with masquerade and a gateway on the bridge.  Rounds are
# interleaved; medians and the per-round ratio jaula/CNI are printed.  Also
# jaula's in-process cost (netctl bench: no exec, no dynamic loader).
#
#   tests/tools/netbench.sh [ROUNDS]    (root; runs in private namespaces)
#
# `make bench` measures the first comparison as figure 8a (tests/bench/lib/
# peers.sh, key net_setup: `jaula network connect/disconnect` against the
# same CNI configuration, timed by benchexec without a shell or date(1) in
# the sample); this script stays for the netctl and in-process numbers.
# NETCTL= names the driver (default build/tools/netctl).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=${1:-30}
NETCTL=${NETCTL:-$top/build/tools/netctl}
JAULA=${JAULA:-$(dirname "$NETCTL")/../jaula}
export NETCTL JAULA ROUNDS
"$top/tests/deps.sh" containernetworking-plugins iptables >&2
[ -x "$NETCTL" ] || { echo "no $NETCTL: make first" >&2; exit 1; }

# Everything in a private mount and network namespace: the host's links,
# firewall and /var/lib/cni never see it.
exec unshare -m -n --propagation private -- bash -eu -c '
ip link set lo up
T=$(mktemp -d /tmp/netbench.XXXXXX)
unshare --net sleep 3600 & C=$!
sleep 0.2
NS=/proc/$C/ns/net
cat >"$T/cni.json" <<EOF
{"cniVersion": "1.0.0", "name": "bench", "type": "bridge", "bridge": "cni0",
 "isGateway": true, "ipMasq": true,
 "ipam": {"type": "host-local", "subnet": "10.87.0.0/16", "dataDir": "$T/ipam"}}
EOF
cni() {
	CNI_COMMAND=$1 CNI_CONTAINERID=bench CNI_NETNS=$NS CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
		/usr/lib/cni/bridge <"$T/cni.json" >/dev/null
}
jl() {
	"$NETCTL" attach --store "$T/store" --id bench --netns "$NS" >/dev/null
	"$NETCTL" detach --store "$T/store" --id bench
}
jcli() {
	"$JAULA" --store "$T/store" network connect bridge bench --netns "$NS" >/dev/null
	"$JAULA" --store "$T/store" network disconnect bench
}
us() { date +%s%N; }
# one warm-up each: the bridges and rules made on first use are not the
# per-container cost
cni ADD; cni DEL; jl
for i in $(seq "$ROUNDS"); do
	t0=$(us); cni ADD; cni DEL; t1=$(us)
	jl; t2=$(us)
	jcli; t3=$(us)
	echo "$(( (t1 - t0) / 1000 )) $(( (t2 - t1) / 1000 )) $(( (t3 - t2) / 1000 ))"
done >"$T/rounds"
"$NETCTL" bench --store "$T/store" --netns "$NS" -n "$ROUNDS" >"$T/inproc"
kill $C
awk "
function median(a, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
FILENAME ~ /rounds/ { n++; c[n] = \$1; j[n] = \$2; r[n] = \$2 / \$1; k[n] = \$3; rk[n] = \$3 / \$1 }
FILENAME ~ /inproc/ { m++; at[m] = \$1; de[m] = \$2; tot[m] = \$3 }
END {
	printf \"setup+teardown of one container network, %d interleaved rounds (median):\\n\", n
	printf \"  CNI bridge plugin (ADD+DEL, host-local, ipMasq)  %8.1f ms\\n\", median(c, n) / 1000
	printf \"  jaula (netctl attach + detach, two execs)        %8.1f ms\\n\", median(j, n) / 1000
	printf \"  ratio (median of per-round ratios)               %8.3f\\n\", median(r, n)
	printf \"  jaula network connect + disconnect (static CLI)  %8.1f ms\\n\", median(k, n) / 1000
	printf \"  ratio                                            %8.3f\\n\", median(rk, n)
	printf \"  jaula in-process (what the runtime calls): attach %.1f ms + detach %.1f ms = %.1f ms, ratio %.3f\\n\", median(at, m) / 1000, median(de, m) / 1000, median(tot, m) / 1000, median(tot, m) / median(c, n)
}" "$T/rounds" "$T/inproc"
rm -rf "$T"
'
