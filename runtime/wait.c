/* Waiting for a process the runtime started (run, exec): forward every
 * signal the runtime receives to it, relay a terminal if there is one, reap
 * orphans when we are their subreaper, and return its wait status. */
#include "runtime/wait.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/util.h"

static void on_signal(struct jl_waiter *w)
{
	struct signalfd_siginfo si;
	if (read(w->sigfd, &si, sizeof(si)) != sizeof(si))
		return;
	int sig = (int)si.ssi_signo;
	if (sig == SIGCHLD) {
		/* As subreaper we inherit orphans of a container without its own
		 * pid namespace; reap them, but leave the init to the main loop. */
		siginfo_t info;
		for (;;) {
			memset(&info, 0, sizeof(info));
			if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || !info.si_pid)
				break;
			if (info.si_pid == w->pid)
				break;
			waitpid(info.si_pid, NULL, 0);
		}
		return;
	}
	if (sig == SIGWINCH && w->master >= 0) {
		jl_tty_relay_winch(&w->relay);
		return;
	}
	syscall(SYS_pidfd_send_signal, w->pidfd, sig, NULL, 0);
}

static int wait_loop(struct jl_waiter *w)
{
	int master = w->master;
	for (;;) {
		struct pollfd p[4] = {
			{.fd = w->pidfd, .events = POLLIN},
			{.fd = w->sigfd, .events = POLLIN},
			{.fd = -1},
			{.fd = -1},
		};
		if (master >= 0)
			jl_tty_relay_pollfds(&w->relay, &p[2]);
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[1].revents & POLLIN)
			on_signal(w);
		if (master >= 0)
			jl_tty_relay_io(&w->relay, &p[2]);
		if (p[0].revents & POLLIN)
			break;
	}
	if (master >= 0)
		jl_tty_relay_drain(&w->relay);
	int status;
	while (waitpid(w->pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return status;
}

static void waiter_begin(struct jl_waiter *w)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	w->sigfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (w->master >= 0)
		jl_tty_relay_begin(&w->relay, w->master);
}

static void waiter_end(struct jl_waiter *w)
{
	if (w->master >= 0)
		jl_tty_relay_end(&w->relay);
	if (w->sigfd >= 0)
		close(w->sigfd);
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
}

int jl_wait_process(struct jl_waiter *w)
{
	waiter_begin(w);
	int status = wait_loop(w);
	waiter_end(w);
	return status;
}

int jl_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}
