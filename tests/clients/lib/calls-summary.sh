#!/bin/sh
# The runtime calls the clients made, as TAP comments: one line per distinct
# (caller, command shape), container ids and paths replaced by placeholders,
# with how often it was seen.
[ -s "$1" ] || exit 0
echo "# runtime calls (caller: argv shape, count):"
sed -E -e 's#/[^ \t]*/#<dir>/#g' -e 's#[0-9a-f]{64}#<id>#g' -e 's#(exec-process-|conmon-term\.|runc-process|podman)[0-9A-Za-z]+#\1N#g' -e 's#(\t| |/)[a-z]+-[0-9]+-[0-9a-z]+#\1<id>#g' "$1" |
	sort | uniq -c | sort -rn | sed 's/^ */# /'
