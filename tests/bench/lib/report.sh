# RESULTS.md, results.png and the table on stdout (sourced after the
# figures ran).  Samples are files of "ROUND VALUE" lines.
RESULTS_MD=${BENCH_RESULTS:-$BENCH_TOP/tests/bench}/RESULTS.md
RESULTS_PNG=${BENCH_RESULTS:-$BENCH_TOP/tests/bench}/results.png
# The ratio columns, NUMERATOR/DENOMINATOR columns.
RATIOS=(jaula/crun jaula-nocg/crun jaula/runc jaula/floor)
# shellcheck source=chart.sh
. "$(dirname "${BASH_SOURCE[0]}")/chart.sh"

# ratio KEY A B: median over rounds of A's sample / B's sample of the same
# round, so drift of the machine between rounds cancels.
ratio() {
	local a b
	a=$(samples_file "$1" "$2") b=$(samples_file "$1" "$3")
	[ -s "$a" ] && [ -s "$b" ] || { echo -; return; }
	awk 'NR == FNR { a[$1] = $2; next } ($1 in a) && $2 > 0 { print $1, a[$1] / $2 }' "$a" "$b" \
		>"$BENCH_WORK/ratio.tmp"
	local r
	r=$(stats "$BENCH_WORK/ratio.tmp")
	echo "${r%% *}"
}

fmt_value() {
	case $2 in
	ms) awk -v v="$1" 'BEGIN { printf(v < 10 ? "%.2f" : "%.1f", v) }' ;;
	*) awk -v v="$1" 'BEGIN { printf("%.0f", v) }' ;;
	esac
}

# One table cell: "median (min–max)", or why it is empty.
cell() {
	local key=$1 rt=$2 unit=${FIG_UNIT[$1]} s med min max n f
	if [ -n "${NA[$key.$rt]:-}" ]; then
		echo "${NA[$key.$rt]}"
		return
	fi
	if [ "${FIG_KIND[$key]}" = count ]; then
		f=$(samples_file "$key" "$rt")
		[ -s "$f" ] && awk '{ s += $1 } END { print s + 0 }' "$f" || echo -
		return
	fi
	s=$(stats "$(samples_file "$key" "$rt")")
	read -r med min max n <<<"$s"
	local fails=${FAILS[$key.$rt]:-0} note=''
	[ "$fails" -gt 0 ] && note=" **$fails failed**"
	[ "$n" = 0 ] && { echo "fail$note"; return; }
	# one sample (figure 6): no range to show
	[ "$n" = 1 ] && { echo "$(fmt_value "$med" "$unit")$note"; return; }
	echo "$(fmt_value "$med" "$unit") ($(fmt_value "$min" "$unit")–$(fmt_value "$max" "$unit"))$note"
}

ratio_cell() {
	local r
	r=$(ratio "$1" "$2" "$3")
	[ "$r" = - ] && { echo -; return; }
	# two significant digits also for small ratios (figure 6: jaula/runc)
	awk -v r="$r" 'BEGIN { printf(r < 0.1 ? "%.3f×" : "%.2f×", r) }'
}

table() {
	local key rt row
	printf '| figure | unit |'
	for rt in "${COLUMNS[@]}"; do printf ' %s |' "${COLUMN_TITLE[$rt]}"; done
	printf ' jaula/crun | jaula (no cgroup)/crun | jaula/runc | jaula/floor |\n|---|---|'
	for rt in "${COLUMNS[@]}" "${RATIOS[@]}"; do printf -- '---|'; done
	printf '\n'
	for key in "${FIGURES[@]}"; do
		[ -n "${FIG_TABLE[$key]:-}" ] && continue # figures 7 and 8: peer_table
		row="| ${FIG_TITLE[$key]} | ${FIG_UNIT[$key]} |"
		case ${FIG_KIND[$key]} in
		placeholder)
			# FIG_NOTE is "WORD: reason": the word fills the cells.
			row="| ${FIG_TITLE[$key]} — ${FIG_NOTE[$key]#*: } | |"
			for rt in "${COLUMNS[@]}" "${RATIOS[@]}"; do row+=" ${FIG_NOTE[$key]%%:*} |"; done
			;;
		count)
			for rt in "${COLUMNS[@]}"; do row+=" $(cell "$key" "$rt") |"; done
			for rt in "${RATIOS[@]}"; do row+=" |"; done
			;;
		*)
			for rt in "${COLUMNS[@]}"; do row+=" $(cell "$key" "$rt") |"; done
			for rt in "${RATIOS[@]}"; do row+=" $(ratio_cell "$key" "${rt%/*}" "${rt#*/}") |"; done
			;;
		esac
		echo "$row"
	done
}

# --- figures 7, 8 and 9: jaula against its peers (lib/peers.sh) ---------------------

# diff_med KEY A B: median over rounds of A's sample - B's sample of the
# same round (figure 8b: what --net bridge adds).
diff_med() {
	local a b r
	a=$(samples_file "$1" "$2") b=$(samples_file "$1" "$3")
	[ -s "$a" ] && [ -s "$b" ] || { echo -; return; }
	awk 'NR == FNR { a[$1] = $2; next } ($1 in a) { print $1, a[$1] - $2 }' "$a" "$b" \
		>"$BENCH_WORK/diff.tmp"
	r=$(stats "$BENCH_WORK/diff.tmp")
	echo "${r%% *}"
}

# peer_compare KEY: jaula against peer, as the ratio or the difference.
peer_compare() {
	if [ "${FIG_CMP[$1]}" = diff ]; then
		local d
		d=$(diff_med "$1" jaula peer)
		[ "$d" = - ] && { echo -; return; }
		awk -v d="$d" -v u="${FIG_UNIT[$1]}" 'BEGIN { printf("%+.2f %s", d, u) }'
	else
		ratio_cell "$1" jaula peer
	fi
}

# peer_goal_text KEY: the issue's goal, e.g. "≥ 2×".
peer_goal_text() {
	local op lim
	read -r op lim <<<"${FIG_GOAL[$1]}"
	case $op in
	ge) echo "≥ ${lim}×" ;;
	le) echo "≤ ${lim}×" ;;
	flat) echo "flat: within ±$(awk -v l="$lim" 'BEGIN { print l * 100 }')%" ;;
	diffle) echo "adds ≤ $lim ${FIG_UNIT[$1]}" ;;
	none) echo "none (reported)" ;;
	esac
}

# peer_verdict KEY: **met**, **missed** or n/a (why).
peer_verdict() {
	local op lim v
	read -r op lim <<<"${FIG_GOAL[$1]}"
	[ "$op" = none ] && { echo "-"; return; }
	if [ "$op" = diffle ]; then v=$(diff_med "$1" jaula peer); else v=$(ratio "$1" jaula peer); fi
	if [ "$v" = - ]; then
		local na=${NA[$1.jaula]:-${NA[$1.peer]:-no data}}
		case $na in n/a*) echo "$na" ;; *) echo "n/a ($na)" ;; esac
	elif awk -v v="$v" -v l="$lim" -v op="$op" 'BEGIN {
		if (op == "ge") ok = v >= l; else if (op == "le" || op == "diffle") ok = v <= l
		else ok = (v - 1 <= l && 1 - v <= l)
		exit !ok }'; then
		echo "**met**"
	else
		echo "**missed**"
	fi
}

peer_table() {
	local key
	echo "| figure | unit | jaula | peer | peer is | jaula vs peer | goal | goal met? |"
	echo "|---|---|---|---|---|---|---|---|"
	for key in "${FIGURES[@]}"; do
		[ "${FIG_TABLE[$key]:-}" = peers ] || continue
		echo "| ${FIG_TITLE[$key]} | ${FIG_UNIT[$key]} | $(cell "$key" jaula) | $(cell "$key" peer) |" \
			"${FIG_PEER[$key]} | $(peer_compare "$key") | $(peer_goal_text "$key") | $(peer_verdict "$key") |"
	done
}

peer_targets() {
	local key
	for key in "${FIGURES[@]}"; do
		[ "${FIG_TABLE[$key]:-}" = peers ] || continue
		[ "${FIG_GOAL[$key]%% *}" = none ] && continue
		echo "- ${FIG_TITLE[$key]%% (*}: jaula $(peer_goal_text "$key") against ${FIG_PEER[$key]}: $(peer_verdict "$key") ($(peer_compare "$key"))"
	done
}

# peers_ran: whether a figure of the second table ran (not BENCH_ONLY-skipped).
peers_ran() {
	local key
	for key in "${FIGURES[@]}"; do
		[ "${FIG_TABLE[$key]:-}" = peers ] && [ "${NA[$key.jaula]:-}" != skipped ] && return 0
	done
	return 1
}

# peer_conditions: the lines below, less those of figures BENCH_ONLY skipped.
peer_conditions() {
	local line k
	peer_conditions_all | while IFS= read -r line; do
		case $line in
		"- 7a:"*) k=img_import ;;
		"- 7b:"*) k=img_run ;;
		"- 7c:"*) k=img_size ;;
		"- 8a:"*) k=net_setup ;;
		"- 8b:"*) k=net_run ;;
		*) k='' ;;
		esac
		[ -n "$k" ] && [ "${NA[$k.jaula]:-}" = skipped ] && continue
		printf '%s\n' "$line"
	done
}

peer_conditions_all() {
	cat <<EOF
- images and networks (second table): columns "jaula" and "peer", interleaved jaula, peer, jaula, peer... after $BENCH_WARMUP warm-up round(s); $BENCH_SLOW_N rounds for 7a and 7b (umoci and podman take seconds a round), $BENCH_N for 7c, 8a and 8b; cells median (min–max); "jaula vs peer" is the median of per-round ratios (8b: of per-round differences).  All inside the bench's private mount and network namespaces, every store on its tmpfs.
- 7a: one generated OCI layout (tests/bench/lib/mkimage.py, no downloads): busybox-static rootfs, 24 MiB in 6 incompressible files, 3000 small text files, and a layer with a whiteout, an opaque dir, 20 hardlinks and 20 symlinks: 4 layers tar+gzip, $(awk -v b="${IMG_BYTES:-0}" 'BEGIN { printf "%.1f", b / 1e6 }') MB uncompressed (the MB of MB/s: 10^6 bytes of layer tar), $(du -sm "$IMG_LAYOUT" 2>/dev/null | cut -f1) MiB as a layout.  jaula: \`jaula --store FRESH image import -q LAYOUT bench:multi\` (verifies and stores the blobs, unpacks every layer) into a fresh store each round; umoci: \`umoci unpack --image LAYOUT:multi FRESH\` ($(umoci --version 2>/dev/null)) as root.
- 7b: \`jaula run --rm --net none bench:multi true\` (cgroupfs, cgroups on) vs $(podman --version 2>/dev/null) on the same image, loaded from the oci-archive \`jaula image export\` writes: \`podman --root/--runroot/--tmpdir (private, on the tmpfs) --storage-driver overlay --cgroup-manager cgroupfs --events-backend none --runtime runc run --rm --network none --cgroup-parent /TAG-podman --ulimit nofile=1024:1024 --ulimit nproc=4096:4096\`, with a private containers.conf (pids_limit 0: this cgroup2 has no pids controller) and storage.conf (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF).  runc, not crun: crun 1.8's cgroupfs manager fails here (no CAP_SYS_RESOURCE, see above).  The ulimits: podman's defaults raise RLIMIT_NOFILE/NPROC, which fails here for the same reason; 1024 open files is what runc spec sets too.
- 7c: the same \`jaula run --rm --net none IMAGE true\` of two 2-layer images: busybox + a $BENCH_BIG_MB MiB layer (16 MiB files of zeros; generated once in build/bench/ and reused) vs busybox + a one-file layer; both unpacked in the store before the rounds.
- 8a: jaula: \`jaula network connect bridge ID --netns NS\` then \`jaula network disconnect ID\` (two execs; bridge jaula0, 10.87.0.0/16, masquerade with nftables); CNI: /usr/lib/cni/bridge (containernetworking-plugins $(dpkg-query -W -f '${Version}' containernetworking-plugins 2>/dev/null)) ADD then DEL, the config on stdin and CNI_* in the environment as a CNI runtime passes them (no shell in between): bridge cni0, isGateway, ipMasq (iptables), host-local IPAM on the same 10.87.0.0/16 with its dataDir on the tmpfs.  NS: a sleeper in its own network namespace; bridges and rules made on first use fall in the warm-up round.  \`disconnect\` returns once the container is cut off (host end down; rules, ports, lease gone) and a helper deletes the veth behind the network's lock: that deletion waits 15-40 ms in the kernel's rcu_barrier(); "8a (wait)" is \`disconnect --wait\`, deleting in place as CNI's DEL does.  tests/tools/netbench.sh also shows jaula's in-process cost (no exec).
- 8b: \`jaula run --rm --net bridge bench:small true\` vs \`--net none\`: the difference is what a veth pair, an address, a route and the NAT rule cost per container, setup and teardown.
EOF
}

# target KEY OTHER OP LIMIT "TEXT": one line of the targets list.
target() {
	local r verdict
	r=$(ratio "$1" jaula "$2")
	if [ "$r" = - ]; then
		verdict="n/a (${NA[$1.jaula]:-no data})"
	elif awk -v r="$r" -v l="$4" -v op="$3" 'BEGIN { exit !(op == "le" ? r <= l : r >= l) }'; then
		verdict="**met** ($(awk -v r="$r" 'BEGIN { printf "%.2f", r }')×)"
	else
		verdict="**missed** ($(awk -v r="$r" 'BEGIN { printf "%.2f", r }')×)"
	fi
	echo "- $5: $verdict"
}

targets() {
	target run crun le 0.8 "run /bin/true ≤ 0.8× crun"
	target run runc le 0.3 "run /bin/true ≤ 0.3× runc"
	target run floor le 1.5 "run /bin/true ≤ 1.5× the floor"
	target rss_run crun le 0.8 "peak RSS (run) ≤ 0.8× crun"
	target rss_exec crun le 0.8 "peak RSS (exec) ≤ 0.8× crun"
	local f
	f=$(cell par_fail jaula)
	if [ "$f" = - ] || [ -n "${NA[par.jaula]:-}" ]; then
		echo "- $BENCH_PAR in parallel, no failures: n/a (not run)"
	elif [ "$f" = 0 ]; then
		echo "- $BENCH_PAR in parallel, no failures: **met** (0 over $BENCH_PAR_ROUNDS rounds)"
	else
		echo "- $BENCH_PAR in parallel, no failures: **missed** ($f failed)"
	fi
	target par_tput crun ge 1.0 "$BENCH_PAR in parallel, throughput ≥ crun"
	target exec crun le 0.8 "exec /bin/true ≤ 0.8× crun"
	peers_ran && peer_targets
	true
}

# The commit build/jaula most likely came from, and whether the tree differs.
jaula_revision() {
	local rev
	rev=$(git -C "$BENCH_TOP" rev-parse --short HEAD 2>/dev/null) || { echo "unknown commit"; return; }
	[ -n "$(git -C "$BENCH_TOP" status --porcelain --untracked-files=no 2>/dev/null)" ] &&
		rev+=" + uncommitted changes"
	echo "commit $rev"
}

conditions() {
	local cpu ctrls
	cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	ctrls=$(cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null)
	cat <<EOF
- date: $(date -u '+%Y-%m-%d %H:%M UTC'); host: $(nproc) CPUs, ${cpu:-unknown CPU}, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); kernel $(uname -r); load average before/after: $BENCH_LOAD / $(cut -d' ' -f1-3 /proc/loadavg) (other sessions share this machine)
- versions: $("$JAULA" --version 2>&1 | head -n 1) ($JAULA_ORIG at $(jaula_revision), sha256 $(sha256sum "$JAULA" | cut -c1-12); run as a copy in build/bench/bin, dropped from the page cache after the copy so that exec reads it back as it reads the peers' binaries); $(runc --version | head -n 1); $(crun --version | head -n 1)
- cgroups: the host is hybrid (v1 controllers; cgroup2 at /sys/fs/cgroup/unified).  Every runtime, the floor included, runs inside \`unshare -m -n --propagation private\` with a pure cgroup2 mounted at /sys/fs/cgroup, whose controllers here are: "${ctrls:-none}".  So "with cgroups" means: create a cgroup directory, put the init in it, attach the device eBPF filter (runc spec's deny-all device rule), remove it on delete; no resource controller is written.
- jaula and runc: default cgroupfs manager (cgroups **on**); "jaula (no cgroup)": \`jaula --cgroup-manager=disabled\`; crun: \`crun --cgroup-manager=disabled\` (cgroups **off**: crun 1.8 fails here with "setrlimit (RLIM_MEMLOCK): Operation not permitted", as this sandbox lacks CAP_SYS_RESOURCE).  Compare jaula (no cgroup) with crun for like-for-like.
- bundle: one \`runc spec\` config for all (made inside the namespaces, so with runc's cgroup2 defaults; ociVersion set to "1.0.2", terminal false, busybox-static rootfs on tmpfs, readonly: $(jq -r .root.readonly "$BUNDLE/config.json"), namespaces: $(jq -r '[.linux.namespaces[].type] | join(", ")' "$BUNDLE/config.json"), $(jq -r '.mounts | length' "$BUNDLE/config.json") mounts), args set per figure; exec targets run \`sleep\`.
- floor: \`unshare -m -u -i -n -p -f chroot ROOTFS /bin/true\`; for exec, \`nsenter -t PID -m -u -i -n -p -r -w /bin/true\` into an unshare'd chrooted sleeper.
- method: $BENCH_WARMUP warm-up round(s), then $BENCH_N rounds ($BENCH_PAR_ROUNDS for parallel) interleaved jaula, jaula (no cgroup), crun, runc, floor in every round; cells are median (min–max); ratios are the median of per-round ratios.  Wall time by a small C driver (build/bench/benchexec, CLOCK_MONOTONIC around fork/exec/wait only; stdio /dev/null).  Peak RSS: GNU \`/usr/bin/time -f %M\` = wait4's ru_maxrss: the largest RSS of the runtime process over its life (across jaula's memfd re-exec) or of any descendant it waited for (the container init, which becomes /bin/true), not a sum.  Parallel: all $BENCH_PAR \`run\`s forked at once on $(nproc) CPUs.  Took ${BENCH_SECONDS}s.
EOF
	# figure 6 ran in a VM under other conditions: its own line, when it ran
	if declare -F memmax_conditions >/dev/null; then memmax_conditions; fi
	if peers_ran; then peer_conditions; fi
}

report_write() {
	{
		echo "# jaula benchmarks"
		echo
		echo "Generated by \`make bench\` (tests/bench/run.sh); never a pass/fail test."
		echo
		echo "## Conditions"
		echo
		conditions
		echo
		echo "## Results"
		echo
		table
		echo
		echo "### Images, networks and the sandbox: jaula against its peers"
		echo
		peer_table
		echo
		echo "## Targets"
		echo
		targets
		echo
		[ "${PROFILED:-0}" = 1 ] && [ -f "$BENCH_OUT/profile/summary.md" ] && cat "$BENCH_OUT/profile/summary.md" && echo
		[ -f "$BENCH_TOP/tests/bench/analysis.md" ] && cat "$BENCH_TOP/tests/bench/analysis.md"
		true
	} >"$RESULTS_MD.new" && mv "$RESULTS_MD.new" "$RESULTS_MD"
	cat "$RESULTS_MD"
	chart
	echo "bench: wrote $RESULTS_MD and $([ -f "$RESULTS_PNG" ] && echo "$RESULTS_PNG" || echo "no chart")"
}
