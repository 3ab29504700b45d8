#!/bin/sh
# runc compatibility of limits and `update` under a real cgroup v2: pids.limit <= 0 means
# unlimited ("max") at create and in `update` (a limit of 0 would make every fork fail);
# runc's update spellings (--cpu-share, --cpu-burst, --cpu-idle) reach their cgroup files;
# values runc would skip without a word (0, realtime bandwidth) are refused, naming the
# flag; --memory-reservation 0 takes a reservation back; `ps` lists the processes of
# child cgroups too.
# shellcheck source-path=SCRIPTDIR disable=SC1090 # /vm/tap.sh is tests/vm/tap.sh
. "$VM_TAP"
# shellcheck source=files/jaula-lib.sh
. "$VM_FILES/jaula-lib.sh"

need_jaula "pids.limit <= 0" "update flags" "ps of child cgroups" || exit 0
setup_rootfs
B=/tmp/bundles
trap delete_all EXIT
MiB=1048576

# ---- pids.limit <= 0 at create: "max", and forks are not limited ---------------------
for lim in 0 -1 -5; do
	cfg_reset
	RES="\"pids\": {\"limit\": $lim}"
	ARGS=$(jargs sh -c 'cat /sys/fs/cgroup/pids.max; exec forker 20')
	id=pids$(echo "$lim" | tr - m)
	mkbundle $B/$id
	out=$(J run -b $B/$id $id 2>&1)
	check "pids.limit $lim: pids.max is max and 20 forks work ($(flat "$out"))" \
		[ "$(flat "$out")" = "max forked=20 errno=none" ]
done

# ---- update --pids-limit 0 / -1 and a resources file with limit 0 --------------------
cfg_reset
RES='"pids": {"limit": 5}'
ARGS='["sleep", "1000"]'
mkbundle $B/upd
run_detached $B/upd upd
cg=$CG/jaula/upd
check "pids.limit 5 at create" [ "$(cat $cg/pids.max)" = 5 ]
J update --pids-limit 0 upd
check "update --pids-limit 0: pids.max is max ($(cat $cg/pids.max))" [ "$(cat $cg/pids.max)" = max ]
J update --pids-limit 7 upd
check "update --pids-limit 7 ($(cat $cg/pids.max))" [ "$(cat $cg/pids.max)" = 7 ]
J update --pids-limit -1 upd
check "update --pids-limit -1: max ($(cat $cg/pids.max))" [ "$(cat $cg/pids.max)" = max ]
J update --pids-limit 7 upd
echo '{"pids": {"limit": 0}}' | J update -r - upd
check "update -r {pids: {limit: 0}}: max ($(cat $cg/pids.max))" [ "$(cat $cg/pids.max)" = max ]
out=$(J exec upd forker 30 2>&1)
check "... and forks in the container are unlimited again ($out)" [ "$out" = "forked=30 errno=none" ]

# ---- cpu: runc's spellings reach their files -----------------------------------------
J update --cpu-shares 512 upd
w_shares=$(cat $cg/cpu.weight)
J update --cpu-shares 1024 upd
J update --cpu-share 512 upd
check "update --cpu-share 512 = --cpu-shares 512 (cpu.weight $(cat $cg/cpu.weight) = $w_shares)" \
	[ "$(cat $cg/cpu.weight)" = "$w_shares" -a "$w_shares" != 100 ]
J update --cpu-quota 50000 --cpu-period 100000 --cpu-burst 20000 upd
check "update --cpu-burst 20000: cpu.max.burst ($(cat $cg/cpu.max.burst))" \
	[ "$(cat $cg/cpu.max.burst)" = 20000 ]
if [ -f $cg/cpu.idle ]; then
	J update --cpu-idle 1 upd
	check "update --cpu-idle 1: cpu.idle ($(cat $cg/cpu.idle))" [ "$(cat $cg/cpu.idle)" = 1 ]
	J update --cpu-idle 0 upd
	check "update --cpu-idle 0: cpu.idle ($(cat $cg/cpu.idle))" [ "$(cat $cg/cpu.idle)" = 0 ]
else
	skip "update --cpu-idle" "no cpu.idle in this kernel"
	skip "update --cpu-idle 0" "no cpu.idle in this kernel"
fi
max_before=$(cat $cg/cpu.max)
out=$(J update --cpu-rt-runtime 95000 --cpu-quota 30000 upd 2>&1)
rc=$?
check "update --cpu-rt-runtime is refused, naming it ($out)" \
	sh -c "[ $rc -ne 0 ] && echo \"\$0\" | grep -q -- '--cpu-rt-runtime: cgroup v2 has no realtime'" "$out"
check "... and the rest of that update is not applied ($(cat $cg/cpu.max))" [ "$(cat $cg/cpu.max)" = "$max_before" ]
out=$(J update --cpu-quota 0 upd 2>&1)
check "update --cpu-quota 0 is refused ($out)" sh -c "echo \"\$0\" | grep -q -- '--cpu-quota: 0 is not'" "$out"

# ---- memory: 0 refused for the limits, a reservation can be taken back -----------------
J update --memory 64m --memory-reservation 16m upd
check "update --memory-reservation 16m: memory.low ($(cat $cg/memory.low))" \
	[ "$(cat $cg/memory.low)" = $((16 * MiB)) ]
J update --memory-reservation 0 upd
check "update --memory-reservation 0: memory.low back to 0 ($(cat $cg/memory.low))" \
	[ "$(cat $cg/memory.low)" = 0 ]
out=$(J update --memory 0 upd 2>&1)
check "update --memory 0 is refused, memory.max stays 64m ($out)" \
	sh -c "echo \"\$0\" | grep -q -- '--memory: 0 is not' && [ \"\$(cat $cg/memory.max)\" = $((64 * MiB)) ]" "$out"
out=$(J update --kernel-memory 32m upd 2>&1)
rc=$?
check "update --kernel-memory: accepted with a warning, as runc ($out)" \
	sh -c "[ $rc -eq 0 ] && echo \"\$0\" | grep -q 'warning: --kernel-memory is ignored'" "$out"

# ---- ps: processes in child cgroups --------------------------------------------------
J exec -d --cgroup sub --pid-file /tmp/sub.pid upd sleep 1001 </dev/null >/dev/null 2>&1
sub=$(cat /tmp/sub.pid 2>/dev/null)
check "exec --cgroup sub: the process ($sub) is in $cg/sub" grep -qx "${sub:-none}" $cg/sub/cgroup.procs
ps_out=$(J ps --format json upd 2>&1)
check "ps --format json lists it with the init ($ps_out)" \
	sh -c "echo '$ps_out' | grep -qw '${sub:-none}' && echo '$ps_out' | grep -qw '$(state_field upd pid)'"
J delete -f upd
check "delete -f: the cgroup and its sub-cgroup are gone" [ ! -d $cg ]

# ---- ps of a stopped container -------------------------------------------------------
cfg_reset
mkbundle $B/fin
run_detached $B/fin fin
wait_for "[ \"\$(state_field fin status)\" = stopped ]"
out=$(J ps --format json fin 2>&1)
check "ps --format json of a stopped container: [] ($out)" [ "$out" = "[]" ]

tap_end
