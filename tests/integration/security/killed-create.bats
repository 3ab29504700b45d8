#!/usr/bin/env bats
# create and run -d killed with SIGKILL at a random point: whatever the
# runtime made before it died (state directory, cgroup, a waiting init) must
# either die with it or be found and undone by `delete -f ID`.

load ../lib/helpers

MARK=jaula-killed-$RANDOM$RANDOM

# kill_at_random VERB TRIES: start `jaula VERB` that many times, SIGKILL it
# after 0 to 30 ms, then delete -f; nothing of the container may be left.
kill_at_random() {
	local verb=$1 tries=$2 i id pid left=() before after
	before=$(wc -l </proc/self/mountinfo)
	for i in $(seq "$tries"); do
		id=$ID-$i
		if [ "$verb" = create ]; then
			"$JAULA" --root "$STATE" create -b "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 &
		else
			"$JAULA" --root "$STATE" run -d -b "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 &
		fi
		pid=$!
		sleep "0.0$((RANDOM % 30))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		timeout 20 "$JAULA" --root "$STATE" delete -f "$id" || left+=("$id: delete -f failed")
		[ ! -e "$STATE/$id" ] || left+=("$id: state directory")
		[ ! -e "/sys/fs/cgroup/jaula/$id" ] || left+=("$id: cgroup")
		# Every process of the container, init or not, names it in argv.
		if pgrep -f -- "$MARK|$id( |\$)" >/dev/null; then
			left+=("$id: processes $(pgrep -f -a -- "$MARK|$id( |\$)" | tr '\n' ' ')")
		fi
	done
	after=$(wc -l </proc/self/mountinfo)
	[ "$before" = "$after" ] || left+=("mounts: $before before, $after after")
	if [ ${#left[@]} -gt 0 ]; then
		printf '%s\n' "${left[@]}"
		return 1
	fi
}

@test "create killed at random points (50 tries): delete -f removes everything" {
	set_args sh -c "sleep 1000 # $MARK"
	kill_at_random create 50
}

@test "run -d killed at random points (50 tries): delete -f removes everything" {
	set_args sh -c "sleep 1000 # $MARK"
	kill_at_random run 50
}

@test "a killed create with hooks and a user namespace leaves nothing either (20 tries)" {
	cfg '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .hooks.createRuntime = [{"path": "/bin/sleep", "args": ["sleep", "0.01"]}]'
	set_args sh -c "sleep 1000 # $MARK"
	kill_at_random create 20
}

@test "the state of a create in progress is \"creating\"" {
	cfg '.hooks.createRuntime = [{"path": "/bin/sleep", "args": ["sleep", "2"]}]'
	"$JAULA" --root "$STATE" create -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 &
	local pid=$!
	local i
	for i in $(seq 50); do
		[ -e "$STATE/$ID/state.json" ] && break
		sleep 0.02
	done
	run jaula state "$ID"
	kill -9 "$pid"
	wait "$pid" || true
	[[ "$output" == *'"status": "creating"'* ]] || { echo "$output"; false; }
	run jaula state "$ID"
	[[ "$output" == *'"status": "stopped"'* ]] || { echo "$output"; false; }
	jaula delete "$ID"
	assert_gone "$ID"
}
