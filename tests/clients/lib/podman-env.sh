# shellcheck shell=bash
# Sourced: a private podman configuration under $CLIENTS_WORK/podman, given
# to podman only through CONTAINERS_CONF, CONTAINERS_STORAGE_CONF and
# CONTAINERS_REGISTRIES_CONF (nothing under /etc is read for these).
export PM=$CLIENTS_WORK/podman
mkdir -p "$PM/graph" "$PM/run" "$PM/networks"
# This root lacks CAP_SYS_RESOURCE beyond the current hard limits, and
# podman asks for nofile/nproc 1048576 by default: pin them below.
nofile=$(ulimit -Hn) nproc=$(ulimit -Hu)
[ "$nofile" = unlimited ] || [ "$nofile" -gt 1024 ] && nofile=1024
[ "$nproc" = unlimited ] || [ "$nproc" -gt 1024 ] && nproc=1024
cat >"$PM/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
# podman's default pids limit (2048) needs the pids controller, which this
# host's cgroup2 lacks; the --pids-limit test asks for it explicitly.
pids_limit = 0
netns = "none"
log_driver = "k8s-file"

[network]
network_backend = "netavark"
network_config_dir = "$PM/networks"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "jaula"
# podman passes --log-format=json --log FILE (and reads errors back from it)
# only to the runtimes named here.
runtime_supports_json = ["crun", "runc", "jaula"]

[engine.runtimes]
jaula = ["$CLIENTS_RUNTIME"]
CONF
cat >"$PM/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$PM/graph"
runroot = "$PM/run"
CONF
echo 'unqualified-search-registries = []' >"$PM/registries.conf"
export CONTAINERS_CONF=$PM/containers.conf CONTAINERS_STORAGE_CONF=$PM/storage.conf \
	CONTAINERS_REGISTRIES_CONF=$PM/registries.conf
