/* run = create + start (+ wait + delete): one process does it all, so the
 * init is released over the sync socket instead of the exec fifo, and the
 * runtime stays the init's parent to collect its exit status, forward
 * signals and relay a terminal. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/container.h"
#include "runtime/create.h"
#include "runtime/hooks.h"
#include "runtime/log.h"
#include "runtime/sync.h"
#include "runtime/util.h"

struct waiter {
	struct jl_creator *c;
	int sigfd;
	bool stdin_open;
	bool tty;
	struct termios saved;
};

static void copy_winsize(int from, int to)
{
	struct winsize ws;
	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Move what is readable from `in` to `out`; false at EOF or error. */
static bool shovel(int in, int out)
{
	char buf[16384];
	ssize_t n = read(in, buf, sizeof(buf));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	return n > 0 && jl_write_all(out, buf, (size_t)n) == 0;
}

static void on_signal(struct waiter *w)
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
			if (info.si_pid == w->c->pid)
				break;
			waitpid(info.si_pid, NULL, 0);
		}
		return;
	}
	if (sig == SIGWINCH && w->c->master >= 0) {
		copy_winsize(0, w->c->master);
		return;
	}
	syscall(SYS_pidfd_send_signal, w->c->pidfd, sig, NULL, 0);
}

static void relay_io(struct waiter *w, struct pollfd *p)
{
	int master = w->c->master;
	if (p[2].revents & POLLIN)
		shovel(master, 1);
	if (p[3].revents & (POLLIN | POLLHUP))
		if (!shovel(0, master))
			w->stdin_open = false;
}

static int wait_loop(struct waiter *w)
{
	int master = w->c->master;
	for (;;) {
		struct pollfd p[4] = {
			{.fd = w->c->pidfd, .events = POLLIN},
			{.fd = w->sigfd, .events = POLLIN},
			{.fd = master, .events = POLLIN},
			{.fd = master >= 0 && w->stdin_open ? 0 : -1, .events = POLLIN},
		};
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[1].revents & POLLIN)
			on_signal(w);
		if (master >= 0)
			relay_io(w, p);
		if (p[0].revents & POLLIN)
			break;
	}
	if (master >= 0) {
		/* Drain what the process wrote before it exited. */
		fcntl(master, F_SETFL, O_NONBLOCK);
		while (shovel(master, 1))
			;
	}
	int status;
	while (waitpid(w->c->pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return status;
}

static void waiter_begin(struct waiter *w)
{
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	w->sigfd = signalfd(-1, &all, SFD_CLOEXEC);
	w->stdin_open = true;
	if (w->c->master >= 0 && tcgetattr(0, &w->saved) == 0) {
		struct termios raw = w->saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
		copy_winsize(0, w->c->master);
		w->tty = true;
	}
}

static void waiter_end(struct waiter *w)
{
	if (w->tty)
		tcsetattr(0, TCSANOW, &w->saved);
	if (w->sigfd >= 0)
		close(w->sigfd);
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
}

/* An exec that failed after the release can only tell us now. */
static void report_late_error(struct jl_creator *c)
{
	struct sync_msg m;
	fcntl(c->sync_fd, F_SETFL, O_NONBLOCK);
	if (sync_recv(c->sync_fd, &m) == 0) {
		if (m.type == SYNC_ERROR && m.data)
			jl_error("%s", m.data);
		sync_msg_clear(&m);
	}
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

static int start_released(struct jl_creator *c, struct jl_err **err)
{
	int r = sync_send(c->sync_fd, SYNC_START, 0, NULL, 0, -1);
	if (r < 0)
		return jl_err_set(err, -r, "start the container");
	/* Unlocked from here: kill, state, exec must work while we wait. */
	close(c->dirfd);
	c->dirfd = -1;
	if (!(c->state.hooks_mask & (1u << SPEC_HOOK_POSTSTART)))
		return 0;
	cleanup_free char *state = jl_state_json_with(&c->state, JL_STATUS_RUNNING);
	return jl_hooks_run(c->spec, SPEC_HOOK_POSTSTART, state, err);
}

static void delete_after_run(const struct jl_global *g, struct jl_creator *c)
{
	struct jl_err *e = NULL;
	int dirfd = jl_state_dir_open(g->root, c->o->id, true, &e);
	if (dirfd >= 0) {
		if (c->state.cgroup_path) {
			/* Stragglers (daemons of a container without its own pid
			 * namespace) go with the container. */
			struct cg_handle h = CG_HANDLE_INIT;
			struct cg_root root = {.mode = CG_MODE_UNIFIED};
			snprintf(root.mount, sizeof(root.mount), "%s", c->state.cgroup_mount);
			if (cg_open(&root, c->state.cgroup_path, &h, NULL) == 0) {
				cg_kill(&h, SIGKILL, NULL);
				cg_wait_empty(&h, 5000, NULL);
			}
			cg_handle_close(&h);
		}
		jl_container_cleanup(g, &c->state, &e);
		close(dirfd);
	}
	if (e)
		jl_warn("delete container \"%s\": %s", c->o->id, e->msg);
	jl_err_free(&e);
}

int jl_container_run(const struct jl_global *g, const struct jl_create_opts *o,
		     int *exit_status, struct jl_err **err)
{
	struct jl_creator c = {.g = g, .o = o, .run_mode = true};
	*exit_status = 0;
	/* A two-step init is our grandchild: adopt it when its parent exits. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	int r = jl_creator_create(&c, err);
	if (r < 0) {
		jl_creator_free(&c);
		return r;
	}
	r = start_released(&c, err);
	if (r < 0) {
		/* A failed poststart hook stops the container (runtime-spec 1.1). */
		syscall(SYS_pidfd_send_signal, c.pidfd, SIGKILL, NULL, 0);
		waitpid(c.pid, NULL, 0);
		delete_after_run(g, &c);
		jl_creator_free(&c);
		return r;
	}
	if (o->detach) {
		jl_creator_free(&c);
		return 0;
	}
	struct waiter w = {.c = &c};
	waiter_begin(&w);
	int status = wait_loop(&w);
	waiter_end(&w);
	if (status < 0) {
		r = jl_err_set(err, -status, "wait for container \"%s\"", o->id);
	} else {
		report_late_error(&c);
		*exit_status = exit_code(status);
	}
	if (!o->keep)
		delete_after_run(g, &c);
	jl_creator_free(&c);
	return r;
}
