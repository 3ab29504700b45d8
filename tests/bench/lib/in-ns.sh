#!/bin/bash
# Second half of run.sh / profile.sh, inside the private mount and network
# namespaces: a pure cgroup2, a tmpfs work dir with the busybox rootfs and
# the bundle, then the benchmarks ("bench") or the profile ("profile").
set -u
lib=$(cd "$(dirname "$0")" && pwd)
mode=${1:-bench}
# shellcheck source=runtimes.sh
. "$lib/runtimes.sh"
# shellcheck source=stats.sh
. "$lib/stats.sh"
# shellcheck source=profile.sh
. "$lib/profile.sh"

# Everything a run may leave: containers of every runtime, the floor's
# sleeper, cgroups named after this run, the tmpfs.  The cgroup2 hierarchy
# is the host's (only the mount is private), so its directories must go.
cleanup() {
	trap - EXIT INT TERM
	local rt
	for rt in "${RUNTIMES[@]}"; do
		rt_delete_all "$rt"
	done
	floor_target_stop
	# figures 7 and 8 (lib/peers.sh): image containers, podman, the netns
	declare -F peers_cleanup >/dev/null && peers_cleanup
	cg_cleanup
	cd / && umount -l "$BENCH_WORK" 2>/dev/null && rmdir "$BENCH_WORK" 2>/dev/null
}

setup_ns() {
	umount -R /sys/fs/cgroup 2>/dev/null
	mount -t cgroup2 none /sys/fs/cgroup || { echo "bench: mount cgroup2 failed" >&2; return 1; }
	ip link set lo up 2>/dev/null
	BENCH_WORK=$(mktemp -d /tmp/jaula-bench.XXXXXX) || return 1
	export BENCH_WORK
	mount -t tmpfs -o mode=0755 jaula-bench "$BENCH_WORK" || return 1
	trap cleanup EXIT
	# run.sh reports the 130 (a trap here may fire inside a 2>>log).
	trap 'exit 130' INT TERM
	ROOTFS=$BENCH_WORK/rootfs
	HELPERS='' "$BENCH_TOP/tests/integration/lib/mkrootfs.sh" "$ROOTFS" || return 1
	mkdir -p "$BENCH_WORK/state"
	# A snapshot: others may rebuild build/jaula while the rounds run.  On
	# the build's disk, not the tmpfs: runc, crun and bwrap run from /usr's
	# disk too, and a binary on tmpfs costs every process more page faults
	# (fewer text pages mapped per fault: `jaula --version` 47 against 34,
	# a sandbox 176 against 147 here).  Root's, 0755, as installed.  And
	# out of the page cache once written: the copy's pages as the write
	# left them (large folios) start a sandbox up to 5% faster than the
	# same bytes read back by exec's readahead, which is how the peers'
	# binaries, installed long ago, are cached.
	JAULA_ORIG=$JAULA
	mkdir -p "$BENCH_OUT/bin" || return 1
	install -m 0755 "$JAULA" "$BENCH_OUT/bin/jaula.new" &&
		mv -f "$BENCH_OUT/bin/jaula.new" "$BENCH_OUT/bin/jaula" || return 1
	sync "$BENCH_OUT/bin/jaula" && dd if="$BENCH_OUT/bin/jaula" iflag=nocache count=0 status=none
	JAULA=$BENCH_OUT/bin/jaula
	export JAULA JAULA_ORIG
	make_bundle "$BENCH_WORK/bundle" /bin/true || return 1
	make_bundle "$BENCH_WORK/bundle-sleep" sleep 1000000 || return 1
}

setup_ns || exit 1
case $mode in
bench)
	# shellcheck source=figures.sh
	. "$lib/figures.sh"
	# shellcheck source=report.sh
	. "$lib/report.sh"
	bench_main
	;;
profile)
	profile_main
	;;
*)
	echo "bench: unknown mode $mode" >&2
	exit 2
	;;
esac
