#!/bin/bash
# The unit tests under valgrind: one TAP line per test binary, failing on any
# memory error or definite/indirect leak.
set -u
status=0
for t in "$@"; do
	case "$t" in *.d) continue ;; esac
	[ -x "$t" ] || continue
	name=$(basename "$t")
	log=$(mktemp)
	if valgrind -q --leak-check=full --error-exitcode=99 \
		--errors-for-leak-kinds=definite,indirect "$t" >/dev/null 2>"$log"; then
		echo "ok - valgrind $name"
	else
		echo "not ok - valgrind $name"
		sed 's/^/# /' "$log" | tail -40
		status=1
	fi
	rm -f "$log"
done
exit $status
