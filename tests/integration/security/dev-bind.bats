#!/usr/bin/env bats
# A config that bind-mounts a host directory at /dev (podman --device-cgroup
# tricks, or the host's /dev itself) must not have jaula create its default
# nodes and links in it: they would land on the host (a /dev/ptmx symlink
# there breaks every pty of the machine).

load ../lib/helpers

@test "a bind-mounted /dev is not populated" {
	local hostdev=$BATS_TEST_TMPDIR/hostdev
	mkdir -p "$hostdev"
	mknod "$hostdev/ptmx" c 5 2
	mknod "$hostdev/null" c 1 3
	cfg '.mounts |= map(if .destination == "/dev" then {"destination": "/dev", "type": "bind", "source": $s, "options": ["rbind"]} else . end)
		| .mounts |= map(select(.destination | startswith("/dev/") | not))' --arg s "$hostdev"
	sh_ctr 'ls -la /dev'
	[ "$status" -eq 0 ]
	# Nothing new in the host directory, and its ptmx is still the node.
	run ls -A "$hostdev"
	[ "$output" = "$(printf 'null\nptmx')" ] || { echo "$output"; false; }
	[ -c "$hostdev/ptmx" ] && [ ! -L "$hostdev/ptmx" ]
}

@test "linux.devices under a bind mount below /dev is refused, not created on the host" {
	local hostdir=$BATS_TEST_TMPDIR/hostnet
	mkdir -p "$hostdir"
	cfg '.mounts += [{"destination": "/dev/net", "type": "bind", "source": $s, "options": ["bind"]}]
		| .linux.devices = [{"path": "/dev/net/tun", "type": "c", "major": 10, "minor": 200}]' --arg s "$hostdir"
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'/dev/net/tun'* ]] || { echo "$output"; false; }
	[ -z "$(ls -A "$hostdir")" ]
	assert_gone "$ID"
}

@test "the default tmpfs /dev is still populated" {
	sh_ctr 'ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; readlink /dev/ptmx; readlink /dev/fd'
	[ "$status" -eq 0 ]
	[[ "$output" == *pts/ptmx* ]]
	[[ "$output" == */proc/self/fd* ]]
}
