#!/bin/bash
# Integration tests: real containers from a busybox-static rootfs.
#
# They run as root inside private mount and network namespaces (unshare -m -n
# --propagation private) with a pure cgroup2 mounted at /sys/fs/cgroup, so the
# host's mounts, links and v1 cgroup hierarchies are never touched.  Output is
# TAP.  JAULA= names the runtime binary (any runc-compatible one works for the
# CLI-contract suites); arguments select .bats files (default: all).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export JAULA=${JAULA:-$top/build/jaula}
export HELPERS=${HELPERS:-$top/build/helpers}
if [ "$(id -u)" != 0 ]; then
	echo "1..1"
	echo "ok 1 - integration tests # SKIP they need root"
	exit 0
fi
# image-commit.bats reads its exports back with skopeo, umoci and podman
# (Debian packages) and skips without them; the clients suite, later in
# `make test`, installs them too.  Optional: one that cannot be installed
# skips its test, never fails the run.  apt's words as TAP comments.
timeout 600 "$top/tests/deps.sh" skopeo umoci podman 2>&1 | sed 's/^/# /'
exec unshare -m -n --propagation private -- "$here/lib/in-ns.sh" "$@"
