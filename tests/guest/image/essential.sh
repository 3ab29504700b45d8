#!/bin/sh
# mmdebstrap --essential-hook for the guest image (tests/guest/build-image.sh): runs after
# the essential packages and before the rest (the kernel among them), so the initramfs is
# made once, small, with what this machine needs: root on virtio-blk (ext4) and the 9p
# shares, which are then mounted without waiting for module loading.  A 37 MB
# MODULES=most initramfs takes minutes to make and seconds to unpack under TCG.
set -eu
R=$1
mkdir -p "$R/etc/initramfs-tools/conf.d" "$R/usr/share/initramfs-tools/modules.d"
printf 'MODULES=list\nCOMPRESS=gzip\n' >"$R/etc/initramfs-tools/conf.d/jaula-guest.conf"
printf '%s\n' virtio_pci virtio_blk virtio_console ext4 crc32c_generic 9p 9pnet_virtio \
	>"$R/usr/share/initramfs-tools/modules.d/jaula-guest"
