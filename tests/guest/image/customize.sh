#!/bin/sh
# mmdebstrap --customize-hook for the guest image (tests/guest/build-image.sh): $1 is the
# root directory, with /proc, /sys and /dev set up by mmdebstrap.  Everything the image
# needs to boot under QEMU and start the suite; the suite itself comes over 9p at boot
# (/jaula/tests/guest/runner.sh), so editing tests never rebuilds the image.
set -eu
R=$1

echo jaula-guest >"$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tjaula-guest\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"
# a fixed machine id: every boot of the (snapshotted) image is the same machine, and
# systemd does not treat it as a first boot
echo 6a61756c61677565737400000000000d >"$R/etc/machine-id"

# Root on the whole virtio disk (no partition table: mke2fs -d made the file system);
# the repository read-only and the run directory read-write over virtio-9p.
mkdir -p "$R/jaula" "$R/jaula-run"
cat >"$R/etc/fstab" <<'FSTAB'
/dev/vda	/		ext4	rw,noatime,errors=remount-ro	0 1
jaula		/jaula		9p	trans=virtio,version=9p2000.L,msize=524288,ro,nofail	0 0
jaularun	/jaula-run	9p	trans=virtio,version=9p2000.L,msize=524288,rw,nofail	0 0
FSTAB

# (the initramfs was made with image/essential.sh's module list; check it has them)
for m in virtio_blk ext4 9p 9pnet_virtio; do
	chroot "$R" sh -c "lsinitramfs /boot/initrd.img-* | grep -q '/$m\.ko'" || { echo "customize: $m not in the initramfs" >&2; exit 1; }
done

# The suite as a unit: started once multi-user.target is reached, it powers the machine
# off when it ends, however it ends; RuntimeMaxSec bounds it inside the guest too (the
# host has its own timeout).
cat >"$R/etc/systemd/system/jaula-guest.service" <<'UNIT'
[Unit]
Description=jaula guest test suite (tests/guest/runner.sh over 9p)
After=multi-user.target
RequiresMountsFor=/jaula /jaula-run
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=simple
ExecStart=/bin/sh /jaula/tests/guest/runner.sh
StandardOutput=journal+console
StandardError=journal+console
RuntimeMaxSec=3600
UNIT
ln -sf /etc/systemd/system/jaula-guest.service "$R/etc/systemd/system/multi-user.target.wants/jaula-guest.service"

# Less to boot: no logins, no periodic jobs, none of podman's boot-time services (each
# podman start costs seconds under TCG: podman-restart and podman-auto-update were 12 s
# of a 42 s boot).  The clients' own configuration stays Debian's default.
for u in serial-getty@ttyS0.service serial-getty@ttyS1.service getty@tty1.service \
	apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
	fstrim.timer systemd-timesyncd.service podman-auto-update.timer \
	podman-auto-update.service podman-restart.service podman.service podman.socket; do
	ln -sf /dev/null "$R/etc/systemd/system/$u"
done
passwd --root "$R" --delete root >/dev/null 2>&1 || chroot "$R" passwd --delete root
