#!/usr/bin/env bats
# The OCI lifecycle as seen from the host: create/start/state/kill/delete/list,
# run's exit status, error wording clients match on, and cleanup.

load lib/helpers

@test "run prints from inside the container and exits 0" {
	run_ctr echo hello-from-inside
	[ "$status" -eq 0 ]
	[ "$output" = "hello-from-inside" ]
	assert_gone "$ID"
}

@test "run propagates the exit status" {
	sh_ctr 'exit 3'
	[ "$status" -eq 3 ]
	assert_gone "$ID"
}

@test "run reports death by signal as 128+N" {
	# pid 1 of a pid namespace ignores signals from inside: kill it from the host
	set_args sleep 100
	jaula run -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 &
	runner=$!
	wait_status "$ID" running
	jaula kill "$ID" KILL
	rc=0
	wait "$runner" || rc=$?
	[ "$rc" -eq 137 ]
	assert_gone "$ID"
}

@test "create leaves init waiting; start runs it; kill stops it; delete removes all" {
	set_args sleep 100
	run create_ctr --pid-file "$BATS_TEST_TMPDIR/pid"
	[ "$status" -eq 0 ]
	[ "$(ctr_status "$ID")" = created ]
	pid=$(ctr_pid "$ID")
	[ "$pid" = "$(cat "$BATS_TEST_TMPDIR/pid")" ]
	# init waits: it has not exec'd sleep yet
	[ "$(cat /proc/$pid/comm)" != sleep ]
	[ -d "/sys/fs/cgroup/jaula/$ID" ]
	grep -qx "$pid" "/sys/fs/cgroup/jaula/$ID/cgroup.procs"
	run jaula start "$ID"
	[ "$status" -eq 0 ]
	[ "$(ctr_status "$ID")" = running ]
	[ "$(cat /proc/$pid/comm)" = sleep ]
	run jaula kill "$ID" KILL
	[ "$status" -eq 0 ]
	wait_status "$ID" stopped
	run jaula delete "$ID"
	[ "$status" -eq 0 ]
	assert_gone "$ID"
}

@test "state JSON has the OCI fields" {
	set_args sleep 100
	cfg '.annotations = {"org.example.key": "value"}'
	create_ctr
	run jaula state "$ID"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.ociVersion and .id and .status and .pid and .bundle and .rootfs and .created and (.owner != null)'
	[ "$(echo "$output" | jq -r .id)" = "$ID" ]
	[ "$(echo "$output" | jq -r .bundle)" = "$BUNDLE" ]
	[ "$(echo "$output" | jq -r .rootfs)" = "$ROOTFS" ]
	[ "$(echo "$output" | jq -r '.annotations["org.example.key"]')" = value ]
	jaula delete -f "$ID"
}

@test "starting twice fails and leaves the container running" {
	set_args sleep 100
	create_ctr
	jaula start "$ID"
	run jaula start "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"already running"* ]]
	[ "$(ctr_status "$ID")" = running ]
}

@test "delete of a running container fails without -f and leaves it untouched" {
	set_args sleep 100
	run_detached
	pid=$(ctr_pid "$ID")
	run jaula delete "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not stopped"* ]]
	[ "$(ctr_status "$ID")" = running ]
	kill -0 "$pid"
	run jaula delete -f "$ID"
	[ "$status" -eq 0 ]
	! kill -0 "$pid" 2>/dev/null
	assert_gone "$ID"
}

@test "delete of a created container kills its waiting init" {
	set_args sleep 100
	create_ctr
	pid=$(ctr_pid "$ID")
	run jaula delete "$ID"
	[ "$status" -eq 0 ]
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' /proc/$pid/stat)" = Z ]
	assert_gone "$ID"
}

@test "errors name a missing container the way podman matches them" {
	run jaula state nosuchcontainer
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	run jaula kill nosuchcontainer
	[[ "$output" == *"does not exist"* ]]
	run jaula delete nosuchcontainer
	[[ "$output" == *"does not exist"* ]]
	run jaula start nosuchcontainer
	[[ "$output" == *"does not exist"* ]]
}

@test "kill of a stopped container says container not running" {
	set_args true
	run_detached
	wait_status "$ID" stopped
	run jaula kill "$ID" TERM
	[ "$status" -ne 0 ]
	[[ "$output" == *"container not running"* ]]
}

@test "kill takes signal names with and without SIG, and numbers" {
	sh_script='trap "echo got-usr1 >>/tmp/sig" USR1; trap "echo got-hup >>/tmp/sig" HUP; trap "echo got-term >>/tmp/sig; exit 0" TERM; echo ready >/tmp/sig; while :; do sleep 0.05; done'
	cfg '.mounts += [{"destination":"/tmp","type":"bind","source":$d,"options":["rbind"]}]' \
		--arg d "$BATS_TEST_TMPDIR"
	set_args sh -c "$sh_script"
	run_detached
	for i in $(seq 100); do grep -q ready "$BATS_TEST_TMPDIR/sig" 2>/dev/null && break; sleep 0.05; done
	jaula kill "$ID" USR1
	jaula kill "$ID" SIGHUP
	sleep 0.3
	jaula kill "$ID" 15
	wait_status "$ID" stopped
	grep -q got-usr1 "$BATS_TEST_TMPDIR/sig"
	grep -q got-hup "$BATS_TEST_TMPDIR/sig"
	grep -q got-term "$BATS_TEST_TMPDIR/sig"
	run jaula kill "$ID" NOSUCHSIG
	[ "$status" -ne 0 ]
	[[ "$output" == *"unknown signal"* ]]
}

@test "kill with no signal sends TERM" {
	set_args sh -c 'trap "exit 0" TERM; while :; do sleep 0.05; done' 
	run_detached
	jaula kill "$ID"
	wait_status "$ID" stopped
}

@test "kill -a reaches every process of the container" {
	cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
	set_args sh -c 'sleep 100 & sleep 100 & exec sleep 100'
	run_detached
	for i in $(seq 50); do [ "$(wc -l <"/sys/fs/cgroup/jaula/$ID/cgroup.procs")" -ge 3 ] && break; sleep 0.05; done
	[ "$(wc -l <"/sys/fs/cgroup/jaula/$ID/cgroup.procs")" -ge 3 ]
	run jaula kill -a "$ID" KILL
	[ "$status" -eq 0 ]
	for i in $(seq 100); do [ -z "$(cat "/sys/fs/cgroup/jaula/$ID/cgroup.procs")" ] && break; sleep 0.05; done
	[ -z "$(cat "/sys/fs/cgroup/jaula/$ID/cgroup.procs")" ]
}

@test "list shows containers as a table, as JSON and quietly" {
	set_args sleep 100
	create_ctr
	run jaula list
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == ID*PID*STATUS*BUNDLE*CREATED*OWNER ]]
	[[ "${lines[1]}" == "$ID"*created*"$BUNDLE"* ]]
	run jaula list --format json
	[ "$(echo "$output" | jq -r '.[0].id')" = "$ID" ]
	[ "$(echo "$output" | jq -r '.[0].status')" = created ]
	run jaula list -f=json
	[ "$(echo "$output" | jq length)" -eq 1 ]
	run jaula list -q
	[ "$output" = "$ID" ]
}

@test "run -d returns at once with the container running; --keep keeps it" {
	set_args sleep 100
	run run_detached
	[ "$status" -eq 0 ]
	[ "$(ctr_status "$ID")" = running ]
	jaula delete -f "$ID"
	set_args true
	run jaula run --keep -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[ "$(ctr_status "$ID")" = stopped ]
	jaula delete "$ID"
	assert_gone "$ID"
}

@test "a taken id is refused and the first container is untouched" {
	set_args sleep 100
	create_ctr
	pid=$(ctr_pid "$ID")
	run create_ctr
	[ "$status" -ne 0 ]
	[[ "$output" == *"already exists"* ]]
	[ "$(ctr_pid "$ID")" = "$pid" ]
	[ "$(ctr_status "$ID")" = created ]
}

@test "invalid ids are refused" {
	for bad in "../x" "a/b" "" ".." "with space"; do
		run jaula create -b "$BUNDLE" "$bad"
		[ "$status" -ne 0 ]
	done
	[ ! -e "$STATE/x" ]
}

@test "a malformed config fails with its JSON path and leaves nothing" {
	cfg '.process.args = ["sh", 5]'
	run jaula create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"config.json: process.args[1]: expected string"* ]]
	assert_gone "$ID"
	cfg '.ociVersion = "2.0.0"'
	run jaula create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"ociVersion"* ]]
	assert_gone "$ID"
}

@test "a failure inside the init is reported and nothing is left" {
	set_args /no/such/binary
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"/no/such/binary"* ]]
	assert_gone "$ID"
	cfg '.mounts += [{"destination":"/mnt","type":"bind","source":"/no/such/dir"}]'
	run jaula create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"mounts[7]"* ]]
	assert_gone "$ID"
}

@test "unknown options and commands are errors" {
	run jaula create --no-such-flag -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"unknown option"*"--no-such-flag"* ]]
	run jaula frobnicate
	[ "$status" -ne 0 ]
	[[ "$output" == *"unknown command"* ]]
	run "$JAULA" --no-such-global list
	[ "$status" -ne 0 ]
	assert_gone "$ID"
}

@test "--flag value and --flag=value both work" {
	set_args true
	run jaula run --bundle="$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	run "$JAULA" --root="$STATE" run --bundle "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
}

@test "--log-format json writes one JSON object per line, errors included" {
	log="$BATS_TEST_TMPDIR/log.json"
	run "$JAULA" --root "$STATE" --log "$log" --log-format json state nosuchcontainer
	[ "$status" -ne 0 ]
	[ -s "$log" ]
	jq -e 'select(.level == "error") | .msg | test("does not exist")' "$log"
	jq -e '.time' "$log"
	run "$JAULA" --root "$STATE" --log-format yaml list
	[ "$status" -ne 0 ]
}

@test "--help works for every command" {
	for c in create start run state kill delete list; do
		run jaula "$c" --help
		[ "$status" -eq 0 ]
		[[ "$output" == Usage:*"$c"* ]]
	done
	run "$JAULA" --version
	[[ "$output" == *"jaula version"* ]]
}

@test "the runtime binary cannot be written through /proc/PID/exe (CVE-2019-5736)" {
	# a private copy: other suites running the same binary would make the
	# reopen fail with ETXTBSY whatever the protection
	cp "$JAULA" "$BATS_TEST_TMPDIR/jaula"
	set_args sleep 100
	"$BATS_TEST_TMPDIR/jaula" --root "$STATE" create -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	pid=$(ctr_pid "$ID")
	# hold the init's exe while it is still the runtime, then let it exec
	exec 7</proc/$pid/exe
	jaula start "$ID"
	[ "$(cat /proc/$pid/comm)" = sleep ]
	run python3 -c 'import os
try:
    os.open("/proc/self/fd/7", os.O_WRONLY); print("WRITABLE")
except OSError as e:
    print(e.strerror)'
	exec 7<&-
	echo "$output"
	[[ "$output" == "Read-only file system" || "$output" == "Operation not permitted" ]]
}

@test "50 containers created and started in parallel all succeed and are deleted" {
	set_args sleep 100
	for i in $(seq 50); do
		CTR_ID="$ID-$i" create_ctr >/dev/null &
	done
	wait
	for i in $(seq 50); do jaula start "$ID-$i" & done
	wait
	run jaula list --format json
	[ "$(echo "$output" | jq '[.[] | select(.status == "running")] | length')" -eq 50 ]
	for i in $(seq 50); do jaula delete -f "$ID-$i" & done
	wait
	run jaula list -q
	[ -z "$output" ]
	for i in $(seq 50); do assert_gone "$ID-$i"; done
}
