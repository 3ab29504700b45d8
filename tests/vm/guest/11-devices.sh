#!/bin/sh
# The device cgroup program jaula attaches (cgroups/devices.c): cgroup v2 has no
# devices.allow, so these prove the eBPF filter really answers open(2) inside the
# container, per device and per access bit.
# shellcheck source-path=SCRIPTDIR disable=SC1090 # /vm/tap.sh is tests/vm/tap.sh
. "$VM_TAP"
# shellcheck source=files/jaula-lib.sh
. "$VM_FILES/jaula-lib.sh"

need_jaula "device program" || exit 0
setup_rootfs
B=/tmp/bundles
trap delete_all EXIT
mm=$(cat /sys/block/"$(basename "$VM_DISK")"/dev 2>/dev/null || echo 254:0)

# Every probe prints "NAME=RESULT"; RESULT is tryopen's "ok" or "open: EPERM" etc.
# A block node of the scratch disk is made with mknod (allowed for any node by
# jaula's defaults) but not opened unless a rule allows it.
probe='p() { printf "%s=%s\n" "$1" "$(tryopen "$2" "$3")"; }
p null_w /dev/null w; p null_r /dev/null r; p zero_r /dev/zero r; p urandom_r /dev/urandom r
mknod /tmp/vda b '"${mm%:*} ${mm#*:}"' && p vda_r /tmp/vda r || echo vda_r=mknod-failed
rm -f /tmp/vda
echo x 2>/tmp/sh.err >/dev/null; echo "shell_rc=$?"; echo "shell_err=$(cat /tmp/sh.err)"'
# The container gets its own /tmp for the probe's scratch files.
run_probe() { # NAME RESOURCES-DEVICES-JSON
	cfg_reset
	CAPS="$DEFAULT_CAPS CAP_MKNOD"
	ARGS=$(jargs sh -c "$probe")
	MOUNTS=', {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["mode=1777"]}'
	[ -n "$2" ] && RES="\"devices\": $2"
	mkbundle "$B/$1"
	J run -b "$B/$1" "$1" >"/tmp/$1.probe" 2>&1
	diag "$1: $(tr '\n' ' ' <"/tmp/$1.probe")"
}
# got NAME KEY: the probe's result for KEY
got() { sed -n "s/^$2=//p" "/tmp/$1.probe"; }
expect() { # NAME KEY WANT DESCRIPTION
	_g=$(got "$1" "$2")
	check "$4 ($2: '$_g')" [ "$_g" = "$3" ]
}

# ---- jaula's defaults ----------------------------------------------------------------
run_probe defaults ""
expect defaults null_w ok "defaults: /dev/null is writable"
expect defaults zero_r ok "defaults: /dev/zero is readable"
expect defaults urandom_r ok "defaults: /dev/urandom is readable"
expect defaults vda_r "open: EPERM" "defaults: a mknod'ed $mm block node is denied (default deny)"

# ---- a rule denying c 1:3 ------------------------------------------------------------
run_probe denynull '[{"allow": false, "type": "c", "major": 1, "minor": 3, "access": "rw"}]'
expect denynull null_w "open: EPERM" "deny c 1:3 rw: writing /dev/null fails with EPERM"
expect denynull null_r "open: EPERM" "deny c 1:3 rw: reading /dev/null fails with EPERM"
check "deny c 1:3 rw: 'echo > /dev/null' fails in the shell ($(got denynull shell_err))" \
	sh -c '[ "$(sed -n "s/^shell_rc=//p" /tmp/denynull.probe)" != 0 ] && grep -q "^shell_err=.*Operation not permitted" /tmp/denynull.probe'
expect denynull zero_r ok "deny c 1:3 rw: /dev/zero stays readable"
# With "m" denied too, the container must still start: its /dev/null is the runtime's
# doing, made before the container runs (runc applies device rules after the init's
# mknods, at its procHooks sync).
run_probe denynullm '[{"allow": false, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]'
expect denynullm null_w "open: EPERM" "deny c 1:3 rwm: the container starts and writing /dev/null fails"

# ---- per access bit ------------------------------------------------------------------
run_probe denynullw '[{"allow": false, "type": "c", "major": 1, "minor": 3, "access": "w"}]'
expect denynullw null_w "open: EPERM" "deny c 1:3 w: writing /dev/null fails"
expect denynullw null_r ok "deny c 1:3 w: reading /dev/null still works"

# ---- what runc spec / podman emit: deny all, then allow -------------------------------
run_probe allownull '[{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw"}]'
expect allownull null_w ok "deny a rwm + allow c 1:3 rw: /dev/null is writable"
expect allownull shell_rc 0 "deny a rwm + allow c 1:3 rw: 'echo > /dev/null' works"
expect allownull zero_r ok "deny a rwm + allow c 1:3 rw: /dev/zero stays readable (defaults kept)"
expect allownull vda_r "open: EPERM" "deny a rwm + allow c 1:3 rw: $mm stays denied"

# ---- a rule allowing the block device ------------------------------------------------
run_probe allowvda "[{\"allow\": true, \"type\": \"b\", \"major\": ${mm%:*}, \"minor\": ${mm#*:}, \"access\": \"r\"}]"
expect allowvda vda_r ok "allow b $mm r: the mknod'ed disk node is readable"
expect allowvda null_w ok "allow b $mm r: /dev/null still writable"

tap_end
