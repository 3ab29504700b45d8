#!/bin/sh
# vm-timeout: 400
# Figure 6 of `make bench` (run by tests/bench/vm/host.bash through
# VM_GUEST_DIR=tests/bench/vm, never by `make test`): the smallest memory.max under
# which `RUNTIME run` of `echo ok` still succeeds, for jaula, crun and runc, each with
# its own cgroupfs manager creating the container's cgroup and writing memory.max.
#
# Bisection in KiB, to MEMMAX_STEP KiB (a page), between MEMMAX_LO (expected to fail)
# and MEMMAX_HI (expected to pass), MEMMAX_ROUNDS times per runtime (the figure's
# rounds in tests/bench/lib/figures.sh).  A limit passes when three runs in a row exit
# 0 and print "ok"; the first failed run fails it.  Each run's cgroup lives below a
# parent cgroup of ours, /membench/RUNTIME, whose memory.events counts the
# descendants' events (cgroup v2 events are hierarchical), so why a run failed can be
# read after the runtime removed the container's cgroup: an OOM kill (oom_kill, and
# the killed task's name from the kernel log) or a failure without one (the
# runtime's error message).
#
# Output for the host: TAP results plus lines
#   # memmax rt=RT round=N kib=N lo=N status=found|above-hi|below-lo runs=N secs=N
#   # memmax-fail rt=RT round=N kib=N mode=oom-kill|no-oom|... rc=N killed=NAMES err=TEXT
#   # memmax-peak rt=RT kib=N current=N    (memory.peak / memory.current at exec, 64 MiB)
#   # memmax-guest TEXT                      (kernel, CPUs, RAM, controllers)
# shellcheck source-path=SCRIPTDIR disable=SC1090 # /vm/tap.sh is tests/vm/tap.sh
. "$VM_TAP"
# shellcheck source=../../vm/guest/files/jaula-lib.sh
. "$VM_FILES/jaula-lib.sh"

MEMMAX_LO=4
MEMMAX_HI=65536
MEMMAX_STEP=4
MEMMAX_TRIES=3
MEMMAX_ROUNDS=2
W=/tmp/membench
STATE=/run/membench
PARENT=membench
SENTINEL=987654321987 # stands for the limit in the config template

cleanup() {
	for _r in jaula crun runc; do
		for _d in "$CG/$PARENT/$_r"/*/ "$CG/$PARENT/peak-$_r"/*/; do
			[ -d "$_d" ] || continue
			echo 1 >"$_d/cgroup.kill" 2>/dev/null
			wait_for "grep -qx 'populated 0' $_d/cgroup.events" 30
			rmdir "$_d" 2>/dev/null
		done
		rmdir "$CG/$PARENT/$_r" "$CG/$PARENT/peak-$_r" 2>/dev/null
	done
	rmdir "$CG/$PARENT" 2>/dev/null
}
trap cleanup EXIT

# The runtime's command line with its own state root.
rt_cmd() {
	case $1 in
	jaula) echo "$JAULA --root $STATE/jaula" ;;
	crun) echo "crun --root $STATE/crun" ;;
	runc) echo "runc --root $STATE/runc" ;;
	esac
}
have_rt() {
	case $1 in
	jaula) [ -n "${JAULA:-}" ] && [ -x "$JAULA" ] ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}

# A parent cgroup with every controller enabled for its children, as a runtime's
# cgroupfs manager would leave its ancestors, so none of them has to.
mkparent() {
	mkdir -p "$CG/$1"
	read -r _ctrls <"$CG/$(dirname "$1")/cgroup.subtree_control"
	for _c in $_ctrls; do
		echo "+$_c" >"$CG/$1/cgroup.subtree_control" 2>/dev/null
	done
}

# The template: `runc spec` as figures 1-5 use it (ociVersion 1.0.2, no terminal,
# readonly busybox rootfs), with process `echo ok`, memory limit = swap = the
# sentinel, so no swap on top of the limit.
make_template() {
	mkdir -p "$W/spec" && (cd "$W/spec" && runc spec) || return 1
	jq --arg root "$VM_ROOTFS" --argjson x "$SENTINEL" '.ociVersion = "1.0.2"
		| .process.terminal = false | .root.path = $root | .process.args = ["echo", "ok"]
		| .linux.resources.memory = {limit: $x, swap: $x}
		| .linux.cgroupsPath = "@CGPATH@"' "$W/spec/config.json" >"$W/template.json" &&
		jq -c '.process.args = ["cat", "/sys/fs/cgroup/memory.current"]' "$W/template.json" \
			>"$W/template-cur.json"
}
TEMPLATE=$W/template.json

# run_once RT KIB [PARENT]: one `RT run` of a fresh container under memory.max = KIB
# KiB; 0 when it exited 0 and printed "ok".  On failure LAST_FAIL describes it.
N=0
run_once() {
	_rt=$1 _kib=$2 _par=${3:-$PARENT/$1}
	N=$((N + 1))
	_id=$_rt-$N
	_b=$W/$_rt
	mkdir -p "$_b"
	sed "s/$SENTINEL/$((_kib * 1024))/g; s|@CGPATH@|/$_par/$_id|" "$TEMPLATE" >"$_b/config.json"
	_k0=$(field oom_kill "$CG/$_par/memory.events")
	dmesg -c >/dev/null 2>&1
	# shellcheck disable=SC2046 # rt_cmd is a word list
	$(rt_cmd "$_rt") run -b "$_b" "$_id" </dev/null >"$W/out" 2>"$W/err"
	_rc=$?
	_k1=$(field oom_kill "$CG/$_par/memory.events")
	# shellcheck disable=SC2046
	$(rt_cmd "$_rt") delete -f "$_id" >/dev/null 2>&1
	if [ -d "$CG/$_par/$_id" ]; then
		echo 1 >"$CG/$_par/$_id/cgroup.kill" 2>/dev/null
		wait_for "grep -qx 'populated 0' $CG/$_par/$_id/cgroup.events" 30
		rmdir "$CG/$_par/$_id" 2>/dev/null
	fi
	[ $_rc -eq 0 ] && [ "$(cat "$W/out")" = ok ] && return 0
	_killed=$(dmesg 2>/dev/null | sed -n 's/.*Killed process [0-9]* (\([^)]*\)).*/\1/p' | sort -u | tr '\n' , | sed 's/,$//')
	_dk=$((${_k1:-0} - ${_k0:-0}))
	if [ $_dk -gt 0 ]; then _mode=oom-kill; elif [ $_rc -ne 0 ]; then _mode=no-oom; else _mode=bad-output; fi
	LAST_FAIL="mode=$_mode rc=$_rc oom_kill=$_dk killed=${_killed:--} out=$(flat "$(head -c 60 "$W/out")" | tr ' ' _) err=$(flat "$(head -c 300 "$W/err")")"
	return 1
}

# passes RT KIB: MEMMAX_TRIES runs in a row succeed.  Failures go to $W/RT.fails.
passes() {
	_i=0
	while [ $_i -lt $MEMMAX_TRIES ]; do
		if ! run_once "$1" "$2"; then
			echo "$2 $LAST_FAIL" >>"$W/$1.fails"
			return 1
		fi
		_i=$((_i + 1))
	done
}

# bisect RT LO HI: the smallest passing limit above LO, up to HI: sets FOUND (KiB),
# LOW (the largest failing limit) and STATUS.  A window that misses the threshold
# (LO passes, HI fails) is widened to the whole range on that side.
bisect() {
	LOW=$2 FOUND=$3
	if passes "$1" "$LOW"; then
		if [ "$LOW" -le $MEMMAX_LO ]; then
			STATUS=below-lo FOUND=$LOW LOW=0
			return
		fi
		bisect "$1" $MEMMAX_LO "$LOW"
		return
	fi
	if ! passes "$1" "$FOUND"; then
		if [ "$FOUND" -ge $MEMMAX_HI ]; then
			STATUS=above-hi LOW=$FOUND
			return
		fi
		bisect "$1" "$FOUND" $MEMMAX_HI
		return
	fi
	while [ $((FOUND - LOW)) -gt $MEMMAX_STEP ]; do
		_mid=$(((LOW + FOUND) / 2 / MEMMAX_STEP * MEMMAX_STEP))
		if passes "$1" "$_mid"; then FOUND=$_mid; else LOW=$_mid; fi
	done
	STATUS=found
}

# peak RT: one run at MEMMAX_HI under a fresh parent, of `cat memory.current` instead
# of `echo ok`: the parent's memory.peak is the most the container's cgroup ever held,
# and memory.current as the process reads it is what is still charged once the
# runtime has exec'd it.
peak() {
	mkparent "$PARENT/peak-$1"
	TEMPLATE=$W/template-cur.json
	run_once "$1" "$MEMMAX_HI" "$PARENT/peak-$1"
	TEMPLATE=$W/template.json
	_cur=$(cat "$W/out")
	_pk=$(cat "$CG/$PARENT/peak-$1/memory.peak" 2>/dev/null)
	echo "# memmax-peak rt=$1 kib=$((${_pk:-0} / 1024)) current=$((${_cur:-0} / 1024))"
}

mkdir -p "$W" "$STATE"
if ! make_template; then
	not_ok "runc spec + jq make the config template (are runc and jq in VM_EXTRA_BINS?)"
	tap_end
fi
echo "# memmax-guest kernel $(uname -r), $(nproc) vCPU(s), $(awk '/MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo), cgroup2 controllers: $(cat "$CG/cgroup.controllers")"
ok "config template: runc spec, ociVersion 1.0.2, echo ok, memory.limit = swap"
diag "template: $(jq -c '{ociVersion, args: .process.args, ns: [.linux.namespaces[].type], res: .linux.resources}' "$W/template.json")"
mkparent "$PARENT"
RUNTIMES=
for rt in jaula crun runc; do
	if have_rt "$rt"; then
		RUNTIMES="$RUNTIMES $rt"
		mkparent "$PARENT/$rt"
	else
		skip "$rt: bisection of memory.max" "no $rt in the guest"
	fi
done
# Round 1 bisects the whole range; later rounds (interleaved, so a drift of the
# machine hits every runtime alike) bisect from half to twice round 1's number.
round=0
while [ $round -lt $MEMMAX_ROUNDS ]; do
	round=$((round + 1))
	for rt in $RUNTIMES; do
		: >"$W/$rt.fails"
		t0=$(uptime_ms)
		n0=$N
		if [ $round = 1 ]; then
			bisect "$rt" $MEMMAX_LO $MEMMAX_HI
			eval "FIRST_$rt=\$FOUND"
		else
			f1=
			eval "f1=\$FIRST_$rt"
			lo=$((f1 / 2 / MEMMAX_STEP * MEMMAX_STEP))
			hi=$((f1 * 2))
			[ $lo -lt $MEMMAX_LO ] && lo=$MEMMAX_LO
			[ $hi -gt $MEMMAX_HI ] && hi=$MEMMAX_HI
			bisect "$rt" $lo $hi
		fi
		secs=$((($(uptime_ms) - t0) / 1000))
		echo "# memmax rt=$rt round=$round kib=$FOUND lo=$LOW status=$STATUS runs=$((N - n0)) secs=$secs"
		check "$rt, round $round: smallest memory.max for 'echo ok' = $FOUND KiB ($STATUS, $((N - n0)) runs, ${secs}s)" \
			[ "$STATUS" = found ]
		# Why it fails: just below the number, and (round 1) at the bottom of the range.
		for k in $LOW $MEMMAX_LO; do
			f=$(grep "^$k " "$W/$rt.fails" | tail -n 1)
			[ -n "$f" ] && echo "# memmax-fail rt=$rt round=$round kib=$f"
		done
		[ $round = 1 ] && peak "$rt"
	done
done
tap_end
