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
