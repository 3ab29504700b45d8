#!/usr/bin/env bats
# The container's process as it sees itself at exec: args, env, cwd, user,
# capabilities, no_new_privs, rlimits, oom score, terminal, stdio and fds,
# signal dispositions; and signals a foreground `run` forwards.

load lib/helpers

# $SHARED on the host is /tmp inside (sticky and world-writable, like /tmp,
# so a non-root process can write there too).
share_tmp() {
	SHARED="$BATS_TEST_TMPDIR/shared"
	mkdir -p "$SHARED"
	chmod 1777 "$SHARED"
	cfg '.mounts += [{"destination":"/tmp","type":"bind","source":$d,"options":["rbind"]}]' \
		--arg d "$SHARED"
}

# wait_file FILE [PATTERN]: until FILE exists (and holds PATTERN), 5 s.
wait_file() {
	local i
	for i in $(seq 100); do
		if [ -e "$1" ] && { [ -z "${2:-}" ] || grep -q "$2" "$1"; }; then
			return 0
		fi
		sleep 0.05
	done
	echo "timed out waiting for $1 ${2:-}"
	return 1
}

# wait_gone PID: until the process is gone (reaped or not), 5 s.
wait_gone() {
	local i
	for i in $(seq 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	echo "process $1 still alive"
	return 1
}

# wait_blocked PID: until PID blocks some signals, 5 s.
wait_blocked() {
	local i
	for i in $(seq 100); do
		grep -q '^SigBlk:.*[1-9a-f]' "/proc/$1/status" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "process $1 blocks no signals"
	return 1
}

# Background processes a test starts: killed in teardown if still there.
BG_PIDS=()
eval "base_$(declare -f teardown)"
teardown() {
	local p
	for p in "${BG_PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
	base_teardown
}

# The five capability lines of /proc/PID/status, as "Inh Prm Eff Bnd Amb".
cap_line() {
	awk '/^Cap(Inh|Prm|Eff|Bnd|Amb):/ { printf "%s%s", sep, $2; sep = " " } END { print "" }' "$1"
}

# --- args, env, cwd -------------------------------------------------------

@test "args, env and cwd reach the process" {
	cfg '.process.env += ["FOO=bar baz", "EMPTY="] | .process.cwd = "/bin"'
	run_ctr sh -c 'echo "$0|$1|$2"; echo "FOO=$FOO"; env | grep -c "^EMPTY=$"; pwd' \
		first "second arg" ''
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "first|second arg|" ]
	[ "${lines[1]}" = "FOO=bar baz" ]
	[ "${lines[2]}" = 1 ]
	[ "${lines[3]}" = /bin ]
}

@test "a missing cwd is created" {
	cfg '.mounts += [{"destination":"/tmp","type":"tmpfs","source":"tmpfs"}]
	     | .process.cwd = "/tmp/made/by/runtime"'
	run_ctr sh -c 'pwd; stat -c %F .'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /tmp/made/by/runtime ]
	[ "${lines[1]}" = directory ]
}

@test "a relative cwd is refused with its JSON path" {
	cfg '.process.cwd = "relative/dir"'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"config.json: process.cwd: must be an absolute path"* ]]
	assert_gone "$ID"
}

@test "a bare command name is found through the container's PATH" {
	for d in a b; do
		mkdir -p "$BATS_TEST_TMPDIR/tools/$d"
		printf '#!/bin/sh\necho "tool %s ran as $0"\n' "$d" >"$BATS_TEST_TMPDIR/tools/$d/mytool"
		chmod 755 "$BATS_TEST_TMPDIR/tools/$d/mytool"
	done
	cfg '.mounts += [{"destination":"/opt","type":"bind","source":$d,"options":["rbind","ro"]}]
	     | .process.env = ["PATH=/no/such:/opt/b:/opt/a:/bin"]' --arg d "$BATS_TEST_TMPDIR/tools"
	run_ctr mytool
	[ "$status" -eq 0 ]
	[ "$output" = "tool b ran as /opt/b/mytool" ]
}

@test "a relative executable path is relative to process.cwd" {
	mkdir -p "$BATS_TEST_TMPDIR/tools/sub"
	printf '#!/bin/sh\necho "ran $0 in $(pwd)"\n' >"$BATS_TEST_TMPDIR/tools/sub/here"
	chmod 755 "$BATS_TEST_TMPDIR/tools/sub/here"
	cfg '.mounts += [{"destination":"/opt","type":"bind","source":$d,"options":["rbind","ro"]}]
	     | .process.cwd = "/opt"' --arg d "$BATS_TEST_TMPDIR/tools"
	run_ctr ./sub/here
	[ "$status" -eq 0 ]
	[ "$output" = "ran ./sub/here in /opt" ]
}

@test "a missing executable fails at create and leaves nothing" {
	set_args no-such-command
	run create_ctr
	[ "$status" -ne 0 ]
	[[ "$output" == *'exec: "no-such-command": executable file not found in $PATH'* ]]
	assert_gone "$ID"
}

# --- user ------------------------------------------------------------------

@test "process.user: uid, gid, additionalGids and umask" {
	cfg '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [10, 20, 1001], "umask": 23}'
	run_ctr sh -c 'id -u; id -g; id -G; grep -E "^(Uid|Gid|Groups):" /proc/self/status; umask'
	[ "$status" -eq 0 ]
	printf '%s\n' "${lines[@]}"
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1001 ]
	[ "$(echo "${lines[2]}" | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "10 20 1001 " ]
	[[ "${lines[3]}" =~ ^Uid:[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000[[:space:]]+1000$ ]]
	[[ "${lines[4]}" =~ ^Gid:[[:space:]]+1001[[:space:]]+1001[[:space:]]+1001[[:space:]]+1001$ ]]
	[[ "${lines[5]}" =~ ^Groups:[[:space:]]+10\ 20\ 1001[[:space:]]*$ ]]
	[ "${lines[6]}" = 0027 ]
}

@test "without process.user.umask the umask is 0022" {
	run_ctr sh -c umask
	[ "$status" -eq 0 ]
	[ "$output" = 0022 ]
}

# --- capabilities ------------------------------------------------------------

# bounding  CHOWN DAC_OVERRIDE KILL SETUID NET_BIND_SERVICE NET_RAW = 0x24a3
# permitted CHOWN KILL SETUID NET_BIND_SERVICE                      = 0x04a1
# effective KILL NET_BIND_SERVICE                                   = 0x0420
# inherit.  KILL SETUID                                             = 0x00a0
# ambient   KILL                                                    = 0x0020
set_caps() {
	cfg '.process.capabilities = {
		"bounding": ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_KILL", "CAP_SETUID",
		             "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
		"permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_SETUID", "CAP_NET_BIND_SERVICE"],
		"effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"inheritable": ["CAP_KILL", "CAP_SETUID"],
		"ambient": ["CAP_KILL"]}'
}
CAPS_SET="00000000000000a0 00000000000004a1 0000000000000420 00000000000024a3 0000000000000020"

@test "capabilities: the five sets exactly as configured, before and after exec (root)" {
	set_caps
	cfg '.process.noNewPrivileges = true'
	set_args sh -c 'cat /proc/self/status >/tmp/status'
	share_tmp
	create_ctr
	# the waiting init has applied everything but execve
	[ "$(cap_line /proc/$(ctr_pid "$ID")/status)" = "$CAPS_SET" ]
	jaula start "$ID"
	wait_status "$ID" stopped
	# root's execve: permitted = (inheritable | bounding) & old permitted
	# (no_new_privs) | ambient, effective = permitted
	[ "$(cap_line "$SHARED/status")" = \
		"00000000000000a0 00000000000004a1 00000000000004a1 00000000000024a3 0000000000000020" ]
}

@test "capabilities: a non-root uid keeps exactly the ambient set across exec" {
	set_caps
	cfg '.process.user = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'cat /proc/self/status >/tmp/status'
	share_tmp
	create_ctr
	[ "$(cap_line /proc/$(ctr_pid "$ID")/status)" = "$CAPS_SET" ]
	jaula start "$ID"
	wait_status "$ID" stopped
	# a non-root execve keeps inheritable and bounding; permitted and
	# effective become the ambient set
	[ "$(cap_line "$SHARED/status")" = \
		"00000000000000a0 0000000000000020 0000000000000020 00000000000024a3 0000000000000020" ]
}

@test "capabilities: empty sets drop everything" {
	cfg '.process.capabilities = {"bounding": [], "effective": [], "permitted": []}'
	run_ctr grep ^Cap /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | awk '{print $2}' | sort -u)" = 0000000000000000 ]
}

@test "an unknown capability is refused by name" {
	cfg '.process.capabilities.effective += ["CAP_TEST"]'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'unknown capability "CAP_TEST"'* ]]
	assert_gone "$ID"
}

@test "noNewPrivileges true and false" {
	run_ctr grep ^NoNewPrivs: /proc/self/status
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^NoNewPrivs:[[:space:]]+1$ ]]
	cfg '.process.noNewPrivileges = false'
	run_ctr grep ^NoNewPrivs: /proc/self/status
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^NoNewPrivs:[[:space:]]+0$ ]]
}

# --- rlimits, oom score ------------------------------------------------------

@test "rlimits: NOFILE, NPROC and CORE in /proc/self/limits and ulimit" {
	cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024},
	                         {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400},
	                         {"type": "RLIMIT_CORE", "soft": 4096, "hard": 8192}]'
	run_ctr sh -c 'cat /proc/self/limits; echo "n=$(ulimit -n) Hn=$(ulimit -Hn) u=$(ulimit -u) c=$(ulimit -c)"'
	[ "$status" -eq 0 ]
	echo "$output"
	echo "$output" | grep -E '^Max open files +512 +1024 +files'
	echo "$output" | grep -E '^Max processes +300 +400 +processes'
	echo "$output" | grep -E '^Max core file size +4096 +8192 +bytes'
	# busybox's ulimit -c counts 512-byte blocks
	echo "$output" | grep -x 'n=512 Hn=1024 u=300 c=8'
}

@test "an rlimit above the host's hard limit fails with EPERM and names it" {
	grep -q '^CapEff:.*' /proc/self/status
	caps=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	(( (16#$caps >> 24) & 1 )) && skip "the test shell has CAP_SYS_RESOURCE: raising is allowed"
	hard_kib=$(ulimit -Hl)
	[ "$hard_kib" != unlimited ] || skip "RLIMIT_MEMLOCK is unlimited here"
	want=$(( hard_kib * 1024 * 2 ))
	cfg '.process.rlimits += [{"type": "RLIMIT_MEMLOCK", "soft": 65536, "hard": $h}]' \
		--argjson h "$want"
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"process.rlimits[1]: set RLIMIT_MEMLOCK to 65536/$want"*"Operation not permitted"* ]]
	assert_gone "$ID"
}

@test "oomScoreAdj is set; lowering it needs CAP_SYS_RESOURCE" {
	cfg '.process.oomScoreAdj = 500'
	run_ctr cat /proc/self/oom_score_adj
	[ "$status" -eq 0 ]
	[ "$output" = 500 ]
	cur=$(cat /proc/self/oom_score_adj)
	low=$(( cur - 100 ))
	[ "$low" -ge -1000 ] || skip "oom_score_adj already at the minimum"
	cfg '.process.oomScoreAdj = $v' --argjson v "$low"
	run_ctr cat /proc/self/oom_score_adj
	caps=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	if (( (16#$caps >> 24) & 1 )); then
		[ "$status" -eq 0 ]
		[ "$output" = "$low" ]
	else
		[ "$status" -ne 0 ]
		[[ "$output" == *"process.oomScoreAdj $low"*"needs CAP_SYS_RESOURCE"* ]]
		assert_gone "$ID"
	fi
}

# --- terminal ----------------------------------------------------------------

@test "terminal: --console-socket receives the pty master" {
	sock="$BATS_TEST_TMPDIR/console.sock" out="$BATS_TEST_TMPDIR/console.out"
	"$HELPERS/console_recv" "$sock" "$out" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/recv.err" 3>&- &
	recv=$!
	BG_PIDS+=("$recv")
	wait_file "$sock.ready"
	cfg '.process.terminal = true | .process.consoleSize = {"height": 33, "width": 101}'
	set_args sh -c 'tty; test -t 0 && test -t 1 && test -t 2 && echo TTY-OK; stty size'
	create_ctr --console-socket "$sock"
	jaula start "$ID"
	wait_gone "$recv"
	wait "$recv"
	cat "$out"
	grep -q '^/dev/pts/0' "$out"
	grep -q '^TTY-OK' "$out"
	grep -q '^33 101' "$out"
}

@test "terminal: run without a socket relays a real pty" {
	# a non-root process must own its terminal to use it
	cfg '.process.terminal = true | .process.user = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'tty; test -t 0 && echo TTY-OK; echo "owner=$(stat -c %u "$(tty)")"'
	run script -qec "$JAULA --root $STATE run -b $BUNDLE $ID" /dev/null </dev/null
	[ "$status" -eq 0 ]
	echo "$output"
	[[ "$output" == *"/dev/pts/0"* ]]
	[[ "$output" == *"TTY-OK"* ]]
	[[ "$output" == *"owner=1000"* ]]
	assert_gone "$ID"
}

@test "terminal: create without --console-socket, and a socket without terminal, are refused" {
	cfg '.process.terminal = true'
	run jaula create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"process.terminal is true: --console-socket is required"* ]]
	assert_gone "$ID"
	run jaula run -d -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--console-socket is required with --detach"* ]]
	assert_gone "$ID"
	cfg '.process.terminal = false'
	run jaula create --console-socket "$BATS_TEST_TMPDIR/nosock" -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--console-socket was given but process.terminal is false"* ]]
	assert_gone "$ID"
}

# --- stdio and fds -----------------------------------------------------------

# The fd numbers of an `ls -l /proc/self/fd` in $output, sorted, one line.
fd_list() {
	echo "$output" | awk '/^l[rwx-]/ { print $9 }' | sort -n | tr '\n' ' '
}

@test "a detached container writes to the caller's stdout and stderr" {
	set_args sh -c 'echo to-stdout; echo to-stderr >&2'
	run_detached
	wait_status "$ID" stopped
	[ "$(cat "$BATS_TEST_TMPDIR/$ID.out")" = to-stdout ]
	grep -qx to-stderr "$BATS_TEST_TMPDIR/$ID.err"
}

@test "--preserve-fds passes fds 3.. through and nothing else" {
	set_args sh -c 'echo three >&3; echo four >&4; ls -l /proc/self/fd'
	run jaula run --preserve-fds 2 -b "$BUNDLE" "$ID" \
		3>"$BATS_TEST_TMPDIR/fd3" 4>"$BATS_TEST_TMPDIR/fd4" 5>"$BATS_TEST_TMPDIR/fd5"
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$(cat "$BATS_TEST_TMPDIR/fd3")" = three ]
	[ "$(cat "$BATS_TEST_TMPDIR/fd4")" = four ]
	# fds: 0 1 2, the two preserved, and ls's own directory fd (5, closed
	# again before ls reads its link): the test shell's fd 5 is not there
	[ "$(fd_list)" = "0 1 2 3 4 5 " ]
	! echo "$output" | grep -q fd5
	echo "$output" | grep -Eq ' 5$'
}

@test "only 0, 1 and 2 are open at exec" {
	exec 7>"$BATS_TEST_TMPDIR/leak7"
	run_ctr ls -l /proc/self/fd
	exec 7>&-
	[ "$status" -eq 0 ]
	echo "$output"
	# 3 is ls's own directory fd, without a link to show
	[ "$(fd_list)" = "0 1 2 3 " ]
	echo "$output" | grep -Eq ' 3$'
	! echo "$output" | grep -q leak7
}

# --- signals -----------------------------------------------------------------

@test "signals are default at exec: nothing ignored, nothing blocked" {
	# a caller that ignores and blocks signals, glibc's own 32 and 33 too
	set_args grep -E '^Sig(Ign|Blk):' /proc/self/status
	run "$HELPERS/sigdisp" -i 2 -i 3 -i 32 -i 33 -b 10 -b 33 -- \
		"$JAULA" --root "$STATE" run -b "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"SigBlk:	0000000000000000"* ]]
	[[ "$output" == *"SigIgn:	0000000000000000"* ]]
	# a runtime started in the background by a non-interactive shell
	# inherits SIGINT and SIGQUIT ignored: the container must not
	set_args sleep 100
	"$JAULA" --root "$STATE" run -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 3>&- &
	BG_PIDS+=("$!")
	wait_status "$ID" running
	# the premise: the runtime itself does ignore some
	grep -E '^SigIgn:.*[1-9a-f]' /proc/$!/status
	pid=$(ctr_pid "$ID")
	for i in $(seq 50); do [ "$(cat /proc/$pid/comm)" = sleep ] && break; sleep 0.05; done
	grep -E '^Sig(Ign|Blk):' /proc/$pid/status
	grep -qx 'SigBlk:	0000000000000000' /proc/$pid/status
	grep -qx 'SigIgn:	0000000000000000' /proc/$pid/status
}

@test "a foreground run forwards signals to the container" {
	share_tmp
	set_args sh -c 'trap "echo got-usr1 >>/tmp/marker" USR1; trap "exit 7" TERM;
		echo ready >/tmp/marker; while :; do sleep 0.05; done'
	"$JAULA" --root "$STATE" run -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 3>&- &
	runner=$!
	BG_PIDS+=("$runner")
	wait_file "$SHARED/marker" ready
	# the runtime blocks signals (to read them from a signalfd) once the
	# container runs; before that a signal would find the default action
	wait_blocked "$runner"
	kill -USR1 "$runner"
	wait_file "$SHARED/marker" got-usr1
	kill -TERM "$runner"
	rc=0
	wait "$runner" || rc=$?
	[ "$rc" -eq 7 ]
	assert_gone "$ID"
}

@test "the container gets its own session keyring unless --no-new-keyring" {
	cfg '.linux.maskedPaths -= ["/proc/keys"]'
	set_args cat /proc/keys
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *"_ses.$ID"* ]]
	# another id: the first keyring may linger until the kernel's key gc
	run jaula run --no-new-keyring -b "$BUNDLE" "$ID-nk"
	[ "$status" -eq 0 ]
	[[ "$output" != *"_ses.$ID-nk"* ]]
}
