# The runtimes under test and how to call them (sourced).  Needs
# $JAULA, $BENCH_WORK (the tmpfs work dir) and $BENCH_RUN_TAG.
#
# Columns, in the order every round runs them: jaula as it is used by
# default (cgroupfs), jaula without cgroups (the same terms crun gets),
# crun, runc, and the floor (what the kernel needs for the same namespaces:
# `unshare ... chroot`), which is not a runtime and is handled by each figure.
RUNTIMES=(jaula jaula-nocg crun runc)
COLUMNS=("${RUNTIMES[@]}" floor)
declare -A COLUMN_TITLE=(
	[jaula]="jaula" [jaula-nocg]="jaula (no cgroup)" [crun]="crun" [runc]="runc" [floor]="floor"
)
# Container ids carry the harness's pid, so cleanup finds only ours.
BENCH_RUN_TAG=${BENCH_RUN_TAG:-jb$$}
BENCH_SEQ=0

# RT_ARGV=(the runtime's command with its global options).  Each runtime has
# its own state root.  crun 1.8 cannot create cgroups here (it needs
# CAP_SYS_RESOURCE for RLIMIT_MEMLOCK before loading its device filter), so
# it runs with --cgroup-manager=disabled: see RESULTS.md's conditions.
rt_argv() {
	local st=$BENCH_WORK/state/$1
	case $1 in
	jaula) RT_ARGV=("$JAULA" --root "$st") ;;
	jaula-nocg) RT_ARGV=("$JAULA" --cgroup-manager=disabled --root "$st") ;;
	crun) RT_ARGV=(crun --cgroup-manager=disabled --root "$st") ;;
	runc) RT_ARGV=(runc --root "$st") ;;
	*) return 1 ;;
	esac
}

# A fresh container id (sets CTR_ID; no subshell, so the counter holds).
new_id() {
	BENCH_SEQ=$((BENCH_SEQ + 1))
	CTR_ID=$BENCH_RUN_TAG-$BENCH_SEQ
}

rt_delete_all() {
	rt_argv "$1" || return 0
	local id
	for id in $("${RT_ARGV[@]}" list -q 2>/dev/null); do
		"${RT_ARGV[@]}" delete -f "$id" >/dev/null 2>&1
	done
}

# Cgroups a failed or interrupted run left: jaula's under /jaula/, runc's at
# the top (its default for an empty cgroupsPath), only with our tag.
cg_cleanup() {
	local c try
	for c in /sys/fs/cgroup/"$BENCH_RUN_TAG"-* /sys/fs/cgroup/*/"$BENCH_RUN_TAG"-*; do
		[ -d "$c" ] || continue
		echo 1 >"$c/cgroup.kill" 2>/dev/null
		for try in 1 2 3 4 5 6 7 8 9 10; do
			rmdir "$c" 2>/dev/null && break
			sleep 0.05
		done
	done
}

# make_bundle DIR CMD ARGS...: `runc spec` with terminal false, the shared
# rootfs and ociVersion 1.0.2 (crun 1.8 rejects newer versions, runc's own
# "1.0.2-dev" included).  Every runtime gets the very same config.json.
make_bundle() {
	local dir=$1
	shift
	mkdir -p "$dir" && (cd "$dir" && runc spec) || return 1
	jq --arg root "$ROOTFS" '.ociVersion = "1.0.2" | .process.terminal = false
		| .root.path = $root | .process.args = $ARGS.positional' \
		"$dir/config.json" --args -- "$@" >"$dir/config.new" &&
		mv "$dir/config.new" "$dir/config.json"
}

# The floor for exec: a process in fresh namespaces chrooted into the rootfs,
# to enter with nsenter.  FLOOR_PID is the sleeper inside.
FLOOR_UNSHARE=''
FLOOR_PID=''
floor_target_start() {
	[ -n "$FLOOR_PID" ] && return 0
	unshare -m -u -i -n -p -f chroot "$ROOTFS" sleep 1000000 </dev/null >/dev/null 2>&1 &
	FLOOR_UNSHARE=$!
	local try
	for try in $(seq 50); do
		FLOOR_PID=$(cat "/proc/$FLOOR_UNSHARE/task/$FLOOR_UNSHARE/children" 2>/dev/null)
		FLOOR_PID=${FLOOR_PID%% *}
		# unshare forks, the child execs chroot, chroot execs busybox.
		case $(readlink "/proc/${FLOOR_PID:-0}/exe" 2>/dev/null) in
		*/busybox) return 0 ;;
		esac
		sleep 0.02
	done
	return 1
}

floor_target_stop() {
	[ -n "$FLOOR_PID" ] && kill -KILL "$FLOOR_PID" 2>/dev/null
	[ -n "$FLOOR_UNSHARE" ] && wait "$FLOOR_UNSHARE" 2>/dev/null
	FLOOR_PID='' FLOOR_UNSHARE=''
}
