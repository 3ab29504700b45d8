#!/bin/sh
# tests/guest/runner.sh: the guest side of the guest tier.  Run by jaula-guest.service
# (image/customize.sh) inside the Debian guest, from the read-only 9p share of the
# repository (/jaula); the run directory of this boot is the writable share /jaula-run
# (config written by run.sh, the jaula binary, logs/ written here).
#
# Runs /jaula/tests/guest/t/*.sh (those matching GUEST_TESTS), each in its own session
# under a timeout (SCRIPT_TIMEOUT, or a line "# guest-timeout: SECONDS" in the script),
# and writes their TAP lines to the second serial port /dev/ttyS1, which run.sh reads,
# between "@@GUEST-BEGIN@@" and "@@GUEST-END@@ tests=N failed=M" markers with
# "BEGIN name" / "END name" around each script.  Progress goes to the journal and the
# console (ttyS0).  When this script exits, the unit powers the machine off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LC_ALL=C.UTF-8
umask 022
RUN=/jaula-run
SUITE=/jaula/tests/guest
GUEST_TESTS='*'
SCRIPT_TIMEOUT=300
# shellcheck disable=SC1091 # written by run.sh
[ -f $RUN/config ] && . $RUN/config
export GUEST_TAP=/jaula/tests/vm/tap.sh GUEST_RUN=$RUN GUEST_SUITE=$SUITE
[ -n "${JAULA:-}" ] && export JAULA

exec 3>/dev/ttyS1
stty -F /dev/ttyS1 raw -echo 2>/dev/null
out() { printf '%s\n' "$*" >&3; }
mkdir -p $RUN/logs

# Copy TAP lines from stdin to ttyS1 and to $1.out; write "results failures" to $1.count.
relay() {
	n=0
	bad=0
	: >"$1.out"
	while IFS= read -r l || [ -n "$l" ]; do
		printf '%s\n' "$l" >>"$1.out"
		case $l in
		"not ok"*)
			n=$((n + 1))
			case $l in *"# TODO"* | *"# todo"*) ;; *) bad=$((bad + 1)) ;; esac
			out "$l"
			;;
		ok | "ok "*)
			n=$((n + 1))
			out "$l"
			;;
		"#"*) out "$l" ;;
		esac
	done
	echo "$n $bad" >"$1.count"
}

TESTS=0
FAILED=0
out "@@GUEST-BEGIN@@ kernel=$(uname -r) systemd=$(systemctl --version | sed -n '1s/^systemd \([0-9]*\).*/\1/p') uptime=$(cut -d' ' -f1 /proc/uptime)"
for s in "$SUITE"/t/*.sh; do
	[ -f "$s" ] || continue
	name=$(basename "$s" .sh)
	# shellcheck disable=SC2254 # a glob
	case $name.sh in $GUEST_TESTS) ;; *) continue ;; esac
	t=$(sed -n 's/^# *guest-timeout: *\([0-9][0-9]*\).*/\1/p' "$s" | head -n 1)
	[ -n "$t" ] || t=$SCRIPT_TIMEOUT
	echo "guest: running $name (timeout ${t}s)"
	dir=/tmp/guest-$name
	mkdir -p "$dir"
	start=$(cut -d. -f1 /proc/uptime)
	out "BEGIN $name"
	# The script's TAP goes to ttyS1 as it comes (a guest that dies in the middle of a
	# script still leaves its earlier results); its status and counts come back in files.
	# (tail --pid: something the script left behind holding its stdout cannot stall us)
	: >"$dir.raw"
	(cd "$dir" && exec timeout -k 5 "$t" setsid bash "$s" </dev/null >"$dir.raw" 2>"$dir.err") &
	pid=$!
	tail -n +1 -s 0.5 --pid=$pid -f "$dir.raw" | relay "$dir"
	wait $pid
	rc=$?
	n=0
	bad=0
	read -r n bad <"$dir.count"
	end=$(cut -d. -f1 /proc/uptime)
	cp "$dir.out" "$RUN/logs/$name.out" 2>/dev/null
	cp "$dir.err" "$RUN/logs/$name.err" 2>/dev/null
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		n=$((n + 1)); bad=$((bad + 1)); out "not ok - timed out after ${t}s (killed)"
	elif [ $rc -ne 0 ] && [ "$bad" -eq 0 ]; then
		n=$((n + 1)); bad=$((bad + 1)); out "not ok - exited with status $rc"
	elif [ "$n" -eq 0 ]; then
		n=$((n + 1)); bad=$((bad + 1)); out "not ok - printed no TAP results"
	fi
	if [ "$bad" -ne 0 ] && [ -s "$dir.err" ]; then
		out "# stderr of $name (last 30 lines):"
		tail -n 30 "$dir.err" | while IFS= read -r l; do out "#   $l"; done
	fi
	out "END $name rc=$rc time=$((end - start))s"
	echo "guest: $name done, status $rc, $((end - start))s"
	TESTS=$((TESTS + n))
	FAILED=$((FAILED + bad))
done
journalctl -b --no-pager -o short-monotonic >$RUN/logs/journal.txt 2>/dev/null
{ systemd-analyze time; systemd-analyze blame | head -n 25; } >$RUN/logs/boot-analyze.txt 2>&1
out "@@GUEST-END@@ tests=$TESTS failed=$FAILED uptime=$(cut -d' ' -f1 /proc/uptime)"
sync
exit 0
