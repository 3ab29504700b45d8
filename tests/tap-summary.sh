#!/bin/sh
# Count TAP results read on stdin and print "N passed, M failed, K skipped".
# Exits non-zero when anything failed or nothing ran.
awk '
/^not ok/ { if ($0 ~ /# (TODO|todo|SKIP|skip)/) skip++; else fail++; next }
/^ok/     { if ($0 ~ /# (SKIP|skip)/) skip++; else pass++; next }
END {
	printf "%d passed, %d failed", pass, fail
	if (skip) printf ", %d skipped", skip
	printf "\n"
	exit (fail > 0 || pass == 0) ? 1 : 0
}'
