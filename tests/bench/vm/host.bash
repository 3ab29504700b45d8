# Figure 6 on the host side (sourced by tests/bench/lib/figures.sh): boot the QEMU
# guest of tests/vm once with the guest script of this directory (60-memmax.sh),
# which bisects memory.max for jaula, crun and runc, and turn its "# memmax ..."
# lines into one sample per runtime and round.  Not a *.sh file, so tests/vm/run.sh never
# takes it for a guest script.
#
# Why a VM: memory.max needs the memory controller on cgroup2, which the hosts
# keep on v1 (their cgroup2 has only hugetlb).
#   BENCH_MEMMAX_TIMEOUT  seconds for the whole guest run (default 420)
# shellcheck shell=bash disable=SC2034 # SAMPLE, NA_REASON: read by lib/harness.sh

declare -A MEMMAX=()      # MEMMAX[RT.ROUND] = smallest passing memory.max in KiB
declare -A MEMMAX_NA=()   # MEMMAX_NA[RT] = why there is no number
declare -A MEMMAX_CALLS=() # fig_memmax calls per column, warm-up rounds included
MEMMAX_LINES=''           # the guest's memmax-* lines, for the conditions
MEMMAX_GUEST=''           # kernel and controllers the guest reported
MEMMAX_SECONDS=0

memmax_tap() { echo "$BENCH_OUT/log/memmax.tap"; }

fig_memmax_setup() {
	local tap start=$SECONDS rt round kib status line
	tap=$(memmax_tap)
	MEMMAX=() MEMMAX_NA=() MEMMAX_CALLS=()
	# Runs inside run.sh's private namespaces: fine for qemu, which needs no
	# network; the kernel .deb is cached in build/vm/cache by any earlier run.
	# One vCPU: with two, the same limit passes or fails at random over a
	# ~100 KiB band (charges cached per CPU by the memory controller are
	# drained asynchronously from the other CPU when the limit is hit).
	JAULA=$JAULA VM_GUEST_DIR=$BENCH_TOP/tests/bench/vm VM_EXTRA_BINS="crun runc jq" VM_SMP=1 \
		VM_TIMEOUT=${BENCH_MEMMAX_TIMEOUT:-420} "$BENCH_TOP/tests/vm/run.sh" \
		>"$tap" 2>"$(log_file memmax-vm)"
	MEMMAX_SECONDS=$((SECONDS - start))
	MEMMAX_GUEST=$(sed -n 's/^# memmax-guest //p' "$tap" | head -n 1)
	MEMMAX_LINES=$(grep '^# memmax' "$tap")
	while read -r line; do
		rt=$(memmax_field rt "$line") kib=$(memmax_field kib "$line") status=$(memmax_field status "$line")
		round=$(memmax_field round "$line")
		case $status in
		found) MEMMAX[$rt.$round]=$kib ;;
		below-lo) MEMMAX_NA[$rt]="≤ $kib (passes at the bottom of the range)" ;;
		above-hi) MEMMAX_NA[$rt]="> $kib (fails at the top of the range)" ;;
		esac
	done < <(grep '^# memmax rt=' "$tap")
	echo "bench: memory.max bisection in the guest took ${MEMMAX_SECONDS}s" \
		"($(grep -c '^ok' "$tap") ok, $(grep -c '^not ok' "$tap") not ok; $tap)" >&2
	[ ${#MEMMAX[@]} -gt 0 ] || [ ${#MEMMAX_NA[@]} -gt 0 ]
}

# memmax_field KEY LINE: the value of KEY=VALUE (no blanks) in LINE.
memmax_field() {
	local w ws
	read -ra ws <<<"$2"
	for w in "${ws[@]}"; do
		case $w in "$1"=*) echo "${w#*=}"; return ;; esac
	done
}

fig_memmax_available() {
	case $1 in
	jaula | crun | runc) ;;
	*)
		NA_REASON="n/a"
		return 1
		;;
	esac
	[ -n "${MEMMAX[$1.1]:-}${MEMMAX[$1.2]:-}" ] && return 0
	NA_REASON=${MEMMAX_NA[$1]:-"fail (see $(memmax_tap))"}
	return 1
}

# The harness calls this once per round, warm-up rounds first; round i of the
# guest is the sample of the harness's round i (a warm-up gets round 1's).
fig_memmax() {
	local i=$((${MEMMAX_CALLS[$1]:-0} + 1))
	MEMMAX_CALLS[$1]=$i
	i=$((i - BENCH_WARMUP))
	[ $i -ge 1 ] || i=1
	SAMPLE=${MEMMAX[$1.$i]:-}
}

# Two conditions lines for RESULTS.md: how the figure was made, what counts
# against memory.max, and why each runtime fails just below its number.
memmax_conditions() {
	[ -n "$MEMMAX_LINES" ] || return 0
	local rt line peak why
	cat <<EOF
- figure 6 (memory.max): one boot of the QEMU guest of tests/vm (${MEMMAX_GUEST:-guest not started}; TCG, no swap; a single vCPU, because with two the same limit passes or fails at random over a ~100 KiB band) took ${MEMMAX_SECONDS}s.  Each runtime creates the container's cgroup itself, with its default cgroupfs manager, below /membench/RT, and writes memory.max from a \`runc spec\` config: ociVersion 1.0.2, readonly busybox rootfs, namespaces pid, network, ipc, uts, mount, cgroup, the deny-all device rule, process \`echo ok\`, memory.limit = memory.swap = X (so memory.swap.max = 0).  X is bisected to 4 KiB, twice per runtime, interleaved: round 1 over 4 KiB–64 MiB, round 2 from half to twice round 1's value.  X passes when 3 runs in a row exit 0 and print ok.  Cells show the median of the 2 rounds (min–max).  crun's cgroupfs manager works here: as root in the guest, its setrlimit(RLIMIT_MEMLOCK) succeeds.
EOF
	printf '%s' "- figure 6, what counts: memory.max limits what is charged to the container's cgroup.  That is everything the init does once it is in the cgroup, up to and including \`echo\`: page faults, slab, page tables, namespaces it unshares there, memfd copies it writes.  It is not what the runtime's own process allocates outside the cgroup, nor what clone3(CLONE_INTO_CGROUP) allocates for the new task, which is charged to the caller.  In strace in the guest (crun 1.8.1, runc 1.1.5), jaula and crun both start the init with clone3(CLONE_INTO_CGROUP) and every namespace flag but the cgroup one, so those namespaces count against the runtime.  runc's parent moves \`runc init\` into the cgroup; \`runc init\` then copies the 8.5 MB runc binary into a memfd (its CVE-2019-5736 guard), runs the Go runtime and unshares the namespaces, all inside the cgroup.  Failures just below round 1's value and at 4 KiB (the parent cgroup's memory.events oom_kill, the killed task in the kernel log, the run's status and message):"
	for rt in jaula crun runc; do
		why=''
		while read -r line; do
			why+="${why:+; }$(memmax_field kib "$line") KiB: $(memmax_failure "$line")"
		done < <(grep "^# memmax-fail rt=$rt round=1 " <<<"$MEMMAX_LINES")
		peak=$(grep "^# memmax-peak rt=$rt " <<<"$MEMMAX_LINES")
		[ -n "$peak" ] && why+="${why:+; }at 64 MiB the cgroup's memory.peak is $(memmax_field kib "$peak") KiB, and memory.current read from inside is $(memmax_field current "$peak") KiB"
		printf ' %s: %s.' "$rt" "${why:-no data}"
	done
	printf ' %s\n' "memory.peak and memory.current include what the kernel charges ahead in batches (up to 256 KiB), so the bisected value is the precise one."
}

# memmax_failure LINE: a memmax-fail line in words.
memmax_failure() {
	local mode rc killed out err
	mode=$(memmax_field mode "$1") rc=$(memmax_field rc "$1") killed=$(memmax_field killed "$1")
	out=$(memmax_field out "$1")
	err=${1#* err=}
	# runc's logrus line: only its msg
	[[ $err =~ msg=\"(.*)\"$ ]] && err=${BASH_REMATCH[1]}
	case $mode in
	oom-kill)
		printf 'OOM kill of "%s"' "$killed"
		[ "$out" = ok ] && printf ' after it printed ok'
		printf ', run exits %s' "$rc"
		;;
	no-oom) printf 'no OOM kill, run exits %s' "$rc" ;;
	*) printf '%s, run exits %s' "$mode" "$rc" ;;
	esac
	[ -n "$err" ] && printf ' ("%s")' "${err:0:200}"
}
