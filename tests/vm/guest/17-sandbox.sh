#!/bin/sh
# jaula sandbox where cgroup v2 has the memory and pids controllers (the hosts
# do not: there tests/integration/sandbox.bats proves the rlimit-and-watchdog
# fallback).  Here the sandbox's cgroup holds memory.max and pids.max, the
# fallback's notice is not printed, the verdict names the limit, and the
# sandbox's cgroup is gone afterwards.  The guest's /bin is busybox's;
# src/sandbox_hostile.c is tests/helpers/sandbox_hostile.c (a link).
# shellcheck source-path=SCRIPTDIR disable=SC1090 # /vm/tap.sh is tests/vm/tap.sh
. "$VM_TAP"

need_jaula "sandbox: cgroup limits" "sandbox: memory verdict" "sandbox: pids verdict" \
	"sandbox: no cgroup left" || exit 0
OUT=/tmp/sbx.out
ERR=/tmp/sbx.err

# sbx FLAGS... -- CMD: run, keeping stdout, stderr and the status.
sbx() {
	"$JAULA" sandbox "$@" >"$OUT" 2>"$ERR"
	SBX_STATUS=$?
	diag "sandbox $*: status $SBX_STATUS, stderr: $(tr '\n' ' ' <"$ERR")"
}

# The limits are in the sandbox's cgroup (/jaula/sandbox-<its directory's
# random suffix>: the only one while it runs).
cgroup_limits() {
	"$JAULA" sandbox --memory 48M --pids 20 -- /bin/sleep 3 >"$OUT" 2>"$ERR" &
	_p=$!
	_cg=
	_i=0
	while [ ! -e "$_cg/pids.max" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
		_cg=$(ls -d /sys/fs/cgroup/jaula/sandbox-* 2>/dev/null | head -n 1)
	done
	_mem=$(cat "$_cg/memory.max" 2>/dev/null)
	_pids=$(cat "$_cg/pids.max" 2>/dev/null)
	wait "$_p"
	_st=$?
	diag "memory.max $_mem pids.max $_pids status $_st stderr: $(tr '\n' ' ' <"$ERR")"
	[ "$_st" -eq 0 ] && [ "$_mem" = 50331648 ] && [ "$_pids" = 20 ] &&
		! grep -q "enforced with rlimits" "$ERR"
}

memory_verdict() {
	# a shell variable of 64M: resident, over the 32M limit
	sbx --memory 32M -- /bin/sh -c 'x=$(head -c 67108864 /dev/zero | tr "\0" a); echo ${#x}'
	[ "$SBX_STATUS" -eq 137 ] && grep -q "^jaula: killed: memory limit 32M exceeded" "$ERR"
}

# (the shell's own fork loop would end at its first refused fork)
pids_verdict() {
	sbx --pids 16 --timeout 20 --ro-bind /vm/bin:/h -- /h/sandbox_hostile forkbomb
	[ "$SBX_STATUS" -eq 137 ] && grep -q "^jaula: killed: pid limit 16 reached" "$ERR"
}

no_cgroup_left() {
	! ls -d /sys/fs/cgroup/jaula/sandbox-* 2>/dev/null
}

check "sandbox: cgroup v2 limits, no fallback notice" cgroup_limits
check "sandbox: memory verdict (memory.max and the watchdog)" memory_verdict
check "sandbox: pids verdict (pids.max and the watchdog)" pids_verdict
check "sandbox: no cgroup left" no_cgroup_left
tap_end
