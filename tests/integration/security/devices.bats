#!/usr/bin/env bats
# The device cgroup program must allow exactly jaula's defaults plus
# linux.resources.devices.  A node listed in linux.devices is created, but
# creating it grants nothing: `deny all, allow c 1:5` must keep the
# container out of a listed c 10:229 (/dev/fuse, which any uid may open).

load ../lib/helpers

@test "linux.devices nodes are not allowed by the device program unless a rule allows them" {
	cfg '.linux.devices = [{"path": "/dev/fuse-listed", "type": "c", "major": 10, "minor": 229, "fileMode": 438}]
		| .linux.resources.devices = [{"allow": false, "access": "rwm"},
			{"allow": true, "type": "c", "major": 1, "minor": 5, "access": "rwm"}]'
	sh_ctr 'ls -l /dev/fuse-listed; (: <>/dev/fuse-listed) && echo OPENED-FUSE; head -c 1 /dev/zero | wc -c'
	[ "$status" -eq 0 ]
	[[ "$output" == *fuse-listed* ]]
	[[ "$output" != *OPENED-FUSE* ]] || { echo "$output"; false; }
	[[ "$output" == *"Operation not permitted"* ]]
	# the rule that was asked for still works
	[ "${lines[-1]}" = 1 ]
}

@test "a listed node with an allow rule of its own can be opened, as the rule says" {
	cfg '.linux.devices = [{"path": "/dev/fuse-listed", "type": "c", "major": 10, "minor": 229, "fileMode": 438}]
		| .linux.resources.devices = [{"allow": false, "access": "rwm"},
			{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "r"}]'
	sh_ctr '(: </dev/fuse-listed) && echo READ-OK; (: <>/dev/fuse-listed) && echo RW-OK; true'
	[[ "$output" == *READ-OK* ]] || { echo "$output"; false; }
	[[ "$output" != *RW-OK* ]] || { echo "$output"; false; }
}
