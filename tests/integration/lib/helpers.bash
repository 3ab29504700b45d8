# Shared by every .bats file: a fresh bundle and state root per test, the
# runtime under test as `jaula`, and config edits with jq.
bats_require_minimum_version 1.5.0
ITEST_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

setup() {
	BUNDLE="$BATS_TEST_TMPDIR/bundle"
	STATE="$BATS_TEST_TMPDIR/state"
	ID="t${BATS_TEST_NUMBER}-${ITEST_RUN}-$RANDOM"
	mkdir -p "$BUNDLE"
	jq --arg root "$ROOTFS" '.root.path = $root' "$ITEST_LIB/config.base.json" \
		>"$BUNDLE/config.json"
}

teardown() {
	local id
	for id in $("$JAULA" --root "$STATE" list -q 2>/dev/null); do
		"$JAULA" --root "$STATE" delete -f "$id" >/dev/null 2>&1
	done
}

jaula() {
	"$JAULA" --root "$STATE" "$@"
}

# cfg JQ-FILTER [jq args...]: edit the bundle's config.json in place.
cfg() {
	local f="$BUNDLE/config.json" filter=$1
	shift
	jq "$@" "$filter" "$f" >"$f.new" && mv "$f.new" "$f"
}

# set_args CMD ARGS...: the container's process.args.
set_args() {
	local f="$BUNDLE/config.json"
	jq '.process.args = $ARGS.positional' "$f" --args -- "$@" >"$f.new" && mv "$f.new" "$f"
}

# run_ctr CMD ARGS...: `jaula run` the bundle with that command.
run_ctr() {
	set_args "$@"
	run jaula run -b "$BUNDLE" "$ID"
}

# sh_ctr 'SCRIPT': run a shell snippet in the container.
sh_ctr() {
	run_ctr sh -c "$1"
}

# A private copy of the rootfs for tests that change it.
private_rootfs() {
	cp -a "$ROOTFS" "$BATS_TEST_TMPDIR/rootfs"
	cfg '.root.path = $r' --arg r "$BATS_TEST_TMPDIR/rootfs"
}

# Nothing of container $1 may survive its deletion.
assert_gone() {
	[ ! -e "$STATE/$1" ] || { echo "state dir $STATE/$1 left"; return 1; }
	[ ! -e "/sys/fs/cgroup/jaula/$1" ] || { echo "cgroup /jaula/$1 left"; return 1; }
}

# The pid of a created or running container, from `state`.
ctr_pid() {
	jaula state "$1" | jq -r .pid
}

ctr_status() {
	jaula state "$1" | jq -r .status
}

# create/run -d leave an init that inherits stdio; inside `run` a pipe would
# then never see EOF.  These send the container's stdio to files and print
# the runtime's stderr afterwards (an init that failed is gone by then).
create_ctr() {
	local id=${CTR_ID:-$ID} rc
	jaula create -b "$BUNDLE" "$@" "$id" </dev/null >"$BATS_TEST_TMPDIR/$id.out" \
		2>"$BATS_TEST_TMPDIR/$id.err"
	rc=$?
	cat "$BATS_TEST_TMPDIR/$id.err"
	return $rc
}

run_detached() {
	local id=${CTR_ID:-$ID} rc
	jaula run -d -b "$BUNDLE" "$@" "$id" </dev/null >"$BATS_TEST_TMPDIR/$id.out" \
		2>"$BATS_TEST_TMPDIR/$id.err"
	rc=$?
	cat "$BATS_TEST_TMPDIR/$id.err"
	return $rc
}

# wait_status ID STATUS: poll until the container reaches STATUS (5 s).
wait_status() {
	local i
	for i in $(seq 100); do
		[ "$(ctr_status "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	echo "container $1 is $(ctr_status "$1"), not $2"
	return 1
}
