#!/bin/bash
# Second half of run.sh, inside the private mount and network namespaces.
#
# Layout: a tmpfs at /mnt holds every file of the run ($CLIENTS_WORK).  /run
# and /var/tmp get their own tmpfs, /var/lib and /etc an overlay whose upper
# layer is on that tmpfs: podman, skopeo, netavark and containerd write
# there (blob caches, /run/containers, /run/netns, /var/lib/cni, ...) and it
# all vanishes with the namespace.  The tests run in a cgroup namespace whose
# root is /jaula-clients-PID of the host's cgroup2 hierarchy, so every cgroup
# podman, containerd or jaula makes lands below it and is removed here at the
# end, whatever the tests left.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
W=/mnt
mount -t tmpfs -o mode=0755 jaula-clients "$W" || { echo "not ok 1 - mount a tmpfs on $W"; exit 1; }
mkdir -p "$W/cg-host" "$W/up/var-lib" "$W/up/etc" "$W/work/var-lib" "$W/work/etc" "$W/tmp"
mount -t cgroup2 none "$W/cg-host" || { echo "not ok 1 - mount cgroup2"; exit 1; }
# No state may reach the host: a mount that fails stops the run.
must() {
	"$@" || { echo "not ok 1 - $*"; exit 1; }
}
must mount -t tmpfs -o mode=0755 jaula-clients-run /run
must mount -t tmpfs -o mode=1777 jaula-clients-vartmp /var/tmp
must mount -t overlay jaula-clients-var-lib \
	-o "lowerdir=/var/lib,upperdir=$W/up/var-lib,workdir=$W/work/var-lib" /var/lib
must mount -t overlay jaula-clients-etc \
	-o "lowerdir=/etc,upperdir=$W/up/etc,workdir=$W/work/etc" /etc
ip link set lo up 2>/dev/null

cg=jaula-clients-$$
mkdir "$W/cg-host/$cg" || { echo "not ok 1 - make cgroup /$cg"; exit 1; }

export CLIENTS_WORK=$W TMPDIR=$W/tmp CLIENTS_CGROUP=/$cg
# Only the child moves into the new cgroup; this shell stays where it was
# and cleans up after it.
(
	echo "$BASHPID" >"$W/cg-host/$cg/cgroup.procs" &&
		exec unshare -C -- "$here/lib/in-cgns.sh" "$@"
)
rc=$?

# Whatever a failed test left behind: kill the cgroup tree, then remove it
# from the leaves up.
echo 1 >"$W/cg-host/$cg/cgroup.kill" 2>/dev/null
for _ in $(seq 50); do
	[ -z "$(find "$W/cg-host/$cg" -name cgroup.procs -exec cat {} + 2>/dev/null)" ] && break
	sleep 0.1
done
find "$W/cg-host/$cg" -depth -type d -exec rmdir {} + 2>/dev/null
if [ -d "$W/cg-host/$cg" ]; then
	echo "# cgroup /$cg could not be removed"
	rc=1
fi
if [ -n "${CLIENTS_CALL_LOG:-}" ] && [ -f "$W/calls.log" ]; then
	cp "$W/calls.log" "$CLIENTS_CALL_LOG"
fi
exit $rc
