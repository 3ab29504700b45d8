#!/usr/bin/env bats
# CVE-2022-29162 class: `exec --cap X` must not put X into the inheritable
# and ambient sets, from where it survives execve of any program (ambient)
# or of one with file capabilities (inheritable): only process.json may ask
# for those.  --cap adds to bounding, effective and permitted.

load ../lib/helpers

# The capability sets of the exec'd process, as hex masks.
caps_of() {
	grep -E "^Cap$1:" <<<"$output" | awk '{print $2}'
}

@test "exec --cap adds to bounding, effective and permitted only" {
	set_args sleep 1000
	run_detached
	wait_status "$ID" running
	run jaula exec --cap CAP_SYS_ADMIN --cap CAP_NET_RAW "$ID" cat /proc/self/status
	[ "$status" -eq 0 ]
	local sys_admin=$((1 << 21)) net_raw=$((1 << 13))
	for set in Bnd Eff Prm; do
		local v=$((16#$(caps_of $set)))
		[ $((v & sys_admin)) -ne 0 ] && [ $((v & net_raw)) -ne 0 ] || { echo "$set $(caps_of $set)"; false; }
	done
	[ "$(caps_of Inh)" = 0000000000000000 ] || { echo "inheritable $(caps_of Inh)"; false; }
	[ "$(caps_of Amb)" = 0000000000000000 ] || { echo "ambient $(caps_of Amb)"; false; }
}

@test "exec --cap keeps the config's inheritable and ambient sets as they were" {
	cfg '.process.capabilities.inheritable = ["CAP_KILL"] | .process.capabilities.ambient = ["CAP_KILL"]'
	set_args sleep 1000
	run_detached
	wait_status "$ID" running
	run jaula exec --cap CAP_SYS_ADMIN "$ID" cat /proc/self/status
	[ "$status" -eq 0 ]
	local kill=$((1 << 5))
	[ $((16#$(caps_of Inh))) -eq $kill ] || { echo "inheritable $(caps_of Inh)"; false; }
	[ $((16#$(caps_of Amb))) -eq $kill ] || { echo "ambient $(caps_of Amb)"; false; }
}

@test "exec --cap of a non-root user leaves it nothing after execve" {
	set_args sleep 1000
	run_detached
	wait_status "$ID" running
	# Without ambient, a uid other than 0 loses every capability at execve.
	run jaula exec --cap CAP_SYS_ADMIN -u 1000:1000 "$ID" cat /proc/self/status
	[ "$status" -eq 0 ]
	[ "$(caps_of Eff)" = 0000000000000000 ] || { echo "effective $(caps_of Eff)"; false; }
	[ "$(caps_of Prm)" = 0000000000000000 ] || { echo "permitted $(caps_of Prm)"; false; }
}
