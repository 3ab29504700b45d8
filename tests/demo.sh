#!/bin/sh
# make demo: a real container from Debian's busybox-static, printing from inside.
# The rootfs becomes an image (`jaula image import`), and `jaula run` makes
# a copy-on-write container of it: an overlay of the image's layer and an
# upper directory of its own, with jaula's locked-down default config.
# Usage: tests/demo.sh PATH/TO/jaula
set -eu
jaula=$1
top=$(cd "$(dirname "$0")/.." && pwd)
work=$top/build/demo
root=$work/state
store=$work/store
rm -rf "$work"
mkdir -p "$work"
"$top/tests/integration/lib/mkrootfs.sh" "$work/rootfs"
cat >"$work/rootfs/demo.sh" <<'SCRIPT'
echo
echo "Hello from inside a jaula container"
echo "  hostname:  $(hostname)"
echo "  user:      $(id)"
echo "  pid:       $$ (pid 1 of its own pid namespace)"
echo "  processes: $(ls -d /proc/[0-9]* | wc -l) visible"
echo "  network:   $(ls /sys/class/net | tr '\n' ' ')"
echo "  root fs:   $(head -1 /proc/mounts | cut -d' ' -f1-3), $(touch /x 2>&1 | sed 's/.*: //')"
echo "  seccomp:   mode $(grep ^Seccomp: /proc/self/status | cut -f2), no_new_privs $(grep ^NoNewPrivs: /proc/self/status | cut -f2)"
echo "  caps:      $(grep ^CapEff: /proc/self/status | cut -f2)"
echo
SCRIPT
# The test and demo scripts may use tar; the runtime itself never does.
tar -C "$work/rootfs" -cf "$work/busybox.tar" .
j() { "$jaula" --root "$root" --store "$store" "$@"; }
echo "demo: importing $work/busybox.tar as the image jaula-demo"
j image import "$work/busybox.tar" jaula-demo >/dev/null
# --net none: the default bridge network would leave the bridge jaula0 and
# jaula's nftables table on this machine, and a demo changes nothing.
echo "demo: jaula run --rm --read-only --net none --hostname jaula jaula-demo sh /demo.sh"
j run --rm --read-only --net none --hostname jaula --name "jaula-demo-$$" jaula-demo sh /demo.sh
echo "demo: the container exited and was removed ($(j list -q | wc -l) left," \
	"$(ls "$store/containers" | wc -l) in the store)."
