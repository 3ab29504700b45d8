#!/bin/bash
# The libFuzzer targets of tests/fuzz/ (clang, ASan+UBSan+LSan), as TAP:
#   ok N - fuzz <target> regressions (K inputs)   when it has any
#   ok N - fuzz <target> (R runs)
# Each target replays its crash inputs (tests/fuzz/regressions/<target>/),
# then fuzzes from its seeds (tests/fuzz/corpus/<target>/) plus what earlier
# runs here found (build/fuzz/corpus/<target>/, never committed).
#   FUZZ_RUNS=N     runs per target (default: per target, below)
#   FUZZ_SECONDS=S  fuzz S seconds per target instead (`make fuzz`)
#   FUZZ_JOBS=J     targets fuzzed at once (default: the number of CPUs)
#   arguments       target names (default: every tests/fuzz/fuzz_*.c)
# A crash leaves its input in build/fuzz/artifacts/<target>/; copying it to
# tests/fuzz/regressions/<target>/ makes every later run replay it.  When
# clang with libFuzzer cannot be installed, every line is "# SKIP".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
out=build/fuzz

# Runs per target for `make test`: 10-20 s each on one core here (inputs
# per second: process ~10k, spec and mountopts ~6k, state ~4k, seccomp ~2k),
# so the suite takes about a minute on 2 cores, build included.
default_runs() {
	case $1 in
	seccomp) echo 20000 ;;
	state) echo 50000 ;;
	spec | mountopts) echo 100000 ;;
	*) echo 150000 ;;
	esac
}
# The largest input: above the biggest seed (`jaula spec` is ~11 KiB).
max_len() {
	case $1 in
	spec) echo 16384 ;;
	seccomp) echo 12288 ;;
	*) echo 4096 ;;
	esac
}

if [ $# -gt 0 ]; then
	targets=("$@")
else
	targets=()
	for f in tests/fuzz/fuzz_*.c; do
		t=${f#tests/fuzz/fuzz_}
		t=${t%.c}
		[ "$t" = util ] || targets+=("$t")
	done
fi
regressions() { find "tests/fuzz/regressions/$1" -type f 2>/dev/null | sort; }

plan=0
for t in "${targets[@]}"; do
	plan=$((plan + 1))
	[ -n "$(regressions "$t")" ] && plan=$((plan + 1))
done
echo "1..$plan"
n=0
line() { # STATUS DESCRIPTION [DIRECTIVE]
	n=$((n + 1))
	echo "$1 $n - $2${3:+ # $3}"
}
all_lines() { # STATUS DIRECTIVE: one line for every planned test
	for t in "${targets[@]}"; do
		[ -n "$(regressions "$t")" ] && line "$1" "fuzz $t regressions" "$2"
		line "$1" "fuzz $t" "$2"
	done
}
mkdir -p "$out/logs"

# The toolchain: installed on demand like every other test dependency, and
# probed, since -fsanitize=fuzzer needs compiler-rt's libclang_rt.fuzzer.
unset MAKEFLAGS MAKELEVEL
if ! make -s fuzz-deps >"$out/logs/deps.log" 2>&1 ||
	! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' |
	clang -x c -fsanitize=fuzzer,address,undefined - -o "$out/probe" >>"$out/logs/deps.log" 2>&1; then
	all_lines ok "SKIP clang with libFuzzer is not available"
	sed 's/^/# /' "$out/logs/deps.log" | tail -5
	exit 0
fi
if ! make -s -j"$(nproc)" fuzz-build FUZZ_TARGETS="${targets[*]}" >"$out/logs/build.log" 2>&1; then
	all_lines "not ok" ""
	sed 's/^/# /' "$out/logs/build.log" | tail -30
	exit 1
fi

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# fuzz_util.c's scratch directories, on tmpfs when there is one: the state
# target writes a file per input.
TMPDIR=$(mktemp -d /dev/shm/jaula-fuzz.XXXXXX 2>/dev/null) || {
	TMPDIR=$top/$out/tmp
	mkdir -p "$TMPDIR"
}
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT

# What a failure looks like in the log: the sanitizer report, the frames
# above libFuzzer's own, the saved input.
why() {
	local keep='ERROR|runtime error|SUMMARY|^ +#[0-9]+ |Test unit written|^fuzz: |leak of|Running: '
	local noise='fuzzer::|libc_start|in _start|sanitizer_print_stack|/libc\.so|pthread_kill'
	noise+='|raise\.c|abort\.c'
	grep -E "$keep" "$1" | grep -vE "$noise" |
		sed -E 's/ \(BuildId: [0-9a-f]+\)//; s/ 0x[0-9a-f]+ in / /; s/^/# /' | head -30
}

# Long runs save many inputs for one bug: replay each (up to 50; one per
# kind for timeouts and out-of-memory) and show one report per distinct
# sanitizer summary or failed check.
report_crashes() {
	local t=$1 f sig kind
	shift
	local -A seen=()
	for f in "${@:1:50}"; do
		kind=$(basename "$f")
		kind=${kind%%-*}
		if [ "$kind" != crash ] && [ -n "${seen[$kind]:-}" ]; then
			seen[$kind]=$((${seen[$kind]} + 1))
			continue
		fi
		"$out/fuzz_$t" -timeout=10 "$f" >"$out/logs/$t.replay.log" 2>&1
		sig=$(grep -m1 -E '^fuzz: |^SUMMARY' "$out/logs/$t.replay.log")
		[ "$kind" = crash ] || sig=$kind
		sig=${sig:-no report when replayed alone}
		seen[$sig]=$((${seen[$sig]:-0} + 1))
		[ "${seen[$sig]}" = 1 ] || continue
		echo "# $kind input: $f"
		why "$out/logs/$t.replay.log" | grep -v 'Running: '
	done
	for sig in "${!seen[@]}"; do
		echo "# ${seen[$sig]} input(s): $sig"
	done
	[ $# -le 50 ] || echo "# ($# inputs in all, in $out/artifacts/$t/)"
}

# One target, in the background: its TAP lines (unnumbered) go to
# $out/logs/<t>.tap, the libFuzzer output to <t>.log / <t>.regressions.log.
run_target() {
	local t=$1 bin=$out/fuzz_$1 log=$out/logs/$1.log tap=$out/logs/$1.tap
	local -a regs
	mapfile -t regs < <(regressions "$t")
	: >"$tap"
	if [ ${#regs[@]} -gt 0 ]; then
		local rlog=$out/logs/$t.regressions.log
		if "$bin" -timeout=10 "${regs[@]}" >"$rlog" 2>&1; then
			echo "ok|fuzz $t regressions (${#regs[@]} inputs)" >>"$tap"
		else
			{
				echo "not ok|fuzz $t regressions (${#regs[@]} inputs)"
				grep 'Running: ' "$rlog" | tail -1 | sed 's/^/# /'
				why "$rlog" | grep -v 'Running: '
			} >>"$tap"
		fi
	fi
	mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
	local -a bound
	if [ -n "${FUZZ_SECONDS:-}" ]; then
		# Long runs go on past a crash (in a forked child) to find the
		# others too; each crash input is saved, and fails the line below.
		bound=(-max_total_time="$FUZZ_SECONDS" -fork=1 -ignore_crashes=1 -ignore_timeouts=1
			-ignore_ooms=1)
	else
		bound=(-runs="${FUZZ_RUNS:-$(default_runs "$t")}")
	fi
	local dict=()
	[ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
	local stamp=$out/logs/$t.start
	touch "$stamp"
	"$bin" "${bound[@]}" -max_len="$(max_len "$t")" -timeout=30 -rss_limit_mb=2048 \
		"${dict[@]}" -print_final_stats=1 -artifact_prefix="$out/artifacts/$t/" \
		"$out/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1
	local rc=$? runs
	# -runs prints the final stats; fork mode only its progress lines.
	runs=$(sed -nE 's/^stat::number_of_executed_units: *//p; s/^#([0-9]+): cov.*/\1/p' "$log" |
		tail -1)
	local -a found
	mapfile -t found < <(find "$out/artifacts/$t" -type f -newer "$stamp" | sort)
	local desc="fuzz $t (${FUZZ_SECONDS:+$FUZZ_SECONDS s, }${runs:-?} runs)"
	if [ $rc -eq 0 ] && [ ${#found[@]} -eq 0 ]; then
		echo "ok|$desc" >>"$tap"
		return
	fi
	echo "not ok|$desc" >>"$tap"
	if [ ${#found[@]} -eq 0 ]; then
		why "$log" >>"$tap"
	else
		report_crashes "$t" "${found[@]}" >>"$tap"
	fi
	echo "# log: $log; keep an input: cp $out/artifacts/$t/<file> tests/fuzz/regressions/$t/" >>"$tap"
}

jobs_max=${FUZZ_JOBS:-$(nproc)}
for t in "${targets[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
		wait -n
	done
	if [ ! -x "$out/fuzz_$t" ]; then
		echo "not ok|fuzz $t (no such target: tests/fuzz/fuzz_$t.c)" >"$out/logs/$t.tap"
		continue
	fi
	run_target "$t" &
done
wait

status=0
for t in "${targets[@]}"; do
	while IFS= read -r l; do
		case $l in
		'#'*) echo "$l" ;;
		*)
			line "${l%%|*}" "${l#*|}"
			[ "${l%%|*}" = ok ] || status=1
			;;
		esac
	done <"$out/logs/$t.tap"
done
exit $status
