#!/usr/bin/env bats
# `jaula spec` and the config parser meeting the tools people edit configs
# with: the default config goes through jq (1.6 reads every number as a
# double) and still runs; and the parser's files keep their layers.

load lib/helpers

# 2^53: the first integer a double cannot tell from its neighbour.
EXACT_MAX=9007199254740992

# spec_into DIR [--rootless]: a fresh `jaula spec` in DIR.
spec_into() {
	local dir=$1
	shift
	mkdir -p "$dir"
	rm -f "$dir/config.json"
	"$JAULA" spec -b "$dir" "$@"
}

@test "jaula spec: every number is an integer a double holds exactly" {
	for flags in "" --rootless; do
		spec_into "$BATS_TEST_TMPDIR/spec" $flags
		run jq --argjson max "$EXACT_MAX" \
			'[.. | numbers] | all(. >= 0 and . < $max and . == floor)' \
			"$BATS_TEST_TMPDIR/spec/config.json"
		[ "$status" -eq 0 ]
		[ "$output" = true ] || { echo "jaula spec $flags: a number jq cannot keep"; false; }
	done
}

@test "jaula spec: a jq round trip changes no number" {
	spec_into "$BATS_TEST_TMPDIR/spec"
	local orig=$BATS_TEST_TMPDIR/spec/config.json
	jq . "$orig" >"$BATS_TEST_TMPDIR/rt.json"
	# jq keeps member order, so the numbers line up one for one; a rounded
	# one would come back as e.g. 1.8446744073709552e+19.
	diff <(grep -oE '[0-9][0-9.eE+]*' "$orig") \
		<(grep -oE '[0-9][0-9.eE+]*' "$BATS_TEST_TMPDIR/rt.json")
	# the seccomp profile is still there, whole
	[ "$(jq '.linux.seccomp.syscalls | length' "$orig")" = \
		"$(jq '.linux.seccomp.syscalls | length' "$BATS_TEST_TMPDIR/rt.json")" ]
	[ "$(jq '[.linux.seccomp.syscalls[] | select(.names == ["personality"])] | length' \
		"$BATS_TEST_TMPDIR/rt.json")" -gt 0 ]
}

@test "jaula spec, edited with jq, runs as it is" {
	spec_into "$BUNDLE"
	# What a person would do: point root at a rootfs, pick a command.
	# terminal goes off only because bats has no terminal to give it.
	jq --arg root "$ROOTFS" '.root.path = $root | .process.terminal = false
		| .process.args = ["sh", "-c", "echo inside; grep ^Seccomp: /proc/self/status; linux32 true && linux64 true && echo personality-ok"]' \
		"$BUNDLE/config.json" >"$BUNDLE/config.json.new"
	mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
	run jaula run -b "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *inside* ]]
	# the round-tripped profile is loaded: filter mode
	[[ "$output" == *"Seccomp:"*2* ]]
	# PER_LINUX32 and PER_LINUX stay allowed by the personality rules
	[[ "$output" == *personality-ok* ]]
	assert_gone "$ID"
}

@test "jaula spec, edited with jq, still denies what it denied" {
	spec_into "$BUNDLE"
	# CAP_SYS_ADMIN makes the kernel allow both calls in the container's
	# own namespaces: only the seccomp profile can still refuse them.
	jq --arg root "$ROOTFS" '.root.path = $root | .process.terminal = false
		| .process.args = ["sh", "-c", "mount -t tmpfs none /tmp && echo mounted; unshare -U true && echo userns; echo done"]
		| .process.capabilities[] += ["CAP_SYS_ADMIN"]' \
		"$BUNDLE/config.json" >"$BUNDLE/config.json.new"
	mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
	run jaula run -b "$BUNDLE" "$ID"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *done* ]]
	[[ "$output" != *mounted* ]]
	[[ "$output" != *userns* ]]
	[[ "$output" == *"Operation not permitted"* ]]
}

# The config parser reads top-down (runtime/spec_internal.h): spec.c, then
# the section parsers, then the readers of spec_read.h.  Checked on the
# object files of the build JAULA comes from; another runtime has none.
@test "config parser layers: no file calls a layer above it, no section calls a peer" {
	local objdir
	objdir=$(dirname "$JAULA")/obj/runtime
	[ -e "$objdir/spec.o" ] && [ -e "$objdir/spec_read.o" ] ||
		skip "no jaula object files next to $JAULA"
	command -v nm >/dev/null || skip "nm (binutils) is not installed"
	# rank: a file may only call files of a lower rank.  spec_linux.c owns
	# resources and seccomp; every other section is a leaf.
	rank() {
		case $1 in
		spec) echo 4 ;;
		spec_linux) echo 3 ;;
		spec_read_shared) echo 1 ;;
		spec_read) echo 0 ;;
		*) echo 2 ;;
		esac
	}
	local o f g sym bad=0
	declare -A owner
	for o in "$objdir"/spec*.o; do
		f=$(basename "$o" .o)
		[ "$f" = spec_default ] && continue # writes configs, parses none
		for sym in $(nm --defined-only -g "$o" | awk '{print $3}'); do
			owner[$sym]=$f
		done
	done
	for o in "$objdir"/spec*.o; do
		f=$(basename "$o" .o)
		[ "$f" = spec_default ] && continue
		for sym in $(nm -u "$o" | awk '{print $2}'); do
			g=${owner[$sym]:-}
			[ -n "$g" ] && [ "$g" != "$f" ] || continue
			if [ "$(rank "$g")" -ge "$(rank "$f")" ]; then
				echo "$f.c calls $sym of $g.c"
				bad=1
			fi
		done
	done
	[ "$bad" -eq 0 ]
}
