# Sourced by the guest scripts (tests/guest/t/*.sh): tests/vm/tap.sh's helpers (ok,
# not_ok, check, skip, diag, need_jaula, tap_end) plus the guest tier's own.
# shellcheck shell=bash disable=SC1090
. "$GUEST_TAP"
# A known gap, tracked in an issue: "not ok N - DESC # TODO REASON", which TAP does not
# count as a failure (nor does tap_end).
todo() {
	_tap_n=$((_tap_n + 1))
	echo "not ok $_tap_n - $1 # TODO $2"
}
# check DESC CMD..., but a failure is todo (REASON) when $KNOWN_GAP is set
check_or_todo() {
	_d=$1
	_r=$2
	shift 2
	if "$@"; then ok "$_d"; elif [ -n "$_r" ]; then todo "$_d" "$_r"; else not_ok "$_d"; fi
}
quiet() { "$@" >/dev/null 2>&1; }
flat() { tr '\n' ' ' <<<"$1" | sed 's/ *$//'; }
# "LoadState/ActiveState[/PROP...]" of the systemd unit $1 ("not-found/inactive": none)
unit_state() {
	_u=$1
	shift
	_s=$(systemctl show -P LoadState "$_u" 2>/dev/null)/$(systemctl show -P ActiveState "$_u" 2>/dev/null)
	for _p in "$@"; do _s=$_s/$(systemctl show -P "$_p" "$_u" 2>/dev/null); done
	echo "$_s"
}
# unit_gone UNIT: systemd forgets UNIT (LoadState not-found) within 5 s; a stopped unit is
# collected by systemd's GC pass, which runs shortly after the stop job.
unit_gone() {
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ "$(systemctl show -P LoadState "$1" 2>/dev/null)" = not-found ] && return 0
		sleep 0.5
	done
	return 1
}
# busybox_image NAME [CMD_JSON]: podman has the image NAME, a busybox rootfs made here
# from busybox-static (merged /usr: the binary and a link per applet in /usr/bin, /bin and
# /sbin links to it; a minimal /etc) and `podman import`ed with the command CMD_JSON
# (default ["/bin/sh"]); nothing is pulled.  Made once per boot: the scripts that need an
# image share it and each one runs standalone.
busybox_image() {
	podman image exists "$1" && return 0
	_r=$(mktemp -d)
	mkdir -p "$_r/usr/bin" "$_r/proc" "$_r/sys" "$_r/dev" "$_r/tmp" "$_r/etc" "$_r/root"
	ln -s usr/bin "$_r/bin"
	ln -s usr/bin "$_r/sbin"
	cp /bin/busybox "$_r/usr/bin/busybox"
	# (one process for the ~270 links: a fork per link costs half a minute under TCG;
	# the links point at the path this busybox runs from, /usr/bin/busybox or /bin/busybox,
	# both of which the rootfs has)
	/bin/busybox --install -s "$_r/usr/bin"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$_r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$_r/etc/group"
	tar -C "$_r" -cf "$_r.tar" .
	timeout -k 5 120 podman import -q --change "CMD ${2:-[\"/bin/sh\"]}" "$_r.tar" "$1" >/dev/null
	rm -rf "$_r" "$_r.tar"
	podman image exists "$1"
}
# cgroup_gone CG: the cgroup CG (a path below /sys/fs/cgroup) is gone, within 5 s
cgroup_gone() {
	[ -n "$1" ] || return 1
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -d "/sys/fs/cgroup$1" ] || return 0
		sleep 0.5
	done
	return 1
}
