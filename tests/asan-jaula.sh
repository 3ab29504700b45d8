#!/bin/bash
# JAULA= for tests/run-asan.sh: runs the sanitizer build ($JAULA_ASAN_BIN)
# with the same arguments and pid (exec), turning LeakSanitizer off where it
# cannot work.  LSan stops the process's threads from a helper task it clones
# at exit.  A jaula that joined a pid namespace (setns(CLONE_NEWPID), which
# `exec` always does and `create`/`run` do when the config names a pid
# namespace path) clones that helper into the container's namespace, where
# it cannot see its parent, and the exit spins in StopTheWorld forever.
set -u
bin=${JAULA_ASAN_BIN:?JAULA_ASAN_BIN names the sanitizer build}
args=("$@")
i=0 cmd=
while [ "$i" -lt $# ]; do # global options come before the command
	case ${args[$i]} in
	--root | --store | --log | --log-format | --log-level | --cgroup-manager | --criu) i=$((i + 2)) ;;
	-*) i=$((i + 1)) ;;
	*)
		cmd=${args[$i]}
		break
		;;
	esac
done
bundle=.
for ((j = i + 1; j < $#; j++)); do
	case ${args[$j]} in
	-b | --bundle) bundle=${args[$((j + 1))]:-.} ;;
	--bundle=*) bundle=${args[$j]#--bundle=} ;;
	esac
done
leaks=1
case $cmd in
exec) leaks=0 ;;
create | run)
	jq -e 'any(.linux.namespaces[]?; .type == "pid" and (.path // "") != "")' \
		"$bundle/config.json" >/dev/null 2>&1 && leaks=0
	;;
esac
# The last occurrence of an option wins.
export ASAN_OPTIONS=${ASAN_OPTIONS:-}:detect_leaks=$leaks
exec "$bin" "$@"
