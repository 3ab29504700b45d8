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

@test "ps includes the processes of child cgroups (exec --cgroup, the container's own)" {
	cfg '(.mounts[] | select(.destination == "/sys/fs/cgroup") | .options) |= map(if . == "ro" then "rw" else . end)'
	set_args sh -c 'mkdir /sys/fs/cgroup/inner && sh -c "echo \$\$ >/sys/fs/cgroup/inner/cgroup.procs && exec sleep 1002" & exec sleep 1001'
	run_detached
	wait_status "$ID" running
	cg=/sys/fs/cgroup/jaula/$ID
	for i in $(seq 100); do [ -s "$cg/inner/cgroup.procs" ] && break; sleep 0.05; done
	inner=$(cat "$cg/inner/cgroup.procs")
	[ -n "$inner" ]
	jaula exec -d --cgroup sub --pid-file "$BATS_TEST_TMPDIR/p" "$ID" sleep 1003 </dev/null >/dev/null 2>&1
	sub=$(cat "$BATS_TEST_TMPDIR/p")
	grep -qx "$sub" "$cg/sub/cgroup.procs"
	run jaula ps --format json "$ID"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e --argjson a "$(ctr_pid "$ID")" --argjson b "$inner" --argjson c "$sub" \
		'length == 3 and index($a) != null and index($b) != null and index($c) != null'
	run jaula ps "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"sleep 1001"* && "$output" == *"sleep 1002"* && "$output" == *"sleep 1003"* ]]
}

@test "ps of a stopped container: the header or [], status 0 (also once its cgroup is gone)" {
	set_args true
	run_detached
	wait_status "$ID" stopped
	run jaula ps "$ID"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "${lines[0]}" == PID* ]]
	run jaula ps --format json "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "[]" ]
	rmdir "/sys/fs/cgroup/jaula/$ID"
	run jaula ps -f json "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "[]" ]
	run jaula ps nosuchcontainer
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
}

@test "list --format json prints the whole list on one line, fields as in state" {
	cfg '.annotations = {"spaced key": "a \"quoted\"\tvalue\nwith lines", "plain": "x"}'
	set_args sleep 1000
	CTR_ID=$ID-a run_detached
	CTR_ID=$ID-b create_ctr
	run jaula list --format json
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	echo "$output" | jq -e 'length == 2'
	for id in "$ID-a" "$ID-b"; do
		# the same object as `state` prints, whitespace aside
		diff <(echo "$output" | jq -S --arg id "$id" '.[] | select(.id == $id)') <(jaula state "$id" | jq -S .)
	done
	echo "$output" | jq -e --arg id "$ID-a" '.[] | select(.id == $id) | .annotations["spaced key"] == "a \"quoted\"\tvalue\nwith lines"'
	jaula delete -f "$ID-a"
	jaula delete -f "$ID-b"
	run jaula list -f json
	[ "$output" = "[]" ]
}

@test "kill ID 0 checks that the container runs; kill --all ID 0 too" {
	set_args sleep 1000
	run_detached
	wait_status "$ID" running
	run jaula kill "$ID" 0
	[ "$status" -eq 0 ]
	[ "$(ctr_status "$ID")" = running ]
	run jaula kill --all "$ID" 0
	[ "$status" -eq 0 ]
	[ "$(ctr_status "$ID")" = running ]
	jaula kill "$ID" KILL
	wait_status "$ID" stopped
	run jaula kill "$ID" 0
	[ "$status" -ne 0 ]
	[[ "$output" == *"not running"* ]]
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

@test "update: runc's flag spellings are accepted, and none is ignored silently" {
	set_args sleep 1000
	run_detached
	wait_status "$ID" running
	run jaula update --help
	for f in cpu-share cpu-shares cpu-rt-period cpu-rt-runtime cpu-burst cpu-idle l3-cache-schema \
		mem-bw-schema kernel-memory kernel-memory-tcp; do
		[[ "$output" == *"--$f "* ]] || { echo "no --$f in help"; return 1; }
	done
	# --cpu-share is --cpu-shares: on this host both reach the missing cpu controller
	if ! grep -qw cpu /sys/fs/cgroup/cgroup.controllers; then
		run jaula update --cpu-share 512 "$ID"
		[ "$status" -ne 0 ]
		[[ "$output" == *'"cpu"'* && "$output" != *"unknown option"* ]]
	fi
	# cgroup v2 has no realtime bandwidth: refused, naming the flag (runc ignores it)
	run jaula update --cpu-rt-runtime 95000 "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--cpu-rt-runtime"*"realtime"* ]]
	run jaula update --cpu-rt-period 1000000 "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--cpu-rt-period"*"realtime"* ]]
	run jaula update --cpu-rt-runtime nan "$ID"
	[[ "$output" == *"--cpu-rt-runtime: invalid number"* ]]
	# values runc treats as "unset" and skips: an error saying what to write
	for f in memory memory-swap cpu-quota cpu-shares; do
		run jaula update "--$f" 0 "$ID"
		[ "$status" -ne 0 ]
		[[ "$output" == *"--$f: "*"0 is not a valid value"* ]] || { echo "--$f 0: $output"; return 1; }
	done
	run jaula update --cpuset-cpus "" "$ID"
	[[ "$status" -ne 0 && "$output" == *"--cpuset-cpus: empty value"* ]]
	run jaula update --cpu-idle 2 "$ID"
	[[ "$status" -ne 0 && "$output" == *"--cpu-idle: must be 0 or 1"* ]]
	run jaula update --cpu-burst -1 "$ID"
	[[ "$status" -ne 0 && "$output" == *"--cpu-burst"* ]]
	# obsolete in cgroup v2: accepted as runc does, but never silently
	run jaula update --kernel-memory 64m --kernel-memory-tcp 1m "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"--kernel-memory is ignored"* && "$output" == *"--kernel-memory-tcp is ignored"* ]]
}

@test "update --l3-cache-schema / --mem-bw-schema: a clear error without resctrl or a group" {
	set_args sleep 1000
	run_detached
	wait_status "$ID" running
	run jaula update --l3-cache-schema "L3:0=ff" "$ID"
	[ "$status" -ne 0 ]
	if ! grep -q ' /sys/fs/resctrl resctrl ' /proc/mounts; then
		[[ "$output" == *"--l3-cache-schema: Intel RDT is not available"*"/sys/fs/resctrl"* ]]
	else
		# this jaula makes no resctrl group at create
		[[ "$output" == *"--l3-cache-schema: "*"resctrl"* ]]
	fi
	run jaula update --mem-bw-schema "MB:0=50" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--mem-bw-schema: "*"resctrl"* ]]
	# a malformed line is refused before resctrl is even looked at
	run jaula update --l3-cache-schema "MB:0=50" "$ID"
	[[ "$status" -ne 0 && "$output" == *'--l3-cache-schema: "MB:0=50": expected one schemata line'* ]]
	run jaula update --mem-bw-schema "$(printf 'MB:0=50\nL3:0=f')" "$ID"
	[[ "$status" -ne 0 && "$output" == *"--mem-bw-schema"*"expected one schemata line"* ]]
	# a refused flag changes nothing else given with it
	if grep -qw hugetlb /sys/fs/cgroup/cgroup.controllers && [ -e "/sys/fs/cgroup/jaula/$ID/hugetlb.2MB.max" ]; then
		before=$(cat "/sys/fs/cgroup/jaula/$ID/hugetlb.2MB.max")
		echo '{"hugepageLimits": [{"pageSize": "2MB", "limit": 2097152}]}' >"$BATS_TEST_TMPDIR/r.json"
		run jaula update -r "$BATS_TEST_TMPDIR/r.json" --l3-cache-schema "L3:0=ff" "$ID"
		[ "$status" -ne 0 ]
		[ "$(cat "/sys/fs/cgroup/jaula/$ID/hugetlb.2MB.max")" = "$before" ]
	fi
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
