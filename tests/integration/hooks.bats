#!/usr/bin/env bats
# OCI hooks: the six kinds in order, the state each gets on stdin, args and
# env passed exactly, timeouts, and what a failing hook of each kind does to
# the lifecycle.
#
# Each hook is the rootfs's static busybox running a script, so argv[0] of
# the hook ("sh", not the path) is what selects busybox's applet, and the
# script logs its own exact argv and environment from /proc/self (opened by
# the shell itself, so in the container's pid namespace too).  Host-side
# hooks read the state with jq; the startContainer hook runs inside the
# container, where there is no jq: it saves its stdin and the test reads it.

load lib/helpers

eval "helpers_$(declare -f setup)"
setup() {
	helpers_setup
	LOGDIR=$BATS_TEST_TMPDIR/log
	BB=$ROOTFS/bin/busybox
	mkdir -p "$LOGDIR"
	write_hook_script "$BATS_TEST_TMPDIR/hook.sh" host
}

# write_hook_script FILE host|container
write_hook_script() {
	cat >"$1" <<'EOF'
# busybox sh hook.sh KIND [ARGS...]; the state on stdin; LOGDIR, HOOK_EXIT from env
exec 3</proc/self/cmdline 4</proc/self/environ
kind=$1
cat >"$LOGDIR/$kind.json"
args=$(tr '\0' '|' <&3)
env=$(tr '\0' '|' <&4)
EOF
	if [ "$2" = host ]; then
		cat >>"$1" <<'EOF'
fields=$(jq -r '"status=\(.status) pid=\(.pid) id=\(.id) bundle=\(.bundle)"' "$LOGDIR/$kind.json")
pid=$(jq -r .pid "$LOGDIR/$kind.json")
cg=$(grep '^0::' "/proc/$pid/cgroup" 2>/dev/null)
echo "$kind $fields args=$args env=$env cg=$cg uts=$(cat /proc/sys/kernel/hostname)" >>"$LOGDIR/hooks.log"
EOF
	else
		cat >>"$1" <<'EOF'
echo "$kind args=$args env=$env uts=$(cat /proc/sys/kernel/hostname)" >>"$LOGDIR/hooks.log"
EOF
	fi
	echo 'exit ${HOOK_EXIT:-0}' >>"$1"
}

# add_hook KIND [EXTRA-JSON]: a hook of KIND running the host script.
add_hook() {
	cfg '.hooks[$k] += [{"path": $bb, "args": ["sh", $h, $k, "a b", ""],
		"env": ["PATH=/usr/bin:/bin", "LOGDIR=" + $l, "X=with space"]} + $e]' \
		--arg k "$1" --arg bb "$BB" --arg h "$BATS_TEST_TMPDIR/hook.sh" --arg l "$LOGDIR" \
		--argjson e "${2:-{\}}"
}

# startContainer resolves in the container: a private rootfs with the
# script, the log dir bind-mounted at /log.
add_container_hook() {
	[ -d "$BATS_TEST_TMPDIR/rootfs" ] || private_rootfs
	write_hook_script "$BATS_TEST_TMPDIR/rootfs/hook.sh" container
	cfg '.mounts += [{"destination": "/log", "type": "bind", "source": $l, "options": ["rbind"]}]' \
		--arg l "$LOGDIR"
	cfg '.hooks.startContainer += [{"path": "/bin/busybox", "args": ["sh", "/hook.sh", "startContainer", "a b", ""],
		"env": ["PATH=/bin", "LOGDIR=/log", "X=with space"]} + $e]' --argjson e "${1:-{\}}"
}

all_hooks() {
	for k in prestart createRuntime createContainer; do add_hook $k; done
	add_container_hook
	for k in poststart poststop; do add_hook $k; done
}

# The kinds in the order they ran.
ran() {
	awk '{print $1}' "$LOGDIR/hooks.log" 2>/dev/null | paste -sd' '
}

# state_of KIND FILTER: a field of the state that hook got.
state_of() {
	jq -r "$2" "$LOGDIR/$1.json"
}

@test "create, start, kill, delete: the six hooks run in order with the right state" {
	all_hooks
	set_args sleep 100
	create_ctr
	pid=$(ctr_pid "$ID")
	[ "$(ran)" = "prestart createRuntime createContainer" ]
	jaula start "$ID"
	[ "$(ran)" = "prestart createRuntime createContainer startContainer poststart" ]
	jaula kill "$ID" KILL
	wait_status "$ID" stopped
	jaula delete "$ID"
	[ "$(ran)" = "prestart createRuntime createContainer startContainer poststart poststop" ]
	for k in prestart createRuntime createContainer startContainer poststart poststop; do
		[ "$(state_of $k .id)" = "$ID" ] || { echo "$k: id"; false; }
		[ "$(state_of $k .bundle)" = "$BUNDLE" ] || { echo "$k: bundle"; false; }
		[ "$(state_of $k .ociVersion)" != null ] || { echo "$k: ociVersion"; false; }
	done
	# the container's host pid, while it lives
	for k in prestart createRuntime createContainer startContainer poststart; do
		[ "$(state_of $k .pid)" = "$pid" ] || { echo "$k: pid $(state_of $k .pid) != $pid"; false; }
	done
	# "created" for every create-time hook, as crun and the OCI validation
	# suite have it
	[ "$(state_of prestart .status)" = created ]
	[ "$(state_of createRuntime .status)" = created ]
	[ "$(state_of createContainer .status)" = created ]
	[ "$(state_of startContainer .status)" = created ]
	[ "$(state_of poststart .status)" = running ]
	[ "$(state_of poststop .status)" = stopped ]
	# the host-side hooks' view of that pid: it is in the container's cgroup
	grep -q "^prestart .* cg=0::/jaula/$ID uts=" "$LOGDIR/hooks.log"
	grep -q "^poststart .* cg=0::/jaula/$ID uts=" "$LOGDIR/hooks.log"
	# createContainer and startContainer run in the container's namespaces,
	# the others in the runtime's
	host=$(cat /proc/sys/kernel/hostname)
	for k in prestart createRuntime poststart poststop; do
		grep -q "^$k .* uts=$host\$" "$LOGDIR/hooks.log" || { echo "$k: not on the host"; false; }
	done
	grep -q "^createContainer .* uts=jaula-test\$" "$LOGDIR/hooks.log"
	grep -q "^startContainer .* uts=jaula-test\$" "$LOGDIR/hooks.log"
	assert_gone "$ID"
}

@test "run: the six hooks run in order, poststop after the process exited" {
	all_hooks
	run_ctr true
	[ "$status" -eq 0 ]
	# startContainer vs poststart: racy under run (see the skipped test below)
	order=$(ran)
	[ "$order" = "prestart createRuntime createContainer startContainer poststart poststop" ] ||
		[ "$order" = "prestart createRuntime createContainer poststart startContainer poststop" ]
	pid=$(state_of prestart .pid)
	[ "$pid" -gt 0 ]
	for k in createRuntime createContainer startContainer poststart; do
		[ "$(state_of $k .pid)" = "$pid" ] || { echo "$k: pid"; false; }
		[ "$(state_of $k .id)" = "$ID" ] || { echo "$k: id"; false; }
	done
	# stopped: no process any more (runtime-spec: pid only while it exists)
	[ "$(state_of poststop '.pid // 0')" = 0 ]
	grep -q "^createRuntime status=created pid=$pid id=$ID bundle=$BUNDLE .* cg=0::/jaula/$ID uts=" \
		"$LOGDIR/hooks.log"
	[ "$(state_of poststop .status)" = stopped ]
	assert_gone "$ID"
}

@test "run: poststart waits until the process was executed (after startContainer)" {
	add_container_hook
	# a slow startContainer hook makes the race certain
	sed -i '1i sleep 0.5' "$BATS_TEST_TMPDIR/rootfs/hook.sh"
	add_hook poststart
	run_ctr true
	[ "$status" -eq 0 ]
	[ "$(ran)" = "startContainer poststart" ]
}

@test "hooks get args (args[0] included) and env exactly, env replacing the runtime's" {
	all_hooks
	export LEAKED_FROM_RUNTIME=1
	run_ctr true
	[ "$status" -eq 0 ]
	for k in prestart createRuntime createContainer poststart poststop; do
		line=$(grep "^$k " "$LOGDIR/hooks.log")
		[[ "$line" == *" args=sh|$BATS_TEST_TMPDIR/hook.sh|$k|a b||"* ]] || { echo "$line"; false; }
		[[ "$line" == *" env=PATH=/usr/bin:/bin|LOGDIR=$LOGDIR|X=with space| cg="* ]] ||
			{ echo "$line"; false; }
	done
	line=$(grep "^startContainer " "$LOGDIR/hooks.log")
	[ "$line" = "startContainer args=sh|/hook.sh|startContainer|a b|| env=PATH=/bin|LOGDIR=/log|X=with space| uts=jaula-test" ]
	! grep -q LEAKED_FROM_RUNTIME "$LOGDIR/hooks.log"
}

@test "a hook without env inherits the runtime's; env [] is empty; without args just its path" {
	# (tr must not be the script's last command: sh would exec it in its
	# own process, whose old environ fd 4 then reads as empty)
	cfg '.hooks.prestart = [{"path": $bb, "args": ["sh", "-c", $s]},
		{"path": $bb, "args": ["sh", "-c", $e], "env": []}]' --arg bb "$BB" \
		--arg s "exec 4</proc/self/environ; $BB tr '\\0' '\\n' <&4 >$LOGDIR/env; echo done >>$LOGDIR/env" \
		--arg e "exec 4</proc/self/environ; $BB tr '\\0' '|' <&4 >$LOGDIR/empty; echo done >>$LOGDIR/empty"
	cat >"$BATS_TEST_TMPDIR/noargs" <<EOF
#!$BB sh
echo "\$0 \$#" >$LOGDIR/noargs
EOF
	chmod +x "$BATS_TEST_TMPDIR/noargs"
	cfg '.hooks.createRuntime = [{"path": $p}]' --arg p "$BATS_TEST_TMPDIR/noargs"
	set_args true
	run env JAULA_HOOK_MARK=inherited "$JAULA" --root "$STATE" run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	grep -qx JAULA_HOOK_MARK=inherited "$LOGDIR/env"
	[ "$(cat "$LOGDIR/empty")" = done ]
	[ "$(cat "$LOGDIR/noargs")" = "$BATS_TEST_TMPDIR/noargs 0" ]
}

@test "a hook past its timeout is killed, with what it started, and create fails" {
	cfg '.hooks.prestart = [{"path": $bb, "args": ["sh", "-c", "sleep 31.4159; :"], "timeout": 1}]' \
		--arg bb "$BB"
	set_args true
	start=$(date +%s)
	run create_ctr
	[ "$status" -ne 0 ]
	[ $(($(date +%s) - start)) -lt 10 ]
	[[ "$output" == *"prestart hook[0] \"$BB\": timed out after 1 s"* ]]
	assert_gone "$ID"
	sleep 0.2
	! pgrep -f 'sleep 31.4159'
}

# fail_create KIND: a hook of KIND exiting 3 makes create fail, naming it.
fail_create() {
	if [ "$1" = startContainer ]; then
		add_container_hook '{"env": ["HOOK_EXIT=3", "LOGDIR=/log", "PATH=/bin"]}'
	else
		add_hook "$1" '{"env": ["HOOK_EXIT=3", "LOGDIR='"$LOGDIR"'", "PATH=/usr/bin:/bin"]}'
	fi
}

@test "a failing prestart, createRuntime or createContainer hook fails create and leaves nothing" {
	set_args sleep 100
	for k in prestart createRuntime createContainer; do
		cfg 'del(.hooks)'
		rm -f "$LOGDIR/hooks.log"
		fail_create $k
		add_hook poststart
		run create_ctr
		[ "$status" -ne 0 ] || { echo "$k: create succeeded"; false; }
		[[ "$output" == *"$k hook[0] \"$BB\": exited with status 3"* ]] || { echo "$k: $output"; false; }
		[ "$(ran)" = "$k" ]
		assert_gone "$ID"
		pid=$(state_of $k .pid)
		! kill -0 "$pid" 2>/dev/null || { echo "$k: init $pid survived"; false; }
	done
	run jaula list -q
	[ -z "$output" ]
}

@test "a failing startContainer hook: run fails naming it, the process never runs" {
	fail_create startContainer
	add_hook poststop
	set_args sh -c 'echo ran >/log/process-ran'
	run ! jaula run -b "$BUNDLE" "$ID"
	[[ "$output" == *"startContainer hook[0] \"/bin/busybox\": exited with status 3"* ]]
	[ ! -e "$LOGDIR/process-ran" ]
	assert_gone "$ID"
}

@test "a failing startContainer hook after create: the container stops without running" {
	fail_create startContainer
	set_args sh -c 'echo ran >/log/process-ran; sleep 100'
	create_ctr
	run jaula start "$ID"
	wait_status "$ID" stopped
	[ ! -e "$LOGDIR/process-ran" ]
	[ "$(ran)" = startContainer ]
	# the init tells why on the container's stderr (start's may be gone)
	[[ "$(cat "$BATS_TEST_TMPDIR/$ID.err")" == *'startContainer hook[0] "/bin/busybox": exited with status 3'* ]]
	jaula delete "$ID"
	assert_gone "$ID"
}

@test "start itself fails when a startContainer hook fails, and poststart does not run" {
	fail_create startContainer
	add_hook poststart
	set_args sleep 100
	create_ctr
	run jaula start "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'startContainer hook[0] "/bin/busybox": exited with status 3'* ]]
	[ "$(ran)" = startContainer ]
	wait_status "$ID" stopped
}

@test "a failing poststart hook is a warning: the other hooks run, run and start succeed" {
	add_hook poststart '{"env": ["HOOK_EXIT=3", "LOGDIR='"$LOGDIR"'", "PATH=/usr/bin:/bin"]}'
	add_hook poststart
	add_hook poststop
	set_args sh -c 'echo ran; exit 6'
	run jaula run -b "$BUNDLE" "$ID"
	# the process's own status: the lifecycle went on
	[ "$status" -eq 6 ]
	[[ "$output" == *ran* ]]
	[[ "$output" == *warn*"poststart hook[0] \"$BB\": exited with status 3"* ]]
	[ "$(ran)" = "poststart poststart poststop" ]
	assert_gone "$ID"
	rm -f "$LOGDIR/hooks.log"
	set_args sleep 100
	create_ctr
	run jaula start "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *warn*"poststart hook[0]"*"exited with status 3"* ]]
	[ "$(ctr_status "$ID")" = running ]
	[ "$(ran)" = "poststart poststart" ]
}

@test "createContainer hooks run from the container's rootfs" {
	private_rootfs
	cfg '.hooks.createContainer = [{"path": $bb, "args": ["sh", "-c", "pwd >" + $l + "/cwd; ls >" + $l + "/ls"]}]' \
		--arg bb "$BB" --arg l "$LOGDIR"
	run_ctr true
	[ "$status" -eq 0 ]
	[ "$(cat "$LOGDIR/cwd")" = "$BATS_TEST_TMPDIR/rootfs" ]
	grep -qx helpers "$LOGDIR/ls"
}

@test "startContainer hooks run under the container's seccomp filter" {
	private_rootfs
	cp "$BB" "$BATS_TEST_TMPDIR/rootfs/bin/busybox"
	# mkdir is denied by the filter: the hook must meet the same refusal
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
	cfg '.hooks.startContainer = [{"path": "/bin/busybox", "args": ["sh", "-c", "mkdir /tmp/by-hook; echo rc=$? >/tmp/hook-rc"]}]'
	run_ctr sh -c 'cat /tmp/hook-rc; ls -d /tmp/by-hook 2>&1'
	[ "$status" -ne 0 ] || [[ "$output" == *"rc=1"* ]]
	[[ "$output" == *"rc=1"* ]]
	[[ "$output" == *"No such file"* ]]
}

@test "a failing poststop hook is only a warning: delete succeeds" {
	add_hook poststop '{"env": ["HOOK_EXIT=3", "LOGDIR='"$LOGDIR"'", "PATH=/usr/bin:/bin"]}'
	set_args true
	run_detached
	wait_status "$ID" stopped
	run jaula delete "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *warn*"poststop hook[0]"*"exited with status 3"* ]]
	[ "$(ran)" = poststop ]
	assert_gone "$ID"
	# and a run whose poststop fails still exits with the process's status
	rm -f "$LOGDIR/hooks.log"
	sh_ctr 'exit 4'
	[ "$status" -eq 4 ]
	[[ "$output" == *warn*"poststop hook[0]"* ]]
	assert_gone "$ID"
}

@test "a hook that cannot be executed fails create with its path" {
	cfg '.hooks.createRuntime = [{"path": "/no/such/hook"}]'
	set_args true
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'createRuntime hook[0] "/no/such/hook"'* ]]
	assert_gone "$ID"
}
