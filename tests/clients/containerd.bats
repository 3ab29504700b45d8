#!/usr/bin/env bats
# containerd 1.6 with the runc shim v2 (io.containerd.runc.v2) running jaula
# through `ctr run --runc-binary` (the BinaryName runtime option).

load lib/helpers
load lib/containerd

setup_file() {
	require containerd ctr containerd-shim-runc-v2 || return 0
	containerd_start "$CLIENTS_WORK/containerd" || return 1
	c images import "$CLIENTS_IMAGE/image.oci.tar" >/dev/null
}

teardown_file() {
	grep -E "level=(error|warning)" "$CTD/containerd.log" >"$CLIENTS_WORK/containerd-errors.log"
	containerd_stop
}

setup() {
	skip_if_missing
	ID=c-$BATS_TEST_NUMBER-$RANDOM
}

# Whatever a failed test left: its task and container.
teardown() {
	c task kill -s KILL "$ID" >/dev/null 2>&1
	c task delete -f "$ID" >/dev/null 2>&1
	c containers rm "$ID" >/dev/null 2>&1
	true
}

# ctr in namespace "clients".  Every ctr run also passes --cpu-shares 0:
# ctr's default (1024) asks for the cpu controller, which this host's
# cgroup2 lacks; runc refuses it the same way.
c() {
	bounded ctr -a "$CTD/containerd.sock" -n clients "$@"
}
RUN_OPTS=(--cpu-shares 0)

crun_() {
	c run "${RUN_OPTS[@]}" --runc-binary "$CLIENTS_RUNTIME" "$@"
}

# ctr under a pty of its own.
c_tty() {
	bounded script -qec "ctr -a $CTD/containerd.sock -n clients $*" /dev/null
}

task_pid() {
	c task ls | awk -v id="$1" '$1 == id {print $2}'
}

task_status() {
	c task ls | awk -v id="$1" '$1 == id {print $3}'
}

wait_task_status() {
	local i
	for i in $(seq 50); do
		[ "$(task_status "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	echo "task $1 is $(task_status "$1"), not $2"
	return 1
}

@test "containerd: images import of the locally built OCI archive" {
	run c images ls -q
	[[ "$output" == *"$IMAGE"* ]]
	run c plugins ls
	[[ "$output" == *"io.containerd.runtime.v2"*"task"*"ok"* ]]
}

@test "containerd: run --rm echo goes through the shim's jaula calls" {
	local mark
	mark=$(calls_mark)
	run crun_ --rm "$IMAGE" "$ID" echo hello from jaula
	[ "$status" -eq 0 ]
	[ "$output" = "hello from jaula" ]
	run calls_since "$mark"
	[[ "$output" == *"containerd-shim	--root "*" --log "*"/log.json --log-format json create --bundle "*" --pid-file "*" $ID"* ]]
	[[ "$output" == *"--log-format json start $ID"* ]]
	[[ "$output" == *"--log-format json delete $ID"* ]]
	[ ! -e "/run/containerd/runc/clients/$ID" ]
	[ ! -e "/sys/fs/cgroup/clients/$ID" ]
}

@test "containerd: exit status reaches ctr" {
	run crun_ --rm "$IMAGE" "$ID" sh -c 'exit 3'
	[ "$status" -eq 3 ]
}

@test "containerd: jaula's error for a missing binary reaches ctr from the --log file" {
	run crun_ --rm "$IMAGE" "$ID" /no/such/binary
	[ "$status" -ne 0 ]
	# the shim quotes the last error record of log.json (jaula's stderr
	# would carry a "jaula: " prefix)
	[[ "$output" == *'OCI runtime create failed: exec: "/no/such/binary": No such file or directory'* ]]
	run c containers ls -q
	[[ "$output" != *"$ID"* ]]
}

@test "containerd: run -t gives the container a pty through --console-socket" {
	local mark
	mark=$(calls_mark)
	run c_tty run --rm -t "${RUN_OPTS[@]}" --runc-binary "$CLIENTS_RUNTIME" "$IMAGE" "$ID" \
		sh -c "'tty; [ -t 0 ] && echo stdin-tty; exit 6'"
	[ "$status" -eq 6 ]
	[[ "$output" == *"/dev/pts/0"* ]]
	[[ "$output" == *stdin-tty* ]]
	run calls_since "$mark"
	[[ "$output" == *" create --bundle "*" --console-socket "*" $ID"* ]]
}

@test "containerd: run -d, task ls, and the init is the shim's child" {
	crun_ -d "$IMAGE" "$ID" sleep 1000
	wait_task_status "$ID" RUNNING
	local pid parent
	pid=$(task_pid "$ID")
	parent=$(awk '/^PPid:/ {print $2}' "/proc/$pid/status")
	[ "$(cat "/proc/$parent/comm")" = containerd-shim ]
	run "$JAULA" --root /run/containerd/runc/clients state "$ID"
	[ "$(echo "$output" | jq -r .pid)" = "$pid" ]
	grep -qx "$pid" "/sys/fs/cgroup/clients/$ID/cgroup.procs"
}

@test "containerd: task exec with user, cwd, env and exit status" {
	crun_ -d --env FOO=bar "$IMAGE" "$ID" sleep 1000
	wait_task_status "$ID" RUNNING
	run c task exec --exec-id e1 --user 1000 --cwd /tmp "$ID" sh -c 'id -u; pwd; echo "$FOO"; exit 5'
	[ "$status" -eq 5 ]
	[ "${lines[*]}" = "1000 /tmp bar" ]
	run c task exec --exec-id e2 "$ID" /no/such/binary
	[ "$status" -ne 0 ]
	[[ "$output" == *'OCI runtime exec failed: exec: "/no/such/binary": No such file or directory'* ]]
}

@test "containerd: task exec -t: the process JSON asks for the terminal" {
	crun_ -d "$IMAGE" "$ID" sleep 1000
	wait_task_status "$ID" RUNNING
	local mark
	mark=$(calls_mark)
	run c_tty task exec -t --exec-id e1 "$ID" sh -c "'tty; [ -t 0 ] && echo stdin-tty; exit 7'"
	[ "$status" -eq 7 ]
	[[ "$output" == *"/dev/pts/"* ]]
	[[ "$output" == *stdin-tty* ]]
	run calls_since "$mark"
	[[ "$output" == *" exec --process "*" --console-socket "*" --detach --pid-file "*" $ID"* ]]
	[[ "$output" != *" --tty "* ]]
}

@test "containerd: task exec -d and task ps; exec'd processes are the shim's children" {
	crun_ -d "$IMAGE" "$ID" sleep 1000
	wait_task_status "$ID" RUNNING
	c task exec -d --exec-id bg "$ID" sleep 999
	local mark
	mark=$(calls_mark)
	run c task ps "$ID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ] # header, init, exec
	[[ "$output" == *"ExecID:bg"* ]]
	local pids p parent
	pids=$(cat "/sys/fs/cgroup/clients/$ID/cgroup.procs")
	[ "$(echo "$pids" | wc -l)" -eq 2 ]
	for p in $pids; do
		[[ "$output" == *"$p"* ]]
		parent=$(awk '/^PPid:/ {print $2}' "/proc/$p/status")
		[ "$(cat "/proc/$parent/comm")" = containerd-shim ]
	done
	run calls_since "$mark"
	[[ "$output" == *" ps --format json $ID"* ]]
}

@test "containerd: task pause and resume freeze and thaw the cgroup" {
	crun_ -d "$IMAGE" "$ID" sleep 1000
	wait_task_status "$ID" RUNNING
	c task pause "$ID"
	[ "$(task_status "$ID")" = PAUSED ]
	grep -qx 'frozen 1' "/sys/fs/cgroup/clients/$ID/cgroup.events"
	c task resume "$ID"
	[ "$(task_status "$ID")" = RUNNING ]
	grep -qx 'frozen 0' "/sys/fs/cgroup/clients/$ID/cgroup.events"
}

@test "containerd: task kill sends SIGTERM; the exit status is kept; task delete" {
	crun_ -d "$IMAGE" "$ID" sh -c 'trap "exit 9" TERM; while :; do sleep 0.1; done'
	wait_task_status "$ID" RUNNING
	sleep 0.3
	local mark
	mark=$(calls_mark)
	c task kill "$ID"
	wait_task_status "$ID" STOPPED
	run c task delete "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"exit code 9"* ]]
	run calls_since "$mark"
	[[ "$output" == *" kill $ID 15"* ]]
	[[ "$output" == *" delete $ID"* ]]
	[ ! -e "/run/containerd/runc/clients/$ID" ]
	[ ! -e "/sys/fs/cgroup/clients/$ID" ]
}

@test "containerd: task kill --all reaches exec'd processes too" {
	crun_ -d "$IMAGE" "$ID" sleep 1000
	wait_task_status "$ID" RUNNING
	c task exec -d --exec-id bg "$ID" sleep 999
	local mark pids p
	pids=$(cat "/sys/fs/cgroup/clients/$ID/cgroup.procs")
	mark=$(calls_mark)
	c task kill --all -s KILL "$ID"
	wait_task_status "$ID" STOPPED
	for p in $pids; do
		retry 50 sh -c "! kill -0 $p 2>/dev/null"
	done
	run calls_since "$mark"
	[[ "$output" == *" kill --all $ID 9"* ]]
	run c task delete "$ID"
	[[ "$output" == *"exit code 137"* ]]
}

@test "containerd: --memory-limit is enforced or refused with the controller named" {
	run crun_ --rm --memory-limit 67108864 "$IMAGE" "$ID" cat /sys/fs/cgroup/memory.max
	if grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
		[ "$status" -eq 0 ]
		[ "$output" = 67108864 ]
	else
		[ "$status" -ne 0 ]
		[[ "$output" == *'OCI runtime create failed: cgroup controller "memory" is not available'* ]]
	fi
	[ ! -e "/run/containerd/runc/clients/$ID" ]
}

@test "containerd: --mount read-only bind and --env" {
	local d=$BATS_TEST_TMPDIR/m
	mkdir -p "$d"
	echo from-host >"$d/f"
	run crun_ --rm --env FOO=bar --mount "type=bind,src=$d,dst=/m,options=rbind:ro" "$IMAGE" "$ID" \
		sh -c 'echo "$FOO"; cat /m/f; { echo x > /m/g; } 2>&1'
	[ "$status" -ne 0 ]
	[ "${lines[0]}" = bar ]
	[ "${lines[1]}" = from-host ]
	[[ "$output" == *"/m/g: Read-only file system"* ]]
	[ ! -e "$d/g" ]
}
