# Shared by the client .bats files: bounded client calls, the call log of
# the runtime wrapper, and skips for missing clients.
bats_require_minimum_version 1.5.0

IMAGE=localhost/jaula-bb:latest

# need CMD...: in a test, skip it unless every command is installed.
need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
	done
}

# require CMD... in setup_file (where bats 1.8 cannot skip): note what is
# missing for skip_if_missing, which every test's setup calls, and fail so
# setup_file stops: `require podman || return 0`.
require() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 && continue
		export CLIENTS_MISSING="$c is not installed"
		return 1
	done
}
skip_if_missing() {
	[ -z "${CLIENTS_MISSING:-}" ] || skip "$CLIENTS_MISSING"
}

# Every client call is bounded: a hang fails the test instead of the run.
bounded() {
	timeout -k 5 "${CALL_TIMEOUT:-60}" "$@"
}

# calls_since MARK: the runtime calls logged after line MARK of the log.
calls_mark() {
	wc -l <"$CLIENTS_CALLS"
}
calls_since() {
	tail -n +"$(($1 + 1))" "$CLIENTS_CALLS"
}

# retry N CMD...: CMD until it succeeds, N tries 0.1 s apart.
retry() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
