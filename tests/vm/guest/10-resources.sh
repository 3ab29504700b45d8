#!/bin/sh
# linux.resources enforced by jaula under a real cgroup v2: each limit is checked in the
# container's cgroup file *and* by what it does to a process inside (OOM kill, failing
# fork, throttled CPU, CPU affinity, throttled disk reads).
# vm-timeout: 150
# shellcheck source-path=SCRIPTDIR disable=SC1090 # /vm/tap.sh is tests/vm/tap.sh
. "$VM_TAP"
# shellcheck source=files/jaula-lib.sh
. "$VM_FILES/jaula-lib.sh"

need_jaula "memory" "pids" "cpu" "cpuset" "io" || exit 0
setup_rootfs
B=/tmp/bundles
trap delete_all EXIT
MiB=1048576

# ---- memory: limit, swap, reservation ----------------------------------------------
cfg_reset
ARGS=$(jargs memhog 64)
RES="\"memory\": {\"limit\": $((32 * MiB)), \"swap\": $((32 * MiB)), \"reservation\": $((16 * MiB))}"
mkbundle $B/oom
out=$(J run --keep -b $B/oom oom 2>&1)
rc=$?
cg=$CG/jaula/oom
diag "memory.limit=32M swap=32M, memhog 64 MiB: status $rc, output '$out', memory.events: $(tr '\n' ' ' <$cg/memory.events)"
check "memory.limit: a 64 MiB hog is OOM-killed, jaula run exits 137 (got $rc)" [ $rc -eq 137 ]
check "memory.limit: memory.events oom_kill >= 1" [ "$(field oom_kill $cg/memory.events)" -ge 1 ]
check "memory.limit: memory.max holds $((32 * MiB)) ($(cat $cg/memory.max))" \
	[ "$(cat $cg/memory.max)" = $((32 * MiB)) ]
check "memory.swap = limit: memory.swap.max is 0 ($(cat $cg/memory.swap.max))" \
	[ "$(cat $cg/memory.swap.max)" = 0 ]
check "memory.reservation: memory.low holds $((16 * MiB)) ($(cat $cg/memory.low))" \
	[ "$(cat $cg/memory.low)" = $((16 * MiB)) ]
J delete oom
check "delete after run --keep removes the cgroup" [ ! -d $cg ]

ARGS=$(jargs memhog 8)
mkbundle $B/small
out=$(J run -b $B/small small 2>&1)
rc=$?
check "memory.limit=32M: an 8 MiB hog completes (status $rc, '$out')" \
	[ $rc -eq 0 -a "$out" = "allocated 8 MiB" ]

# swap is the memory+swap total: memory.swap.max = swap - limit; -1 is "max"
ARGS='["true"]'
RES="\"memory\": {\"limit\": $((32 * MiB)), \"swap\": $((48 * MiB))}"
mkbundle $B/swap
J run --keep -b $B/swap swap
check "memory.swap=48M, limit=32M: memory.swap.max = 16M ($(cat $CG/jaula/swap/memory.swap.max))" \
	[ "$(cat $CG/jaula/swap/memory.swap.max)" = $((16 * MiB)) ]
J delete swap
RES="\"memory\": {\"limit\": $((32 * MiB)), \"swap\": -1}"
mkbundle $B/swapmax
J run --keep -b $B/swapmax swapmax
check "memory.swap=-1: memory.swap.max = max ($(cat $CG/jaula/swapmax/memory.swap.max))" \
	[ "$(cat $CG/jaula/swapmax/memory.swap.max)" = max ]
J delete swapmax
RES="\"memory\": {\"limit\": $((32 * MiB)), \"swap\": $((16 * MiB))}"
mkbundle $B/swaplow
out=$(J run -b $B/swaplow swaplow 2>&1)
rc=$?
check "memory.swap below the limit is refused naming the field (status $rc: $out)" \
	sh -c "[ $rc -ne 0 ] && echo \"\$0\" | grep -q 'linux.resources.memory.swap'" "$out"
check "... and leaves no cgroup behind" [ ! -d $CG/jaula/swaplow ]

# ---- pids ----------------------------------------------------------------------------
RES='"pids": {"limit": 10}'
ARGS=$(jargs forker 50)
mkbundle $B/pids
out=$(J run --keep -b $B/pids pids 2>&1)
rc=$?
diag "pids.limit=10, forker 50: status $rc, '$out', pids.events: $(cat $CG/jaula/pids/pids.events)"
# the forker itself is one of the 10 tasks
check "pids.limit=10: the 10th task's fork fails with EAGAIN ('$out')" [ "$out" = "forked=9 errno=EAGAIN" ]
check "pids.limit=10: pids.max holds 10" [ "$(cat $CG/jaula/pids/pids.max)" = 10 ]
check "pids.limit=10: pids.events max >= 1" [ "$(field max $CG/jaula/pids/pids.events)" -ge 1 ]
J delete pids

# ---- cpu: quota/period, shares, cpuset ---------------------------------------------
# A busy loop under quota 10 ms / 100 ms, pinned to CPU 1 next to a second busy loop with
# a much larger weight: the quota caps the first, the weights split CPU 1 between them.
spin='grep Cpus_allowed_list /proc/self/status >/tmp/$0.aff; taskset -p $$ >>/tmp/$0.aff; while :; do :; done'
ncpu=$(nproc)
pin=1
[ "$ncpu" -ge 2 ] || pin=0
cfg_reset
ARGS=$(jargs sh -c "$spin" quota)
RES="\"cpu\": {\"quota\": 10000, \"period\": 100000, \"burst\": 5000, \"shares\": 512, \"cpus\": \"$pin\", \"mems\": \"0\"}"
mkbundle $B/quota
ARGS=$(jargs sh -c "$spin" heavy)
RES="\"cpu\": {\"shares\": 4096, \"cpus\": \"$pin\"}"
mkbundle $B/heavy
ARGS=$(jargs sh -c "$spin" light)
RES="\"cpu\": {\"shares\": 256, \"cpus\": \"$pin\"}"
mkbundle $B/light
rm -f $RFS/tmp/quota.aff $RFS/tmp/heavy.aff $RFS/tmp/light.aff
run_detached $B/quota quota
sleep 2
q=$CG/jaula/quota
stat=$(cat $q/cpu.stat)
cpumax=$(cat $q/cpu.max)
burst=$(cat $q/cpu.max.burst 2>/dev/null)
w_quota=$(cat $q/cpu.weight)
cpus=$(cat $q/cpuset.cpus)
mems=$(cat $q/cpuset.mems)
J delete -f quota
check "cpu.quota/period: cpu.max holds \"10000 100000\" ($cpumax)" [ "$cpumax" = "10000 100000" ]
check "cpu.burst: cpu.max.burst holds 5000 ($burst)" [ "$burst" = 5000 ]
diag "cpu quota 10ms/100ms, 2 s busy loop: $(flat "$stat")"
thr=$(echo "$stat" | awk '$1 == "nr_throttled" { print $2 }')
usage=$(echo "$stat" | awk '$1 == "usage_usec" { print $2 }')
check "cpu.quota: nr_throttled grows under a busy loop ($thr > 5)" [ "${thr:-0}" -gt 5 ]
check "cpu.quota: usage is capped (${usage}us < 1000000us in 2 s; unthrottled ~2000000)" [ "${usage:-9999999}" -lt 1000000 ]

# the weights: both loops share one CPU for 2 s
run_detached $B/heavy heavy && run_detached $B/light light
w_heavy=$(cat $CG/jaula/heavy/cpu.weight)
w_light=$(cat $CG/jaula/light/cpu.weight)
u0h=$(field usage_usec $CG/jaula/heavy/cpu.stat)
u0l=$(field usage_usec $CG/jaula/light/cpu.stat)
sleep 2
u1h=$(field usage_usec $CG/jaula/heavy/cpu.stat)
u1l=$(field usage_usec $CG/jaula/light/cpu.stat)
J delete -f heavy
J delete -f light
dh=$((u1h - u0h))
dl=$((u1l - u0l))
diag "on cpu $pin for 2 s: weight $w_heavy got ${dh}us, weight $w_light got ${dl}us"
# runc >= 1.3.2's curve: 1024 -> 100; 512, 4096, 256 -> 59, 303, 35 (resources.c)
check "cpu.shares=512 -> cpu.weight 59 ($w_quota)" [ "$w_quota" = 59 ]
check "cpu.shares 4096 / 256 -> cpu.weight 303 / 35 (got $w_heavy / $w_light)" \
	[ "$w_heavy" = 303 -a "$w_light" = 35 ]
if [ $pin = 1 ]; then
	check "cpu.weight 303 vs 35 on one CPU: the heavy loop gets > 3x the CPU time" \
		[ "$dh" -gt $((3 * dl)) -a "$dl" -gt 0 ]
else
	skip "cpu.weight 303 vs 35 on one CPU" "only one CPU"
fi
check "cpuset: cpuset.cpus / cpuset.mems hold $pin / 0 ($cpus / $mems)" [ "$cpus" = $pin -a "$mems" = 0 ]
diag "affinity inside: $(cat $RFS/tmp/quota.aff 2>/dev/null | tr '\n' ' ')"
check "cpuset.cpus=\"$pin\": Cpus_allowed_list inside is $pin" \
	grep -qx "Cpus_allowed_list:[[:space:]]*$pin" $RFS/tmp/quota.aff
check "cpuset.cpus=\"$pin\": sched_getaffinity (taskset -p) inside is mask $((1 << pin))" \
	grep -q "current affinity mask: $((1 << pin))\$" $RFS/tmp/quota.aff

cfg_reset
RES='"cpu": {"idle": 1}'
mkbundle $B/idle
J run --keep -b $B/idle idle
check "cpu.idle=1: cpu.idle holds 1 ($(cat $CG/jaula/idle/cpu.idle 2>/dev/null))" \
	[ "$(cat $CG/jaula/idle/cpu.idle 2>/dev/null)" = 1 ]
J delete idle

# ---- io: throttleReadBpsDevice, weight ---------------------------------------------
# /dev/vda (the harness's scratch disk) in the container via linux.devices, readable by
# a device rule; direct reads bypass the page cache, so every byte goes through io.max.
if [ -b "$VM_DISK" ]; then
	mm=$(cat /sys/block/"$(basename "$VM_DISK")"/dev)
	maj=${mm%:*}
	min=${mm#*:}
	read_ms='t0=$(awk "{ print \$1 * 1000 }" /proc/uptime)
dd if=/dev/vda of=/dev/null bs=1M count=4 iflag=direct 2>/dev/null || echo dd failed
t1=$(awk "{ print \$1 * 1000 }" /proc/uptime)
echo $((t1 - t0))'
	cfg_reset
	ARGS=$(jargs sh -c "$read_ms")
	LINUX="\"devices\": [{\"path\": \"/dev/vda\", \"type\": \"b\", \"major\": $maj, \"minor\": $min, \"fileMode\": 384}]"
	devrule="\"devices\": [{\"allow\": false, \"access\": \"rwm\"}, {\"allow\": true, \"type\": \"b\", \"major\": $maj, \"minor\": $min, \"access\": \"r\"}]"
	RES=$devrule
	mkbundle $B/ioplain
	dev="\"major\": $maj, \"minor\": $min"
	RES="$devrule, \"blockIO\": {\"weight\": 500,
		\"throttleReadBpsDevice\": [{$dev, \"rate\": $((2 * MiB))}],
		\"throttleWriteBpsDevice\": [{$dev, \"rate\": $MiB}], \"throttleWriteIOPSDevice\": [{$dev, \"rate\": 100}]}"
	mkbundle $B/io
	plain=$(J run -b $B/ioplain ioplain 2>&1)
	thr=$(J run --keep -b $B/io io 2>&1)
	iomax=$(grep "^$mm " $CG/jaula/io/io.max)
	iow=$(grep default $CG/jaula/io/io.weight 2>/dev/null)
	diag "4 MiB direct read of $VM_DISK: ${plain} ms unthrottled, ${thr} ms at rbps=2MiB/s; io.stat: $(cat $CG/jaula/io/io.stat)"
	J delete io
	check "blockIO.throttle*Device: one io.max line for $mm with all three limits ($iomax)" \
		[ "$iomax" = "$mm rbps=$((2 * MiB)) wbps=$MiB riops=max wiops=100" ]
	case $plain$thr in
	*[!0-9]*) not_ok "blockIO.throttleReadBpsDevice slows direct reads (reads failed: '$plain' / '$thr')" ;;
	*) check "blockIO.throttleReadBpsDevice slows direct reads: 4 MiB at 2 MiB/s took $thr ms (>= 1200, > 3x $plain ms)" \
		[ "$thr" -ge 1200 -a "$thr" -gt $((3 * plain)) ] ;;
	esac
	# runc's linear blkio -> io weight: 1 + (500 - 10) * 9999 / 990 = 4950
	check "blockIO.weight=500: io.weight 'default 4950' ($iow)" [ "$iow" = "default 4950" ]
	# A device's own weight needs a proportional policy on it: refused with a reason
	# until blk-iocost runs on the disk, then written with runc's conversion (910).
	cfg_reset
	RES="\"blockIO\": {\"weightDevice\": [{$dev, \"weight\": 100}]}"
	mkbundle $B/iow
	out=$(J run -b $B/iow iow 2>&1)
	check "blockIO.weightDevice without BFQ/iocost on $mm: refused saying why ($out)" \
		sh -c '[ $0 -ne 0 ] && echo "$1" | grep -q "weightDevice\[0\]: a per-device weight needs"' $? "$out"
	if echo "$mm enable=1" >$CG/io.cost.qos 2>/dev/null; then
		J run --keep -b $B/iow iow
		iowdev=$(grep "^$mm " $CG/jaula/iow/io.weight 2>/dev/null)
		check "blockIO.weightDevice 100 with iocost on $mm: io.weight '$mm 910' ($iowdev)" \
			[ "$iowdev" = "$mm 910" ]
		J delete iow
		echo "$mm enable=0" >$CG/io.cost.qos
	else
		skip "blockIO.weightDevice with iocost" "cannot enable io.cost.qos on $mm"
	fi
else
	skip "blockIO.throttleReadBpsDevice" "no $VM_DISK"
fi

tap_end
