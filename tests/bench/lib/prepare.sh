# Host-side preparation shared by run.sh and profile.sh (sourced): the
# packages the benchmarks use and the timing driver.  Nothing here mounts.

# The runtimes and /usr/bin/time are required; gnuplot, strace and ltrace
# only add the chart and the profile, so a failed install is not fatal.
bench_prepare() {
	mkdir -p "$BENCH_OUT" || return 1
	if ! "$BENCH_TOP/tests/deps.sh" runc crun time; then
		echo "bench: could not install runc, crun and time" >&2
		return 1
	fi
	"$BENCH_TOP/tests/deps.sh" gnuplot-nox strace ltrace ||
		echo "bench: gnuplot-nox/strace/ltrace not all installed; chart or profile will be skipped" >&2
	[ -x "$JAULA" ] || { echo "bench: $JAULA not built (make all)" >&2; return 1; }
	local src=$BENCH_TOP/tests/bench/benchexec.c drv=$BENCH_OUT/benchexec
	if [ ! -x "$drv" ] || [ "$src" -nt "$drv" ]; then
		gcc -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE "$src" -o "$drv" || return 1
	fi
}

# The peers of figures 7, 8 and 9 (lib/peers.sh), for run.sh only: a missing
# one is an n/a cell, never a failure.  iptables: the CNI bridge plugin's
# ipMasq runs it.
bench_prepare_peers() {
	"$BENCH_TOP/tests/deps.sh" umoci podman containernetworking-plugins iptables bubblewrap ||
		echo "bench: umoci/podman/containernetworking-plugins/iptables/bubblewrap not all installed; their cells will say n/a" >&2
	return 0
}
