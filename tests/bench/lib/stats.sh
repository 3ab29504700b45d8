# Order statistics for the harness, the report and the profile (sourced).

# stats FILE: "MEDIAN MIN MAX COUNT" of the values ("- - - 0" when none).
stats() {
	sort -g -k2 "$1" 2>/dev/null | awk '{ v[NR] = $2 }
		END {
			if (NR == 0) { print "- - - 0"; exit }
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			print m, v[1], v[NR], NR
		}'
}

# percentile FILE P: the P-th percentile (nearest rank) of the values.
percentile() {
	sort -g -k2 "$1" 2>/dev/null | awk -v p="$2" '{ v[NR] = $2 }
		END {
			if (NR == 0) { print "-"; exit }
			r = int(p / 100 * NR + 0.999999); if (r < 1) r = 1
			print v[r]
		}'
}
