#!/usr/bin/env bats
# Kubernetes' path: the containerd CRI plugin with runtime handlers (what a
# RuntimeClass names) that run jaula through the runc shim's BinaryName.
# Debian 12 has no crictl, so lib/cri.py speaks the CRI gRPC API the way the
# kubelet does.

load lib/helpers
load lib/containerd

setup_file() {
	require containerd ctr containerd-shim-runc-v2 /usr/bin/python3 || return 0
	if ! /usr/bin/python3 -c 'import grpc' 2>/dev/null; then
		export CLIENTS_MISSING="python3-grpcio is not installed"
		return 0
	fi
	local d=$CLIENTS_WORK/cri
	mkdir -p "$d/cni/bin" "$d/cni/conf" "$d/pods" "$CLIENTS_WORK/bin"
	# This host's cgroup2 has no cpu controller, and every CRI sandbox asks
	# for cpu shares (2): handler "jaula-nocg" runs jaula with
	# --cgroup-manager disabled to get a pod running anyway.
	cat >"$CLIENTS_WORK/bin/jaula-nocg" <<WRAP
#!/bin/sh
exec "$CLIENTS_RUNTIME" --cgroup-manager disabled "\$@"
WRAP
	chmod +x "$CLIENTS_WORK/bin/jaula-nocg"
	containerd_start "$d" "$(cri_config "$d")" || return 1
	c images import "$CLIENTS_IMAGE/image.oci.tar" >/dev/null
	c images import "$CLIENTS_IMAGE/pause.oci.tar" >/dev/null
}

# The CRI section of config.toml (the README shows the same).
cri_config() {
	local p='plugins."io.containerd.grpc.v1.cri"'
	cat <<CONF
[$p]
  sandbox_image = "localhost/jaula-pause:latest"
  # the sandbox asks for oom_score_adj -998; without CAP_SYS_RESOURCE
  # beyond the current value it must be clamped
  restrict_oom_score_adj = true
  [$p.cni]
    bin_dir = "$1/cni/bin"
    conf_dir = "$1/cni/conf"
  [$p.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "jaula"
    [$p.containerd.runtimes.jaula]
      runtime_type = "io.containerd.runc.v2"
      [$p.containerd.runtimes.jaula.options]
        BinaryName = "$CLIENTS_RUNTIME"
    [$p.containerd.runtimes.jaula-nocg]
      runtime_type = "io.containerd.runc.v2"
      [$p.containerd.runtimes.jaula-nocg.options]
        BinaryName = "$CLIENTS_WORK/bin/jaula-nocg"
CONF
}

setup() {
	skip_if_missing
}

teardown_file() {
	grep -E "level=(error|warning)" "$CTD/containerd.log" >"$CLIENTS_WORK/cri-errors.log" 2>/dev/null
	containerd_stop
}

c() {
	bounded ctr -a "$CTD/containerd.sock" -n k8s.io "$@"
}

cri() {
	bounded /usr/bin/python3 "$BATS_TEST_DIRNAME/lib/cri.py" "$CTD/containerd.sock" "$@"
}

# field F of the JSON a cri call printed
field() {
	echo "$output" | jq -r ".$1"
}

ns_of() {
	readlink "/proc/$1/ns/$2"
}

@test "cri: containerd loads the CRI plugin with the jaula runtime handlers" {
	run c plugins ls
	[[ "$output" =~ io.containerd.grpc.v1\ +cri\ +linux/amd64\ +ok ]]
	run cri version
	[ "$status" -eq 0 ]
	[ "$(field runtime_api_version)" = v1 ]
}

@test "cri: RunPodSandbox with handler jaula runs jaula; the host's answer reaches the client" {
	local mark pod
	mark=$(calls_mark)
	run cri runp pod-cg jaula /kubepods/pod-cg "$CTD/pods/pod-cg"
	if grep -qw cpu /sys/fs/cgroup/cgroup.controllers; then
		[ "$status" -eq 0 ]
		pod=$(field id)
		cri stopp "$pod"
		cri rmp "$pod"
	else
		# every sandbox asks for cpu shares: refused, with jaula's words
		[ "$status" -ne 0 ]
		[[ "$(field error)" == *'OCI runtime create failed: cgroup controller "cpu" is not available'* ]]
	fi
	run calls_since "$mark"
	[[ "$output" == *"containerd-shim	--root /run/containerd/runc/k8s.io --log "*" create --bundle "* ]]
	[[ "$output" != *"--cgroup-manager"* ]]
	run c containers ls -q
	[ -z "$output" ]
}

@test "cri: a pod and a container run, exec and stop through handler jaula-nocg" {
	local pod ctr mark pod_pid ctr_pid parent
	mark=$(calls_mark)
	run cri runp pod1 jaula-nocg /kubepods/pod1 "$CTD/pods/pod1"
	[ "$status" -eq 0 ]
	pod=$(field id)
	run cri create "$pod" pod1 box "$IMAGE" "$CTD/pods/pod1" sleep 1000
	[ "$status" -eq 0 ]
	ctr=$(field id)
	cri start "$ctr"
	run cri status "$ctr"
	[ "$(field state)" = RUNNING ]

	# the container joined the sandbox's pid and ipc namespaces by path,
	# and the node's network namespace (host network)
	pod_pid=$("$JAULA" --root /run/containerd/runc/k8s.io state "$pod" | jq -r .pid)
	ctr_pid=$("$JAULA" --root /run/containerd/runc/k8s.io state "$ctr" | jq -r .pid)
	[ "$(ns_of "$ctr_pid" pid)" = "$(ns_of "$pod_pid" pid)" ]
	[ "$(ns_of "$ctr_pid" ipc)" = "$(ns_of "$pod_pid" ipc)" ]
	[ "$(ns_of "$ctr_pid" net)" = "$(ns_of $$ net)" ]
	[ "$(ns_of "$ctr_pid" mnt)" != "$(ns_of "$pod_pid" mnt)" ]
	parent=$(awk '/^PPid:/ {print $2}' "/proc/$ctr_pid/status")
	[ "$(cat "/proc/$parent/comm")" = containerd-shim ]

	run cri exec "$ctr" 10 sh -c 'echo "$FROM_CRI"; tr "\0" " " </proc/1/cmdline; exit 3'
	[ "$status" -eq 0 ]
	[ "$(field exit_code)" = 3 ]
	[ "$(field stdout)" = "$(printf 'yes\nsleep 2147483647 ')" ]

	cri stop "$ctr"
	run cri status "$ctr"
	[ "$(field state)" = EXITED ]
	[ "$(field exit_code)" = 143 ] # SIGTERM: not PID 1 of the pod's pid namespace
	cri rm "$ctr"
	cri stopp "$pod"
	cri rmp "$pod"
	run c containers ls -q
	[ -z "$output" ]
	[ -z "$(ls /run/containerd/runc/k8s.io)" ]

	run calls_since "$mark"
	[[ "$output" == *"--cgroup-manager disabled --root /run/containerd/runc/k8s.io "*" exec --process "*" --detach --pid-file "*" $ctr"* ]]
	# the shim's kill --all after the exit of a pid-sharing container
	[[ "$output" == *" kill --all $ctr 9"* ]]
	! grep -q "killall failed" "$CTD/containerd.log"
}
