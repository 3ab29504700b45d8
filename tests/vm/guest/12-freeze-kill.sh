#!/bin/sh
# The cgroup freezer and the cgroup-wide kill under jaula: a frozen container really stops
# (a counter does not advance) and thaws again; `kill -a ID KILL` and `delete -f ID` end
# every process of a FROZEN cgroup, also processes that are not the init's children
# (no pid namespace) and processes in nested cgroups, and leave no cgroup behind.
# `jaula pause/resume/update/ps` are newer than these tests: they run when the build has
# them and are skipped otherwise.
# shellcheck source-path=SCRIPTDIR disable=SC1090 # /vm/tap.sh is tests/vm/tap.sh
. "$VM_TAP"
# shellcheck source=files/jaula-lib.sh
. "$VM_FILES/jaula-lib.sh"

need_jaula "freezer" "kill -a" "delete -f" || exit 0
setup_rootfs
B=/tmp/bundles
trap delete_all EXIT

count() { cat "$RFS/tmp/$1" 2>/dev/null || echo 0; }
frozen_is() { grep -qx "frozen $2" "$CG/jaula/$1/cgroup.events"; }
empty() { grep -qx "populated 0" "$CG/jaula/$1/cgroup.events" 2>/dev/null; }
# Every pid of the list $2 is gone (or a zombie nobody reaped yet).
all_dead() {
	for _p in $1; do pid_alive "$_p" && return 1; done
	return 0
}
# Does the counter $1 advance within 1 s?
advances() {
	_c0=$(count "$1")
	wait_for "[ \$(count $1) -gt $_c0 ]" 10
}
# Is counter $1 still for 0.6 s?
stands_still() {
	_c0=$(count "$1")
	sleep 0.6
	[ "$(count "$1")" = "$_c0" ]
}

# Two counters, a sleep and the shell: four processes, no pid namespace, so killing the
# init alone would leave the other three running.
multi='counter /tmp/$0.c1 & counter /tmp/$0.c2 & sleep 1000 & wait'
start_multi() {
	cfg_reset
	NS="network ipc uts mount cgroup"
	ARGS=$(jargs sh -c "$multi" "$1")
	mkbundle "$B/$1"
	rm -f "$RFS/tmp/$1.c1" "$RFS/tmp/$1.c2"
	run_detached "$B/$1" "$1" && wait_for "[ -s $RFS/tmp/$1.c1 -a -s $RFS/tmp/$1.c2 ]" &&
		wait_for "[ \$(wc -l <$CG/jaula/$1/cgroup.procs) -eq 4 ]"
}
freeze_direct() {
	echo "$2" >"$CG/jaula/$1/cgroup.freeze" && wait_for "frozen_is $1 $2"
}

# ---- freeze and thaw through cgroup.freeze -------------------------------------------
check "a container with 4 processes starts (no pid namespace)" start_multi frz
procs=$(cat $CG/jaula/frz/cgroup.procs)
diag "frz: $(flat "$procs")"
check "running: the counter advances" advances frz.c1
check "cgroup.freeze=1: cgroup.events reaches 'frozen 1'" freeze_direct frz 1
check "frozen: counter 1 stands still" stands_still frz.c1
check "frozen: counter 2 stands still" stands_still frz.c2
st=$(state_field frz status)
check "frozen: jaula state says paused ($st)" [ "$st" = paused ]
check "cgroup.freeze=0: thawed" freeze_direct frz 0
check "thawed: the counter advances again" advances frz.c1
st=$(state_field frz status)
check "thawed: jaula state says running ($st)" [ "$st" = running ]

# ---- jaula pause / resume ------------------------------------------------------------
if have_cmd pause && have_cmd resume; then
	check "jaula pause" J pause frz
	check "paused: cgroup.freeze is 1 and the cgroup frozen" \
		sh -c "[ \"\$(cat $CG/jaula/frz/cgroup.freeze)\" = 1 ] && grep -qx 'frozen 1' $CG/jaula/frz/cgroup.events"
	check "paused: the counter stands still" stands_still frz.c1
	st=$(state_field frz status)
	check "paused: jaula state says paused ($st)" [ "$st" = paused ]
	check "jaula resume" J resume frz
	check "resumed: the counter advances again" advances frz.c1
	st=$(state_field frz status)
	check "resumed: jaula state says running ($st)" [ "$st" = running ]
else
	for d in "jaula pause" "paused: cgroup frozen" "paused: the counter stands still" \
		"paused: state says paused" "jaula resume" "resumed: the counter advances again" \
		"resumed: state says running"; do
		skip "$d" "needs jaula pause"
	done
fi

# ---- jaula ps ------------------------------------------------------------------------
if have_cmd ps; then
	ps_out=$(J ps --format json frz 2>&1)
	missing=
	for p in $procs; do echo "$ps_out" | grep -qw "$p" || missing="$missing $p"; done
	check "jaula ps --format json lists every pid of the cgroup (missing:${missing:- none})" [ -z "$missing" ]
else
	skip "jaula ps --format json lists every pid of the cgroup" "needs jaula ps"
fi

# ---- kill -a on a frozen container ---------------------------------------------------
freeze_direct frz 1
check "kill -a KILL on a frozen container succeeds" J kill -a frz KILL
check "kill -a KILL: the cgroup empties" wait_for "empty frz"
check "kill -a KILL: all 4 processes are dead" wait_for "all_dead '$procs'" 20
st=$(state_field frz status)
check "kill -a KILL: jaula state says stopped ($st)" [ "$st" = stopped ]
check "delete after kill -a" J delete frz
check "delete: the container's cgroup is gone" [ ! -d $CG/jaula/frz ]

# ---- delete -f on a frozen container -------------------------------------------------
check "a second 4-process container starts" start_multi frz2
procs=$(cat $CG/jaula/frz2/cgroup.procs)
freeze_direct frz2 1
check "delete -f on a frozen container succeeds" J delete -f frz2
check "delete -f: all 4 processes are dead" wait_for "all_dead '$procs'" 20
check "delete -f: the container's cgroup is gone" [ ! -d $CG/jaula/frz2 ]
listed() { J list -q | grep -qx "$1"; }
check "delete -f: the container is gone from jaula list" eval "! listed frz2"

# ---- delete -f of a frozen container with nested cgroups -----------------------------
# A container that runs its own cgroup tree (rw cgroup2 in its cgroup namespace), as
# systemd or a nested runtime would: delete must kill and remove the whole subtree.
cfg_reset
CGMOUNT=rw
ARGS=$(jargs sh -c 'mkdir -p /sys/fs/cgroup/sub/deeper /sys/fs/cgroup/other || exit 1
sh -c "echo \$\$ >/sys/fs/cgroup/sub/deeper/cgroup.procs && exec sleep 1000" &
sh -c "echo \$\$ >/sys/fs/cgroup/other/cgroup.procs && exec counter /tmp/nest.c" &
exec sleep 1000')
mkbundle $B/nest
rm -f $RFS/tmp/nest.c
run_detached $B/nest nest
# (cgroup files have no size: read them)
populated() { grep -qx "populated 1" "$1/cgroup.events" 2>/dev/null; }
check "nested cgroups: the container populates sub/deeper and other" \
	wait_for "populated $CG/jaula/nest/sub/deeper && populated $CG/jaula/nest/other"
procs=$(cat $CG/jaula/nest/cgroup.procs $CG/jaula/nest/sub/deeper/cgroup.procs $CG/jaula/nest/other/cgroup.procs 2>/dev/null)
diag "nest: $(flat "$procs")"
check "nested cgroups: freezing the container freezes its children" \
	sh -c "echo 1 >$CG/jaula/nest/cgroup.freeze && for i in \$(seq 50); do grep -qx 'frozen 1' $CG/jaula/nest/other/cgroup.events && exit 0; sleep 0.1; done; exit 1"
check "nested cgroups: delete -f succeeds" J delete -f nest
check "nested cgroups: all processes are dead" wait_for "all_dead '$procs'" 20
check "nested cgroups: the whole subtree is gone" [ ! -d $CG/jaula/nest ]

# ---- delete of a stopped container whose init left processes behind -----------------
# Without a pid namespace the init's death kills nobody else: delete must still end
# them (as runc does for a shared pid namespace) and remove the cgroup.
cfg_reset
NS="network ipc uts mount cgroup"
ARGS=$(jargs sh -c 'sleep 1000 & sleep 1000 & exit 0')
mkbundle $B/strag
run_detached $B/strag strag
wait_for "[ \"\$(state_field strag status)\" = stopped ]"
procs=$(cat $CG/jaula/strag/cgroup.procs 2>/dev/null)
check "stragglers: the init exited, 2 processes stay in the cgroup ($(flat "$procs"))" \
	[ "$(state_field strag status)" = stopped -a "$(flat "$procs" | wc -w)" = 2 ]
t0=$(uptime_ms)
out=$(J delete strag 2>&1)
rc=$?
t1=$(uptime_ms)
check "stragglers: delete (no -f) of the stopped container succeeds in $((t1 - t0)) ms ($out)" [ $rc -eq 0 ]
check "stragglers: they are dead" wait_for "all_dead '$procs'" 20
check "stragglers: the cgroup is gone" [ ! -d $CG/jaula/strag ]

# ---- jaula update --pids-limit -------------------------------------------------------
if have_cmd update; then
	cfg_reset
	RES='"pids": {"limit": 100}'
	ARGS=$(jargs sh -c 'while [ ! -e /tmp/upd.go ]; do sleep 0.1; done; exec forker 20 >/tmp/upd.out')
	mkbundle $B/upd
	rm -f $RFS/tmp/upd.go $RFS/tmp/upd.out
	run_detached $B/upd upd
	check "update --pids-limit 5" J update --pids-limit 5 upd
	check "update: pids.max is 5 ($(cat $CG/jaula/upd/pids.max))" [ "$(cat $CG/jaula/upd/pids.max)" = 5 ]
	touch $RFS/tmp/upd.go
	wait_for "[ -s $RFS/tmp/upd.out ]"
	# the forker (exec'd by the shell) is the first of the 5 tasks
	check "update: the live limit stops the 5th fork with EAGAIN ($(cat $RFS/tmp/upd.out))" \
		[ "$(cat $RFS/tmp/upd.out)" = "forked=4 errno=EAGAIN" ]
	J delete -f upd
else
	skip "update --pids-limit lowers pids.max live" "needs jaula update"
	skip "update: the live limit makes fork fail" "needs jaula update"
fi

tap_end
