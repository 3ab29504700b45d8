# containerd started by the tests: its own config, root, state and sockets
# under $CTD (a directory on the run's tmpfs), its own cgroup (so the cgroup
# and OOM watchers of containerd and its shims touch nothing of the caller's),
# stopped by its own PID.

# containerd_start DIR [EXTRA-TOML]: start it, wait for its socket.  Without
# EXTRA-TOML the CRI plugin is disabled (ctr needs none of it).
containerd_start() {
	export CTD=$1
	local cri=', "io.containerd.grpc.v1.cri"'
	[ -n "${2:-}" ] && cri=
	mkdir -p "$CTD"
	cat >"$CTD/config.toml" <<CONF
version = 2
root = "$CTD/root"
state = "$CTD/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
	"io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
	"io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"$cri]

[grpc]
  address = "$CTD/containerd.sock"

[ttrpc]
  address = "$CTD/containerd.sock.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$CTD/opt"
${2:-}
CONF
	mkdir -p /sys/fs/cgroup/containerd-$$
	(
		echo "$BASHPID" >/sys/fs/cgroup/containerd-$$/cgroup.procs &&
			exec containerd --config "$CTD/config.toml" </dev/null >"$CTD/containerd.log" 2>&1
	) &
	echo $! >"$CTD/pid"
	export CTD_CGROUP=/sys/fs/cgroup/containerd-$$
	local i
	for i in $(seq 100); do
		[ -S "$CTD/containerd.sock" ] && bounded ctr -a "$CTD/containerd.sock" version >/dev/null 2>&1 &&
			return 0
		sleep 0.1
	done
	echo "containerd did not start:"
	cat "$CTD/containerd.log"
	return 1
}

# Stop it by its PID (SIGTERM, then SIGKILL), then whatever it left in its
# cgroup (shims of failed tests).
containerd_stop() {
	[ -n "${CTD:-}" ] && [ -f "$CTD/pid" ] || return 0
	local pid i
	pid=$(cat "$CTD/pid")
	kill "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	if [ -d "$CTD_CGROUP" ]; then
		echo 1 >"$CTD_CGROUP/cgroup.kill"
		for _ in $(seq 50); do
			[ -z "$(cat "$CTD_CGROUP/cgroup.procs")" ] && break
			sleep 0.1
		done
		rmdir "$CTD_CGROUP"
	fi
	rm -f "$CTD/pid"
}
