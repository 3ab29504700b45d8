#!/bin/bash
# buildah 1.28 (Debian's default configuration) building an image whose Containerfile has
# RUN steps, each RUN a container of the runtime under test (`buildah build --runtime`):
# runc (the reference) and jaula, under both cgroup managers (buildah's global
# --cgroup-manager), with a memory limit on the RUN containers.  FROM is the busybox
# image of lib.sh's busybox_image (buildah and podman share root's containers-storage);
# the built image is then run with podman and runc to read what the RUN steps left.
# Each runtime is called through a wrapper that logs its arguments (and the bundles'
# cgroupsPath), so a build that never reached the runtime cannot pass.  buildah 1.28
# gives the runtime neither --systemd-cgroup nor a cgroupsPath under either manager
# (newer buildah passes the flag): the RUN containers get the runtime's default cgroup,
# and the two managers differ only inside buildah.
# guest-timeout: 600
# shellcheck disable=SC1090,SC1091
. "$GUEST_SUITE/lib.sh"

IMG=localhost/busybox:guest
T=180 # seconds for one build
W=$(mktemp -d /tmp/bh.XXXXXX)
trap 'rm -rf "$W"' EXIT

busybox_image $IMG
check "busybox image for FROM ($IMG)" podman image exists $IMG
check "buildah $(buildah --version 2>&1 | cut -d' ' -f3) sees it" quiet buildah inspect --type image $IMG

# What a RUN container sees of its own cgroup (as 10-podman.sh's READ): its directory,
# its memory.max.
# shellcheck disable=SC2016 # for the container's shell
READ='p=$(sed -n "s/^0:://p" /proc/self/cgroup); d=/sys/fs/cgroup${p%/}; [ -d $d ] || d=/sys/fs/cgroup; echo "cg=$p mem=$(cat $d/memory.max)"'
mkdir -p "$W/ctx" "$W/bin"
cat >"$W/ctx/Containerfile" <<EOF
FROM $IMG
RUN echo hi > /built && mkdir /d
RUN cp /built /d/copy && ($READ) > /d/limits
EOF

runtimes="runc"
if need_jaula "buildah with jaula"; then runtimes="runc $JAULA"; fi
for rt in $runtimes; do
	name=$(basename "$rt")
	real=$(command -v "$rt")
	# (and the cgroupsPath of each bundle it creates)
	cat >"$W/bin/$name" <<WRAP
#!/bin/sh
echo "\$*" >>$W/calls-$name
prev=
for a; do
	[ "\$prev" = --bundle ] && sed -n 's/.*"cgroupsPath": *"\([^"]*\)".*/cgroupsPath=\1/p' "\$a/config.json" >>$W/calls-$name
	prev=\$a
done
exec $real "\$@"
WRAP
	chmod +x "$W/bin/$name"
done
for mgr in systemd cgroupfs; do
	for rt in $runtimes; do
		name=$(basename "$rt")
		P="buildah[$mgr] --runtime $name"
		tag=localhost/built-$name-$mgr:guest
		: >"$W/calls-$name"
		out=$(timeout -k 5 $T buildah --cgroup-manager $mgr build --runtime "$W/bin/$name" \
			--memory 64m -q -t "$tag" -f "$W/ctx/Containerfile" "$W/ctx" 2>&1)
		rc=$?
		check "$P: build with two RUN steps (status $rc$([ $rc -ne 0 ] && echo ": $(flat "$(tail -n 5 <<<"$out")")"))" \
			[ $rc -eq 0 ]
		diag "$P: runtime calls: $(flat "$(sed 's/[0-9]\{6,\}/N/g' "$W/calls-$name" | sort | uniq -c)")"
		check "$P: the RUN steps ran through $name" grep -qE '(^| )(run|create) ' "$W/calls-$name"
		left=$(find /sys/fs/cgroup -name '*buildah*' 2>/dev/null)
		check "$P: the RUN containers leave no cgroup ($(flat "$left"))" [ -z "$left" ]
		out=$(timeout -k 5 120 podman run --rm --runtime runc "$tag" cat /built /d/copy /d/limits 2>&1)
		diag "$P: the image's /built /d/copy /d/limits: $(flat "$out")"
		cond=no
		[ "$(head -n 2 <<<"$out")" = "$(printf 'hi\nhi')" ] && cond=yes
		check "$P: the image has the files the RUN steps made" [ $cond = yes ]
		check "$P: --memory 64m: the RUN container's memory.max 67108864" grep -q 'mem=67108864$' <<<"$out"
		quiet podman rmi -f "$tag"
	done
done
tap_end
