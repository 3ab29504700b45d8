#!/usr/bin/env bats
# Where runc, crun and runtime-spec 1.3 agree and jaula used to differ:
# configs without a mount namespace, joined uts namespaces, lo, HOME, bind
# sources in a user namespace, tmpfs modes, a read-only /dev, exec's status.

load lib/helpers

# A namespace kept in a file is a bind mount: undone even when a test fails.
eval "base_$(declare -f teardown)"
teardown() {
	base_teardown
	[ ! -e "$BATS_TEST_TMPDIR/uts" ] || umount "$BATS_TEST_TMPDIR/uts" 2>/dev/null || true
}

no_mount_ns() {
	cfg '.linux.namespaces |= map(select(.type != "mount"))
		| del(.linux.maskedPaths) | del(.linux.readonlyPaths)'
}

@test "no mount namespace: the container shares ours, chroot'ed into its rootfs" {
	no_mount_ns
	private_rootfs
	local before
	before=$(wc -l </proc/self/mountinfo)
	set_args sh -c 'readlink /proc/self/ns/mnt; ls /helpers >/dev/null && echo in-rootfs; ls /dev/null /dev/pts/ptmx >/dev/null && echo dev-ok'
	run_detached
	wait_status "$ID" stopped
	out=$(cat "$BATS_TEST_TMPDIR/$ID.out")
	[[ "$out" == *"$(readlink /proc/self/ns/mnt)"* ]] || { echo "$out"; false; }
	[[ "$out" == *in-rootfs* && "$out" == *dev-ok* ]]
	# its mounts are ours until delete...
	grep -q " $BATS_TEST_TMPDIR/rootfs/proc " /proc/self/mountinfo
	jaula delete "$ID"
	# ...and gone with it
	! grep -q " $BATS_TEST_TMPDIR/rootfs/" /proc/self/mountinfo
	[ "$(wc -l </proc/self/mountinfo)" = "$before" ]
	assert_gone "$ID"
}

@test "no mount namespace: run cleans up its mounts; what would change ours is refused" {
	no_mount_ns
	private_rootfs
	run_ctr true
	[ "$status" -eq 0 ]
	! grep -q " $BATS_TEST_TMPDIR/rootfs/" /proc/self/mountinfo
	for f in '.linux.maskedPaths = ["/proc/kcore"]' '.linux.readonlyPaths = ["/proc/sys"]' \
		'.root.readonly = true' '.linux.rootfsPropagation = "shared"'; do
		cp "$BUNDLE/config.json" "$BUNDLE/keep.json"
		cfg "$f"
		run jaula run -b "$BUNDLE" "$ID"
		[ "$status" -ne 0 ]
		[[ "$output" == *"needs a mount namespace"* ]] || { echo "$f: $output"; false; }
		mv "$BUNDLE/keep.json" "$BUNDLE/config.json"
		assert_gone "$ID"
	done
	! grep -q " $BATS_TEST_TMPDIR/rootfs/" /proc/self/mountinfo
}

@test "hostname in a uts namespace joined by path is set; a conflicting sysctl is refused" {
	local uts=$BATS_TEST_TMPDIR/uts
	touch "$uts"
	unshare --uts="$uts" true
	cfg '.linux.namespaces |= map(if .type == "uts" then .path = $p else . end) | .hostname = "joined"' \
		--arg p "$uts"
	run_ctr hostname
	[ "$status" -eq 0 ]
	[ "$output" = joined ]
	[ "$(nsenter --uts="$uts" hostname)" = joined ]
	cfg '.linux.sysctl = {"kernel.hostname": "other"}'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'linux.sysctl: "kernel.hostname" = "other" conflicts with hostname "joined"'* ]]
	cfg '.linux.sysctl = {"kernel.hostname": "joined"}'
	run_ctr hostname
	[ "$status" -eq 0 ]
	cfg '.linux.namespaces |= map(select(.type != "uts"))'
	run jaula run -b "$BUNDLE" "$ID"
	[[ "$output" == *"hostname: needs a uts namespace"* ]]
}

@test "a new network namespace has lo up" {
	run_ctr sh -c 'ip link show lo; ip addr show lo'
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *"<LOOPBACK,UP,LOWER_UP>"* ]] || { echo "$output"; false; }
	[[ "$output" == *"inet 127.0.0.1/8"* ]]
}

@test "HOME comes from the user's /etc/passwd entry, else /; an explicit one wins" {
	private_rootfs
	echo 'alice:x:1000:1000::/home/alice:/bin/sh' >>"$BATS_TEST_TMPDIR/rootfs/etc/passwd"
	run_ctr sh -c 'echo "$HOME"'
	[ "$output" = /root ]
	cfg '.process.user = {"uid": 1000, "gid": 1000}'
	run_ctr sh -c 'echo "$HOME"'
	[ "$output" = /home/alice ]
	cfg '.process.user = {"uid": 4242, "gid": 4242}'
	run_ctr sh -c 'echo "$HOME"'
	[ "$output" = / ]
	cfg '.process.env += ["HOME=/mine"]'
	run_ctr sh -c 'echo "$HOME"'
	[ "$output" = /mine ]
	cfg '.process.env -= ["HOME=/mine"] | .process.user = {"uid": 0, "gid": 0}'
	set_args sleep 100
	run_detached
	wait_status "$ID" running
	run jaula exec -u 1000:1000 "$ID" sh -c 'echo "$HOME"'
	[ "$output" = /home/alice ]
}

@test "user namespace: a bind source only the host's root may open still mounts" {
	local secret=$BATS_TEST_TMPDIR/secret
	mkdir -m 0700 "$secret"
	echo hidden >"$secret/file"
	chmod 0644 "$secret/file"
	cfg '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .mounts += [{"destination": "/var", "type": "bind", "source": $s, "options": ["bind", "ro"]}]' \
		--arg s "$secret"
	# BATS_TEST_TMPDIR's parents are not searchable by the container's uids
	# either: that is the point, only the runtime may open the source.  (The
	# shared rootfs is, and its /var is the mount point.)
	run_ctr sh -c 'grep " /var " /proc/self/mountinfo >/dev/null && echo mounted'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *mounted* ]]
}

@test "user namespace: linux.devices nodes are bind mounts with nosuid and noexec" {
	cfg '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]'
	run_ctr sh -c 'grep -E " /dev/(fuse|null) " /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	for l in "${lines[@]}"; do
		[[ "$l" == *nosuid* && "$l" == *noexec* ]] || { echo "$l"; false; }
	done
	[ "${#lines[@]}" -eq 2 ]
}

@test "a tmpfs without mode= keeps its mount point's mode; with mode= it has that" {
	private_rootfs
	mkdir -m 0750 "$BATS_TEST_TMPDIR/rootfs/data" "$BATS_TEST_TMPDIR/rootfs/data-ro"
	cfg '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs"},
		{"destination": "/data-ro", "type": "tmpfs", "source": "tmpfs", "options": ["ro"]},
		{"destination": "/fresh", "type": "tmpfs", "source": "tmpfs"},
		{"destination": "/given", "type": "tmpfs", "source": "tmpfs", "options": ["mode=0711"]}]'
	run_ctr stat -c '%n %a' /data /data-ro /fresh /given
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/data 750" ]
	[ "${lines[1]}" = "/data-ro 750" ]
	[ "${lines[2]}" = "/fresh 1777" ]
	[ "${lines[3]}" = "/given 711" ]
}

@test "a read-only /dev is made so after the mounts and nodes below it" {
	cfg '.mounts |= map(if .destination == "/dev" then .options += ["ro"] else . end)'
	run_ctr sh -c 'grep -E " /dev(/pts|/shm)? " /proc/self/mountinfo; ls /dev/null /dev/pts/ptmx; touch /dev/x 2>&1; echo hi >/dev/shm/y && echo shm-rw'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$(grep ' /dev ' <<<"$output")" == *" ro,"* ]]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *shm-rw* ]]
}

@test "exec exits 255 when its process cannot start, 1 on a usage error" {
	set_args sleep 100
	run_detached
	wait_status "$ID" running
	run jaula exec "$ID" /no/such/program
	[ "$status" -eq 255 ]
	[[ "$output" == *'/no/such/program'* ]]
	run jaula exec --cwd /no/such/dir "$ID" true
	[ "$status" -eq 255 ]
	run jaula exec no-such-container true
	[ "$status" -eq 255 ]
	run jaula exec --no-such-flag "$ID" true
	[ "$status" -eq 1 ]
}

# listen_notify FILE: a service manager's NOTIFY_SOCKET at $BATS_TEST_TMPDIR/host.sock;
# each datagram becomes a line of FILE; it stops after MAINPID (or 20 s).
listen_notify() {
	python3 - "$BATS_TEST_TMPDIR/host.sock" "$1" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
with open(sys.argv[2], "w") as out:
    try:
        while True:
            m = s.recv(4096).decode()
            out.write(m + "\n")
            out.flush()
            if m.startswith("MAINPID="):
                break
    except socket.timeout:
        pass
PY
	LISTENER=$!
	for _ in $(seq 50); do [ -S "$BATS_TEST_TMPDIR/host.sock" ] && return 0; sleep 0.05; done
	return 1
}

@test "NOTIFY_SOCKET: start returns at the container's READY=1, relayed with its MAINPID" {
	listen_notify "$BATS_TEST_TMPDIR/notified"
	set_args sh -c 'echo "$NOTIFY_SOCKET" >/dev/shm/env; sleep 0.5; /helpers/sdnotify "STATUS=warming up";
		touch /dev/shm/before-ready; /helpers/sdnotify READY=1; sleep 100'
	NOTIFY_SOCKET=$BATS_TEST_TMPDIR/host.sock create_ctr
	NOTIFY_SOCKET=$BATS_TEST_TMPDIR/host.sock jaula start "$ID"
	# start came back only after READY=1: what preceded it has happened
	run jaula exec "$ID" sh -c 'cat /dev/shm/env; ls /dev/shm/before-ready'
	[ "${lines[0]}" = /run/notify/notify.sock ]
	[ "${lines[1]}" = /dev/shm/before-ready ]
	wait "$LISTENER"
	run cat "$BATS_TEST_TMPDIR/notified"
	[ "${lines[0]}" = "STATUS=warming up" ]
	[ "${lines[1]}" = READY=1 ]
	[ "${lines[2]}" = "MAINPID=$(ctr_pid "$ID")" ]
}

@test "NOTIFY_SOCKET: run -d returns at READY=1; the caller's value never reaches the container" {
	listen_notify "$BATS_TEST_TMPDIR/notified"
	cfg '.process.env += ["NOTIFY_SOCKET=/from/config"]'
	set_args sh -c 'env | grep NOTIFY_SOCKET >/dev/shm/env; /helpers/sdnotify READY=1; sleep 100'
	NOTIFY_SOCKET=$BATS_TEST_TMPDIR/host.sock run_detached
	wait "$LISTENER"
	run cat "$BATS_TEST_TMPDIR/notified"
	[ "${lines[0]}" = READY=1 ]
	[ "${lines[1]}" = "MAINPID=$(ctr_pid "$ID")" ]
	run jaula exec "$ID" cat /dev/shm/env
	[ "$output" = NOTIFY_SOCKET=/run/notify/notify.sock ]
}

@test "without NOTIFY_SOCKET nothing is mounted and process.env is left as it is" {
	cfg '.process.env += ["NOTIFY_SOCKET=/from/config"]'
	run_ctr sh -c 'echo "$NOTIFY_SOCKET"; grep -c " /run/notify " /proc/self/mountinfo'
	[ "${lines[0]}" = /from/config ]
	[ "${lines[1]}" = 0 ]
}
