#!/usr/bin/env bats
# `jaula image import|ls|inspect|rm|prune`: every format jaula reads (OCI
# layout, oci-archive, docker save old and new, rootfs .tar/.tar.gz/.tar.zst)
# gives the same layers and config; layers are shared between images and
# unpacked once; corrupt images fail with one line naming what is wrong and
# leave the store as it was; a digest is never a path; parallel imports
# agree.  Images come from lib/mkimage.py (the suite's busybox rootfs cut
# into layers); umoci and skopeo cross-check when installed.

load lib/helpers

setup_file() {
	export IMG="$BATS_FILE_TMPDIR/img"
	python3 "$BATS_TEST_DIRNAME/lib/mkimage.py" "$ROOTFS" "$IMG" >&2
}

setup() {
	STORE="$BATS_TEST_TMPDIR/store"
	T="$BATS_TEST_TMPDIR"
}

js() {
	"$JAULA" --store "$STORE" "$@"
}

# The tree of a directory: one line per entry (path, type, mode, owner,
# size, link target), then a checksum per regular file.
tree_list() {
	(cd "$1" && find . -printf '%p %y %m %u %g %s %l\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# The chain ids of an image, bottom first, one per line.
chains() {
	js image inspect "$1" | jq -r '.layers[].chainId'
}

# Everything about the layers of image $1: each layer directory's tree.
layer_trees() {
	local c
	for c in $(chains "$1"); do
		echo "== $c"
		tree_list "$STORE/layers/${c#sha256:}/diff"
	done
}

# The store holds no trace of a failed import: no name, no temporary file,
# no layer directory (it started empty).
assert_untouched() {
	[ "$(js image ls -q | wc -l)" -eq 0 ] || { echo "a name was set"; return 1; }
	[ -z "$(ls -A "$STORE/blobs/tmp")" ] || { echo "blobs/tmp: $(ls "$STORE/blobs/tmp")"; return 1; }
	[ -z "$(ls -A "$STORE/layers")" ] || { echo "layers: $(ls "$STORE/layers")"; return 1; }
	[ -z "$(ls -A "$STORE/l")" ] || { echo "short links left"; return 1; }
}

# A blob that stays after a failed import is whole and right: its name is
# its content's digest.
assert_blobs_whole() {
	local b
	for b in "$STORE"/blobs/sha256/*; do
		[ -e "$b" ] || continue
		[ "$(sha256sum <"$b" | cut -d' ' -f1)" = "$(basename "$b")" ] ||
			{ echo "blob $b is not its digest"; return 1; }
	done
}

# --- formats ---------------------------------------------------------------------

@test "every image format gives the same layers and the same config" {
	local ref="" f
	for f in layout-a layout-a-zstd a.oci.tar a.docker.tar a.docker25.tar multi nested; do
		STORE="$T/store-$f"
		run js image import "$IMG/$f" a
		[ "$status" -eq 0 ] || { echo "$f: $output"; return 1; }
		[[ "${lines[-1]}" == sha256:* ]]
		layer_trees a >"$T/$f.layers"
		js image inspect a | jq -S '{configDigest, config, os, architecture, created}' >"$T/$f.config"
		[ "$(chains a | wc -l)" -eq 3 ]
		if [ -z "$ref" ]; then
			ref=$f
			continue
		fi
		diff -u "$T/$ref.layers" "$T/$f.layers"
		diff -u "$T/$ref.config" "$T/$f.config"
	done
	# the chain ids are those of mkimage's layers: a1, a1+a2, a1+a2+a3
	[ "$(chains a | head -1)" = "$(cat "$IMG/a1.diffid")" ]
	# and the layers are the image's: busybox below, a whiteout and an
	# opaque directory on top
	local top
	top="$STORE/layers/$(chains a | tail -1 | cut -d: -f2)/diff"
	[ "$(stat -c '%F %t:%T' "$top/etc/removed-later")" = "character special file 0:0" ]
	[ "$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque"))' \
		"$top/var/cache")" = "b'y'" ]
	[ -x "$STORE/layers/$(chains a | head -1 | cut -d: -f2)/diff/bin/busybox" ]
}

@test "rootfs tarballs (.tar, .tar.gz, .tar.zst) are one-layer images of the whole tree" {
	local f
	tree_list "$IMG/final" >"$T/final.list"
	for f in rootfs.tar:tar rootfs.tar.gz:tar+gzip rootfs.tar.zst:tar+zstd; do
		STORE="$T/store-${f%%:*}"
		js image import -q "$IMG/${f%%:*}" r:1 >/dev/null
		[ "$(chains r:1 | wc -l)" -eq 1 ]
		[ "$(js image inspect r:1 | jq -r '.layers[0].mediaType')" = \
			"application/vnd.oci.image.layer.v1.${f##*:}" ]
		tree_list "$STORE/layers/$(chains r:1 | cut -d: -f2)/diff" >"$T/r.list"
		diff -u "$T/final.list" "$T/r.list"
		js image inspect r:1 | jq -e '.config.Env[0] | startswith("PATH=")'
	done
	# an uncompressed tarball's digest is its diff_id: imported again, it
	# is not unpacked again
	STORE="$T/store-rootfs.tar"
	run js image import "$IMG/rootfs.tar" r:2
	[ "$status" -eq 0 ]
	[ "$(grep -c '^unpack ' <<<"$output")" -eq 0 ]
	[ "$(chains r:2)" = "$(chains r:1)" ]
}

@test "umoci unpack of the same layout gives the tree jaula's layers stack up to" {
	command -v umoci >/dev/null || skip "umoci is not installed"
	umoci unpack --image "$IMG/layout-a:latest" "$T/bundle-a" >/dev/null
	tree_list "$T/bundle-a/rootfs" >"$T/umoci.list"
	tree_list "$IMG/final" >"$T/final.list"
	diff -u "$T/final.list" "$T/umoci.list"
}

@test "archives skopeo writes import, and give the layers of the layout" {
	command -v skopeo >/dev/null || skip "skopeo is not installed"
	skopeo copy -q "oci:$IMG/layout-a:latest" "oci-archive:$T/s.oci.tar:a:latest"
	skopeo copy -q "oci:$IMG/layout-a:latest" "docker-archive:$T/s.docker.tar:a:latest"
	STORE="$T/ref" js image import -q "$IMG/layout-a" a >/dev/null
	STORE="$T/ref" chains a >"$T/ref.chains"
	for f in s.oci.tar s.docker.tar; do
		STORE="$T/store-$f"
		js image import -q "$T/$f" a:latest >/dev/null
		chains a >"$T/$f.chains"
		diff -u "$T/ref.chains" "$T/$f.chains"
	done
}

@test "a docker save archive with a repeated layer (a symlink to its first copy)" {
	js image import -q "$IMG/dup.docker.tar" dup >/dev/null
	[ "$(chains dup | wc -l)" -eq 4 ]
	[ "$(js image inspect dup | jq -r '.layers[1].digest')" = \
		"$(js image inspect dup | jq -r '.layers[3].digest')" ]
	[ "$(ls "$STORE/layers" | wc -l)" -eq 4 ]
}

# --- sharing -----------------------------------------------------------------------

@test "an image sharing base layers reuses them: unpacked once, copied once" {
	run js image import "$IMG/layout-a" a
	[ "$status" -eq 0 ]
	[ "$(grep -c '^unpack ' <<<"$output")" -eq 3 ]
	[ "$(ls "$STORE/layers" | wc -l)" -eq 3 ]
	run js image import "$IMG/layout-b" b
	[ "$status" -eq 0 ]
	[ "$(grep -c '^unpack ' <<<"$output")" -eq 1 ]
	[ "$(grep -c '^copy ' <<<"$output")" -eq 3 ] # b3, config, manifest
	[ "$(ls "$STORE/layers" | wc -l)" -eq 4 ]
	[ "$(chains a | head -2)" = "$(chains b | head -2)" ]
	# the same image again: nothing to copy, nothing to unpack
	run js image import "$IMG/a.oci.tar" a:again
	[ "$status" -eq 0 ]
	[ "$(grep -c '^unpack ' <<<"$output")" -eq 0 ]
	[ "$(ls "$STORE/layers" | wc -l)" -eq 4 ]
	# the short links the overlay mount uses
	[ "$(ls "$STORE/l" | wc -l)" -eq 4 ]
	for l in "$STORE"/l/*; do
		[ -d "$l/" ] && [ "${#l}" -eq $((${#STORE} + 3 + 12)) ]
	done
}

@test "parallel imports of images sharing base layers both succeed" {
	local round
	for round in 1 2 3 4; do
		STORE="$T/store-$round"
		js image import -q "$IMG/layout-a" a >"$T/a.out" 2>&1 &
		local pa=$!
		js image import -q "$IMG/layout-b" b >"$T/b.out" 2>&1 &
		local pb=$!
		js image import -q "$IMG/a.oci.tar" a2 >"$T/a2.out" 2>&1 &
		local pc=$!
		wait $pa || { cat "$T/a.out"; return 1; }
		wait $pb || { cat "$T/b.out"; return 1; }
		wait $pc || { cat "$T/a2.out"; return 1; }
		[ "$(js image ls -q | wc -l)" -eq 3 ]
		[ "$(ls "$STORE/layers" | wc -l)" -eq 4 ]
		[ -z "$(ls -A "$STORE/blobs/tmp")" ]
		! ls "$STORE/layers" | grep -q tmp-
		layer_trees a >"$T/pa.layers"
		STORE="$T/store-1" layer_trees a >"$T/p1.layers"
		diff -q "$T/p1.layers" "$T/pa.layers"
		for l in "$STORE"/layers/*; do [ -e "$l/ok" ]; done
	done
}

# --- ls, inspect, rm, prune ----------------------------------------------------------

@test "ls, inspect, rm and prune" {
	js image import -q "$IMG/layout-a" a >/dev/null
	js image import -q "$IMG/layout-b" b:2 >/dev/null
	run js image ls
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == NAME*DIGEST*CREATED*SIZE*LAYERS ]]
	[[ "${lines[1]}" == "a:latest "*" 2024-01-02 03:04:05 "*" 3" ]]
	[ "$(js image ls -q)" = "$(printf 'a:latest\nb:2')" ]
	[ "$(js image ls --format json | jq -r '.[1].ref, .[1].layers')" = "$(printf 'b:2\n3')" ]
	local digest
	digest=$(js image inspect b:2 | jq -r .digest)
	# a digest, or a unique prefix of one, finds it too
	[ "$(js image inspect "${digest:7:12}" | jq -r .ref)" = null ]
	[ "$(js image inspect "$digest" | jq -r '.names[0]')" = b:2 ]
	js image inspect a | jq -e '.config.Entrypoint == ["/bin/sh","-c"] and .config.User == "0:0"
		and .config.WorkingDir == "/root" and .config.Labels["org.example.image"] == "a"
		and .config.StopSignal == "SIGTERM" and (.layers | length) == 3
		and (.layers[0] | has("digest") and has("size") and has("mediaType") and has("diffId"))'
	run js image inspect nope
	[ "$status" -ne 0 ]
	[ "$output" = 'jaula: image "nope" does not exist' ]
	# a container made from b keeps it
	mkdir -p "$STORE/containers/c1"
	echo "$digest" >"$STORE/containers/c1/image"
	run js image rm b:2
	[ "$status" -ne 0 ]
	[ "$output" = "jaula: image b:2 is used by container c1" ]
	run js image rm a
	[ "$status" -eq 0 ]
	run js image prune
	[ "$status" -eq 0 ]
	[[ "$output" == "freed "*" bytes ("* ]]
	# a's top layer went; what b uses stayed
	[ "$(ls "$STORE/layers" | wc -l)" -eq 3 ]
	[ "$(ls "$STORE/l" | wc -l)" -eq 3 ]
	rm -r "$STORE/containers/c1"
	js image rm b:2
	run js image prune
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$STORE/layers")" ]
	[ -z "$(ls -A "$STORE/blobs/sha256")" ]
	[ -z "$(ls -A "$STORE/l")" ]
	[ "$(js image prune)" = "freed 0 bytes (0 B)" ]
}

@test "prune clears what an interrupted import left, and nothing else" {
	js image import -q "$IMG/layout-a" a >/dev/null
	echo partial >"$STORE/blobs/tmp/0123456789abcdef"
	mkdir -p "$STORE/layers/tmp-0123456789abcdef/diff/etc"
	echo '{"images":{' >"$STORE/.images.json.999999.tmp" # a writer killed mid-write
	tree_list "$STORE/layers" >"$T/before"
	run js image prune
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$STORE/blobs/tmp")" ]
	[ ! -e "$STORE/layers/tmp-0123456789abcdef" ]
	[ ! -e "$STORE/.images.json.999999.tmp" ]
	[ "$(js image ls -q)" = a:latest ]
	tree_list "$STORE/layers" >"$T/after"
	diff <(grep -v -e tmp- -e '^\. ' "$T/before") <(grep -v '^\. ' "$T/after")
}

@test "prune waits for an import in progress, and leaves its files alone" {
	js image import -q "$IMG/layout-b" b >/dev/null
	# an import between its first blob and its name holds gc.lock shared
	echo partial >"$STORE/blobs/tmp/0123456789abcdef"
	mkdir -p "$STORE/layers/tmp-0123456789abcdef/diff"
	flock -s "$STORE/gc.lock" sleep 3 &
	local holder=$!
	sleep 0.3
	run timeout 1 "$JAULA" --store "$STORE" image prune
	[ "$status" -eq 124 ] # still waiting
	[ -e "$STORE/blobs/tmp/0123456789abcdef" ]
	[ -e "$STORE/layers/tmp-0123456789abcdef" ]
	wait $holder
	run js image prune
	[ "$status" -eq 0 ]
	[ ! -e "$STORE/blobs/tmp/0123456789abcdef" ]
	[ ! -e "$STORE/layers/tmp-0123456789abcdef" ]
	[ "$(ls "$STORE/layers" | wc -l)" -eq 3 ]
}

@test "a failed import takes back its layers, unless another import may be using them" {
	# bad-diffid fails on its third layer, after unpacking two
	run js image import -q "$IMG/bad-diffid" x
	[ "$status" -ne 0 ]
	[ -z "$(ls -A "$STORE/layers")" ]
	# with another import running (gc.lock held shared), they stay
	flock -s "$STORE/gc.lock" sleep 10 &
	local holder=$!
	sleep 0.3
	run js image import -q "$IMG/bad-diffid" x
	kill $holder
	wait $holder || true
	[ "$status" -ne 0 ]
	[[ "$output" == *"diff_id mismatch"* ]]
	[ "$(ls "$STORE/layers" | wc -l)" -eq 2 ]
	for l in "$STORE"/layers/*; do [ -e "$l/ok" ]; done
	# they are whole: the next import uses them; prune takes what is unused
	run js image import "$IMG/layout-a" a
	[ "$status" -eq 0 ]
	[ "$(grep -c '^unpack ' <<<"$output")" -eq 1 ]
	js image rm a
	js image prune >/dev/null
	[ -z "$(ls -A "$STORE/layers")" ]
}

# --- corrupt images -----------------------------------------------------------------

@test "corrupt images: one line naming what is wrong, the store unchanged, the next import works" {
	local d name want n=0
	for d in "$IMG"/bad-*/; do
		name=$(basename "$d")
		want=$(cat "$IMG/$name.txt")
		STORE="$T/store-$name"
		run js image import -q "$d" x:1
		[ "$status" -ne 0 ] || { echo "$name: imported"; return 1; }
		[ "${#lines[@]}" -eq 1 ] || { echo "$name: ${#lines[@]} lines: $output"; return 1; }
		[[ "$output" == "jaula: import \"$d\": "*"$want"* ]] ||
			{ echo "$name: got: $output"; echo "want: $want"; return 1; }
		assert_untouched || { echo "$name"; return 1; }
		assert_blobs_whole
		js image import -q "$IMG/layout-b" b >/dev/null
		n=$((n + 1))
	done
	[ "$n" -ge 16 ]
}

@test "corrupt archives: a member whose content is not its name, a missing layer, a cut archive" {
	# an oci-archive of a layout whose top layer was altered
	tar -C "$IMG/bad-digest" -cf "$T/bad.oci.tar" .
	run js image import -q "$T/bad.oci.tar" x
	[ "$status" -ne 0 ]
	[[ "$output" == *'entry "blobs/sha256/'*'": digest mismatch: expected sha256:'*', got sha256:'* ]]
	assert_untouched
	# docker save whose manifest.json names a layer it lacks
	mkdir "$T/d" && tar -C "$T/d" -xf "$IMG/a.docker.tar"
	local victim
	victim=$(jq -r '.[0].Layers[1]' "$T/d/manifest.json")
	rm "$T/d/$victim"
	tar -C "$T/d" -cf "$T/bad.docker.tar" .
	run js image import -q "$T/bad.docker.tar" x
	[ "$status" -ne 0 ]
	[ "$output" = "jaula: import \"$T/bad.docker.tar\": manifest.json: Layers[1]: \"$victim\" is not in the archive" ]
	assert_untouched
	# an archive cut short
	head -c 100000 "$IMG/a.oci.tar" >"$T/cut.tar"
	run js image import -q "$T/cut.tar" x
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	assert_untouched
	js image import -q "$IMG/a.oci.tar" ok >/dev/null
}

@test "a digest that is a path is never used as one" {
	# What "sha256:../../x" would reach from blobs/sha256/ -- in the layout
	# and in the store -- holds a real layer: reading it would import it.
	local layer d
	cp -a "$IMG/bad-path-layer" "$T/layout"
	layer=$(ls -S "$T/layout/blobs/sha256" | head -1)
	cp "$T/layout/blobs/sha256/$layer" "$T/layout/x"
	mkdir -p "$STORE"
	cp "$T/layout/x" "$STORE/x"
	tree_list "$T/layout" >"$T/sentinel.before"
	for d in "$T/layout" "$IMG/bad-path-config" "$IMG/bad-path-diffid" "$IMG/bad-path-index"; do
		run js image import "$d" x
		[ "$status" -ne 0 ]
		[[ "$output" == *'"sha256:../'*'is not a sha256 digest'* ]]
	done
	tree_list "$T/layout" | diff "$T/sentinel.before" -
	cmp "$STORE/x" "$T/layout/x"
	assert_untouched
	assert_blobs_whole
}

@test "bad names and sources are refused with one line" {
	run js image import "$IMG/layout-a" Bad
	[ "$status" -ne 0 ]
	[[ "$output" == 'jaula: image reference "Bad": the name must be lowercase'* ]]
	run js image import "$IMG/layout-a" 'a:-x'
	[ "$status" -ne 0 ]
	run js image import "$T/nonexistent" a
	[ "$status" -ne 0 ]
	[ "$output" = "jaula: import \"$T/nonexistent\": stat: No such file or directory" ]
	mkdir "$T/empty"
	run js image import "$T/empty" a
	[ "$status" -ne 0 ]
	[ "$output" = "jaula: import \"$T/empty\": not an OCI image layout: no oci-layout" ]
	: >"$T/zero"
	run js image import "$T/zero" a
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	run js image import "$IMG/layout-a"
	[ "$status" -ne 0 ]
	[[ "$output" == *"requires a source and a name"* ]]
	run js image import "$IMG/layout-a" "a@$(cat "$IMG/a1.diffid")"
	[ "$status" -ne 0 ]
	[[ "$output" == *"a digest reference cannot name an image"* ]]
	mkfifo "$T/fifo"
	(cat "$IMG/rootfs.tar" >"$T/fifo" &)
	run js image import -q "$T/fifo" a
	[ "$status" -ne 0 ]
	[[ "$output" == *"a root filesystem tarball must be a regular file" ]]
	run js image frobnicate
	[ "$status" -ne 0 ]
	[[ "$output" == *'unknown command "frobnicate"'* ]]
	assert_untouched
}

# --- the command line ------------------------------------------------------------------

@test "import: progress lines on a pipe, nothing but the digest with --quiet" {
	run --separate-stderr js image import "$IMG/layout-a" a
	[ "$status" -eq 0 ]
	[[ "$output" == sha256:* ]]
	[ "$(grep -c '^copy sha256:[0-9a-f]\{12\}: [0-9.]* [kMG]\?B in [0-9.]* s\( (.*/s)\)\?$' <<<"$stderr")" -eq 5 ]
	[ "$(grep -c '^unpack sha256:[0-9a-f]\{12\}: ' <<<"$stderr")" -eq 3 ]
	run --separate-stderr js image import --quiet "$IMG/layout-b" b
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "$(js image inspect b | jq -r .digest)" ]
}

@test "every image subcommand has --help" {
	local c
	for c in import ls inspect rm prune commit export; do
		run js image "$c" --help
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" == "Usage: jaula image $c "* ]]
	done
	run js image --help
	[ "$status" -eq 0 ]
	[[ "$output" == *import*ls*inspect*rm*prune*commit*export* ]]
}
