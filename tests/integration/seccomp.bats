#!/usr/bin/env bats
# linux.seccomp: each action observed inside, argument filters, unknown
# names, notify with a real agent.

load lib/helpers

# seccomp_rule ACTION [extra jq for the rule] : deny mkdir/mkdirat with ACTION
seccomp_rule() {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": $a}]}' --arg a "$1"
}

@test "SCMP_ACT_ERRNO with errnoRet and the EPERM default" {
	private_rootfs
	seccomp_rule SCMP_ACT_ERRNO
	cfg '.linux.seccomp.syscalls[0].errnoRet = 13'
	sh_ctr 'mkdir /tmp/x$$'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	seccomp_rule SCMP_ACT_ERRNO
	sh_ctr 'mkdir /tmp/x$$'
	[[ "$output" == *"Operation not permitted"* ]]
	# config-linux.md: an errno for an action that takes none is an error
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 5, "syscalls": []}'
	sh_ctr 'true'
	[ "$status" -ne 0 ]
	[[ "$output" == *"defaultErrnoRet"* ]]
	assert_gone "$ID"
}

@test "SCMP_ACT_KILL, KILL_PROCESS, KILL_THREAD and TRAP end the process with SIGSYS" {
	for a in SCMP_ACT_KILL SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL_THREAD SCMP_ACT_TRAP; do
		seccomp_rule "$a"
		sh_ctr 'mkdir /tmp/x$$; echo survived'
		# mkdir is a child of sh: sh survives and reports the child's signal
		[[ "$output" == *survived* ]] || { echo "$a: $output"; false; }
		run_ctr mkdir /tmp/x$$
		[ "$status" -eq 159 ] || { echo "$a: status $status"; false; }
	done
}

@test "SCMP_ACT_LOG and SCMP_ACT_ALLOW let the call through; TRACE without a tracer fails it" {
	private_rootfs
	seccomp_rule SCMP_ACT_LOG
	sh_ctr 'mkdir /tmp/x$$ && echo made'
	[ "$output" = made ]
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ALLOW"}]}'
	# everything but mkdir denied: the runtime's own init must still get to execve
	run_ctr true
	[ "$status" -ne 0 ]
	seccomp_rule SCMP_ACT_TRACE
	sh_ctr 'mkdir /tmp/x$$'
	[ "$status" -ne 0 ]
	[[ "$output" == *"not implemented"* ]] || [[ "$output" == *"Function not implemented"* ]]
}

@test "argument filters: EQ, NE, MASKED_EQ, GT on personality" {
	# linux32 calls personality(PER_LINUX32 = 8), linux64 personality(0)
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}]}'
	sh_ctr 'linux64 true && echo ok64; linux32 true || echo denied32'
	[[ "$output" == *ok64* ]]
	[[ "$output" == *denied32* ]]
	cfg '.linux.seccomp.syscalls[0].args = [{"index": 0, "value": 255, "valueTwo": 8, "op": "SCMP_CMP_MASKED_EQ"}]'
	sh_ctr 'linux64 true && echo ok64; linux32 true || echo denied32'
	[[ "$output" == *ok64* ]]
	[[ "$output" == *denied32* ]]
	cfg '.linux.seccomp.syscalls[0].args = [{"index": 0, "value": 4, "op": "SCMP_CMP_GT"}]'
	sh_ctr 'linux64 true && echo ok64; linux32 true || echo denied32'
	[[ "$output" == *ok64* ]]
	[[ "$output" == *denied32* ]]
	cfg '.linux.seccomp.syscalls[0].args = [{"index": 0, "value": 8, "op": "SCMP_CMP_NE"}]'
	sh_ctr 'linux64 true || echo denied64; linux32 true && echo ok32'
	[[ "$output" == *denied64* ]]
	[[ "$output" == *ok32* ]]
}

@test "unknown syscall names are skipped; unknown actions, operators, archs are errors" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["no_such_syscall", "mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
	sh_ctr 'mkdir /tmp/x$$'
	[[ "$output" == *"Operation not permitted"* ]]
	cfg '.linux.seccomp.syscalls[0].action = "SCMP_ACT_FOO"'
	run_ctr true
	[ "$status" -ne 0 ]
	[[ "$output" == *'linux.seccomp.syscalls[0].action'*SCMP_ACT_FOO* ]]
	assert_gone "$ID"
	cfg '.linux.seccomp.syscalls[0].action = "SCMP_ACT_ERRNO" | .linux.seccomp.syscalls[0].args = [{"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}]'
	run_ctr true
	[[ "$output" == *SCMP_CMP_FOO* ]]
	cfg 'del(.linux.seccomp.syscalls[0].args) | .linux.seccomp.architectures = ["SCMP_ARCH_FOO"]'
	run_ctr true
	[[ "$output" == *SCMP_ARCH_FOO* ]]
	assert_gone "$ID"
}

@test "SCMP_ACT_NOTIFY: the agent gets the listener and the state, and answers" {
	agent="$HELPERS/seccomp_agent"
	[ -x "$agent" ] || skip "seccomp_agent not built"
	sock="$BATS_TEST_TMPDIR/agent.sock"
	"$agent" "$sock" --errno 77 &
	apid=$!
	for i in $(seq 100); do [ -S "$sock" ] && break; sleep 0.02; done
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $s,
		"listenerMetadata": "test-meta", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}' --arg s "$sock"
	sh_ctr 'mkdir /tmp/x$$'
	[ "$status" -ne 0 ]
	[[ "$output" == *"File descriptor in bad state"* ]]
	wait "$apid"
	state="$sock.state"
	jq -e '.fds == ["seccompFd"] and .metadata == "test-meta" and (.pid > 0) and .ociVersion' "$state"
	jq -e --arg id "$ID" '.state.id == $id' "$state"
}

@test "the default profile of jaula spec blocks mount and keeps ordinary programs working" {
	dir="$BATS_TEST_TMPDIR/specbundle"
	mkdir -p "$dir"
	jaula spec -b "$dir"
	python3 - "$dir/config.json" "$ROOTFS" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["root"]["path"] = sys.argv[2]
c["process"]["terminal"] = False
c["process"]["args"] = ["sh", "-c", "mkdir /tmp/d && echo mkdir-ok; mount -t tmpfs t /tmp/d 2>&1; grep ^Seccomp: /proc/self/status"]
c["process"]["capabilities"]["bounding"].append("CAP_SYS_ADMIN")
c["process"]["capabilities"]["effective"].append("CAP_SYS_ADMIN")
c["process"]["capabilities"]["permitted"].append("CAP_SYS_ADMIN")
c["mounts"].append({"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"})
json.dump(c, open(sys.argv[1], "w"))
PY
	run jaula run -b "$dir" "$ID"
	echo "$output"
	[[ "$output" == *mkdir-ok* ]]
	# busybox words EPERM from mount(2) as "permission denied"
	[[ "$output" == *"ermission denied"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
}
