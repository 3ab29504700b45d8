# The figures (sourced).  Each `fig_KEY COLUMN` sets SAMPLE; see harness.sh.
# Adding one: write fig_KEY (and hooks if it needs a running container),
# then one `figure` line at the bottom.  Figures 7 (images) and 8 (networks)
# compare jaula with other peers (umoci, podman, CNI): lib/peers.sh, keys
# img_import img_run img_size net_setup net_run, in the second table.
# shellcheck source=harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	BENCH_N=${BENCH_N:-5}
	BENCH_WARMUP=${BENCH_WARMUP:-1}
fi
BENCH_N=${BENCH_N:-150}
BENCH_WARMUP=${BENCH_WARMUP:-3}
BENCH_PAR=${BENCH_PAR:-100}
# 100 parallel runc containers take seconds a round: fewer rounds.
BENCH_PAR_ROUNDS=${BENCH_PAR_ROUNDS:-$((BENCH_N / 10 > 2 ? BENCH_N / 10 : 2))}
DRV=$BENCH_OUT/benchexec
BUNDLE=$BENCH_WORK/bundle
FLOOR_CMD=(unshare -m -u -i -n -p -f chroot "$ROOTFS" /bin/true)

# ns → ms with microsecond resolution, in bash arithmetic.
ns_to_ms() {
	printf '%d.%03d' $(($1 / 1000000)) $((($1 / 1000) % 1000))
}

# time_cmd CMD... [--then CMD...]: one wall-clock sample of the chain.
time_cmd() {
	local ns
	ns=$("$DRV" -- "$@") || return 1
	SAMPLE=$(ns_to_ms "$ns")
}

# time_cmd_in FILE CMD...: the same with FILE as the command's stdin.
time_cmd_in() {
	local ns in=$1
	shift
	ns=$("$DRV" -i "$in" -- "$@") || return 1
	SAMPLE=$(ns_to_ms "$ns")
}

# rss_cmd CMD...: peak RSS in KiB as GNU time reports it (wait4's
# ru_maxrss: the largest of the process, across its execve()s, and of every
# descendant it waited for).
rss_cmd() { rss_cmd_in /dev/null "$@"; }

# rss_cmd_in FILE CMD...: the same with FILE as the command's stdin.
rss_cmd_in() {
	local f=$BENCH_WORK/rss.out in=$1
	shift
	/usr/bin/time -f %M -o "$f" "$@" <"$in" >/dev/null || return 1
	SAMPLE=$(tail -n 1 "$f")
}

# --- 1. run /bin/true ------------------------------------------------------
fig_run() {
	[ "$1" = floor ] && { time_cmd "${FLOOR_CMD[@]}"; return; }
	rt_argv "$1" && new_id
	time_cmd "${RT_ARGV[@]}" run -b "$BUNDLE" "$CTR_ID"
}

# --- 2. create + start + delete (youki's benchmark shape) -------------------
# delete -f: `true` may not have exited when start returns, and a plain
# delete of a running container fails; -f costs nothing once it has exited.
fig_csd() {
	[ "$1" = floor ] && { time_cmd "${FLOOR_CMD[@]}"; return; }
	rt_argv "$1" && new_id
	time_cmd "${RT_ARGV[@]}" create -b "$BUNDLE" "$CTR_ID" \
		--then "${RT_ARGV[@]}" start "$CTR_ID" \
		--then "${RT_ARGV[@]}" delete -f "$CTR_ID"
}

# --- 3. N containers started at once ----------------------------------------
# The sample is the wall time until all have exited; failures go to a side
# file (the "failed containers" row) and never stop the benchmark.
fig_par() {
	local out argv
	if [ "$1" = floor ]; then
		argv=("${FLOOR_CMD[@]}")
	else
		rt_argv "$1" && new_id
		argv=("${RT_ARGV[@]}" run -b "$BUNDLE" "$CTR_ID-%i")
	fi
	out=$("$DRV" -p "$BENCH_PAR" -- "${argv[@]}")
	[ -n "$out" ] || return 1
	SAMPLE=$(ns_to_ms "${out% *}")
	echo "${out#* }" >>"$(samples_file par_fail "$1")"
	[ "${out#* }" = 0 ] || rt_delete_all "$1"
}
fig_par_setup() {
	local rt
	for rt in "${COLUMNS[@]}"; do : >"$(samples_file par_fail "$rt")"; done
}

# --- 4. exec /bin/true into a running container -----------------------------
declare -A EXEC_TARGET=()
fig_exec_setup() {
	local rt
	floor_target_start || return 1
	for rt in "${RUNTIMES[@]}"; do
		rt_argv "$rt" && new_id
		"${RT_ARGV[@]}" create -b "$BENCH_WORK/bundle-sleep" "$CTR_ID" </dev/null >/dev/null \
			2>>"$(log_file "exec-target.$rt")" &&
			"${RT_ARGV[@]}" start "$CTR_ID" 2>>"$(log_file "exec-target.$rt")" &&
			EXEC_TARGET[$rt]=$CTR_ID
	done
	return 0
}
fig_exec_teardown() {
	local rt
	for rt in "${!EXEC_TARGET[@]}"; do
		rt_argv "$rt" && "${RT_ARGV[@]}" delete -f "${EXEC_TARGET[$rt]}" >/dev/null 2>&1
	done
	EXEC_TARGET=()
	floor_target_stop
}
# jaula's exec is being written: its column says so until `exec --help`
# exists and one exec works.
fig_exec_available() {
	[ "$1" = floor ] && return 0
	if [ "${1%%-*}" = jaula ] && ! "$JAULA" exec --help >/dev/null 2>&1; then
		NA_REASON="n/a (not yet)"
		return 1
	fi
	[ -n "${EXEC_TARGET[$1]:-}" ] || { NA_REASON="n/a (target failed)"; return 1; }
	rt_argv "$1"
	"${RT_ARGV[@]}" exec "${EXEC_TARGET[$1]}" /bin/true </dev/null >/dev/null 2>&1 && return 0
	NA_REASON="n/a (not yet)"
	[ "${1%%-*}" = jaula ] || NA_REASON="n/a (exec failed)"
	return 1
}
fig_exec() {
	if [ "$1" = floor ]; then
		time_cmd nsenter -t "$FLOOR_PID" -m -u -i -n -p -r -w /bin/true
		return
	fi
	rt_argv "$1"
	time_cmd "${RT_ARGV[@]}" exec "${EXEC_TARGET[$1]}" /bin/true
}

# --- 5. peak RSS of the runtime process -------------------------------------
fig_rss_run() {
	[ "$1" = floor ] && { rss_cmd "${FLOOR_CMD[@]}"; return; }
	rt_argv "$1" && new_id
	rss_cmd "${RT_ARGV[@]}" run -b "$BUNDLE" "$CTR_ID"
}
fig_rss_exec_setup() { fig_exec_setup; }
fig_rss_exec_teardown() { fig_exec_teardown; }
fig_rss_exec_available() { fig_exec_available "$1"; }
fig_rss_exec() {
	if [ "$1" = floor ]; then
		rss_cmd nsenter -t "$FLOOR_PID" -m -u -i -n -p -r -w /bin/true
		return
	fi
	rt_argv "$1"
	rss_cmd "${RT_ARGV[@]}" exec "${EXEC_TARGET[$1]}" /bin/true
}

# --- 6. smallest memory.max for `run echo ok`, in the QEMU guest ----------
# One guest boot (fig_memmax_setup) bisects twice per runtime: a round is
# one bisection; see tests/bench/vm/.
# shellcheck source=../vm/host.bash
. "$(dirname "${BASH_SOURCE[0]}")/../vm/host.bash"

# --- the table, in order ------------------------------------------------------
figure run "$BENCH_N" ms "1. run /bin/true, sequential"
figure csd "$BENCH_N" ms "2. create + start + delete -f"
figure par "$BENCH_PAR_ROUNDS" ms "3. $BENCH_PAR containers in parallel: wall"
derived par_tput par "ctr/s" "3. $BENCH_PAR in parallel: throughput (higher is better)" \
	"$BENCH_PAR * 1000 / v"
count_row par_fail par "3. $BENCH_PAR in parallel: failed containers (all rounds)"
figure exec "$BENCH_N" ms "4. exec /bin/true"
figure rss_run "$BENCH_N" KiB "5. peak RSS, run"
figure rss_exec "$BENCH_N" KiB "5. peak RSS, exec"
figure memmax 2 KiB "6. smallest memory.max for run echo ok (QEMU guest, bisection)"
# 7. images and 8. networks: their own table (jaula against its peers)
# shellcheck source=peers.sh
. "$(dirname "${BASH_SOURCE[0]}")/peers.sh"
