#!/usr/bin/env bats
# Namespaces as the container sees them, compared with the test shell's own
# (run.sh's private mount and network namespaces, the host's others): new
# ones differ, absent ones are shared, joined ones are the very file given.

load lib/helpers

# Persistent namespaces are bind mounts on files in $BATS_TEST_TMPDIR: take
# them down after the containers that joined them.
eval "base_$(declare -f teardown)"
teardown() {
	base_teardown
	local f
	for f in "$BATS_TEST_TMPDIR"/ns-*; do
		[ -e "$f" ] && umount "$f" 2>/dev/null
	done
	return 0
}

# The namespaces a config may ask for, as /proc/PID/ns names.
ALL_NS="pid net ipc uts mnt cgroup user time"

# "net=4026531840 pid=..." for the test shell, one name per line.
host_inodes() {
	local n
	for n in $ALL_NS; do echo "$n=$(stat -L -c %i /proc/self/ns/$n)"; done
}

# The same, printed from inside the container into $output.
ctr_inodes() {
	sh_ctr 'for n in '"$ALL_NS"'; do echo "$n=$(stat -L -c %i /proc/self/ns/$n)"; done'
}

inode_of() { # inode_of NAME LIST
	echo "$2" | sed -n "s/^$1=//p"
}

# container 0..65535 -> host 100000..165535, both maps.
userns_cfg() {
	cfg '.linux.namespaces += [{"type":"user"}]
	     | .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
	     | .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]'
}

# make_ns KIND: a persistent namespace of that unshare(1) kind; prints the file.
make_ns() {
	local f="$BATS_TEST_TMPDIR/ns-$1"
	touch "$f"
	unshare "--$1=$f" "${@:2}" true || return 1
	echo "$f"
}

@test "every new namespace differs from the test shell's" {
	userns_cfg
	cfg '.linux.namespaces += [{"type":"time"}]'
	host=$(host_inodes)
	ctr_inodes
	[ "$status" -eq 0 ]
	echo "host: $host"
	echo "ctr: $output"
	for n in $ALL_NS; do
		a=$(inode_of "$n" "$host") b=$(inode_of "$n" "$output")
		[ -n "$a" ] && [ -n "$b" ]
		[ "$a" != "$b" ] || { echo "$n namespace is shared"; return 1; }
	done
}

@test "a namespace absent from the config is shared with the runtime's" {
	# the base config has neither user nor time; drop network and ipc too
	cfg '.linux.namespaces |= map(select(.type != "network" and .type != "ipc"))'
	host=$(host_inodes)
	ctr_inodes
	[ "$status" -eq 0 ]
	for n in user time net ipc; do
		[ "$(inode_of $n "$host")" = "$(inode_of $n "$output")" ] ||
			{ echo "$n namespace is not shared"; return 1; }
	done
	for n in pid uts mnt cgroup; do
		[ "$(inode_of $n "$host")" != "$(inode_of $n "$output")" ]
	done
}

@test "joining network, uts and ipc namespaces by path" {
	net=$(make_ns net)
	uts=$(make_ns uts)
	ipc=$(make_ns ipc)
	nsenter --uts="$uts" hostname joined-uts
	cfg '.linux.namespaces |= map(if .type == "network" then .path = $n
	                             elif .type == "uts" then .path = $u
	                             elif .type == "ipc" then .path = $i else . end)
	     | del(.hostname)' --arg n "$net" --arg u "$uts" --arg i "$ipc"
	sh_ctr 'stat -L -c %i /proc/self/ns/net /proc/self/ns/uts /proc/self/ns/ipc; hostname'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(stat -L -c %i "$net")" ]
	[ "${lines[1]}" = "$(stat -L -c %i "$uts")" ]
	[ "${lines[2]}" = "$(stat -L -c %i "$ipc")" ]
	[ "${lines[3]}" = joined-uts ]
}

@test "joining a network namespace together with a new user namespace" {
	# the two-step path: join the host-owned net ns first, then unshare the
	# user namespace, then fork pid 1 of the new pid namespace
	net=$(make_ns net)
	userns_cfg
	cfg '(.linux.namespaces[] | select(.type == "network")).path = $n' --arg n "$net"
	# sysfs of a net ns the new user ns does not own cannot be mounted: the
	# runtime binds the host's /sys instead (the next test checks cgroup)
	host_user=$(stat -L -c %i /proc/self/ns/user)
	host_pid=$(stat -L -c %i /proc/self/ns/pid)
	sh_ctr 'stat -L -c %i /proc/self/ns/net /proc/self/ns/user /proc/self/ns/pid; echo $$; id -u; cat /proc/self/uid_map'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(stat -L -c %i "$net")" ]
	[ "${lines[1]}" != "$host_user" ]
	[ "${lines[2]}" != "$host_pid" ]
	[ "${lines[3]}" = 1 ]
	[ "${lines[4]}" = 0 ]
	[ "$(echo "${lines[5]}" | awk '{print $1, $2, $3}')" = "0 100000 65536" ]
	assert_gone "$ID"
}

@test "joining a network namespace with a new user namespace keeps /sys/fs/cgroup" {
	net=$(make_ns net)
	userns_cfg
	cfg '(.linux.namespaces[] | select(.type == "network")).path = $n' --arg n "$net"
	# the host's hierarchy may stay underneath (locked in the bind of /sys);
	# what the container sees on top is its own cgroup
	run_ctr grep -c ' /sys/fs/cgroup .* cgroup2 ' /proc/self/mountinfo
	[ "$status" -eq 0 ]
	[ "$output" -ge 1 ]
	run_ctr ls /sys/fs/cgroup/jaula
	[ "$status" -ne 0 ]
}

@test "an init failure on the two-step path is reported once, and nothing is left" {
	# setns(2) into the user namespace one is already in is EINVAL: an
	# error the init meets before it reports pid 1
	cfg '.linux.namespaces += [{"type": "user", "path": "/proc/self/ns/user"}]'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	echo "$output"
	[[ "$output" == *'join user namespace "/proc/self/ns/user"'* ]]
	[ "$(grep -o 'Invalid argument' <<<"$output" | wc -l)" -eq 1 ]
	assert_gone "$ID"
}

@test "joining the pid namespace of a running container" {
	set_args sleep 100
	CTR_ID="$ID-a" run_detached
	pid=$(ctr_pid "$ID-a")
	cfg '(.linux.namespaces[] | select(.type == "pid")).path = $p' --arg p "/proc/$pid/ns/pid"
	sh_ctr 'stat -L -c %i /proc/self/ns/pid; cat /proc/1/comm; [ $$ != 1 ] && echo not-pid-1'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(stat -L -c %i /proc/$pid/ns/pid)" ]
	[ "${lines[1]}" = sleep ]
	[ "${lines[2]}" = not-pid-1 ]
}

@test "a namespace path that does not exist is refused by name" {
	cfg '(.linux.namespaces[] | select(.type == "network")).path = "/no/such/netns"'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'linux.namespaces[1].path'*'"/no/such/netns"'*'No such file or directory'* ]]
	assert_gone "$ID"
}

@test "a namespace file of the wrong kind is refused, saying which kind it is" {
	uts=$(make_ns uts)
	cfg '(.linux.namespaces[] | select(.type == "network")).path = $u' --arg u "$uts"
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"\"$uts\" is a uts namespace, not a network namespace"* ]]
	assert_gone "$ID"
}

@test "a regular file as namespace path is refused" {
	echo hi >"$BATS_TEST_TMPDIR/plain"
	cfg '(.linux.namespaces[] | select(.type == "ipc")).path = $f' --arg f "$BATS_TEST_TMPDIR/plain"
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"\"$BATS_TEST_TMPDIR/plain\" is not a namespace file"* ]]
	assert_gone "$ID"
}

@test "user namespace: the id maps inside, root inside, 100000 outside" {
	userns_cfg
	cfg '.mounts += [{"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":["mode=1777"]}]'
	set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g;
		touch /tmp/f; stat -c "%u:%g" /tmp/f; stat -c "%U" /bin/busybox; sleep 100'
	run_detached
	pid=$(ctr_pid "$ID")
	for i in $(seq 50); do [ "$(wc -l <"$BATS_TEST_TMPDIR/$ID.out")" -ge 6 ] && break; sleep 0.05; done
	mapfile -t out <"$BATS_TEST_TMPDIR/$ID.out"
	printf '%s\n' "${out[@]}"
	[ "$(echo "${out[0]}" | awk '{print $1, $2, $3}')" = "0 100000 65536" ]
	[ "$(echo "${out[1]}" | awk '{print $1, $2, $3}')" = "0 100000 65536" ]
	[ "${out[2]}" = 0 ]
	[ "${out[3]}" = 0 ]
	# tmpfs mounted in the user namespace: its files belong to container root
	[ "${out[4]}" = 0:0 ]
	# the rootfs belongs to host root, unmapped here: the overflow user
	[ "${out[5]}" = nobody ]
	grep -E "^Uid:\s+100000\s+100000\s+100000\s+100000$" /proc/$pid/status
	grep -E "^Gid:\s+100000\s+100000\s+100000\s+100000$" /proc/$pid/status
}

@test "user namespace: process.user 1000 is host uid 101000" {
	userns_cfg
	cfg '.process.user = {"uid": 1000, "gid": 1000}'
	set_args sleep 100
	run_detached
	pid=$(ctr_pid "$ID")
	grep -E "^Uid:\s+101000\s+101000\s+101000\s+101000$" /proc/$pid/status
	grep -E "^Gid:\s+101000\s" /proc/$pid/status
}

@test "user namespace: an unmapped process uid is refused" {
	userns_cfg
	cfg '.process.user.uid = 70000'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"process.user.uid: 70000 is not mapped in linux.uidMappings"* ]]
	assert_gone "$ID"
	cfg '.process.user = {"uid": 0, "gid": 65536}'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"process.user.gid: 65536 is not mapped in linux.gidMappings"* ]]
	assert_gone "$ID"
}

@test "time namespace: offsets in timens_offsets and uptime" {
	cfg '.linux.namespaces += [{"type":"time"}]
	     | .linux.timeOffsets = {"monotonic": {"secs": 1000, "nanosecs": 5},
	                             "boottime": {"secs": 86400}}'
	before=$(cut -d' ' -f1 /proc/uptime)
	sh_ctr 'cat /proc/self/timens_offsets; cut -d" " -f1 /proc/uptime'
	after=$(cut -d' ' -f1 /proc/uptime)
	[ "$status" -eq 0 ]
	echo "$output"
	echo "$output" | grep -E '^monotonic\s+1000\s+5$'
	echo "$output" | grep -E '^boottime\s+86400\s+0$'
	inside=${lines[2]}
	awk -v b="$before" -v a="$after" -v i="$inside" \
		'BEGIN { exit !(i >= b + 86400 && i <= a + 86400) }'
}

@test "time offsets without a time namespace are refused" {
	cfg '.linux.timeOffsets = {"boottime": {"secs": 10}}'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.timeOffsets: needs a new time namespace"* ]]
	assert_gone "$ID"
}

@test "cgroup namespace: the container's cgroup is its root" {
	run_ctr grep '^0::' /proc/self/cgroup
	[ "$status" -eq 0 ]
	[ "$output" = "0::/" ]
	cfg '.linux.namespaces |= map(select(.type != "cgroup"))'
	run_ctr grep '^0::' /proc/self/cgroup
	[ "$status" -eq 0 ]
	[ "$output" = "0::/jaula/$ID" ]
}

@test "uts namespace: hostname and domainname" {
	cfg '.hostname = "box1" | .domainname = "example.org"'
	sh_ctr 'hostname; cat /proc/sys/kernel/domainname; stat -L -c %i /proc/self/ns/uts'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = box1 ]
	[ "${lines[1]}" = example.org ]
	[ "${lines[2]}" != "$(stat -L -c %i /proc/self/ns/uts)" ]
	# the test shell's names are untouched
	[ "$(hostname)" != box1 ]
}

@test "a hostname without a uts namespace is refused" {
	cfg '.linux.namespaces |= map(select(.type != "uts"))'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"hostname: needs a uts namespace"* ]]
	assert_gone "$ID"
	cfg 'del(.hostname) | .domainname = "example.org"'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"domainname: needs a uts namespace"* ]]
	assert_gone "$ID"
}

@test "ipc namespace: a SysV segment outside is not visible inside" {
	command -v ipcmk >/dev/null || skip "no ipcmk"
	# the "outside" is a persistent ipc namespace, so the host's own IPC
	# objects stay untouched; joining it is the positive control
	ipc=$(make_ns ipc)
	nsenter --ipc="$ipc" ipcmk -M 4096 -p 0600
	key=$(nsenter --ipc="$ipc" awk 'NR > 1 { print $1; exit }' /proc/sysvipc/shm)
	[ -n "$key" ]
	sh_ctr 'awk "NR > 1" /proc/sysvipc/shm | wc -l'
	[ "$status" -eq 0 ]
	[ "$output" -eq 0 ]
	cfg '(.linux.namespaces[] | select(.type == "ipc")).path = $i' --arg i "$ipc"
	sh_ctr 'awk "NR > 1 { print \$1 }" /proc/sysvipc/shm'
	[ "$status" -eq 0 ]
	[ "$output" = "$key" ]
}
