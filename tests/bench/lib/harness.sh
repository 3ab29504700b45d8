# The benchmark loop (sourced): a registry of figures and the interleaved
# rounds.  A figure is a function `fig_KEY RT` that takes a column (a
# runtime from RUNTIMES, or "floor") and sets SAMPLE to one measurement,
# returning non-zero when the runtime failed.  Optional hooks:
#   fig_KEY_setup / fig_KEY_teardown   once around the figure
#   fig_KEY_available RT               non-zero + NA_REASON when RT can't
# Register it with `figure KEY ROUNDS UNIT "TITLE"`; rows computed from
# another figure's samples with `derived` or `count_row`; rows that are not
# measured (yet) with `placeholder "TITLE" "WORD: reason"` (WORD fills the
# cells: "n/a", "TODO").  A figure whose peers are not the runtimes (jaula
# against umoci, podman, CNI: lib/peers.sh) sets FIG_COLS[KEY]="jaula peer"
# and goes to the report's second table (FIG_TABLE[KEY]=peers).  A setup
# hook may set SETUP_NA to say why it failed.

FIGURES=()
declare -A FIG_TITLE=() FIG_UNIT=() FIG_KIND=() FIG_ROUNDS=() FIG_NOTE=() FIG_EXPR=()
declare -A FIG_COLS=() FIG_TABLE=()
declare -A NA=()      # NA[KEY.RT] = why the cell is empty
declare -A FAILS=()   # FAILS[KEY.RT] = samples lost to a runtime failure

figure() {
	FIGURES+=("$1")
	FIG_ROUNDS[$1]=$2 FIG_UNIT[$1]=$3 FIG_TITLE[$1]=$4 FIG_KIND[$1]=measured
}

# derived KEY FROM UNIT "TITLE" AWK-EXPR: one sample per sample of FROM,
# computed from its value v (e.g. a throughput from a wall time).
derived() {
	FIGURES+=("$1")
	FIG_KIND[$1]=derived FIG_NOTE[$1]=$2 FIG_UNIT[$1]=$3 FIG_TITLE[$1]=$4
	FIG_EXPR[$1]=$5
}

# count_row KEY FROM "TITLE": the per-column total of the side file KEY.RT
# that FROM's figure writes (e.g. failed containers), shown without ratios.
count_row() {
	FIGURES+=("$1")
	FIG_KIND[$1]=count FIG_NOTE[$1]=$2 FIG_TITLE[$1]=$3 FIG_UNIT[$1]=""
}

placeholder() {
	local key=na$((${#FIGURES[@]}))
	FIGURES+=("$key")
	FIG_KIND[$key]=placeholder FIG_TITLE[$key]=$1 FIG_NOTE[$key]=$2 FIG_UNIT[$key]=""
}

samples_file() { echo "$BENCH_OUT/samples/$1.$2"; }

log_file() { echo "$BENCH_OUT/log/$1.log"; }

# One measurement; failures are counted, never fatal.
take_sample() {
	local key=$1 rt=$2 round=$3
	SAMPLE=''
	if "fig_$key" "$rt" 2>>"$(log_file "$key.$rt")" && [ -n "$SAMPLE" ]; then
		[ "$round" -gt 0 ] && echo "$round $SAMPLE" >>"$(samples_file "$key" "$rt")"
	else
		[ "$round" -gt 0 ] && FAILS[$key.$rt]=$((${FAILS[$key.$rt]:-0} + 1))
		rt_delete_all "$rt" 2>/dev/null
	fi
}

# fig_columns KEY: FIG_COLUMNS=(the figure's columns, in round order).
fig_columns() {
	if [ -n "${FIG_COLS[$1]:-}" ]; then
		read -ra FIG_COLUMNS <<<"${FIG_COLS[$1]}"
	else
		FIG_COLUMNS=("${COLUMNS[@]}")
	fi
}

run_figure() {
	local key=$1 rt round cols=() all
	echo "bench: ${FIG_TITLE[$key]} (${FIG_ROUNDS[$key]} rounds)" >&2
	fig_columns "$key"
	all=("${FIG_COLUMNS[@]}")
	SETUP_NA=''
	if declare -F "fig_${key}_setup" >/dev/null && ! "fig_${key}_setup"; then
		for rt in "${all[@]}"; do NA[$key.$rt]=${SETUP_NA:-setup failed}; done
		declare -F "fig_${key}_teardown" >/dev/null && "fig_${key}_teardown"
		return
	fi
	for rt in "${all[@]}"; do
		NA_REASON=''
		if declare -F "fig_${key}_available" >/dev/null && ! "fig_${key}_available" "$rt"; then
			NA[$key.$rt]=${NA_REASON:-n/a}
			continue
		fi
		: >"$(samples_file "$key" "$rt")"
		cols+=("$rt")
	done
	# Warm-up (round 0, discarded), then A B C ... A B C ...
	for round in $(seq $((1 - BENCH_WARMUP)) "${FIG_ROUNDS[$key]}"); do
		for rt in "${cols[@]}"; do
			take_sample "$key" "$rt" "$round"
		done
	done
	declare -F "fig_${key}_teardown" >/dev/null && "fig_${key}_teardown"
}

skip_figure() {
	local rt
	fig_columns "$1"
	for rt in "${FIG_COLUMNS[@]}"; do NA[$1.$rt]="skipped"; done
}

# Derived figures read their source's samples once it has run.
run_derived() {
	local key=$1 src=${FIG_NOTE[$1]} rt
	for rt in "${COLUMNS[@]}"; do
		if [ -n "${NA[$src.$rt]:-}" ]; then
			NA[$key.$rt]=${NA[$src.$rt]}
			continue
		fi
		awk "{ v = \$2; printf \"%s %.6g\\n\", \$1, ${FIG_EXPR[$key]} }" \
			"$(samples_file "$src" "$rt")" >"$(samples_file "$key" "$rt")"
	done
}

bench_main() {
	rm -rf "$BENCH_OUT/samples" "$BENCH_OUT/log" && mkdir -p "$BENCH_OUT/samples" "$BENCH_OUT/log"
	local key start=$SECONDS
	BENCH_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
	for key in "${FIGURES[@]}"; do
		if [ -n "${BENCH_ONLY:-}" ] && [ "${FIG_KIND[$key]}" = measured ] &&
			[[ " $BENCH_ONLY " != *" $key "* ]]; then
			skip_figure "$key"
			continue
		fi
		case ${FIG_KIND[$key]} in
		measured) run_figure "$key" ;;
		derived) run_derived "$key" ;;
		esac
	done
	BENCH_SECONDS=$((SECONDS - start))
	if [ "${BENCH_PROFILE:-1}" != 0 ] && [ "${BENCH_QUICK:-0}" != 1 ]; then
		echo "bench: profile (strace, perf) of one run /bin/true" >&2
		profile_main >&2 && PROFILED=1
	fi
	report_write
}
