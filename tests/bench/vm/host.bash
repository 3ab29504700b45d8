# Figure 6 on the host side (sourced by tests/bench/lib/figures.sh): boot the QEMU
# guest of tests/vm once with the guest script of this directory (60-memmax.sh),
# which bisects memory.max for jaula, crun and runc, and turn its "# memmax ..."
# lines into one sample per runtime.  Not a *.sh file, so tests/vm/run.sh never
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
	JAULA=$JAULA VM_GUEST_DIR=$BENCH_TOP/tests/bench/vm VM_EXTRA_BINS="crun runc jq" \
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

# One conditions line for RESULTS.md: how the figure was made and why each
# runtime fails just below its number.
memmax_conditions() {
	[ -n "$MEMMAX_LINES" ] || return 0
	local rt line fail peak why
	printf '%s' "- figure 6 (memory.max): in the QEMU guest of tests/vm (${MEMMAX_GUEST:-guest not started}; QEMU TCG, no swap), booted once (${MEMMAX_SECONDS}s with the bisections).  Each runtime's own cgroupfs manager creates the container's cgroup below /membench/RT and writes memory.max = memory.limit from a \`runc spec\` config (ociVersion 1.0.2, readonly busybox rootfs, namespaces pid, network, ipc, uts, mount, cgroup, deny-all device rule, process \`echo ok\`, memory.swap = memory.limit, so memory.swap.max = 0).  Two bisections per runtime, interleaved (round 1 between 4 KiB and 64 MiB, round 2 between half and twice round 1's number), to 4 KiB; a limit passes when 3 runs in a row exit 0 and print ok; cells are the median of the 2 rounds (min–max).  What counts against memory.max is what is charged to the container's cgroup: the init from the moment it is in the cgroup (its page faults, kernel memory such as slab, page tables and namespaces it creates there, memfd copies it makes) up to and including \`echo\`; what the runtime's parent process allocates outside the cgroup does not count, and neither does what clone(CLONE_INTO_CGROUP) itself allocates (charged to the caller).  crun's cgroupfs manager works here: as root in the guest its setrlimit(RLIMIT_MEMLOCK) before loading the device filter succeeds.  Why it fails just below round 1's number and at 4 KiB (memory.events oom_kill of a parent cgroup, the killed task from the kernel log, the run's status and message):"
	for rt in jaula crun runc; do
		why=''
		while read -r line; do
			[ "$(memmax_field rt "$line")" = "$rt" ] || continue
			fail="$(memmax_field kib "$line") KiB: $(memmax_failure "$line")"
			why+="${why:+; }$fail"
		done < <(grep '^# memmax-fail .*round=1 ' <<<"$MEMMAX_LINES")
		peak=$(grep "^# memmax-peak rt=$rt " <<<"$MEMMAX_LINES")
		[ -n "$peak" ] && why+="${why:+; }at 64 MiB: memory.peak $(memmax_field kib "$peak") KiB, memory.current read by the container's process $(memmax_field current "$peak") KiB"
		printf ' %s: %s.' "$rt" "${why:-no data}"
	done
	echo
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
