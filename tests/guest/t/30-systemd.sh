#!/bin/bash
# jaula's systemd cgroup driver on its own (`jaula --systemd-cgroup`, cgroupsPath
# slice:prefix:name): the container's cgroup is a transient scope systemd made, with the
# limits as unit properties; update changes both; delete stops it; a failed create or a
# taken name leaves no unit; systemd's private socket stands in for a missing system bus;
# nested slices are made and collected as systemd nests them.
# shellcheck disable=SC1090,SC1091
. "$GUEST_SUITE/lib.sh"

need_jaula "systemd driver" || tap_end
J=$JAULA
W=$(mktemp -d /tmp/sd.XXXXXX)
trap 'for c in $($J list -q 2>/dev/null); do $J delete -f "$c"; done >/dev/null 2>&1; rm -rf "$W"' EXIT
mkdir -p "$W/rootfs/bin"
cp /bin/busybox "$W/rootfs/bin/"
for a in sh cat sleep true; do ln -s busybox "$W/rootfs/bin/$a"; done

# bundle DIR CGROUPSPATH ARGS_JSON [EXTRA_MOUNT_JSON]
bundle() {
	mkdir -p "$1"
	cat >"$1/config.json" <<EOF
{
	"ociVersion": "1.2.0",
	"process": {"user": {"uid": 0, "gid": 0}, "args": $3, "cwd": "/",
		    "env": ["PATH=/bin"]},
	"root": {"path": "$W/rootfs", "readonly": true},
	"annotations": {"org.systemd.property.TimeoutStopUSec": "uint64 7000000",
			"org.systemd.property.KillSignal": "15"},
	"mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}${4:+, $4}],
	"linux": {
		"cgroupsPath": "$2",
		"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}],
		"resources": {"memory": {"limit": 67108864}, "pids": {"limit": 40},
			      "cpu": {"quota": 25000, "period": 100000, "cpus": "0"}}
	}
}
EOF
}
prop() { systemctl show -P "$2" "$1" 2>/dev/null; }

check "features: cgroup.systemd is true" grep -q '"systemd": *true' <<<"$($J features)"

U=jaula-one.scope
S=jaula-t-x.slice
CG=/sys/fs/cgroup/jaula.slice/jaula-t.slice/$S/$U
bundle "$W/one" "$S:jaula:one" '["sleep", "600"]'
# (the container's stdio is create's: not a pipe the test would wait on)
$J --systemd-cgroup create --bundle "$W/one" one </dev/null >/dev/null 2>"$W/err"
rc=$?
check "create with cgroupsPath $S:jaula:one (status $rc $(flat "$(cat "$W/err")"))" [ $rc -eq 0 ]
st=$(unit_state $U MemoryMax TasksMax CPUQuotaPerSecUSec Delegate Slice)
check "the scope $U is active with the limits as properties ($st)" \
	[ "$st" = "loaded/active/67108864/40/250ms/yes/$S" ]
st=$(unit_state $U TimeoutStopUSec KillSignal)
check "org.systemd.property annotations (podman's) become properties ($st)" [ "$st" = loaded/active/7s/15 ]
check "systemctl status shows the container ($(flat "$(systemctl status $U 2>&1 | head -n 1)"))" \
	grep -q "jaula container one" <<<"$(systemctl status $U 2>&1)"
pid=$($J state one 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
check "the init is in the scope's cgroup, nested under the slices ($(cat /proc/"${pid:-0}"/cgroup 2>&1))" \
	[ "$(sed -n 's/^0:://p' "/proc/${pid:-0}/cgroup" 2>/dev/null)" = "${CG#/sys/fs/cgroup}" ]
check "no placeholder is left in the scope ($(flat "$(cat $CG/cgroup.procs 2>&1)"))" \
	[ "$(cat $CG/cgroup.procs 2>/dev/null)" = "$pid" ]
cond=no
[ "$(cat $CG/cpu.max 2>/dev/null)" = "25000 100000" ] && [ "$(cat $CG/cpuset.cpus 2>/dev/null)" = 0 ] && cond=yes
check "the exact limits are in the files (cpu.max $(cat $CG/cpu.max 2>&1))" [ $cond = yes ]

out=$($J --systemd-cgroup update --memory 100663296 --pids-limit 60 one 2>&1)
st=$(unit_state $U MemoryMax TasksMax)
check "update changes the properties ($st $(flat "$out"))" [ "$st" = loaded/active/100663296/60 ]
check "update changes the files" [ "$(cat $CG/memory.max 2>/dev/null)/$(cat $CG/pids.max 2>/dev/null)" = 100663296/60 ]

bundle "$W/two" "$S:jaula:one" '["true"]'
out=$($J --systemd-cgroup create --bundle "$W/two" two 2>&1)
rc=$?
cond=no
[ $rc -ne 0 ] && grep -q "jaula-one.scope already exists" <<<"$out" && cond=yes
check "a second container with the same unit fails clearly (status $rc: $(flat "$out"))" [ $cond = yes ]
check "... and leaves the first one's scope alone ($(unit_state $U))" [ "$(unit_state $U)" = loaded/active ]
check "... and leaves no state of its own" [ -z "$($J list -q 2>/dev/null | grep -x two)" ]

out=$($J --systemd-cgroup exec one cat /proc/self/cgroup 2>&1)
check "exec joins the scope ($(flat "$out"))" grep -q "$U" <<<"$out"

$J --systemd-cgroup kill one KILL >/dev/null 2>&1
$J --systemd-cgroup delete -f one >/dev/null 2>&1
check "delete leaves no cgroup" [ ! -d "$CG" ]
unit_gone $U
check "delete leaves no unit ($(unit_state $U))" [ "$(unit_state $U)" = not-found/inactive ]
# systemd loads any slice name it is asked about (slices need no unit file), so a
# collected slice reads like one nobody ever made: compare with such a one.
never=$(unit_state jaula-never-made.slice)
check "the slices systemd made for it are stopped: $S $(unit_state $S), like an unused slice ($never)" \
	[ "$(unit_state $S)" = "$never" ]
cond=no
[ "$(unit_state jaula.slice)" = "$never" ] && [ ! -d /sys/fs/cgroup/jaula.slice ] && cond=yes
check "... and so is jaula.slice ($(unit_state jaula.slice)), no cgroup of them left" [ $cond = yes ]

# A slice two containers share stays while one of them runs.
bundle "$W/sa" "jaula-shared.slice:jaula:sa" '["sleep", "600"]'
bundle "$W/sb" "jaula-shared.slice:jaula:sb" '["sleep", "600"]'
$J --systemd-cgroup create --bundle "$W/sa" sa </dev/null >/dev/null 2>&1
$J --systemd-cgroup create --bundle "$W/sb" sb </dev/null >/dev/null 2>&1
$J --systemd-cgroup delete -f sa >/dev/null 2>&1
st=$(unit_state jaula-shared.slice)/$(unit_state jaula-sb.scope)
check "deleting one of two containers in a slice it made keeps the slice and the other ($st)" \
	[ "$st" = loaded/active/loaded/active ]
out=$($J --systemd-cgroup delete -f sb 2>&1)
unit_gone jaula-sb.scope
st=$(unit_state jaula-shared.slice)
[ "$st" = "$never" ] || st="$st; delete: $(flat "$out"); left: $($J list -q | tr '\n' ' ')$(ls /run/jaula-systemd/slices 2>/dev/null | tr '\n' ' ') $(find /sys/fs/cgroup/jaula.slice -type d 2>/dev/null | tr '\n' ' ')"
check "deleting the last one stops the slice ($st)" [ "$(unit_state jaula-shared.slice)" = "$never" ]

# A running scope is stopped by delete too (no kill first).
bundle "$W/three" "system.slice:jaula:three" '["sleep", "600"]'
$J --systemd-cgroup create --bundle "$W/three" three </dev/null >/dev/null 2>&1
st=$(unit_state jaula-three.scope)
$J --systemd-cgroup delete -f three >/dev/null 2>&1
unit_gone jaula-three.scope
cond=no
[ "$st" = loaded/active ] && [ "$(unit_state jaula-three.scope)" = not-found/inactive ] && cond=yes
check "delete -f of a created container stops its scope ($st -> $(unit_state jaula-three.scope))" [ $cond = yes ]

bundle "$W/bad" "system.slice:jaula:bad" '["true"]' \
	'{"destination": "/x", "type": "bind", "source": "/nonexistent-src", "options": ["bind"]}'
out=$($J --systemd-cgroup create --bundle "$W/bad" bad 2>&1)
rc=$?
unit_gone jaula-bad.scope
cond=no
[ $rc -ne 0 ] && [ "$(unit_state jaula-bad.scope)" = not-found/inactive ] && [ ! -d /sys/fs/cgroup/system.slice/jaula-bad.scope ] && cond=yes
check "a create that fails after the scope exists leaves no unit ($(unit_state jaula-bad.scope); status $rc: $(flat "$out"))" [ $cond = yes ]

bundle "$W/priv" "system.slice:jaula:priv" '["cat", "/proc/self/cgroup"]'
out=$(DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent $J --systemd-cgroup run --bundle "$W/priv" priv 2>&1)
rc=$?
cond=no
[ $rc -eq 0 ] && grep -q "jaula-priv.scope" <<<"$out" && cond=yes
check "without the system bus, /run/systemd/private makes the scope (status $rc: $(flat "$out"))" [ $cond = yes ]
$J delete -f priv >/dev/null 2>&1
unit_gone jaula-priv.scope
check "... and it is gone after delete ($(unit_state jaula-priv.scope))" [ "$(unit_state jaula-priv.scope)" = not-found/inactive ]

tap_end
