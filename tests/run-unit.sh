#!/bin/bash
# Run cmocka unit test binaries with TAP output.  A binary that dies without
# reporting (a crash) is itself a failure.
set -u
export CMOCKA_MESSAGE_OUTPUT=TAP
status=0
for t in "$@"; do
	case "$t" in *.d) continue ;; esac
	[ -x "$t" ] || continue
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	if [ $rc -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^not ok'; then
		echo "not ok - $(basename "$t") exited with status $rc"
	fi
	[ $rc -eq 0 ] || status=1
done
exit $status
