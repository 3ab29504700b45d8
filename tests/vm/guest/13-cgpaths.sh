#!/bin/sh
# Where jaula puts a container's cgroup and how it prepares the path (cgroups/cgroup.c):
# the default /jaula/<id>, absolute and relative linux.cgroupsPath, controllers enabled in
# every ancestor, the "no internal processes" rule, a cgroup that is already in use, a
# frozen one, a cgroup namespace whose root was not delegated a controller, failed
# creates leaving nothing behind, and linux.resources.unified / hugepageLimits.
# shellcheck source-path=SCRIPTDIR disable=SC1090 # /vm/tap.sh is tests/vm/tap.sh
. "$VM_TAP"
# shellcheck source=files/jaula-lib.sh
. "$VM_FILES/jaula-lib.sh"

need_jaula "cgroupsPath" || exit 0
setup_rootfs
B=/tmp/bundles
cleanup() {
	delete_all
	for d in $CG/runner/a/b $CG/runner/a $CG/runner $CG/vmt/abs/ctr $CG/vmt/abs $CG/vmt/empty \
		$CG/vmt/busy $CG/vmt/frozen $CG/vmt $CG/deleg/ns/run $CG/deleg/ns/jaula $CG/deleg/ns \
		$CG/deleg; do
		[ -d "$d" ] || continue
		echo 0 >"$d/cgroup.freeze" 2>/dev/null
		echo 1 >"$d/cgroup.kill" 2>/dev/null
		wait_for "grep -qx 'populated 0' $d/cgroup.events" 30
		rmdir "$d" 2>/dev/null
	done
}
trap cleanup EXIT
has_word() { grep -qw "$2" "$1"; }
in_procs() { grep -qx "$2" "$1/cgroup.procs"; }
# "ok" when the output $1 of a refused `jaula run` (status $2) mentions every word after it.
refused_with() {
	_o=$1
	_rc=$2
	shift 2
	[ "$_rc" -ne 0 ] || return 1
	for _w in "$@"; do echo "$_o" | grep -q -- "$_w" || return 1; done
}

# ---- default: /jaula/<id> ------------------------------------------------------------
cfg_reset
RES='"pids": {"limit": 20}'
ARGS=$(jargs sh -c 'cat /proc/self/cgroup >/tmp/dflt.cg; exec sleep 1000')
mkbundle $B/dflt
rm -f $RFS/tmp/dflt.cg
run_detached $B/dflt dflt
pid=$(state_field dflt pid)
check "default cgroupsPath: the init ($pid) is in $CG/jaula/dflt" in_procs $CG/jaula/dflt "$pid"
check "default cgroupsPath: pids enabled in / and /jaula subtree_control" \
	sh -c "grep -qw pids $CG/cgroup.subtree_control && grep -qw pids $CG/jaula/cgroup.subtree_control"
check "default cgroupsPath: pids.max of the container's cgroup is 20" [ "$(cat $CG/jaula/dflt/pids.max)" = 20 ]
wait_for "[ -s $RFS/tmp/dflt.cg ]"
check "cgroup namespace: the container sees its cgroup as '0::/' ($(cat $RFS/tmp/dflt.cg))" \
	[ "$(cat $RFS/tmp/dflt.cg)" = "0::/" ]
J delete -f dflt
check "delete -f: $CG/jaula/dflt is gone" [ ! -d $CG/jaula/dflt ]
cfg_reset
NS="pid network ipc uts mount"
ARGS=$(jargs cat /proc/self/cgroup)
mkbundle $B/nocgns
out=$(J run -b $B/nocgns nocgns 2>&1)
check "no cgroup namespace: /proc/self/cgroup shows 0::/jaula/nocgns ($out)" [ "$out" = "0::/jaula/nocgns" ]

# ---- absolute ------------------------------------------------------------------------
cfg_reset
RES='"pids": {"limit": 20}'
LINUX='"cgroupsPath": "/vmt/abs/ctr"'
ARGS='["sleep", "1000"]'
mkbundle $B/abs
run_detached $B/abs abs
pid=$(state_field abs pid)
check "cgroupsPath /vmt/abs/ctr: the init is in $CG/vmt/abs/ctr" in_procs $CG/vmt/abs/ctr "$pid"
check "cgroupsPath /vmt/abs/ctr: pids enabled in /vmt and /vmt/abs subtree_control" \
	sh -c "grep -qw pids $CG/vmt/cgroup.subtree_control && grep -qw pids $CG/vmt/abs/cgroup.subtree_control"
check "cgroupsPath /vmt/abs/ctr: pids.max is 20" [ "$(cat $CG/vmt/abs/ctr/pids.max 2>/dev/null)" = 20 ]
J delete -f abs
check "delete: the leaf /vmt/abs/ctr is gone (its parents stay)" [ ! -d $CG/vmt/abs/ctr -a -d $CG/vmt/abs ]

# ---- an existing cgroup: reused when empty, joined with a warning when busy -------------
# (runc warns and goes on: the containers of a pod may share one cgroup)
mkdir -p $CG/vmt/empty $CG/vmt/busy
sh -c "echo \$\$ >$CG/vmt/busy/cgroup.procs && exec sleep 1000" &
busy_pid=$!
wait_for "in_procs $CG/vmt/busy $busy_pid"
cfg_reset
LINUX='"cgroupsPath": "/vmt/empty"'
mkbundle $B/empty
check "cgroupsPath of an existing empty cgroup: the container runs" J run -b $B/empty empty
LINUX='"cgroupsPath": "/vmt/busy"'
RES='"pids": {"limit": 30}'
ARGS='["sleep", "1000"]'
mkbundle $B/busy
# (the init inherits stdout: a file, not a pipe that would never see EOF)
J run -d -b $B/busy busy </dev/null >/tmp/busy.out 2>&1
rc=$?
out=$(cat /tmp/busy.out)
check "cgroupsPath of a cgroup with processes: joined, with a warning ($out)" \
	sh -c "[ $rc -eq 0 ] && echo \"\$0\" | grep -q 'warning.*/vmt/busy is not empty (1 process)'" "$out"
pid=$(state_field busy pid)
check "... the init ($pid) shares it with the process that was there" \
	sh -c "grep -qx '$pid' $CG/vmt/busy/cgroup.procs && grep -qx $busy_pid $CG/vmt/busy/cgroup.procs"
check "... and the limit applies to the shared cgroup ($(cat $CG/vmt/busy/pids.max))" \
	[ "$(cat $CG/vmt/busy/pids.max)" = 30 ]
J kill busy KILL
wait_for "[ \"\$(state_field busy status)\" = stopped ]"
check "killing the container's init leaves the other process running" pid_alive $busy_pid
kill $busy_pid
wait $busy_pid 2>/dev/null
J delete -f busy >/dev/null 2>&1
# A frozen cgroup would freeze the init at birth and create would wait for ever: refused
# at once, before any controller is enabled in it.
mkdir -p $CG/vmt/frozen
echo 1 >$CG/vmt/frozen/cgroup.freeze
cfg_reset
LINUX='"cgroupsPath": "/vmt/frozen"'
RES='"pids": {"limit": 30}'
mkbundle $B/frozen
t0=$(uptime_ms)
timeout 30 "$JAULA" --root "$JROOT" run -d -b $B/frozen frozen </dev/null >/tmp/frozen.out 2>&1
rc=$?
out=$(cat /tmp/frozen.out)
t1=$(uptime_ms)
check "cgroupsPath of a frozen cgroup: refused in $((t1 - t0)) ms, naming it ($out)" \
	refused_with "$out" $rc "cgroup $CG/vmt/frozen is frozen: thaw it (cgroup.freeze = 0)"
check "... the cgroup stays frozen and empty, pids.max untouched ($(cat $CG/vmt/frozen/pids.max))" \
	sh -c "[ \"\$(cat $CG/vmt/frozen/cgroup.freeze)\" = 1 ] && [ -z \"\$(cat $CG/vmt/frozen/cgroup.procs)\" ] && [ \"\$(cat $CG/vmt/frozen/pids.max)\" = max ]"
LINUX='"cgroupsPath": "/vmt/frozen/below"'
mkbundle $B/frozen2
timeout 30 "$JAULA" --root "$JROOT" run -d -b $B/frozen2 frozen2 </dev/null >/tmp/frozen.out 2>&1
rc=$?
out=$(cat /tmp/frozen.out)
check "a frozen ancestor is named too ($out)" refused_with "$out" $rc "cgroup $CG/vmt/frozen is frozen"
check "... and nothing is made below it" [ ! -d $CG/vmt/frozen/below ]
LINUX='"cgroupsPath": "/vmt/../escape"'
mkbundle $B/dotdot
out=$(J run -b $B/dotdot dotdot 2>&1)
check "cgroupsPath with '..' is refused ($out)" refused_with "$out" $? "cgroupsPath" '\.\.'

# ---- relative: below the runtime's own cgroup ----------------------------------------
mkdir -p $CG/runner
# shellcheck disable=SC2016 # for the inner shell
in_runner() { sh -c 'echo $$ >/sys/fs/cgroup/runner/cgroup.procs && exec "$@"' sh "$@"; }
cfg_reset
LINUX='"cgroupsPath": "a/b"'
ARGS='["sleep", "1000"]'
mkbundle $B/rel
in_runner "$JAULA" --root "$JROOT" run -d -b $B/rel rel </dev/null >/tmp/rel.out 2>&1
pid=$(state_field rel pid)
check "cgroupsPath a/b from a runtime in /runner: the init is in $CG/runner/a/b" \
	in_procs $CG/runner/a/b "${pid:-none}"
J delete -f rel
check "delete (from another cgroup): /runner/a/b is gone" [ ! -d $CG/runner/a/b ]
# /runner holds the runtime itself, so cgroup v2 cannot enable controllers for its
# children: the error must say why instead of a bare EBUSY.
RES='"pids": {"limit": 20}'
LINUX='"cgroupsPath": "lim/x"'
mkbundle $B/rellim
out=$(in_runner "$JAULA" --root "$JROOT" run -b $B/rellim rellim 2>&1)
check "cgroupsPath lim/x with a limit, runtime in /runner: refused, naming the rule ($out)" \
	refused_with "$out" $? "/runner" "no internal processes"
check "... and no cgroup is left behind" [ ! -d $CG/runner/lim ]

# ---- a cgroup namespace whose root was not given a controller -------------------------
# /deleg passes only memory and pids to its child /deleg/ns; a runtime whose cgroup
# namespace is rooted there (a nested runtime, a delegated user session) sees only those.
mkdir -p $CG/deleg/ns
echo "+memory +pids" >$CG/deleg/cgroup.subtree_control
diag "delegated: $(cat $CG/deleg/ns/cgroup.controllers)"
# shellcheck disable=SC2016 # for the inner shells
in_deleg() {
	sh -c 'echo $$ >/sys/fs/cgroup/deleg/ns/cgroup.procs && exec cgns sh -c "mkdir -p /sys/fs/cgroup/run && echo \$\$ >/sys/fs/cgroup/run/cgroup.procs && exec \"\$@\"" sh "$@"' sh "$@"
}
cfg_reset
RES='"cpu": {"quota": 10000, "period": 100000}'
mkbundle $B/unav
out=$(in_deleg "$JAULA" --root "$JROOT" run -b $B/unav unav 2>&1)
check "cpu quota where cpu is not delegated: refused naming the controller ($out)" \
	refused_with "$out" $? '"cpu"' "not available" "did not delegate"
check "... and nothing is created" [ ! -d $CG/deleg/ns/jaula/unav ]
RES='"pids": {"limit": 7}'
ARGS=$(jargs sh -c 'cat /sys/fs/cgroup/pids.max; exec forker 20')
mkbundle $B/deleg
out=$(in_deleg "$JAULA" --root "$JROOT" run -b $B/deleg deleg 2>&1)
rc=$?
check "pids limit where pids is delegated: runs and is enforced (status $rc: $(flat "$out"))" \
	[ $rc -eq 0 -a "$(flat "$out")" = "7 forked=6 errno=EAGAIN" ]
check "... in the namespace's subtree, removed after the run" \
	sh -c "[ -d $CG/deleg/ns/jaula ] && [ ! -d $CG/deleg/ns/jaula/deleg ]"

# ---- cg_detect: where cgroup2 is mounted ----------------------------------------------
# The hosts' layout (cgroup2 at /sys/fs/cgroup/unified, "hybrid"), cgroup2 somewhere
# else (found through mountinfo), and none at all ("legacy"), each in a private mount
# namespace over the guest's real hierarchy.  No cgroup namespace: the container sees
# its cgroup path and a bind of its cgroup directory.
# shellcheck disable=SC2016 # for the inner shells
in_mounts() { # SETUP CMD...: run CMD after the shell commands SETUP, in a new mount ns
	_setup=$1
	shift
	unshare -m --propagation private sh -c "$_setup"' && exec "$@"' sh "$@"
}
hybrid='mount -t tmpfs tmpfs /sys/fs/cgroup && mkdir /sys/fs/cgroup/unified &&
	mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified'
elsewhere='mount -t tmpfs tmpfs /sys/fs/cgroup && mkdir -p /tmp/cg2 && mount -t cgroup2 cgroup2 /tmp/cg2'
legacy='mount -t tmpfs tmpfs /sys/fs/cgroup'
cfg_reset
NS="pid network ipc uts mount"
RES='"pids": {"limit": 5}'
ARGS=$(jargs sh -c 'cat /proc/self/cgroup /sys/fs/cgroup/pids.max; exec forker 20')
for id in hyb other; do
	mkbundle $B/$id
done
out=$(in_mounts "$hybrid" "$JAULA" --root "$JROOT" run -b $B/hyb hyb 2>&1)
check "hybrid layout (/sys/fs/cgroup/unified): pids.limit 5 applies ($(flat "$out"))" \
	[ "$(flat "$out")" = "0::/jaula/hyb 5 forked=4 errno=EAGAIN" ]
check "hybrid layout: the cgroup is removed after the run" [ ! -d $CG/jaula/hyb ]
out=$(in_mounts "$elsewhere" "$JAULA" --root "$JROOT" run -b $B/other other 2>&1)
check "cgroup2 at /tmp/cg2 (found in mountinfo): pids.limit 5 applies ($(flat "$out"))" \
	[ "$(flat "$out")" = "0::/jaula/other 5 forked=4 errno=EAGAIN" ]
check "cgroup2 at /tmp/cg2: the cgroup is removed after the run" [ ! -d $CG/jaula/other ]
mkbundle $B/legacy
out=$(in_mounts "$legacy" "$JAULA" --root "$JROOT" run -b $B/legacy legacy 2>&1)
check "no cgroup2 mounted: a pids limit is refused naming the controller ($out)" \
	refused_with "$out" $? "no cgroup v2" "pids"
cfg_reset
NS="pid network ipc uts mount"
ARGS='["echo", "ran"]'
mkbundle $B/legacy2
out=$(in_mounts "$legacy" "$JAULA" --root "$JROOT" run -b $B/legacy2 legacy2 2>&1)
check "no cgroup2 mounted: a container without limits runs ($out)" [ "$out" = ran ]

# ---- a limit the kernel refuses: the error names the file, nothing is left ------------
cfg_reset
RES='"cpu": {"cpus": "7"}'
mkbundle $B/badcpu
out=$(J run -b $B/badcpu badcpu 2>&1)
check "cpuset cpus '7' on a $(nproc)-CPU guest: refused naming cpuset.cpus ($out)" \
	refused_with "$out" $? "cpuset.cpus"
check "... and the cgroup is removed again" [ ! -d $CG/jaula/badcpu ]

# ---- unified, hugepageLimits ---------------------------------------------------------
cfg_reset
RES='"unified": {"pids.max": "12", "memory.high": "50000000"}, "hugepageLimits": [{"pageSize": "2MB", "limit": 0}]'
mkbundle $B/unified
J run --keep -b $B/unified unified >/tmp/unified.out 2>&1
diag "unified: $(cat /tmp/unified.out)"
check "unified pids.max=12 is written" [ "$(cat $CG/jaula/unified/pids.max 2>/dev/null)" = 12 ]
check "unified memory.high=50000000 is written (page-rounded: $(cat $CG/jaula/unified/memory.high 2>/dev/null))" \
	[ "$(cat $CG/jaula/unified/memory.high 2>/dev/null)" = 49999872 ]
if [ -f $CG/jaula/unified/hugetlb.2MB.max ]; then
	check "hugepageLimits 2MB=0: hugetlb.2MB.max is 0" [ "$(cat $CG/jaula/unified/hugetlb.2MB.max)" = 0 ]
else
	skip "hugepageLimits 2MB=0" "no hugetlb.2MB.max in this kernel"
fi
J delete unified
RES='"unified": {"cgroup.procs": "1"}'
mkbundle $B/owned
out=$(J run -b $B/owned owned 2>&1)
check "unified cgroup.procs is refused ($out)" refused_with "$out" $? "cgroup.procs" "managed by the runtime"

tap_end
