#!/bin/bash
# Second half of run.sh, inside the private namespaces.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
umount -R /sys/fs/cgroup 2>/dev/null
mount -t cgroup2 none /sys/fs/cgroup || { echo "not ok - mount cgroup2"; exit 1; }
ip link set lo up 2>/dev/null

# A tmpfs over /mnt, visible only in this mount namespace: test files live
# and die with it, and no host-side cleanup of /tmp (rm of a mount point
# detaches it in every namespace) can pull it from under a running suite.
work=/mnt
mount -t tmpfs -o mode=0755 jaula-itest "$work"
export ROOTFS=$work/rootfs
# Compiled seccomp programs are cached for the boot (runtime/seccomp_cache.c):
# the suites' cache lives and dies with this tmpfs, not in the host's /run.
export JAULA_SECCOMP_CACHE=$work/seccomp-cache
"$here/lib/mkrootfs.sh" "$ROOTFS" || { echo "not ok - build the busybox rootfs"; exit 1; }
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"
export ITEST_RUN=$$

if [ $# -gt 0 ]; then
	files=("$@")
else
	files=("$here"/*.bats "$here"/security/*.bats)
fi
bats --tap "${files[@]}"
rc=$?

# Whatever a failed test left behind: containers first, then cgroups.
for c in /sys/fs/cgroup/jaula/t*-"$ITEST_RUN"* /sys/fs/cgroup/jaula-itest-"$ITEST_RUN"/*; do
	[ -d "$c" ] || continue
	echo 1 > "$c/cgroup.kill" 2>/dev/null
	sleep 0.1
	rmdir "$c" 2>/dev/null
done
rmdir /sys/fs/cgroup/jaula-itest-"$ITEST_RUN" 2>/dev/null
exit $rc
