#!/bin/bash
# Kubernetes' path, both cgroup drivers: a containerd 1.6 of this script's own (its own
# config, root, state and socket; the guest's containerd.service is left alone) with the
# CRI plugin and one runtime handler per runtime and driver, each through the runc shim v2
# (io.containerd.runc.v2) with BinaryName = runc (the reference) or jaula and
# SystemdCgroup = false or true.  tests/clients/lib/cri.py speaks CRI the way the kubelet
# does: RunPodSandbox under a pod cgroup parent (cgroupfs: /kubepods/...; systemd: a
# slice, which containerd turns into cgroupsPath slice:cri-containerd:ID), then a
# container with memory and cpu limits, exec, stop, remove.  The pause image and the
# container's image are busybox images made by lib.sh's busybox_image, `podman save`d and
# `ctr images import`ed: nothing is pulled.
# guest-timeout: 600
# shellcheck disable=SC1090,SC1091
. "$GUEST_SUITE/lib.sh"

D=/run/jaula-cri                 # config, socket, state, the runtimes' roots
ROOT=/var/lib/jaula-cri          # containerd's root: content and snapshots
UNIT=jaula-cri-containerd.service
IMG=localhost/busybox:guest
PAUSE=localhost/pause:guest
CRI=$GUEST_SUITE/../clients/lib/cri.py
T=120
c() { timeout -k 5 $T ctr -a $D/containerd.sock -n k8s.io "$@"; }
cri() { timeout -k 5 $T python3 "$CRI" $D/containerd.sock "$@"; }
# field JSON KEY: KEY of the one-line JSON object cri.py printed, a string without
# escapes or a number (sed, not python: a python start costs a second under TCG)
field() { sed -n 's/.*"'"$2"'": \("\([^"\\]*\)"\|\(-\{0,1\}[0-9][0-9]*\)\).*/\2\3/p' <<<"$1"; }
# cg ID: the cgroup containerd asks for the container (or sandbox) ID under $parent
cg() { if [ "$drv" = systemd ]; then echo "$parent/cri-containerd-$1.scope"; else echo "$parent/$1"; fi; }
# pid of the task ID, from containerd
task_pid() { c tasks ls 2>/dev/null | awk -v id="$1" '$1 == id { print $2 }'; }

runtimes="runc"
if need_jaula "CRI with jaula"; then runtimes="runc $JAULA"; fi

cleanup() {
	for p in $(c containers ls -q 2>/dev/null); do c tasks kill -s KILL "$p"; done >/dev/null 2>&1
	systemctl stop $UNIT >/dev/null 2>&1
	systemctl stop kubepods.slice >/dev/null 2>&1
	for d in /sys/fs/cgroup/kubepods/* /sys/fs/cgroup/kubepods; do rmdir "$d"; done 2>/dev/null
	grep " $D/\| $ROOT/" /proc/self/mounts | cut -d' ' -f2 | sort -r | xargs -r umount 2>/dev/null
	rm -rf $D $ROOT
}
trap cleanup EXIT

# ---- containerd with the CRI plugin ---------------------------------------------------
mkdir -p $D/cni/bin $D/cni/conf $D/pods
p='plugins."io.containerd.grpc.v1.cri"'
{
	cat <<CONF
version = 2
root = "$ROOT"
state = "$D/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
	"io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
	"io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$D/containerd.sock"
[ttrpc]
  address = "$D/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$D/opt"
[$p]
  sandbox_image = "$PAUSE"
  # (the image has no apparmor_parser to load containerd's default profile)
  disable_apparmor = true
  [$p.cni]
    bin_dir = "$D/cni/bin"
    conf_dir = "$D/cni/conf"
  [$p.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc-cgroupfs"
CONF
	for rt in $runtimes; do
		for drv in cgroupfs systemd; do
			h=$(basename "$rt")-$drv
			cat <<CONF
    [$p.containerd.runtimes.$h]
      runtime_type = "io.containerd.runc.v2"
      [$p.containerd.runtimes.$h.options]
        BinaryName = "$rt"
        Root = "$D/root-$h"
        SystemdCgroup = $([ $drv = systemd ] && echo true || echo false)
CONF
		done
	done
} >$D/config.toml
# (a unit of its own: stopping it stops the shims too)
systemd-run -q --unit=$UNIT --collect -p KillMode=control-group \
	containerd --config $D/config.toml >/dev/null 2>&1
for _ in $(seq 120); do
	[ -S $D/containerd.sock ] && quiet c version && break
	sleep 0.5
done
out=$(cri version 2>&1)
check "containerd ($UNIT) serves CRI on $D/containerd.sock ($(flat "$out"))" \
	[ "$(field "$out" runtime_api_version)" = v1 ]
[ "$(field "$out" runtime_api_version)" = v1 ] || {
	journalctl -u $UNIT --no-pager | tail -n 30 | sed 's/^/# /'
	tap_end
}

busybox_image $IMG
busybox_image $PAUSE '["/bin/sleep", "2147483647"]'
tar=$(mktemp -u /tmp/cri.XXXXXX.tar)
timeout $T podman save -q -m --format docker-archive -o "$tar" $IMG $PAUSE &&
	c images import "$tar" >/dev/null 2>&1
rm -f "$tar"
cond=no
quiet c images check "name==$IMG" && quiet c images check "name==$PAUSE" && cond=yes
check "ctr images import of the busybox and pause images ($(flat "$(c images ls -q 2>&1)"))" [ $cond = yes ]

# ---- a pod and a container per runtime and driver -------------------------------------
n=0
for drv in cgroupfs systemd; do
	for rt in $runtimes; do
		name=$(basename "$rt")
		h=$name-$drv
		n=$((n + 1))
		P="cri[$drv] $name"
		if [ $drv = systemd ]; then
			# the kubelet's form: the pod's slice under its parents' (containerd takes the
			# last component; systemd nests kubepods-jaula-podN.slice by its name)
			parent=/kubepods.slice/kubepods-jaula.slice/kubepods-jaula-pod$n.slice
		else
			parent=/kubepods/jaula-pod$n
		fi
		logs=$D/pods/pod$n
		mkdir -p "$logs"

		out=$(cri runp pod$n "$h" "$parent" "$logs" 2>&1)
		rc=$?
		pod=$(field "$out" id)
		check "$P: RunPodSandbox under $parent (status $rc $(flat "$out"))" [ -n "$pod" ]
		[ -n "$pod" ] || continue
		ppid=$(task_pid "$pod")
		pcg=$(sed -n 's/^0:://p' "/proc/${ppid:-0}/cgroup" 2>/dev/null)
		check "$P: the sandbox's cgroup is $(cg "${pod:0:12}")... (${pcg:-none})" [ "$pcg" = "$(cg "$pod")" ]
		check "$P: the handler ran $name (state in $D/root-$h)" [ -d "$D/root-$h/k8s.io/$pod" ]

		out=$(cri create --cgroup-parent="$parent" --memory=67108864 --cpu-quota=50000 \
			--cpu-period=100000 --cpu-shares=512 "$pod" pod$n box $IMG "$logs" sleep 600 2>&1)
		rc=$?
		ctr=$(field "$out" id)
		out=$(cri start "${ctr:-none}" 2>&1)
		rc2=$?
		st=$(field "$(cri status "${ctr:-none}" 2>&1)" state)
		check "$P: CreateContainer + StartContainer with limits (status $rc/$rc2, $st $(flat "$out"))" \
			[ "$st" = RUNNING ]
		pid=$(task_pid "${ctr:-none}")
		ccg=$(sed -n 's/^0:://p' "/proc/${pid:-0}/cgroup" 2>/dev/null)
		d=/sys/fs/cgroup$ccg
		mem=$(cat "$d/memory.max" 2>/dev/null)
		cpu=$(cat "$d/cpu.max" 2>/dev/null)
		diag "$P: container ${ctr:0:12}, pid ${pid:-none}, cgroup ${ccg:-none}: memory.max $mem, cpu.max $cpu, cpu.weight $(cat "$d/cpu.weight" 2>/dev/null)"
		cond=no
		[ -n "$ctr" ] && [ "$ccg" = "$(cg "$ctr")" ] && cond=yes
		check "$P: the container's cgroup is $(cg "${ctr:0:12}")..." [ $cond = yes ]
		check "$P: memory_limit_in_bytes 64 MiB: memory.max 67108864" [ "$mem" = 67108864 ]
		check "$P: cpu_quota 50000, cpu_period 100000: cpu.max 50000 100000" [ "$cpu" = "50000 100000" ]
		if [ $drv = systemd ]; then
			st=$(unit_state "cri-containerd-$ctr.scope" MemoryMax CPUQuotaPerSecUSec)
			check "$P: systemd knows the container's scope, with MemoryMax and the CPU quota ($st)" \
				[ "$st" = loaded/active/67108864/500ms ]
			st=$(unit_state "cri-containerd-$pod.scope")
			check "$P: ... and the sandbox's ($st)" [ "$st" = loaded/active ]
		fi

		# shellcheck disable=SC2016 # for the container's shell
		out=$(cri exec "${ctr:-none}" 20 sh -c 'echo "$FROM_CRI"; cat /proc/self/cgroup; exit 3' 2>&1)
		cond=no
		# (in the container's cgroup: its root under a cgroup namespace, else the full path)
		[ "$(field "$out" exit_code)" = 3 ] && grep -qF -e '"stdout": "yes\n0::/\n"' \
			-e "\"stdout\": \"yes\\n0::$ccg\\n\"" <<<"$out" && cond=yes
		check "$P: ExecSync runs in the container, its env, its cgroup, its status ($(flat "$out"))" [ $cond = yes ]

		out=$(cri stop "${ctr:-none}" 2>&1)
		st=$(field "$(cri status "${ctr:-none}" 2>&1)" state)
		check "$P: StopContainer ($st $(flat "$out"))" [ "$st" = EXITED ]
		out=$(cri rm "${ctr:-none}" 2>&1)
		check "$P: RemoveContainer leaves no cgroup ($(flat "$out"))" cgroup_gone "$ccg"
		if [ $drv = systemd ]; then
			unit_gone "cri-containerd-$ctr.scope"
			check "$P: ... and no unit ($(unit_state "cri-containerd-$ctr.scope"))" \
				[ "$(unit_state "cri-containerd-$ctr.scope")" = not-found/inactive ]
		fi
		out=$(cri stopp "$pod" 2>&1)$(cri rmp "$pod" 2>&1)
		check "$P: StopPodSandbox + RemovePodSandbox leave no cgroup ($(flat "$out"))" cgroup_gone "$pcg"
		if [ $drv = systemd ]; then
			unit_gone "cri-containerd-$pod.scope"
			check "$P: ... and no unit ($(unit_state "cri-containerd-$pod.scope"))" \
				[ "$(unit_state "cri-containerd-$pod.scope")" = not-found/inactive ]
		fi
		left=$(c containers ls -q 2>&1)$(ls -A "$D/root-$h/k8s.io" 2>/dev/null)
		check "$P: no container and no runtime state is left ($(flat "$left"))" [ -z "$left" ]
	done
done
tap_end
