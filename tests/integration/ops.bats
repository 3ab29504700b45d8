#!/usr/bin/env bats
# ps, pause/resume, update, events, features, spec, checkpoint/restore.

load lib/helpers

@test "ps lists the container's processes (json: host pids)" {
	set_args sh -c 'sleep 1000 & exec sleep 1001'
	run_detached
	wait_status "$ID" running
	init=$(ctr_pid "$ID")
	for i in $(seq 50); do [ "$(jaula ps -f json "$ID" | jq length)" -ge 2 ] && break; sleep 0.05; done
	run jaula ps --format json "$ID"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e --argjson p "$init" 'index($p) != null'
	[ "$(echo "$output" | jq length)" -eq 2 ]
	run jaula ps "$ID"
	[[ "${lines[0]}" == PID* ]]
	[[ "$output" == *"sleep 1001"* ]]
}

@test "pause freezes every process, resume thaws them" {
	cfg '.mounts += [{"destination":"/out","type":"bind","source":$d,"options":["rbind"]}]' \
		--arg d "$BATS_TEST_TMPDIR"
	set_args sh -c 'i=0; while :; do i=$((i+1)); echo $i >/out/count; sleep 0.02; done'
	run_detached
	wait_status "$ID" running
	sleep 0.3
	run jaula pause "$ID"
	[ "$status" -eq 0 ]
	[ "$(ctr_status "$ID")" = paused ]
	grep -q '^frozen 1' "/sys/fs/cgroup/jaula/$ID/cgroup.events"
	a=$(cat "$BATS_TEST_TMPDIR/count")
	sleep 0.3
	[ "$(cat "$BATS_TEST_TMPDIR/count")" = "$a" ]
	run jaula pause "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"already paused"* ]]
	run jaula resume "$ID"
	[ "$status" -eq 0 ]
	[ "$(ctr_status "$ID")" = running ]
	sleep 0.3
	[ "$(cat "$BATS_TEST_TMPDIR/count")" -gt "$a" ]
	run jaula resume "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not paused"* ]]
}

@test "a paused container can be killed and force-deleted" {
	cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
	set_args sh -c 'sleep 1000 & sleep 1000 & exec sleep 1000'
	run_detached
	wait_status "$ID" running
	jaula pause "$ID"
	run jaula kill -a "$ID" KILL
	[ "$status" -eq 0 ]
	for i in $(seq 100); do [ -z "$(cat "/sys/fs/cgroup/jaula/$ID/cgroup.procs")" ] && break; sleep 0.05; done
	[ -z "$(cat "/sys/fs/cgroup/jaula/$ID/cgroup.procs")" ]
	jaula delete -f "$ID"
	assert_gone "$ID"
	# and delete -f straight from paused
	set_args sh -c 'sleep 1000 & exec sleep 1000'
	run_detached
	wait_status "$ID" running
	jaula pause "$ID"
	run jaula delete -f "$ID"
	[ "$status" -eq 0 ]
	assert_gone "$ID"
}

@test "pause and resume of a stopped or missing container fail" {
	set_args true
	run_detached
	wait_status "$ID" stopped
	run jaula pause "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"container not running"* ]]
	run jaula resume nosuchcontainer
	[[ "$output" == *"does not exist"* ]]
}

@test "update applies limits live (hugetlb, the controller this host has)" {
	[ -e /sys/fs/cgroup/cgroup.controllers ] && grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers || skip "no hugetlb controller"
	# the kernel names hugetlb files by KB/MB/GB: 2048kB -> 2MB, 1048576kB -> 1GB
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2 MB huge pages"
	page=2MB
	set_args sleep 1000
	run_detached
	wait_status "$ID" running
	echo "{\"hugepageLimits\": [{\"pageSize\": \"$page\", \"limit\": 4194304}]}" >"$BATS_TEST_TMPDIR/res.json"
	run jaula update --resources "$BATS_TEST_TMPDIR/res.json" "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "/sys/fs/cgroup/jaula/$ID/hugetlb.$page.max")" = 4194304 ]
	echo "{\"hugepageLimits\": [{\"pageSize\": \"$page\", \"limit\": 2097152}]}" | jaula update -r - "$ID"
	[ "$(cat "/sys/fs/cgroup/jaula/$ID/hugetlb.$page.max")" = 2097152 ]
}

@test "update refuses what the host cannot enforce and bad values, naming them" {
	set_args sleep 1000
	run_detached
	wait_status "$ID" running
	if ! grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
		run jaula update --memory 64m "$ID"
		[ "$status" -ne 0 ]
		[[ "$output" == *'"memory"'* ]]
	fi
	run jaula update --memory 12q "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--memory"* ]]
	run jaula update --pids-limit abc "$ID"
	[[ "$output" == *"--pids-limit"* ]]
	echo '{"pids": {"limit": "x"}}' >"$BATS_TEST_TMPDIR/bad.json"
	run jaula update -r "$BATS_TEST_TMPDIR/bad.json" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"pids.limit"* ]]
	run jaula update --memory 64m nosuchcontainer
	[[ "$output" == *"does not exist"* ]]
}

@test "events --stats prints one runc-shaped stats object; the stream ends with the container" {
	set_args sleep 1000
	run_detached
	wait_status "$ID" running
	run jaula events --stats "$ID"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e --arg id "$ID" '.type == "stats" and .id == $id and (.data.cpu.usage | has("kernel")) and (.data.memory | has("usage"))'
	timeout 10 "$JAULA" --root "$STATE" events --interval 100ms "$ID" >"$BATS_TEST_TMPDIR/ev" &
	ev=$!
	sleep 0.5
	jaula kill "$ID" KILL
	wait "$ev"
	[ "$(grep -c '"type":"stats"' "$BATS_TEST_TMPDIR/ev")" -ge 2 ]
	run jaula events --interval nonsense "$ID"
	[ "$status" -ne 0 ]
}

@test "features describes this build" {
	run jaula features
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.ociVersionMin == "1.0.0" and .ociVersionMax == "1.3.0"'
	echo "$output" | jq -e '.hooks | length == 6'
	echo "$output" | jq -e '.mountOptions | index("rro") != null and index("rbind") != null'
	echo "$output" | jq -e '.linux.namespaces | sort == ["cgroup","ipc","mount","network","pid","time","user","uts"]'
	echo "$output" | jq -e '.linux.capabilities | index("CAP_SYS_ADMIN") != null'
	echo "$output" | jq -e '.linux.cgroup.v2 == true and .linux.cgroup.v1 == false'
	echo "$output" | jq -e '.linux.seccomp.enabled and (.linux.seccomp.actions | index("SCMP_ACT_NOTIFY") != null) and (.linux.seccomp.operators | index("SCMP_CMP_MASKED_EQ") != null)'
}

@test "spec writes a config that run accepts unchanged, and never overwrites" {
	dir="$BATS_TEST_TMPDIR/specbundle"
	mkdir -p "$dir"
	cp -a "$ROOTFS" "$dir/rootfs"
	run jaula spec -b "$dir"
	[ "$status" -eq 0 ]
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$dir/config.json"
	run jaula spec -b "$dir"
	[ "$status" -ne 0 ]
	[[ "$output" == *exists* ]]
	# terminal: true, args: sh -- run relays the pty; feed the shell a script
	run bash -c "printf 'echo spec-ok; exit 3\n' | '$JAULA' --root '$STATE' run -b '$dir' '$ID'"
	[ "$status" -eq 3 ]
	[[ "$output" == *spec-ok* ]]
	assert_gone "$ID"
	run jaula spec --rootless -b "$BATS_TEST_TMPDIR"
	[ "$status" -eq 0 ]
	jq -e '.linux.namespaces | map(.type) | index("user") != null' "$BATS_TEST_TMPDIR/config.json"
	jq -e '.linux.uidMappings[0].containerID == 0' "$BATS_TEST_TMPDIR/config.json"
}

@test "checkpoint and restore say not supported" {
	run jaula checkpoint "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not supported"* ]]
	run jaula restore "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not supported"* ]]
}
