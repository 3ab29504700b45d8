#!/usr/bin/env bats
# podman 4.3 + conmon with jaula as the OCI runtime.

load lib/helpers

setup_file() {
	need podman conmon
	. "$BATS_TEST_DIRNAME/lib/podman-env.sh"
	bounded podman load -q -i "$CLIENTS_IMAGE/image.oci.tar" >/dev/null
}

teardown_file() {
	command -v podman >/dev/null || return 0
	bounded podman rm -fa -t 0 >/dev/null 2>&1
	bounded podman system reset -f >/dev/null 2>&1
	true
}

pm() {
	bounded podman "$@"
}

@test "podman: run --rm echo goes through jaula create/start/delete" {
	local mark
	mark=$(calls_mark)
	run pm run --rm "$IMAGE" echo hello from jaula
	[ "$status" -eq 0 ]
	[ "$output" = "hello from jaula" ]
	run calls_since "$mark"
	[[ "$output" == *"	create --bundle "*" --pid-file "* ]]
	[[ "$output" == *"	start "* ]]
	[[ "$output" == *"	delete --force "* ]]
}

@test "podman: exit status of the container is podman's" {
	run pm run --rm "$IMAGE" sh -c 'exit 42'
	[ "$status" -eq 42 ]
}
