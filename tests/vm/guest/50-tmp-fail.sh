#!/bin/sh
. "$VM_TAP"
ok "first fine"
not_ok "deliberate failure"
skip "something" "not here"
echo "random non-tap output"
echo "to stderr" >&2
need_jaula "jaula runs" && check "jaula runs" $JAULA --help
check "hello static helper" sh -c '[ "$(hello)" = hello ]'
check "extra file present" [ -f /vm/files/sub/data.txt ]
check "bundle rootfs has sh" [ -x /bundles/rootfs/bin/sh ]
check "modprobe knows overlay" sh -c 'grep -q overlay /proc/modules'
tap_end
