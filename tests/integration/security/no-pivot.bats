#!/usr/bin/env bats
# --no-pivot moves the rootfs onto / and chroots.  The host's own proc and
# sys mounts stay in the container's mount namespace under it, and their
# presence is what lets the kernel allow a fresh, unmasked procfs to a
# process that makes itself a user namespace.  Every such mount must be
# gone (or covered) before the move.

load ../lib/helpers

# Mapping root in a new user namespace needs CAP_SETFCAP (Linux 5.12+);
# podman's default capabilities include it.
allow_userns_root() {
	cfg '.process.capabilities |= map_values(. + ["CAP_SETFCAP"])'
}

userns_config() {
	cfg '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
}

@test "--no-pivot: no full procfs can be mounted from inside" {
	allow_userns_root
	set_args sh -c 'mkdir -p /tmp/p && unshare -mrpf sh -c "mount -t proc proc /tmp/p && echo PROC-MOUNTED; ls /tmp/p/sys >/dev/null 2>&1 && echo HAS-SYS" 2>&1; echo done'
	run jaula run --no-pivot -b "$BUNDLE" "$ID"
	echo "$output"
	[[ "$output" == *done* ]]
	[[ "$output" != *PROC-MOUNTED* ]]
}

@test "--no-pivot: no full procfs can be mounted from inside, in a user namespace too" {
	allow_userns_root
	userns_config
	set_args sh -c 'mkdir -p /tmp/p && unshare -mrpf sh -c "mount -t proc proc /tmp/p && echo PROC-MOUNTED" 2>&1; echo done'
	run jaula run --no-pivot -b "$BUNDLE" "$ID"
	echo "$output"
	[[ "$output" == *done* ]]
	[[ "$output" != *PROC-MOUNTED* ]]
}

@test "--no-pivot: no sysfs can be mounted from inside" {
	allow_userns_root
	cfg '.linux.namespaces += [{"type": "network"}] | .linux.namespaces |= unique_by(.type)'
	set_args sh -c 'mkdir -p /tmp/s && unshare -mrnf sh -c "mount -t sysfs sysfs /tmp/s && echo SYS-MOUNTED" 2>&1; echo done'
	run jaula run --no-pivot -b "$BUNDLE" "$ID"
	echo "$output"
	[[ "$output" == *done* ]]
	[[ "$output" != *SYS-MOUNTED* ]]
}

@test "--no-pivot still runs the container with its mounts" {
	sh_ctr 'cat /proc/1/cmdline | tr "\0" " "; ls /dev/null'
	run jaula run --no-pivot -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
}
