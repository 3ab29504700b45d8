#!/bin/sh
# tests/vm/run.sh: run the guest test scripts tests/vm/guest/*.sh inside a QEMU guest
# that has a pure cgroup v2 hierarchy, and print their results as TAP on stdout.
#
# Why a VM: the hosts mount the cgroup v1 controllers (cgroup2 at /sys/fs/cgroup/unified
# has only hugetlb), so memory.max, pids.max, cpu.max, cpuset, io.max, freezer and device
# eBPF enforcement can only be proven under a kernel we boot ourselves.
#
# Design:
# - Kernel: a stock Debian linux-image-6.1.0-*-amd64 .deb, fetched with `apt-get download`
#   and cached in build/vm/cache/ (newest cached .deb wins, so later runs work offline;
#   VM_KERNEL_DEB=/path/to.deb overrides).  It is only unpacked with dpkg-deb -x into the
#   cache, never installed.  The .deb ships no modules.dep, so `busybox depmod -b` makes
#   one; the modules we need and their dependencies (in load order) go into the initramfs.
# - Initramfs (cpio newc + gzip), rebuilt every run (< 1 s): busybox-static with applet
#   links, the jaula binary ($JAULA) with every library ldd lists, the modules, the
#   guest scripts and files, and a busybox rootfs at /bundles/rootfs for OCI bundles.
# - Guest init, stage 1 (tests/vm/init/stage1 = /init): copies itself into a tmpfs and
#   switch_roots into it, because pivot_root(2), which container runtimes use, cannot
#   leave the initramfs rootfs.  Stage 2 (tests/vm/init/stage2, PID 1): mounts, insmod,
#   cgroup2 with every controller enabled in the root subtree_control, lo up, then each
#   guest script under its own session and a per-script timeout, then poweroff -f.
# - QEMU: KVM does not work on these machines, so -accel tcg (software emulation, about
#   8 s to boot).  The serial console (ttyS0) goes to a file; `panic=-1` + -no-reboot make
#   a kernel panic end qemu, and `timeout` bounds the whole run (VM_TIMEOUT).
# - Results: the guest prefixes every line meant for us with "@@TAP@@ " between
#   "@@VM-BEGIN@@" and "@@VM-END@@ ..." markers, so kernel messages on the same console
#   (already reduced by `quiet loglevel=3`) cannot be taken for TAP.  The host strips the
#   prefix, renumbers the results 1..N across scripts ("ok 7 - 00-cgroup2: ..."), checks
#   the count against the guest's own count in the end marker, and turns a panic, hang or
#   missing end marker into "not ok N - vm: <reason>" plus the tail of the console log.
#
# Environment:
#   JAULA              jaula binary to include at /usr/local/bin/jaula (optional)
#   VM_TIMEOUT         seconds for the whole qemu run (default 600)
#   VM_SCRIPT_TIMEOUT  default seconds per guest script (default 120; a script can ask for
#                      more with a line "# vm-timeout: SECONDS")
#   VM_TESTS           only run guest scripts whose file name matches this glob
#   VM_GUEST_DIR       take the guest scripts (*.sh) from this directory instead of
#                      tests/vm/guest (e.g. tests/bench/vm); its files/ and src/, if any,
#                      are added to tests/vm/guest's, which stay available
#   VM_KEEP=1          keep the work dir (initramfs, disk, console log) and print its path
#   VM_VERBOSE=1       copy the guest console to stderr while it runs
#   VM_MEM, VM_SMP     guest RAM in MiB (1024) and CPUs (2)
#   VM_MODULES         extra kernel modules to load (dependencies are added)
#   VM_EXTRA_BINS      extra host programs to copy (with their libraries) into /usr/local/bin
#   VM_KERNEL_DEB      use this kernel .deb instead of the cached/downloaded one
#   VM_OUT             directory for the work dir and last-console.log (default build/vm;
#                      the kernel cache is always build/vm/cache, shared by every run)
# Exit status: 0 when every test passed, 1 otherwise.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# Runs write under VM_OUT; the kernel cache stays build/vm/cache for every run.
OUT=${VM_OUT:-$ROOT/build/vm}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
CACHE=$ROOT/build/vm/cache
VM_TIMEOUT=${VM_TIMEOUT:-600}
VM_SCRIPT_TIMEOUT=${VM_SCRIPT_TIMEOUT:-120}
VM_MEM=${VM_MEM:-1024}
VM_SMP=${VM_SMP:-2}
VM_TESTS=${VM_TESTS:-*}
VM_GUEST_DIR=$(cd "${VM_GUEST_DIR:-$HERE/guest}" && pwd) || { echo "not ok 1 - vm: VM_GUEST_DIR not found"; exit 1; }
# The directories whose files/ and src/ go into the guest: tests/vm/guest, then VM_GUEST_DIR.
GUEST_DIRS=$HERE/guest
[ "$VM_GUEST_DIR" = "$HERE/guest" ] || GUEST_DIRS="$GUEST_DIRS $VM_GUEST_DIR"
# virtio_pci + virtio_blk: the raw test disk (/dev/vda, for io.max); overlay, loop: images;
# veth, bridge, 8021q, tun, nf_tables + nft_*: container networks and NAT / port forwards.
MODULES="virtio_pci virtio_blk overlay loop veth bridge 8021q tun nf_tables nft_chain_nat nft_nat nft_masq nft_ct ${VM_MODULES:-}"
BUSYBOX=/bin/busybox

# Bump when the layout of build/vm/cache/kernel-*/ changes, to redo it.
CACHE_FORMAT=2
REPORTED=0 # set once a TAP result is on stdout
log() { echo "vm: $*" >&2; }
die() {
	echo "not ok 1 - vm: $*"
	REPORTED=1
	exit 1
}
WORK=
VERBOSE_PID=
cleanup() {
	rc=$?
	[ -n "$VERBOSE_PID" ] && kill "$VERBOSE_PID" 2>/dev/null
	if [ -n "$WORK" ]; then
		if [ "${VM_KEEP:-0}" = 1 ]; then log "work dir kept: $WORK"; else rm -rf "$WORK"; fi
	fi
	# a command failing under set -e must still leave a TAP failure behind
	[ "$rc" -ne 0 ] && [ "$REPORTED" = 0 ] && echo "not ok 1 - vm: tests/vm/run.sh failed (status $rc), see stderr"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- host packages ------------------------------------------------------------------
pkgs="qemu-system-x86 busybox-static cpio gzip coreutils util-linux"
for d in $GUEST_DIRS; do ls "$d"/src/*.c >/dev/null 2>&1 && pkgs="$pkgs gcc libc6-dev" && break; done
# shellcheck disable=SC2086 # a word list
"$ROOT/tests/deps.sh" $pkgs >&2 || die "could not install host packages: $pkgs"
$BUSYBOX --list >/dev/null 2>&1 || die "$BUSYBOX (busybox-static) missing"

mkdir -p "$CACHE"

# ---- kernel: download once, unpack once per (deb, module list) -----------------------
kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-6\.1\.0-[0-9]+-amd64$/ { print $2; exit }'
}

fetch_kernel() {
	if [ -n "${VM_KERNEL_DEB:-}" ]; then
		[ -f "$VM_KERNEL_DEB" ] || die "VM_KERNEL_DEB=$VM_KERNEL_DEB not found"
		DEB=$VM_KERNEL_DEB
		return
	fi
	# shellcheck disable=SC2012 # Debian file names are tame
	DEB=$(ls -1 "$CACHE"/linux-image-6.1.0-*-amd64_*.deb 2>/dev/null | sort -V | tail -n 1)
	[ -n "$DEB" ] && return
	pkg=$(kernel_pkg)
	if [ -z "$pkg" ]; then
		apt-get update -qq >&2 || true
		pkg=$(kernel_pkg)
	fi
	[ -n "$pkg" ] || die "cannot find the linux-image-6.1.0-*-amd64 package name"
	log "downloading $pkg"
	dl=$(mktemp -d "$CACHE/dl.XXXXXX")
	chmod 755 "$dl" # so apt's _apt user can write there
	if ! (cd "$dl" && apt-get download -q "$pkg" >&2); then
		# the archive may have moved on since the last `apt-get update`
		apt-get update -qq >&2 || true
		pkg=$(kernel_pkg)
		(cd "$dl" && apt-get download -q "$pkg" >&2) || { rm -rf "$dl"; die "apt-get download $pkg failed"; }
	fi
	mv "$dl"/*.deb "$CACHE"/
	rmdir "$dl"
	# shellcheck disable=SC2012
	DEB=$(ls -1 "$CACHE"/"$pkg"_*.deb | sort -V | tail -n 1)
}

# Print the module files (relative to lib/modules/$KVER) that the modules "$@" need,
# dependencies first, one per line; "FILE optional" for modules named "?NAME" (soft
# dependencies: all modules providing NAME, failures to load them are ignored), and
# "builtin NAME" / "missing NAME" for modules built into the kernel / not found.
resolve_modules() {
	moddir=$1
	shift
	awk -v want="$*" '
	function base(p) { sub(/.*\//, "", p); sub(/\.ko(\.[a-z]+)?$/, "", p); gsub(/-/, "_", p); return p }
	function visit(p, opt,   n, i, d) {
		if (p in seen) return
		seen[p] = 1
		n = split(deps[p], d, " ")
		for (i = 1; i <= n; i++) visit(d[i], opt)
		print p (opt ? " optional" : "")
	}
	FILENAME ~ /modules\.builtin$/ { builtin[base($0)] = 1; next }
	FILENAME ~ /modules\.alias$/ { if ($1 == "alias") provides[$2] = provides[$2] " " $3; next }
	{ p = $1; sub(/:$/, "", p); $1 = ""; deps[p] = $0; path[base(p)] = p }
	END {
		n = split(want, w, " ")
		for (i = 1; i <= n; i++) {
			m = w[i]; opt = sub(/^\?/, "", m)
			if (!opt) gsub(/-/, "_", m)
			if ((k = m) in path || (k = base(m)) in path) visit(path[k], opt)
			else if (base(m) in builtin) print "builtin " m
			else if (m in provides) {
				c = split(provides[m], cand, " ")
				for (j = 1; j <= c; j++) if (cand[j] in path) visit(path[cand[j]], 1)
			} else if (!opt) print "missing " m
		}
	}' "$moddir/modules.builtin" "$moddir/modules.alias" "$moddir/modules.dep"
}

# Contents of a module file, decompressed.
ko_cat() {
	case $1 in
	*.ko.xz) xz -dc "$1" ;;
	*.ko.zst) zstd -dcq "$1" ;;
	*.ko.gz) gzip -dc "$1" ;;
	*) cat "$1" ;;
	esac
}

# The "softdep=pre: A B post: C" names of module file $1 that must load before it.
ko_softdeps_pre() {
	ko_cat "$1" | tr '\0' '\n' | sed -n 's/^softdep=//p' |
		awk '{ for (i = 1; i <= NF; i++) { if ($i == "pre:") pre = 1; else if ($i ~ /:$/) pre = 0; else if (pre) print $i } }'
}

prepare_kernel() {
	KVER=$(dpkg-deb -f "$DEB" Package | sed 's/^linux-image-//')
	KDIR=$CACHE/kernel-$KVER
	stamp="$CACHE_FORMAT $(basename "$DEB") $(stat -c %s "$DEB") $MODULES"
	if [ "$(cat "$KDIR/stamp" 2>/dev/null)" = "$stamp" ]; then
		return
	fi
	log "unpacking $(basename "$DEB") (modules: $MODULES)"
	tmp=$(mktemp -d "$CACHE/kernel.XXXXXX")
	dpkg-deb -x "$DEB" "$tmp/x"
	md=$tmp/x/lib/modules/$KVER
	[ -d "$md" ] || { rm -rf "$tmp"; die "no lib/modules/$KVER in $DEB"; }
	[ -f "$md/modules.dep" ] || $BUSYBOX depmod -b "$tmp/x" "$KVER"
	mkdir -p "$tmp/k/modules"
	cp "$tmp/x/boot/vmlinuz-$KVER" "$tmp/k/vmlinuz"
	cp "$tmp/x/boot/config-$KVER" "$tmp/k/config"
	: >"$tmp/k/modules.load"
	: >"$tmp/k/modules.builtin"
	# modules.dep has the hard dependencies; soft ones (e.g. libcrc32c needs a crc32c
	# provider) are only in each module's .modinfo, so add them until nothing changes.
	want=$MODULES
	while :; do
		# shellcheck disable=SC2086 # a word list
		resolve_modules "$md" $want >"$tmp/resolved"
		extra=
		while read -r a b; do
			case $a in builtin | missing) continue ;; esac
			for sd in $(ko_softdeps_pre "$md/$a"); do
				case " $want $extra " in *" ?$sd "*) ;; *) extra="$extra ?$sd" ;; esac
			done
		done <"$tmp/resolved"
		[ -z "$extra" ] && break
		want="$extra $want"
	done
	while read -r a b; do
		case $a in
		builtin) echo "$b" >>"$tmp/k/modules.builtin" ;;
		missing) rm -rf "$tmp"; die "kernel module $b is neither in modules.dep nor built in" ;;
		*)
			mkdir -p "$tmp/k/modules/$(dirname "$a")"
			# busybox insmod wants plain .ko files
			ko_cat "$md/$a" >"$tmp/k/modules/${a%.ko*}.ko"
			echo "${a%.ko*}.ko $b" >>"$tmp/k/modules.load"
			;;
		esac
	done <"$tmp/resolved"
	# modules.dep and modules.alias for just these modules, so that modprobe and the
	# kernel's module autoloading (/sbin/modprobe is busybox) work in the guest too
	sed 's/\.ko\.[a-z]*/.ko/g' "$md/modules.dep" |
		awk -v list="$tmp/k/modules.load" 'BEGIN { while ((getline l < list) > 0) { split(l, f, " "); ok[f[1] ":"] = 1 } } ($1 in ok)' \
			>"$tmp/k/modules.dep"
	awk -v list="$tmp/k/modules.load" '
		BEGIN { while ((getline l < list) > 0) { split(l, f, " "); n = f[1]; sub(/.*\//, "", n); sub(/\.ko$/, "", n); gsub(/-/, "_", n); ok[n] = 1 } }
		$1 == "alias" && ($3 in ok)' "$md/modules.alias" >"$tmp/k/modules.alias"
	rm -rf "$tmp/x"
	echo "$stamp" >"$tmp/k/stamp"
	rm -rf "$KDIR"
	mv "$tmp/k" "$KDIR"
	rm -rf "$tmp"
}

exec 9>"$CACHE/.lock"
flock 9
fetch_kernel
prepare_kernel
flock -u 9
for m in $(cat "$KDIR/modules.builtin"); do log "module $m is built into $KVER"; done

# ---- initramfs -----------------------------------------------------------------------
WORK=$(mktemp -d "$OUT/run.XXXXXX")
R=$WORK/root

# Busybox and its applet links under directory $1.
install_busybox() {
	mkdir -p "$1/bin" "$1/sbin" "$1/usr/bin" "$1/usr/sbin"
	cp "$BUSYBOX" "$1/bin/busybox"
	for a in $($BUSYBOX --list-full); do
		[ -e "$1/$a" ] || ln -s /bin/busybox "$1/$a"
	done
}

# Copy the program $1 to $2 in the guest, plus every shared library it needs (same paths).
install_prog() {
	mkdir -p "$R$(dirname "$2")"
	cp -L "$1" "$R$2"
	chmod 755 "$R$2"
	ldd "$1" 2>/dev/null | awk '/=> \// { print $3 } /^[ \t]*\// { print $1 }' | while read -r lib; do
		[ -e "$R$lib" ] && continue
		mkdir -p "$R$(dirname "$lib")"
		cp -L "$lib" "$R$lib"
	done
}

install_busybox "$R"
mkdir -p "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/run" "$R/root" "$R/etc" "$R/mnt" \
	"$R/var/tmp" "$R/vm/guest" "$R/vm/files" "$R/vm/bin" "$R/usr/local/bin" "$R/lib/modules/$KVER"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$R/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$R/etc/group"
printf '127.0.0.1 localhost jaula-vm\n::1 localhost\n' >"$R/etc/hosts"
echo jaula-vm >"$R/etc/hostname"

install -m 755 "$HERE/init/stage1" "$R/init"
install -m 755 "$HERE/init/stage2" "$R/vm/stage2"
install -m 644 "$HERE/tap.sh" "$R/vm/tap.sh"

# kernel modules
cp -a "$KDIR/modules/." "$R/lib/modules/$KVER/"
cp "$KDIR/modules.dep" "$KDIR/modules.alias" "$R/lib/modules/$KVER/"
cp "$KDIR/modules.load" "$R/vm/modules.load"

# jaula and extra programs
HAVE_JAULA=0
if [ -n "${JAULA:-}" ] && [ -f "$JAULA" ] && [ -x "$JAULA" ]; then
	install_prog "$JAULA" /usr/local/bin/jaula
	HAVE_JAULA=1
else
	log "no jaula binary (JAULA=${JAULA:-unset}); tests that need it will skip"
fi
for p in ${VM_EXTRA_BINS:-}; do
	pp=$(command -v "$p") || die "VM_EXTRA_BINS: $p not found"
	install_prog "$pp" "/usr/local/bin/$(basename "$pp")"
done

# guest scripts, files, static helpers
n_scripts=0
for s in "$VM_GUEST_DIR"/*.sh; do
	[ -f "$s" ] || continue
	# shellcheck disable=SC2254 # VM_TESTS is a glob
	case $(basename "$s") in $VM_TESTS) ;; *) continue ;; esac
	install -m 755 "$s" "$R/vm/guest/"
	n_scripts=$((n_scripts + 1))
done
[ "$n_scripts" -gt 0 ] || die "no guest scripts match $VM_GUEST_DIR/$VM_TESTS"
for d in $GUEST_DIRS; do
	[ -d "$d/files" ] && cp -a "$d/files/." "$R/vm/files/"
	for c in "$d"/src/*.c; do
		[ -f "$c" ] || continue
		gcc -static -O2 -Wall -o "$R/vm/bin/$(basename "$c" .c)" "$c" >&2 ||
			die "gcc -static $(basename "$c") failed"
	done
done

# busybox rootfs for container bundles
B=$R/bundles/rootfs
install_busybox "$B"
mkdir -p "$B/proc" "$B/sys" "$B/dev" "$B/tmp" "$B/run" "$B/root" "$B/etc" "$B/mnt" "$B/var/tmp"
chmod 1777 "$B/tmp" "$B/var/tmp"
cp "$R/etc/passwd" "$R/etc/group" "$R/etc/hosts" "$B/etc/"

cat >"$R/vm/config" <<EOF
KVER=$KVER
SCRIPT_TIMEOUT=$VM_SCRIPT_TIMEOUT
HAVE_JAULA=$HAVE_JAULA
EOF

(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$WORK/initrd.gz"
truncate -s 64M "$WORK/disk.img"

# ---- boot ----------------------------------------------------------------------------
LOG=$WORK/console.log
: >"$LOG"
if [ "${VM_VERBOSE:-0}" = 1 ]; then
	tail -f "$LOG" >&2 &
	VERBOSE_PID=$!
fi
log "booting $KVER ($n_scripts guest scripts, timeout ${VM_TIMEOUT}s)"
t0=$(date +%s)
set +e
# -nodefaults + -serial file: is -nographic without the stdio monitor (and without the
# default NIC, whose option ROM lives in a package we do not need).
timeout -k 10 "$VM_TIMEOUT" qemu-system-x86_64 -accel tcg -m "$VM_MEM" -smp "$VM_SMP" \
	-nodefaults -display none -no-reboot -serial "file:$LOG" \
	-kernel "$KDIR/vmlinuz" -initrd "$WORK/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3 rdinit=/init cgroup_no_v1=all mitigations=off" \
	-drive "file=$WORK/disk.img,format=raw,if=virtio,cache=unsafe" \
	</dev/null >"$WORK/qemu.out" 2>&1
qrc=$?
set -e
t1=$(date +%s)
cp "$LOG" "$OUT/last-console.log"
log "qemu exited with $qrc after $((t1 - t0))s (console log: $OUT/last-console.log)"

# ---- results -------------------------------------------------------------------------
reason=
if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
	reason="timed out after ${VM_TIMEOUT}s"
elif grep -q 'Kernel panic' "$LOG"; then
	reason="kernel panic: $(grep -m1 'Kernel panic' "$LOG" | tr -d '\r' | sed 's/.*Kernel panic - //')"
elif [ "$qrc" -ne 0 ]; then
	reason="qemu exited with status $qrc: $(head -c 300 "$WORK/qemu.out" | tr '\n' ' ')"
fi

REPORTED=1
tr -d '\r' <"$LOG" | awk -v reason="$reason" '
	function emit(ok, rest) {
		n++
		if (!ok) failed++
		printf "%s %d - %s%s\n", ok ? "ok" : "not ok", n, script == "" ? "" : script ": ", rest
	}
	$0 != "" { nt++; tail[nt % 60] = $0 }
	/^@@VM-BEGIN@@/ { begun = 1; next }
	/^@@VM-END@@/ {
		ended = 1
		for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) end[kv[1]] = kv[2]
		next
	}
	!begun || ended || /^@@LIVE@@/ { next }
	{ p = index($0, "@@TAP@@ ") }
	p == 0 { next }
	{ line = substr($0, p + 8) }
	line ~ /^BEGIN / { script = substr(line, 7); next }
	line ~ /^END / { script = ""; next }
	line ~ /^(not )?ok([ \t]|$)/ {
		ok = line !~ /^not ok/
		rest = line
		sub(/^(not )?ok[ \t]*/, "", rest); sub(/^[0-9]+[ \t]*/, "", rest); sub(/^-[ \t]*/, "", rest)
		if (!ok && rest ~ /#[ \t]*(TODO|todo)/) failed--
		emit(ok, rest)
		next
	}
	{ print line }
	END {
		script = ""
		if (reason == "" && !begun) reason = "guest never started the tests"
		if (reason == "" && !ended) reason = "guest never reached the end marker"
		if (reason == "" && end["tests"] != n)
			reason = "console lost results: guest reported " end["tests"] " tests, host saw " n
		if (reason != "") {
			emit(0, "vm: " reason)
			print "# last lines of the guest console:"
			for (i = (nt > 60 ? nt - 59 : 1); i <= nt; i++) print "# " tail[i % 60]
		}
		print "1.." n
		exit (failed > 0 || n == 0) ? 1 : 0
	}'
