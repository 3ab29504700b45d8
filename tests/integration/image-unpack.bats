#!/usr/bin/env bats
# The layer unpacker (img_unpack_layer, through tests/tools/unpack) on
# layers written by lib/mklayer.py: every entry type and its metadata,
# whiteouts checked through a real overlayfs mount, and hostile layers.
#
# Each hostile layer is unpacked into $T/box/root next to a sentinel tree
# ($T/box/outside, $T/escape) that must stay byte-identical: the layer's
# names are either contained (they land inside the root) or refused with an
# error naming the entry.  Nothing is ever written outside the root.

load lib/helpers

TOOLS=${TOOLS:-$(dirname "$JAULA")/tools}
MKLAYER="$ITEST_LIB/mklayer.py"

setup() {
	T=$BATS_TEST_TMPDIR
	ROOT=$T/box/root
	mkdir -p "$ROOT" "$T/box/outside/dir" "$T/escape" "$T/layers"
	echo sentinel >"$T/box/outside/file"
	echo sentinel >"$T/escape/file"
	ln -s file "$T/box/outside/link"
	HOST_CANARY=/jaula-unpack-escape-$$
	BEFORE=$(snapshot)
}

teardown() {
	cd / && umount "$T/merged" 2>/dev/null || true
}

# An empty root again (not rm + mkdir: that would change the sentinel box).
fresh_root() {
	find "$ROOT" -mindepth 1 -delete
}

# Everything under $T but the root and the layers: names, types, modes,
# owners, sizes, times, link targets, and the content of every file.
snapshot() {
	(
		cd "$T" || exit 1
		find . -path ./box/root -prune -o -path ./layers -prune -o \
			-printf '%y %m %U:%G %s %T@ %n %p -> %l\n' | sort
		find . -path ./box/root -prune -o -path ./layers -prune -o -type f -print0 |
			sort -z | xargs -0 sha256sum
	)
}

assert_outside_unchanged() {
	local after
	after=$(snapshot)
	if [ "$after" != "$BEFORE" ]; then
		diff <(echo "$BEFORE") <(echo "$after")
		echo "something outside the root changed"
		return 1
	fi
	[ ! -e "$HOST_CANARY" ] || { echo "$HOST_CANARY was created on the host"; return 1; }
}

# layer NAME [mklayer options] <<<JSON: $T/layers/NAME.tar
layer() {
	local name=$1
	shift
	python3 "$MKLAYER" "$@" "$T/layers/$name" || { echo "mklayer failed"; return 1; }
}

unpack() {
	run "$TOOLS/unpack" "$@"
}

# The layer was refused with an error naming entry $1.
assert_refused() {
	[ "$status" -eq 1 ] || { echo "status $status, want 1: $output"; return 1; }
	[[ "$output" == *"entry \"$1"* ]] || { echo "error does not name entry \"$1\": $output"; return 1; }
	[ "$(wc -l <<<"$output")" -eq 1 ] || { echo "error of more than one line: $output"; return 1; }
}

assert_ok() {
	[ "$status" -eq 0 ] || { echo "status $status: $output"; return 1; }
	[[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "no diff_id: $output"; return 1; }
}

xattr() { # FILE NAME: the value, or nothing
	python3 -c 'import os,sys
try: sys.stdout.buffer.write(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False))
except OSError: pass' "$1" "$2"
}

xattr_hex() {
	python3 -c 'import os,sys
try: print(os.getxattr(sys.argv[1], sys.argv[2], follow_symlinks=False).hex())
except OSError: pass' "$1" "$2"
}

# --- normal layers ---------------------------------------------------------------

@test "unpack: every entry type, with modes, owners and mtimes" {
	layer all.tar <<'EOF'
[{"name": "./", "type": "dir", "mode": "755", "mtime": "1600000000.5"},
 {"name": "bin/", "type": "dir", "mode": "750", "uid": 3, "gid": 4, "mtime": "1600000001.123456789"},
 {"name": "bin/su", "data": "#!/bin/sh\n", "mode": "4755", "mtime": "1600000002.987654321"},
 {"name": "bin/sg", "data": "x", "mode": "2711", "uid": 1000, "gid": 50},
 {"name": "tmp/", "type": "dir", "mode": "1777"},
 {"name": "etc/passwd", "type": "symlink", "link": "/usr/share/passwd", "uid": 7, "gid": 8, "mtime": "1500000000.25"},
 {"name": "dev/null", "type": "char", "major": 1, "minor": 3, "mode": "666"},
 {"name": "dev/sda", "type": "block", "major": 8, "minor": 1, "mode": "660", "gid": 6},
 {"name": "run/fifo", "type": "fifo", "mode": "620", "uid": 5},
 {"name": "empty", "data": "", "mode": "0"},
 {"name": "big", "size": 3000000}]
EOF
	unpack "$T/layers/all.tar" "$ROOT"
	assert_ok
	cd "$ROOT"
	[ "$(stat -c '%F %a %u:%g %.9Y' .)" = "directory 755 0:0 1600000000.500000000" ]
	[ "$(stat -c '%F %a %u:%g %.9Y' bin)" = "directory 750 3:4 1600000001.123456789" ]
	[ "$(stat -c '%F %a %u:%g %s %.9Y' bin/su)" = "regular file 4755 0:0 10 1600000002.987654321" ]
	[ "$(cat bin/su)" = "#!/bin/sh" ]
	[ "$(stat -c '%a %u:%g' bin/sg)" = "2711 1000:50" ]
	[ "$(stat -c '%F %a' tmp)" = "directory 1777" ]
	[ "$(stat -c '%F %u:%g %.9Y' etc/passwd)" = "symbolic link 7:8 1500000000.250000000" ]
	[ "$(readlink etc/passwd)" = /usr/share/passwd ]
	[ "$(stat -c '%F %t:%T %a' dev/null)" = "character special file 1:3 666" ]
	[ "$(stat -c '%F %t:%T %a %g' dev/sda)" = "block special file 8:1 660 6" ]
	[ "$(stat -c '%F %a %u' run/fifo)" = "fifo 620 5" ]
	[ "$(stat -c '%s %a' empty)" = "0 0" ]
	[ "$(stat -c %s big)" = 3000000 ]
	[ "$(tr -d '\0' <big | wc -c)" = 0 ]
	# parents the layer did not list are made 0755 root:root
	[ "$(stat -c '%F %a %u:%g' dev)" = "directory 755 0:0" ]
}

@test "unpack: the diff_id is the sha256 of the uncompressed tar, plain, gzip and zstd" {
	layer d.tar <<'EOF'
[{"name": "a/", "type": "dir"}, {"name": "a/f", "data": "hello"}, {"name": "b", "size": 70000}]
EOF
	want=sha256:$(sha256sum <"$T/layers/d.tar" | cut -d' ' -f1)
	[ "$(stat -c %s "$T/layers/d.tar")" -eq 81920 ] # tarfile pads to its record size
	gzip -k "$T/layers/d.tar"
	zstd -q "$T/layers/d.tar" -o "$T/layers/d.tar.zst"
	for f in d.tar d.tar.gz d.tar.zst; do
		fresh_root
		unpack "$T/layers/$f" "$ROOT"
		assert_ok
		[ "$output" = "$want" ] || { echo "$f: $output != $want"; false; }
		[ "$(cat "$ROOT/a/f")" = hello ]
	done
	# from a pipe too (no seeking, no size)
	fresh_root
	run bash -c "cat '$T/layers/d.tar.gz' | '$TOOLS/unpack' - '$ROOT'"
	[ "$output" = "$want" ]
}

@test "unpack: hardlinks stay hardlinks" {
	layer h.tar <<'EOF'
[{"name": "f", "data": "one inode", "mode": "4755"},
 {"name": "d/h1", "type": "hardlink", "link": "f"},
 {"name": "d/h2", "type": "hardlink", "link": "./f"},
 {"name": "l", "type": "symlink", "link": "f"},
 {"name": "hl", "type": "hardlink", "link": "l"}]
EOF
	unpack "$T/layers/h.tar" "$ROOT"
	assert_ok
	cd "$ROOT"
	[ "$(stat -c %i f)" = "$(stat -c %i d/h1)" ]
	[ "$(stat -c %i f)" = "$(stat -c %i d/h2)" ]
	[ "$(stat -c '%h %a' f)" = "3 4755" ]
	# a hardlink to a symlink is the symlink itself
	[ "$(stat -c '%F %i %h' hl)" = "symbolic link $(stat -c %i l) 2" ]
}

@test "unpack: xattrs are kept, overlayfs's own are dropped" {
	# security.capability v2: cap_net_raw in the permitted and effective sets
	layer x.tar <<'EOF'
[{"name": "f", "data": "x", "xattrs": {"trusted.k": "v", "user.k": "uv",
   "trusted.overlay.opaque": "y", "trusted.overlay.redirect": "/etc", "user.overlay.opaque": "y"},
  "xattrs_hex": {"security.capability": "0100000200200000000000000000000000000000"}},
 {"name": "d/", "type": "dir", "xattrs": {"trusted.overlay.opaque": "y", "trusted.d": "dv"}},
 {"name": "l", "type": "symlink", "link": "f", "xattrs": {"trusted.l": "lv"}},
 {"name": "p", "type": "fifo", "xattrs": {"trusted.p": "pv"}}]
EOF
	unpack "$T/layers/x.tar" "$ROOT"
	assert_ok
	cd "$ROOT"
	[ "$(xattr f trusted.k)" = v ]
	[ "$(xattr_hex f security.capability)" = 0100000200200000000000000000000000000000 ]
	[ -z "$(xattr f trusted.overlay.opaque)" ]
	[ -z "$(xattr f trusted.overlay.redirect)" ]
	[ -z "$(xattr f user.overlay.opaque)" ]
	[ -z "$(xattr d trusted.overlay.opaque)" ]
	[ "$(xattr d trusted.d)" = dv ]
	# on the symlink itself, not on f
	[ "$(xattr l trusted.l)" = lv ]
	[ -z "$(xattr f trusted.l)" ]
	[ "$(xattr p trusted.p)" = pv ]
	# user.* where the filesystem takes them (tmpfs since Linux 6.6)
	if python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.probe", b"1")' "$T/escape/file" 2>/dev/null; then
		python3 -c 'import os,sys; os.removexattr(sys.argv[1], "user.probe")' "$T/escape/file"
		[ "$(xattr f user.k)" = uv ]
	fi
}

@test "unpack: directory mtimes are set after their entries are written" {
	layer m.tar <<'EOF'
[{"name": "d/", "type": "dir", "mtime": "1000000000.000000001"},
 {"name": "d/e/", "type": "dir", "mtime": "1000000001"},
 {"name": "d/e/f", "data": "1"},
 {"name": "d/g", "type": "symlink", "link": "e"},
 {"name": "d/.wh.x"}]
EOF
	unpack "$T/layers/m.tar" "$ROOT"
	assert_ok
	[ "$(stat -c %.9Y "$ROOT/d")" = 1000000000.000000001 ]
	[ "$(stat -c %Y "$ROOT/d/e")" = 1000000001 ]
}

@test "unpack: whiteouts and opaque directories, as a real overlay mount sees them" {
	layer l1.tar <<'EOF'
[{"name": "a/keep", "data": "keep"}, {"name": "a/gone", "data": "gone"},
 {"name": "b/old1", "data": "1"}, {"name": "b/sub/old2", "data": "2"},
 {"name": "c/x", "data": "x"}, {"name": "e", "data": "e"}]
EOF
	layer l2.tar <<'EOF'
[{"name": "a/.wh.gone"}, {"name": "b/.wh..wh..opq"}, {"name": "b/new", "data": "new"},
 {"name": ".wh.c"}, {"name": ".wh.e"},
 {"name": ".wh..wh.plnk/123", "data": "aufs"}, {"name": "a/.wh..wh.aufs"}]
EOF
	mkdir "$T/l1" "$T/l2" "$T/merged"
	unpack "$T/layers/l1.tar" "$T/l1"
	assert_ok
	unpack "$T/layers/l2.tar" "$T/l2"
	assert_ok
	# the layer itself: overlayfs's format
	[ "$(stat -c '%F %t:%T' "$T/l2/a/gone")" = "character special file 0:0" ]
	[ "$(stat -c '%F %t:%T' "$T/l2/c")" = "character special file 0:0" ]
	[ "$(xattr "$T/l2/b" trusted.overlay.opaque)" = y ]
	[ ! -e "$T/l2/.wh..wh.plnk" ] && [ ! -e "$T/l2/a/.wh..wh.aufs" ] && [ ! -e "$T/l2/a/.wh.gone" ]
	mount -t overlay overlay -o "lowerdir=$T/l2:$T/l1" "$T/merged"
	cd "$T/merged"
	[ "$(cat a/keep)" = keep ]
	[ ! -e a/gone ]
	[ "$(ls -A b)" = new ]
	[ ! -e c ] && [ ! -e e ]
	[ "$(ls -A)" = "$(printf 'a\nb')" ]
}

@test "unpack: later entries win; a directory over a directory keeps its contents" {
	layer dup.tar <<'EOF'
[{"name": "f", "data": "first"}, {"name": "f", "data": "second"},
 {"name": "d/", "type": "dir", "mode": "700"}, {"name": "d/x", "data": "x"},
 {"name": "d/", "type": "dir", "mode": "751", "uid": 9},
 {"name": "s", "type": "symlink", "link": "one"}, {"name": "s", "type": "symlink", "link": "two"},
 {"name": "n", "type": "fifo"}, {"name": "n", "data": "file now"}]
EOF
	unpack "$T/layers/dup.tar" "$ROOT"
	assert_ok
	[ "$(cat "$ROOT/f")" = second ]
	[ "$(stat -c '%a %u' "$ROOT/d")" = "751 9" ]
	[ "$(cat "$ROOT/d/x")" = x ]
	[ "$(readlink "$ROOT/s")" = two ]
	[ "$(cat "$ROOT/n")" = "file now" ]
}

# --- hostile layers ------------------------------------------------------------------

@test "unpack hostile: ../ and absolute names land inside the root" {
	layer dots.tar <<EOF
[{"name": "../outside/pwned", "data": "x"},
 {"name": "../../escape/pwned", "data": "x"},
 {"name": "a/../../../outside/pwned2", "data": "x"},
 {"name": "$T/escape/pwned3", "data": "x"},
 {"name": "$HOST_CANARY", "data": "x"},
 {"name": "//..//.././/outside/dir/", "type": "dir", "mode": "777"}]
EOF
	unpack "$T/layers/dots.tar" "$ROOT"
	assert_ok
	assert_outside_unchanged
	[ -f "$ROOT/outside/pwned" ] && [ -f "$ROOT/escape/pwned" ] && [ -f "$ROOT/outside/pwned2" ]
	[ -f "$ROOT/$T/escape/pwned3" ] && [ -f "$ROOT/$HOST_CANARY" ]
	[ "$(stat -c %a "$ROOT/outside/dir")" = 777 ]
}

@test "unpack hostile: symlinks pointing out, then entries through them" {
	layer links.tar <<EOF
[{"name": "rel", "type": "symlink", "link": "../outside"},
 {"name": "abs", "type": "symlink", "link": "$T/escape"},
 {"name": "slash", "type": "symlink", "link": "/"},
 {"name": "deep", "type": "symlink", "link": "../../../../../../../../../../.."},
 {"name": "chain", "type": "symlink", "link": "rel"},
 {"name": "file", "type": "symlink", "link": "../outside/file"},
 {"name": "rel/pwned", "data": "x"},
 {"name": "rel/dir/", "type": "dir", "mode": "777"},
 {"name": "abs/file", "data": "overwritten?"},
 {"name": "abs/sub/deeper/pwned", "data": "x"},
 {"name": "slash${HOST_CANARY}", "data": "x"},
 {"name": "deep$T/escape/pwned", "data": "x"},
 {"name": "chain/pwned2", "data": "x"},
 {"name": "rel/link", "type": "hardlink", "link": "rel/pwned"},
 {"name": "rel/.wh.file"},
 {"name": "abs/.wh..wh..opq"}]
EOF
	unpack "$T/layers/links.tar" "$ROOT"
	assert_ok
	assert_outside_unchanged
	# where they landed: the links resolved as if the root were /
	[ -f "$ROOT/outside/pwned" ] && [ -f "$ROOT/outside/pwned2" ] && [ -d "$ROOT/outside/dir" ]
	[ "$(cat "$ROOT/$T/escape/file")" = "overwritten?" ]
	[ -f "$ROOT/$T/escape/sub/deeper/pwned" ] && [ -f "$ROOT/$T/escape/pwned" ]
	[ -f "$ROOT/$HOST_CANARY" ]
	[ "$(stat -c '%t:%T' "$ROOT/outside/file")" = 0:0 ]
	[ "$(xattr "$ROOT/$T/escape" trusted.overlay.opaque)" = y ]
	[ -z "$(xattr "$T/escape" trusted.overlay.opaque)" ]
}

@test "unpack hostile: an existing symlink at the name is replaced, never written through" {
	layer over.tar <<EOF
[{"name": "f", "type": "symlink", "link": "../outside/file"}, {"name": "f", "data": "replaced"},
 {"name": "g", "type": "symlink", "link": "$T/escape/file"}, {"name": "g", "data": "replaced"},
 {"name": "d", "type": "symlink", "link": "$T/escape"}, {"name": "d/", "type": "dir", "mode": "700"},
 {"name": "n", "type": "symlink", "link": "$T/escape/file"}, {"name": "n", "type": "fifo"},
 {"name": "s", "type": "symlink", "link": "$T/escape/file"}, {"name": "s", "type": "symlink", "link": "x"},
 {"name": "h", "type": "symlink", "link": "$T/escape/file"}, {"name": "h", "type": "hardlink", "link": "f"},
 {"name": "m", "type": "symlink", "link": "$T/escape/file"}, {"name": "m", "data": "x", "mode": "777",
  "uid": 1234, "mtime": "1"}]
EOF
	unpack "$T/layers/over.tar" "$ROOT"
	assert_ok
	assert_outside_unchanged
	[ "$(cat "$ROOT/f")" = replaced ] && [ "$(cat "$ROOT/g")" = replaced ]
	[ "$(stat -c '%F %a' "$ROOT/d")" = "directory 700" ]
	[ "$(stat -c %F "$ROOT/n")" = fifo ]
	[ "$(readlink "$ROOT/s")" = x ]
	[ "$(stat -c %i "$ROOT/h")" = "$(stat -c %i "$ROOT/f")" ]
	[ "$(stat -c '%F %a %u' "$ROOT/m")" = "regular file 777 1234" ]
}

@test "unpack hostile: a symlink named . (or naming the root) is refused" {
	layer dot.tar <<'EOF'
[{"name": ".", "type": "symlink", "link": "../outside"}, {"name": "pwned", "data": "x"}]
EOF
	unpack "$T/layers/dot.tar" "$ROOT"
	assert_refused .
	for name in ./ a/.. / ../..; do
		layer root.tar <<EOF
[{"name": "$name", "type": "symlink", "link": "$T/escape"}]
EOF
		unpack "$T/layers/root.tar" "$ROOT"
		assert_refused "$name"
		layer rootf.tar <<EOF
[{"name": "$name", "data": "x"}]
EOF
		unpack "$T/layers/rootf.tar" "$ROOT"
		assert_refused "$name"
	done
	assert_outside_unchanged
	[ -z "$(ls -A "$ROOT")" ]
}

@test "unpack hostile: a directory replaced by a file, a symlink, and back" {
	layer flip.tar <<EOF
[{"name": "d/", "type": "dir"}, {"name": "d/x", "data": "x"}, {"name": "d/sub/y", "data": "y"},
 {"name": "d", "data": "a file now"},
 {"name": "d/", "type": "dir"}, {"name": "d/z", "data": "z"},
 {"name": "e/", "type": "dir"}, {"name": "e/k", "data": "k"},
 {"name": "e", "type": "symlink", "link": "$T/escape"},
 {"name": "e/pwned", "data": "x"},
 {"name": "e/", "type": "dir"}, {"name": "e/in", "data": "in"}]
EOF
	unpack "$T/layers/flip.tar" "$ROOT"
	assert_ok
	assert_outside_unchanged
	[ "$(ls -A "$ROOT/d")" = z ]
	[ "$(ls -A "$ROOT/e")" = in ]
	[ -f "$ROOT/$T/escape/pwned" ]
}

@test "unpack hostile: hardlinks to ../../x and /abs resolve inside the root; missing targets are refused" {
	layer hl.tar <<EOF
[{"name": "etc/x", "data": "inside"},
 {"name": "h1", "type": "hardlink", "link": "/etc/x"},
 {"name": "h2", "type": "hardlink", "link": "../../etc/x"},
 {"name": "sub/h3", "type": "hardlink", "link": "../../../../etc/x"}]
EOF
	unpack "$T/layers/hl.tar" "$ROOT"
	assert_ok
	ino=$(stat -c %i "$ROOT/etc/x")
	[ "$(stat -c %i "$ROOT/h1")" = "$ino" ] && [ "$(stat -c %i "$ROOT/h2")" = "$ino" ]
	[ "$(stat -c '%i %h' "$ROOT/sub/h3")" = "$ino 4" ]
	for target in ../outside/file ../../box/outside/file "$T/escape/file" /etc/passwd nothing dir/nothing; do
		fresh_root
		layer miss.tar <<EOF
[{"name": "dir/", "type": "dir"}, {"name": "evil", "type": "hardlink", "link": "$target"}]
EOF
		unpack "$T/layers/miss.tar" "$ROOT"
		assert_refused evil
		[[ "$output" == *"is not in this layer"* ]]
	done
	assert_outside_unchanged
	[ "$(stat -c %h "$T/escape/file")" = 1 ] && [ "$(stat -c %h "$T/box/outside/file")" = 1 ]
}

@test "unpack hostile: a hardlink to a symlink that points out links the symlink" {
	layer hls.tar <<EOF
[{"name": "l", "type": "symlink", "link": "$T/escape/file"},
 {"name": "r", "type": "symlink", "link": "../outside/file"},
 {"name": "h", "type": "hardlink", "link": "l"},
 {"name": "d/h2", "type": "hardlink", "link": "/r"},
 {"name": "via", "type": "symlink", "link": "$T/escape"},
 {"name": "h3", "type": "hardlink", "link": "via/file"}]
EOF
	unpack "$T/layers/hls.tar" "$ROOT"
	# "via/file" is root/$T/escape/file: not in this layer
	assert_refused h3
	assert_outside_unchanged
	[ "$(stat -c '%F %h' "$ROOT/h")" = "symbolic link 2" ]
	[ "$(stat -c '%F %i' "$ROOT/d/h2")" = "symbolic link $(stat -c %i "$ROOT/r")" ]
	[ "$(stat -c %h "$T/escape/file")" = 1 ]
}

@test "unpack hostile: bare .wh. and .wh.. are refused, whiteouts stay in their directory" {
	for name in .wh. .wh.. a/.wh... .wh./ ../.wh..; do
		layer wh.tar <<EOF
[{"name": "$name"}]
EOF
		unpack "$T/layers/wh.tar" "$ROOT"
		assert_refused "$name"
	done
	layer wh2.tar <<'EOF'
[{"name": "../.wh.outside"}, {"name": ".wh.../outside/.wh.file"}, {"name": "a/.wh.b/.wh.c"}]
EOF
	unpack "$T/layers/wh2.tar" "$ROOT"
	assert_ok
	assert_outside_unchanged
	[ "$(stat -c '%F %t:%T' "$ROOT/outside")" = "character special file 0:0" ]
	[ "$(stat -c '%F %t:%T' "$ROOT/.wh.../outside/file")" = "character special file 0:0" ]
	[ "$(stat -c '%F' "$ROOT/a/.wh.b/c")" = "character special file" ]
}

@test "unpack hostile: device nodes are made inside the root only" {
	layer dev.tar <<EOF
[{"name": "dev/mem", "type": "char", "major": 1, "minor": 1, "mode": "666"},
 {"name": "../outside/sda", "type": "block", "major": 8, "minor": 0},
 {"name": "lnk", "type": "symlink", "link": "$T/escape"},
 {"name": "lnk/kmsg", "type": "char", "major": 1, "minor": 11},
 {"name": "lnk/file", "type": "fifo"}]
EOF
	unpack "$T/layers/dev.tar" "$ROOT"
	assert_ok
	assert_outside_unchanged
	[ "$(stat -c '%F %t:%T %a' "$ROOT/dev/mem")" = "character special file 1:1 666" ]
	[ "$(stat -c '%F %t:%T' "$ROOT/outside/sda")" = "block special file 8:0" ]
	[ "$(stat -c '%t:%T' "$ROOT/$T/escape/kmsg")" = 1:b ]
	[ "$(stat -c %F "$ROOT/$T/escape/file")" = fifo ]
}

@test "unpack hostile: names with NUL, over PATH_MAX, and entries that are their own parent" {
	# a NUL ends the name (libarchive reads pax values as C strings): "x"
	layer nul.tar <<'EOF'
[{"name": "ignored", "pax": {"path": "x\u0000/../../outside/file"}, "data": "x"}]
EOF
	unpack "$T/layers/nul.tar" "$ROOT"
	assert_ok
	[ "$(cat "$ROOT/x")" = x ]
	long=$(printf 'd/%.0s' $(seq 2100))f
	layer long.tar <<EOF
[{"name": "$long", "data": "x"}]
EOF
	unpack "$T/layers/long.tar" "$ROOT"
	assert_refused d/d/d/d
	[[ "$output" == *"too long"* ]]
	comp=$(printf 'c%.0s' $(seq 300))
	layer comp.tar <<EOF
[{"name": "$comp", "data": "x"}]
EOF
	unpack "$T/layers/comp.tar" "$ROOT"
	assert_refused ccc
	longlink=$(printf 'l/%.0s' $(seq 2100))
	layer longlink.tar <<EOF
[{"name": "s", "type": "symlink", "link": "$longlink"}]
EOF
	unpack "$T/layers/longlink.tar" "$ROOT"
	assert_refused s
	layer self.tar <<'EOF'
[{"name": "h", "type": "hardlink", "link": "h"}]
EOF
	unpack "$T/layers/self.tar" "$ROOT"
	assert_refused h
	layer self2.tar <<'EOF'
[{"name": "d/", "type": "dir"}, {"name": "d/f", "type": "hardlink", "link": "d/f/.."}]
EOF
	unpack "$T/layers/self2.tar" "$ROOT"
	assert_refused d/f
	layer self3.tar <<'EOF'
[{"name": "d/", "type": "dir"}, {"name": "d/e/..", "type": "symlink", "link": "/"}]
EOF
	unpack "$T/layers/self3.tar" "$ROOT"
	assert_ok
	[ "$(readlink "$ROOT/d")" = / ]
	assert_outside_unchanged
}

@test "unpack hostile: a gzip bomb stops at the byte cap" {
	layer bomb.tar --gzip <<'EOF'
[{"name": "zeros", "size": 67108864}]
EOF
	[ "$(stat -c %s "$T/layers/bomb.tar")" -lt 200000 ]
	JAULA_MAX_LAYER_BYTES=1048576 run "$TOOLS/unpack" "$T/layers/bomb.tar" "$ROOT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"more than 1048576 bytes"* ]]
	unpack --max-bytes 2000000 "$T/layers/bomb.tar" "$ROOT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"more than 2000000 bytes"* ]]
	# what was written so far stays below the cap (the caller discards it)
	[ "$(du -sb "$ROOT" | cut -f1)" -le 2000000 ]
	assert_outside_unchanged
}

@test "unpack hostile: truncated gzip, a corrupt header and trailing data are clean errors" {
	layer t.tar <<'EOF'
[{"name": "a", "size": 200000}, {"name": "b", "data": "b"}]
EOF
	gzip -k "$T/layers/t.tar"
	head -c $(($(stat -c %s "$T/layers/t.tar.gz") / 2)) "$T/layers/t.tar.gz" >"$T/layers/cut.tar.gz"
	unpack "$T/layers/cut.tar.gz" "$ROOT"
	[ "$status" -eq 1 ]
	[[ "$output" == "unpack: layer cut.tar.gz: "* ]]
	[ "$(wc -l <<<"$output")" -eq 1 ]
	head -c 100000 "$T/layers/t.tar" >"$T/layers/cut.tar"
	unpack "$T/layers/cut.tar" "$ROOT"
	assert_refused a
	layer bad.tar --corrupt-header 1 <<'EOF'
[{"name": "a", "data": "a"}, {"name": "b", "data": "b"}]
EOF
	unpack "$T/layers/bad.tar" "$ROOT"
	[ "$status" -eq 1 ]
	[[ "$output" == *'after entry "a"'* ]]
	layer trail.tar --trailer "not zeros" <<'EOF'
[{"name": "a", "data": "a"}]
EOF
	unpack "$T/layers/trail.tar" "$ROOT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"data after the end of the archive"* ]]
	printf 'not a tar at all, not even compressed' >"$T/layers/junk"
	unpack "$T/layers/junk" "$ROOT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a tar archive"* ]]
	assert_outside_unchanged
}
