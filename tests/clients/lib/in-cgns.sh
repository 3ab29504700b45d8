#!/bin/bash
# Third stage: inside the cgroup namespace.  /sys/fs/cgroup becomes a cgroup2
# mount whose root is our cgroup; the tests run in its leaf /tests ("no
# internal processes": the root must stay empty so jaula may enable
# controllers in its cgroup.subtree_control).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
umount -R /sys/fs/cgroup 2>/dev/null
mount -t cgroup2 none /sys/fs/cgroup || { echo "not ok 1 - mount cgroup2 in the cgroup namespace"; exit 1; }
mkdir /sys/fs/cgroup/tests && echo $$ >/sys/fs/cgroup/tests/cgroup.procs ||
	{ echo "not ok 1 - enter /tests"; exit 1; }

export CLIENTS_IMAGE=$CLIENTS_WORK/image
"$here/lib/mkimage.sh" "$CLIENTS_IMAGE" >"$CLIENTS_WORK/mkimage.log" 2>&1 ||
	{ echo "not ok 1 - build the test image"; sed 's/^/# /' "$CLIENTS_WORK/mkimage.log"; exit 1; }

# The runtime the clients are given: jaula behind a wrapper that logs the
# argv of every call with the name of the process that made it.
mkdir -p "$CLIENTS_WORK/bin"
export CLIENTS_RUNTIME=$CLIENTS_WORK/bin/jaula-logged CLIENTS_CALLS=$CLIENTS_WORK/calls.log
cat >"$CLIENTS_RUNTIME" <<WRAP
#!/bin/sh
printf '%s\t%s\n' "\$(cat /proc/\$PPID/comm 2>/dev/null)" "\$*" >>"$CLIENTS_CALLS"
exec "$JAULA" "\$@"
WRAP
chmod +x "$CLIENTS_RUNTIME"
: >"$CLIENTS_CALLS"

# CLIENTS_EXEC=CMD runs CMD here instead of the tests (a shell to explore).
if [ -n "${CLIENTS_EXEC:-}" ]; then
	$CLIENTS_EXEC
	exit $?
fi
if [ $# -gt 0 ]; then
	files=()
	for f in "$@"; do
		[ -e "$f" ] || f=$here/$f # a name relative to tests/clients
		files+=("$f")
	done
else
	files=("$here"/*.bats)
fi
bats --tap "${files[@]}"
rc=$?
"$here/lib/calls-summary.sh" "$CLIENTS_CALLS"
exit $rc
