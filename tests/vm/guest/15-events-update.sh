#!/bin/sh
# What jaula reads back from and writes into a live container's cgroup: `events --stats`
# (cgroups/stats.c) against the cgroup files, the streamed "oom" event when a process is
# OOM-killed, and `update` changing memory and CPU limits of a running container.
# shellcheck source-path=SCRIPTDIR disable=SC1090 # /vm/tap.sh is tests/vm/tap.sh
. "$VM_TAP"
# shellcheck source=files/jaula-lib.sh
. "$VM_FILES/jaula-lib.sh"

need_jaula "events" "update" || exit 0
setup_rootfs
B=/tmp/bundles
EV_PID=
cleanup() {
	[ -n "$EV_PID" ] && kill "$EV_PID" 2>/dev/null
	delete_all
}
trap cleanup EXIT
MiB=1048576
cg=$CG/jaula/st

# A shell and a sleep under 32 MiB / 10 pids; on /tmp/st.go a 64 MiB hog is OOM-killed
# while the container (its init, the shell) lives on.  The shell blocks opening a
# fifo rather than polling with sleep, so pids.current holds still while
# events --stats is compared with it.
cfg_reset
RES="\"memory\": {\"limit\": $((32 * MiB)), \"swap\": $((32 * MiB))}, \"pids\": {\"limit\": 10}, \"cpu\": {\"quota\": 50000, \"period\": 100000}"
ARGS=$(jargs sh -c 'read go </tmp/st.go; memhog 64; echo "memhog status $?" >/tmp/st.done; exec sleep 1000')
mkbundle $B/st
rm -f $RFS/tmp/st.go $RFS/tmp/st.done
mkfifo $RFS/tmp/st.go
# A writer in the background: if the container is gone, nothing hangs the suite.
release_st() { (echo go >$RFS/tmp/st.go &); }
run_detached $B/st st

# ---- events --stats ------------------------------------------------------------------
if have_cmd events; then
	stats=$(J events --stats st 2>&1)
	diag "events --stats: $(echo "$stats" | cut -c1-400)..."
	compact=$(printf '%s' "$stats" | tr -d ' \n')
	has() { printf '%s' "$compact" | grep -q -- "$1"; }
	check "events --stats: one stats event for the container" has '^{"type":"stats","id":"st","data":{'
	check "events --stats: memory limit $((32 * MiB)) as in memory.max" has "\"usage\":{\"limit\":$((32 * MiB)),"
	check "events --stats: pids limit 10 as in pids.max" has '"pids":{"current":[0-9]*,"limit":10}'
	cur=$(printf '%s' "$compact" | sed -n 's/.*"pids":{"current":\([0-9]*\).*/\1/p')
	check "events --stats: pids current ($cur) matches pids.current ($(cat $cg/pids.current))" \
		[ "$cur" = "$(cat $cg/pids.current)" ]

	# ---- events (stream): the OOM kill ------------------------------------------------
	"$JAULA" --root "$JROOT" events --interval 10s st >/tmp/ev.out 2>&1 &
	EV_PID=$!
	sleep 0.5 # let it read the initial oom_kill count
	release_st
	wait_for "[ -s $RFS/tmp/st.done ]"
	check "the hog is OOM-killed inside the running container ($(cat $RFS/tmp/st.done 2>/dev/null))" \
		[ "$(cat $RFS/tmp/st.done 2>/dev/null)" = "memhog status 137" ]
	check "events: an oom event is streamed" wait_for "grep -q '\"type\": *\"oom\"' /tmp/ev.out" 30
	diag "events stream: $(grep -c '"type": *"stats"' /tmp/ev.out) stats, $(grep -c '"type": *"oom"' /tmp/ev.out) oom events"
	kill $EV_PID 2>/dev/null
	wait $EV_PID 2>/dev/null
	EV_PID=
else
	for d in "events --stats" "events: oom event"; do skip "$d" "needs jaula events"; done
	release_st
fi

# ---- update: memory and CPU, live ----------------------------------------------------
if have_cmd update; then
	check "update --memory 64m --memory-swap 64m --cpu-quota 20000 --cpu-shares 2048" \
		J update --memory 64m --memory-swap 64m --cpu-quota 20000 --cpu-shares 2048 st
	check "update: memory.max is 64 MiB ($(cat $cg/memory.max))" [ "$(cat $cg/memory.max)" = $((64 * MiB)) ]
	check "update: memory.swap.max stays 0 ($(cat $cg/memory.swap.max))" [ "$(cat $cg/memory.swap.max)" = 0 ]
	check "update: cpu.max keeps the period: '20000 100000' ($(cat $cg/cpu.max))" \
		[ "$(cat $cg/cpu.max)" = "20000 100000" ]
	# 2048 shares on runc's curve: ceil(10^((11^2 + 125*11)/612 - 7/34)) = 174
	check "update: cpu.weight 174 ($(cat $cg/cpu.weight))" [ "$(cat $cg/cpu.weight)" = 174 ]
	check "update: pids.max untouched (10)" [ "$(cat $cg/pids.max)" = 10 ]
else
	skip "update memory/cpu live" "needs jaula update"
fi
J delete -f st
check "delete -f: the cgroup is gone" [ ! -d $cg ]

tap_end
