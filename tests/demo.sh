#!/bin/sh
# make demo: a real container from Debian's busybox-static, printing from inside.
# Usage: tests/demo.sh PATH/TO/jaula
set -eu
jaula=$1
top=$(cd "$(dirname "$0")/.." && pwd)
bundle=$top/build/demo
root=$bundle/state
rm -rf "$bundle"
mkdir -p "$bundle"
"$top/tests/integration/lib/mkrootfs.sh" "$bundle/rootfs"
cat >"$bundle/rootfs/demo.sh" <<'SCRIPT'
echo
echo "Hello from inside a jaula container"
echo "  hostname:  $(hostname)"
echo "  user:      $(id)"
echo "  pid:       $$ (pid 1 of its own pid namespace)"
echo "  processes: $(ls -d /proc/[0-9]* | wc -l) visible"
echo "  network:   $(ls /sys/class/net | tr '\n' ' ')"
echo "  root fs:   $(touch /x 2>&1 | sed 's/.*: //')"
echo "  seccomp:   mode $(grep ^Seccomp: /proc/self/status | cut -f2), no_new_privs $(grep ^NoNewPrivs: /proc/self/status | cut -f2)"
echo "  caps:      $(grep ^CapEff: /proc/self/status | cut -f2)"
echo
SCRIPT
# jaula's own default config (read-only root, seccomp, no_new_privs, every
# namespace but user and time); only the command changes.
"$jaula" spec -b "$bundle"
sed -i 's/"terminal": true/"terminal": false/; s|^\(\t*\)"sh"$|\1"sh", "/demo.sh"|' "$bundle/config.json"
echo "demo: running busybox from $bundle with $jaula"
"$jaula" --root "$root" run -b "$bundle" "jaula-demo-$$"
echo "demo: the container exited and was deleted ($("$jaula" --root "$root" list -q | wc -l) left)."
