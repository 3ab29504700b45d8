/* The container's init, from clone to execve: a flat list of named steps.
 * It runs as a copy of the runtime process, so it parses nothing; every
 * failure is sent back over the sync socket and printed by the runtime. */
#include "runtime/init.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/hooks.h"
#include "runtime/log.h"
#include "runtime/paths.h"
#include "runtime/process.h"
#include "runtime/procfs.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "runtime/util.h"

static void close_parent_fds(struct jl_init *c)
{
	/* The parent's copy of the state directory fd holds the container
	 * lock; keeping it here would hold the lock until execve. */
	for (int i = 0; i < c->n_parent_fds; i++)
		if (c->parent_fds[i] >= 0)
			close(c->parent_fds[i]);
	/* The runtime entered it for us (pid_for_children). */
	if (c->join_fd[NS_PID] >= 0) {
		close(c->join_fd[NS_PID]);
		c->join_fd[NS_PID] = -1;
	}
}

/* Until the runtime has recorded the container, the init must not outlive
 * it: a create killed half-way would leave an init nobody knows of.  The
 * kernel clears the setting whenever our credentials change, so this runs
 * again after each change; and it is checked after it is set, because the
 * runtime may be gone already (its end of the socket then hangs up). */
static void die_with_runtime(struct jl_init *c)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(127);
	struct pollfd p = {.fd = c->sync_fd, .events = POLLRDHUP};
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR)))
		_exit(127);
}

/* Nobody in a shared pid namespace may ptrace us, read our memory or
 * environment, or open our fds through /proc (CVE-2016-9962) before
 * execve makes us the container's program.  Credential changes reset it to
 * fs.suid_dumpable, so it is asserted again after them. */
static void stay_private(void)
{
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static int wait_runtime(struct jl_init *c, enum sync_type t, struct jl_err **err)
{
	struct sync_msg m;
	int r = sync_expect(c->sync_fd, t, "the runtime", &m, err);
	if (r == 0)
		sync_msg_clear(&m);
	return r;
}

/* --- namespaces ----------------------------------------------------------- */

static int join_paths(struct jl_init *c, bool skip_user, struct jl_err **err)
{
	for (int t = 0; t < NS__COUNT; t++) {
		if (c->join_fd[t] < 0 || t == NS_PID || (skip_user && t == NS_USER))
			continue;
		const struct spec_namespace *n = spec_find_namespace(c->spec, (enum ns_type)t);
		int r = ns_join_fd(c->join_fd[t], (enum ns_type)t, n ? n->path : "?", err);
		if (r < 0)
			return r;
		close(c->join_fd[t]);
		c->join_fd[t] = -1;
	}
	return 0;
}

static int unshare_rest(struct jl_init *c, struct jl_err **err)
{
	int flags = 0;
	for (int t = 0; t < NS__COUNT; t++)
		if (c->create_ns[t] && !c->cloned_ns[t] && t != NS_USER && t != NS_PID &&
		    t != NS_CGROUP && t != NS_TIME)
			flags |= ns_clone_flag((enum ns_type)t);
	if (flags && unshare(flags) < 0)
		return jl_err_sys(err, "unshare namespaces 0x%x", flags);
	return 0;
}

/* Tell the runtime who we are: its end has SO_PASSCRED, so the kernel
 * attaches our pid, translated into its pid namespace.  Explicit
 * SCM_CREDENTIALS would not do here: they must carry our uid, which in a
 * user namespace whose maps are not written yet (or do not map host root)
 * is the unmapped overflow uid, and sendmsg refuses that with EINVAL. */
static int send_pid(struct jl_init *c, enum sync_type t)
{
	return sync_send(c->sync_fd, t, 0, NULL, 0, -1);
}

/* Joining namespaces owned by another user namespace must happen before a
 * new user namespace exists, and a new pid namespace is only entered by a
 * child: so join, unshare, then fork once for pid 1. */
static int enter_two_step(struct jl_init *c, struct jl_err **err)
{
	if (c->join_fd[NS_USER] >= 0) {
		const struct spec_namespace *n = spec_find_namespace(c->spec, NS_USER);
		int r = ns_join_fd(c->join_fd[NS_USER], NS_USER, n->path, err);
		if (r < 0)
			return r;
	}
	int r = join_paths(c, true, err);
	if (r < 0)
		return r;
	if (c->create_ns[NS_USER]) {
		if (unshare(CLONE_NEWUSER) < 0)
			return jl_err_sys(err, "unshare the user namespace");
		r = send_pid(c, SYNC_USERNS);
		if (r < 0)
			return jl_err_set(err, -r, "ask for id maps");
		r = wait_runtime(c, SYNC_USERNS_DONE, err);
		if (r < 0)
			return r;
	}
	r = unshare_rest(c, err);
	if (r < 0)
		return r;
	if (c->create_ns[NS_PID]) {
		if (unshare(CLONE_NEWPID) < 0)
			return jl_err_sys(err, "unshare the pid namespace");
		/* CLONE_PARENT: pid 1 is the runtime's child, not ours, so the
		 * runtime can wait for it and it can die with the runtime. */
		struct clone_args a = {.flags = CLONE_PARENT};
		pid_t pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
		if (pid < 0)
			return jl_err_sys(err, "fork pid 1 of the new pid namespace");
		if (pid > 0)
			_exit(0); /* the runtime reaps us and adopts pid 1 */
		die_with_runtime(c); /* not inherited across fork */
	}
	r = send_pid(c, SYNC_PID);
	return r < 0 ? jl_err_set(err, -r, "report the init pid") : 0;
}

static int enter_namespaces(struct jl_init *c, struct jl_err **err)
{
	if (c->two_step)
		return enter_two_step(c, err);
	if (c->cloned_ns[NS_USER]) {
		int r = wait_runtime(c, SYNC_USERNS_DONE, err);
		if (r < 0)
			return r;
		if (c->private_after_maps)
			stay_private();
	}
	return join_paths(c, false, err);
}

/* In a user namespace, become its root (uid 0 when mapped) and drop the
 * host's supplementary groups, so created files get sane owners. */
static int become_ns_root(struct jl_init *c, struct jl_err **err)
{
	if (!c->create_ns[NS_USER] && c->join_fd[NS_USER] < 0 && !c->cloned_ns[NS_USER])
		return 0;
	if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
		return jl_err_sys(err, "setresgid 0 in the user namespace");
	if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
		return jl_err_sys(err, "setresuid 0 in the user namespace");
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		return jl_err_sys(err, "setgroups in the user namespace");
	die_with_runtime(c);
	stay_private();
	return 0;
}

static int late_namespaces(struct jl_init *c, struct jl_err **err)
{
	/* After CLONE_INTO_CGROUP placed us: the cgroup namespace's root is the
	 * container's own cgroup. */
	if (c->create_ns[NS_CGROUP] && unshare(CLONE_NEWCGROUP) < 0)
		return jl_err_sys(err, "unshare the cgroup namespace");
	if (c->create_ns[NS_TIME])
		return ns_enter_new_time(&c->proc, &c->spec->lnx.time_monotonic,
					 &c->spec->lnx.time_boottime, err);
	return 0;
}

/* Keys are not namespaced: without a session keyring of its own the
 * container would share (and could read) the caller's.  runc's name for it. */
static int join_keyring(struct jl_init *c, struct jl_err **err)
{
	if (!c->new_keyring)
		return 0;
	char name[300];
	snprintf(name, sizeof(name), "_ses.%s", c->id);
	const long join_session_keyring = 1; /* KEYCTL_JOIN_SESSION_KEYRING */
	if (syscall(SYS_keyctl, join_session_keyring, name) < 0 && errno != ENOSYS) {
		/* Some kernels (and seccomp'd callers) refuse keyrings in a user
		 * namespace; runc carries on there too. */
		if (errno == EACCES || errno == EPERM || errno == EDQUOT) {
			jl_debug("no new session keyring: %s", strerror(errno));
			return 0;
		}
		return jl_err_sys(err, "join a new session keyring");
	}
	return 0;
}

/* In our namespaces (they decide what /proc/sys shows) and before any of
 * the config's mounts exist: none of them can stand in for /proc/sys. */
static int write_sysctls(struct jl_init *c, struct jl_err **err)
{
	const struct spec_kvv *s = &c->spec->lnx.sysctl;
	for (size_t i = 0; i < s->n; i++) {
		char path[512];
		int n = snprintf(path, sizeof(path), "sys/%s", s->v[i].key);
		for (char *p = path + 4; p < path + n; p++)
			if (*p == '.')
				*p = '/';
		int r = jl_procfs_write(&c->proc, path, s->v[i].value, strlen(s->v[i].value), err);
		if (r < 0)
			return jl_err_wrap(err, "linux.sysctl \"%s\"", s->v[i].key);
	}
	return 0;
}

static int set_names(struct jl_init *c, struct jl_err **err)
{
	const char *h = c->spec->hostname, *d = c->spec->domainname;
	if (h && *h && sethostname(h, strlen(h)) < 0)
		return jl_err_sys(err, "hostname: set \"%s\"", h);
	if (d && *d && setdomainname(d, strlen(d)) < 0)
		return jl_err_sys(err, "domainname: set \"%s\"", d);
	return 0;
}

/* Stop while the runtime runs prestart/createRuntime; it answers with the
 * state document our own hooks get on stdin. */
static int wait_runtime_hooks(struct jl_init *c, struct jl_err **err)
{
	int r = sync_send(c->sync_fd, SYNC_CREATE_RUNTIME, 0, NULL, 0, -1);
	if (r < 0)
		return jl_err_set(err, -r, "tell the runtime to run hooks");
	struct sync_msg m;
	r = sync_expect(c->sync_fd, SYNC_HOOKS_DONE, "the runtime", &m, err);
	if (r < 0)
		return r;
	if (!m.data || !*m.data) {
		sync_msg_clear(&m);
		return jl_err_set(err, EPROTO, "the runtime sent no state for hooks");
	}
	c->state_created = m.data; /* kept until execve */
	m.data = NULL;
	sync_msg_clear(&m);
	return 0;
}

/* --- after pivot_root ------------------------------------------------------ */

static int make_cwd(struct jl_init *c, struct jl_err **err)
{
	cleanup_close int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int fd = jl_mkpath_in_root(root, c->process->cwd, false, 0755, err);
	return fd < 0 ? jl_err_wrap(err, "process.cwd") : 0;
}

static int load_seccomp(struct jl_init *c, struct jl_err **err)
{
	int listener = -1;
	int r = jl_seccomp_load(&c->seccomp, &listener, err);
	if (r < 0)
		return jl_err_wrap(err, "linux.seccomp");
	if (listener >= 0) {
		/* The runtime forwards it to listenerPath with the state. */
		r = sync_send(c->sync_fd, SYNC_SECCOMP, 0, NULL, 0, listener);
		close(listener);
		if (r < 0)
			return jl_err_set(err, -r, "send the seccomp listener");
	}
	return 0;
}

/* The runtime recorded the container (state.json): from here on the
 * container outlives the runtime, and `delete` finds it. */
static int await_handover(struct jl_init *c, struct jl_err **err)
{
	if (c->wait == JL_WAIT_NONE)
		return 0;
	int r = wait_runtime(c, c->wait == JL_WAIT_SYNC ? SYNC_START : SYNC_HANDOVER, err);
	if (r < 0)
		_exit(127); /* the runtime died before recording us: nobody to tell */
	if (c->wait == JL_WAIT_FIFO) {
		close(c->sync_fd); /* create is done with us; failures go to err_fd */
		c->sync_fd = -1;
	}
	return 0;
}

static int wait_for_start(struct jl_init *c, struct jl_err **err)
{
	if (c->wait != JL_WAIT_FIFO)
		return 0; /* SYNC_START, or READY, was the start */
	/* poll() on a fifo with no writer yet blocks until `start` opens it
	 * and writes; it reports POLLHUP only after a writer came and went. */
	for (;;) {
		struct pollfd p = {.fd = c->fifo_fd, .events = POLLIN};
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return jl_err_sys(err, "wait for start");
		}
		char b;
		ssize_t n = read(c->fifo_fd, &b, 1);
		if (n == 1)
			return 0;
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return jl_err_set(err, EPIPE, "exec fifo closed without a start");
	}
}

/* --- the steps ------------------------------------------------------------ */

/* runtime-spec: in the container's namespaces, after its mounts, before
 * pivot_root; crun and runc run them from the container's rootfs. */
static int create_container_hooks(struct jl_init *c, struct jl_err **err)
{
	if (!c->spec->hooks[SPEC_HOOK_CREATE_CONTAINER].n)
		return 0;
	if (chdir(c->rootfs.rootfs) < 0)
		return jl_err_sys(err, "chdir \"%s\"", c->rootfs.rootfs);
	return jl_hooks_run(c->spec, SPEC_HOOK_CREATE_CONTAINER, c->state_created, err);
}

/* A session of our own: without one, a container with no terminal of its
 * own stays in the caller's session and can push keystrokes into the
 * caller's terminal with TIOCSTI (CVE-2017-5226).  After the namespaces:
 * the two-step init only now is the final pid 1. */
static int own_session(struct jl_err **err)
{
	if (setsid() < 0 && errno != EPERM)
		return jl_err_sys(err, "setsid");
	return 0;
}

static int setup_environment(struct jl_init *c, struct jl_err **err)
{
	int r = enter_namespaces(c, err);
	if (r == 0)
		r = own_session(err);
	/* Our view of /proc before any config mount exists. */
	if (r == 0)
		r = jl_procfs_open(&c->proc, err);
	/* Before become_ns_root: writing our own timens_offsets needs the
	 * host uid we still have (non-dumpable: /proc/self is root's). */
	if (r == 0)
		r = late_namespaces(c, err);
	if (r == 0 && c->create_ns[NS_NET])
		r = ns_net_lo_up(err);
	if (r == 0)
		r = become_ns_root(c, err);
	if (r == 0)
		r = set_names(c, err);
	if (r == 0)
		r = write_sysctls(c, err);
	jl_procfs_close(&c->proc);
	if (r == 0)
		r = join_keyring(c, err);
	if (r == 0)
		r = jl_rootfs_mount_all(&c->rootfs, err);
	if (r == 0 && c->run_create_hooks)
		r = wait_runtime_hooks(c, err);
	if (r == 0)
		r = create_container_hooks(c, err);
	return r;
}

static int setup_container(struct jl_init *c, struct jl_err **err)
{
	int r = jl_rootfs_pivot(&c->rootfs, err);
	if (r == 0 && c->process->terminal)
		r = jl_terminal_setup(c->process, c->console_fd,
				      c->console_to_runtime ? c->sync_fd : -1, true, err);
	if (r == 0)
		r = make_cwd(c, err);
	if (r == 0)
		r = jl_rootfs_finish(&c->rootfs, err);
	if (r == 0)
		r = jl_process_apply_attrs(c->process, &c->spec->lnx.personality, err);
	return r;
}

static int finalize_process(struct jl_init *c, char **exe, struct jl_err **err)
{
	const struct spec_process *p = c->process;
	/* Nothing of the host may be open when the cwd is resolved: only our
	 * channels to the runtime and `start` stay (close-on-exec). */
	int keep[] = {c->sync_fd, c->fifo_fd, c->err_fd};
	jl_process_close_fds(c->n_preserved, c->preserved_open, keep, ARRAY_SIZE(keep));
	c->console_fd = -1;
	/* cwd first: execve resolves "./prog" (and an empty PATH entry)
	 * against it, so the lookup must too. */
	int r = jl_process_enter_cwd(p, err);
	if (r < 0)
		return r;
	c->envp = jl_process_add_home(c->envp, p->user.uid);
	r = jl_process_find_exe(p, c->envp, exe, err);
	if (r < 0)
		return r;
	/* Without no_new_privs loading a filter needs CAP_SYS_ADMIN: load it
	 * while we still have it.  A notify filter must be loaded while the
	 * runtime is there to forward its listener. */
	bool early = c->has_seccomp && (!p->no_new_privileges || c->seccomp.notify);
	if (early && !p->no_new_privileges) {
		r = load_seccomp(c, err);
		if (r < 0)
			return r;
	}
	bool userns = c->create_ns[NS_USER] || c->cloned_ns[NS_USER] || c->join_fd[NS_USER] >= 0;
	r = jl_process_set_user(p, userns, err);
	if (r < 0)
		return r;
	die_with_runtime(c);
	stay_private();
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return jl_err_sys(err, "process.noNewPrivileges");
	if (early && p->no_new_privileges) {
		r = load_seccomp(c, err);
		if (r < 0)
			return r;
	}
	umask(p->user.has_umask ? p->user.umask : 022);
	return jl_process_prepare_fds(c->n_preserved, c->preserved_open, err);
}

static int init_steps(struct jl_init *c, char **exe, struct jl_err **err)
{
	int r = setup_environment(c, err);
	if (r == 0)
		r = setup_container(c, err);
	if (r == 0)
		r = finalize_process(c, exe, err);
	if (r < 0)
		return r;
	/* From here we block on the socket until the handover: if the runtime
	 * dies meanwhile, its end hangs up and we exit.  The parent-death
	 * signal goes now, while the runtime is sure to be waiting for READY;
	 * cleared later, it would race a runtime that exits right after the
	 * handover. */
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	/* With nothing to hand over, a reaper reports ready once the program
	 * runs (init_reaper.c): woken now, the runtime would take this CPU
	 * from the rest of the start (a socket's wake-up is a synchronous one:
	 * the kernel puts the reader on the writer's CPU). */
	r = jl_init_ready_after_vfork(c) ? 0 : sync_send(c->sync_fd, SYNC_READY, 0, NULL, 0, -1);
	if (r < 0)
		return jl_err_set(err, -r, "report ready");
	r = await_handover(c, err);
	if (r == 0)
		r = wait_for_start(c, err);
	/* Defaults for the container's program; our own SIGPIPE is not
	 * needed any more (hooks are fed through a socket, see hooks.c). */
	if (r == 0)
		jl_process_reset_signals(c->ignored_signals);
	/* Last of our own steps but the startContainer hooks, which run in
	 * the container under its filter, as in runc. */
	if (r == 0 && c->has_seccomp && c->process->no_new_privileges && !c->seccomp.notify)
		r = load_seccomp(c, err);
	if (r == 0)
		r = jl_hooks_run(c->spec, SPEC_HOOK_START_CONTAINER, c->state_created, err);
	return r;
}

void jl_init_main(struct jl_init *c)
{
	struct jl_err *err = NULL;
	char *exe = NULL;
	close_parent_fds(c);
	/* Non-dumpable from the first instruction (CVE-2016-9962), except
	 * for an unprivileged runtime's new user namespace: it writes our id
	 * maps through /proc/PID, whose files a non-dumpable process keeps
	 * for the host's root.  Until then we run as that runtime's own uid
	 * holding nothing it does not hold (its fds are closed above), and
	 * enter_namespaces hides us once the maps are in. */
	if (!c->private_after_maps)
		stay_private();
	jl_process_forget_environ();
	die_with_runtime(c);
	umask(0);
	if (init_steps(c, &exe, &err) == 0) {
		if (c->reaper)
			jl_init_reap_and_exec(c, exe);
		execve(exe, c->argv, c->envp);
		jl_err_sys(&err, "exec \"%s\"", exe);
	}
	/* Until the handover the runtime listens on the sync socket; after
	 * `start` released us, `start` reads err_fd until we exec or exit. */
	const char *msg = err ? err->msg : "container init failed";
	if (c->sync_fd < 0 || sync_send_error(c->sync_fd, err) < 0) {
		/* `start` may be gone by now: the container's stderr too. */
		if (c->err_fd >= 0)
			jl_write_all(c->err_fd, msg, strlen(msg));
		jl_error("%s", msg);
	}
	_exit(127);
}
