#!/usr/bin/env bats
# exec: a new process in a running container, every flag observed inside.

load lib/helpers

start_sleeper() {
	set_args sleep 1000
	run_detached
	wait_status "$ID" running
}

@test "exec runs in the container and propagates the exit status" {
	start_sleeper
	run jaula exec "$ID" sh -c 'hostname; exit 5'
	[ "$status" -eq 5 ]
	[ "$output" = jaula-test ]
	run jaula exec "$ID" sh -c 'kill -9 $$'
	[ "$status" -eq 137 ]
}

@test "exec joins every namespace and the cgroup of the init" {
	start_sleeper
	run jaula exec "$ID" sh -c 'for n in pid net ipc uts mnt cgroup user; do [ "$(readlink /proc/self/ns/$n)" = "$(readlink /proc/1/ns/$n)" ] || echo "differs: $n"; done; grep ^0:: /proc/self/cgroup; grep ^0:: /proc/1/cgroup'
	[ "$status" -eq 0 ]
	[[ "$output" != *differs* ]]
	[ "${lines[0]}" = "${lines[1]}" ]
	# on the host: the exec'd process sits in the container's cgroup
	jaula exec -d --pid-file "$BATS_TEST_TMPDIR/p" "$ID" sleep 100 </dev/null >/dev/null 2>&1
	grep -qx "$(cat "$BATS_TEST_TMPDIR/p")" "/sys/fs/cgroup/jaula/$ID/cgroup.procs"
}

@test "exec -u, --additional-gids, --cwd, -e" {
	start_sleeper
	run jaula exec -u 1000:1001 --additional-gids 2000 --additional-gids 2001 --cwd /tmp \
		-e FOO=bar -e EMPTY= "$ID" sh -c 'id -u; id -g; grep Groups /proc/self/status; pwd; echo "$FOO"; env | grep -c ^EMPTY=$'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1001 ]
	[[ "${lines[2]}" == *2000*2001* ]]
	[ "${lines[3]}" = /tmp ]
	[ "${lines[4]}" = bar ]
	[ "${lines[5]}" = 1 ]
	run jaula exec -u nobody "$ID" true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--user"* ]]
}

@test "exec --cap adds a capability, --no-new-privs sets no_new_privs" {
	cfg '.process.noNewPrivileges = false'
	start_sleeper
	run jaula exec "$ID" grep -E '^(CapEff|NoNewPrivs)' /proc/self/status
	[[ "$output" == *"CapEff:	0000000020000420"* ]]
	[[ "$output" == *"NoNewPrivs:	0"* ]]
	run jaula exec --cap CAP_SYS_ADMIN --no-new-privs "$ID" grep -E '^(CapEff|NoNewPrivs)' /proc/self/status
	[[ "$output" == *"CapEff:	0000000020200420"* ]]
	[[ "$output" == *"NoNewPrivs:	1"* ]]
	run jaula exec --cap CAP_TEST "$ID" true
	[ "$status" -ne 0 ]
	[[ "$output" == *"unknown capability \"CAP_TEST\""* ]]
}

@test "exec --process FILE takes the whole process object" {
	start_sleeper
	cat >"$BATS_TEST_TMPDIR/process.json" <<'JSON'
{"terminal": false, "user": {"uid": 1234, "gid": 5678}, "args": ["sh", "-c", "echo $X; pwd; id -u; id -g"],
 "env": ["X=from-file", "PATH=/bin"], "cwd": "/dev", "noNewPrivileges": true}
JSON
	run jaula exec --process "$BATS_TEST_TMPDIR/process.json" "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'from-file\n/dev\n1234\n5678')" ]
	echo '{"args": [1]}' >"$BATS_TEST_TMPDIR/bad.json"
	run jaula exec -p "$BATS_TEST_TMPDIR/bad.json" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"bad.json: args[0]: expected string"* ]]
}

@test "exec -d --pid-file returns at once with the process running" {
	start_sleeper
	# the process lets go of run's output pipe, which run reads to its end
	run jaula exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$ID" sh -c 'exec sleep 100 >/dev/null 2>&1' </dev/null
	[ "$status" -eq 0 ]
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	kill -0 "$pid"
	[ "$(cat /proc/$pid/comm)" = sleep ] || [ "$(cat /proc/$pid/comm)" = sh ]
}

@test "exec -t gives the process a terminal" {
	start_sleeper
	command -v script || skip "util-linux script(1) is needed for a pty"
	run script -qec "$JAULA --root $STATE exec -t $ID sh -c 'tty; test -t 0 && echo TTY-OK'" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"/dev/pts/"* ]]
	[[ "$output" == *TTY-OK* ]]
}

@test "exec with --console-socket sends the pty master" {
	[ -x "$HELPERS/console_recv" ] || skip "console_recv helper not built"
	start_sleeper
	sock="$BATS_TEST_TMPDIR/console.sock"
	"$HELPERS/console_recv" "$sock" "$BATS_TEST_TMPDIR/console.out" &
	recv=$!
	for i in $(seq 100); do [ -e "$sock.ready" ] && break; sleep 0.02; done
	run jaula exec -t -d --console-socket "$sock" "$ID" sh -c 'tty; echo VIA-SOCKET' </dev/null
	[ "$status" -eq 0 ]
	wait "$recv"
	grep -q VIA-SOCKET "$BATS_TEST_TMPDIR/console.out"
	grep -q /dev/pts/ "$BATS_TEST_TMPDIR/console.out"
}

@test "exec leaks no fd of the runtime or of the caller" {
	start_sleeper
	run jaula exec "$ID" ls /proc/self/fd 5</dev/null 7</dev/null
	[ "$status" -eq 0 ]
	# 0 1 2 and the one ls opens for the directory itself
	[ "$(echo "$output" | tr '\n' ' ')" = "0 1 2 3 " ]
	run jaula exec --preserve-fds 1 "$ID" sh -c 'echo to-fd-3 >&3' 3>"$BATS_TEST_TMPDIR/fd3"
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/fd3")" = to-fd-3 ]
}

@test "exec resets the signals its caller ignored or blocked" {
	start_sleeper
	run "$HELPERS/sigdisp" -i 2 -i 3 -i 32 -i 33 -b 10 -b 33 -- \
		"$JAULA" --root "$STATE" exec "$ID" grep -E '^Sig(Ign|Blk):' /proc/self/status
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"SigBlk:	0000000000000000"* ]]
	[[ "$output" == *"SigIgn:	0000000000000000"* ]]
}

@test "exec into a paused container is refused unless --ignore-paused" {
	start_sleeper
	jaula pause "$ID"
	run jaula exec "$ID" true
	[ "$status" -ne 0 ]
	[[ "$output" == *paused* ]]
	jaula exec -d --ignore-paused --pid-file "$BATS_TEST_TMPDIR/p" "$ID" true </dev/null
	jaula resume "$ID"
}

@test "exec into a stopped or missing container fails clearly" {
	set_args true
	run_detached
	wait_status "$ID" stopped
	run jaula exec "$ID" true
	[ "$status" -ne 0 ]
	[[ "$output" == *"container not running"* ]]
	run jaula exec nosuchcontainer true
	[[ "$output" == *"does not exist"* ]]
	run jaula exec "$ID"
	[ "$status" -ne 0 ]
}

@test "exec keeps the container's seccomp filter" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
	start_sleeper
	run jaula exec "$ID" sh -c 'grep ^Seccomp: /proc/self/status; mkdir /tmp/x'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Seccomp:	2"* ]]
	[[ "$output" == *"Permission denied"* ]]
}

@test "a joining process stays non-dumpable until its execve" {
	start_sleeper
	jaula pause "$ID"
	# --ignore-paused: the process is held, frozen, just before its execve
	jaula exec -d --ignore-paused -u 1000:1000 --pid-file "$BATS_TEST_TMPDIR/p" "$ID" sleep 100 </dev/null
	pid=$(cat "$BATS_TEST_TMPDIR/p")
	grep -q '^Uid:.*1000' /proc/$pid/status
	# non-dumpable: its /proc files stay root's although it runs as 1000
	[ "$(stat -c %u /proc/$pid/fd)" = 0 ]
	jaula resume "$ID"
	for i in $(seq 100); do [ "$(cat /proc/$pid/comm)" = sleep ] && break; sleep 0.02; done
	[ "$(cat /proc/$pid/comm)" = sleep ]
	# after execve the kernel makes it dumpable again: its files are its own
	[ "$(stat -c %u /proc/$pid/fd)" = 1000 ]
}
