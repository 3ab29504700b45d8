#!/bin/bash
# containerd 1.6 (Debian's default configuration, the service systemd started) driven with
# ctr through the runc shim v2 (io.containerd.runc.v2), whose runc binary is runc (the
# reference) or jaula (--runc-binary), with real limits, for the cgroupfs driver and the
# systemd one (--runc-systemd-cgroup, cgroupsPath slice:prefix:name).  The image: the
# busybox image of lib.sh's busybox_image, `podman save`d, `ctr images import`ed.  (ctr 1.6
# has no --pids-limit.)
# guest-timeout: 600
# shellcheck disable=SC1090,SC1091
. "$GUEST_SUITE/lib.sh"

NS=jaula
IMG=localhost/busybox:guest
T=120
c() { timeout -k 5 $T ctr -n $NS "$@"; }

check "containerd.service is active" systemctl -q is-active containerd.service
ver=$(c version 2>&1 | awk '/Server:/ { s = 1 } s && /Version:/ { print $2; exit }')
check "ctr reaches containerd (server ${ver:-none})" [ -n "$ver" ]
busybox_image $IMG
tar=$(mktemp /tmp/bb.XXXXXX.tar)
rm -f "$tar"
timeout $T podman save -q --format docker-archive -o "$tar" $IMG &&
	c images import "$tar" >/dev/null 2>&1
rm -f "$tar"
check "ctr images import of the busybox image" quiet c images check "name==$IMG"
[ -n "$(c images ls -q "name==$IMG")" ] || tap_end

# The limits are read from the guest side: under ctr's default spec (no cgroup namespace)
# the container's /sys/fs/cgroup shows neither its own cgroup nor the limits.
runtimes="runc"
if need_jaula "ctr with jaula"; then runtimes="runc $JAULA"; fi
n=0
for drv in cgroupfs systemd; do
	for rt in $runtimes; do
		name=$(basename "$rt")
		P="ctr[$drv] --runc-binary $name"
		n=$((n + 1))
		id=g$n-$name
		extra=()
		[ "$drv" = systemd ] && extra=(--runc-systemd-cgroup --cgroup "system.slice:jaula-ctr:$id")
		out=$(c run --rm --runtime io.containerd.runc.v2 --runc-binary "$rt" "${extra[@]}" \
			$IMG "$id-t" true 2>&1)
		rc=$?
		check "$P: run --rm true (status $rc$([ -n "$out" ] && echo ": $(flat "$out")"))" [ $rc -eq 0 ]
		c containers rm "$id-t" >/dev/null 2>&1

		out=$(c run -d --runtime io.containerd.runc.v2 --runc-binary "$rt" "${extra[@]}" \
			--memory-limit 67108864 --cpus 0.5 $IMG "$id" sleep 600 2>&1)
		rc=$?
		pid=$(c tasks ls 2>/dev/null | awk -v id="$id" '$1 == id { print $2 }')
		cg=$(sed -n 's/^0:://p' "/proc/${pid:-0}/cgroup" 2>/dev/null)
		mem=$(cat "/sys/fs/cgroup$cg/memory.max" 2>/dev/null)
		cpu=$(cat "/sys/fs/cgroup$cg/cpu.max" 2>/dev/null)
		diag "$P: run -d --memory-limit 64m --cpus 0.5: status $rc, pid ${pid:-none}, cgroup ${cg:-none}, memory.max $mem, cpu.max $cpu $(flat "$out")"
		check "$P: --memory-limit 64m: memory.max 67108864" [ "$mem" = 67108864 ]
		check "$P: --cpus 0.5: cpu.max 50000 100000" [ "$cpu" = "50000 100000" ]
		if [ "$drv" = systemd ]; then
			st=$(unit_state "jaula-ctr-$id.scope" MemoryMax)
			check "$P: systemd knows the container's scope jaula-ctr-$id.scope, with MemoryMax ($st)" \
				[ "$st" = loaded/active/67108864 ]
		fi
		c tasks kill -s KILL "$id" >/dev/null 2>&1
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			c tasks rm "$id" >/dev/null 2>&1
			c tasks ls -q 2>/dev/null | grep -qx "$id" || break
			sleep 0.5
		done
		c containers rm "$id" >/dev/null 2>&1
		check "$P: after removal no cgroup is left" cgroup_gone "$cg"
		if [ "$drv" = systemd ]; then
			check "$P: after removal no unit is left ($(unit_state "jaula-ctr-$id.scope"))" \
				[ "$(systemctl show -P ActiveState "jaula-ctr-$id.scope")" = inactive ]
		fi
	done
done
tap_end
