# Figures 7 (images, issue 10) and 8 (networks, issue 11), sourced by
# figures.sh: jaula against the tool a person would otherwise use (umoci,
# podman, the CNI bridge plugin) or against itself (a 1 GB image against a
# small one, --net bridge against --net none).  Each has two columns,
# "jaula" and "peer", run interleaved like the runtimes' figures, and a row
# in the report's second table with the peer's name, the per-round ratio
# (or difference) and the issue's goal.  A peer that is missing or cannot
# run here gives "n/a (reason)"; it never stops the bench.
#
# Everything lives under $BENCH_WORK/peers (the tmpfs in the bench's private
# mount namespace) and the bench's private network namespace: podman gets
# its own storage root, runroot, tmpdir and configuration files, the CNI
# plugin's IPAM its own dataDir, so the host's podman store, /var/lib/cni,
# /etc/containers and /etc/cni are never read or written.  The only thing
# outside is the cgroup tree podman's runc makes (the cgroup2 hierarchy is
# the host's): it is under /$BENCH_RUN_TAG-podman and removed by
# peers_cleanup, which in-ns.sh calls even on failure.

PEERS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEER_DIR=$BENCH_WORK/peers
IMG_STORE=$PEER_DIR/store
IMG_LAYOUT=$PEER_DIR/layout-multi
# jaula with its own state root for image containers (`rm -f` cleans them,
# `delete -f` of rt_delete_all would leave their upper dirs) and the store.
JL_IMG=("$JAULA" --root "$BENCH_WORK/state/jaula-img" --store "$IMG_STORE")
# umoci and podman take ~2 s and ~0.6 s a round: a third of the rounds.
BENCH_SLOW_N=${BENCH_SLOW_N:-$((BENCH_N / 3 > 5 ? BENCH_N / 3 : 5))}
# The big image of figure 7c, in MiB; its layer is cached in $BENCH_OUT.
BENCH_BIG_MB=${BENCH_BIG_MB:-1024}
PODMAN_CG=/$BENCH_RUN_TAG-podman
declare -A FIG_PEER=() FIG_CMP=() FIG_GOAL=()

# peer_figure KEY ROUNDS UNIT "TITLE" "PEER NAME" ratio|diff "OP LIMIT"
# OP: ge/le (the ratio jaula/peer against LIMIT), flat (|ratio - 1| <=
# LIMIT), diffle (the difference jaula - peer, in the unit, <= LIMIT).
peer_figure() {
	figure "$1" "$2" "$3" "$4"
	FIG_COLS[$1]="jaula peer" FIG_TABLE[$1]=peers
	FIG_PEER[$1]=$5 FIG_CMP[$1]=$6 FIG_GOAL[$1]=$7
}

# --- shared: the generated images --------------------------------------------
IMG_READY=''
IMG_BYTES=''
# images_prepare: the multi-layer layout (figure 7a's input) and the small
# image, imported into the shared store.  Once per bench run.
images_prepare() {
	[ -n "$IMG_READY" ] && return "$IMG_READY"
	IMG_READY=1
	local log
	log=$(log_file images-setup)
	mkdir -p "$PEER_DIR" || return 1
	IMG_BYTES=$(python3 "$PEERS_LIB/mkimage.py" multi "$IMG_LAYOUT" multi "$ROOTFS" 2>>"$log") || return 1
	python3 "$PEERS_LIB/mkimage.py" sized "$PEER_DIR/layout-small" small "$ROOTFS" \
		"$PEER_DIR/small-layer.tar.gz" 0 >/dev/null 2>>"$log" || return 1
	"${JL_IMG[@]}" image import -q "$IMG_LAYOUT" bench:multi >/dev/null 2>>"$log" || return 1
	"${JL_IMG[@]}" image import -q "$PEER_DIR/layout-small" bench:small >/dev/null 2>>"$log" || return 1
	IMG_READY=0
}

# MB/s (10^6 bytes of uncompressed layer tar) from a time in ms.
mbps() {
	awk -v b="$IMG_BYTES" -v ms="$1" 'BEGIN { if (ms <= 0) exit 1; printf "%.3f", b / 1e6 / (ms / 1000) }'
}

# --- 7a. import + unpack throughput: jaula vs umoci ------------------------------
# Every round unpacks into a fresh directory (a fresh store for jaula: its
# layers are content-addressed, so a second import would unpack nothing);
# the removal is not timed.
fig_img_import_setup() {
	images_prepare || { SETUP_NA="n/a (image generation or import failed, see log/images-setup.log)"; return 1; }
	FIG_PEER[img_import]="umoci $(umoci --version 2>/dev/null | awk '{ print $NF }') unpack"
}
fig_img_import_available() {
	[ "$1" = jaula ] && return 0
	command -v umoci >/dev/null || { NA_REASON="n/a (umoci not installed)"; return 1; }
}
fig_img_import() {
	local dir=$PEER_DIR/unpack.$1
	rm -rf "$dir"
	if [ "$1" = jaula ]; then
		time_cmd "$JAULA" --root "$BENCH_WORK/state/jaula-img" --store "$dir" image import -q "$IMG_LAYOUT" bench:multi || return 1
	else
		time_cmd umoci unpack --image "$IMG_LAYOUT:multi" "$dir" || return 1
	fi
	rm -rf "$dir"
	SAMPLE=$(mbps "$SAMPLE")
}
fig_img_import_teardown() { rm -rf "$PEER_DIR"/unpack.*; }

# --- 7b. run --rm IMAGE true: jaula vs podman ----------------------------------
# podman loads the oci-archive `jaula image export` writes.  Its flags, for
# this host (hybrid cgroups, no CAP_SYS_RESOURCE) inside the private
# namespaces: cgroupfs manager (the pure cgroup2 in-ns.sh mounts) with runc
# (crun 1.8's cgroupfs needs CAP_SYS_RESOURCE here, see the conditions),
# pids_limit 0 (no pids controller in this cgroup2), ulimits lowered to
# runc spec's 1024 open files and 4096 processes (podman's defaults raise
# them, which needs CAP_SYS_RESOURCE), no events log, --network none.
PODMAN=()
PODMAN_NA=''
podman_prepare() {
	local d=$PEER_DIR/podman log
	log=$(log_file img_run.setup)
	PODMAN_NA=''
	command -v podman >/dev/null || { PODMAN_NA="n/a (podman not installed)"; return 1; }
	command -v runc >/dev/null || { PODMAN_NA="n/a (runc not installed)"; return 1; }
	mkdir -p "$d/root" "$d/run" "$d/tmp" "$d/net" || return 1
	cat >"$d/containers.conf" <<EOF
[containers]
pids_limit = 0
[engine]
cgroup_manager = "cgroupfs"
events_logger = "none"
runtime = "runc"
tmp_dir = "$d/tmp"
[network]
network_config_dir = "$d/net"
EOF
	cat >"$d/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$d/root"
runroot = "$d/run"
EOF
	# Private configuration files: nothing of /etc/containers is read.
	export CONTAINERS_CONF=$d/containers.conf CONTAINERS_STORAGE_CONF=$d/storage.conf
	PODMAN=(podman --root "$d/root" --runroot "$d/run" --tmpdir "$d/tmp" --storage-driver overlay
		--cgroup-manager cgroupfs --events-backend none --runtime runc)
	if ! "${JL_IMG[@]}" image export bench:multi "$PEER_DIR/multi.oci.tar" 2>>"$log"; then
		PODMAN_NA="n/a (jaula image export failed)"
		return 1
	fi
	if ! timeout 120 "${PODMAN[@]}" load -q -i "$PEER_DIR/multi.oci.tar" >>"$log" 2>&1; then
		PODMAN_NA="n/a (podman load failed, see log/img_run.setup.log)"
		return 1
	fi
	# The image's name as podman stored it (localhost/bench:multi).
	PODMAN_IMAGE=$("${PODMAN[@]}" images --format '{{.Repository}}:{{.Tag}}' 2>>"$log" | head -n 1)
	[ -n "$PODMAN_IMAGE" ] || { PODMAN_NA="n/a (podman lists no image after load)"; return 1; }
}
fig_img_run_setup() {
	images_prepare || { SETUP_NA="n/a (image generation or import failed, see log/images-setup.log)"; return 1; }
	podman_prepare
	FIG_PEER[img_run]="podman $(podman --version 2>/dev/null | awk '{ print $NF }') run --rm (runc, cgroupfs)"
	return 0
}
fig_img_run_available() {
	[ "$1" = jaula ] && return 0
	[ -z "$PODMAN_NA" ] || { NA_REASON=$PODMAN_NA; return 1; }
}
fig_img_run() {
	new_id
	if [ "$1" = jaula ]; then
		time_cmd "${JL_IMG[@]}" run --rm --net none --name "$CTR_ID" bench:multi true
	else
		time_cmd "${PODMAN[@]}" run --rm --network none --cgroup-parent "$PODMAN_CG" \
			--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --name "$CTR_ID" "$PODMAN_IMAGE" true
	fi
}
fig_img_run_teardown() {
	jaula_img_rm_all
	podman_rm_all
}

jaula_img_rm_all() {
	local id
	for id in $("${JL_IMG[@]}" list -q 2>/dev/null); do
		"${JL_IMG[@]}" rm -f "$id" >/dev/null 2>&1
	done
}

podman_rm_all() {
	[ ${#PODMAN[@]} -gt 0 ] || return 0
	timeout 60 "${PODMAN[@]}" rm -af >/dev/null 2>&1
}

# --- 7c. create cost: a 1 GB image against a small one (both jaula) ----------
# The big layer (BENCH_BIG_MB MiB of zeros in files of 16 MiB, gzip: ~1 MB
# compressed) is made once in $BENCH_OUT and reused; unpacked, it takes
# BENCH_BIG_MB MiB of the tmpfs (RAM), so its free space is checked first
# and the image is removed (and pruned) after the figure.
fig_img_size_setup() {
	images_prepare || { SETUP_NA="n/a (image generation or import failed, see log/images-setup.log)"; return 1; }
	local need avail log cache=$BENCH_OUT/img-layer-${BENCH_BIG_MB}m.tar.gz
	log=$(log_file img_size.setup)
	# the unpacked layer plus 256 MiB of room for the rest of the bench
	need=$(((BENCH_BIG_MB + 256) * 1024))
	avail=$(df -Pk "$BENCH_WORK" | awk 'NR == 2 { print $4 }')
	if [ "${avail:-0}" -lt "$need" ]; then
		SETUP_NA="n/a (tmpfs has $((avail / 1024)) MiB free, needs $((need / 1024)))"
		return 1
	fi
	python3 "$PEERS_LIB/mkimage.py" sized "$PEER_DIR/layout-big" big "$ROOTFS" "$cache" "$BENCH_BIG_MB" \
		>/dev/null 2>>"$log" || { SETUP_NA="n/a (generating the big image failed)"; return 1; }
	"${JL_IMG[@]}" image import -q "$PEER_DIR/layout-big" bench:big >/dev/null 2>>"$log" ||
		{ SETUP_NA="n/a (jaula image import of the big image failed)"; return 1; }
	rm -rf "$PEER_DIR/layout-big"
	FIG_PEER[img_size]="jaula, small image ($(du -sm "$ROOTFS" | cut -f1) MB; 2 layers as the big one)"
}
fig_img_size() {
	new_id
	local img=bench:small
	[ "$1" = jaula ] && img=bench:big
	time_cmd "${JL_IMG[@]}" run --rm --net none --name "$CTR_ID" "$img" true
}
fig_img_size_teardown() {
	jaula_img_rm_all
	"${JL_IMG[@]}" image rm bench:big >/dev/null 2>&1
	"${JL_IMG[@]}" image prune >/dev/null 2>&1
	rm -rf "$PEER_DIR/layout-big"
}

# --- 8a. one container's network, setup + teardown: jaula vs CNI bridge -------
# jaula: `network connect bridge ID --netns NS` then `network disconnect ID`
# (two execs of the CLI, as a CNI runtime execs its plugin twice).  CNI:
# /usr/lib/cni/bridge with host-local IPAM, invoked as a CNI runtime does
# (CNI_COMMAND=ADD, then DEL, config on stdin: benchexec -i).  Same subnet
# as jaula's default bridge (10.87.0.0/16), gateway on the bridge and
# masquerade on both sides.  The target is a sleeper in a fresh network
# namespace inside the bench's private one.
NET_SLEEPER=''
NET_NS=''
CNI_CONF=$PEER_DIR/cni-bridge.json
net_target_start() {
	[ -n "$NET_SLEEPER" ] && return 0
	unshare --net sleep 1000000 </dev/null >/dev/null 2>&1 &
	NET_SLEEPER=$!
	local try
	for try in $(seq 50); do
		# unshare execs sleep in the new namespace: wait until it has.
		if [ "$(readlink "/proc/$NET_SLEEPER/ns/net" 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ] &&
			[ "$(readlink "/proc/$NET_SLEEPER/exe" 2>/dev/null)" = "$(readlink -f "$(command -v sleep)")" ]; then
			NET_NS=/proc/$NET_SLEEPER/ns/net
			return 0
		fi
		sleep 0.02
	done
	return 1
}
net_target_stop() {
	[ -n "$NET_SLEEPER" ] && kill -KILL "$NET_SLEEPER" 2>/dev/null && wait "$NET_SLEEPER" 2>/dev/null
	NET_SLEEPER='' NET_NS=''
}
CNI_NA=''
fig_net_setup_setup() {
	CNI_NA=''
	mkdir -p "$PEER_DIR" || return 1
	net_target_start || { SETUP_NA="n/a (could not start the target network namespace)"; return 1; }
	if [ ! -x /usr/lib/cni/bridge ] || [ ! -x /usr/lib/cni/host-local ]; then
		CNI_NA="n/a (containernetworking-plugins not installed)"
	elif ! command -v iptables >/dev/null; then
		CNI_NA="n/a (iptables missing: the bridge plugin's ipMasq needs it)"
	fi
	cat >"$CNI_CONF" <<EOF
{"cniVersion": "1.0.0", "name": "bench", "type": "bridge", "bridge": "cni0",
 "isGateway": true, "ipMasq": true,
 "ipam": {"type": "host-local", "subnet": "10.87.0.0/16", "dataDir": "$PEER_DIR/cni-ipam"}}
EOF
	# the plugin says "version unknown": the package's version instead
	FIG_PEER[net_setup]="CNI bridge plugin ADD + DEL (containernetworking-plugins $(dpkg-query -W -f '${Version}' containernetworking-plugins 2>/dev/null), host-local)"
	return 0
}
fig_net_setup_available() {
	[ "$1" = jaula ] && return 0
	[ -z "$CNI_NA" ] || { NA_REASON=$CNI_NA; return 1; }
}
fig_net_setup() {
	new_id
	if [ "$1" = jaula ]; then
		time_cmd "${JL_IMG[@]}" network connect bridge "$CTR_ID" --netns "$NET_NS" \
			--then "${JL_IMG[@]}" network disconnect ${NET_WAIT:-} "$CTR_ID"
	else
		local env=(CNI_CONTAINERID="$CTR_ID" CNI_NETNS="$NET_NS" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni)
		local ns
		ns=$("$DRV" -i "$CNI_CONF" -- CNI_COMMAND=ADD "${env[@]}" /usr/lib/cni/bridge \
			--then CNI_COMMAND=DEL "${env[@]}" /usr/lib/cni/bridge) || return 1
		SAMPLE=$(ns_to_ms "$ns")
	fi
}
fig_net_setup_teardown() {
	net_target_stop
	# cni0 has jaula0's subnet: gone before figure 8b routes through jaula0.
	ip link del cni0 2>/dev/null
	return 0
}

# 8a with `disconnect --wait`: the veth deleted before it returns (the
# kernel's rcu_barrier), as CNI's DEL does.  Reported, no goal.
fig_net_setup_wait_setup() {
	fig_net_setup_setup || return 1
	FIG_PEER[net_setup_wait]=${FIG_PEER[net_setup]}
}
fig_net_setup_wait_available() { fig_net_setup_available "$1"; }
fig_net_setup_wait() { NET_WAIT=--wait fig_net_setup "$1"; }
fig_net_setup_wait_teardown() { fig_net_setup_teardown; }

# --- 8b. what --net bridge adds to run --rm IMAGE true ---------------------------
fig_net_run_setup() {
	images_prepare || { SETUP_NA="n/a (image generation or import failed, see log/images-setup.log)"; return 1; }
}
fig_net_run() {
	new_id
	local net=none
	[ "$1" = jaula ] && net=bridge
	time_cmd "${JL_IMG[@]}" run --rm --net "$net" --name "$CTR_ID" bench:small true
}
fig_net_run_teardown() { jaula_img_rm_all; }

# --- 9. jaula sandbox against bubblewrap (issue 12) -------------------------------
# bwrap with the isolation the sandbox gives by default, as far as bwrap's
# flags reach: every namespace (user included), a new session, the host's
# /usr and its merged-/usr links read-only, ld.so's files, its own /proc, a
# minimal /dev, a private /tmp, no capabilities, dies with its parent; and
# (9a, 9b) the same masked /proc paths (an empty read-only tmpfs on a
# directory, /dev/null on a file, as the sandbox mounts them) and the very
# seccomp program the sandbox loads, both from tests/tools/sandboxpeer (the
# program as the raw BPF `bwrap --seccomp FD` reads, given on stdin here:
# benchexec opens the file afresh for every child).  Still not in bwrap's share: the limits
# (rlimits, the watchdog) and a read-only /proc/fs and /proc/sys (bwrap's
# --proc makes only /proc/bus and /proc/irq read-only here).  "9a (bare
# bwrap)" is bwrap without the masks and the filter.
BWRAP_ARGV=(bwrap --unshare-all --die-with-parent --new-session --cap-drop ALL
	--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/sbin /sbin
	--symlink usr/lib /lib --symlink usr/lib64 /lib64
	--ro-bind /etc/ld.so.cache /etc/ld.so.cache --proc /proc --dev /dev --tmpfs /tmp)
BWRAP_MASKS=()
SBX_BPF=''
fig_sbx_setup() {
	local v m masked peer=$BENCH_TOP/build/tools/sandboxpeer log
	v=$(bwrap --version 2>/dev/null | awk '{ print $NF }')
	log=$(log_file sbx-setup)
	SBX_BPF=$BENCH_WORK/sandbox-seccomp.bpf
	"$peer" seccomp >"$SBX_BPF" 2>>"$log" && [ -s "$SBX_BPF" ] && masked=$("$peer" masked-paths 2>>"$log") ||
		{ SETUP_NA="n/a (tests/tools/sandboxpeer failed, see log/sbx-setup.log)"; return 1; }
	BWRAP_MASKS=()
	# only where this kernel has them, as the sandbox mounts them
	for m in $masked; do
		if [ -d "$m" ]; then
			BWRAP_MASKS+=(--tmpfs "$m" --remount-ro "$m")
		elif [ -e "$m" ]; then
			BWRAP_MASKS+=(--ro-bind /dev/null "$m")
		fi
	done
	FIG_PEER[sbx]="bwrap $v, the sandbox's /proc masks and seccomp program (no limits)"
	FIG_PEER[sbx_rss]=${FIG_PEER[sbx]}
	FIG_PEER[sbx_bare]="bwrap $v, no masks, no seccomp (no limits)"
}
fig_sbx_available() {
	if [ "$1" = jaula ]; then
		"$JAULA" sandbox -- /usr/bin/true >/dev/null 2>&1 && return 0
		NA_REASON="n/a (jaula sandbox failed, see log)"
		return 1
	fi
	command -v bwrap >/dev/null || { NA_REASON="n/a (bubblewrap not installed)"; return 1; }
	"${BWRAP_ARGV[@]}" "${BWRAP_MASKS[@]}" --seccomp 0 /usr/bin/true <"$SBX_BPF" >/dev/null 2>&1 ||
		{ NA_REASON="n/a (bwrap cannot run here)"; return 1; }
}
fig_sbx() {
	if [ "$1" = jaula ]; then
		time_cmd "$JAULA" sandbox -- /usr/bin/true
	else
		time_cmd_in "$SBX_BPF" "${BWRAP_ARGV[@]}" "${BWRAP_MASKS[@]}" --seccomp 0 /usr/bin/true
	fi
}
fig_sbx_bare_setup() { fig_sbx_setup; }
fig_sbx_bare_available() { fig_sbx_available "$1"; }
fig_sbx_bare() {
	if [ "$1" = jaula ]; then
		time_cmd "$JAULA" sandbox -- /usr/bin/true
	else
		time_cmd "${BWRAP_ARGV[@]}" /usr/bin/true
	fi
}
fig_sbx_rss_setup() { fig_sbx_setup; }
fig_sbx_rss_available() { fig_sbx_available "$1"; }
fig_sbx_rss() {
	if [ "$1" = jaula ]; then
		rss_cmd "$JAULA" sandbox -- /usr/bin/true
	else
		rss_cmd_in "$SBX_BPF" "${BWRAP_ARGV[@]}" "${BWRAP_MASKS[@]}" --seccomp 0 /usr/bin/true
	fi
}

# in-ns.sh's cleanup, also after a failure or an interrupt: containers of
# both engines, the network target, podman's cgroups (the tmpfs with the
# stores and their mounts goes with the lazy unmount of $BENCH_WORK).
peers_cleanup() {
	jaula_img_rm_all
	podman_rm_all
	net_target_stop
	if [ -d "/sys/fs/cgroup$PODMAN_CG" ]; then
		echo 1 >"/sys/fs/cgroup$PODMAN_CG/cgroup.kill" 2>/dev/null
		sleep 0.1
		# children first: conmon/, libpod-ID/
		find "/sys/fs/cgroup$PODMAN_CG" -depth -type d -exec rmdir {} \; 2>/dev/null
	fi
}

# --- the second table, in order --------------------------------------------------
peer_figure img_import "$BENCH_SLOW_N" MB/s \
	"7a. image import + unpack throughput (generated 4-layer image, tar+gzip; higher is better)" \
	"umoci unpack" ratio "ge 2"
peer_figure img_run "$BENCH_SLOW_N" ms "7b. run --rm --net none IMAGE true (same 4-layer image)" \
	"podman run --rm" ratio "le 0.25"
peer_figure img_size "$BENCH_N" ms "7c. create cost: run --rm --net none IMAGE true, 1 GB image vs small" \
	"jaula, small image" ratio "flat 0.10"
peer_figure net_setup "$BENCH_N" ms "8a. one container's network: setup + teardown" \
	"CNI bridge plugin ADD + DEL" ratio "le 0.1"
peer_figure net_setup_wait "$BENCH_N" ms \
	"8a (wait). the same, disconnect --wait: veth deleted before it returns" \
	"CNI bridge plugin ADD + DEL" ratio "none"
peer_figure net_run "$BENCH_N" ms "8b. run --rm IMAGE true: --net bridge (jaula) vs --net none (peer)" \
	"jaula run --net none" diff "diffle 3"
peer_figure sbx "$BENCH_N" ms "9a. sandbox -- /usr/bin/true, start to exit" \
	"bwrap" ratio "le 0.8"
peer_figure sbx_bare "$BENCH_N" ms "9a (bare bwrap). the same; bwrap without the masks and the filter" \
	"bwrap" ratio "none"
peer_figure sbx_rss "$BENCH_N" KiB "9b. sandbox -- /usr/bin/true, peak RSS" \
	"bwrap" ratio "none"
