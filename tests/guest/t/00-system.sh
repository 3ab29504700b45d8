#!/bin/bash
# The guest is the machine the tier promises: systemd as PID 1 has finished booting,
# cgroup v2 only (no v1 hierarchy), with the controllers the client scenarios need.
# guest-timeout: 180
# shellcheck disable=SC1090,SC1091
. "$GUEST_SUITE/lib.sh"

st=$(timeout 120 systemctl is-system-running --wait 2>/dev/null)
case $st in
running | degraded) ok "systemctl is-system-running --wait: $st" ;;
*) not_ok "systemctl is-system-running --wait: '$st' (want running or degraded)" ;;
esac
if [ "$st" = degraded ]; then
	systemctl --failed --no-legend --plain | while read -r u _; do diag "failed unit: $u"; done
fi
check "PID 1 is systemd" [ "$(cat /proc/1/comm)" = systemd ]
check "/sys/fs/cgroup is cgroup2 (unified hierarchy only)" [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]
check "no cgroup v1 hierarchy is mounted" [ -z "$(awk '$3 == "cgroup"' /proc/mounts)" ]
ctl=$(cat /sys/fs/cgroup/cgroup.controllers)
sub=$(cat /sys/fs/cgroup/cgroup.subtree_control)
diag "cgroup.controllers: $ctl"
diag "root cgroup.subtree_control: $sub"
for c in memory pids cpu; do
	check "cgroup2 has the $c controller" grep -qw "$c" /sys/fs/cgroup/cgroup.controllers
done
for c in memory pids; do
	check "systemd enabled $c for the root's children" grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control
done
check "the system bus answers (busctl)" quiet timeout 20 busctl --system list --no-pager
if need_jaula "jaula runs in the guest"; then
	v=$("$JAULA" --version 2>&1 | head -n 1)
	diag "jaula --version: $v"
	check "jaula runs in the guest" [ -n "$v" ]
fi
diag "kernel $(uname -r), $(systemctl --version | head -n 1)"
diag "podman $(podman --version 2>/dev/null), runc $(runc --version 2>/dev/null | head -n 1), crun $(crun --version 2>/dev/null | head -n 1)"
tap_end
