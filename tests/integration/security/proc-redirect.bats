#!/usr/bin/env bats
# CVE-2019-16884 / CVE-2025-52881 class: the container's own mounts shadow
# the /proc files the runtime writes, so the write lands in a file of the
# caller's choosing (here: on the host) and the setting silently never
# happens.  Every /proc write must reach the real procfs.

load ../lib/helpers

@test "sysctls reach the kernel even with /proc/sys bind-mounted from a plain directory" {
	local fake=$BATS_TEST_TMPDIR/fakesys
	mkdir -p "$fake/net/ipv4"
	echo 0 >"$fake/net/ipv4/ip_forward"
	cfg '.mounts += [{"destination": "/proc/sys", "type": "bind", "source": $s, "options": ["rbind"]}]
		| .linux.readonlyPaths -= ["/proc/sys"]
		| .linux.sysctl = {"net.ipv4.ip_forward": "1"}' --arg s "$fake"
	set_args sleep 1000
	run_detached
	wait_status "$ID" running
	# The decoy on the host is untouched...
	[ "$(cat "$fake/net/ipv4/ip_forward")" = 0 ]
	# ...and the container's network namespace has the setting.
	run nsenter -t "$(ctr_pid "$ID")" -n cat /proc/sys/net/ipv4/ip_forward
	[ "$output" = 1 ]
}

@test "oomScoreAdj reaches the kernel even with /proc/1/oom_score_adj shadowed" {
	local decoy=$BATS_TEST_TMPDIR/oom
	echo decoy >"$decoy"
	cfg '.mounts += [{"destination": "/proc/1/oom_score_adj", "type": "bind", "source": $s, "options": ["bind"]}]
		| .process.oomScoreAdj = 500' --arg s "$decoy"
	set_args sleep 1000
	run_detached
	wait_status "$ID" running
	[ "$(cat "$decoy")" = decoy ]
	[ "$(cat "/proc/$(ctr_pid "$ID")/oom_score_adj")" = 500 ]
}

@test "exec: oomScoreAdj reaches the kernel even with the container's /proc shadowed" {
	# A container with CAP_SYS_ADMIN covers its /proc with a directory
	# whose "self" leads to a decoy file of its own.
	cfg '.process.capabilities |= map_values(. + ["CAP_SYS_ADMIN"])'
	set_args sh -c 'mkdir -p /tmp/fp/x && echo decoy >/tmp/fp/x/oom_score_adj &&
		ln -s x /tmp/fp/self && mount --bind /tmp/fp /proc && sleep 1000'
	run_detached
	wait_status "$ID" running
	sleep 0.2
	jq -n '{cwd: "/", args: ["sleep", "1000"], env: ["PATH=/bin"],
		user: {uid: 0, gid: 0}, oomScoreAdj: 400}' >"$BATS_TEST_TMPDIR/p.json"
	jaula exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" -p "$BATS_TEST_TMPDIR/p.json" "$ID" \
		</dev/null >"$BATS_TEST_TMPDIR/exec.out" 2>&1
	[ "$(cat "/proc/$(cat "$BATS_TEST_TMPDIR/exec.pid")/oom_score_adj")" = 400 ]
	run jaula exec "$ID" cat /tmp/fp/x/oom_score_adj
	[ "$output" = decoy ]
}

@test "a sysctl write that does not reach procfs fails the create" {
	# net.* keys only exist in procfs: a key whose path procfs lacks must be
	# an error naming it, not a file created somewhere.
	cfg '.linux.sysctl = {"net.ipv4.no_such_key": "1"}'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'linux.sysctl "net.ipv4.no_such_key"'* ]]
	assert_gone "$ID"
}
