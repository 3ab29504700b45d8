# Helpers for the jaula guest scripts (tests/vm/guest/1*.sh): OCI bundles from
# $VM_ROOTFS, a jaula wrapper with its own --root, and cgroup probes.  Sourced after
# /vm/tap.sh:  . "$VM_FILES/jaula-lib.sh"
#
# Bundles: cfg_reset sets the defaults, the script then sets any of
#   ARGS      process.args as a JSON array (see jargs)
#   RES       the members of linux.resources, e.g. '"pids": {"limit": 10}'
#   LINUX     more members of "linux", e.g. '"cgroupsPath": "/a/b"'
#   NS        the namespace types, space-separated
#   CAPS      the capabilities (bounding = effective = permitted)
#   MOUNTS    more mount objects, each with a leading comma
#   CGMOUNT   options of the /sys/fs/cgroup mount ("ro" or "rw")
#   ROOTFS    root.path (default: the shared $RFS, see setup_rootfs)
# and calls mkbundle DIR.  No jq in the guest, hence the string building.
# shellcheck shell=sh disable=SC2034 # CG, ALL_CAPS: for the scripts that source this
CG=/sys/fs/cgroup
JROOT=/run/jaula-vm
RFS=/tmp/vm-rootfs

J() { "$JAULA" --root "$JROOT" "$@"; }

# The shared container rootfs: the busybox rootfs plus the static helpers of
# /vm/bin (tests/vm/guest/src) in /vm/bin.  Containers that write only do so
# under /tmp/<their id>.
setup_rootfs() {
	rm -rf "$RFS"
	cp -a "$VM_ROOTFS" "$RFS"
	mkdir -p "$RFS/vm/bin"
	cp /vm/bin/* "$RFS/vm/bin/"
}

# A JSON string literal for $1.
jstr() {
	printf '%s' "$1" | awk 'BEGIN { ORS = ""; printf "\"" }
		{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); if (NR > 1) printf "\\n"; print }
		END { printf "\"" }'
}
# A JSON array of strings for "$@".
jargs() {
	_ja="["
	for _a in "$@"; do
		[ "$_ja" = "[" ] || _ja="$_ja, "
		_ja="$_ja$(jstr "$_a")"
	done
	printf '%s]' "$_ja"
}

DEFAULT_CAPS="CAP_AUDIT_WRITE CAP_KILL CAP_NET_BIND_SERVICE"
ALL_CAPS="CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID CAP_KILL
CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE CAP_NET_BIND_SERVICE CAP_NET_BROADCAST
CAP_NET_ADMIN CAP_NET_RAW CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE CAP_SYS_RAWIO CAP_SYS_CHROOT
CAP_SYS_PTRACE CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_NICE CAP_SYS_RESOURCE CAP_SYS_TIME
CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE CAP_AUDIT_WRITE CAP_AUDIT_CONTROL CAP_SETFCAP
CAP_MAC_OVERRIDE CAP_MAC_ADMIN CAP_SYSLOG CAP_WAKE_ALARM CAP_BLOCK_SUSPEND CAP_AUDIT_READ
CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE"

cfg_reset() {
	ARGS='["true"]'
	RES=
	LINUX=
	NS="pid network ipc uts mount cgroup"
	CAPS=$DEFAULT_CAPS
	MOUNTS=
	CGMOUNT=ro
	ROOTFS=$RFS
}

mkbundle() {
	mkdir -p "$1"
	_caps=
	for _c in $CAPS; do _caps="$_caps${_caps:+, }\"$_c\""; done
	_ns=
	for _n in $NS; do _ns="$_ns${_ns:+, }{\"type\": \"$_n\"}"; done
	_res=
	[ -n "$RES" ] && _res="\"resources\": {$RES},"
	_lx=
	[ -n "$LINUX" ] && _lx="$LINUX,"
	cat >"$1/config.json" <<EOF
{
	"ociVersion": "1.2.0",
	"process": {
		"terminal": false,
		"user": {"uid": 0, "gid": 0},
		"args": $ARGS,
		"env": ["PATH=/vm/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
		"cwd": "/",
		"capabilities": {"bounding": [$_caps], "effective": [$_caps], "permitted": [$_caps]},
		"noNewPrivileges": true
	},
	"root": {"path": "$ROOTFS", "readonly": false},
	"hostname": "jaula-vm-ctr",
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		 "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
		{"destination": "/sys", "type": "sysfs", "source": "sysfs",
		 "options": ["nosuid", "noexec", "nodev", "ro"]},
		{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
		 "options": ["nosuid", "noexec", "nodev", "relatime", "$CGMOUNT"]}
		$MOUNTS
	],
	"linux": {
		$_res
		$_lx
		"namespaces": [$_ns]
	}
}
EOF
}

# A field of `jaula state ID`: state_field ID status|pid
state_field() {
	J state "$1" 2>/dev/null | sed -n "s/^[[:space:]]*\"$2\": *\"*\([^\",]*\)\"*,*\$/\1/p"
}
# $1 on one line, runs of blanks and newlines squeezed to one space.
flat() { printf '%s' "$1" | tr -s ' \n\t' ' ' | sed 's/^ //; s/ $//'; }
# The value of "KEY VALUE" in a flat keyed cgroup file: field KEY FILE
field() { awk -v k="$1" '$1 == k { print $2 }' "$2" 2>/dev/null; }
uptime_ms() { awk '{ split($1, a, "."); print a[1] * 1000 + a[2] * 10 }' /proc/uptime; }

# Wait up to $2 tenths of a second (default 50) for the command "$1" to succeed.
wait_for() {
	_w=0
	until eval "$1"; do
		[ $_w -ge "${2:-50}" ] && return 1
		sleep 0.1
		_w=$((_w + 1))
	done
}
# Alive and not a zombie.
pid_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	[ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# Start a detached container (stdio to /tmp/ID.out); 0 once it reports running.
run_detached() {
	J run -d -b "$1" "$2" </dev/null >"/tmp/$2.out" 2>&1 || {
		diag "jaula run -d $2 failed: $(cat "/tmp/$2.out")"
		return 1
	}
}

# Delete every container under our --root (end of script, even after failures).
delete_all() {
	for _id in $(J list -q 2>/dev/null); do J delete -f "$_id" >/dev/null 2>&1; done
}

# Does this jaula build have the command $1 yet?  (pause, update, ps ... are newer.)
have_cmd() { "$JAULA" "$1" --help >/dev/null 2>&1; }
