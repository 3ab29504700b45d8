#!/bin/sh
# The test image, built locally (no registry): busybox-static with a link per
# applet and a minimal /etc, as an OCI layout made with umoci, plus an
# oci-archive and a docker-archive tarball of it for `podman load` and
# `ctr images import`.  Name: localhost/jaula-bb:latest; and
# localhost/jaula-pause:latest, the pod sandbox image of the CRI tests.
set -eu
out=$1
name=localhost/jaula-bb:latest
rm -rf "$out"
mkdir -p "$out"
cd "$out"
umoci init --layout layout
umoci new --image layout:bb
umoci unpack --image layout:bb bundle
r=bundle/rootfs
bb=$(command -v busybox)
file -L "$bb" 2>/dev/null | grep -q 'statically linked' || bb=/bin/busybox
mkdir -p "$r/bin" "$r/sbin" "$r/usr/bin" "$r/usr/sbin" "$r/etc" "$r/proc" "$r/sys" \
	"$r/dev" "$r/tmp" "$r/root" "$r/run" "$r/var/www" "$r/home/tester"
cp "$bb" "$r/bin/busybox"
for a in $("$r/bin/busybox" --list); do
	[ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
done
cat >"$r/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
tester:x:1000:1000:tester:/home/tester:/bin/sh
nobody:x:65534:65534:nobody:/:/bin/false
P
printf 'root:x:0:\ntty:x:5:\ntester:x:1000:\nnogroup:x:65534:\n' >"$r/etc/group"
echo 'jaula served this' >"$r/var/www/index.html"
chown 1000:1000 "$r/home/tester"
chmod 1777 "$r/tmp"
umoci repack --image layout:bb bundle
umoci config --image layout:bb --config.cmd=/bin/sh --config.workingdir=/ \
	--config.env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# The pod sandbox ("pause") image for the CRI tests: same layer, a command
# that waits forever.
umoci config --image layout:bb --tag pause --config.cmd=sleep --config.cmd=2147483647
umoci gc --layout layout
rm -rf bundle
skopeo copy -q "oci:layout:bb" "oci-archive:$out/image.oci.tar:$name"
skopeo copy -q "oci:layout:bb" "docker-archive:$out/image.docker.tar:$name"
skopeo copy -q "oci:layout:pause" "oci-archive:$out/pause.oci.tar:localhost/jaula-pause:latest"
