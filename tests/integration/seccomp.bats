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

# What busybox (sh, sleep, the static test helpers) and the runtime's last
# steps in the container need, all older than faccessat2.  Not clone3.
BUSYBOX_CALLS='["read", "write", "readv", "writev", "open", "openat", "close", "close_range",
	"lseek", "stat", "fstat", "lstat", "newfstatat", "statx", "access", "readlink",
	"getcwd", "chdir", "ioctl", "fcntl", "dup", "dup2", "dup3", "pipe", "pipe2", "poll",
	"ppoll", "select", "pselect6", "brk", "mmap", "munmap", "mprotect", "madvise",
	"arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64", "getrandom",
	"uname", "prctl", "umask", "futex", "execve", "clone", "fork", "vfork", "wait4",
	"exit", "exit_group", "kill", "tgkill", "rt_sigaction", "rt_sigprocmask",
	"rt_sigreturn", "sigaltstack", "getpid", "getppid", "gettid", "getuid", "geteuid",
	"getgid", "getegid", "getgroups", "setgroups", "setresuid", "setresgid", "capget",
	"capset", "setpgid", "getpgrp", "setsid", "nanosleep", "clock_nanosleep",
	"clock_gettime", "gettimeofday", "sysinfo", "sched_getaffinity"]'

# deny_profile: deny by default (EPERM); allow BUSYBOX_CALLS; name and deny
# faccessat2, which makes it the profile's newest call.
deny_profile() {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO",
		"syscalls": [{"names": $allow, "action": "SCMP_ACT_ALLOW"},
			{"names": ["faccessat2"], "action": "SCMP_ACT_ERRNO"}]}' \
		--argjson allow "$BUSYBOX_CALLS"
}

# The kernel's newest call, asked in a container without a filter.
newest_syscall() {
	run_ctr /helpers/sc_enosys --highest
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	NEWEST=$output
}

# check_enosys OUTPUT: what sc_enosys printed for "clone3 1000 $NEWEST 439 437"
check_enosys() {
	[[ "$1" == *"clone3 ENOSYS"* ]]   # not named: glibc may fall back ...
	[[ "$1" == *"fork ok"* ]]         # ... to clone, which is allowed
	[[ "$1" == *"1000 ENOSYS"* ]]     # above every call the profile names
	[[ "$1" == *"439 EPERM"* ]]       # faccessat2: named, denied
	[[ "$1" == *"437 EPERM"* ]]       # openat2: not named, older than faccessat2
	# a real call of this kernel, newer than the profile
	[ "$NEWEST" -le 439 ] || [[ "$1" == *"$NEWEST ENOSYS"* ]]
}

@test "deny by default: newer calls and clone3 get ENOSYS, named ones the profile's errno" {
	[ -x "$HELPERS/sc_enosys" ] || skip "sc_enosys not built"
	newest_syscall
	deny_profile
	sh_ctr "/helpers/sc_enosys clone3 1000 $NEWEST 439 437 && echo busybox-ok"
	echo "$output"
	[ "$status" -eq 0 ]
	check_enosys "$output"
	[[ "$output" == *busybox-ok* ]]
	# An allow-by-default profile keeps the kernel's answers (no stub).
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["faccessat2"], "action": "SCMP_ACT_ERRNO"}]}'
	run_ctr /helpers/sc_enosys clone3 1000 439
	echo "$output"
	[[ "$output" == *"clone3 ok"* ]]
	[[ "$output" == *"439 EPERM"* ]]
}

@test "jaula exec loads the saved filter, -ENOSYS stub included" {
	[ -x "$HELPERS/sc_enosys" ] || skip "sc_enosys not built"
	newest_syscall
	deny_profile
	set_args sleep 100
	run_detached
	run jaula exec "$ID" /helpers/sc_enosys clone3 1000 "$NEWEST" 439 437
	echo "$output"
	[ "$status" -eq 0 ]
	check_enosys "$output"
	jaula delete -f "$ID"
}

@test "SCMP_ACT_NOTIFY on write is refused before anything is made" {
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/tmp/none.sock",
		"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_LOG"},
			{"names": ["read", "write"], "action": "SCMP_ACT_NOTIFY"}]}'
	run_ctr true
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *'config.json: linux.seccomp.syscalls[1]: SCMP_ACT_NOTIFY on "write" would deadlock the runtime'* ]]
	assert_gone "$ID"
}

@test "compiled programs are cached for the boot; a cached or damaged entry filters the same" {
	private_rootfs
	export JAULA_SECCOMP_CACHE=$BATS_TEST_TMPDIR/cache
	seccomp_rule SCMP_ACT_ERRNO
	sh_ctr 'mkdir /tmp/x$$'
	[[ "$output" == *"Operation not permitted"* ]]
	run find "$JAULA_SECCOMP_CACHE" -type f
	[ "${#lines[@]}" -eq 1 ]
	local entry=${lines[0]}
	[[ "$(basename "$entry")" =~ ^[0-9a-f]{64}$ ]]
	[ "$(stat -c %a "$JAULA_SECCOMP_CACHE/seccomp")" = 700 ]
	[ "$(stat -c %a "$entry")" = 600 ]
	sh_ctr 'mkdir /tmp/x$$'
	[[ "$output" == *"Operation not permitted"* ]]
	# a damaged entry is compiled over, never loaded
	echo garbage >"$entry"
	sh_ctr 'mkdir /tmp/x$$'
	[[ "$output" == *"Operation not permitted"* ]]
	[ "$(head -c 5 "$entry")" = JLBPF ]
	# another profile is another entry
	cfg '.linux.seccomp.syscalls[0].errnoRet = 13'
	sh_ctr 'mkdir /tmp/x$$'
	[[ "$output" == *"Permission denied"* ]]
	[ "$(find "$JAULA_SECCOMP_CACHE" -type f | wc -l)" -eq 2 ]
	# a cache others may write to is not used
	chmod 0770 "$JAULA_SECCOMP_CACHE/seccomp"
	cfg '.linux.seccomp.syscalls[0].errnoRet = 2'
	sh_ctr 'mkdir /tmp/x$$'
	[[ "$output" == *"No such file"* ]]
	[ "$(find "$JAULA_SECCOMP_CACHE" -type f | wc -l)" -eq 2 ]
}
