#!/bin/sh
# Proves the harness and the guest kernel: a pure cgroup v2 hierarchy whose controllers
# really enforce limits.  Plain busybox shell, no jaula needed.
# shellcheck disable=SC1090 # /vm/tap.sh (tests/vm/tap.sh)
. "$VM_TAP"

CG=/sys/fs/cgroup
PFX=$CG/vmtest

# Run "$2..." as a child shell that first moves itself into cgroup $1.
in_cg() {
	_cg=$1
	shift
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$_cg" "$@"
}
field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
uptime_cs() { awk '{ split($1, a, "."); print a[1] * 100 + a[2] }' /proc/uptime; }
# Kill everything in cgroup $1 and remove it.
cg_remove() {
	[ -d "$1" ] || return 0
	echo 1 >"$1/cgroup.kill" 2>/dev/null
	_i=0
	while grep -qx "populated 1" "$1/cgroup.events" && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	rmdir "$1" || diag "$1 still holds: $(tr '\n' ' ' <"$1/cgroup.procs")"
}
# Wait until cgroup $1 has a process in it.
cg_wait_populated() {
	_i=0
	while ! grep -qx "populated 1" "$1/cgroup.events" && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	grep -qx "populated 1" "$1/cgroup.events"
}

# ---- hierarchy -----------------------------------------------------------------------
check "cgroup2 is mounted at /sys/fs/cgroup" grep -q "^[^ ]* $CG cgroup2 " /proc/mounts
check "no cgroup v1 hierarchy is mounted" sh -c '! grep -q " cgroup " /proc/mounts'
for c in memory pids cpu cpuset io; do
	check "controller $c available and enabled in the root subtree_control" \
		sh -c "grep -qw $c $CG/cgroup.controllers && grep -qw $c $CG/cgroup.subtree_control"
done
# container runtimes pivot_root into the bundle: that only works because stage 1 moved
# the root from the initramfs into a tmpfs (pivot_root fails with EINVAL on rootfs)
rm -rf /tmp/pivot && cp -a "$VM_ROOTFS" /tmp/pivot && mkdir /tmp/pivot/.old
check "pivot_root into a copy of $VM_ROOTFS works" unshare -m sh -c '
	mount --make-rprivate / && mount --bind /tmp/pivot /tmp/pivot && cd /tmp/pivot &&
	pivot_root . .old && cd / && [ ! -e /vm ] && [ -e /.old/vm ] && umount -l /.old'
rm -rf /tmp/pivot

mkdir -p $PFX
echo "+cpu +cpuset +io +memory +pids" >$PFX/cgroup.subtree_control

# ---- pids.max ------------------------------------------------------------------------
cg=$PFX/pids
mkdir $cg
echo 5 >$cg/pids.max
: >/tmp/pids.list
# shellcheck disable=SC2016 # expanded by the inner shell
in_cg $cg sh -c 'i=0; while [ $i -lt 20 ]; do sleep 60 & echo $! >>/tmp/pids.list; i=$((i + 1)); done' 2>/dev/null
n=$(wc -l </tmp/pids.list)
diag "pids.max=5: spawned $n of 20 background processes, pids.events: $(cat $cg/pids.events)"
check "pids.max=5 makes a fork loop fail (spawned $n < 10)" [ "$n" -ge 1 -a "$n" -lt 10 ]
check "pids.events counts the refused forks" [ "$(field max $cg/pids.events)" -ge 1 ]
cg_remove $cg

# ---- memory.max ----------------------------------------------------------------------
cg=$PFX/mem
mkdir $cg
echo 32M >$cg/memory.max
[ -f $cg/memory.swap.max ] && echo 0 >$cg/memory.swap.max
# dd allocates its 64 MiB block and reading /dev/zero into it touches every page
in_cg $cg dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null
rc=$?
diag "memory.max=32M: dd bs=64M exited with $rc; memory.events: $(tr '\n' ' ' <$cg/memory.events)"
check "memory.max=32M: a 64 MiB allocation is killed by SIGKILL (status $rc)" [ $rc -eq 137 ]
check "memory.events oom_kill >= 1" [ "$(field oom_kill $cg/memory.events)" -ge 1 ]
in_cg $cg dd if=/dev/zero of=/dev/null bs=8M count=1 2>/dev/null
check "memory.max=32M: an 8 MiB allocation succeeds" [ $? -eq 0 ]
cg_remove $cg

# ---- cpu.max -------------------------------------------------------------------------
cg=$PFX/cpu
mkdir $cg
echo "10000 100000" >$cg/cpu.max
in_cg $cg sh -c 'while :; do :; done' &
p=$!
cg_wait_populated $cg
sleep 2
kill $p
wait $p 2>/dev/null
thr=$(field nr_throttled $cg/cpu.stat)
usage=$(field usage_usec $cg/cpu.stat)
diag "cpu.max=10ms/100ms, 2 s busy loop: $(tr '\n' ' ' <$cg/cpu.stat)"
check "cpu.max throttles a busy loop (nr_throttled=$thr > 0)" [ "$thr" -gt 0 ]
check "cpu.max caps CPU time (usage ${usage}us < 1s in 2s)" [ "$usage" -lt 1000000 ]
cg_remove $cg

# ---- cpuset --------------------------------------------------------------------------
cg=$PFX/cpuset
mkdir $cg
if [ "$(nproc)" -ge 2 ]; then
	echo 1 >$cg/cpuset.cpus
	aff=$(in_cg $cg grep Cpus_allowed_list /proc/self/status | awk '{ print $2 }')
	check "cpuset.cpus=1 restricts the affinity of its tasks (got '$aff')" [ "$aff" = 1 ]
else
	skip "cpuset.cpus=1 restricts the affinity of its tasks" "only one CPU"
fi
cg_remove $cg

# ---- io.max --------------------------------------------------------------------------
cg=$PFX/io
mkdir $cg
if [ -b "$VM_DISK" ]; then
	mm=$(cat /sys/block/"$(basename "$VM_DISK")"/dev)
	echo "$mm rbps=1048576" >$cg/io.max
	t0=$(uptime_cs)
	in_cg $cg dd if="$VM_DISK" of=/dev/null bs=1M count=4 iflag=direct 2>/dev/null
	rc=$?
	t1=$(uptime_cs)
	el=$((t1 - t0))
	diag "io.max rbps=1MiB/s: 4 MiB direct read took ${el}0 ms; io.stat: $(cat $cg/io.stat)"
	check "io.max rbps=1MiB/s throttles reads from $VM_DISK (4 MiB in ${el}0 ms >= 2 s)" \
		[ $rc -eq 0 -a $el -ge 200 ]
else
	skip "io.max rbps=1MiB/s throttles reads" "no $VM_DISK"
fi
cg_remove $cg

# ---- freezer -------------------------------------------------------------------------
cg=$PFX/freeze
mkdir $cg
in_cg $cg sleep 1000 &
p=$!
cg_wait_populated $cg
echo 1 >$cg/cgroup.freeze
i=0
until grep -qx "frozen 1" $cg/cgroup.events || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "cgroup.freeze=1 reaches 'frozen 1' in cgroup.events" grep -qx "frozen 1" $cg/cgroup.events
echo 0 >$cg/cgroup.freeze
i=0
until grep -qx "frozen 0" $cg/cgroup.events || [ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "cgroup.freeze=0 thaws it again" grep -qx "frozen 0" $cg/cgroup.events
kill $p 2>/dev/null
wait $p 2>/dev/null
cg_remove $cg

rmdir $PFX
check "test cgroups removed" [ ! -d $PFX ]
tap_end
