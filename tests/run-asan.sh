#!/bin/bash
# `make asan`, after the build: the unit tests and the integration suite on
# the sanitizer build in DIR (default build/asan), as TAP, then the summary
# line; fails when a test fails or any sanitizer report was written.
#
# Where the sanitizers can look:
#  - Every jaula process gets the options: the re-exec from a read-only
#    clone (runtime/selfexec.c) keeps the environment, and the container's
#    init and exec's child run jaula's code until their execve.
#  - Reports go to files in DIR/reports (log_path; the pid is appended), not
#    to stderr: the tests compare jaula's stderr, and a container-side
#    process's stderr is the container's.  After pivot_root that directory
#    is out of reach: such a process dies with "ERROR: Can't open file" on
#    its stderr instead, which fails the test it belongs to.
#  - LeakSanitizer checks at exit(), so only the CLI processes: the init,
#    exec's child and the hook runners leave through execve or _exit.  It
#    is off for a CLI process that joins a pid namespace, where it would
#    hang (tests/asan-jaula.sh, installed as DIR/jaula-lsan, is the JAULA=
#    of the integration suite).
#  - abort_on_error: a sanitizer death shows as SIGABRT, not as the exit
#    status 1 every ordinary jaula error has.
#  Arguments after DIR select integration .bats files.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
dir=$(cd "${1:-build/asan}" && pwd)
shift $(($# > 0 ? 1 : 0))
reports=$dir/reports
rm -rf "$reports"
mkdir -p "$reports"
common=halt_on_error=1:abort_on_error=1:disable_coredump=1
export ASAN_OPTIONS=$common:detect_leaks=1:log_path=$reports/asan
export UBSAN_OPTIONS=$common:print_stacktrace=1:log_path=$reports/ubsan
# The wrapper goes next to the binary: tests look for the build's object
# files beside $JAULA.
install -m 0755 tests/asan-jaula.sh "$dir/jaula-lsan"
# The helpers are the tests' own programs, run inside containers and
# sandboxes: unsanitized ones from the regular build where there are, since
# ASan reserves terabytes of shadow memory that a sandbox's RLIMIT_AS (its
# memory backstop) refuses.
helpers=$top/build/helpers
[ -d "$helpers" ] || helpers=$dir/helpers
log=$dir/test.log
{
	echo "# === asan: unit ==="
	tests/run-unit.sh "$dir"/tests/test_*
	echo "# === asan: integration ==="
	JAULA=$dir/jaula-lsan JAULA_ASAN_BIN=$dir/jaula HELPERS=$helpers \
		tests/integration/run.sh "$@"
} 2>&1 | tee "$log"

status=0
mapfile -t found < <(find "$reports" -type f | sort)
if [ ${#found[@]} -gt 0 ]; then
	echo "# ${#found[@]} sanitizer report(s) in $reports:"
	for f in "${found[@]:0:10}"; do
		echo "# --- $f"
		grep -E 'ERROR|runtime error|SUMMARY|^ +#[0-9]+ ' "$f" | head -25 | sed 's/^/# /'
	done
	status=1
fi
echo
tests/tap-summary.sh <"$log" || status=1
exit $status
