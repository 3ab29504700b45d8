# results.png (sourced by report.sh): one bar panel per figure, a bar per
# column at the median with a 10th–90th percentile whisker (min–max, in
# the table, is dominated by the odd sample hit by another session's load).
# Without gnuplot there is no chart (and no stale one).

chart_data() {
	local key=$1 rt i=0 med min max n f
	for rt in "${COLUMNS[@]}"; do
		i=$((i + 1))
		[ -n "${NA[$key.$rt]:-}" ] && continue
		f=$(samples_file "$key" "$rt")
		read -r med min max n <<<"$(stats "$f")"
		[ "$n" = 0 ] && continue
		printf '%d "%s" %s %s %s\n' "$i" "${COLUMN_TITLE[$rt]/ (no cgroup)/\\n(no cgroup)}" \
			"$med" "$(percentile "$f" 10)" "$(percentile "$f" 90)"
	done
}

chart() {
	rm -f "$RESULTS_PNG"
	command -v gnuplot >/dev/null || { echo "bench: gnuplot missing, no chart" >&2; return 0; }
	local dir=$BENCH_OUT/chart key panels=() gp
	rm -rf "$dir" && mkdir -p "$dir"
	for key in "${FIGURES[@]}"; do
		case ${FIG_KIND[$key]} in measured | derived) ;; *) continue ;; esac
		# figures 7 and 8 have other columns: only in the second table
		[ -n "${FIG_TABLE[$key]:-}" ] && continue
		chart_data "$key" >"$dir/$key.dat"
		[ -s "$dir/$key.dat" ] && panels+=("$key")
	done
	[ ${#panels[@]} -gt 0 ] || return 0
	gp=$dir/chart.gp
	{
		echo "set terminal pngcairo size 1600,900 font 'Sans,10'"
		echo "set output '$RESULTS_PNG'"
		echo "set style fill solid 0.75 border -1"
		echo "set boxwidth 0.7"
		echo "set grid ytics"
		echo "set bmargin 4"
		echo "set yrange [0:*]"
		echo "set xrange [0.3:${#COLUMNS[@]}.7]"
		echo "set linetype 1 lc rgb '#2a7ab0'"
		echo "set linetype 2 lc rgb '#7fb6dc'"
		echo "set linetype 3 lc rgb '#d9822b'"
		echo "set linetype 4 lc rgb '#6b8e23'"
		echo "set linetype 5 lc rgb '#999999'"
		echo "set multiplot layout 2,$(((${#panels[@]} + 1) / 2)) title 'jaula vs crun vs runc — $(date -u +%F), $(uname -r), bars: median, whiskers: 10th–90th percentile (RESULTS.md has min–max)'"
		for key in "${panels[@]}"; do
			echo "set title \"${FIG_TITLE[$key]//\"/}\""
			echo "set ylabel '${FIG_UNIT[$key]}'"
			echo "plot '$dir/$key.dat' using 1:3:1:xtic(2) with boxes lc variable notitle, \\"
			echo "     '' using 1:3:4:5 with yerrorbars lc rgb 'black' pt 0 notitle"
		done
		echo "unset multiplot"
	} >"$gp"
	gnuplot "$gp" 2>"$dir/gnuplot.err" || {
		echo "bench: gnuplot failed (see $dir/gnuplot.err), no chart" >&2
		rm -f "$RESULTS_PNG"
	}
}
