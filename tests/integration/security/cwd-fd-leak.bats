#!/usr/bin/env bats
# CVE-2024-21626 class: a working directory taken through an fd the runtime
# still holds (/proc/self/fd/N) lands outside the container's root, and from
# there ".." walks up to the host's.  Each attack tries every plausible fd
# and climbs to the test's own root, where it would leave a marker.

load ../lib/helpers

start_sleeper() {
	set_args sleep 1000
	run_detached
	wait_status "$ID" running
}

# The escape: from the working directory, climb and write a marker at a path
# that exists only on the host side (this test's temporary directory).
climb() {
	echo "cd ../../../../../../../../../../..; echo escaped > .$BATS_TEST_TMPDIR/escaped-\$1; pwd"
}

@test "exec --cwd /proc/self/fd/N never leaves the container's root" {
	start_sleeper
	for n in $(seq 3 20); do
		run jaula exec --cwd "/proc/self/fd/$n" "$ID" sh -c "$(climb)" sh "$n"
		# Refused, or run inside the container: never outside.
		if [ "$status" -eq 0 ]; then
			[[ "$output" != *unreachable* ]] || { echo "fd $n: $output"; false; }
		fi
	done
	run ls "$BATS_TEST_TMPDIR"
	[[ "$output" != *escaped* ]] || { echo "escaped through: $output"; false; }
}

@test "exec --cwd through a leaked fd fails with a clear error" {
	start_sleeper
	local refused=0
	for n in $(seq 3 20); do
		run jaula exec --cwd "/proc/self/fd/$n" "$ID" true
		if [ "$status" -ne 0 ]; then
			[[ "$output" == *process.cwd* ]] || { echo "fd $n: $output"; false; }
			refused=$((refused + 1))
		fi
	done
	[ "$refused" -gt 0 ]
}

@test "exec -p process.json with cwd /proc/self/fd/N never leaves the root" {
	start_sleeper
	for n in $(seq 3 20); do
		jq -n --arg cwd "/proc/self/fd/$n" --arg s "$(climb)" --arg n "$n" \
			'{cwd: $cwd, args: ["sh", "-c", $s, "sh", $n], env: ["PATH=/bin"], user: {uid: 0, gid: 0}}' \
			>"$BATS_TEST_TMPDIR/p.json"
		run jaula exec -p "$BATS_TEST_TMPDIR/p.json" "$ID"
		[[ "$output" != *unreachable* ]] || { echo "fd $n: $output"; false; }
	done
	run ls "$BATS_TEST_TMPDIR"
	[[ "$output" != *escaped* ]]
}

@test "run with process.cwd /proc/self/fd/N never leaves the root" {
	for n in $(seq 3 20); do
		cfg '.process.cwd = $c' --arg c "/proc/self/fd/$n"
		sh_ctr "$(climb) $n"
		[[ "$output" != *unreachable* ]] || { echo "fd $n: $output"; false; }
		jaula delete -f "$ID" >/dev/null 2>&1 || true
	done
	run ls "$BATS_TEST_TMPDIR"
	[[ "$output" != *escaped* ]]
}

@test "the exec'd process holds no fd of the runtime" {
	start_sleeper
	run jaula exec "$ID" ls -l /proc/self/fd/
	[ "$status" -eq 0 ]
	# stdio, and the fd ls opened for the directory itself.
	local n
	n=$(echo "$output" | grep -c -- '->')
	[ "$n" -le 4 ] || { echo "$output"; false; }
}
