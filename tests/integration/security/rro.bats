#!/usr/bin/env bats
# An rbind of /sys made read-only with "ro" leaves its submounts (the cgroup2
# hierarchy at /sys/fs/cgroup) writable: a container could then create and
# configure host cgroups.  "rro" (mount_setattr with AT_RECURSIVE) must reach
# every submount.

load ../lib/helpers

@test "rro on an rbind of /sys leaves no writable cgroup2 submount" {
	local probe=jaula-rro-probe-$RANDOM
	cfg '.mounts |= map(select(.destination != "/sys" and .destination != "/sys/fs/cgroup"))
		| .mounts += [{"destination": "/sys", "type": "bind", "source": "/sys", "options": ["rbind", "rro", "nosuid", "nodev", "noexec"]}]'
	sh_ctr "mkdir /sys/fs/cgroup/$probe; echo rc=\$?; grep ' /sys/fs/cgroup ' /proc/self/mountinfo"
	rmdir "/sys/fs/cgroup/$probe" 2>/dev/null && { echo "a host cgroup was created"; false; }
	[[ "$output" == *rc=1* ]]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$(grep ' /sys/fs/cgroup ' <<<"$output")" == *" ro,"* ]]
}

@test "rro on a mount that is not a bind applies to the mount and below" {
	cfg '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["rro"]}]'
	sh_ctr 'touch /data/x; echo rc=$?'
	[[ "$output" == *rc=1* ]]
}
