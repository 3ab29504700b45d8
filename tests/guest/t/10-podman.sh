#!/bin/bash
# podman 4.3 with its DEFAULT configuration (Debian's containers.conf: systemd cgroup
# manager, pids_limit 2048, netavark bridge network, journald events), each scenario with
# runc (the reference) and jaula (--runtime PATH), under both cgroup managers.  The image
# is lib.sh's busybox_image, a busybox rootfs `podman import`ed: nothing is
# pulled.  With the systemd manager both runtimes must leave systemd a transient scope
# that carries the limits as unit properties.
# guest-timeout: 900
# shellcheck disable=SC1090,SC1091
. "$GUEST_SUITE/lib.sh"

IMG=localhost/busybox:guest
T=120 # seconds for one podman command
pm() { timeout -k 5 $T podman "$@"; }

# ---- the image -----------------------------------------------------------------------
busybox_image $IMG
check "busybox image imported from busybox-static" podman image exists $IMG
info=$(pm info --format '{{.Host.CgroupManager}} {{.Host.CgroupsVersion}} {{.Host.OCIRuntime.Name}} {{.Host.NetworkBackend}}' 2>&1)
check "podman's default configuration: systemd cgroup manager on cgroup v2 ($info)" \
	[ "$(echo "$info" | cut -d' ' -f1-2)" = "systemd v2" ]

# What a container sees of its own cgroup, read from inside: its directory under
# /sys/fs/cgroup (a private cgroup namespace: "/"; none: the full path, or runc's bind
# mount of the container's cgroup at /sys/fs/cgroup).
# shellcheck disable=SC2016 # for the container's shell
READ='p=$(sed -n "s/^0:://p" /proc/self/cgroup); d=/sys/fs/cgroup${p%/}; [ -d $d ] || d=/sys/fs/cgroup; echo "mem=$(cat $d/memory.max) pids=$(cat $d/pids.max) cpu=$(cat $d/cpu.max | tr " " /)"'

runtimes="runc"
if need_jaula "podman with jaula"; then runtimes="runc $JAULA"; fi
for mgr in systemd cgroupfs; do
	for rt in $runtimes; do
		name=$(basename "$rt")
		P="podman[$mgr] --runtime $name"
		# podman's defaults, no flags: pids_limit 2048 needs the pids controller
		out=$(pm --cgroup-manager=$mgr run --runtime "$rt" --rm $IMG sh -c "$READ" 2>&1)
		rc=$?
		check "$P: run --rm (status $rc)" [ $rc -eq 0 ]
		check "$P: no flags: podman's default pids limit, pids.max 2048 ($(flat "$out"))" grep -q 'pids=2048 ' <<<"$out"
		# (jaula enables in the parent only the controllers its limits use; runc's fs2
		# manager enables every available one, systemd does for a scope it makes)
		check "$P: no flags: memory and cpu controllers, memory.max and cpu.max are max" \
			grep -q 'mem=max .*cpu=max/100000' <<<"$out"
		out=$(pm --cgroup-manager=$mgr run --runtime "$rt" --rm --memory 64m --pids-limit 50 --cpus 0.5 \
			$IMG sh -c "$READ" 2>&1)
		diag "$P: --memory 64m --pids-limit 50 --cpus 0.5: $(flat "$out")"
		check "$P: --memory 64m: memory.max 67108864" grep -q 'mem=67108864 ' <<<"$out"
		check "$P: --pids-limit 50: pids.max 50" grep -q 'pids=50 ' <<<"$out"
		check "$P: --cpus 0.5: cpu.max 50000 100000" grep -q 'cpu=50000/100000' <<<"$out"

		# From the host side: where the container's cgroup is, and (systemd manager)
		# whether systemd knows it as a unit with the limit.
		id=$(pm --cgroup-manager=$mgr run --runtime "$rt" -d --memory 32m $IMG sleep 600 2>&1)
		pid=$(pm inspect --format '{{.State.Pid}}' "$id" 2>/dev/null)
		cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup" 2>/dev/null)
		diag "$P: detached container's cgroup: ${cg:-none} (pid ${pid:-none})"
		check "$P: detached, --memory 32m: memory.max from the host" \
			[ "$(cat "/sys/fs/cgroup$cg/memory.max" 2>/dev/null)" = 33554432 ]
		if [ "$mgr" = systemd ]; then
			scope=$(grep -o 'libpod-[0-9a-f]*\.scope' <<<"$cg" | head -n 1)
			st=$(unit_state "${scope:-none}" MemoryMax)
			check "$P: systemd knows the container's scope, with MemoryMax (${scope:-none}: $st)" \
				[ "$st" = loaded/active/33554432 ]
		fi
		out=$(pm --cgroup-manager=$mgr update --memory 48m "$id" 2>&1)
		rc=$?
		mem=$(cat "/sys/fs/cgroup$cg/memory.max" 2>/dev/null)
		check "$P: update --memory 48m: memory.max ${mem:-none} (status $rc $(flat "$out"))" \
			[ "$mem" = 50331648 ]
		if [ "$mgr" = systemd ]; then
			st=$(unit_state "${scope:-none}" MemoryMax)
			check "$P: update --memory 48m reaches the scope's MemoryMax ($st)" \
				[ "$st" = loaded/active/50331648 ]
		fi
		pm rm -f -t 0 "$id" >/dev/null 2>&1
		check "$P: podman rm -f leaves no cgroup behind" cgroup_gone "$cg"
		if [ "$mgr" = systemd ]; then
			unit_gone "${scope:-none}"
			check "$P: podman rm -f leaves no unit behind ($(unit_state "${scope:-none}"))" \
				[ "$(unit_state "${scope:-none}")" = not-found/inactive ]
		fi
	done
done
tap_end
