#!/usr/bin/env bats
# `jaula run IMAGE`: containers made from images of a store of the test's
# own (--store), as people run them: exit status, --rm, -d + logs + stop +
# rm, the image's config and the flags that override it, the overlay (no
# layer data copied, whiteouts applied, nothing mounted on the host), and
# the rule that tells an image run from runc's bundle run.

load lib/helpers

setup() {
	BUNDLE="$BATS_TEST_TMPDIR/bundle"
	STATE="$BATS_TEST_TMPDIR/state"
	STORE="$BATS_TEST_TMPDIR/store"
	ID="t${BATS_TEST_NUMBER}-${ITEST_RUN}-$RANDOM"
	mkdir -p "$BUNDLE"
	jq --arg root "$ROOTFS" '.root.path = $root' "$ITEST_LIB/config.base.json" \
		>"$BUNDLE/config.json"
	# The busybox rootfs as a one-layer image, the way people get one.
	if [ ! -e "$BATS_FILE_TMPDIR/busybox.tar" ]; then
		tar -C "$ROOTFS" -cf "$BATS_FILE_TMPDIR/busybox.tar" .
	fi
	jaula image import -q "$BATS_FILE_TMPDIR/busybox.tar" bb >/dev/null
}

teardown() {
	local id
	for id in $("$JAULA" --root "$STATE" list -q 2>/dev/null); do
		"$JAULA" --root "$STATE" --store "$STORE" rm -f "$id" >/dev/null 2>&1
	done
}

jaula() {
	"$JAULA" --root "$STATE" --store "$STORE" "$@"
}

# The store's containers/ may only hold what the test expects.
store_containers() {
	ls "$STORE/containers" 2>/dev/null | wc -l
}

# oci_layer DIR OUT: an uncompressed layer tar of DIR's content.
oci_layer() {
	tar -C "$1" -cf "$2" .
}

# oci_image OUT CONFIG-JSON LAYER.tar...: an OCI image layout with these
# layers (bottom first) and this container config ("config" of the image).
oci_image() {
	local out=$1 cfg=$2 l d ids=() layers=()
	shift 2
	mkdir -p "$out/blobs/sha256"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
	for l in "$@"; do
		d=$(sha256sum "$l" | cut -d' ' -f1)
		cp "$l" "$out/blobs/sha256/$d"
		ids+=("sha256:$d")
		layers+=("$(jq -nc --arg d "sha256:$d" --argjson s "$(stat -c %s "$l")" \
			'{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $d, size: $s}')")
	done
	jq -nc --argjson c "$cfg" '{architecture: "amd64", os: "linux", config: $c,
		rootfs: {type: "layers", diff_ids: $ARGS.positional}}' --args "${ids[@]}" \
		>"$out/config.json"
	local cd cs
	cd=$(sha256sum "$out/config.json" | cut -d' ' -f1)
	cs=$(stat -c %s "$out/config.json")
	mv "$out/config.json" "$out/blobs/sha256/$cd"
	printf '%s\n' "${layers[@]}" | jq -sc --arg cd "sha256:$cd" --argjson cs "$cs" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $cd, size: $cs},
		  layers: .}' >"$out/manifest.json"
	d=$(sha256sum "$out/manifest.json" | cut -d' ' -f1)
	local ms
	ms=$(stat -c %s "$out/manifest.json")
	mv "$out/manifest.json" "$out/blobs/sha256/$d"
	jq -nc --arg d "sha256:$d" --argjson s "$ms" '{schemaVersion: 2, manifests: [{
		mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
		platform: {architecture: "amd64", os: "linux"},
		annotations: {"org.opencontainers.image.ref.name": "latest"}}]}' >"$out/index.json"
}

# A two-layer image "two": busybox, then a layer that adds /etc/passwd
# and /etc/group entries, a file, a whiteout and an opaque directory.
make_two_layer_image() {
	local cfg=${1:-'{}'} top="$BATS_TEST_TMPDIR/top"
	mkdir -p "$top/etc" "$top/bin" "$top/var/opq" "$top/srv"
	{
		printf 'root:x:0:0:root:/root:/bin/sh\n'
		printf 'app:x:1234:2345:App:/home/app:/bin/sh\n'
	} >"$top/etc/passwd"
	printf 'root:x:0:\napp:x:2345:\nextra:x:3456:app\nother:x:4567:root\n' >"$top/etc/group"
	echo top-layer >"$top/srv/top.txt"
	: >"$top/bin/.wh.vi"              # vi is in the busybox layer: whited out
	: >"$top/var/opq/.wh..wh..opq"    # opaque: hides var/opq of the layer below
	echo new >"$top/var/opq/new"
	local base="$BATS_TEST_TMPDIR/base"
	cp -a "$ROOTFS" "$base"
	mkdir -p "$base/var/opq" && echo old >"$base/var/opq/old"
	oci_layer "$base" "$BATS_TEST_TMPDIR/l1.tar"
	oci_layer "$top" "$BATS_TEST_TMPDIR/l2.tar"
	oci_image "$BATS_TEST_TMPDIR/two" "$cfg" "$BATS_TEST_TMPDIR/l1.tar" "$BATS_TEST_TMPDIR/l2.tar"
	jaula image import -q "$BATS_TEST_TMPDIR/two" two >/dev/null
}

# --- exit status and --rm -----------------------------------------------------

@test "run --rm IMAGE true: exit 0, nothing left (state, store, mount)" {
	run jaula run --rm bb true
	[ "$status" -eq 0 ]
	[ "$(jaula list -q | wc -l)" -eq 0 ]
	[ "$(store_containers)" -eq 0 ]
	! grep -q "$STORE" /proc/self/mountinfo
}

@test "run IMAGE propagates the exit status, and 128+N when the container dies of signal N" {
	run jaula run --rm bb sh -c 'exit 7'
	[ "$status" -eq 7 ]
	jaula run --rm --name "$ID" bb sleep 100 </dev/null >/dev/null 2>&1 &
	runner=$!
	wait_status "$ID" running
	jaula kill "$ID" KILL
	rc=0
	wait "$runner" || rc=$?
	[ "$rc" -eq 137 ]
	[ "$(store_containers)" -eq 0 ]
}

@test "run IMAGE prints from inside; its root is an overlay; no layer data is copied" {
	run jaula run --name "$ID" bb sh -c 'echo hello; head -1 /proc/mounts'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = hello ]
	[[ "${lines[1]}" == "overlay / overlay "* ]]
	# without --rm the stopped container stays, with an empty upper dir:
	# making a container copied nothing of the image
	[ "$(ctr_status "$ID")" = stopped ]
	[ -d "$STORE/containers/$ID/upper" ]
	[ -z "$(ls -A "$STORE/containers/$ID/upper")" ]
	d=$(cat "$STORE/containers/$ID/image")
	[[ "$d" =~ ^sha256:[0-9a-f]{64}$ ]]
	[ -e "$STORE/blobs/sha256/${d#sha256:}" ]
	jaula rm "$ID"
	[ "$(store_containers)" -eq 0 ]
	assert_gone "$ID"
}

@test "a big image costs what a tiny one does: layers are shared, not copied" {
	big="$BATS_TEST_TMPDIR/big"
	cp -a "$ROOTFS" "$big"
	head -c 64M /dev/zero >"$big/blob"
	tar -C "$big" -cf "$BATS_TEST_TMPDIR/big.tar" .
	jaula image import -q "$BATS_TEST_TMPDIR/big.tar" big >/dev/null
	run jaula run --name "$ID" big sh -c 'wc -c </blob'
	[ "$status" -eq 0 ]
	[ "$output" -eq 67108864 ]
	[ -z "$(ls -A "$STORE/containers/$ID/upper")" ]
	# everything the container owns is a few KiB (its bundle and records)
	[ "$(du -sk "$STORE/containers/$ID" | cut -f1)" -lt 256 ]
}

@test "writes go to the upper dir; the image's layer stays as it was" {
	run jaula run --name "$ID" bb sh -c 'echo changed >/bin/newfile; rm /bin/ls'
	[ "$status" -eq 0 ]
	[ "$(cat "$STORE/containers/$ID/upper/bin/newfile")" = changed ]
	[ -c "$STORE/containers/$ID/upper/bin/ls" ] # the overlay whiteout
	run jaula run --rm bb sh -c 'ls /bin/newfile 2>&1; ls -l /bin/ls'
	[[ "${lines[0]}" == *"/bin/newfile: No such file"* ]]
	[[ "${lines[1]}" == *"/bin/ls -> busybox"* ]]
}

# many_layers OUT N: an OCI layout of busybox and N-1 layers on top, the
# i-th adding /layers/i and replacing /layers/top (python: N tars by hand
# would be most of the test's time).
many_layers() {
	python3 - "$1" "$2" "$BATS_FILE_TMPDIR/busybox.tar" <<'PY'
import hashlib, io, json, os, sys, tarfile
out, n, base = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(out + "/blobs/sha256")
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    open(out + "/blobs/sha256/" + d, "wb").write(data)
    return "sha256:" + d, len(data)
def layer(i):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name in ("layers/%d" % i, "layers/top"):
            data = b"%d\n" % i
            ti = tarfile.TarInfo(name); ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    return b.getvalue()
tars = [open(base, "rb").read()] + [layer(i) for i in range(1, n)]
descs = [blob(t) for t in tars]
cfg = blob(json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                       "rootfs": {"type": "layers", "diff_ids": [d for d, _ in descs]}}).encode())
lt = "application/vnd.oci.image.layer.v1.tar"
man = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg[0], "size": cfg[1]},
    "layers": [{"mediaType": lt, "digest": d, "size": s} for d, s in descs]}).encode())
open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
open(out + "/index.json", "w").write(json.dumps({"schemaVersion": 2, "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": man[0], "size": man[1]}]}))
PY
}

@test "130 layers fit one mount(2) page; 300 are added one by one (lowerdir+)" {
	many_layers "$BATS_TEST_TMPDIR/m130" 130
	jaula image import -q "$BATS_TEST_TMPDIR/m130" m130 >/dev/null
	run jaula run --rm --net none m130 sh -c 'cat /layers/top; head -1 /proc/mounts'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 129 ]
	[[ "${lines[1]}" == *" lowerdir=l/"* ]] || [[ "${lines[1]}" == *",lowerdir=l/"* ]]
	[ "$(echo "${lines[1]}" | grep -o "[=:]l/[0-9a-f]*" | wc -l)" -eq 130 ]
	many_layers "$BATS_TEST_TMPDIR/many" 300
	jaula image import -q "$BATS_TEST_TMPDIR/many" many >/dev/null
	run jaula run --rm --net none many sh -c 'ls /layers | wc -l; cat /layers/top /layers/1; head -1 /proc/mounts | grep -o "[=:]l/[0-9a-f]*" | wc -l'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -eq 300 ]  # 299 files and "top"
	[ "${lines[1]}" = 299 ]    # the top layer's copy wins
	[ "${lines[2]}" = 1 ]
	[ "${lines[3]}" -eq 300 ]  # every layer is a lower dir
}

# --- -d, logs, stop, rm, exec, list ----------------------------------------------

@test "run -d prints the name; logs, exec, list, stop, rm" {
	run jaula run -d --name "$ID" bb sh -c 'echo started; echo to-stderr >&2; trap "echo stopping; exit 3" TERM; while :; do sleep 0.1; done'
	[ "$status" -eq 0 ]
	[ "$output" = "$ID" ]
	wait_status "$ID" running
	# the overlay lives in the container's mount namespace only
	! grep -q "$STORE/containers/$ID/merged" /proc/self/mountinfo
	run jaula exec "$ID" sh -c 'head -1 /proc/mounts; echo x >/from-exec'
	[ "$status" -eq 0 ]
	[[ "$output" == "overlay / overlay "* ]]
	[ -e "$STORE/containers/$ID/upper/from-exec" ]
	run jaula list
	[[ "${lines[0]}" == *"OWNER"*"IMAGE"*"AGE"*"COMMAND" ]]
	[[ "${lines[1]}" =~ ^"$ID ".*running.*"bb:latest"\ +[0-9]+s\ +"sh -c echo started" ]]
	for i in $(seq 50); do grep -q to-stderr "$STORE/containers/$ID/log" && break; sleep 0.1; done
	run jaula logs "$ID"
	[ "$status" -eq 0 ]
	[[ "$output" == *started*to-stderr* ]]
	run jaula rm "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"container \"$ID\" is running: stop it first"* ]]
	run jaula stop -t 5 "$ID"
	[ "$status" -eq 0 ]
	[ "$(ctr_status "$ID")" = stopped ]
	run jaula logs "$ID"
	[[ "$output" == *stopping* ]]
	run jaula rm "$ID"
	[ "$status" -eq 0 ]
	assert_gone "$ID"
	[ "$(store_containers)" -eq 0 ]
}

@test "stop: KILL after the timeout when the stop signal is ignored" {
	jaula run -d --name "$ID" bb sleep 1000 >/dev/null
	wait_status "$ID" running
	start=$(date +%s)
	run jaula stop -t 1 "$ID"
	[ "$status" -eq 0 ]
	[ "$(ctr_status "$ID")" = stopped ]
	[ $(($(date +%s) - start)) -lt 8 ]
}

@test "stop sends the image's StopSignal" {
	make_two_layer_image '{"StopSignal": "SIGUSR1", "Cmd": ["sh", "-c", "trap \"echo got-usr1; exit 0\" USR1; echo up; while :; do sleep 0.1; done"]}'
	jaula run -d --name "$ID" two >/dev/null
	wait_status "$ID" running
	run jaula state "$ID"
	[ "$(echo "$output" | jq -r '.annotations["org.opencontainers.image.stopSignal"]')" = SIGUSR1 ]
	run jaula stop -t 20 "$ID"
	[ "$status" -eq 0 ]
	run jaula logs "$ID"
	[[ "$output" == *got-usr1* ]]
}

@test "logs -f follows until the container stops" {
	jaula run -d --name "$ID" bb sh -c 'for i in 1 2 3; do echo line$i; sleep 0.3; done' >/dev/null
	run timeout 10 "$JAULA" --root "$STATE" --store "$STORE" logs -f "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'line1\nline2\nline3')" ]
}

@test "run -d --rm: the container and its files go once it exits" {
	run jaula run -d --rm --name "$ID" bb sleep 0.5
	[ "$status" -eq 0 ]
	for i in $(seq 100); do
		[ ! -e "$STORE/containers/$ID" ] && ! jaula state "$ID" >/dev/null 2>&1 && break
		sleep 0.1
	done
	[ ! -e "$STORE/containers/$ID" ]
	assert_gone "$ID"
}

@test "rm -f removes a running container; rm of nothing fails" {
	jaula run -d --name "$ID" bb sleep 1000 >/dev/null
	wait_status "$ID" running
	run jaula rm -f "$ID"
	[ "$status" -eq 0 ]
	assert_gone "$ID"
	[ "$(store_containers)" -eq 0 ]
	run jaula rm "$ID"
	[ "$status" -ne 0 ]
	[ "$output" = "jaula: container \"$ID\" does not exist" ]
}

@test "logs of a container without a log, and of no container" {
	jaula run --name "$ID" bb true
	run jaula logs "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"has no log (only run -d keeps one)"* ]]
	run jaula logs nosuch
	[ "$status" -ne 0 ]
	[[ "$output" == *"container \"nosuch\" is not in the image store"* ]]
}

# --- the image's config and the flags ---------------------------------------------

@test "-e, -w, --hostname, --entrypoint; the image's Env, WorkingDir, Entrypoint, Cmd" {
	make_two_layer_image '{"Env": ["FROM_IMAGE=1", "PATH=/usr/bin:/bin"], "WorkingDir": "/srv",
		"Entrypoint": ["sh", "-c"], "Cmd": ["echo default-cmd"]}'
	run jaula run --rm two
	[ "$output" = default-cmd ]
	run jaula run --rm --name "$ID" two 'echo $FROM_IMAGE $PATH $HOME; pwd; hostname'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1 /usr/bin:/bin /root" ]
	[ "${lines[1]}" = /srv ]
	[ "${lines[2]}" = "$ID" ]
	run jaula run --rm -e FROM_IMAGE=2 -e NEW=x -w /made/here --hostname hh two \
		'echo $FROM_IMAGE $NEW; pwd; hostname'
	[ "${lines[0]}" = "2 x" ]
	[ "${lines[1]}" = /made/here ]
	[ "${lines[2]}" = hh ]
	# --entrypoint replaces Entrypoint and drops the image's Cmd
	run jaula run --rm --entrypoint echo two
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run jaula run --rm --entrypoint echo two a b
	[ "$output" = "a b" ]
}

@test "-u: names from the image's top layer's /etc/passwd and /etc/group" {
	make_two_layer_image '{"User": "app"}'
	# busybox's id lists the supplementary groups (getgroups) only
	run jaula run --rm two id
	[ "$status" -eq 0 ]
	[ "$output" = "uid=1234(app) gid=2345(app) groups=3456(extra)" ]
	run jaula run --rm two sh -c 'echo $HOME'
	[ "$output" = /home/app ]
	run jaula run --rm -u root two id -u
	[ "$output" = 0 ]
	run jaula run --rm -u app:other two id
	[ "$output" = "uid=1234(app) gid=4567(other) groups=3456(extra)" ]
	run jaula run --rm -u 777:888 two sh -c 'id -u; id -g'
	[ "$output" = "$(printf '777\n888')" ]
	run jaula run --rm -u bob two true
	[ "$status" -ne 0 ]
	[[ "$output" == *"user \"bob\": \"bob\" is not in the image's /etc/passwd"* ]]
	[ "$(store_containers)" -eq 0 ]
}

@test "a 2-layer image: the top layer's files, whiteouts and opaque dirs apply" {
	make_two_layer_image
	run jaula run --rm two sh -c 'cat /srv/top.txt; ls /var/opq; ls /bin/vi 2>&1; ls /bin/sh'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = top-layer ]
	[ "${lines[1]}" = new ]
	[[ "${lines[2]}" == *"No such file"* ]]
	[ "${lines[3]}" = /bin/sh ]
}

@test "-v binds a host path, read-only with :ro" {
	mkdir -p "$BATS_TEST_TMPDIR/vol"
	echo host-data >"$BATS_TEST_TMPDIR/vol/f"
	run jaula run --rm -v "$BATS_TEST_TMPDIR/vol:/data" bb sh -c 'cat /data/f; echo w >/data/g'
	[ "$status" -eq 0 ]
	[ "$output" = host-data ]
	[ "$(cat "$BATS_TEST_TMPDIR/vol/g")" = w ]
	run jaula run --rm -v "$BATS_TEST_TMPDIR/vol:/data:ro" bb sh -c 'echo w >/data/h'
	[ "$status" -ne 0 ]
	[ ! -e "$BATS_TEST_TMPDIR/vol/h" ]
	run jaula run --rm -v "relative:/data" bb true
	[ "$status" -ne 0 ]
	[[ "$output" == *"-v \"relative:/data\": expected /HOST/PATH:/CONTAINER/PATH[:ro]"* ]]
	run jaula run --rm -v "$BATS_TEST_TMPDIR/nope:/data" bb true
	[ "$status" -ne 0 ]
	[[ "$output" == *"source \"$BATS_TEST_TMPDIR/nope\": No such file"* ]]
	[ "$(store_containers)" -eq 0 ]
}

@test "--read-only: the root refuses writes, the upper dir stays empty" {
	run jaula run --name "$ID" --read-only bb sh -c 'touch /x'
	[ "$status" -ne 0 ]
	[[ "$output" == *"Read-only file system"* ]]
	[ -z "$(ls -A "$STORE/containers/$ID/upper")" ]
	run jaula run --rm bb sh -c 'touch /x && echo writable'
	[ "$output" = writable ]
}

@test "--net none: loopback only; --net host: the test's network; unknown modes are refused" {
	here=$(readlink /proc/self/ns/net)
	run jaula run --rm --net none bb sh -c 'ls /sys/class/net; readlink /proc/self/ns/net'
	[ "${lines[0]}" = lo ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" != "$here" ]
	run jaula run --rm --net host bb readlink /proc/self/ns/net
	[ "$output" = "$here" ]
	run jaula run --rm --net nosuchnet bb true
	[ "$status" -ne 0 ]
	[[ "$output" == *'network "nosuchnet" does not exist'* ]]
	run jaula run --rm --net none -p 80:80 bb true
	[ "$status" -ne 0 ]
	[[ "$output" == *"-p: needs a network (--net bridge or NAME), not --net none"* ]]
	[ "$(store_containers)" -eq 0 ]
}

@test "--memory, --cpus, --pids-limit: applied, or refused naming the controller" {
	controllers=$(cat /sys/fs/cgroup/cgroup.controllers)
	for f in "--memory 64m memory memory.max 67108864" "--cpus 0.5 cpu cpu.max 50000" \
		"--pids-limit 33 pids pids.max 33"; do
		set -- $f
		run jaula run --rm "$1" "$2" bb sh -c "cat /sys/fs/cgroup/$4"
		if [[ " $controllers " == *" $3 "* ]]; then
			[ "$status" -eq 0 ]
			[[ "$output" == "$5"* ]]
		else
			[ "$status" -ne 0 ]
			[[ "$output" == *"cgroup controller \"$3\" is not available"* ]]
		fi
		[ "$(store_containers)" -eq 0 ]
		[ "$(jaula list -q | wc -l)" -eq 0 ]
	done
	run jaula run --rm --memory lots bb true
	[[ "$output" == *"--memory \"lots\": expected a size"* ]]
	run jaula run --rm --cpus 0 bb true
	[[ "$output" == *"--cpus \"0\""* ]]
}

@test "-i keeps stdin; without it stdin is /dev/null" {
	run sh -c "echo piped | $JAULA --root $STATE --store $STORE run --rm -i bb cat"
	[ "$output" = piped ]
	run sh -c "echo piped | $JAULA --root $STATE --store $STORE run --rm bb cat"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
}

@test "-t gives the process a terminal" {
	command -v script >/dev/null || skip "script(1) not installed"
	run script -qec "$JAULA --root $STATE --store $STORE run --rm -t bb sh -c 'tty; echo \$TERM'" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"/dev/"* ]]
	[[ "$output" == *xterm* ]]
	run jaula run -d -t bb true
	[ "$status" -ne 0 ]
	[[ "$output" == *"-t with -d needs --console-socket"* ]]
}

# --- names ----------------------------------------------------------------------------

@test "a name already taken fails cleanly, and leaves the owner alone" {
	jaula run -d --name "$ID" bb sleep 1000 >/dev/null
	wait_status "$ID" running
	run jaula run --rm --name "$ID" bb true
	[ "$status" -ne 0 ]
	[ "$output" = "jaula: container name \"$ID\" is already in use" ]
	[ "$(ctr_status "$ID")" = running ]
	[ -d "$STORE/containers/$ID/upper" ]
	# a bundle container's id is taken too
	set_args sleep 1000
	CTR_ID="$ID-b" run_detached
	run jaula run --rm --name "$ID-b" bb true
	[ "$status" -ne 0 ]
	[[ "$output" == *"container name \"$ID-b\" is already in use"* ]]
	[ ! -e "$STORE/containers/$ID-b" ]
	run jaula run --rm --name ../x bb true
	[ "$status" -ne 0 ]
	[[ "$output" == *"--name \"../x\": invalid name"* ]]
}

@test "image rm refuses an image a container uses" {
	jaula run --name "$ID" bb true
	run jaula image rm bb
	[ "$status" -ne 0 ]
	[[ "$output" == *"$ID"* ]]
	jaula rm "$ID"
	run jaula image rm bb
	[ "$status" -eq 0 ]
}

# --- bundle or image: the rule -------------------------------------------------------------

@test "run -b BUNDLE ID stays a bundle run, even when ID names an image" {
	set_args echo from-bundle
	jaula image import -q "$BATS_FILE_TMPDIR/busybox.tar" "$ID" >/dev/null
	run jaula run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	[ "$output" = from-bundle ]
	assert_gone "$ID"
}

@test "run ID in a directory with config.json is a bundle run, even when ID names an image" {
	set_args echo from-bundle
	jaula image import -q "$BATS_FILE_TMPDIR/busybox.tar" same >/dev/null
	cd "$BUNDLE"
	run jaula run same
	[ "$status" -eq 0 ]
	[ "$output" = from-bundle ]
	# an image option or a command makes it an image run, config.json or not
	run jaula run --rm same echo from-image
	[ "$output" = from-image ]
	run jaula run same echo from-image
	[ "$output" = from-image ]
}

@test "run IMAGE without config.json is an image run; neither is an error naming both" {
	cd "$BATS_TEST_TMPDIR"
	run jaula run bb
	[ "$status" -ne 0 ]
	[[ "$output" == *"image \"bb\" has no command"* ]]
	run jaula run nosuch
	[ "$status" -ne 0 ]
	[ "$output" = "jaula: \"nosuch\" is neither a bundle (no ./config.json) nor an image in $STORE" ]
	run jaula run -b "$BUNDLE" --rm "$ID"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--rm is an image run's option and --bundle a bundle run's"* ]]
	run jaula run --keep bb true
	[[ "$output" == *"--keep is a bundle run's option"* ]]
	run jaula run --help
	[[ "$output" == *"a bundle run when --bundle is given, or one argument and ./config.json exists"* ]]
}
