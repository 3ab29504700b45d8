#!/usr/bin/env bats
# A container's cgroup that exists before create (linux.cgroupsPath of a
# cgroup someone else made), as runc handles it: a frozen one is refused at
# once instead of freezing the init for ever; one that holds processes (a
# pod's shared cgroup) is joined with a warning.  Pure cgroup v2, no
# controllers needed.

load lib/helpers

CGBASE=/sys/fs/cgroup/jaula-itest-$ITEST_RUN

setup() {
	BUNDLE="$BATS_TEST_TMPDIR/bundle"
	STATE="$BATS_TEST_TMPDIR/state"
	ID="t${BATS_TEST_NUMBER}-${ITEST_RUN}-$RANDOM"
	mkdir -p "$BUNDLE"
	jq --arg root "$ROOTFS" '.root.path = $root' "$ITEST_LIB/config.base.json" \
		>"$BUNDLE/config.json"
	CG=$CGBASE/c$BATS_TEST_NUMBER
	NEIGHBOUR=
	mkdir -p "$CG"
}

teardown() {
	local id d
	for id in $("$JAULA" --root "$STATE" list -q 2>/dev/null); do
		"$JAULA" --root "$STATE" delete -f "$id" >/dev/null 2>&1
	done
	[ -n "$NEIGHBOUR" ] && kill -9 "$NEIGHBOUR" 2>/dev/null
	# deepest first; thawed so that nothing waits on a frozen cgroup
	for d in $(find "$CG" -depth -type d 2>/dev/null); do
		echo 0 >"$d/cgroup.freeze" 2>/dev/null
		echo 1 >"$d/cgroup.kill" 2>/dev/null
		for i in $(seq 50); do rmdir "$d" 2>/dev/null && break; sleep 0.05; done
	done
	rmdir "$CGBASE" 2>/dev/null || true
}

# The cgroup (below /sys/fs/cgroup) the container goes to.
use_cgroup() {
	cfg '.linux.cgroupsPath = $p' --arg p "${1#/sys/fs/cgroup}"
}

# Everything of cgroup $1 that create could have changed, in one string.
snapshot() {
	echo "freeze=$(cat "$1/cgroup.freeze") procs=$(cat "$1/cgroup.procs" | tr '\n' ,)" \
		"subtree=$(cat "$1/cgroup.subtree_control") children=$(find "$1" -mindepth 1 -type d | wc -l)"
}

@test "create into a frozen cgroup fails at once, naming it, and leaves it as it was" {
	echo 1 >"$CG/cgroup.freeze"
	grep -qx "frozen 1" "$CG/cgroup.events"
	before=$(snapshot "$CG")
	use_cgroup "$CG"
	set_args sleep 1000
	start=$(date +%s)
	run timeout 20 "$JAULA" --root "$STATE" create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[ $(($(date +%s) - start)) -lt 5 ]
	[[ "$output" == *"cgroup $CG is frozen: thaw it (cgroup.freeze = 0) before creating a container in it"* ]]
	[ "$(snapshot "$CG")" = "$before" ]
	[ ! -e "$STATE/$ID" ]
	# run -d the same way
	run timeout 20 "$JAULA" --root "$STATE" run -d -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[[ "$output" == *"cgroup $CG is frozen"* ]]
	[ "$(snapshot "$CG")" = "$before" ]
	[ -z "$(jaula list -q)" ]
	# thawed, the same config runs
	echo 0 >"$CG/cgroup.freeze"
	run_detached
	wait_status "$ID" running
	grep -qx "$(ctr_pid "$ID")" "$CG/cgroup.procs"
}

@test "a frozen ancestor is named, and nothing is created below it" {
	echo 1 >"$CG/cgroup.freeze"
	use_cgroup "$CG/pod/ctr"
	run timeout 20 "$JAULA" --root "$STATE" create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ]
	[[ "$output" == *"cgroup $CG is frozen: thaw it"* ]]
	[ ! -e "$CG/pod" ]
	[ "$(cat "$CG/cgroup.freeze")" = 1 ]
	[ ! -e "$STATE/$ID" ]
}

@test "a cgroup that holds processes is joined with a warning, as runc does" {
	sleep 1000 </dev/null >/dev/null 2>&1 3>&- &
	NEIGHBOUR=$!
	echo "$NEIGHBOUR" >"$CG/cgroup.procs"
	use_cgroup "$CG"
	set_args sleep 1001
	run run_detached
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning"*"cgroup $CG is not empty (1 process)"* ]]
	wait_status "$ID" running
	init=$(ctr_pid "$ID")
	grep -qx "$init" "$CG/cgroup.procs"
	grep -qx "$NEIGHBOUR" "$CG/cgroup.procs"
	# ps reports the cgroup, neighbour included (runc's ps does the same)
	jaula ps -f json "$ID" | jq -e --argjson a "$init" --argjson b "$NEIGHBOUR" \
		'index($a) != null and index($b) != null'
}

@test "an existing empty cgroup is joined without a warning" {
	use_cgroup "$CG"
	set_args sleep 1000
	run run_detached
	[ "$status" -eq 0 ]
	[[ "$output" != *warning* ]]
	wait_status "$ID" running
	grep -qx "$(ctr_pid "$ID")" "$CG/cgroup.procs"
}

# delete's side: the cgroup is not the container's (state.json
# "cgroupOwned": false, recorded by create).
@test "delete of a container in a shared cgroup leaves the cgroup and the other processes" {
	sleep 1000 </dev/null >/dev/null 2>&1 3>&- &
	NEIGHBOUR=$!
	echo "$NEIGHBOUR" >"$CG/cgroup.procs"
	use_cgroup "$CG"
	cfg 'del(.linux.namespaces[] | select(.type == "pid"))'
	set_args sh -c 'sleep 1002 & exec sleep 1001'
	run_detached
	wait_status "$ID" running
	jq -e '.cgroupOwned == false' "$STATE/$ID/state.json" >/dev/null
	# "running" is the init's exec: sh may not have forked its sleep yet,
	# and one forked after kill --all would outlive it
	for i in $(seq 100); do [ "$(wc -l <"$CG/cgroup.procs")" -eq 3 ] && break; sleep 0.05; done
	jaula kill --all "$ID" TERM
	wait_status "$ID" stopped
	kill -0 "$NEIGHBOUR"
	run jaula delete -f "$ID"
	[ "$status" -eq 0 ]
	[ ! -e "$STATE/$ID" ]
	[ -d "$CG" ]
	kill -0 "$NEIGHBOUR"
	[ "$(cat "$CG/cgroup.procs")" = "$NEIGHBOUR" ]
	# a running one too: its init and children go, the neighbour stays
	run_detached
	wait_status "$ID" running
	for i in $(seq 100); do [ "$(wc -l <"$CG/cgroup.procs")" -eq 3 ] && break; sleep 0.05; done
	run jaula delete -f "$ID"
	[ "$status" -eq 0 ]
	[ "$(cat "$CG/cgroup.procs")" = "$NEIGHBOUR" ]
}

# The systemd driver on a host without systemd (this one): the scope cannot be
# made, and nothing of the container is left.  tests/guest covers the driver
# against a real systemd.
@test "--systemd-cgroup without systemd fails clearly and leaves no state, cgroup or slice" {
	jq '.linux.cgroupsPath = "jaula-itest.slice:jaula:'"$ID"'" | .process.args = ["true"]' \
		"$BUNDLE/config.json" >"$BUNDLE/c" && mv "$BUNDLE/c" "$BUNDLE/config.json"
	DBUS_SYSTEM_BUS_ADDRESS=unix:path=$BATS_TEST_TMPDIR/nobus \
		run "$JAULA" --root "$STATE" --systemd-cgroup run --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"systemd cgroup driver: neither the system bus"*"is systemd running?"* ]]
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	[ ! -e "$STATE/$ID" ]
	[ ! -e /sys/fs/cgroup/jaula.slice ] && [ ! -e /sys/fs/cgroup/jaula-itest.slice ]
}

@test "--systemd-cgroup: a bad org.systemd.property annotation is named before anything is made" {
	jq '.linux.cgroupsPath = "system.slice:jaula:'"$ID"'" | .process.args = ["true"]
	    | .annotations["org.systemd.property.TimeoutStopUSec"] = "ten seconds"' \
		"$BUNDLE/config.json" >"$BUNDLE/c" && mv "$BUNDLE/c" "$BUNDLE/config.json"
	run "$JAULA" --root "$STATE" --systemd-cgroup run --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'annotations["org.systemd.property.TimeoutStopUSec"]: "ten seconds": expected'* ]]
	[ ! -e "$STATE/$ID" ]
	jq '.annotations = {"org.systemd.property.PIDs": "uint32 1"}' "$BUNDLE/config.json" >"$BUNDLE/c" &&
		mv "$BUNDLE/c" "$BUNDLE/config.json"
	run "$JAULA" --root "$STATE" --systemd-cgroup run --bundle "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'"org.systemd.property.PIDs"]: not a unit property jaula may set'* ]]
}
