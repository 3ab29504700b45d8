#!/bin/sh
# jaula inside a jaula container: the outer container has its own cgroup namespace with
# cgroup2 mounted read-write, a writable /run, all capabilities and a rootfs holding the
# jaula binary and its libraries.  The jaula inside creates an inner container with a
# pids limit; on the host its cgroup must appear *below the outer container's cgroup*,
# with the limit enforced, and deleting either one must leave no cgroup behind.
# shellcheck source-path=SCRIPTDIR disable=SC1090 # /vm/tap.sh is tests/vm/tap.sh
. "$VM_TAP"
# shellcheck source=files/jaula-lib.sh
. "$VM_FILES/jaula-lib.sh"

need_jaula "nested jaula" || exit 0
setup_rootfs
B=/tmp/bundles
trap delete_all EXIT
ORFS=/tmp/outer-rootfs
SH=/tmp/nested-shared
rm -rf $ORFS $SH
mkdir -p $SH

# ---- the outer rootfs: busybox, helpers, jaula + its libraries, the inner bundle -----
cp -a "$RFS" $ORFS
mkdir -p $ORFS/usr/local/bin $ORFS/shared
cp "$JAULA" $ORFS/usr/local/bin/jaula
# no ldd in the guest: the dynamic loader lists the libraries itself (a static
# jaula just runs and prints its help, which lists none)
LD_TRACE_LOADED_OBJECTS=1 "$JAULA" 2>/dev/null | awk '/=> \// { print $3 } /^[ \t]*\// { print $1 }' >/tmp/nested.libs
while read -r lib; do
	mkdir -p "$ORFS$(dirname "$lib")"
	cp -L "$lib" "$ORFS$lib"
done </tmp/nested.libs
check "the outer rootfs has jaula (and its dynamic loader if it has one)" \
	sh -c "[ -x $ORFS/usr/local/bin/jaula ] && { [ ! -s /tmp/nested.libs ] || ls $ORFS/lib64/ld-linux-* >/dev/null 2>&1; }"
cp -a "$VM_ROOTFS" $ORFS/inner-rootfs
mkdir -p $ORFS/inner-rootfs/vm/bin
cp /vm/bin/forker $ORFS/inner-rootfs/vm/bin/

# inner: 9 tasks at most; the forker (next to its shell) gets 7 children
cfg_reset
ROOTFS=/inner-rootfs
RES='"pids": {"limit": 9}'
ARGS=$(jargs sh -c 'cat /proc/self/cgroup >/tmp/inner.cg; forker 20 >/tmp/inner.fork; exec sleep 1000')
mkbundle $ORFS/inner

# outer: like a docker-in-docker entrypoint, first leave the namespace's root cgroup
# (it cannot both hold processes and give controllers to children), then run the
# inner container, tell the host, wait for its go, delete the inner container.
cfg_reset
ROOTFS=$ORFS
CAPS=$ALL_CAPS
CGMOUNT=rw
RES='"pids": {"limit": 100}'
MOUNTS=', {"destination": "/run", "type": "tmpfs", "source": "tmpfs", "options": ["mode=755"]},
	{"destination": "/shared", "type": "bind", "source": "'$SH'", "options": ["rbind", "rw"]}'
ARGS=$(jargs sh -c 'mkdir /sys/fs/cgroup/init && echo $$ >/sys/fs/cgroup/init/cgroup.procs || exit 1
/usr/local/bin/jaula --root /run/jaula run -d -b /inner inner </dev/null >/shared/inner.out 2>&1
echo $? >/shared/started
while [ ! -e /shared/go ]; do sleep 0.1; done
/usr/local/bin/jaula --root /run/jaula delete -f inner >/shared/delete.out 2>&1
echo $? >/shared/deleted
exec sleep 1000')
mkbundle $B/outer

OCG=$CG/jaula/outer
ICG=$OCG/jaula/inner
run_detached $B/outer outer
check "outer container runs" [ "$(state_field outer status)" = running ]
wait_for "[ -s $SH/started ]" 100
diag "inner jaula run -d: status $(cat $SH/started 2>/dev/null), output: $(cat $SH/inner.out 2>/dev/null)"
check "jaula inside the container starts an inner container" [ "$(cat $SH/started 2>/dev/null)" = 0 ]
wait_for "[ -s $ORFS/inner-rootfs/tmp/inner.fork ]"
check "host: the inner cgroup is below the outer one ($ICG)" [ -d $ICG ]
check "host: the inner container's processes are in it" grep -qx "populated 1" $ICG/cgroup.events
check "host: the outer shell moved itself to $OCG/init" grep -qx "populated 1" $OCG/init/cgroup.events
check "host: the inner jaula enabled pids in the outer namespace root ($(cat $OCG/cgroup.subtree_control))" \
	grep -qw pids $OCG/cgroup.subtree_control
check "host: the inner pids.max is 9 ($(cat $ICG/pids.max 2>/dev/null))" [ "$(cat $ICG/pids.max 2>/dev/null)" = 9 ]
check "inner: its cgroup namespace root is its own cgroup ($(cat $ORFS/inner-rootfs/tmp/inner.cg 2>/dev/null))" \
	[ "$(cat $ORFS/inner-rootfs/tmp/inner.cg 2>/dev/null)" = "0::/" ]
check "inner: pids.limit 9 is enforced ($(cat $ORFS/inner-rootfs/tmp/inner.fork 2>/dev/null))" \
	[ "$(cat $ORFS/inner-rootfs/tmp/inner.fork 2>/dev/null)" = "forked=7 errno=EAGAIN" ]
touch $SH/go
wait_for "[ -s $SH/deleted ]" 100
check "jaula delete -f inside the container ($(cat $SH/delete.out 2>/dev/null))" [ "$(cat $SH/deleted 2>/dev/null)" = 0 ]
check "host: the inner cgroup is gone" [ ! -d $ICG ]
check "outer: delete -f" J delete -f outer
check "host: the outer cgroup and everything below it are gone" [ ! -d $OCG ]

# ---- deleting the outer container while the inner one runs ---------------------------
# Its cgroup then holds a runtime's whole tree (init/, jaula/inner2): delete -f from the
# host must kill and remove all of it.
ARGS=$(jargs sh -c 'mkdir /sys/fs/cgroup/init && echo $$ >/sys/fs/cgroup/init/cgroup.procs || exit 1
/usr/local/bin/jaula --root /run/jaula run -d -b /inner inner2 </dev/null >/shared/inner2.out 2>&1
echo $? >/shared/started2
exec sleep 1000')
mkbundle $B/outer2
run_detached $B/outer2 outer2
wait_for "[ -s $SH/started2 ]" 100
check "outer2: the inner container runs below it" \
	grep -qx "populated 1" $CG/jaula/outer2/jaula/inner2/cgroup.events
check "outer2: delete -f with the inner container still running" J delete -f outer2
check "host: outer2's cgroup tree (init, jaula/inner2) is gone" [ ! -d $CG/jaula/outer2 ]
rm -rf $ORFS $SH

tap_end
