#!/usr/bin/env bats
# jaula sandbox (issue 12): an untrusted program, deny-by-default, with
# limits and a verdict.  Each escape attempt is a mode of
# tests/helpers/sandbox_hostile.c, which prints "BLOCKED what: why" or
# "ESCAPED what"; the tests also check the host afterwards.  The second
# half runs the core of the suite as an ordinary user (a uid with no
# account: setpriv needs none, and /etc/passwd stays as it is).

load lib/helpers
load lib/net

SBX_UID=61234 # no account, no process: checked in setup_file

setup_file() {
	export SBX_BASE=$TMPDIR # reachable by any user (BATS_TEST_TMPDIR is not)
	export SBX_UID
	export HOSTILE=/h/sandbox_hostile
}

setup() {
	WORK="$BATS_TEST_TMPDIR/work"
	mkdir -p "$WORK"
	export TMPDIR="$BATS_TEST_TMPDIR"
	HOST_PIDS=()
}

teardown() {
	local p
	for p in "${HOST_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if [ -n "${USER_DIR:-}" ]; then
		rm -rf "$USER_DIR"
	fi
	if [ -n "${NET_WORLD:-}" ]; then
		net_teardown
	fi
	true
}

# sbx [jaula sandbox flags] -- PROGRAM ARGS: the helpers at /h.
sbx() {
	"$JAULA" sandbox --ro-bind "$HELPERS:/h" "$@"
}

# The one line the verdict may print, and no second one.
assert_killed() {
	echo "$stderr"
	[[ "$stderr" == *"jaula: killed: $1"* ]]
	[ "$(grep -c '^jaula: killed:' <<<"$stderr")" -eq 1 ]
}

assert_all_blocked() {
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *ESCAPED* ]]
	[ "$(grep -c '^BLOCKED' <<<"$output")" -ge "$1" ]
}

# --- the program and its view ----------------------------------------------

@test "sandbox: exit status, root of its own user namespace, no capabilities" {
	run --separate-stderr sbx -- /bin/sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run --separate-stderr sbx -- /bin/sh -c \
		'id -u; cat /proc/self/uid_map; grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	# root inside is an unprivileged id outside, a single one
	read -r inside outside count <<<"${lines[1]}"
	[ "$inside" = 0 ] && [ "$outside" -ne 0 ] && [ "$count" = 1 ]
	[[ "$output" == *"CapEff:	0000000000000000"* ]]
	[[ "$output" == *"CapBnd:	0000000000000000"* ]]
	[[ "$output" == *"NoNewPrivs:	1"* ]]
	[[ "$output" == *"Seccomp:	2"* ]]
}

@test "sandbox: a signal ends the program with 128+N" {
	run --separate-stderr sbx -- /bin/sh -c 'kill -TERM $$'
	[ "$status" -eq 143 ]
	[[ "$stderr" != *"jaula: killed"* ]]
}

# pid 1 forwards what it is sent to the program: from jaula (a signal
# to jaula goes to pid 1) and from inside (kill 1).
@test "sandbox: signals sent to jaula or to pid 1 reach the program" {
	run --separate-stderr sbx -- /bin/sh -c \
		'trap "echo forwarded; exit 5" USR1; kill -USR1 1; sleep 10 & wait'
	echo "$output"
	[ "$status" -eq 5 ]
	[ "$output" = forwarded ]
	local living init st=0
	living_sandbox 'trap "exit 6" HUP'
	kill -HUP "$living"
	wait "$living" || st=$?
	[ "$st" -eq 6 ]
}

@test "sandbox: the root is the host's /usr and loader files, nothing else of /etc" {
	run --separate-stderr sbx -- /bin/sh -c 'ls /; ls /etc; ls /dev'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *usr* ]]
	[[ "$output" == *ld.so.cache* ]]
	for absent in home root var run sys passwd shadow hostname mem kmsg; do
		! grep -qx "$absent" <<<"$output"
	done
	# the devices: exactly the harmless ones (+ the stdio links)
	for dev in null zero full random urandom tty; do
		grep -qx "$dev" <<<"$output"
	done
}

@test "sandbox: its pid 1 shows nothing of the runtime (command line, environment)" {
	run --separate-stderr env SBX_SECRET=s3cr3t "$JAULA" sandbox --clear-env \
		--ro-bind "$WORK:/w" -- /bin/sh -c \
		'tr "\0" " " </proc/1/cmdline; echo; cat /proc/1/environ 2>&1; ls -l /proc/1/exe 2>&1'
	echo "$output"
	[[ "$output" != *"$WORK"* ]]
	[[ "$output" != *s3cr3t* ]]
	[[ "${lines[0]}" == "jaula-sandbox-init "* ]]
	[[ "${lines[1]}" == *"Permission denied"* ]]
}

@test "sandbox: /etc/shadow (also via /proc/1/root), /root and /home stay unreadable" {
	[ -e /etc/shadow ]
	run --separate-stderr sbx -- $HOSTILE read /etc/shadow
	assert_all_blocked 1
	run --separate-stderr sbx -- $HOSTILE read /proc/1/root/etc/shadow
	assert_all_blocked 1
	run --separate-stderr sbx -- $HOSTILE list /root
	assert_all_blocked 1
	run --separate-stderr sbx -- $HOSTILE list /home
	assert_all_blocked 1
}

@test "sandbox: writes outside the writable binds fail; the host is unchanged" {
	mkdir "$WORK/ro" "$WORK/rw"
	echo original >"$WORK/ro/file"
	local f
	for f in /usr/pwned /pwned /etc/pwned /h/pwned /ro/file /ro/new; do
		run --separate-stderr sbx --ro-bind "$WORK/ro:/ro" -- $HOSTILE write "$f"
		assert_all_blocked 1
	done
	[ "$(cat "$WORK/ro/file")" = original ]
	[ ! -e "$WORK/ro/new" ] && [ ! -e /usr/pwned ] && [ ! -e /pwned ]
	[ ! -e "$HELPERS/pwned" ]
	# the control: a --bind is writable (here by anyone: the sandbox's root
	# is an unprivileged id on the host), and the write lands on the host
	chmod 0777 "$WORK/rw"
	run --separate-stderr sbx --bind "$WORK/rw:/rw" -- $HOSTILE write /rw/file
	echo "$output"
	[[ "$output" == "ESCAPED open /rw/file w" ]]
	[ "$(cat "$WORK/rw/file")" = pwned ]
	[ "$(stat -c %u "$WORK/rw/file")" -ne 0 ]
}

@test "sandbox: mount, umount /proc, pivot_root and chroot escapes fail" {
	run --separate-stderr sbx -- $HOSTILE tree
	assert_all_blocked 7
	[[ "$output" == *"BLOCKED umount /proc"* ]]
	[[ "$output" == *"BLOCKED pivot_root"* ]]
	[[ "$output" == *"BLOCKED chroot"* ]]
}

@test "sandbox: no new user namespace (unshare, clone, clone3) to regain capabilities" {
	run --separate-stderr sbx -- $HOSTILE userns
	assert_all_blocked 3
}

@test "sandbox: keyctl, bpf, perf_event_open, open_by_handle_at, raw and packet sockets fail" {
	run --separate-stderr sbx -- $HOSTILE kernel
	assert_all_blocked 7
}

@test "sandbox: the i386 and x32 syscall ABIs are filtered like the native one" {
	run --separate-stderr sbx -- $HOSTILE abi
	assert_all_blocked 2
	# EPERM is the filter's answer; a kernel without x32 alone says ENOSYS
	[[ "$output" == *"BLOCKED x32 unshare user: Operation not permitted"* ]]
	[[ "$output" == *"BLOCKED i386 unshare user: "* ]]
}

@test "sandbox: a host process can be neither killed nor traced" {
	sleep 1000 &
	HOST_PIDS+=($!)
	run --separate-stderr sbx -- $HOSTILE host-process "$!"
	assert_all_blocked 2
	kill -0 "${HOST_PIDS[0]}"
}

@test "sandbox: no host process's environment is readable (/proc/N/environ)" {
	local secret="sbx-secret-$RANDOM$RANDOM"
	env SBX_SECRET="$secret" sleep 1000 &
	HOST_PIDS+=($!)
	# (until env has exec'd sleep, the variable is only in env's argv)
	local i
	for i in $(seq 100); do
		grep -qa "$secret" "/proc/$!/environ" 2>/dev/null && break
		sleep 0.02
	done
	# the control: on the host the helper finds it
	run "$HELPERS/sandbox_hostile" environ "$secret"
	[[ "$output" == *"ESCAPED"* ]]
	run --separate-stderr sbx -- $HOSTILE environ "$secret"
	assert_all_blocked 1
}

@test "sandbox: a host loopback port and a host abstract unix socket are unreachable" {
	local port=$((20000 + RANDOM % 20000)) name="jaula-sbx-$RANDOM"
	"$HELPERS/sandbox_hostile" listen "$port" "$name" >"$WORK/listen.out" &
	HOST_PIDS+=($!)
	for _ in $(seq 50); do
		grep -q listening "$WORK/listen.out" && break
		sleep 0.05
	done
	# the control: from the host both connect
	run "$HELPERS/sandbox_hostile" connect "$port" "$name"
	echo "$output"
	[ "$(grep -c ESCAPED <<<"$output")" -eq 2 ]
	run --separate-stderr sbx -- $HOSTILE connect "$port" "$name"
	assert_all_blocked 2
}

# run_on_pty CMD...: CMD with a pty as its controlling terminal; prints its
# output, then what is left queued on the terminal's input.
run_on_pty() {
	python3 - "$@" <<'PY'
import os, sys, pty, fcntl, termios, select
master, slave = pty.openpty()
pid = os.fork()
if pid == 0:
    os.close(master)
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
status = None
while True:
    try:
        r, _, _ = select.select([master], [], [], 0.2)
        d = os.read(master, 4096) if r else b""
    except OSError:
        d = b""
    out += d
    if d:
        continue
    # we hold the slave too, so no EOF comes: stop once the child is gone
    if status is not None:
        break
    if os.waitpid(pid, os.WNOHANG)[0]:
        status = 0
sys.stdout.write(out.decode(errors="replace"))
attr = termios.tcgetattr(slave)
attr[3] &= ~termios.ICANON
termios.tcsetattr(slave, termios.TCSANOW, attr)
fcntl.fcntl(slave, fcntl.F_SETFL, os.O_NONBLOCK)
try:
    queued = os.read(slave, 4096)
except OSError:
    queued = b""
sys.stdout.write("QUEUED[" + queued.decode(errors="replace") + "]\n")
PY
}

@test "sandbox: TIOCSTI cannot push keystrokes into the caller's terminal" {
	run run_on_pty "$JAULA" sandbox --ro-bind "$HELPERS:/h" -- /h/tiocsti 'echo pwned'
	echo "$output"
	[[ "$output" == *"TIOCSTI: Operation not permitted"* ]]
	[[ "$output" != *"QUEUED[echo pwned"* ]]
}

@test "sandbox: -t gives the program a pty of its own; the caller's terminal is restored" {
	# script(1) gives jaula a terminal, 33x101 here; stty -g before and
	# after shows raw mode undone.  Field 7 of /proc/self/stat is the
	# controlling terminal (0: none).
	run script -qec "stty rows 33 cols 101; stty -g >'$WORK/before'
		'$JAULA' sandbox -t -- /bin/sh -c 'tty; [ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo all-tty
			stty size; echo ctty=\$(cut -d\" \" -f7 /proc/self/stat); exit 5'
		echo rc=\$?; stty -g >'$WORK/after'" /dev/null
	echo "$output"
	[[ "$output" =~ /dev/pts/[0-9]+ ]]
	[[ "$output" == *all-tty* ]]
	[[ "$output" == *"33 101"* ]]
	[[ "$output" != *ctty=0* ]] && [[ "$output" == *ctty=[1-9]* ]]
	[[ "$output" == *rc=5* ]]
	cmp "$WORK/before" "$WORK/after"
	# without -t: no controlling terminal, even when started from one
	run script -qec "'$JAULA' sandbox -- /bin/sh -c 'tty; echo ctty=\$(cut -d\" \" -f7 /proc/self/stat)'" /dev/null
	echo "$output"
	[[ "$output" == *"not a tty"* ]]
	[[ "$output" == *ctty=0* ]]
}

@test "sandbox: -t: keystrokes pushed with TIOCSTI stay in the sandbox's own pty" {
	run run_on_pty "$JAULA" sandbox -t --ro-bind "$HELPERS:/h" -- /h/tiocsti 'echo pwned'
	echo "$output"
	[[ "$output" == *"QUEUED["* ]]
	[[ "$output" != *"QUEUED[echo pwned"* ]]
}

@test "sandbox: /proc: hostname, sysrq-trigger and every /proc/N/exe stay unwritable" {
	local before after
	before=$(sha256sum "$JAULA" | cut -d' ' -f1)
	local host_name
	host_name=$(cat /proc/sys/kernel/hostname)
	run --separate-stderr sbx -- $HOSTILE proc
	echo "$output"
	[[ "$output" == *"BLOCKED open /proc/sys/kernel/hostname w"* ]]
	[[ "$output" == *"BLOCKED open /proc/sysrq-trigger w"* ]]
	[[ "$output" == *"BLOCKED open /proc/self/exe w"* ]]
	[[ "$output" == *"BLOCKED open /proc/1/exe w"* ]]
	# /proc/1/environ is the sandbox's own pid 1's: readable is fine, and
	# no other /proc/N/exe may be open for writing
	! grep -q "ESCAPED open /proc/[0-9a-z]*/exe" <<<"$output"
	after=$(sha256sum "$JAULA" | cut -d' ' -f1)
	[ "$before" = "$after" ]
	[ "$(cat /proc/sys/kernel/hostname)" = "$host_name" ]
}

@test "sandbox: no sealed re-exec when its uid cannot write jaula; one when it can, and jaula stays intact" {
	local d="$WORK/bin" b pid exe i
	mkdir -p "$d"
	install -m 0755 "$JAULA" "$d/jaula-safe"  # root's, no group/other write
	install -m 0777 "$JAULA" "$d/jaula-open"  # writable by the sandbox's uid
	install -m 0755 "$JAULA" "$d/jaula-theirs" # owned by the sandbox's uid
	chown 2000000000 "$d/jaula-theirs"
	for b in safe open theirs; do
		local before
		before=$(sha256sum "$d/jaula-$b" | cut -d' ' -f1)
		"$d/jaula-$b" sandbox --ro-bind "$HELPERS:/h" -- /bin/sh -c \
			"$HOSTILE proc; echo done; sleep 5" >"$WORK/$b.out" 2>&1 &
		pid=$!
		HOST_PIDS+=("$pid")
		for i in $(seq 250); do
			grep -q '^done' "$WORK/$b.out" && break
			sleep 0.02
		done
		exe=$(readlink "/proc/$pid/exe")
		echo "$b: $exe"
		kill -TERM "$pid"
		# A sealed copy runs from a detached read-only mount: its path is "/".
		if [ "$b" = safe ]; then [ "$exe" = "$d/jaula-$b" ]; else [ "$exe" = / ]; fi
		wait "$pid" || true # the TERM's 143
		grep -q "BLOCKED open /proc/1/exe w" "$WORK/$b.out"
		! grep -q "ESCAPED open /proc/[0-9a-z]*/exe" "$WORK/$b.out"
		[ "$(sha256sum "$d/jaula-$b" | cut -d' ' -f1)" = "$before" ]
	done
}

@test "sandbox: root's sandboxes without binds share a root no sandbox can write; a tampered one is not used" {
	local probe='grep -E "^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ / " /proc/self/mountinfo'
	run --separate-stderr "$JAULA" sandbox -- /bin/sh -c "$probe"
	[ "$status" -eq 0 ]
	echo "$output"
	local skel
	skel=/run/$(grep -o 'jaula-sbxroot-[0-9a-f]*' <<<"$output")
	[ "$skel" != /run/ ]
	[ "$(stat -c '%u %a' "$skel")" = "0 755" ]
	local tree
	tree=$(cd "$skel" && find . -printf '%p %y %u %m %l\n' | sort)
	# The next one takes the same; one with a bind has a root of its own.
	run --separate-stderr "$JAULA" sandbox -- /bin/sh -c "$probe"
	[[ "$output" == *"${skel#/run/}"* ]]
	run --separate-stderr sbx -- /bin/sh -c "$probe"
	[[ "$output" != *jaula-sbxroot-* ]]
	[[ "$output" == *jaula-sandbox-*/rootfs* ]]
	# Through a writable bind of /run, a sandbox (an unmapped host uid)
	# can add nothing for the next one: no ld.so.preload, no new entry.
	run --separate-stderr "$JAULA" sandbox --bind /run:/hostrun -- /bin/sh -c \
		"echo /x.so >/hostrun/${skel#/run/}/etc/ld.so.preload; mkdir /hostrun/${skel#/run/}/x;
		 rm -rf /hostrun/${skel#/run/}/usr; echo tried"
	echo "$output $stderr"
	[[ "$output" == tried ]]
	[ "$(cd "$skel" && find . -printf '%p %y %u %m %l\n' | sort)" = "$tree" ]
	# Writable by others (tampered with, or not ours): a tree of its own.
	chmod 0777 "$skel"
	run --separate-stderr "$JAULA" sandbox -- /bin/sh -c "$probe"
	chmod 0755 "$skel"
	[ "$status" -eq 0 ]
	[[ "$output" != *jaula-sbxroot-* ]]
}

@test "sandbox: an fd inherited from the caller is closed" {
	run --separate-stderr sbx -- $HOSTILE fd 5 5>"$WORK/inherited"
	assert_all_blocked 1
	[ ! -s "$WORK/inherited" ]
}

@test "sandbox: exec of a setuid binary gains no capability" {
	mkdir "$WORK/suid"
	cp "$HELPERS/sandbox_hostile" "$WORK/suid/hostile"
	chmod 4755 "$WORK/suid/hostile"
	run --separate-stderr sbx --ro-bind "$WORK/suid:/s" -- /s/hostile privileges
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"CapEff:	0000000000000000"* ]]
	[[ "$output" == *"CapPrm:	0000000000000000"* ]]
	[[ "$output" == *"NoNewPrivs:	1"* ]]
}

@test "sandbox: /dev/mem, /dev/kmsg and block devices are absent, mknod fails" {
	run --separate-stderr sbx -- $HOSTILE devices
	assert_all_blocked 10
}

# --- limits and the verdict ------------------------------------------------

@test "sandbox: a fork bomb ends at the pid limit" {
	run --separate-stderr sbx --pids 32 -- $HOSTILE forkbomb
	[ "$status" -eq 137 ]
	assert_killed "pid limit 32 reached"
}

@test "sandbox: a memory bomb (one process) ends at the memory limit" {
	run --separate-stderr sbx --memory 64M -- $HOSTILE membomb 1
	[ "$status" -eq 137 ]
	assert_killed "memory limit 64M exceeded"
}

@test "sandbox: a memory bomb of several processes ends at the sandbox's memory limit" {
	# each of 4 processes stays under 64M of address space; together over 64M
	run --separate-stderr sbx --memory 64M -- /bin/sh -c \
		"ulimit -v 40000; exec $HOSTILE membomb 4"
	[ "$status" -eq 137 ]
	assert_killed "memory limit 64M exceeded"
	run --separate-stderr sbx --memory 64M --json "$WORK/r.json" -- $HOSTILE membomb 4
	assert_killed "memory limit 64M exceeded"
	jq -e '.peak_memory_bytes > 64*1024*1024' "$WORK/r.json"
}

@test "sandbox: filling one file ends at the file size limit" {
	run --separate-stderr sbx --fsize 4M -- $HOSTILE diskfill /tmp/big
	[ "$status" -eq $((128 + 25)) ]
	assert_killed "file size limit 4M"
}

@test "sandbox: filling /tmp with many files stops at its size, on no host disk" {
	local before after
	before=$(df -k --output=used "$TMPDIR" | tail -1)
	run --separate-stderr sbx --memory 16M -- $HOSTILE diskfill-many /tmp
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "BLOCKED disk fill after "(1[0-6])"M: No space left on device" ]]
	after=$(df -k --output=used "$TMPDIR" | tail -1)
	[ $((after - before)) -lt 4096 ]
}

@test "sandbox: a CPU spin ends at the CPU time limit" {
	run --separate-stderr sbx --cpu-time 1 --json "$WORK/r.json" -- $HOSTILE spin
	assert_killed "CPU time limit 1s"
	[ "$status" -eq $((128 + 24)) ] || [ "$status" -eq 137 ]
	jq -e '.cpu_time_sec >= 0.9 and .reason == "CPU time limit 1s"' "$WORK/r.json"
}

@test "sandbox: the CPU time of all its processes counts" {
	run --separate-stderr sbx --cpu-time 2 -- /bin/sh -c \
		"$HOSTILE spin & $HOSTILE spin & $HOSTILE spin & wait"
	[ "$status" -eq 137 ]
	assert_killed "CPU time limit 2s"
}

@test "sandbox: a sleep ignoring SIGTERM and its daemonized grandchild end at the timeout" {
	mkdir -m 0777 "$WORK/beat"
	local t0=$SECONDS
	run --separate-stderr sbx --timeout 1 --bind "$WORK/beat:/beat" -- $HOSTILE stubborn /beat/b
	[ "$status" -eq 137 ]
	assert_killed "wall-clock timeout 1s"
	[ $((SECONDS - t0)) -lt 5 ]
	# the grandchild was beating, and beats no more
	local n
	n=$(stat -c %s "$WORK/beat/b")
	[ "$n" -gt 0 ]
	sleep 0.5
	[ "$(stat -c %s "$WORK/beat/b")" -eq "$n" ]
}

@test "sandbox: killing jaula kills the sandbox (no limit-free orphan)" {
	mkdir -m 0777 "$WORK/beat"
	local runs
	runs=$(find /run -maxdepth 1 -name 'jaula-sandbox-*' | sort)
	"$JAULA" sandbox --ro-bind "$HELPERS:/h" --bind "$WORK/beat:/beat" -- \
		$HOSTILE stubborn /beat/b >/dev/null 2>&1 3>&- &
	local jpid=$!
	for _ in $(seq 100); do
		[ -s "$WORK/beat/b" ] && break
		sleep 0.05
	done
	[ -s "$WORK/beat/b" ]
	kill -9 "$jpid"
	wait "$jpid" || true
	sleep 0.3
	local n
	n=$(stat -c %s "$WORK/beat/b")
	sleep 0.5
	[ "$(stat -c %s "$WORK/beat/b")" -eq "$n" ]
	# what the killed jaula left, the next sandbox reclaims
	run --separate-stderr sbx -- /bin/true
	[ "$(find /run -maxdepth 1 -name 'jaula-sandbox-*' | sort)" = "$runs" ]
}

# new_sandbox_dirs BEFORE: the /run/jaula-sandbox-* not in BEFORE.
new_sandbox_dirs() {
	comm -13 <(echo "$1") <(find /run -maxdepth 1 -name 'jaula-sandbox-*' | sort)
}

@test "sandbox: a killed jaula's directory and cgroup are reclaimed, a live one's never" {
	mkdir -m 0777 "$WORK/beat"
	local runs dead live cg_dead cg_live
	runs=$(find /run -maxdepth 1 -name 'jaula-sandbox-*' | sort)
	# jaula itself, not a subshell running it: $! is what gets killed
	"$JAULA" sandbox --ro-bind "$HELPERS:/h" --bind "$WORK/beat:/beat" -- \
		$HOSTILE stubborn /beat/b >/dev/null 2>&1 3>&- &
	local dying=$!
	HOST_PIDS+=("$dying")
	for _ in $(seq 100); do
		[ -s "$WORK/beat/b" ] && break
		sleep 0.05
	done
	dead=$(new_sandbox_dirs "$runs")
	[ -n "$dead" ] && [ -e "$dead/lock" ]
	runs=$(find /run -maxdepth 1 -name 'jaula-sandbox-*' | sort)
	# a bind: something of the caller's in its root, so a directory and
	# a cgroup of its own (a plain sandbox has neither)
	"$JAULA" sandbox --ro-bind "$HELPERS:/h" -- /bin/sleep 60 >/dev/null 2>&1 3>&- &
	local living=$!
	HOST_PIDS+=("$living")
	for _ in $(seq 100); do
		live=$(new_sandbox_dirs "$runs")
		[ -n "$live" ] && [ -d "/sys/fs/cgroup/jaula/sandbox-${live##*-}" ] && break
		sleep 0.05
	done
	[ -n "$live" ]
	cg_dead=/sys/fs/cgroup/jaula/sandbox-${dead##*-}
	cg_live=/sys/fs/cgroup/jaula/sandbox-${live##*-}
	[ -d "$cg_dead" ] && [ -d "$cg_live" ]
	kill -9 "$dying"
	wait "$dying" || true
	sleep 0.3
	# SIGKILL ran no cleanup
	[ -d "$dead" ] && [ -d "$cg_dead" ]
	run --separate-stderr sbx -- /bin/true
	[ "$status" -eq 0 ]
	[ ! -e "$dead" ]
	[ ! -e "$cg_dead" ]
	# the live sandbox is untouched and still runs
	[ -e "$live/lock" ] && [ -d "$cg_live" ]
	kill -0 "$living"
	kill -TERM "$living"
	wait "$living" || true
	[ ! -e "$live" ] && [ ! -e "$cg_live" ]
}

@test "sandbox: --json records status, signal, reason, wall and CPU time, peak memory" {
	run --separate-stderr sbx --json "$WORK/ok.json" -- /bin/sh -c 'exit 3'
	[ "$status" -eq 3 ]
	cat "$WORK/ok.json"
	jq -e '.status == 3 and .signal == null and .reason == null and .wall_time_sec >= 0
		and .cpu_time_sec >= 0 and .peak_memory_bytes > 0' "$WORK/ok.json"
	run --separate-stderr sbx --pids 16 --json "$WORK/bomb.json" -- $HOSTILE forkbomb
	jq -e '.status == 137 and .signal == 9 and .reason == "pid limit 16 reached"' \
		"$WORK/bomb.json"
}

@test "sandbox: without cgroup v2 memory and pids controllers it says so, once" {
	run --separate-stderr sbx -- /bin/true
	echo "$stderr"
	[ "$status" -eq 0 ]
	if ! grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		[ "$(grep -c 'enforced with rlimits and a watchdog' <<<"$stderr")" -eq 1 ]
	fi
}

@test "sandbox: nothing is left behind (root's bundles live in /run)" {
	local before cgroups
	before=$(find /run -maxdepth 1 -name 'jaula-sandbox-*' | wc -l)
	cgroups=$(find /sys/fs/cgroup -maxdepth 2 -name 'sandbox-*' | wc -l)
	run --separate-stderr sbx --pids 16 -- $HOSTILE forkbomb
	run --separate-stderr sbx -- /bin/true
	run --separate-stderr sbx -- /nonexistent
	[ "$status" -ne 0 ]
	[[ "$stderr" == *'exec: "/nonexistent": No such file or directory'* ]]
	[ "$(find /run -maxdepth 1 -name 'jaula-sandbox-*' | wc -l)" -eq "$before" ]
	[ "$(find /sys/fs/cgroup -maxdepth 2 -name 'sandbox-*' | wc -l)" -eq "$cgroups" ]
}

@test "sandbox: a program the kernel refuses to exec is one line naming it, status 127" {
	printf '\177ELF, but not really' >"$WORK/bad"
	chmod 0755 "$WORK/bad"
	run -127 --separate-stderr sbx --ro-bind "$WORK/bad:/bad" -- /bad
	echo "$stderr"
	[ "$status" -eq 127 ]
	[[ "$stderr" == *'exec "/bad": Exec format error'* ]]
}

# living_sandbox [SETUP]: a plain sandbox left running (a shell that runs
# SETUP, says it is up and waits for a sleep), jaula's pid in $living and
# its pid 1's in $init once the program is up.
living_sandbox() {
	"$JAULA" sandbox -- /bin/sh -c "${1:-:}; echo up >/tmp/up; sleep 30 & wait" \
		>/dev/null 2>&1 3>&- &
	living=$!
	HOST_PIDS+=("$living")
	init=""
	for _ in $(seq 100); do
		init=$(pgrep -P "$living" | head -n 1)
		[ -n "$init" ] && [ -s "/proc/$init/root/tmp/up" ] && break
		sleep 0.05
	done
	[ -s "/proc/$init/root/tmp/up" ]
}

@test "sandbox: a plain sandbox makes nothing on disk while it runs, and still runs alone" {
	local runs cgroups
	runs=$(find /run -maxdepth 1 -name 'jaula-sandbox-*' | sort)
	cgroups=$(find /sys/fs/cgroup -maxdepth 2 -name 'sandbox-*' | sort)
	local living init
	living_sandbox
	# no directory, no state, and (where cgroup v2 holds no limit) no cgroup
	[ "$(find /run -maxdepth 1 -name 'jaula-sandbox-*' | sort)" = "$runs" ]
	if ! grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		[ "$(find /sys/fs/cgroup -maxdepth 2 -name 'sandbox-*' | sort)" = "$cgroups" ]
	fi
	# its own namespaces all the same: not the host's pid, mount or user
	local t
	for t in pid mnt user net ipc uts; do
		[ "$(readlink "/proc/$init/ns/$t")" != "$(readlink "/proc/self/ns/$t")" ]
	done
	kill -TERM "$living"
	wait "$living" || true
	! kill -0 "$init" 2>/dev/null
}

# The start keeps to one CPU (sandbox.c): what runs after it must not.
@test "sandbox: the program, its pid 1 and jaula run on the caller's CPUs again once it runs" {
	local mine
	mine=$(awk -F'\t' '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)
	# no binds: a plain sandbox, the one that keeps to one CPU
	run --separate-stderr "$JAULA" sandbox -- /bin/sh -c \
		'for p in self 1; do grep ^Cpus_allowed_list: /proc/$p/status; done'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Cpus_allowed_list:	$mine" ]
	[ "${lines[1]}" = "Cpus_allowed_list:	$mine" ]
	local living init
	living_sandbox
	[ "$(awk -F'\t' '/^Cpus_allowed_list/ { print $2 }' "/proc/$living/status")" = "$mine" ]
	kill -TERM "$living"
	wait "$living" || true
	# a caller kept to one CPU keeps its program there
	local one=${mine%%[-,]*}
	run --separate-stderr taskset -c "$one" "$JAULA" sandbox -- /bin/grep ^Cpus_allowed_list: /proc/self/status
	[ "$status" -eq 0 ]
	[ "$output" = "Cpus_allowed_list:	$one" ]
}

# --- --image ---------------------------------------------------------------

# import_image NAME: the busybox rootfs with an os-release of its own, as
# NAME in $STORE.
import_image() {
	export STORE=$BATS_TEST_TMPDIR/store
	cp -a "$ROOTFS" "$WORK/img"
	echo "ID=jaula-sandbox-image" >"$WORK/img/etc/os-release"
	tar -C "$WORK/img" -cf "$WORK/img.tar" .
	"$JAULA" --store "$STORE" image import -q "$WORK/img.tar" "$1" >/dev/null
}

@test "sandbox --image: the image's root, read-only, none of the host's; nothing left in the store" {
	import_image bb
	local runs
	runs=$(find /run -maxdepth 1 -name 'jaula-sandbox-*' | sort)
	run --separate-stderr "$JAULA" --store "$STORE" sandbox --image bb -- /bin/sh -c '
		cat /etc/os-release
		[ -e /etc/shadow ] || echo no-shadow
		[ -e /etc/ld.so.cache ] || echo no-host-loader
		ls /usr
		touch /new 2>&1
		touch /tmp/f && echo tmp-writable
		ls /dev | tr "\n" " "'
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = ID=jaula-sandbox-image ]
	[[ "$output" == *no-shadow* ]]
	[[ "$output" == *no-host-loader* ]]
	[ "${lines[3]}" = bin ] # the image's /usr, not the host's
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *tmp-writable* ]]
	[[ "$output" == *"null"*"urandom"* ]]
	[ ! -e "$WORK/img/new" ]
	# nothing left: not in the store, not mounted, not in /run
	[ -z "$(ls -A "$STORE/containers")" ]
	! grep -q "$STORE" /proc/self/mountinfo
	[ "$(find /run -maxdepth 1 -name 'jaula-sandbox-*' | sort)" = "$runs" ]
	# JAULA_STORE as for every command; binds go on top
	mkdir -m 0777 "$WORK/data"
	run --separate-stderr env JAULA_STORE="$STORE" "$JAULA" sandbox --image bb \
		--bind "$WORK/data:/data" -- /bin/sh -c 'cat /etc/os-release; echo x >/data/x'
	[ "$status" -eq 0 ]
	[ "$output" = ID=jaula-sandbox-image ]
	[ -e "$WORK/data/x" ]
	[ -z "$(ls -A "$STORE/containers")" ]
}

@test "sandbox --image: a missing image is one line naming it; nothing is left" {
	import_image bb
	local runs
	runs=$(find /run -maxdepth 1 -name 'jaula-sandbox-*' | sort)
	run --separate-stderr "$JAULA" --store "$STORE" sandbox --image nosuch -- /bin/true
	echo "$stderr"
	[ "$status" -eq 125 ]
	[[ "$stderr" == *'--image'*'"nosuch"'* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[ -z "$(ls -A "$STORE/containers")" ]
	[ "$(find /run -maxdepth 1 -name 'jaula-sandbox-*' | sort)" = "$runs" ]
}

@test "sandbox --image: a killed jaula's root in the store is reclaimed" {
	import_image bb
	"$JAULA" --store "$STORE" sandbox --image bb -- /bin/sleep 60 >/dev/null 2>&1 3>&- &
	local jpid=$!
	for _ in $(seq 100); do
		[ -n "$(ls -A "$STORE/containers" 2>/dev/null)" ] && break
		sleep 0.05
	done
	[ -n "$(ls -A "$STORE/containers")" ]
	sleep 0.3
	kill -9 "$jpid"
	wait "$jpid" || true
	[ -n "$(ls -A "$STORE/containers")" ]
	run --separate-stderr sbx -- /bin/true
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$STORE/containers")" ]
}

# --- --net -----------------------------------------------------------------

@test "sandbox --net: eth0 on jaula0's subnet, the gateway and NAT answer; lease and veth go at exit" {
	NET_WORLD=1
	net_setup
	import_image bb
	# a listener on the host, on every address: the gateway's too
	bg host "$NETCTL" serve --tcp 7007
	wait_listen host tcp 7007
	run --separate-stderr "$JAULA" --store "$STORE" sandbox --net --image bb -- /bin/sh -c '
		ip -o -4 addr show eth0 | awk "{print \$4}"
		ls /sys/class/net 2>/dev/null
		echo hi | nc -w 2 10.87.0.1 7007
		echo out | nc -w 2 192.0.2.2 7'
	echo "$output"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == 10.87.*/16 ]]
	local a=${lines[0]%/16}
	[ "${lines[1]}" = "$a hi" ]
	[ "${lines[2]}" = "192.0.2.1 out" ]
	assert_net_clean "$a"
	[ -z "$(ls -A "$STORE/containers")" ]
	# names: the host's non-loopback resolvers, the sandbox's own address;
	# the host's root (no --image) has its /etc/hosts and resolv.conf too
	printf 'nameserver 127.0.0.53\nnameserver 198.51.100.9\n' >"$BATS_TEST_TMPDIR/resolv"
	mount --bind "$BATS_TEST_TMPDIR/resolv" /etc/resolv.conf
	run --separate-stderr "$JAULA" --store "$STORE" sandbox --net -- /bin/sh -c \
		'cat /etc/resolv.conf; grep -w sandbox /etc/hosts; ip -o -4 addr show eth0'
	umount /etc/resolv.conf
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"nameserver 198.51.100.9"* ]]
	[[ "$output" != *127.0.0.53* ]]
	a=$(echo "$output" | awk '/eth0/ {print $4}')
	[[ "$(echo "$output" | grep -w sandbox)" == "${a%/16}"*sandbox* ]]
	# without --net: loopback only
	run --separate-stderr "$JAULA" --store "$STORE" sandbox --image bb -- /bin/sh -c \
		'ip -o link | awk -F": " "{print \$2}"; echo hi | nc -w 1 10.87.0.1 7007 || echo unreachable'
	echo "$output"
	[ "${lines[0]}" = lo ]
	[[ "$output" == *unreachable* ]]
}

@test "sandbox --net: a killed jaula's lease is reclaimed; --network NAME, not host" {
	NET_WORLD=1
	net_setup
	import_image bb
	jnet create --subnet 10.99.0.0/24 sbxnet >/dev/null
	"$JAULA" --store "$STORE" sandbox --network sbxnet --image bb -- /bin/sleep 60 \
		>/dev/null 2>&1 3>&- &
	local jpid=$!
	for _ in $(seq 100); do
		[ -n "$(find "$STORE/networks" -path '*/leases/*' ! -name .lock 2>/dev/null)" ] && break
		sleep 0.05
	done
	sleep 0.3
	jnet inspect sbxnet
	[ -n "$(find "$STORE/networks" -path '*/leases/*' ! -name .lock)" ]
	kill -9 "$jpid"
	wait "$jpid" || true
	[ -n "$(find "$STORE/networks" -path '*/leases/*' ! -name .lock)" ]
	run --separate-stderr sbx -- /bin/true
	[ "$status" -eq 0 ]
	assert_net_clean
	[ -z "$(ls -A "$STORE/containers")" ]
	run --separate-stderr "$JAULA" --store "$STORE" sandbox --network host -- /bin/true
	[ "$status" -eq 125 ]
	[[ "$stderr" == *'--network: "host"'* ]]
}

# --- options ---------------------------------------------------------------

@test "sandbox: --env, --clear-env, --workdir and a --bind to a new top-level directory" {
	mkdir "$WORK/data"
	echo hello >"$WORK/data/in"
	run --separate-stderr env SBX_FROM_CALLER=yes "$JAULA" sandbox --env A=1 \
		--bind "$WORK/data:/data" --workdir /data -- /bin/sh -c \
		'echo "$A $SBX_FROM_CALLER $(pwd) $(cat in)"'
	echo "$output"
	[ "$output" = "1 yes /data hello" ]
	run --separate-stderr env SBX_FROM_CALLER=yes "$JAULA" sandbox --clear-env \
		--env PATH=/usr/bin:/bin -- /bin/sh -c 'env | grep -v "^PWD=" | sort'
	echo "$output"
	# HOME is the runtime's default for a process without one, as in run
	[ "$output" = "$(printf 'HOME=/\nPATH=/usr/bin:/bin')" ]
}

@test "sandbox: --ro-bind and --bind apply in the order given; the later one wins" {
	mkdir -m 0777 "$WORK/a" "$WORK/b" # the sandbox's root is nobody on the host
	echo a >"$WORK/a/which"
	echo b >"$WORK/b/which"
	# read-only a, then writable b over it: b's, and writable
	run --separate-stderr "$JAULA" sandbox --ro-bind "$WORK/a:/x" --bind "$WORK/b:/x" -- \
		/bin/sh -c 'cat /x/which; echo new >/x/new && echo wrote'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'b\nwrote')" ]
	[ -e "$WORK/b/new" ] && [ ! -e "$WORK/a/new" ]
	# the other way round: a's, and read-only
	run --separate-stderr "$JAULA" sandbox --bind "$WORK/b:/x" --ro-bind "$WORK/a:/x" -- \
		/bin/sh -c 'cat /x/which; echo new >/x/new2 && echo wrote'
	echo "$output $stderr"
	[ "${lines[0]}" = a ]
	[[ "$output" != *wrote* ]]
	[[ "$stderr" == *"Read-only file system"* ]]
	[ ! -e "$WORK/a/new2" ] && [ ! -e "$WORK/b/new2" ]
	# the same directory made read-only again after a writable bind
	run --separate-stderr "$JAULA" sandbox --bind "$WORK/b:/x" --ro-bind "$WORK/b:/x" -- \
		/bin/sh -c 'echo new >/x/new3'
	[ "$status" -ne 0 ]
	[ ! -e "$WORK/b/new3" ]
}

@test "sandbox: --allow-syscall lifts a denial; --seccomp takes a profile of one's own" {
	# twice each, and in turns: the second of each finds its program in
	# the cache, which must never hand one list's program to the other
	local i
	for i in 1 2; do
		run --separate-stderr sbx --allow-syscall keyctl -- $HOSTILE kernel
		echo "$output"
		[[ "$output" != *"keyctl: Operation not permitted"* ]]
		[[ "$output" == *"BLOCKED bpf: Operation not permitted"* ]]
		run --separate-stderr sbx -- $HOSTILE kernel
		echo "$output"
		[[ "$output" == *"keyctl: Operation not permitted"* ]]
		[[ "$output" == *"BLOCKED bpf: Operation not permitted"* ]]
	done
	# without a cache, the same
	JAULA_SECCOMP_CACHE=off run --separate-stderr sbx -- $HOSTILE kernel
	[[ "$output" == *"keyctl: Operation not permitted"* ]]
	cat >"$WORK/profile.json" <<-'EOF'
	{"defaultAction": "SCMP_ACT_ALLOW",
	 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
	EOF
	run --separate-stderr sbx --seccomp "$WORK/profile.json" -- /bin/mkdir /tmp/d
	echo "$output $stderr"
	[ "$status" -ne 0 ]
	[[ "$stderr" == *"Permission denied"* ]]
	# and without it, mkdir works
	run --separate-stderr sbx -- /bin/mkdir /tmp/d
	[ "$status" -eq 0 ]
}

@test "sandbox: bad options are one-line errors" {
	run --separate-stderr "$JAULA" sandbox --memory lots -- /bin/true
	[ "$status" -eq 125 ]
	[[ "$stderr" == *'--memory: "lots" is not a size'* ]]
	run --separate-stderr "$JAULA" sandbox --bind /nonexistent-src -- /bin/true
	[ "$status" -eq 125 ]
	[[ "$stderr" == *'--bind: source "/nonexistent-src"'* ]]
	run --separate-stderr "$JAULA" sandbox --ro-bind /usr:/proc/x -- /bin/true
	[ "$status" -eq 125 ]
	run --separate-stderr "$JAULA" sandbox
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"no program to run"* ]]
	# a profile of the wrong shape: the file and the field
	echo '{"defaultAction": 5}' >"$BATS_TEST_TMPDIR/bad.json"
	run --separate-stderr "$JAULA" sandbox --seccomp "$BATS_TEST_TMPDIR/bad.json" -- /bin/true
	[ "$status" -eq 125 ]
	[[ "$stderr" == *"--seccomp $BATS_TEST_TMPDIR/bad.json: defaultAction: expected string"* ]]
}

# --- the same as an ordinary user ------------------------------------------

# usbx [flags] -- PROGRAM ARGS: jaula sandbox as uid SBX_UID.
usbx() {
	setpriv --reuid="$SBX_UID" --regid="$SBX_UID" --clear-groups -- \
		env -u XDG_RUNTIME_DIR TMPDIR="$USER_DIR/tmp" "$JAULA" sandbox --ro-bind "$HELPERS:/h" "$@"
}

user_setup() {
	if getent passwd "$SBX_UID" >/dev/null || pgrep -U "$SBX_UID" >/dev/null; then
		skip "uid $SBX_UID is taken on this host"
	fi
	USER_DIR="$SBX_BASE/sbx-user-$BATS_TEST_NUMBER-$$"
	mkdir -p "$USER_DIR/tmp" "$USER_DIR/beat"
	chown -R "$SBX_UID:$SBX_UID" "$USER_DIR"
}

@test "sandbox as a user: runs, maps only its own uid, no capabilities" {
	user_setup
	run --separate-stderr usbx -- /bin/sh -c \
		'id -u; cat /proc/self/uid_map; grep -E "^(CapEff|NoNewPrivs):" /proc/self/status'
	echo "$output $stderr"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	read -r inside outside count <<<"${lines[1]}"
	[ "$inside" = 0 ] && [ "$outside" = "$SBX_UID" ] && [ "$count" = 1 ]
	[[ "$output" == *"CapEff:	0000000000000000"* ]]
	[[ "$stderr" == *"no cgroup of its own for an ordinary user"* ]]
	[ -z "$(find "$USER_DIR/tmp" -mindepth 1)" ]
}

@test "sandbox as a user: the escapes fail as they do for root" {
	user_setup
	run --separate-stderr usbx -- $HOSTILE read /etc/shadow
	assert_all_blocked 1
	run --separate-stderr usbx -- $HOSTILE tree
	assert_all_blocked 7
	run --separate-stderr usbx -- $HOSTILE userns
	assert_all_blocked 3
	run --separate-stderr usbx -- $HOSTILE kernel
	assert_all_blocked 7
	run --separate-stderr usbx -- $HOSTILE abi
	assert_all_blocked 2
	run --separate-stderr usbx -- $HOSTILE devices
	assert_all_blocked 10
	run --separate-stderr usbx -- $HOSTILE fd 5 5>"$WORK/inherited"
	assert_all_blocked 1
	sleep 1000 &
	HOST_PIDS+=($!)
	run --separate-stderr usbx -- $HOSTILE host-process "$!"
	assert_all_blocked 2
}

@test "sandbox as a user: the limits end what they limit" {
	user_setup
	run --separate-stderr usbx --pids 32 -- $HOSTILE forkbomb
	[ "$status" -eq 137 ]
	assert_killed "pid limit 32 reached"
	run --separate-stderr usbx --memory 64M -- $HOSTILE membomb 3
	[ "$status" -eq 137 ]
	assert_killed "memory limit 64M exceeded"
	run --separate-stderr usbx --fsize 2M -- $HOSTILE diskfill /tmp/big
	assert_killed "file size limit 2M"
	run --separate-stderr usbx --cpu-time 1 -- $HOSTILE spin
	assert_killed "CPU time limit 1s"
	run --separate-stderr usbx --timeout 1 --bind "$USER_DIR/beat:/beat" -- $HOSTILE stubborn /beat/b
	assert_killed "wall-clock timeout 1s"
	local n
	n=$(stat -c %s "$USER_DIR/beat/b")
	[ "$n" -gt 0 ]
	sleep 0.5
	[ "$(stat -c %s "$USER_DIR/beat/b")" -eq "$n" ]
	[ -z "$(find "$USER_DIR/tmp" -mindepth 1)" ]
}
