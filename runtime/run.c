/* run = create + start (+ wait + delete): one process does it all, so the
 * init is released over the sync socket instead of the exec fifo, and the
 * runtime stays the init's parent to collect its exit status, forward
 * signals and relay a terminal. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/container.h"
#include "runtime/create.h"
#include "runtime/hooks.h"
#include "runtime/log.h"
#include "runtime/notify.h"
#include "runtime/sync.h"
#include "runtime/util.h"
#include "runtime/wait.h"

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
	/* poststart runs after the user's process started: the init's end of
	 * the socket closes on execve (close-on-exec), or an error arrives. */
	struct sync_msg m;
	r = sync_recv(c->sync_fd, &m);
	if (r == 0) {
		int e = m.errnum;
		if (m.type == SYNC_ERROR)
			r = jl_err_code(err, e, "%s", m.data ? m.data : "container init failed");
		sync_msg_clear(&m);
		if (r < 0)
			return r;
	}
	/* runtime-spec: failing poststart hooks are warnings. */
	cleanup_free char *state = jl_state_json_with(&c->state, JL_STATUS_RUNNING);
	jl_hooks_run_warn(c->spec, SPEC_HOOK_POSTSTART, state);
	return 0;
}

static void delete_after_run(const struct jl_global *g, struct jl_creator *c)
{
	struct jl_err *e = NULL;
	int dirfd = jl_state_dir_open(g->root, c->o->id, true, &e);
	if (dirfd >= 0) {
		/* Stragglers (daemons of a container without its own pid
		 * namespace) go with the container.  With one, the kernel killed
		 * them all before the init could be reaped. */
		if (c->cg.fd >= 0 && !c->init.create_ns[NS_PID] && c->cg.fresh) {
			cg_kill(&c->cg, SIGKILL, NULL);
			cg_wait_empty(&c->cg, 5000, NULL);
		} else if (c->cg.fd >= 0 && !c->init.create_ns[NS_PID]) {
			/* A joined cgroup: the stragglers are our descendants (we
			 * are their subreaper), the other processes are not. */
			cg_kill_tree(&c->cg, getpid(), SIGKILL, NULL);
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
	/* The container's orphans (without a pid namespace of its own) come
	 * to us, to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	/* Block now, forward later: a signal arriving while the container
	 * starts must reach it, not kill us and orphan it.  The init resets
	 * its mask before execve. */
	if (!o->detach) {
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
	}
	int r = jl_creator_create(&c, err);
	if (r < 0) {
		jl_creator_free(&c);
		return r;
	}
	cleanup_close int notify = -1;
	if (jl_notify_host_socket()) {
		notify = jl_notify_bind(c.dirfd, err);
		if (notify < 0) {
			jl_creator_abort(&c);
			jl_creator_free(&c);
			return notify;
		}
	}
	r = start_released(&c, err);
	/* NOTIFY_SOCKET: the caller hears READY=1 from the container. */
	if (r == 0 && notify >= 0)
		r = jl_notify_relay(notify, jl_notify_host_socket(), c.pid, c.pidfd, err);
	if (r < 0) {
		/* The init failed after its release (a startContainer hook),
		 * or the notify relay did. */
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
	struct jl_waiter w = {.pid = c.pid, .pidfd = c.pidfd, .master = c.master};
	int status = jl_wait_process(&w);
	if (status < 0) {
		r = jl_err_set(err, -status, "wait for container \"%s\"", o->id);
	} else {
		report_late_error(&c);
		*exit_status = jl_exit_code(status);
	}
	if (!o->keep)
		delete_after_run(g, &c);
	jl_creator_free(&c);
	return r;
}
