#!/bin/bash
# Every suite `make test` runs, as TAP, then one summary line:
#   "N passed, M failed[, K skipped]"
# Suites: unit (cmocka), valgrind, fuzz (each libFuzzer target for a bounded
# number of runs, tests/run-fuzz.sh), integration (bats, real containers in
# private namespaces), vm (cgroup v2 enforcement in a QEMU guest), clients
# (podman, containerd) when present, guest (a Debian 12 machine with systemd
# as PID 1 in QEMU, tests/guest).  JAULA_SKIP_<SUITE>=1 skips valgrind,
# fuzz, vm, clients or guest.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
log=$(mktemp /tmp/jaula-test.XXXXXX)
trap 'rm -f "$log"' EXIT
suite() {
	local name=$1
	shift
	echo "# === $name ==="
	"$@" 2>&1
	local rc=$?
	[ $rc -eq 0 ] || echo "# suite $name exited with status $rc"
}
{
	suite unit tests/run-unit.sh build/tests/test_*
	if [ "${JAULA_SKIP_VALGRIND:-0}" != 1 ]; then
		suite valgrind tests/run-valgrind.sh build/tests/test_*
	fi
	if [ "${JAULA_SKIP_FUZZ:-0}" != 1 ]; then
		suite fuzz tests/run-fuzz.sh
	fi
	suite integration env JAULA="$top/build/jaula" tests/integration/run.sh
	if [ -x tests/vm/run.sh ] && [ "${JAULA_SKIP_VM:-0}" != 1 ]; then
		suite vm env JAULA="$top/build/jaula" tests/vm/run.sh
	fi
	if [ -x tests/clients/run.sh ] && [ "${JAULA_SKIP_CLIENTS:-0}" != 1 ]; then
		suite clients env JAULA="$top/build/jaula" tests/clients/run.sh
	fi
	if [ -x tests/guest/run.sh ] && [ "${JAULA_SKIP_GUEST:-0}" != 1 ]; then
		suite guest env JAULA="$top/build/jaula" tests/guest/run.sh
	fi
} | tee "$log"
echo
tests/tap-summary.sh <"$log"
