/* The sandbox's pid 1 (jaula sandbox sets jl_init.reaper).
 *
 * A program that is pid 1 of its pid namespace is not an ordinary process:
 * the kernel drops every signal for it that it has no handler for unless
 * the signal comes from an ancestor namespace, and that includes the
 * kernel's own unforced ones (SIGXFSZ at RLIMIT_FSIZE would turn into a
 * silent EFBIG, so a limit could end nothing); and every orphan of the
 * sandbox becomes its child, so a wait() it makes returns processes it
 * never started.  So, as `docker --init` and bubblewrap do, the init stays
 * pid 1 and runs the program as its child: it forwards the signals it gets,
 * reaps whatever is re-parented to it, and when the program exits it hands
 * the program's wait status to the runtime and exits, and its pid namespace
 * with every straggler goes with it.
 *
 * It is the init after every step of init.c (seccomp loaded, no
 * capabilities, no_new_privs, non-dumpable, fds closed) and it execs
 * nothing: nothing of it is reachable from the program. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/init.h"
#include "runtime/sync.h"

static bool synchronous(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL ||
	       sig == SIGTRAP || sig == SIGSYS;
}

/* The signals we forward, and SIGCHLD: blocked and taken with sigwaitinfo,
 * one sigprocmask instead of a handler per signal (31 syscalls while the
 * program starts).  A blocked signal is queued even for a pid 1 with no
 * handler: the kernel drops only the ones it would deliver to SIG_DFL. */
static void block_forwarded(sigset_t *set)
{
	sigemptyset(set);
	for (int sig = 1; sig < SIGRTMIN; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && !synchronous(sig))
			sigaddset(set, sig);
	sigprocmask(SIG_BLOCK, set, NULL);
}

/* Reap whatever has exited; true once the program has (its status in
 * *status), or when no child is left. */
static bool reap(pid_t pid, int *status)
{
	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p == pid) {
			*status = st;
			return true;
		}
		if (p < 0 && errno == ECHILD)
			return true;
		if (p <= 0)
			return false;
	}
}

/* Forward what we are sent to the program and reap every orphan of the
 * namespace until the program exits.  The first pass catches a program
 * that exited before SIGCHLD was blocked (unblocked, SIG_DFL discards it). */
static int wait_program(pid_t pid)
{
	sigset_t set;
	block_forwarded(&set);
	int status = 0;
	while (!reap(pid, &status)) {
		int sig = sigwaitinfo(&set, NULL);
		if (sig > 0 && sig != SIGCHLD)
			kill(pid, sig);
	}
	return status;
}

/* Its parent, the runtime, holds the watchdog: without it no limit would be
 * enforced any more, so the sandbox dies with it.  The parent-death signal
 * comes from outside the namespace and so reaches a pid 1; the hang-up
 * check covers a runtime that died before the signal was armed. */
static void die_with_runtime(int sync_fd)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	struct pollfd p = {.fd = sync_fd, .events = POLLIN};
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR)))
		_exit(137);
}

/* /proc/1/cmdline is readable by anyone in the pid namespace, and ours is
 * still the runtime's command line: host paths of the binds, flags.  The
 * kernel reads it from our own memory, so it is overwritten in place. */
static void hide_command_line(void)
{
	char buf[1024];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	char *p = n > 0 ? (buf[n] = 0, strrchr(buf, ')')) : NULL;
	if (!p)
		return;
	/* arg_start and arg_end are fields 48 and 49; field 3 follows ") " */
	for (int field = 2; field < 48 && p; field++)
		p = strchr(p + 1, ' ');
	char *end;
	unsigned long start = p ? strtoul(p + 1, &end, 10) : 0;
	unsigned long stop = p && *end == ' ' ? strtoul(end + 1, &end, 10) : 0;
	if (!start || stop <= start)
		return;
	static const char name[] = "jaula-sandbox-init";
	size_t len = stop - start;
	memset((void *)start, 0, len);
	memcpy((void *)start, name, len > sizeof(name) ? sizeof(name) : len - 1);
}

static int exit_code(int status)
{
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

void jl_init_reap_and_exec(struct jl_init *c, const char *exe)
{
	die_with_runtime(c->sync_fd);
	/* vfork: the program's process borrows our memory until its execve,
	 * instead of a copy of our page tables that every write on either side
	 * would fault on.  We are suspended meanwhile, with nothing to do; the
	 * child only calls execve and, when that fails, leaves its errno here
	 * and _exits. */
	static volatile int exec_errno;
	pid_t pid = vfork();
	if (pid == 0) {
		/* The caller's CPUs, not the one the start kept to (sandbox.c);
		 * a failure (a cpuset shrunk meanwhile) leaves the inherited.
		 * Here, before the execve, though exec balancing then moves the
		 * program to the other CPU (~2.5% of a `sandbox -- true` here):
		 * widened by us after it, the program's first instructions could
		 * come first, and programs size themselves by their CPUs at
		 * start-up (nproc, Go's GOMAXPROCS); a child forked then would
		 * keep one CPU for good.  Seen in 2% of runs when tried. */
		if (c->cpus)
			sched_setaffinity(0, sizeof(cpu_set_t), c->cpus);
		execve(exe, c->argv, c->envp);
		exec_errno = errno;
		_exit(127);
	}
	if (c->cpus)
		sched_setaffinity(0, sizeof(cpu_set_t), c->cpus);
	/* The runtime had nothing to do before the program ran (init.c). */
	if (jl_init_ready_after_vfork(c))
		sync_send(c->sync_fd, SYNC_READY, 0, NULL, 0, -1);
	if (pid < 0)
		return; /* the caller execs the program as pid 1 instead */
	if (exec_errno) {
		struct jl_err *err = NULL;
		errno = exec_errno;
		jl_err_sys(&err, "exec \"%s\"", exe);
		sync_send_error(c->sync_fd, err);
	}
	hide_command_line();
	int status = wait_program(pid);
	sync_send(c->sync_fd, SYNC_EXIT_STATUS, status, NULL, 0, -1);
	_exit(exit_code(status));
}
