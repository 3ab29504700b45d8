#!/bin/sh
# Install the Debian packages given as arguments that are not installed yet.
# Idempotent: with everything present it only runs dpkg-query.
#
#   tests/deps.sh PKG...                  install the missing packages
#   tests/deps.sh --static-libmnl DIR     build DIR/lib/libmnl.a (see below)
set -eu

# Debian ships libmnl without a static library (bookworm's libmnl-dev has
# only the .so), and libnftnl.a needs it; the runtime is linked static-pie
# (every container start execs it twice, see the Makefile), so make a
# libmnl.a in DIR/lib -- only the .a, nothing is installed on the system:
#  1. from Debian's own source package (`apt-get source libmnl`: the same
#     version and patches as the installed .so), built with its own
#     configure and make.  apt-get source needs deb-src lines: when the apt
#     sources have none, one deb822 file for bookworm's repositories is
#     added under /etc/apt/sources.list.d/;
#  2. where the archive serves no source tarballs (the development hosts'
#     mirror answers 404 for libmnl's), from Debian's next release, whose
#     libmnl-dev (1.0.5, ABI-compatible with bookworm's 1.0.4 headers) is
#     built --enable-static: fetched with apt-get download through a private
#     apt configuration under DIR/apt (its own sources, lists and cache, so
#     the system's apt never sees trixie), unpacked with dpkg-deb.  Its
#     objects need only glibc symbols bookworm has (checked with nm).
static_libmnl_from_source() {
	dir=$1
	if ! grep -Rqs -e '^deb-src ' -e '^Types:.*deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		echo "deps: adding deb-src for bookworm in /etc/apt/sources.list.d/jaula-deb-src.sources"
		cat >/etc/apt/sources.list.d/jaula-deb-src.sources <<'SRC'
# Added by jaula's `make deps` (tests/deps.sh): `apt-get source libmnl`
# builds the static libmnl.a the runtime links.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
		apt-get update -qq || return 1
	fi
	src=$dir/src/libmnl
	rm -rf "$src"
	mkdir -p "$src"
	chmod 755 "$src" # apt fetches as its unprivileged _apt user where it can
	(cd "$src" && apt-get source -qq libmnl >/dev/null 2>&1) || return 1
	top=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name 'libmnl-*' | head -n 1)
	[ -n "$top" ] || return 1
	# PIC objects: the runtime is a static-pie executable.
	(cd "$top" && ./configure -q --enable-static --disable-shared --with-pic \
		CFLAGS='-O2 -g' >/dev/null && make -s >/dev/null 2>&1) || return 1
	cp "$top/src/.libs/libmnl.a" "$dir/lib/libmnl.a.tmp"
}

static_libmnl_from_next_release() {
	dir=$1
	apt=$dir/apt
	rm -rf "$apt"
	mkdir -p "$apt/parts" "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/x"
	cat >"$apt/parts/trixie.sources" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	: >"$apt/none.list"
	set -- -o Dir::Etc::SourceList="$apt/none.list" -o Dir::Etc::SourceParts="$apt/parts" \
		-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o APT::Get::List-Cleanup=0
	chmod 777 "$apt" # apt downloads as _apt
	apt-get "$@" update -qq >/dev/null || return 1
	(cd "$apt" && apt-get "$@" download -qq libmnl-dev/trixie >/dev/null) || return 1
	dpkg-deb -x "$apt"/libmnl-dev_*.deb "$apt/x" || return 1
	cp "$apt"/x/usr/lib/*/libmnl.a "$dir/lib/libmnl.a.tmp" || return 1
	rm -rf "$apt"
}

static_libmnl() {
	mkdir -p "$1"
	dir=$(cd "$1" && pwd)
	[ -f "$dir/lib/libmnl.a" ] && return 0
	"$0" dpkg-dev build-essential # dpkg-source unpacks what apt-get source fetched
	mkdir -p "$dir/lib"
	echo "deps: making libmnl.a (Debian ships none) in $dir/lib"
	if static_libmnl_from_source "$dir"; then
		echo "deps: libmnl.a built from Debian's source package"
	elif static_libmnl_from_next_release "$dir"; then
		echo "deps: no libmnl source tarball on this mirror; libmnl.a taken from trixie's libmnl-dev"
	else
		echo "deps: could not make libmnl.a; the runtime will be linked dynamically" >&2
		rm -rf "$dir/src" "$dir/apt"
		return 0
	fi
	rm -rf "$dir/src"
	mv "$dir/lib/libmnl.a.tmp" "$dir/lib/libmnl.a"
}

if [ "${1:-}" = --static-libmnl ]; then
	static_libmnl "${2:?usage: deps.sh --static-libmnl DIR}"
	exit 0
fi

missing=""
for p in "$@"; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
