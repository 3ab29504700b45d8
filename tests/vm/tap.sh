# TAP helpers for guest scripts (/vm/tap.sh in the guest): `. "$VM_TAP"`.
# Numbers are per script; tests/vm/run.sh renumbers everything on the host.
#   ok DESC / not_ok DESC       print a result
#   check DESC CMD [ARGS...]    ok if CMD succeeds, else not ok
#   skip DESC REASON            ok ... # SKIP REASON
#   diag TEXT                   a "# TEXT" comment
#   need_jaula DESC...          if there is no jaula binary, print one SKIP line per
#                               DESC and return 1:  need_jaula "a" "b" || exit 0
#   tap_end                     exit 1 if anything failed, else 0
_tap_n=0
_tap_failed=0
ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $*"
}
not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $*"
}
check() {
	_tap_d=$1
	shift
	if "$@"; then ok "$_tap_d"; else not_ok "$_tap_d"; fi
}
skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP ${2:-}"
}
diag() { echo "# $*"; }
need_jaula() {
	[ -n "${JAULA:-}" ] && [ -x "$JAULA" ] && return 0
	for _tap_d in "$@"; do skip "$_tap_d" "no jaula binary"; done
	return 1
}
tap_end() { [ "$_tap_failed" -eq 0 ]; exit $?; }
