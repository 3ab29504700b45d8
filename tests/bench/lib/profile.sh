# Where one `run /bin/true` spends its time (sourced; runs inside the
# private namespaces set up by in-ns.sh).  For jaula, crun and runc:
#   RT.strace-c.txt   strace -c -f -S calls: syscalls by type, every process
#   RT.timeline.txt   strace -f -tt -e trace=all: the wall-clock timeline
#   RT.phases.txt     the timeline cut into phases (see phases_of)
#   RT.ltrace.txt     ltrace -c -f (library calls), when ltrace is there
#   RT.perf.txt       perf stat -r 20 (software counters: this VM exposes
#                     no hardware ones), when perf works
# and summary.md, the tables RESULTS.md shows.  Files in $BENCH_OUT/profile.
PROFILE_RUNTIMES=(jaula crun runc)

# profile_cmd RT: RT_ARGV + `run -b BUNDLE ID` in PROFILE_CMD, fresh id.
profile_cmd() {
	rt_argv "$1" && new_id
	PROFILE_CMD=("${RT_ARGV[@]}" run -b "$BENCH_WORK/bundle" "$CTR_ID")
}

# The timeline in four phases, from strace -f -tt output:
#   start  → the first clone/unshare with CLONE_NEWPID (runtime start-up,
#            memfd re-exec, config, state, cgroup, seccomp compile)
#   → execve("/bin/true")      (the init's setup: mounts, /dev, pivot_root,
#                               caps, seccomp load; plus the parent's sync)
#   → that process's exit      (the container's own work)
#   → the last event           (reaping, state and cgroup removal)
# with the syscalls started in each phase (all processes) and the top five.
phases_of() {
	awk '
	BEGIN { ph = 0 }
	function ts(s,   a) { split(s, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
	{
		t = ts($2); if (NR == 1) t0 = t; tend = t
		if (ph == 0 && $3 ~ /^(clone3?|unshare)\(/ && $0 ~ /CLONE_NEWPID/) { ph = 1; t1 = t }
		else if (ph == 1 && $3 ~ /^execve\("\/bin\/true"/) { ph = 2; t2 = t; cpid = $1 }
		else if (ph == 2 && $1 == cpid && $3 == "+++" && $4 == "exited") { ph = 3; t3 = t }
		if ($3 ~ /^[a-z_0-9]+\(/) {
			name = $3; sub(/\(.*/, "", name)
			n[ph]++; c[ph, name]++; names[name] = 1
		}
	}
	END {
		if (ph < 3) { print "phases: could not find clone/execve/exit in the trace"; exit }
		label[0] = "start -> CLONE_NEWPID"; d[0] = t1 - t0
		label[1] = "-> execve /bin/true"; d[1] = t2 - t1
		label[2] = "/bin/true runs"; d[2] = t3 - t2
		label[3] = "exit -> runtime done"; d[3] = tend - t3
		total = tend - t0
		printf "total %.2f ms, %d syscalls (under strace: times inflated)\n", total * 1000, n[0] + n[1] + n[2] + n[3]
		for (p = 0; p < 4; p++) {
			top = ""
			for (k = 0; k < 5; k++) {
				best = ""; bc = 0
				for (nm in names) if (c[p, nm] > bc && !((p, nm) in used)) { best = nm; bc = c[p, nm] }
				if (best == "") break
				used[p, best] = 1; top = top (top == "" ? "" : ", ") best " " bc
			}
			printf "phase\t%s\t%.2f ms\t%.0f%%\t%d syscalls\t%s\n", label[p], d[p] * 1000, 100 * d[p] / total, n[p], top
		}
	}' "$1"
}

# The syscalls the light timeline stops at; with --seccomp-bpf every other
# syscall runs untraced, so the milestones are close to the real times.
LIGHT_TRACE=execve,execveat,clone,clone3,unshare,memfd_create,bpf,pivot_root,exit_group,wait4,waitid
LIGHT_RUNS=11
MILESTONES=("memfd_create (self-copy starts)" "execveat (re-exec from the copy)"
	"bpf PROG_LOAD (device filter)" "clone/unshare CLONE_NEWPID" "first syscall of the init"
	"pivot_root" "execve /bin/true" "/bin/true exited" "runtime exited")

# milestones_of TRACE: "INDEX MS" for each milestone found, ms since the
# runtime's execve (strace -f -ttt output).
milestones_of() {
	awk '
	function mark(i) { if (!(i in m)) m[i] = ($2 - t0) * 1000 }
	NR == 1 { t0 = $2; main = $1 }
	{ last = $2 }
	$3 ~ /^memfd_create\(/ { mark(0) }
	$1 == main && $3 ~ /^execveat\(/ { mark(1) }
	$3 ~ /^bpf\(BPF_PROG_LOAD/ { mark(2) }
	$3 ~ /^(clone3?|unshare)\(/ && /CLONE_NEWPID/ && !(3 in m) { mark(3); ns = $1; next }
	(3 in m) && !(4 in m) && $1 != ns && $1 != main { mark(4) }
	$3 ~ /^pivot_root\(/ { mark(5) }
	$3 ~ /^execve\("\/bin\/true"/ && !(6 in m) { mark(6); cpid = $1 }
	(6 in m) && $1 == cpid && $3 == "+++" { mark(7) }
	END { m[8] = (last - t0) * 1000; for (i = 0; i < 9; i++) if (i in m) printf "%d %.3f\n", i, m[i] }
	' "$1"
}

# Interleaved like the benchmarks: jaula crun runc jaula crun runc ...
light_timelines() {
	local d=$BENCH_OUT/profile i rt
	for rt in "${PROFILE_RUNTIMES[@]}"; do : >"$d/$rt.milestones"; done
	for i in $(seq "$LIGHT_RUNS"); do
		for rt in "${PROFILE_RUNTIMES[@]}"; do
			profile_cmd "$rt"
			strace -f --seccomp-bpf -ttt -e trace="$LIGHT_TRACE" -o "$d/$rt.light.$i.txt" \
				"${PROFILE_CMD[@]}" </dev/null >/dev/null 2>>"$d/$rt.err"
			milestones_of "$d/$rt.light.$i.txt" >>"$d/$rt.milestones"
		done
	done
}

# The median of milestone $2 over the light runs of runtime $1.
milestone_median() {
	local f=$BENCH_WORK/milestone.tmp r
	awk -v i="$2" '$1 == i { print NR, $2 }' "$BENCH_OUT/profile/$1.milestones" >"$f"
	r=$(stats "$f")
	[ "${r##* }" = 0 ] && { echo -; return; }
	awk -v v="${r%% *}" 'BEGIN { printf "%.2f", v }'
}

# syscall → calls, from strace -c output.
strace_counts() {
	awk '$NF != "syscall" && $NF != "total" && $4 ~ /^[0-9]+$/ { print $NF, $4 }
		$NF == "total" { print "TOTAL", $4 }' "$1"
}

profile_one() {
	local rt=$1 d=$BENCH_OUT/profile
	profile_cmd "$rt"
	strace -c -f -S calls -o "$d/$rt.strace-c.txt" "${PROFILE_CMD[@]}" </dev/null >/dev/null 2>>"$d/$rt.err"
	profile_cmd "$rt"
	strace -f -tt -e trace=all -o "$d/$rt.timeline.txt" "${PROFILE_CMD[@]}" </dev/null >/dev/null \
		2>>"$d/$rt.err"
	phases_of "$d/$rt.timeline.txt" >"$d/$rt.phases.txt"
	if command -v ltrace >/dev/null; then
		profile_cmd "$rt"
		ltrace -c -f -o "$d/$rt.ltrace.txt" "${PROFILE_CMD[@]}" </dev/null >/dev/null 2>>"$d/$rt.err"
		echo "ltrace exit status: $?" >>"$d/$rt.ltrace.txt"
		rt_delete_all "$rt"
	fi
	if [ "$PERF_OK" = 1 ]; then
		# One id for all repetitions: each run deletes its container.
		profile_cmd "$rt"
		perf stat -x, -r 20 -e task-clock,page-faults,context-switches,cpu-migrations \
			-o "$d/$rt.perf.txt" -- "${PROFILE_CMD[@]}" </dev/null >/dev/null 2>>"$d/$rt.err"
		rt_delete_all "$rt"
	fi
}

# perf stat works at all here, and whether hardware counters do.
perf_probe() {
	PERF_OK=0 PERF_HW=0
	command -v perf >/dev/null || return 0
	local out
	out=$(perf stat -x, -e instructions true 2>&1 >/dev/null) || return 0
	PERF_OK=1
	case $out in *"not supported"* | *"not counted"*) ;; *) PERF_HW=1 ;; esac
}

profile_summary() {
	local d=$BENCH_OUT/profile rt
	echo "## Profile of one \`run /bin/true\`"
	echo
	echo "From tests/bench/profile.sh (files in build/bench/profile/). Under strace every syscall costs"
	echo "microseconds more, so the phase times are inflated; use the shares and the counts."
	echo
	echo "### Milestones (ms since the runtime's execve; light strace, median of $LIGHT_RUNS runs)"
	echo
	echo "\`strace -f --seccomp-bpf -ttt -e trace=$LIGHT_TRACE\`: only these syscalls stop, so"
	echo "the times are close to untraced ones (files: *.light.N.txt)."
	echo
	echo "| milestone | jaula | crun | runc |"
	echo "|---|---|---|---|"
	local i
	for i in "${!MILESTONES[@]}"; do
		printf '| %s |' "${MILESTONES[$i]}"
		for rt in "${PROFILE_RUNTIMES[@]}"; do printf ' %s |' "$(milestone_median "$rt" "$i")"; done
		echo
	done
	echo
	echo "### Timeline phases (strace -f -tt, every syscall traced, all processes)"
	echo
	echo "| runtime | phase | wall | share | syscalls | most frequent |"
	echo "|---|---|---|---|---|---|"
	for rt in "${PROFILE_RUNTIMES[@]}"; do
		awk -F'\t' -v rt="$rt" '$1 == "phase" { printf "| %s | %s | %s | %s | %s | %s |\n", rt, $2, $3, $4, $5, $6 }' \
			"$d/$rt.phases.txt"
	done
	echo
	echo "### Syscalls by type (strace -c -f; the 15 most frequent in jaula)"
	echo
	echo "| syscall | jaula | crun | runc |"
	echo "|---|---|---|---|"
	for rt in "${PROFILE_RUNTIMES[@]}"; do strace_counts "$d/$rt.strace-c.txt" >"$d/$rt.counts"; done
	{
		grep -v TOTAL "$d/jaula.counts" | head -n 15 | cut -d' ' -f1
		echo TOTAL
	} | while read -r sc; do
		printf '| %s |' "$sc"
		for rt in "${PROFILE_RUNTIMES[@]}"; do
			printf ' %s |' "$(awk -v s="$sc" '$1 == s { print $2; f = 1 } END { if (!f) print 0 }' "$d/$rt.counts")"
		done
		echo
	done
	echo
	echo "### Mounts, BPF, self-copy and loader"
	echo
	echo "| | jaula | crun | runc |"
	echo "|---|---|---|---|"
	profile_row "mount-family syscalls (mount, umount2, pivot_root, mount_setattr, open_tree, move_mount, fs*)" \
		'^(mount|umount2|pivot_root|mount_setattr|open_tree|move_mount|fsopen|fsmount|fsconfig|fspick)$'
	profile_row "bpf()" '^bpf$'
	profile_row "memfd_create + sendfile/copy_file_range (self-copy)" '^(memfd_create|sendfile|copy_file_range)$'
	profile_row "execve + execveat" '^(execve|execveat)$'
	profile_row "clone/clone3/fork/vfork" '^(clone|clone3|fork|vfork)$'
	printf '| shared libraries opened (openat of *.so*, every process) |'
	for rt in "${PROFILE_RUNTIMES[@]}"; do
		printf ' %s |' "$(grep -cE 'open(at)?\(.*\.so[.0-9]*"' "$d/$rt.timeline.txt")"
	done
	echo
	printf '| binary size / DT_NEEDED libraries |'
	local bin
	for rt in "${PROFILE_RUNTIMES[@]}"; do
		rt_argv "$rt"
		bin=$(command -v "${RT_ARGV[0]}")
		printf ' %s KiB / %s |' "$(($(stat -c %s "$bin") / 1024))" \
			"$(objdump -p "$bin" 2>/dev/null | grep -c NEEDED)"
	done
	echo
	if [ "$PERF_OK" = 1 ]; then
		echo
		echo "### perf stat -r 20 (software counters$([ "$PERF_HW" = 0 ] && echo "; hardware counters are not supported in this VM"); runtime + init + /bin/true)"
		echo
		echo "| counter | jaula | crun | runc |"
		echo "|---|---|---|---|"
		local ev
		for ev in task-clock page-faults context-switches cpu-migrations; do
			printf '| %s |' "$ev"
			for rt in "${PROFILE_RUNTIMES[@]}"; do
				printf ' %s |' "$(awk -F, -v e="$ev" '$3 == e { printf "%s %s (±%s)", $1, $2, $4 }' "$d/$rt.perf.txt" 2>/dev/null)"
			done
			echo
		done
	fi
	if command -v ltrace >/dev/null; then
		echo
		echo "### ltrace -c -f (library calls; the 8 most frequent)"
		echo
		for rt in jaula crun; do
			echo "- $rt ($(tail -n 1 "$d/$rt.ltrace.txt"); ltrace's ptrace upsets the re-exec from the fd, so the run fails part-way and counts are partial): $(awk '$NF != "function" && $4 ~ /^[0-9]+$/ { print $4, $NF }' \
				"$d/$rt.ltrace.txt" | sort -rn | head -n 8 | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }')"
		done
	fi
}

# profile_row TITLE REGEX: the calls of the matching syscalls, per runtime.
profile_row() {
	printf '| %s |' "$1"
	local rt
	for rt in "${PROFILE_RUNTIMES[@]}"; do
		printf ' %s |' "$(awk -v re="$2" '$1 ~ re { s += $2 } END { print s + 0 }' "$BENCH_OUT/profile/$rt.counts")"
	done
	echo
}

profile_main() {
	local d=$BENCH_OUT/profile rt
	rm -rf "$d" && mkdir -p "$d"
	command -v strace >/dev/null || { echo "profile: strace missing" >&2; return 0; }
	perf_probe
	for rt in "${PROFILE_RUNTIMES[@]}"; do
		profile_one "$rt"
	done
	light_timelines
	profile_summary >"$d/summary.md"
	echo "profile: wrote $d (summary.md, *.strace-c.txt, *.timeline.txt, *.phases.txt)"
}
