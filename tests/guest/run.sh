#!/bin/sh
# tests/guest/run.sh: the guest tier.  Boots a real Debian 12 machine (systemd as PID 1,
# pure cgroup v2) under QEMU and runs tests/guest/t/*.sh in it; TAP on stdout.
#
# - Image: tests/guest/build-image.sh (mmdebstrap + `mke2fs -d`, cached in build/guest/
#   image-<key>/ keyed by the package list and the build files; only the first run builds).
# - Boot: qemu-system-x86_64 -accel tcg (KVM does not work on these machines), the guest's
#   own kernel and initramfs (-kernel/-initrd), root = the cached ext4 image on virtio-blk
#   with snapshot=on (writes go to a throwaway overlay in the run directory; the cached
#   image is never written), no NIC.  Two virtio-9p shares: the repository read-only
#   (tag jaula, /jaula in the guest) and this run's directory build/guest/run.XXXXXX
#   read-write (tag jaularun, /jaula-run: config, the jaula binary, logs/ with every
#   script's output and the guest journal).  systemd starts jaula-guest.service after
#   multi-user.target; it runs tests/guest/runner.sh, which writes TAP to the second
#   serial port (file tap.log here), and the unit powers the machine off when it ends.
# - Bounds: GUEST_TIMEOUT for the whole qemu run, SCRIPT_TIMEOUT per guest script (in the
#   guest), `panic=-1` + -no-reboot so a kernel panic ends qemu.  A timeout, panic, or a
#   missing end marker becomes "not ok N - guest: <reason>" with the console tail.
#
# Environment:
#   JAULA              the jaula binary (copied into the run dir; default build/jaula)
#   GUEST_TIMEOUT      seconds for the whole qemu run (default 1200)
#   GUEST_SCRIPT_TIMEOUT  default seconds per guest script (300)
#   GUEST_TESTS        only guest scripts whose file name matches this glob
#   GUEST_MEM, GUEST_SMP  guest RAM in MiB (2048) and CPUs (2)
#   GUEST_KEEP=1       keep the run directory (console.log, tap.log, logs/) and print its path
#   GUEST_VERBOSE=1    copy the guest console to stderr while it runs
#   GUEST_REBUILD=1    rebuild the image even if cached (build-image.sh)
# The last run's console and logs are also copied to build/guest/last/.
# Exit status: 0 when every test passed, 1 otherwise.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$ROOT/build/guest
JAULA=${JAULA:-$ROOT/build/jaula}
GUEST_TIMEOUT=${GUEST_TIMEOUT:-1200}
GUEST_MEM=${GUEST_MEM:-2048}
GUEST_SMP=${GUEST_SMP:-2}
REPORTED=0
log() { echo "guest: $*" >&2; }
die() {
	echo "not ok 1 - guest: $*"
	echo "1..1"
	REPORTED=1
	exit 1
}
RUNDIR=
VERBOSE_PID=
cleanup() {
	rc=$?
	[ -n "$VERBOSE_PID" ] && kill "$VERBOSE_PID" 2>/dev/null
	if [ -n "$RUNDIR" ]; then
		rm -f "$RUNDIR/jaula" "$RUNDIR"/overlay* 2>/dev/null
		rm -rf "$OUT/last.$$"
		cp -a "$RUNDIR" "$OUT/last.$$" 2>/dev/null && rm -rf "$OUT/last" && mv "$OUT/last.$$" "$OUT/last"
		if [ "${GUEST_KEEP:-0}" = 1 ]; then log "run dir kept: $RUNDIR"; else rm -rf "$RUNDIR"; fi
	fi
	[ "$rc" -ne 0 ] && [ "$REPORTED" = 0 ] && echo "not ok 1 - guest: tests/guest/run.sh failed (status $rc), see stderr" && echo "1..1"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$ROOT/tests/deps.sh" qemu-system-x86 e2fsprogs >&2 || die "could not install qemu-system-x86"
mkdir -p "$OUT"

# ---- image ---------------------------------------------------------------------------
t0=$(date +%s)
# (a log per run: two runs at once, e.g. a `make test` beside a `make test-guest`, share
# the image through build-image.sh's lock, but not a log file)
blog=$(mktemp "$OUT/build-image.XXXXXX")
IMG=$("$HERE/build-image.sh" 2>"$blog") || {
	mv "$blog" "$OUT/build-image.log"
	tail -n 20 "$OUT/build-image.log" | sed 's/^/# /'
	die "building the guest image failed (build/guest/build-image.log)"
}
mv "$blog" "$OUT/build-image.log"
t1=$(date +%s)
log "image $IMG ready in $((t1 - t0))s ($(cat "$IMG/build-times" 2>/dev/null))"

# ---- run directory -------------------------------------------------------------------
RUNDIR=$(mktemp -d "$OUT/run.XXXXXX")
chmod 755 "$RUNDIR"
mkdir "$RUNDIR/logs"
if [ -x "$JAULA" ]; then
	cp "$JAULA" "$RUNDIR/jaula"
	jaula_line="JAULA=/jaula-run/jaula"
else
	log "no jaula binary at $JAULA: the scenarios that need it skip"
	jaula_line="JAULA="
fi
cat >"$RUNDIR/config" <<CFG
$jaula_line
GUEST_TESTS='${GUEST_TESTS:-*}'
SCRIPT_TIMEOUT=${GUEST_SCRIPT_TIMEOUT:-300}
CFG
CONSOLE=$RUNDIR/console.log
TAP=$RUNDIR/tap.log
: >"$CONSOLE"
: >"$TAP"
if [ "${GUEST_VERBOSE:-0}" = 1 ]; then
	tail -f "$CONSOLE" >&2 &
	VERBOSE_PID=$!
fi

# ---- boot ----------------------------------------------------------------------------
log "booting $(cat "$IMG/kernel-version") under TCG (timeout ${GUEST_TIMEOUT}s)"
set +e
# -nodefaults -display none: -nographic without the stdio monitor and default devices;
# ttyS0 = console.log, ttyS1 = tap.log.  snapshot=on keeps its overlay in TMPDIR.
TMPDIR=$RUNDIR timeout -k 10 "$GUEST_TIMEOUT" qemu-system-x86_64 -accel tcg \
	-m "$GUEST_MEM" -smp "$GUEST_SMP" -nodefaults -display none -no-reboot \
	-serial "file:$CONSOLE" -serial "file:$TAP" \
	-kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.img" \
	-append "console=ttyS0 root=/dev/vda rw quiet loglevel=3 panic=-1 mitigations=off systemd.show_status=auto" \
	-drive "file=$IMG/rootfs.ext4,format=raw,if=virtio,snapshot=on,cache=unsafe" \
	-virtfs "local,path=$ROOT,mount_tag=jaula,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$RUNDIR,mount_tag=jaularun,security_model=none,multidevs=remap" \
	</dev/null >"$RUNDIR/qemu.out" 2>&1
qrc=$?
set -e
t2=$(date +%s)
log "qemu exited with $qrc after $((t2 - t1))s"

# ---- results -------------------------------------------------------------------------
reason=
if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
	reason="timed out after ${GUEST_TIMEOUT}s"
elif grep -q 'Kernel panic' "$CONSOLE"; then
	reason="kernel panic: $(grep -m1 'Kernel panic' "$CONSOLE" | tr -d '\r' | sed 's/.*Kernel panic - //')"
elif [ "$qrc" -ne 0 ]; then
	reason="qemu exited with status $qrc: $(head -c 300 "$RUNDIR/qemu.out" | tr '\n' ' ')"
fi
REPORTED=1
set +e
tr -d '\r' <"$TAP" | awk -v reason="$reason" -v console="$CONSOLE" \
	-v build="$((t1 - t0))" -v total="$((t2 - t1))" '
	function emit(ok, rest) {
		n++
		if (!ok) failed++
		printf "%s %d - %s%s\n", ok ? "ok" : "not ok", n, script == "" ? "" : script ": ", rest
	}
	function kv(line, arr,   i, f, m) {
		m = split(line, f, " ")
		for (i = 1; i <= m; i++) if (split(f[i], p, "=") == 2) arr[p[1]] = p[2]
	}
	/^@@GUEST-BEGIN@@/ { begun = 1; kv($0, beg); next }
	/^@@GUEST-END@@/ { ended = 1; kv($0, end); next }
	!begun || ended { next }
	/^BEGIN / { script = substr($0, 7); next }
	/^END / { script = ""; next }
	/^(not )?ok([ \t]|$)/ {
		ok = $0 !~ /^not ok/
		rest = $0
		sub(/^(not )?ok[ \t]*/, "", rest); sub(/^[0-9]+[ \t]*/, "", rest); sub(/^-[ \t]*/, "", rest)
		if (!ok && rest ~ /#[ \t]*(TODO|todo)/) failed--
		emit(ok, rest)
		next
	}
	/^#/ { print; next }
	END {
		script = ""
		if (reason == "" && !begun) reason = "the guest never started the suite"
		if (reason == "" && !ended) reason = "the guest never reached the end marker"
		if (reason == "" && end["tests"] != n)
			reason = "results lost: the guest reported " end["tests"] " tests, the host saw " n
		if (begun) printf "# timings: image %ss, boot to suite start %ss (guest uptime), suite %ss, qemu total %ss\n",
			build, beg["uptime"], (ended ? end["uptime"] - beg["uptime"] : "?"), total
		if (reason != "") {
			emit(0, "guest: " reason)
			print "# last lines of the guest console:"
			while ((getline l < console) > 0) { gsub(/\r/, "", l); if (l != "") { nt++; tail[nt % 40] = l } }
			for (i = (nt > 40 ? nt - 39 : 1); i <= nt; i++) print "# " tail[i % 40]
		}
		print "1.." n
		exit (failed > 0 || n == 0) ? 1 : 0
	}'
exit $?
