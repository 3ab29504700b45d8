#!/bin/bash
# Where jaula's time goes for one `run /bin/true`, beside crun and runc:
# strace -c -f summaries, strace -f -tt timelines cut into phases (before the
# namespaces are cloned, in the init, after), ltrace -c and perf stat where
# they work.  Text files under build/bench/profile/; the summary (also part
# of RESULTS.md after `make bench`) is printed.  Same private namespaces and
# bundle as run.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export BENCH_TOP=$top
export JAULA=${JAULA:-$top/build/jaula}
export BENCH_OUT=${BENCH_OUT:-$top/build/bench}

if [ "$(id -u)" != 0 ]; then
	echo "profile: needs root (namespaces, cgroups); skipped"
	exit 0
fi
# shellcheck source=lib/prepare.sh
. "$here/lib/prepare.sh"
bench_prepare || exit 1
unshare -m -n --propagation private -- "$here/lib/in-ns.sh" profile
rc=$?
[ $rc = 130 ] && echo "profile: interrupted; containers, cgroups and mounts cleaned up" >&2
[ $rc = 0 ] || exit $rc
cat "$BENCH_OUT/profile/summary.md"
