#!/bin/sh
# tests/guest/build-image.sh: make (or find cached) the Debian 12 guest image of the guest
# tier and print its directory on stdout: rootfs.ext4 (the root file system, whole disk),
# vmlinuz and initrd.img (the guest's own kernel and initramfs, for QEMU -kernel/-initrd).
#
# - mmdebstrap (Debian package, installed with tests/deps.sh) fetches bookworm, bookworm-
#   updates and bookworm-security from deb.debian.org with the host's apt keyring,
#   variant minbase + tests/guest/packages, no docs/man/locales, into a directory.  It runs
#   in --mode=root inside `unshare -m` (a private mount namespace), so the /proc, /sys and
#   /dev mounts it makes in the chroot never show on the host.  Hooks: image/essential.sh
#   (a small MODULES=list initramfs, made once when the kernel is installed) and
#   image/customize.sh (fstab with the 9p shares, the suite unit, masked units, ...).
# - The ext4 image is made from that directory with `mke2fs -t ext4 -d`: no loop mount.
#   It is a sparse file of GUEST_DISK_SIZE (default 6G; ~1.2 GB is used).
# - Cache: build/guest/image-<key>/, key = sha256 of this script, the package list and
#   image/*, so editing any of them rebuilds and anything else (the tests, the runner)
#   does not.  A `done` file marks a complete image; older image-* dirs are removed after
#   a successful build.  GUEST_REBUILD=1 forces a build (e.g. to pick up archive updates).
# Output on stderr: progress and timings.  Exit status 0 with the directory on stdout,
# non-zero with the reason on stderr.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$ROOT/build/guest
SIZE=${GUEST_DISK_SIZE:-6G}
MIRROR=${GUEST_MIRROR:-http://deb.debian.org/debian}
SECURITY=${GUEST_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
log() { echo "guest-image: $*" >&2; }

key=$( (cat "$0" "$HERE/packages" && cd "$HERE/image" && for f in *; do echo "== $f"; cat "$f"; done) |
	sha256sum | cut -c1-16)
DIR=$OUT/image-$key
mkdir -p "$OUT"
exec 8>"$OUT/.lock"
flock 8
if [ -f "$DIR/done" ] && [ "${GUEST_REBUILD:-0}" != 1 ]; then
	log "cached image $DIR"
	echo "$DIR"
	exit 0
fi

"$ROOT/tests/deps.sh" mmdebstrap e2fsprogs util-linux >&2 || { log "cannot install mmdebstrap"; exit 1; }

pkgs=$(sed 's/#.*//' "$HERE/packages" | tr -s ' \t\n' '  ' | sed 's/^ //; s/ $//' | tr ' ' ,)
t0=$(date +%s)
tmp=$(mktemp -d "$OUT/build.XXXXXX")
chmod 755 "$tmp" # apt downloads as _apt where it can
trap 'rm -rf "$tmp"' EXIT
log "mmdebstrap bookworm ($pkgs) into $tmp/root"
# shellcheck disable=SC2016 # $1 is mmdebstrap's, in the hook
unshare -m --propagation private -- mmdebstrap --mode=root --variant=minbase --format=directory \
	--include="$pkgs" \
	--aptopt='Acquire::Retries "3"' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-include=/usr/share/locale/locale.alias' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-include=/usr/share/doc/*/copyright' \
	--essential-hook='sh '"$HERE"'/image/essential.sh "$1"' \
	--customize-hook='sh '"$HERE"'/image/customize.sh "$1"' \
	bookworm "$tmp/root" \
	"deb $MIRROR bookworm main" \
	"deb $MIRROR bookworm-updates main" \
	"deb $SECURITY bookworm-security main" >&2 || { log "mmdebstrap failed"; exit 1; }
t1=$(date +%s)

mkdir "$tmp/img"
# the kernel and initramfs the image installed (the newest, should there be two)
kver=$(find "$tmp/root/boot" -maxdepth 1 -name 'vmlinuz-*' | sed 's/.*vmlinuz-//' | sort -V | tail -n 1)
if [ -z "$kver" ] || [ ! -f "$tmp/root/boot/initrd.img-$kver" ]; then
	log "no kernel/initrd in the image's /boot"
	exit 1
fi
cp "$tmp/root/boot/vmlinuz-$kver" "$tmp/img/vmlinuz"
cp "$tmp/root/boot/initrd.img-$kver" "$tmp/img/initrd.img"
echo "$kver" >"$tmp/img/kernel-version"
rm -rf "$tmp/root/var/cache/apt/archives/"*.deb "$tmp/root/var/lib/apt/lists/"*_Packages* 2>/dev/null || true
dpkg-query --admindir="$tmp/root/var/lib/dpkg" -W -f='${Package} ${Version}\n' >"$tmp/img/packages.txt"
log "mke2fs -t ext4 -d ($(du -sh "$tmp/root" | cut -f1) of files) into a $SIZE image"
mke2fs -q -F -t ext4 -L jaula-guest -d "$tmp/root" "$tmp/img/rootfs.ext4" "$SIZE" >&2 ||
	{ log "mke2fs -d failed"; exit 1; }
t2=$(date +%s)
echo "mmdebstrap=$((t1 - t0))s mke2fs=$((t2 - t1))s kernel=$kver" >"$tmp/img/build-times"
touch "$tmp/img/done"
rm -rf "$tmp/root"
for old in "$OUT"/image-*; do [ "$old" = "$DIR" ] || rm -rf "$old"; done
rm -rf "$DIR"
mv "$tmp/img" "$DIR"
log "built $DIR in $((t2 - t0))s (mmdebstrap $((t1 - t0))s, mke2fs $((t2 - t1))s)"
echo "$DIR"
