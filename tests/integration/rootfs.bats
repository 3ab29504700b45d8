#!/usr/bin/env bats
# The container's root filesystem as seen from inside (mountinfo, stat,
# writes) and from the host: pivot_root, rootfsPropagation, every mount type
# and option of config.md, symlinked destinations, /dev, maskedPaths,
# readonlyPaths, sysctl and id-mapped mounts.

load lib/helpers

# The shared teardown, then the host mounts this file's tests made.
eval "helpers_$(declare -f teardown)"
teardown() {
	helpers_teardown
	local m
	if [ -f "$BATS_TEST_TMPDIR/.host-mounts" ]; then
		for m in $(tac "$BATS_TEST_TMPDIR/.host-mounts"); do
			umount -R -l "$m" 2>/dev/null
		done
	fi
	[ -z "${USERNS_DIR:-}" ] || rm -rf "$USERNS_DIR"
}

# host_mount ARGS... TARGET: mount(8) in the test shell, undone by teardown.
host_mount() {
	mount "$@" && echo "${*: -1}" >>"$BATS_TEST_TMPDIR/.host-mounts"
}

# add_mount DEST TYPE SOURCE [OPTION...]: append to config.json's mounts.
add_mount() {
	local f="$BUNDLE/config.json" d=$1 t=$2 s=$3
	shift 3
	jq --arg d "$d" --arg t "$t" --arg s "$s" \
		'.mounts += [{"destination": $d, "type": $t, "source": $s,
			"options": $ARGS.positional}]' "$f" --args -- "$@" >"$f.new" && mv "$f.new" "$f"
}

# The mountinfo lines of $output (the container printed its mountinfo).
mi_all() {
	printf '%s\n' "$output" | grep -E '^[0-9]+ [0-9]+ [0-9]+:[0-9]+ '
}

# mi_line MOUNTPOINT: the top mount at MOUNTPOINT (the last line for it).
mi_line() {
	mi_all | awk -v mp="$1" '$5 == mp' | tail -n1
}

# Per-mount options, optional fields (shared:N ...), fs type, super options.
mi_opts() { mi_line "$1" | awk '{print $6}'; }
mi_optional() { mi_line "$1" | awk '{s = ""; for (i = 7; $i != "-"; i++) s = s " " $i; print s}'; }
mi_fstype() { mi_line "$1" | awk '{for (i = 7; $i != "-"; i++) ; print $(i + 1)}'; }
mi_super() { mi_line "$1" | awk '{for (i = 7; $i != "-"; i++) ; print $(i + 3)}'; }

# has_opt LIST OPT: OPT is one of the comma-separated LIST.
has_opt() { [[ ",$1," == *",$2,"* ]]; }

# A host directory with a tmpfs submount holding a file, for rbind tests.
make_tree() {
	mkdir -p "$1/sub"
	echo top >"$1/topfile"
	host_mount -t tmpfs -o size=1m jaula-sub "$1/sub"
	echo sub >"$1/sub/subfile"
}

# --- pivot_root --------------------------------------------------------------

@test "pivot_root: / is the rootfs and no host mount is visible" {
	sh_ctr 'stat -c %i /; cat /proc/self/mountinfo; ls -a /'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(stat -c %i "$ROOTFS")" ]
	[ "$(mi_all | awk '$5 == "/"' | wc -l)" -eq 1 ]
	[[ "$(mi_line /)" == *" /rootfs / "* ]]
	# only what config.json asked for: no host paths, no host filesystems
	extra=$(mi_all | awk '{print $5}' | grep -vE '^/(proc|dev|sys)(/|$)|^/$' || true)
	[ -z "$extra" ] || { echo "unexpected mounts: $extra"; false; }
	! mi_all | awk '{print $5}' | grep -E "^(/work|/mnt|/tmp|$BATS_TEST_TMPDIR)"
	! mi_all | grep -E ' - (ext4|devtmpfs) '
	[[ "$output" == *$'\nhelpers\n'* ]]
}

@test "pivot_root: a bind mount is the only way a host path gets in" {
	mkdir -p "$BATS_TEST_TMPDIR/vol"
	echo host-data >"$BATS_TEST_TMPDIR/vol/f"
	add_mount /tmp bind "$BATS_TEST_TMPDIR/vol" rbind
	sh_ctr 'cat /tmp/f; cat /proc/self/mountinfo; [ ! -e /work ] && echo no-work'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = host-data ]
	[ -n "$(mi_line /tmp)" ]
	[[ "$output" == *no-work* ]]
	! mi_all | awk '{print $5}' | grep -E "^(/work|$BATS_TEST_TMPDIR)"
}

@test "--no-pivot: MS_MOVE + chroot, the container still sees its rootfs" {
	set_args sh -c 'stat -c %i /; ls /helpers >/dev/null && echo has-helpers; [ ! -e /work ] && echo no-work; cat /proc/self/mountinfo'
	run jaula run --no-pivot -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(stat -c %i "$ROOTFS")" ]
	[ "${lines[1]}" = has-helpers ]
	[ "${lines[2]}" = no-work ]
	[ -n "$(mi_line /proc)" ]
	assert_gone "$ID"
}

# --- root.readonly, rootfsPropagation -------------------------------------

@test "root.readonly: / is read-only, a tmpfs mount stays writable" {
	cfg '.root.readonly = true'
	sh_ctr 'touch /newfile; echo rc=$?; touch /dev/shm/x && echo shm-ok; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *rc=1* ]]
	[[ "$output" == *shm-ok* ]]
	has_opt "$(mi_opts /)" ro
	! has_opt "$(mi_opts /dev/shm)" ro
	[ ! -e "$ROOTFS/newfile" ]
}

# The propagation of "/" can only show a master when the rootfs comes from a
# shared mount: make the private rootfs one.
shared_rootfs() {
	private_rootfs
	host_mount --bind "$BATS_TEST_TMPDIR/rootfs" "$BATS_TEST_TMPDIR/rootfs"
	mount --make-shared "$BATS_TEST_TMPDIR/rootfs"
}

# root_optional [PROPAGATION]: the optional fields of "/" inside.
root_optional() {
	if [ -n "$1" ]; then
		cfg '.linux.rootfsPropagation = $p' --arg p "$1"
	else
		cfg 'del(.linux.rootfsPropagation)'
	fi
	sh_ctr 'cat /proc/self/mountinfo'
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	mi_optional /
}

@test "rootfsPropagation: default rslave, shared, slave, private, unbindable and r-forms" {
	shared_rootfs
	opt=$(root_optional "")
	[[ "$opt" == *master:* && "$opt" != *shared:* ]]
	for p in slave rslave; do
		opt=$(root_optional $p)
		[[ "$opt" == *master:* && "$opt" != *shared:* ]] || { echo "$p: $opt"; false; }
	done
	for p in shared rshared; do
		opt=$(root_optional $p)
		[[ "$opt" == *shared:* ]] || { echo "$p: $opt"; false; }
	done
	for p in private rprivate; do
		opt=$(root_optional $p)
		[[ "$opt" != *shared:* && "$opt" != *master:* && "$opt" != *unbindable* ]] ||
			{ echo "$p: $opt"; false; }
	done
	for p in unbindable runbindable; do
		opt=$(root_optional $p)
		[[ "$opt" == *unbindable* && "$opt" != *shared:* ]] || { echo "$p: $opt"; false; }
	done
}

@test "rootfsPropagation: an unknown value is refused and nothing is left" {
	cfg '.linux.rootfsPropagation = "sideways"'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.rootfsPropagation"*'"sideways"'* ]]
	assert_gone "$ID"
}

# --- mounts ----------------------------------------------------------------

@test "bind: a directory, a file, and a relative source against the bundle" {
	private_rootfs
	mkdir -p "$BATS_TEST_TMPDIR/vol" "$BUNDLE/rel"
	echo in-dir >"$BATS_TEST_TMPDIR/vol/f"
	echo in-file >"$BATS_TEST_TMPDIR/onefile"
	echo in-rel >"$BUNDLE/rel/g"
	add_mount /vol bind "$BATS_TEST_TMPDIR/vol" bind
	add_mount /etc/onefile bind "$BATS_TEST_TMPDIR/onefile" bind
	add_mount /relative bind rel bind
	sh_ctr 'cat /vol/f /etc/onefile /relative/g; echo written >/vol/new; [ -f /etc/onefile ] && echo is-file'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = in-dir ]
	[ "${lines[1]}" = in-file ]
	[ "${lines[2]}" = in-rel ]
	[ "${lines[3]}" = is-file ]
	[ "$(cat "$BATS_TEST_TMPDIR/vol/new")" = written ]
	# the targets were made inside the rootfs, as a dir and as a file
	[ -d "$BATS_TEST_TMPDIR/rootfs/vol" ] && [ -f "$BATS_TEST_TMPDIR/rootfs/etc/onefile" ]
}

@test "bind: rbind brings submounts along, bind does not" {
	private_rootfs
	make_tree "$BATS_TEST_TMPDIR/tree"
	add_mount /r bind "$BATS_TEST_TMPDIR/tree" rbind
	add_mount /b bind "$BATS_TEST_TMPDIR/tree" bind
	sh_ctr 'cat /r/topfile /r/sub/subfile; ls -A /b/sub | wc -l; cat /b/topfile; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = top ]
	[ "${lines[1]}" = sub ]
	[ "${lines[2]}" = 0 ]
	[ "${lines[3]}" = top ]
	[ "$(mi_fstype /r/sub)" = tmpfs ]
	[ -z "$(mi_line /b/sub)" ]
}

@test "bind: ro makes writes fail; nosuid,nodev,noexec show per mount" {
	private_rootfs
	mkdir -p "$BATS_TEST_TMPDIR/vol"
	add_mount /ro bind "$BATS_TEST_TMPDIR/vol" bind ro
	add_mount /flags bind "$BATS_TEST_TMPDIR/vol" bind nosuid nodev noexec
	sh_ctr 'touch /ro/x; echo rc=$?; touch /flags/y && echo flags-writable; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *rc=1* ]]
	[[ "$output" == *flags-writable* ]]
	[ ! -e "$BATS_TEST_TMPDIR/vol/x" ]
	[ -e "$BATS_TEST_TMPDIR/vol/y" ]
	has_opt "$(mi_opts /ro)" ro
	o=$(mi_opts /flags)
	has_opt "$o" rw && has_opt "$o" nosuid && has_opt "$o" nodev && has_opt "$o" noexec
	! has_opt "$(mi_opts /ro)" noexec
}

@test "bind: noexec really stops exec, and exec is the default" {
	private_rootfs
	mkdir -p "$BATS_TEST_TMPDIR/vol"
	# busybox picks the applet by its name
	cp "$ROOTFS/bin/busybox" "$BATS_TEST_TMPDIR/vol/true"
	add_mount /ne bind "$BATS_TEST_TMPDIR/vol" bind noexec
	add_mount /ex bind "$BATS_TEST_TMPDIR/vol" bind
	sh_ctr '/ex/true && echo exec-ok; /ne/true; echo rc=$?'
	[[ "$output" == *exec-ok* ]]
	[[ "$output" == *"Permission denied"* ]]
	[[ "$output" == *rc=126* ]]
}

@test "bind: nosymfollow refuses to follow links on the mount" {
	private_rootfs
	mkdir -p "$BATS_TEST_TMPDIR/vol"
	echo target >"$BATS_TEST_TMPDIR/vol/t"
	ln -s t "$BATS_TEST_TMPDIR/vol/link"
	add_mount /nsf bind "$BATS_TEST_TMPDIR/vol" bind nosymfollow
	add_mount /plain bind "$BATS_TEST_TMPDIR/vol" bind
	sh_ctr 'cat /plain/link; cat /nsf/link; echo nsf-rc=$?; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = target ]
	[[ "$output" == *"Too many levels of symbolic links"* ]]
	[[ "$output" == *nsf-rc=1* ]]
	has_opt "$(mi_opts /nsf)" nosymfollow
	! has_opt "$(mi_opts /plain)" nosymfollow
}

@test "a relative mount destination is relative to / (runtime-spec 1.2)" {
	private_rootfs
	mkdir -p "$BATS_TEST_TMPDIR/vol"
	add_mount rel/dest bind "$BATS_TEST_TMPDIR/vol" bind
	sh_ctr 'cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[ -n "$(mi_line /rel/dest)" ]
}

@test "tmpfs: size= and mode= take effect" {
	private_rootfs
	add_mount /t tmpfs tmpfs size=2m mode=1750 nosuid
	sh_ctr 'df -k /t | tail -n1; stat -c %a /t; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[0]}" | awk '{print $2}')" = 2048 ]
	[ "${lines[1]}" = 1750 ]
	[ "$(mi_fstype /t)" = tmpfs ]
	has_opt "$(mi_super /t)" size=2048k
	has_opt "$(mi_opts /t)" nosuid
}

@test "tmpfs with tmpcopyup starts with the covered directory's content" {
	private_rootfs
	R=$BATS_TEST_TMPDIR/rootfs
	mkdir -p "$R/data/sub"
	echo hello >"$R/data/sub/f"
	chown 7:8 "$R/data/sub/f" && chmod 0604 "$R/data/sub/f"
	chmod 0751 "$R/data/sub"
	ln -s /etc/passwd "$R/data/link"
	mkfifo "$R/data/fifo"
	add_mount /data tmpfs tmpfs tmpcopyup mode=755
	add_mount /rodata tmpfs tmpfs tmpcopyup ro
	mkdir -p "$R/rodata" && echo ro >"$R/rodata/g"
	sh_ctr 'cat /data/sub/f; stat -c "%u:%g %a" /data/sub/f; stat -c %a /data/sub; readlink /data/link
		[ -p /data/fifo ] && echo fifo; echo new >/data/new && echo written; cat /rodata/g
		touch /rodata/h; echo ro-rc=$?; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello ]
	[ "${lines[1]}" = "7:8 604" ]
	[ "${lines[2]}" = 751 ]
	[ "${lines[3]}" = /etc/passwd ]
	[ "${lines[4]}" = fifo ]
	[ "${lines[5]}" = written ]
	[ "${lines[6]}" = ro ]
	[[ "$output" == *ro-rc=1* ]]
	[ "$(mi_fstype /data)" = tmpfs ]
	has_opt "$(mi_opts /rodata)" ro
	# the copy went into the tmpfs, not the rootfs
	[ ! -e "$R/data/new" ]
	cfg 'del(.mounts[-1], .mounts[-2])'
	add_mount /data bind "$R/data" bind tmpcopyup
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"tmpcopyup needs a tmpfs mount"* ]]
	assert_gone "$ID"
}

@test "proc, sysfs (ro), mqueue and devpts (newinstance, ptmxmode) as config.json asks" {
	sh_ctr 'cat /proc/self/mountinfo; touch /sys/x; echo sys-rc=$?; stat -c "%a %d" /dev/pts/ptmx; ls /dev/pts | wc -l'
	[ "$status" -eq 0 ]
	[ "$(mi_fstype /proc)" = proc ]
	[ "$(mi_fstype /sys)" = sysfs ]
	has_opt "$(mi_opts /sys)" ro
	[[ "$output" == *"sys-rc=1"* ]]
	[ "$(mi_fstype /dev/mqueue)" = mqueue ]
	o=$(mi_opts /dev/mqueue)
	has_opt "$o" nosuid && has_opt "$o" nodev && has_opt "$o" noexec
	[ "$(mi_fstype /dev/pts)" = devpts ]
	s=$(mi_super /dev/pts)
	has_opt "$s" ptmxmode=666 && has_opt "$s" mode=620 && has_opt "$s" gid=5
	# a new devpts instance: its own superblock and no ptys of the host
	ptmx=$(printf '%s\n' "$output" | grep -E '^[0-7]+ [0-9]+$')
	[ "${ptmx% *}" = 666 ]
	[ "${ptmx#* }" != "$(stat -c %d /dev/pts/ptmx)" ]
	[ "${lines[-1]}" = 1 ]
}

@test "cgroup: with a cgroup namespace the container's own cgroup is its root" {
	sh_ctr 'cat /sys/fs/cgroup/cgroup.controllers >/dev/null && echo readable; grep "^0::" /proc/self/cgroup; ls /sys/fs/cgroup; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = readable ]
	[ "${lines[1]}" = "0::/" ]
	[ "$(mi_fstype /sys/fs/cgroup)" = cgroup2 ]
	[[ "$(mi_line /sys/fs/cgroup)" == *" / /sys/fs/cgroup "* ]]
	has_opt "$(mi_opts /sys/fs/cgroup)" ro
	# the host's cgroup tree (with jaula/) is not what it sees
	! printf '%s\n' "$output" | grep -qx jaula
}

@test "cgroup: without a cgroup namespace the container's cgroup is bind-mounted" {
	cfg 'del(.linux.namespaces[] | select(.type == "cgroup"))'
	sh_ctr 'cat /sys/fs/cgroup/cgroup.controllers >/dev/null && echo readable; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = readable ]
	[ "$(mi_fstype /sys/fs/cgroup)" = cgroup2 ]
	[[ "$(mi_line /sys/fs/cgroup)" == *" /jaula/$ID /sys/fs/cgroup "* ]]
}

@test "atime options: noatime, relatime, strictatime on tmpfs and on binds" {
	private_rootfs
	mkdir -p "$BATS_TEST_TMPDIR/vol"
	add_mount /na tmpfs tmpfs noatime
	add_mount /ra tmpfs tmpfs relatime
	add_mount /sa tmpfs tmpfs strictatime
	add_mount /bna bind "$BATS_TEST_TMPDIR/vol" bind noatime
	add_mount /bsa bind "$BATS_TEST_TMPDIR/vol" bind strictatime
	sh_ctr 'cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	has_opt "$(mi_opts /na)" noatime
	has_opt "$(mi_opts /ra)" relatime
	o=$(mi_opts /sa)
	! has_opt "$o" relatime && ! has_opt "$o" noatime
	has_opt "$(mi_opts /bna)" noatime
	o=$(mi_opts /bsa)
	! has_opt "$o" relatime && ! has_opt "$o" noatime
}

@test "recursive attributes: rro reaches the submount of an rbind, ro does not" {
	private_rootfs
	make_tree "$BATS_TEST_TMPDIR/tree"
	add_mount /rro bind "$BATS_TEST_TMPDIR/tree" rbind rro
	add_mount /ro bind "$BATS_TEST_TMPDIR/tree" rbind ro
	sh_ctr 'touch /rro/sub/a; echo rro-rc=$?; touch /ro/sub/b && echo ro-sub-writable; touch /ro/c; echo ro-rc=$?; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[[ "$output" == *rro-rc=1* ]]
	[[ "$output" == *ro-sub-writable* ]]
	[[ "$output" == *ro-rc=1* ]]
	has_opt "$(mi_opts /rro)" ro && has_opt "$(mi_opts /rro/sub)" ro
	has_opt "$(mi_opts /ro)" ro && has_opt "$(mi_opts /ro/sub)" rw
	[ -e "$BATS_TEST_TMPDIR/tree/sub/b" ] && [ ! -e "$BATS_TEST_TMPDIR/tree/sub/a" ]
}

@test "recursive attributes: rnosuid, rnoexec, rnodev on the submount; plain ones stay on top" {
	private_rootfs
	make_tree "$BATS_TEST_TMPDIR/tree"
	add_mount /r bind "$BATS_TEST_TMPDIR/tree" rbind rnosuid rnoexec rnodev
	add_mount /p bind "$BATS_TEST_TMPDIR/tree" rbind nosuid noexec
	sh_ctr 'cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	for mp in /r /r/sub; do
		o=$(mi_opts $mp)
		has_opt "$o" nosuid && has_opt "$o" noexec && has_opt "$o" nodev || { echo "$mp $o"; false; }
	done
	o=$(mi_opts /p)
	has_opt "$o" nosuid && has_opt "$o" noexec
	o=$(mi_opts /p/sub)
	! has_opt "$o" nosuid && ! has_opt "$o" noexec
}

@test "propagation options on a mount: rshared and rslave binds" {
	private_rootfs
	mkdir -p "$BATS_TEST_TMPDIR/vol" "$BATS_TEST_TMPDIR/vol2"
	add_mount /shared bind "$BATS_TEST_TMPDIR/vol" rbind rshared
	add_mount /private bind "$BATS_TEST_TMPDIR/vol2" rbind rprivate
	sh_ctr 'cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[[ "$(mi_optional /shared)" == *shared:* ]]
	[[ "$(mi_optional /private)" != *shared:* ]]
}

@test "mount errors: a missing type, a missing source, an unknown fs type" {
	cfg '.mounts += [{"destination": "/x", "source": "none", "options": ["ro"]}]'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'mounts[7]: missing required field "type"'* ]]
	assert_gone "$ID"
	cfg 'del(.mounts[7]) | .mounts += [{"destination": "/x", "type": "bind", "options": ["bind"]}]'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'mounts[7]: a bind mount needs a "source"'* ]]
	cfg 'del(.mounts[7]) | .mounts += [{"destination": "/tmp", "type": "nosuchfs", "source": "x"}]'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'mounts[7]: mount nosuchfs on "/tmp"'* ]]
	assert_gone "$ID"
}

# --- destinations resolve inside the rootfs -----------------------------------

@test "mount destinations follow symlinks inside the rootfs, never out of it" {
	private_rootfs
	R=$BATS_TEST_TMPDIR/rootfs
	HOST=$BATS_TEST_TMPDIR/hostdir
	HOST2=$BATS_TEST_TMPDIR/hostdir2
	mkdir -p "$HOST" "$HOST2"
	ln -s "$HOST" "$R/evil"
	ln -s "$(printf '../%.0s' $(seq 30))${HOST2#/}" "$R/evil2"
	# if the links were followed on the host they would land here
	[ -d "$R/evil/" ] && [ -d "$R/evil2/" ]
	add_mount /evil/x tmpfs tmpfs
	add_mount /evil2/y tmpfs tmpfs
	before=$(cat /proc/self/mountinfo)
	sh_ctr "cat /proc/self/mountinfo; touch /evil/x/in-x /evil2/y/in-y && echo ok"
	[ "$status" -eq 0 ]
	[[ "$output" == *ok* ]]
	[ "$(mi_fstype "$HOST/x")" = tmpfs ]
	[ "$(mi_fstype "$HOST2/y")" = tmpfs ]
	[ -z "$(ls -A "$HOST")" ]
	[ -z "$(ls -A "$HOST2")" ]
	[ "$(cat /proc/self/mountinfo)" = "$before" ]
	# what was created is inside the rootfs
	[ -d "$R$HOST/x" ] && [ -d "$R$HOST2/y" ]
}

@test "proc and sysfs on a symlinked destination are refused" {
	private_rootfs
	ln -s /tmp "$BATS_TEST_TMPDIR/rootfs/proclink"
	add_mount /proclink proc proc
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'mounts[7]: destination "/proclink" is a symlink'* ]]
	assert_gone "$ID"
	cfg 'del(.mounts[7])'
	add_mount /proclink sysfs sysfs
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'destination "/proclink" is a symlink'* ]]
	assert_gone "$ID"
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/rootfs/tmp")" ]
}

# --- /dev ------------------------------------------------------------------

@test "/dev: the default nodes with their numbers, the links, pts and shm" {
	sh_ctr 'for d in null zero full random urandom tty; do echo "$d $(stat -c "%F %t:%T %a" /dev/$d)"; done
		for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done
		echo x >/dev/shm/w && cat /dev/shm/w; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[[ "$output" == *"null character special file 1:3 666"* ]]
	[[ "$output" == *"zero character special file 1:5 666"* ]]
	[[ "$output" == *"full character special file 1:7 666"* ]]
	[[ "$output" == *"random character special file 1:8 666"* ]]
	[[ "$output" == *"urandom character special file 1:9 666"* ]]
	[[ "$output" == *"tty character special file 5:0 666"* ]]
	[[ "$output" == *"fd -> /proc/self/fd"$'\n'* ]]
	[[ "$output" == *"stdin -> /proc/self/fd/0"* ]]
	[[ "$output" == *"stdout -> /proc/self/fd/1"* ]]
	[[ "$output" == *"stderr -> /proc/self/fd/2"* ]]
	[[ "$output" == *"ptmx -> pts/ptmx"* ]]
	[[ "$output" == *$'\nx\n'* ]]
	[ "$(mi_fstype /dev/pts)" = devpts ]
	[ "$(mi_fstype /dev/shm)" = tmpfs ]
}

@test "/dev: the nodes work (null swallows, zero and urandom give bytes, full is full)" {
	sh_ctr 'echo x >/dev/null && echo null-ok; head -c 4 /dev/zero | od -An -tx1; head -c 16 /dev/urandom | wc -c; echo x >/dev/full; echo full-rc=$?'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = null-ok ]
	[ "$(echo ${lines[1]})" = "00 00 00 00" ]
	[ "${lines[2]}" = 16 ]
	[[ "$output" == *"No space left on device"* ]]
	[[ "$output" == *full-rc=1* ]]
}

@test "linux.devices: c, b and p nodes with their type, mode, owner and numbers" {
	cfg '.linux.devices = [
		{"path": "/dev/mynull", "type": "c", "major": 1, "minor": 3, "fileMode": 384, "uid": 1000, "gid": 1000},
		{"path": "/dev/myloop", "type": "b", "major": 7, "minor": 0, "fileMode": 432},
		{"path": "/dev/sub/myfifo", "type": "p", "fileMode": 420, "uid": 5, "gid": 6}]'
	sh_ctr 'for d in mynull myloop sub/myfifo; do echo "$d $(stat -c "%F %a %u:%g %t:%T" /dev/$d)"; done'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "mynull character special file 600 1000:1000 1:3" ]
	[ "${lines[1]}" = "myloop block special file 660 0:0 7:0" ]
	[ "${lines[2]}" = "sub/myfifo fifo 644 5:6 0:0" ]
}

@test "the device cgroup allows what resources.devices allows and denies a node made with mknod" {
	cfg '.process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
	cfg '.linux.devices = [{"path": "/dev/myloop", "type": "b", "major": 7, "minor": 0}]
		| .linux.resources.devices = [{"allow": false, "access": "rwm"},
			{"allow": true, "type": "b", "major": 7, "minor": 0, "access": "rwm"}]'
	sh_ctr 'dd if=/dev/myloop of=/dev/null count=0 2>&1; echo listed-rc=$?
		mknod /dev/unlisted b 7 1; echo mknod-rc=$?
		mknod /dev/listed2 b 7 0 && echo mknod-listed-ok
		dd if=/dev/unlisted of=/dev/null count=0 2>&1; echo unlisted-rc=$?'
	[ "$status" -eq 0 ]
	# listed: opening reaches the driver (no loop0 bound is fine), not EPERM
	listed=$(printf '%s\n' "$output" | sed -n '1,/listed-rc=/p')
	[[ "$listed" != *"Operation not permitted"* ]]
	[[ "$output" == *mknod-listed-ok* ]]
	# unlisted: the filter refuses creating it (or at least opening it)
	unlisted=$(printf '%s\n' "$output" | sed -n '/listed-rc=/,$p')
	[[ "$unlisted" == *"Operation not permitted"* ]]
	[[ "$output" == *unlisted-rc=1* ]]
}

# --- masked and read-only paths ------------------------------------------------

@test "maskedPaths: files read empty, directories list empty, missing ones are fine" {
	cfg '.linux.maskedPaths += ["/helpers", "/no/such/path"]'
	[ "$(head -c 1 /proc/timer_list | wc -c)" = 1 ] || skip "no /proc/timer_list on this kernel"
	sh_ctr 'wc -c </proc/timer_list; ls -A /sys/firmware | wc -l; ls -A /helpers | wc -l
		touch /sys/firmware/x; echo fw-rc=$?; [ -e /proc/kcore ] && wc -c </proc/kcore || echo no-kcore'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = 0 ]
	[ -n "$(ls -A /sys/firmware)" ] && [ -n "$(ls -A "$ROOTFS/helpers")" ]
	[[ "$output" == *fw-rc=1* ]]
	[ "${lines[-1]}" = 0 ] || [ "${lines[-1]}" = no-kcore ]
}

@test "readonlyPaths: /proc/sys is read-only, an added path too, missing ones are fine" {
	cfg '.linux.readonlyPaths += ["/tmp", "/no/such/path"]'
	sh_ctr 'echo 1 >/proc/sys/net/ipv4/ip_forward; echo sys-rc=$?; touch /tmp/x; echo tmp-rc=$?
		if [ -e /proc/sysrq-trigger ]; then echo h >/proc/sysrq-trigger; echo sysrq-rc=$?; else echo sysrq-rc=1; fi
		cat /proc/sys/net/ipv4/ip_forward'
	[ "$status" -eq 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[[ "$output" == *sys-rc=1* ]]
	[[ "$output" == *tmp-rc=1* ]]
	[[ "$output" == *sysrq-rc=1* ]]
	[ "${lines[-1]}" = 0 ]
	[ ! -e "$ROOTFS/tmp/x" ]
}

# --- hostname, sysctl -----------------------------------------------------

@test "hostname and namespaced sysctls are set inside only" {
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	host_shm=$(cat /proc/sys/kernel/shmmax)
	host_name=$(hostname)
	cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "123456789"}'
	sh_ctr 'hostname; cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = jaula-test ]
	[ "${lines[1]}" = 1 ]
	[ "${lines[2]}" = 123456789 ]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host_fwd" ]
	[ "$(cat /proc/sys/kernel/shmmax)" = "$host_shm" ]
	[ "$(hostname)" = "$host_name" ]
}

@test "a sysctl outside any namespace, or without its namespace, is refused" {
	swappiness=$(cat /proc/sys/vm/swappiness)
	cfg '.linux.sysctl = {"vm.swappiness": "1"}'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'linux.sysctl: "vm.swappiness"'* ]]
	assert_gone "$ID"
	[ "$(cat /proc/sys/vm/swappiness)" = "$swappiness" ]
	cfg '.linux.sysctl = {"kernel.shmmax": "1"} | del(.linux.namespaces[] | select(.type == "ipc"))'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'"kernel.shmmax" needs an ipc namespace'* ]]
	assert_gone "$ID"
	cfg '.linux.sysctl = {"net.nosuch.key": "1"} | .linux.namespaces += [{"type": "ipc"}]'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'linux.sysctl "net.nosuch.key"'* ]]
	assert_gone "$ID"
}

# --- the host is never touched -------------------------------------------------

@test "a container with many mounts leaves the host's mounts and files as they were" {
	private_rootfs
	make_tree "$BATS_TEST_TMPDIR/tree"
	mkdir -p "$BATS_TEST_TMPDIR/vol"
	add_mount /a bind "$BATS_TEST_TMPDIR/tree" rbind rro
	add_mount /b bind "$BATS_TEST_TMPDIR/vol" bind rshared
	add_mount /c tmpfs tmpfs size=1m
	add_mount /c/d/e tmpfs tmpfs
	add_mount /b/inner tmpfs tmpfs
	cfg '.linux.rootfsPropagation = "shared"'
	before=$(cat /proc/self/mountinfo)
	tree_before=$(cd "$BATS_TEST_TMPDIR" && find tree vol | sort)
	set_args sleep 100
	run_detached
	[ "$(cat /proc/self/mountinfo)" = "$before" ]
	jaula delete -f "$ID"
	[ "$(cat /proc/self/mountinfo)" = "$before" ]
	# /b/inner was created on the bind source: the only write through it
	[ "$(cd "$BATS_TEST_TMPDIR" && find tree vol | sort)" = "$(printf '%s\nvol/inner\n' "$tree_before" | sort)" ]
	assert_gone "$ID"
}

# --- id-mapped mounts (runtime-spec 1.2 idmap / ridmap) -------------------------
#
# With uid_map "0 1000 1" on the mount, a file owned by host uid 0 on disk is
# seen as owned by 1000, and a file created through the mount by uid 1000 is
# stored as 0; ids outside the map read as the overflow id (65534), and a
# caller whose own id is not in the map cannot create files there at all
# (EOVERFLOW).  The test dir is on tmpfs, which supports idmapped mounts.

idmap_mount() { # DEST SOURCE OPTIONS-JSON [MAPS-JSON]
	cfg '.mounts += [{"destination": $d, "type": "bind", "source": $s, "options": $o} + $m]' \
		--arg d "$1" --arg s "$2" --argjson o "$3" --argjson m "${4:-{\}}"
}

# Before 6.3 tmpfs cannot be id-mapped: the runtime says so, and the test
# has nothing to look at.
skip_without_tmpfs_idmap() {
	[[ "$output" != *"does its filesystem support id-mapped mounts?"* ]] ||
		skip "this kernel cannot id-map tmpfs: $output"
}

MAP_1000='{"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
	"gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}'

@test "idmap: files owned by host 0 show as 1000; uid 1000 writes land as host 0" {
	private_rootfs
	D=$BATS_TEST_TMPDIR/idm
	mkdir -p "$D"
	echo data >"$D/f"
	touch "$D/other" && chown 5:5 "$D/other"
	idmap_mount /idm "$D" '["bind", "idmap"]' "$MAP_1000"
	idmap_mount /plain "$D" '["bind"]'
	sh_ctr 'stat -c "%u:%g" /idm /idm/f /idm/other /plain/f; cat /idm/f
		touch /idm/byroot; echo root-rc=$?; cat /proc/self/mountinfo'
	skip_without_tmpfs_idmap
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000:1000 ]
	[ "${lines[1]}" = 1000:1000 ]
	[ "${lines[2]}" = 65534:65534 ]
	[ "${lines[3]}" = 0:0 ]
	[ "${lines[4]}" = data ]
	[[ "$output" == *"Value too large"* ]]
	[[ "$output" == *root-rc=1* ]]
	[ ! -e "$D/byroot" ]
	has_opt "$(mi_opts /idm)" idmapped
	! has_opt "$(mi_opts /plain)" idmapped
	# as uid 1000 the directory is its own: create through the mount
	cfg '.process.user = {"uid": 1000, "gid": 1000}'
	sh_ctr 'touch /idm/by1000 && stat -c "%u:%g" /idm/by1000 /plain/by1000'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000:1000 ]
	[ "${lines[1]}" = 0:0 ]
	[ "$(stat -c %u:%g "$D/by1000")" = 0:0 ]
	assert_gone "$ID"
}

@test "idmap maps only the top mount of an rbind, ridmap the submounts too" {
	private_rootfs
	make_tree "$BATS_TEST_TMPDIR/tree"
	idmap_mount /i "$BATS_TEST_TMPDIR/tree" '["rbind", "idmap"]' "$MAP_1000"
	idmap_mount /r "$BATS_TEST_TMPDIR/tree" '["rbind", "ridmap"]' "$MAP_1000"
	sh_ctr 'stat -c %u /i/topfile /i/sub/subfile /r/topfile /r/sub/subfile; cat /proc/self/mountinfo'
	skip_without_tmpfs_idmap
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = 1000 ]
	[ "${lines[3]}" = 1000 ]
	has_opt "$(mi_opts /r/sub)" idmapped
	! has_opt "$(mi_opts /i/sub)" idmapped
}

# Everything a container with a user namespace opens must be reachable by its
# root (host uid 100000): the bats temp dirs are 0700, so use a directory
# beside $ROOTFS, on the harness's tmpfs, removed by teardown.
userns_dir() {
	USERNS_DIR=$(dirname "$ROOTFS")/userns-$ID
	mkdir -m 0755 "$USERNS_DIR"
	cp -a "$ROOTFS" "$USERNS_DIR/rootfs"
	chown -R 100000:100000 "$USERNS_DIR/rootfs"
	cfg '.root.path = $r' --arg r "$USERNS_DIR/rootfs"
}

@test "idmap without mappings of its own uses the container's user namespace maps" {
	userns_dir
	D=$USERNS_DIR/vol
	mkdir -p "$D"
	echo data >"$D/f"
	cfg '.linux.namespaces += [{"type": "user"}] |
		.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] |
		.linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	idmap_mount /idm "$D" '["rbind", "idmap"]'
	idmap_mount /plain "$D" '["rbind"]'
	sh_ctr 'stat -c "%u:%g" /idm/f /plain/f; touch /idm/new && echo created; cat /proc/self/mountinfo'
	skip_without_tmpfs_idmap
	[ "$status" -eq 0 ]
	# host root is the container's root through the mapped mount only
	[ "${lines[0]}" = 0:0 ]
	[ "${lines[1]}" = 65534:65534 ]
	[ "${lines[2]}" = created ]
	[ "$(stat -c %u:%g "$D/new")" = 0:0 ]
	has_opt "$(mi_opts /idm)" idmapped
	assert_gone "$ID"
}

@test "idmap refusals: no maps anywhere, half the maps, not a bind mount" {
	mkdir -p "$BATS_TEST_TMPDIR/vol"
	idmap_mount /tmp "$BATS_TEST_TMPDIR/vol" '["bind", "idmap"]'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *'mounts[7]: "idmap" without uidMappings/gidMappings of its own needs'* ]]
	assert_gone "$ID"
	cfg 'del(.mounts[7])'
	idmap_mount /tmp "$BATS_TEST_TMPDIR/vol" '["bind", "ridmap"]' \
		'{"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}'
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"mounts[7]: an id-mapped mount needs both uidMappings and gidMappings"* ]]
	assert_gone "$ID"
	cfg 'del(.mounts[7]) | .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]} + $m]' \
		--argjson m "$MAP_1000"
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"mounts[7]: id-mapped mounts are only supported for bind mounts"* ]]
	assert_gone "$ID"
}
