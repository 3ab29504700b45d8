#!/bin/bash
# make bench: jaula side by side with runc and crun (Debian packages).
#
# Everything runs inside private mount and network namespaces (unshare -m -n
# --propagation private) with a pure cgroup2 at /sys/fs/cgroup, because crun
# 1.8 refuses the host's hybrid layout; the host's mounts are never touched.
# Results: tests/bench/RESULTS.md and tests/bench/results.png, raw samples and
# profiles under build/bench/.  Benchmarks report ratios; they never fail the
# build (exit 0 unless the harness itself could not run).
#
#   BENCH_N=ROUNDS      timed rounds per figure (default 150; parallel: N/10)
#   BENCH_QUICK=1       smoke run: 5 rounds, 1 warm-up, no profile
#   BENCH_PROFILE=0     skip the strace/perf profile appended to RESULTS.md
#   BENCH_ONLY="run exec"  only these figures (keys: see lib/figures.sh;
#                       images and networks: img_import img_run img_size
#                       net_setup net_run, see lib/peers.sh)
#   BENCH_SLOW_N=ROUNDS rounds of img_import and img_run (default BENCH_N/3)
#   BENCH_BIG_MB=MiB    size of img_size's big image (default 1024)
#   BENCH_RESULTS=DIR   write RESULTS.md and results.png there instead
#   JAULA=PATH          the jaula binary (default build/jaula)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export BENCH_TOP=$top
export JAULA=${JAULA:-$top/build/jaula}
export BENCH_OUT=${BENCH_OUT:-$top/build/bench}

if [ "$(id -u)" != 0 ]; then
	echo "bench: needs root (namespaces, cgroups); skipped"
	exit 0
fi
# shellcheck source=lib/prepare.sh
. "$here/lib/prepare.sh"
bench_prepare || exit 1
bench_prepare_peers
unshare -m -n --propagation private -- "$here/lib/in-ns.sh" bench
rc=$?
[ $rc = 130 ] && echo "bench: interrupted; containers, cgroups and mounts cleaned up" >&2
exit $rc
