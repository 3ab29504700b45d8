#!/bin/bash
# Client tests: podman (+conmon), containerd (ctr, runc shim v2) and the
# containerd CRI plugin drive jaula as their OCI runtime.  Output is TAP.
#
# Everything runs as root inside private mount and network namespaces and a
# cgroup namespace rooted at a cgroup of our own (see lib/in-ns.sh), with
# every state directory on a tmpfs, so nothing the clients create (storage,
# /run/containers, /run/containerd, netavark's firewall chains, cgroups)
# outlives the run.  JAULA= names the runtime binary.  Arguments select .bats
# files (default: all).  CLIENTS_CALL_LOG=FILE keeps the argv log of every
# runtime call the clients made (one line per call).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export JAULA=${JAULA:-$top/build/jaula}

skip_all() {
	echo "1..1"
	echo "ok 1 - client tests # SKIP $1"
	exit 0
}
[ "$(id -u)" = 0 ] || skip_all "they need root"
[ -x "$JAULA" ] || skip_all "no runtime binary at $JAULA (make all)"
command -v bats >/dev/null || skip_all "bats is not installed"

# podman's --init runs /usr/libexec/podman/catatonit (package catatonit);
# python3-grpcio is for lib/cri.py, the CRI client (Debian 12 has no crictl).
# Each client is optional: a package that cannot be installed skips its
# file (lib/helpers.bash checks for the binaries), never fails the run.
pkgs_podman="podman conmon golang-github-containers-common netavark aardvark-dns catatonit"
pkgs_containerd="containerd python3-grpcio"
pkgs_image="umoci skopeo busybox-static"
pkgs_tools="curl util-linux iptables jq iproute2"
# deps.sh's and apt's words as TAP comments
install() {
	# shellcheck disable=SC2086
	timeout "$1" "$top/tests/deps.sh" $2 2>&1 | sed 's/^/# /'
	return "${PIPESTATUS[0]}"
}
for group in "$pkgs_image" "$pkgs_tools" "$pkgs_podman" "$pkgs_containerd"; do
	install 600 "$group" && continue
	# one package that cannot be had must not cost the others
	for p in $group; do
		install 300 "$p" || echo "# could not install $p"
	done
done
command -v umoci >/dev/null && command -v skopeo >/dev/null ||
	skip_all "umoci and skopeo are needed to build the test image"

exec unshare -m -n --propagation private -- "$here/lib/in-ns.sh" "$@"
