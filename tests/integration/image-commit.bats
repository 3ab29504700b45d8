#!/usr/bin/env bats
# jaula image commit and export.  A container's changes -- new, changed and
# deleted files, a directory deleted and made again (opaque), hardlinks,
# set-id and sticky bits, owners, xattrs, file capabilities, fifos,
# devices, names past tar's 100 and 255 bytes -- become one layer, and the
# image made of it must look exactly as the container did: both are
# mounted as read-only overlays and compared entry by entry (type, mode,
# owner, size, link count, mtime in seconds, link target, device numbers,
# content, xattrs).  Export writes an oci-archive that jaula's import,
# skopeo, umoci and podman read back to the same tree.

load lib/helpers

eval "helpers_$(declare -f setup)"
setup() {
	helpers_setup
	STORE=$BATS_TEST_TMPDIR/store
	T=$BATS_TEST_TMPDIR
}

eval "helpers_$(declare -f teardown)"
teardown() {
	helpers_teardown
	local m
	if [ -f "$BATS_TEST_TMPDIR/.mounts" ]; then
		for m in $(tac "$BATS_TEST_TMPDIR/.mounts"); do
			umount -l "$m" 2>/dev/null
		done
	fi
	for m in $(awk -v t="$BATS_TEST_TMPDIR" 'index($5, t) == 1 {print $5}' /proc/self/mountinfo |
		tac); do
		umount -l "$m" 2>/dev/null
	done
}

js() {
	"$JAULA" --root "$STATE" --store "${JS_STORE:-$STORE}" "$@"
}

# overlay_ro DIR LOWER...: a read-only overlay of the LOWER directories (top
# first) at DIR: the kernel's merge of layers, whiteouts and opaque
# directories, with no upper directory of its own.
overlay_ro() {
	local dir=$1
	shift
	mkdir -p "$dir"
	mount -t overlay -o "ro,lowerdir=$(IFS=:; echo "$*")" overlay "$dir" &&
		echo "$dir" >>"$BATS_TEST_TMPDIR/.mounts"
}

# layer_dirs REF: the unpacked layers of an image of $JS_STORE/$STORE, top first.
layer_dirs() {
	local s=${JS_STORE:-$STORE}
	js image inspect "$1" | jq -r '.layers[].chainId' | tac |
		sed "s|^sha256:|$s/layers/|; s|\$|/diff|"
}

# image_view REF DIR: the image's root filesystem, mounted read-only at DIR
# (one layer is bound: overlayfs wants two lower layers without an upper).
image_view() {
	local dirs
	mapfile -t dirs < <(layer_dirs "$1")
	case ${#dirs[@]} in
	0) echo "image $1 has no layers"; return 1 ;;
	1) mkdir -p "$2" && mount --bind -o ro "${dirs[0]}" "$2" &&
		echo "$2" >>"$BATS_TEST_TMPDIR/.mounts" ;;
	*) overlay_ro "$2" "${dirs[@]}" ;;
	esac
}

# container_view ID DIR: what the stopped container saw: its upper directory
# over its image's layers.
container_view() {
	local img dirs
	img=$(cat "$STORE/containers/$1/image")
	mapfile -t dirs < <(layer_dirs "$img")
	overlay_ro "$2" "$STORE/containers/$1/upper" "${dirs[@]}"
}

# tree_list DIR: one line per entry below DIR, sorted: type, mode, owner,
# size, link count, mtime (seconds: layers carry whole seconds, as moby's
# and containers/storage's do), target, device numbers, sha256, and the
# xattrs an image carries.  The root's own mtime is left out (no layer has
# an entry for it).
tree_list() {
	python3 - "$1" <<'EOF'
import hashlib, os, stat, sys

root = sys.argv[1]

def line(rel, p):
    st = os.lstat(p)
    m = st.st_mode
    f = [repr(rel), "%o" % stat.S_IMODE(m), "%d:%d" % (st.st_uid, st.st_gid)]
    if stat.S_ISREG(m):
        with open(p, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        f += ["file", str(st.st_size), "n%d" % st.st_nlink, digest]
    elif stat.S_ISDIR(m):
        f += ["dir"]
    elif stat.S_ISLNK(m):
        f += ["symlink", repr(os.readlink(p)), "n%d" % st.st_nlink]
    elif stat.S_ISCHR(m) or stat.S_ISBLK(m):
        f += ["char" if stat.S_ISCHR(m) else "block",
              "%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)), "n%d" % st.st_nlink]
    elif stat.S_ISFIFO(m):
        f += ["fifo", "n%d" % st.st_nlink]
    else:
        f += ["other"]
    if rel != ".":
        f.append("t%d" % (st.st_mtime_ns // 10**9))
    names = sorted(n for n in os.listxattr(p, follow_symlinks=False)
                   if n.startswith("user.") or n == "security.capability")
    for n in names:
        f.append("%s=%s" % (n, os.getxattr(p, n, follow_symlinks=False).hex()))
    return " ".join(f)

def walk(rel):
    p = os.path.join(root, rel)
    print(line(rel, p))
    if stat.S_ISDIR(os.lstat(p).st_mode):
        for n in sorted(os.listdir(p)):
            walk(n if rel == "." else os.path.join(rel, n))

walk(".")
EOF
}

# same_tree A B: tree_list of both equal (the difference shown otherwise).
same_tree() {
	tree_list "$1" >"$T/a.list" || return 1
	tree_list "$2" >"$T/b.list" || return 1
	[ "$(wc -l <"$T/a.list")" -gt 10 ] || { echo "tree $1 is (nearly) empty"; return 1; }
	diff -u "$T/a.list" "$T/b.list"
}

setx() { # PATH NAME HEX-VALUE
	python3 -c 'import os, sys; os.setxattr(sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]), follow_symlinks=False)' "$@"
}

long_name() { # CHAR N
	printf "%${2}s" "" | tr ' ' "$1"
}

# base:1, one layer: the busybox rootfs and things for the container to change.
make_base() {
	local r=$T/base
	cp -a "$ROOTFS" "$r"
	mkdir -p "$r/data/keep" "$r/data/gone/sub" "$r/opaque/sub" "$r/etc/app"
	echo keep >"$r/data/keep/f"
	echo gone >"$r/data/gone/sub/f"
	echo gone2 >"$r/data/gone2"
	echo old >"$r/opaque/sub/f"
	echo old-top >"$r/opaque/top"
	echo base >"$r/etc/app/conf"
	setx "$r/etc/app/conf" user.base 6261736500ff
	tar --numeric-owner --xattrs --xattrs-include='user.*' -C "$r" -cf "$T/base.tar" .
	js image import "$T/base.tar" base:1
}

# new_container ID: a stopped container of base:1, made by `jaula run`.
new_container() {
	js run --name "$1" base:1 true
	[ -d "$STORE/containers/$1/upper" ] || { echo "no containers/$1/upper"; return 1; }
}

# Every kind of change, made through the container's own overlay (the
# kernel writes the whiteouts, opaque markers and copy-ups) with the
# options jaula's rootfs.c mounts with.
change_container() {
	local c=$STORE/containers/$1 m=$T/live img dirs
	img=$(cat "$c/image")
	mapfile -t dirs < <(layer_dirs "$img")
	mkdir -p "$m"
	mount -t overlay -o "lowerdir=$(IFS=:; echo "${dirs[*]}"),upperdir=$c/upper,workdir=$c/work,index=off,redirect_dir=off,metacopy=off" overlay "$m" || return 1
	echo new >"$m/newfile"
	chmod 4755 "$m/newfile"
	ln "$m/newfile" "$m/newlink"
	ln "$m/newfile" "$m/bin/newlink2"
	echo changed >"$m/data/keep/f"
	touch -d '2001-02-03 04:05:06' "$m/data/keep/f"
	rm -rf "$m/data/gone"
	rm "$m/data/gone2"
	rm -rf "$m/opaque"
	mkdir "$m/opaque"
	echo fresh >"$m/opaque/new"
	mkdir -p "$m/newdir/deep"
	echo owned >"$m/newdir/deep/owned"
	chown 1000:1001 "$m/newdir/deep/owned"
	chown 123:456 "$m/newdir/deep"
	chmod 2750 "$m/newdir/deep"
	mkdir -m 1777 "$m/newdir/sticky"
	ln -s ../etc/app/conf "$m/newdir/rel-link"
	ln -s /does/not/exist "$m/newdir/dangling"
	mkfifo "$m/newdir/fifo"
	mknod "$m/newdir/null" c 1 3
	mknod "$m/newdir/loop" b 7 200
	chmod 600 "$m/etc/app/conf" # a metadata-only change: a copy-up
	setx "$m/newdir/deep/owned" user.note 00010a3d2fff
	echo cap >"$m/newdir/capfile"
	# VFS_CAP_REVISION_2 | EFFECTIVE, permitted CAP_NET_BIND_SERVICE
	setx "$m/newdir/capfile" security.capability 0100000200040000000000000000000000000000
	head -c 3000000 /dev/urandom >"$m/newdir/big"
	printf 'spaces\n' >"$m/newdir/a name with spaces"
	local d1 d2 d3
	d1=$(long_name a 90)
	d2=$(long_name b 120)
	d3=$(long_name c 200)
	mkdir -p "$m/$d1/$d2/$d3"
	echo deep >"$m/$d1/$d2/$d3/$(long_name d 250)"
	umount "$m"
}

# off_host CMD...: CMD with tmpfs over /var/lib, /var/tmp and /run, in a
# mount namespace of its own: skopeo and podman keep caches and locks there
# (/var/lib/containers/cache, /run/libpod, /run/containers) whatever their
# --root says, and the host must not get them.
off_host() {
	mkdir -p "$T/tools-tmp"
	TMPDIR=$T/tools-tmp unshare -m --propagation private -- sh -c '
		for d in /var/lib /var/tmp /run; do mount -t tmpfs jaula-itest "$d" || exit 125; done
		exec "$@"' sh "$@"
}

# The layer blob of the top layer of REF.
top_layer_blob() {
	local d
	d=$(js image inspect "$1" | jq -r '.layers[-1].digest')
	echo "$STORE/blobs/sha256/${d#sha256:}"
}

@test "commit: the new image's tree is the container's merged view" {
	make_base
	new_container c1
	change_container c1
	run js image commit c1 new:1
	echo "$output"
	[ "$status" -eq 0 ]
	container_view c1 "$T/ctr"
	image_view new:1 "$T/img"
	same_tree "$T/ctr" "$T/img"
	# what was changed really is there (the views could agree on nothing)
	[ "$(cat "$T/img/data/keep/f")" = changed ]
	[ ! -e "$T/img/data/gone" ] && [ ! -e "$T/img/data/gone2" ]
	[ ! -e "$T/img/opaque/sub" ] && [ ! -e "$T/img/opaque/top" ]
	[ "$(cat "$T/img/opaque/new")" = fresh ]
	[ "$(stat -c '%a %h %i' "$T/img/newfile")" = "$(stat -c '%a %h %i' "$T/img/newlink")" ]
	[ "$(stat -c %a "$T/img/newfile")" = 4755 ]
	[ "$(stat -c '%h' "$T/img/bin/newlink2")" = 3 ]
	[ "$(stat -c '%u:%g %a' "$T/img/newdir/deep")" = "123:456 2750" ]
	[ "$(stat -c '%a' "$T/img/newdir/sticky")" = 1777 ]
	[ "$(stat -c '%F %t:%T' "$T/img/newdir/null")" = "character special file 1:3" ]
	[ "$(stat -c '%F %t:%T' "$T/img/newdir/loop")" = "block special file 7:c8" ]
	[ -p "$T/img/newdir/fifo" ]
	[ "$(stat -c %Y "$T/img/data/keep/f")" = "$(date -d '2001-02-03 04:05:06' +%s)" ]
	grep -q "security.capability=0100000200040000" "$T/b.list"
	grep -q "user.note=00010a3d2fff" "$T/b.list"
	grep -q "'etc/app/conf' 600 .* user.base=6261736500ff" "$T/b.list"
	# the base image is untouched
	image_view base:1 "$T/base-view"
	[ -e "$T/base-view/data/gone2" ] && [ ! -e "$T/base-view/newfile" ]
}

@test "commit: config, manifest and layer are what the image spec says" {
	make_base
	new_container c1
	change_container c1
	js image commit c1 new:1
	run js image inspect new:1
	[ "$status" -eq 0 ]
	base=$(js image inspect base:1)
	new=$output
	[ "$(jq '.layers | length' <<<"$new")" -eq 2 ]
	[ "$(jq -c '.layers[0]' <<<"$new")" = "$(jq -c '.layers[0]' <<<"$base")" ]
	layer=$(jq -r '.layers[1].digest' <<<"$new")
	[ "$(jq -r '.layers[1].diffId' <<<"$new")" = "$layer" ] # stored uncompressed
	[ "$(jq -r '.layers[1].mediaType' <<<"$new")" = application/vnd.oci.image.layer.v1.tar ]
	blob=$STORE/blobs/sha256/${layer#sha256:}
	[ "sha256:$(sha256sum "$blob" | cut -c1-64)" = "$layer" ]
	[ "$(jq -r '.layers[1].size' <<<"$new")" = "$(stat -c %s "$blob")" ]
	cfg=$STORE/blobs/sha256/$(jq -r '.configDigest' <<<"$new" | cut -d: -f2)
	[ "$(jq '.rootfs.diff_ids | length' "$cfg")" -eq 2 ]
	[ "$(jq -r '.rootfs.diff_ids[1]' "$cfg")" = "$layer" ]
	[ "$(jq -r '.history[-1].created_by' "$cfg")" = "jaula image commit c1" ]
	[ "$(jq -r '.history[-1].created' "$cfg")" = "$(jq -r .created "$cfg")" ]
	[ "$(jq -c .config "$cfg")" = "$(jq -c .config "$STORE/blobs/sha256/$(jq -r .configDigest <<<"$base" | cut -d: -f2)")" ]
	# the layer as GNU tar reads it: overlay metadata became .wh. entries
	tar -tvf "$blob" >"$T/layer.txt"
	grep -q ' data/\.wh\.gone$' "$T/layer.txt"
	grep -q ' data/\.wh\.gone2$' "$T/layer.txt"
	grep -q ' opaque/\.wh\.\.wh\.\.opq$' "$T/layer.txt"
	# three links: the first in walk order holds the data, the others link to it
	grep -q '^-rwsr-xr-x .* bin/newlink2$' "$T/layer.txt"
	grep -q '^hrwsr-xr-x .* newfile link to bin/newlink2$' "$T/layer.txt"
	grep -q '^hrwsr-xr-x .* newlink link to bin/newlink2$' "$T/layer.txt"
	run ! grep -q 'trusted.overlay' "$blob"
	run ! grep -q '^[^ ]* [^ ]* *[0-9]* [0-9-]* [0-9:]* /' "$T/layer.txt" # no absolute names
	# the same upper directory gives the same layer, byte for byte
	js image commit c1 again:1
	[ "$(js image inspect again:1 | jq -r '.layers[1].digest')" = "$layer" ]
}

@test "commit: xattr whiteouts (Linux 6.7) become .wh. entries, sockets are left out" {
	make_base
	new_container c1
	u=$STORE/containers/c1/upper
	mkdir -p "$u/data"
	: >"$u/data/gone2"
	setx "$u/data/gone2" trusted.overlay.whiteout ""
	: >"$u/empty-file" # zero size without the xattr: a file
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$u/sock"
	ln "$u/sock" "$u/sock-link" # a hardlink to what is left out must not name it
	run js image commit c1 x:1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *'"sock"'*socket* ]] # said, not silent
	tar -tvf "$(top_layer_blob x:1)" >"$T/layer.txt"
	grep -q '^---------- .* data/\.wh\.gone2$' "$T/layer.txt"
	grep -q '^-rw-r--r-- .* empty-file$' "$T/layer.txt"
	run ! grep -q -e ' data/gone2$' -e ' sock$' -e ' sock-link' "$T/layer.txt"
	image_view x:1 "$T/img"
	[ ! -e "$T/img/data/gone2" ] && [ -e "$T/img/data/keep/f" ] && [ -f "$T/img/empty-file" ]
}

@test "commit: a running container, without pausing it" {
	make_base
	run_out=$T/run.out
	js run -d --name c2 base:1 sh -c 'echo inside >/inside; rm -rf /data/gone; mkdir /made; touch /ready; exec sleep 300' \
		</dev/null >"$run_out" 2>&1
	for i in $(seq 100); do
		[ -e "$STORE/containers/c2/upper/ready" ] && break
		sleep 0.1
	done
	[ -e "$STORE/containers/c2/upper/ready" ]
	run js image commit c2 live:1
	echo "$output"
	[ "$status" -eq 0 ]
	image_view live:1 "$T/img"
	[ "$(cat "$T/img/inside")" = inside ]
	[ -d "$T/img/made" ] && [ ! -e "$T/img/data/gone" ] && [ -e "$T/img/data/keep/f" ]
	# and the new image runs at once
	run js run --rm live:1 cat /inside
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = inside ]
}

@test "export -> import into another store: the same tree, the same blobs" {
	make_base
	new_container c1
	change_container c1
	js image commit c1 new:1
	run js image export new:1 "$T/new.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e "$T/new.tar.tmp" ]
	JS_STORE=$T/store2 run js image import "$T/new.tar" copy:2
	echo "$output"
	[ "$status" -eq 0 ]
	image_view new:1 "$T/one"
	JS_STORE=$T/store2 image_view copy:2 "$T/two"
	same_tree "$T/one" "$T/two"
	[ "$(js image inspect new:1 | jq -c '[.digest, .layers]')" = \
		"$(JS_STORE=$T/store2 js image inspect copy:2 | jq -c '[.digest, .layers]')" ]
}

@test "export: an oci-archive, reproducible, named in index.json" {
	make_base
	new_container c1
	change_container c1
	js image commit c1 new:1
	js image export new:1 "$T/a.tar"
	js image export new:1 "$T/b.tar"
	cmp "$T/a.tar" "$T/b.tar" # same image, same bytes
	tar -tf "$T/a.tar" >"$T/names"
	[ "$(head -2 "$T/names" | tr '\n' ' ')" = "oci-layout index.json " ]
	[ "$(tar -xOf "$T/a.tar" oci-layout)" = '{"imageLayoutVersion":"1.0.0"}' ]
	tar -xOf "$T/a.tar" index.json >"$T/index.json"
	[ "$(jq -r '.manifests | length' "$T/index.json")" = 1 ]
	[ "$(jq -r '.manifests[0].digest' "$T/index.json")" = "$(js image inspect new:1 | jq -r .digest)" ]
	[ "$(jq -r '.manifests[0].annotations["org.opencontainers.image.ref.name"]' "$T/index.json")" = 1 ]
	[ "$(jq -r '.manifests[0].annotations["io.containerd.image.name"]' "$T/index.json")" = new:1 ]
	[ "$(jq -r '.manifests[0].platform.os' "$T/index.json")" = linux ]
	# every blob is there once, under its own digest
	mkdir "$T/x" && tar -C "$T/x" -xf "$T/a.tar"
	for f in "$T"/x/blobs/sha256/*; do
		[ "$(sha256sum "$f" | cut -c1-64)" = "$(basename "$f")" ]
	done
	[ "$(ls "$T/x/blobs/sha256" | wc -l)" -eq 4 ] # manifest, config, two layers
}

@test "export: skopeo, umoci and podman read the archive" {
	for t in skopeo umoci podman; do
		command -v $t >/dev/null || skip "$t is not installed (apt-get install skopeo umoci podman)"
	done
	make_base
	new_container c1
	change_container c1
	js image commit c1 new:1
	js image export new:1 "$T/new.tar"
	image_view new:1 "$T/img"
	# skopeo: inspect and copy to an OCI layout
	run off_host skopeo inspect "oci-archive:$T/new.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq '.Layers | length' <<<"$output")" -eq 2 ]
	run off_host skopeo copy "oci-archive:$T/new.tar" "oci:$T/layout:copied"
	echo "$output"
	[ "$status" -eq 0 ]
	# umoci: unpack the extracted layout as a runtime bundle
	mkdir "$T/layout2" && tar -C "$T/layout2" -xf "$T/new.tar"
	run umoci unpack --image "$T/layout2:1" "$T/umoci-bundle"
	echo "$output"
	[ "$status" -eq 0 ]
	same_tree "$T/img" "$T/umoci-bundle/rootfs"
	# podman: load into a private storage, then look at the image's tree
	p=(off_host podman --root "$T/podman/root" --runroot "$T/podman/run" --tmpdir "$T/podman/tmp"
		--storage-driver vfs --events-backend none --cgroup-manager cgroupfs)
	mkdir -p "$T/podman/tmp"
	run "${p[@]}" load -i "$T/new.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"localhost/new:1"* ]]
	run "${p[@]}" image mount localhost/new:1
	echo "$output"
	[ "$status" -eq 0 ]
	same_tree "$T/img" "$output"
	"${p[@]}" image unmount localhost/new:1 >/dev/null
}

# --- refusals and attacks ---------------------------------------------------------

@test "commit: symlinks in the upper dir are stored as links, never followed" {
	make_base
	new_container c1
	mkdir -p "$T/host/secret"
	echo "host-secret-$RANDOM$RANDOM" >"$T/host/secret/file"
	(cd "$T/host" && find . -exec stat -c '%n %s %a %Y' {} + && cat secret/file) >"$T/host.before"
	u=$STORE/containers/c1/upper
	ln -s "$T/host/secret/file" "$u/evil-file"
	ln -s "$T/host/secret" "$u/evil-dir"
	mkdir -p "$u/etc"
	ln -s "$T/host/secret/file" "$u/etc/passwd"
	run js image commit c1 evil:1
	echo "$output"
	[ "$status" -eq 0 ]
	blob=$(top_layer_blob evil:1)
	run ! grep -q "$(cat "$T/host/secret/file")" "$blob"
	tar -tvf "$blob" >"$T/layer.txt"
	grep -q "^l.* evil-dir -> $T/host/secret\$" "$T/layer.txt"
	grep -q "^l.* etc/passwd -> $T/host/secret/file\$" "$T/layer.txt"
	run ! grep -q 'evil-dir/' "$T/layer.txt"
	(cd "$T/host" && find . -exec stat -c '%n %s %a %Y' {} + && cat secret/file) >"$T/host.after"
	cmp "$T/host.before" "$T/host.after"
}

@test "commit: overlay redirects, metacopy and .wh. names are refused, nothing named" {
	make_base
	new_container c1
	u=$STORE/containers/c1/upper
	mkdir "$u/moved"
	setx "$u/moved" trusted.overlay.redirect 2f6f6c64 # "/old"
	run js image commit c1 bad:1
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *'"moved"'*redirect* ]]
	rmdir "$u/moved"
	echo x >"$u/meta"
	setx "$u/meta" trusted.overlay.metacopy ""
	run js image commit c1 bad:1
	[ "$status" -ne 0 ]
	[[ "$output" == *'"meta"'*metacopy* ]]
	rm "$u/meta"
	mkdir "$u/d" && : >"$u/d/.wh.sneaky"
	run js image commit c1 bad:1
	[ "$status" -ne 0 ]
	[[ "$output" == *'"d/.wh.sneaky"'* ]]
	run js image inspect bad:1
	[ "$status" -ne 0 ]
	ls "$STORE/blobs/tmp" >"$T/tmp.list"
	[ ! -s "$T/tmp.list" ] # no temporary left behind
}

@test "commit: container names that are paths are refused" {
	make_base
	mkdir -p "$STORE/containers/../escape"
	for id in ../escape ../../etc . .. a/b ''; do
		run js image commit "$id" x:1
		[ "$status" -ne 0 ]
	done
	run js image commit nosuch x:1
	[ "$status" -ne 0 ]
	[[ "$output" == *nosuch* ]]
	run js image inspect x:1
	[ "$status" -ne 0 ]
}

@test "export: a link planted at FILE.tmp is replaced, not written through" {
	make_base
	echo sentinel >"$T/sentinel"
	ln -s "$T/sentinel" "$T/out.tar.tmp"
	run js image export base:1 "$T/out.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/sentinel")" = sentinel ]
	[ ! -e "$T/out.tar.tmp" ] && [ ! -L "$T/out.tar.tmp" ]
	tar -tf "$T/out.tar" | grep -qx index.json
}

@test "export: a failure leaves FILE as it was and no FILE.tmp" {
	make_base
	echo previous >"$T/out.tar"
	layer=$(js image inspect base:1 | jq -r '.layers[0].digest')
	mv "$STORE/blobs/sha256/${layer#sha256:}" "$T/moved-blob"
	run js image export base:1 "$T/out.tar"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"${layer:0:19}"* ]]
	[ "$(cat "$T/out.tar")" = previous ]
	[ ! -e "$T/out.tar.tmp" ]
	mv "$T/moved-blob" "$STORE/blobs/sha256/${layer#sha256:}"
	run js image export nosuch:1 "$T/out2.tar"
	[ "$status" -ne 0 ]
	[ ! -e "$T/out2.tar" ] && [ ! -e "$T/out2.tar.tmp" ]
}
