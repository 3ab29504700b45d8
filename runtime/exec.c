/* exec: a new process in a running container.
 *
 * The runtime joins the container's pid namespace for its children only,
 * then clone3 puts the new process straight into the container's cgroup; the
 * child joins every other namespace of the init at once through its pidfd
 * (setns(2) with a pidfd, user namespace first by the kernel's own order),
 * applies the process object and execs.  Until execve it stays non-dumpable,
 * so nothing in the container can ptrace it or open its /proc files while
 * it still holds runtime fds. */
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "namespaces/ns.h"
#include "runtime/caps.h"
#include "runtime/container.h"
#include "runtime/create.h"
#include "runtime/init.h"
#include "runtime/log.h"
#include "runtime/process.h"
#include "runtime/procfs.h"
#include "runtime/spec.h"
#include "runtime/state.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "runtime/util.h"
#include "runtime/wait.h"

struct exec_ctx {
	const struct jl_global *g;
	const struct jl_exec_opts *o;
	struct jl_state st;
	int dirfd;
	int init_pidfd;
	int join_flags;  /* namespaces of the init that differ from ours, but pid */
	bool join_pid;   /* pid namespace differs: joined by the runtime for children */
	bool userns;     /* the container has its own user namespace */
	bool late_cgroup; /* paused + --ignore-paused: join the frozen cgroup last */
	uint64_t ignored_signals; /* ours, read before the clone */
	struct cg_handle cg;

	/* the process */
	struct jl_arena arena;
	jl_json_val tree;
	struct spec *config; /* the container's saved config, when needed */
	struct spec_process proc;
	const struct spec_personality *personality;
	char **argv, **envp;
	bool has_seccomp;
	struct jl_seccomp_prog seccomp;

	int console_fd;
	int sync_fd, child_sync;
	pid_t pid;
	int pidfd;
	int master;
	int n_preserved;
	uint8_t preserved_open[JL_MAX_PRESERVED];
};

/* --- which namespaces ----------------------------------------------------- */

static bool same_ns(pid_t pid, const char *name)
{
	char a[64], b[64];
	struct stat sa, sb;
	snprintf(a, sizeof(a), "/proc/self/ns/%s", name);
	snprintf(b, sizeof(b), "/proc/%d/ns/%s", (int)pid, name);
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return true; /* a kind this kernel lacks: nothing to join */
	return sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

static void find_namespaces(struct exec_ctx *x)
{
	for (int t = 0; t < NS__COUNT; t++) {
		if (same_ns(x->st.pid, ns_proc_name((enum ns_type)t)))
			continue;
		if (t == NS_PID)
			x->join_pid = true;
		else
			x->join_flags |= ns_clone_flag((enum ns_type)t);
		if (t == NS_USER)
			x->userns = true;
	}
}

/* --- the process object --------------------------------------------------- */

static int load_config(struct exec_ctx *x, struct jl_err **err)
{
	if (x->config)
		return 0;
	cleanup_free char *text = NULL;
	size_t len;
	int r = jl_read_file_at(x->dirfd, JL_CONFIG_COPY, SPEC_MAX_BYTES, &text, &len, err);
	if (r < 0)
		return jl_err_wrap(err, "container \"%s\"", x->st.id);
	return spec_parse(text, len, "config.json", &x->config, err);
}

static int parse_user(struct exec_ctx *x, const char *u, struct jl_err **err)
{
	cleanup_free char *copy = xstrdup(u);
	char *colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	uint64_t uid, gid = 0;
	if (jl_parse_u64(copy, 10, &uid) < 0 || uid >= UINT32_MAX ||
	    (colon && (jl_parse_u64(colon + 1, 10, &gid) < 0 || gid >= UINT32_MAX)))
		return jl_err_code(err, EINVAL, "--user \"%s\": expected UID[:GID] (numbers)", u);
	x->proc.user.uid = (uint32_t)uid;
	x->proc.user.gid = colon ? (uint32_t)gid : x->proc.user.gid;
	return 0;
}

static int add_gids(struct exec_ctx *x, struct jl_err **err)
{
	const struct jl_exec_opts *o = x->o;
	if (!o->n_additional_gids)
		return 0;
	uint32_t *g = jl_arena_alloc(&x->arena, o->n_additional_gids * sizeof(*g));
	for (size_t i = 0; i < o->n_additional_gids; i++) {
		uint64_t v;
		if (jl_parse_u64(o->additional_gids[i], 10, &v) < 0 || v >= UINT32_MAX)
			return jl_err_code(err, EINVAL, "--additional-gids \"%s\": not a gid",
					   o->additional_gids[i]);
		g[i] = (uint32_t)v;
	}
	x->proc.user.additional_gids = g;
	x->proc.user.n_additional_gids = o->n_additional_gids;
	return 0;
}

static int add_caps(struct exec_ctx *x, struct jl_err **err)
{
	for (size_t i = 0; i < x->o->n_caps; i++) {
		int c = jl_cap_from_name(x->o->caps[i]);
		if (c < 0)
			return jl_err_code(err, EINVAL, "--cap: unknown capability \"%s\"",
					   x->o->caps[i]);
		/* Not inheritable or ambient (CVE-2022-29162): from there a
		 * capability outlives execve; only process.json may ask that. */
		x->proc.caps.set = true;
		x->proc.caps.mask[SPEC_CAP_BOUNDING] |= 1ULL << c;
		x->proc.caps.mask[SPEC_CAP_EFFECTIVE] |= 1ULL << c;
		x->proc.caps.mask[SPEC_CAP_PERMITTED] |= 1ULL << c;
	}
	return 0;
}

static void add_env(struct exec_ctx *x)
{
	const struct jl_exec_opts *o = x->o;
	if (!o->n_env)
		return;
	size_t n = x->proc.env.n + o->n_env;
	const char **v = jl_arena_alloc(&x->arena, (n + 1) * sizeof(*v));
	memcpy(v, x->proc.env.v, x->proc.env.n * sizeof(*v));
	memcpy(v + x->proc.env.n, o->env, o->n_env * sizeof(*v));
	x->proc.env.v = v;
	x->proc.env.n = n;
}

/* Without --process: the container's own process with the CLI's changes,
 * as runc does. */
static int process_from_cli(struct exec_ctx *x, struct jl_err **err)
{
	const struct jl_exec_opts *o = x->o;
	if (!o->n_args)
		return jl_err_code(err, EINVAL, "exec: a command is required (or --process FILE)");
	int r = load_config(x, err);
	if (r < 0)
		return r;
	x->proc = x->config->process;
	x->proc.args.v = (const char **)o->args;
	x->proc.args.n = o->n_args;
	x->proc.terminal = o->tty;
	if (o->cwd)
		x->proc.cwd = o->cwd;
	if (o->no_new_privs)
		x->proc.no_new_privileges = true;
	add_env(x);
	r = o->user ? parse_user(x, o->user, err) : 0;
	if (r == 0)
		r = add_gids(x, err);
	if (r == 0)
		r = add_caps(x, err);
	return r;
}

static int process_from_file(struct exec_ctx *x, struct jl_err **err)
{
	cleanup_free char *text = NULL;
	size_t len;
	int r = jl_read_file_at(AT_FDCWD, x->o->process_file, SPEC_MAX_BYTES, &text, &len, err);
	if (r < 0)
		return jl_err_wrap(err, "--process");
	r = spec_parse_process(text, len, x->o->process_file, &x->arena, &x->tree, &x->proc, err);
	if (r < 0)
		return r;
	/* containerd says terminal in the process file and passes no --tty. */
	x->proc.terminal = x->proc.terminal || x->o->tty;
	return 0;
}

static int prepare_process(struct exec_ctx *x, struct jl_err **err)
{
	int r = x->o->process_file ? process_from_file(x, err) : process_from_cli(x, err);
	if (r < 0)
		return r;
	if (x->proc.apparmor_profile || x->proc.selinux_label)
		jl_warn("exec: process apparmorProfile/selinuxLabel: this build has no LSM support; "
			"not applied");
	if (x->proc.terminal && !x->o->console_socket && x->o->detach)
		return jl_err_code(err, EINVAL,
				   "exec: a terminal with --detach needs --console-socket");
	if (!x->proc.terminal && x->o->console_socket)
		return jl_err_code(err, EINVAL,
				   "exec: --console-socket was given but process.terminal is false");
	x->argv = jl_process_argv(&x->proc);
	x->envp = jl_process_envp(&x->proc);
	r = jl_seccomp_prog_load_file(x->dirfd, JL_SECCOMP_FILE, &x->seccomp, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	x->has_seccomp = true;
	if (x->seccomp.notify)
		return load_config(x, err); /* for listenerPath */
	return 0;
}

/* --- the child ------------------------------------------------------------ */

/* Before joining the container's namespaces, through the runtime's /proc:
 * nothing the container mounted can stand in for the file, and lowering
 * the score needs our host privileges. */
static int set_oom_score_adj(const struct spec_process *p, struct jl_err **err)
{
	if (!p->has_oom_score_adj)
		return 0;
	struct jl_procfs proc = JL_PROCFS_INIT;
	int r = jl_procfs_open(&proc, err);
	if (r == 0)
		r = jl_process_set_oom_score_adj(&proc, "self", p->oom_score_adj, err);
	jl_procfs_close(&proc);
	return r;
}

static int join_container(struct exec_ctx *x, struct jl_err **err)
{
	/* Its own session: no keystrokes into the caller's terminal with
	 * TIOCSTI (CVE-2017-5226), and its own process group. */
	if (setsid() < 0)
		return jl_err_sys(err, "setsid");
	int r = set_oom_score_adj(&x->proc, err);
	if (r < 0)
		return r;
	if (x->join_flags && setns(x->init_pidfd, x->join_flags) < 0)
		return jl_err_sys(err, "join the namespaces of container \"%s\"", x->st.id);
	/* Nothing of the host may be open when the cwd is resolved
	 * (CVE-2024-21626): the cgroup, the init's pidfd, the log, the
	 * caller's other fds.  Our channel to the runtime is close-on-exec. */
	int keep[] = {x->child_sync, x->console_fd};
	jl_process_close_fds(x->n_preserved, x->preserved_open, keep, ARRAY_SIZE(keep));
	x->init_pidfd = -1;
	x->cg.fd = -1;
	return 0;
}

static int child_steps(struct exec_ctx *x, char **exe, struct jl_err **err)
{
	const struct spec_process *p = &x->proc;
	int r = join_container(x, err);
	if (r == 0 && p->terminal)
		r = jl_terminal_setup(p, x->console_fd, x->console_fd < 0 ? x->child_sync : -1,
				      false, err);
	if (r == 0)
		r = jl_process_apply_attrs(p, x->personality, err);
	/* cwd first: "./prog" and an empty PATH entry are relative to it. */
	if (r == 0)
		r = jl_process_enter_cwd(p, err);
	if (r == 0) {
		x->envp = jl_process_add_home(x->envp, p->user.uid);
		r = jl_process_find_exe(p, x->envp, exe, err);
	}
	if (r < 0)
		return r;
	if (p->exec_cpu_affinity.final)
		jl_debug("exec: execCPUAffinity.final is applied by the kernel's cgroup cpuset");
	int listener = -1;
	bool nnp = p->no_new_privileges;
	if (x->has_seccomp && !nnp && (r = jl_seccomp_load(&x->seccomp, &listener, err)) < 0)
		return r;
	r = jl_process_set_user(p, x->userns, err);
	if (r < 0)
		return r;
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* a uid change resets it */
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return jl_err_sys(err, "process.noNewPrivileges");
	umask(p->user.has_umask ? p->user.umask : 022);
	r = jl_process_prepare_fds(x->n_preserved, x->preserved_open, err);
	if (r < 0)
		return r;
	jl_process_reset_signals(x->ignored_signals);
	if (x->has_seccomp && nnp && (r = jl_seccomp_load(&x->seccomp, &listener, err)) < 0)
		return r;
	if (listener >= 0) {
		sync_send(x->child_sync, SYNC_SECCOMP, 0, NULL, 0, listener);
		close(listener);
	}
	return 0;
}

static int wait_cgroup(struct exec_ctx *x, struct jl_err **err)
{
	if (!x->late_cgroup)
		return 0;
	int r = sync_send(x->child_sync, SYNC_READY, 0, NULL, 0, -1);
	if (r < 0)
		return jl_err_set(err, -r, "exec: report ready");
	struct sync_msg m;
	r = sync_expect(x->child_sync, SYNC_START, "the runtime", &m, err);
	if (r == 0)
		sync_msg_clear(&m);
	return r;
}

__attribute__((noreturn)) static void exec_child(struct exec_ctx *x)
{
	struct jl_err *err = NULL;
	char *exe = NULL;
	/* Non-dumpable until execve: the container cannot ptrace us or open
	 * /proc/self/fd of a process that still holds runtime fds. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	jl_process_forget_environ();
	close(x->sync_fd);
	close(x->dirfd);
	if (child_steps(x, &exe, &err) == 0 && wait_cgroup(x, &err) == 0) {
		execve(exe, x->argv, x->envp);
		jl_err_sys(&err, "exec \"%s\"", exe);
	}
	sync_send_error(x->child_sync, err);
	_exit(127);
}

/* --- the runtime side ----------------------------------------------------- */

static int open_target(struct exec_ctx *x, struct jl_err **err)
{
	const struct jl_exec_opts *o = x->o;
	if (!jl_id_valid(o->id))
		return jl_err_code(err, EINVAL, "invalid container id \"%s\"", o->id);
	x->dirfd = jl_state_dir_open(x->g->root, o->id, false, err);
	if (x->dirfd < 0)
		return x->dirfd;
	int r = jl_state_read(x->dirfd, o->id, &x->st, err);
	if (r < 0)
		return r;
	enum jl_status status = jl_state_status(x->dirfd, &x->st);
	if (status == JL_STATUS_STOPPED || status == JL_STATUS_CREATING)
		return jl_err_code(err, ESRCH, "cannot exec in container \"%s\": container not running",
				   o->id);
	if (status == JL_STATUS_PAUSED && !o->ignore_paused)
		return jl_err_code(err, EBUSY,
				   "cannot exec in a paused container \"%s\" (use --ignore-paused)",
				   o->id);
	/* Born into a frozen cgroup the process would freeze before it could
	 * exec (and we would wait for it forever): it joins the cgroup once
	 * it is ready, and runs its execve when the container is resumed. */
	x->late_cgroup = status == JL_STATUS_PAUSED;
	x->init_pidfd = jl_state_open_pidfd(&x->st);
	if (x->init_pidfd < 0)
		return jl_err_code(err, ESRCH, "container \"%s\": container not running", o->id);
	find_namespaces(x);
	return 0;
}

static int open_cgroup(struct exec_ctx *x, struct jl_err **err)
{
	if (!x->st.cgroup_path)
		return 0;
	struct cg_root root = {.mode = CG_MODE_UNIFIED};
	snprintf(root.mount, sizeof(root.mount), "%s", x->st.cgroup_mount);
	if (!x->o->cgroup || !*x->o->cgroup)
		return cg_open(&root, x->st.cgroup_path, &x->cg, err);
	/* runc's --cgroup for v2: a sub-cgroup of the container's ("sub" or
	 * ":sub"), created if missing. */
	const char *sub = x->o->cgroup;
	if (strchr(sub, ':'))
		sub = strchr(sub, ':') + 1;
	if (strstr(sub, ".."))
		return jl_err_code(err, EINVAL, "--cgroup \"%s\": \"..\" is not allowed", x->o->cgroup);
	while (*sub == '/')
		sub++;
	cleanup_free char *path = xasprintf("%s/%s", x->st.cgroup_path, sub);
	cleanup_free char *abs = xasprintf("%s%s", root.mount, path);
	if (mkdir(abs, 0755) < 0 && errno != EEXIST)
		return jl_err_sys(err, "--cgroup: create %s", abs);
	return cg_open(&root, path, &x->cg, err);
}

static int spawn(struct exec_ctx *x, struct jl_err **err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return jl_err_sys(err, "socketpair");
	x->sync_fd = sv[0];
	x->child_sync = sv[1];
	/* pid_for_children only: this process stays where it is. */
	if (x->join_pid && setns(x->init_pidfd, CLONE_NEWPID) < 0)
		return jl_err_sys(err, "join the pid namespace of container \"%s\"", x->st.id);
	const char *cpus = x->proc.exec_cpu_affinity.initial;
	if (cpus)
		jl_debug("exec: execCPUAffinity.initial \"%s\" left to the cgroup's cpuset", cpus);
	x->ignored_signals = jl_process_ignored_signals();
	int pidfd = -1;
	struct clone_args a = {
		.flags = CLONE_PIDFD | (x->cg.fd >= 0 && !x->late_cgroup ? CLONE_INTO_CGROUP : 0),
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)(x->cg.fd >= 0 ? x->cg.fd : 0),
	};
	fflush(NULL);
	pid_t pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
	if (pid < 0)
		return jl_err_sys(err, "clone3 into container \"%s\"", x->st.id);
	if (pid == 0)
		exec_child(x);
	close(x->child_sync);
	x->child_sync = -1;
	x->pid = pid;
	x->pidfd = pidfd;
	return 0;
}

/* Until execve the child may send its pty master or a seccomp listener, or
 * an error; its end of the socket closes (close-on-exec) when it execs. */
static int await_exec(struct exec_ctx *x, struct jl_err **err)
{
	for (;;) {
		struct sync_msg m;
		int r = sync_recv(x->sync_fd, &m);
		if (r == -EPIPE)
			return 0;
		if (r < 0)
			return jl_err_set(err, -r, "exec: read from the new process");
		if (m.type == SYNC_ERROR) {
			jl_err_code(err, m.errnum, "%s", m.data ? m.data : "exec failed");
			sync_msg_clear(&m);
			return jl_err_status(err ? *err : NULL);
		}
		if (m.type == SYNC_READY && x->late_cgroup) {
			sync_msg_clear(&m);
			r = x->cg.fd >= 0 ? cg_enter(&x->cg, x->pid, err) : 0;
			if (r == 0)
				r = sync_send(x->sync_fd, SYNC_START, 0, NULL, 0, -1);
			return r < 0 ? jl_err_wrap(err, "exec") : 0;
		}
		if (m.type == SYNC_CONSOLE) {
			x->master = m.fd;
			m.fd = -1;
		} else if (m.type == SYNC_SECCOMP && m.fd >= 0) {
			r = jl_forward_listener(&x->config->lnx.seccomp, x->pid, &x->st,
						JL_STATUS_RUNNING, m.fd, err);
			if (r < 0) {
				sync_msg_clear(&m);
				return r;
			}
		}
		sync_msg_clear(&m);
	}
}

static void snapshot_fds(struct exec_ctx *x)
{
	int n = x->o->preserve_fds < JL_MAX_PRESERVED ? x->o->preserve_fds : JL_MAX_PRESERVED;
	x->n_preserved = n;
	for (int i = 0; i < n; i++)
		x->preserved_open[i] = fcntl(3 + i, F_GETFD) >= 0;
}

static void exec_free(struct exec_ctx *x)
{
	int fds[] = {x->dirfd, x->init_pidfd, x->console_fd, x->sync_fd, x->child_sync, x->pidfd,
		     x->master};
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	cg_handle_close(&x->cg);
	jl_state_free(&x->st);
	if (x->has_seccomp)
		jl_seccomp_prog_free(&x->seccomp);
	free(x->argv);
	free(x->envp);
	spec_free(x->config);
	jl_json_free(x->tree);
	jl_arena_free(&x->arena);
}

static int exec_steps(struct exec_ctx *x, struct jl_err **err)
{
	int r = open_target(x, err);
	if (r == 0)
		r = prepare_process(x, err);
	if (r == 0)
		r = open_cgroup(x, err);
	if (r == 0 && x->o->console_socket) {
		x->console_fd = jl_console_connect(x->o->console_socket, err);
		r = x->console_fd < 0 ? x->console_fd : 0;
	}
	if (r == 0)
		r = spawn(x, err);
	if (r < 0)
		return r;
	r = await_exec(x, err);
	if (r == 0 && x->o->pid_file)
		r = jl_write_pid_file(x->o->pid_file, x->pid, err);
	if (r < 0) {
		syscall(SYS_pidfd_send_signal, x->pidfd, SIGKILL, NULL, 0);
		waitpid(x->pid, NULL, 0);
	}
	return r;
}

int jl_container_exec(const struct jl_global *g, const struct jl_exec_opts *o,
		      int *exit_status, struct jl_err **err)
{
	struct exec_ctx x = {.g = g, .o = o, .dirfd = -1, .init_pidfd = -1, .console_fd = -1,
			     .sync_fd = -1, .child_sync = -1, .pidfd = -1, .master = -1,
			     .cg = CG_HANDLE_INIT};
	*exit_status = 0;
	snapshot_fds(&x);
	x.personality = NULL;
	int r = exec_steps(&x, err);
	if (r == 0 && !o->detach) {
		struct jl_waiter w = {.pid = x.pid, .pidfd = x.pidfd, .master = x.master};
		int status = jl_wait_process(&w);
		if (status < 0)
			r = jl_err_set(err, -status, "wait for the exec'd process");
		else
			*exit_status = jl_exit_code(status);
	}
	exec_free(&x);
	return r;
}
