#!/usr/bin/env bats
# CVE-2017-5226 class: a container without a terminal of its own that stays
# in the caller's session can push keystrokes into the caller's terminal
# with TIOCSTI; whatever it types runs as the caller once the container
# exits.  The container's process must lead a session of its own.

load ../lib/helpers

# Run CMD under a pty that is the runtime's controlling terminal, like a
# shell on a real terminal; print the container's output, then whatever
# input is left queued on the terminal when it exits.
run_on_pty() {
	python3 - "$@" <<'PY'
import os, sys, pty, fcntl, termios, select
master, slave = pty.openpty()
pid = os.fork()
if pid == 0:
    os.close(master)
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        r, _, _ = select.select([master], [], [], 10)
        if not r:
            break
        d = os.read(master, 4096)
    except OSError:
        break
    if not d:
        break
    out += d
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
# What the container pushed sits in the input queue of the terminal.
attr = termios.tcgetattr(slave)
attr[3] &= ~termios.ICANON
termios.tcsetattr(slave, termios.TCSANOW, attr)
fcntl.fcntl(slave, fcntl.F_SETFL, os.O_NONBLOCK)
try:
    queued = os.read(slave, 4096)
except OSError:
    queued = b""
sys.stdout.write("QUEUED[" + queued.decode(errors="replace") + "]\n")
PY
}

@test "run: the container cannot push keystrokes into the caller's terminal" {
	set_args /helpers/tiocsti 'echo pwned'
	run run_on_pty "$JAULA" --root "$STATE" run -b "$BUNDLE" "$ID"
	echo "$output"
	[[ "$output" != *"QUEUED[echo pwned"* ]]
	[[ "$output" != *"TIOCSTI: injected"* ]]
	[[ "$output" == *"TIOCSTI: Operation not permitted"* ]]
}

@test "exec: the process cannot push keystrokes into the caller's terminal" {
	set_args sleep 1000
	run_detached
	wait_status "$ID" running
	run run_on_pty "$JAULA" --root "$STATE" exec "$ID" /helpers/tiocsti 'echo pwned'
	echo "$output"
	[[ "$output" != *"QUEUED[echo pwned"* ]]
	[[ "$output" == *"TIOCSTI: Operation not permitted"* ]]
}

@test "the container's process leads its own session and process group" {
	set_args sleep 1000
	run_detached
	wait_status "$ID" running
	run jaula exec "$ID" sh -c 'cut -d" " -f5-7 /proc/1/stat; echo $$; cut -d" " -f5-7 /proc/$$/stat'
	[ "$status" -eq 0 ]
	# pid 1: process group 1, session 1, no controlling terminal
	[ "${lines[0]}" = "1 1 0" ]
	# the exec'd shell: its own process group and session, no terminal
	local me=${lines[1]}
	[ "${lines[2]}" = "$me $me 0" ]
}
