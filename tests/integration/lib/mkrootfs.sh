#!/bin/sh
# A minimal rootfs from Debian's busybox-static: the binary, a link per
# applet, the usual top-level directories and the static test helpers.
set -eu
dst=$1
bb=$(command -v busybox)
file -L "$bb" 2>/dev/null | grep -q 'statically linked' || bb=/bin/busybox
mkdir -p "$dst/bin" "$dst/sbin" "$dst/usr/bin" "$dst/etc" "$dst/proc" "$dst/sys" "$dst/dev" \
	"$dst/tmp" "$dst/root" "$dst/run" "$dst/var" "$dst/helpers"
cp "$bb" "$dst/bin/busybox"
for a in $("$dst/bin/busybox" --list); do
	[ -e "$dst/bin/$a" ] || ln -s busybox "$dst/bin/$a"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$dst/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' >"$dst/etc/group"
chmod 1777 "$dst/tmp"
if [ -n "${HELPERS:-}" ] && [ -d "$HELPERS" ]; then
	cp "$HELPERS"/* "$dst/helpers/" 2>/dev/null || true
fi
