/* Container creation, the runtime's side (see ARCHITECTURE.md, Lifecycle):
 * load and check the config, lock a state directory, make the cgroup,
 * compile everything the init will need, clone3 straight into the cgroup and
 * the new namespaces, answer the init's requests (id maps, hooks, console,
 * seccomp listener) and record state.json once it waits for start. */
#include "runtime/create.h"
#include "runtime/create_internal.h"

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

#include "runtime/hooks.h"
#include "runtime/netbundle.h"
#include "runtime/process.h"
#include "runtime/procfs.h"
#include "runtime/log.h"
#include "runtime/notify.h"
#include "runtime/sync.h"
#include "runtime/terminal.h"
#include "runtime/util.h"
#include "runtime/validate.h"

#define INIT_WHO "container init"

/* --- config --------------------------------------------------------------- */

static char *absolute(const char *path)
{
	if (!path || path[0] == '/')
		return path ? xstrdup(path) : NULL;
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

static int load_config(struct jl_creator *c, struct jl_err **err)
{
	const char *b = c->o->bundle && *c->o->bundle ? c->o->bundle : ".";
	c->bundle = realpath(b, NULL);
	if (!c->bundle)
		return jl_err_sys(err, "bundle \"%s\"", b);
	/* runc runs from the bundle: relative paths in the config and the cwd
	 * of hooks are the bundle's. */
	if (chdir(c->bundle) < 0)
		return jl_err_sys(err, "chdir to bundle \"%s\"", c->bundle);
	/* Given, built in memory (an ephemeral container's): still checked. */
	if (c->spec)
		return jl_validate_for_create(c->spec, c->o, c->run_mode, err);
	int r = 0;
	if (!c->config_text)
		r = jl_read_file_at(AT_FDCWD, "config.json", SPEC_MAX_BYTES, &c->config_text,
				    &c->config_len, err);
	if (r < 0)
		return jl_err_wrap(err, "bundle \"%s\"", c->bundle);
	r = spec_parse(c->config_text, c->config_len, "config.json", &c->spec, err);
	if (r < 0)
		return r;
	return jl_validate_for_create(c->spec, c->o, c->run_mode, err);
}

static void snapshot_preserved_fds(struct jl_creator *c)
{
	int n = c->o->preserve_fds;
	if (n > JL_MAX_PRESERVED)
		n = JL_MAX_PRESERVED;
	c->init.n_preserved = n;
	for (int i = 0; i < n; i++)
		c->init.preserved_open[i] = fcntl(3 + i, F_GETFD) >= 0;
}

/* --- what the init needs -------------------------------------------------- */

static int prepare_namespaces(struct jl_creator *c, struct jl_err **err)
{
	struct jl_init *in = &c->init;
	const struct spec_linux *l = &c->spec->lnx;
	bool joins_other = false;
	for (size_t i = 0; i < l->n_namespaces; i++) {
		const struct spec_namespace *n = &l->namespaces[i];
		if (!n->path) {
			in->create_ns[n->type] = true;
			continue;
		}
		int fd = ns_open_path(n->path, n->type, err);
		if (fd < 0)
			return jl_err_wrap(err, "config.json: linux.namespaces[%zu].path", i);
		in->join_fd[n->type] = fd;
		joins_other = joins_other || (n->type != NS_PID && n->type != NS_USER);
	}
	/* Namespaces owned by the host's user namespace can only be joined
	 * before a new user namespace exists (see enter_two_step). */
	in->two_step = in->join_fd[NS_USER] >= 0 || (in->create_ns[NS_USER] && joins_other);
	if (!in->two_step)
		for (int t = 0; t < NS__COUNT; t++)
			in->cloned_ns[t] = in->create_ns[t] && t != NS_CGROUP && t != NS_TIME;
	in->private_after_maps = in->cloned_ns[NS_USER] && geteuid() != 0;
	return 0;
}

static bool any_hooks(const struct spec *s)
{
	for (int k = 0; k < SPEC_HOOK__COUNT; k++)
		if (s->hooks[k].n)
			return true;
	return false;
}

static int prepare_fifo(struct jl_creator *c, struct jl_err **err)
{
	if (c->run_mode) {
		bool idle = c->ephemeral && c->cg.fd < 0 && !any_hooks(c->spec);
		c->init.wait = idle ? JL_WAIT_NONE : JL_WAIT_SYNC;
		c->init.fifo_fd = -1;
		return 0;
	}
	c->init.wait = JL_WAIT_FIFO;
	/* How the init reports a failure after `start` released it: `start`
	 * opens the read end through /proc/PID/fd of the (non-dumpable) init
	 * and reads until execve closes the write end.  A pipe, so the waiting
	 * init holds nothing of the host's filesystem. */
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return jl_err_sys(err, "pipe");
	c->err_read = p[0];
	c->init.err_fd = p[1];
	c->state.init_err_fd = p[1];
	if (mkfifoat(c->dirfd, JL_FIFO_FILE, 0600) < 0)
		return jl_err_sys(err, "create %s", JL_FIFO_FILE);
	/* O_NONBLOCK: opening the read end must not wait for a writer. */
	c->init.fifo_fd = openat(c->dirfd, JL_FIFO_FILE, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (c->init.fifo_fd < 0)
		return jl_err_sys(err, "open %s", JL_FIFO_FILE);
	return 0;
}

/* NOTIFY_SOCKET in our environment: the container gets a socket of its own
 * to notify (notify.h).  The caller's value must not reach the container. */
static int prepare_notify(struct jl_creator *c, struct jl_err **err)
{
	if (!jl_notify_host_socket())
		return 0;
	char **env = c->init.envp;
	size_t n = 0, k = 0;
	for (; env[n]; n++)
		if (!jl_str_has_prefix(env[n], "NOTIFY_SOCKET="))
			env[k++] = env[n];
	env[k] = NULL;
	/* An ephemeral container has no state directory to hold a socket. */
	if (c->ephemeral)
		return 0;
	char *dir = NULL;
	int r = jl_notify_prepare(c->dirfd, c->g->root, c->o->id, &dir, err);
	if (r == 0)
		r = jl_rootfs_plan_notify(&c->init.rootfs, dir, err);
	else
		free(dir);
	if (r < 0)
		return r;
	c->init.envp = xrealloc(env, (k + 2) * sizeof(*env));
	c->init.envp[k] = (char *)"NOTIFY_SOCKET=" JL_NOTIFY_IN_CONTAINER;
	c->init.envp[k + 1] = NULL;
	return 0;
}

static bool any_init_hooks(const struct spec *s)
{
	return s->hooks[SPEC_HOOK_PRESTART].n || s->hooks[SPEC_HOOK_CREATE_RUNTIME].n ||
	       s->hooks[SPEC_HOOK_CREATE_CONTAINER].n || s->hooks[SPEC_HOOK_START_CONTAINER].n;
}

static int prepare_init(struct jl_creator *c, struct jl_err **err)
{
	struct jl_init *in = &c->init;
	in->spec = c->spec;
	in->process = &c->spec->process;
	in->console_fd = -1;
	in->envp = jl_process_envp(in->process);
	in->argv = jl_process_argv(in->process);
	in->run_create_hooks = any_init_hooks(c->spec);
	in->id = c->o->id;
	in->new_keyring = !c->o->no_new_keyring;
	/* Read here, from the host's /proc: the init inherits them at clone. */
	in->ignored_signals = jl_process_ignored_signals();
	const char *cg_dir = NULL;
	cleanup_free char *cg_abs = NULL;
	if (c->cg.path)
		cg_dir = cg_abs = xasprintf("%s%s", c->cgroot.mount, c->cg.path);
	int r = jl_rootfs_plan_build(c->spec, c->bundle, c->o->no_pivot, cg_dir, &in->rootfs, err);
	if (r == 0)
		r = prepare_notify(c, err);
	if (r == 0)
		r = prepare_namespaces(c, err);
	if (r == 0 && c->spec->lnx.has_seccomp) {
		int cache = jl_seccomp_cache_open();
		r = jl_seccomp_compile_cached(cache, &c->spec->lnx.seccomp,
					      "config.json: linux.seccomp", &in->seccomp, err);
		if (cache >= 0)
			close(cache);
		in->has_seccomp = r == 0;
	}
	if (r == 0)
		r = prepare_fifo(c, err);
	if (r == 0 && c->console_socket) {
		in->console_fd = jl_console_connect(c->console_socket, err);
		r = in->console_fd < 0 ? in->console_fd : 0;
	}
	in->console_to_runtime = c->spec->process.terminal && in->console_fd < 0;
	return r;
}

/* --- clone ---------------------------------------------------------------- */

static int clone_init(struct jl_creator *c, struct jl_err **err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return jl_err_sys(err, "socketpair");
	int one = 1;
	setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	c->sync_fd = sv[0];
	c->init.sync_fd = sv[1];
	int *pf = c->init.parent_fds;
	pf[0] = c->dirfd, pf[1] = c->cg.fd, pf[2] = sv[0], pf[3] = c->err_read;
	c->init.n_parent_fds = 4;
	if (c->init.join_fd[NS_PID] >= 0) {
		/* Only future children enter it: pid_for_children. */
		int r = ns_join_fd(c->init.join_fd[NS_PID], NS_PID, "pid namespace path", err);
		if (r < 0)
			return r;
	}
	uint64_t flags = CLONE_PIDFD;
	for (int t = 0; t < NS__COUNT; t++)
		if (c->init.cloned_ns[t])
			flags |= (uint64_t)ns_clone_flag((enum ns_type)t);
	if (c->cg.fd >= 0)
		flags |= CLONE_INTO_CGROUP;
	int pidfd = -1;
	struct clone_args a = {
		.flags = flags,
		.pidfd = (uint64_t)(uintptr_t)&pidfd,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)(c->cg.fd >= 0 ? c->cg.fd : 0),
	};
	fflush(NULL);
	pid_t pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
	if (pid < 0)
		return jl_err_sys(err, "clone3 the container init (flags 0x%llx)",
				  (unsigned long long)flags);
	if (pid == 0)
		jl_init_main(&c->init);
	close(sv[1]);
	c->init.sync_fd = -1;
	if (c->init.err_fd >= 0) {
		close(c->init.err_fd); /* the init's; `start` reads the other end */
		c->init.err_fd = -1;
	}
	c->child = pid;
	c->pid = pid;
	c->pidfd = pidfd;
	return 0;
}

static int write_id_maps(struct jl_creator *c, pid_t pid, struct jl_err **err)
{
	const struct spec_linux *l = &c->spec->lnx;
	/* An unprivileged writer may only map its own gid once setgroups is
	 * denied (user_namespaces(7)): the caller's supplementary groups could
	 * otherwise be dropped to reach files they deny. */
	int r = ns_write_id_maps(pid, l->uid_mappings.v, l->uid_mappings.n, l->gid_mappings.v,
				 l->gid_mappings.n, geteuid() != 0, err);
	if (r < 0)
		return jl_err_wrap(err, "config.json: linux.uidMappings/gidMappings");
	r = sync_send(c->sync_fd, SYNC_USERNS_DONE, 0, NULL, 0, -1);
	return r < 0 ? jl_err_set(err, -r, "release the init") : 0;
}

/* Written here, through the runtime's own /proc, for two reasons: an init
 * in a user namespace could not lower it (that needs CAP_SYS_RESOURCE in
 * the host's), and nothing the container mounts can stand in for the file
 * (CVE-2019-16884 class).  The init cannot exec before we release it. */
static int set_oom_score_adj(struct jl_creator *c, struct jl_err **err)
{
	const struct spec_process *p = &c->spec->process;
	if (!p->has_oom_score_adj)
		return 0;
	struct jl_procfs proc = JL_PROCFS_INIT;
	int r = jl_procfs_open(&proc, err);
	if (r == 0) {
		char who[16];
		snprintf(who, sizeof(who), "%d", (int)c->pid);
		r = jl_process_set_oom_score_adj(&proc, who, p->oom_score_adj, err);
	}
	jl_procfs_close(&proc);
	return r;
}

/* The two-step init reports the real pid 1 (and asks for maps) itself. */
static int adopt_init(struct jl_creator *c, struct jl_err **err)
{
	for (;;) {
		struct sync_msg m;
		int r = sync_recv(c->sync_fd, &m);
		if (r < 0)
			return jl_err_set(err, r == -EPIPE ? 0 : -r, INIT_WHO " exited unexpectedly");
		pid_t pid = m.pid;
		int type = (int)m.type;
		if (type == SYNC_ERROR)
			jl_err_code(err, m.errnum, "%s", m.data ? m.data : "error");
		sync_msg_clear(&m);
		if (type == SYNC_ERROR)
			return jl_err_status(*err);
		if (type == SYNC_USERNS) {
			r = write_id_maps(c, pid, err);
			if (r < 0)
				return r;
			continue;
		}
		if (type != SYNC_PID || pid <= 0)
			return jl_err_set(err, EPROTO, INIT_WHO ": unexpected message %d", type);
		if (pid != c->child) {
			waitpid(c->child, NULL, 0); /* the intermediate, done */
			c->child = 0;
			close(c->pidfd);
			c->pid = pid;
			c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
			if (c->pidfd < 0)
				return jl_err_sys(err, "pidfd_open %d", (int)pid);
		}
		return 0;
	}
}

/* --- state ---------------------------------------------------------------- */

char *jl_state_json_with(const struct jl_state *s, enum jl_status status)
{
	struct jl_buf b = {0};
	jl_state_to_json(s, status, &b);
	return jl_buf_steal(&b);
}

/* What state.json says before the init exists: written before the first
 * side effect (the cgroup), so a create that dies from then on leaves
 * `delete` what it needs to undo it.  pid 0 stands for "being created". */
static int record_intent(struct jl_creator *c, struct jl_err **err)
{
	struct jl_state *s = &c->state;
	char now[40];
	jl_time_rfc3339(now);
	s->id = xstrdup(c->o->id);
	s->bundle = xstrdup(c->bundle);
	s->created = xstrdup(now);
	s->owner = geteuid() == 0 ? xstrdup("root") : xasprintf("%u", geteuid());
	const struct spec_kvv *a = &c->spec->annotations;
	s->annotations = xcalloc(2 * a->n + 1, sizeof(char *));
	for (size_t i = 0; i < a->n; i++) {
		s->annotations[2 * i] = xstrdup(a->v[i].key);
		s->annotations[2 * i + 1] = xstrdup(a->v[i].value);
	}
	s->n_annotations = a->n;
	for (int k = 0; k < SPEC_HOOK__COUNT; k++)
		if (c->spec->hooks[k].n)
			s->hooks_mask |= 1u << k;
	return c->ephemeral ? 0 : jl_state_write(c->dirfd, s, err);
}

static void fill_state(struct jl_creator *c)
{
	struct jl_state *s = &c->state;
	s->pid = c->pid;
	jl_proc_stat(c->pid, &s->start_time, NULL);
	s->rootfs = xstrdup(c->init.rootfs.rootfs);
	s->shared_mounts = !c->init.rootfs.mntns;
}

static int run_runtime_hooks(struct jl_creator *c, struct jl_err **err)
{
	struct sync_msg m;
	int r = sync_expect(c->sync_fd, SYNC_CREATE_RUNTIME, INIT_WHO, &m, err);
	if (r < 0)
		return r;
	sync_msg_clear(&m);
	/* "created" for every create-time hook, as crun and the OCI
	 * validation suite expect (the container exists and has its pid). */
	c->state_created = jl_state_json_with(&c->state, JL_STATUS_CREATED);
	r = jl_hooks_run(c->spec, SPEC_HOOK_PRESTART, c->state_created, err);
	if (r == 0)
		r = jl_hooks_run(c->spec, SPEC_HOOK_CREATE_RUNTIME, c->state_created, err);
	if (r < 0)
		return r;
	/* The init runs createContainer and startContainer hooks. */
	r = sync_send(c->sync_fd, SYNC_HOOKS_DONE, 0, c->state_created,
		      strlen(c->state_created) + 1, -1);
	return r < 0 ? jl_err_set(err, -r, "release the init after hooks") : 0;
}

int jl_forward_listener(const struct spec_seccomp *s, pid_t pid, const struct jl_state *st,
			enum jl_status status, int fd, struct jl_err **err)
{
	cleanup_free char *state = jl_state_json_with(st, status);
	struct jl_buf b = {0};
	struct jl_json_writer w = {.out = &b};
	jl_jw_begin_object(&w);
	jl_jw_kv_str(&w, "ociVersion", JL_OCI_VERSION);
	jl_jw_key(&w, "fds");
	jl_jw_begin_array(&w);
	jl_jw_str(&w, "seccompFd");
	jl_jw_end_array(&w);
	jl_jw_kv_int(&w, "pid", pid);
	jl_jw_kv_str(&w, "metadata", s->listener_metadata ? s->listener_metadata : "");
	jl_jw_key(&w, "state");
	jl_jw_raw(&w, state);
	jl_jw_end_object(&w);
	int r = jl_seccomp_send_listener(s->listener_path, fd, b.data, err);
	jl_buf_free(&b);
	return r < 0 ? jl_err_wrap(err, "linux.seccomp.listenerPath") : 0;
}

/* Console, seccomp listener and ready arrive in this order. */
static int await_ready(struct jl_creator *c, struct jl_err **err)
{
	struct sync_msg m;
	int r;
	if (c->init.console_to_runtime) {
		r = sync_expect(c->sync_fd, SYNC_CONSOLE, INIT_WHO, &m, err);
		if (r < 0)
			return r;
		c->master = m.fd;
		m.fd = -1;
		sync_msg_clear(&m);
	}
	if (c->init.has_seccomp && c->init.seccomp.notify) {
		r = sync_expect(c->sync_fd, SYNC_SECCOMP, INIT_WHO, &m, err);
		if (r < 0)
			return r;
		r = jl_forward_listener(&c->spec->lnx.seccomp, c->pid, &c->state,
					JL_STATUS_CREATING, m.fd, err);
		sync_msg_clear(&m);
		if (r < 0)
			return r;
	}
	r = sync_expect(c->sync_fd, SYNC_READY, INIT_WHO, &m, err);
	if (r == 0)
		sync_msg_clear(&m);
	return r;
}

/* What exec and delete read besides state.json: written while the init
 * builds its root, off the critical path. */
static int record_config(struct jl_creator *c, struct jl_err **err)
{
	if (c->ephemeral)
		return 0;
	int r = jl_write_atomic_at(c->dirfd, JL_CONFIG_COPY, c->config_text, c->config_len, 0600,
				   err);
	if (r == 0 && c->init.has_seccomp)
		r = jl_seccomp_prog_save(c->dirfd, JL_SECCOMP_FILE, &c->init.seccomp, err);
	return r;
}

static int record_state(struct jl_creator *c, struct jl_err **err)
{
	int r = c->ephemeral ? 0 : jl_state_write(c->dirfd, &c->state, err);
	if (r == 0 && c->pid_file)
		r = jl_write_pid_file(c->pid_file, c->pid, err);
	return r;
}

/* --- the whole ------------------------------------------------------------ */

static int create_steps(struct jl_creator *c, struct jl_err **err)
{
	int r = jl_netbundle_check(c->g, c->spec, err);
	if (r == 0)
		r = jl_create_plan_cgroup(c, err);
	if (r == 0)
		r = record_intent(c, err);
	if (r == 0)
		r = jl_create_make_cgroup(c, err);
	if (r == 0)
		r = prepare_init(c, err);
	if (r == 0)
		r = clone_init(c, err);
	/* The init holds the scope now. */
	cg_sd_scope_release(&c->scope);
	if (r < 0)
		return r;
	if (c->init.two_step)
		r = adopt_init(c, err);
	else if (c->init.cloned_ns[NS_USER])
		r = write_id_maps(c, c->pid, err);
	if (r == 0)
		r = set_oom_score_adj(c, err);
	/* Before the hooks: a prestart hook sees the container's address. */
	if (r == 0)
		r = jl_netbundle_attach(c->g, c->spec, c->o->id, c->pid, &c->net_attached, err);
	if (r < 0)
		return r;
	fill_state(c);
	if (c->init.run_create_hooks) {
		r = run_runtime_hooks(c, err);
		if (r < 0)
			return r;
	}
	jl_create_preload_devices(c);
	r = record_config(c, err);
	if (r == 0)
		r = await_ready(c, err);
	if (r == 0)
		r = jl_create_attach_devices(c, err);
	if (r == 0)
		r = record_state(c, err);
	/* run releases the init itself (SYNC_START). */
	if (r == 0 && !c->run_mode && (r = sync_send(c->sync_fd, SYNC_HANDOVER, 0, NULL, 0, -1)) < 0)
		r = jl_err_set(err, -r, "hand the container over");
	return r;
}

/* An init that died without a word was most likely killed: when the
 * kernel's OOM killer did it, say so (memory.max below what setup needs). */
static void explain_death(struct jl_creator *c, struct jl_err **err)
{
	if (!err || !*err || !strstr((*err)->msg, "exited unexpectedly") || c->cg.fd < 0)
		return;
	if (cg_read_oom_kills(&c->cg) > 0)
		jl_err_wrap(err, "the container init was OOM-killed (is linux.resources.memory.limit "
				 "too low?)");
}

int jl_creator_create(struct jl_creator *c, struct jl_err **err)
{
	c->dirfd = c->sync_fd = c->pidfd = c->master = c->err_read = c->devices_fd = -1;
	c->init.fifo_fd = c->init.console_fd = c->init.sync_fd = c->init.err_fd = -1;
	c->init.proc = (struct jl_procfs)JL_PROCFS_INIT;
	c->state.init_err_fd = -1;
	for (int t = 0; t < NS__COUNT; t++)
		c->init.join_fd[t] = -1;
	c->cg = (struct cg_handle)CG_HANDLE_INIT;
	c->scope = (struct cg_sd_scope)CG_SD_SCOPE_INIT;
	if (!jl_id_valid(c->o->id))
		return jl_err_set(err, 0, "invalid container id \"%s\"", c->o->id);
	snapshot_preserved_fds(c);
	c->pid_file = absolute(c->o->pid_file);
	c->console_socket = absolute(c->o->console_socket);
	int r = load_config(c, err);
	if (r < 0)
		return r;
	if (!c->ephemeral) {
		c->dirfd = jl_state_dir_create(c->g->root, c->o->id, err);
		if (c->dirfd < 0)
			return c->dirfd;
		c->dir_created = true;
	}
	r = create_steps(c, err);
	if (r < 0) {
		explain_death(c, err);
		jl_creator_abort(c);
		return r;
	}
	return 0;
}

void jl_creator_abort(struct jl_creator *c)
{
	/* In a cgroup it joined, only the init's own tree is the container's;
	 * find it while the init still anchors it. */
	if (c->cg_created && !c->cg.fresh && c->pid > 1)
		cg_kill_tree(&c->cg, c->pid, SIGKILL, NULL);
	if (c->pidfd >= 0)
		syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
	if (c->child > 0)
		waitpid(c->child, NULL, 0);
	/* A two-step pid 1 is our child too (CLONE_PARENT). */
	if (c->pid > 0 && c->pid != c->child)
		waitpid(c->pid, NULL, 0);
	if (c->init.rootfs.rootfs && !c->init.rootfs.mntns) {
		struct jl_err *e = NULL;
		if (jl_rootfs_detach_below(c->init.rootfs.rootfs, &e) < 0)
			jl_warn("%s", e->msg);
		jl_err_free(&e);
	}
	/* A cgroup it joined stays, with the processes that are not its own. */
	cg_sd_scope_release(&c->scope);
	if (c->cg_created && c->cg.fresh) {
		struct jl_err *e = NULL;
		cg_kill(&c->cg, SIGKILL, NULL);
		if (c->scope.unit && cg_sd_stop(&c->cgroot, c->scope.unit, c->sd_slice, &e) < 0)
			jl_warn("%s", e->msg);
		jl_err_free(&e);
		if (cg_destroy(&c->cgroot, c->cg.path, &e) < 0)
			jl_warn("%s", e->msg);
		jl_err_free(&e);
		c->cg_created = false;
	}
	if (c->net_attached) {
		jl_netbundle_detach(c->g, c->o->id);
		c->net_attached = false;
	}
	if (c->dir_created) {
		jl_state_dir_remove(c->g->root, c->o->id, NULL);
		c->dir_created = false;
	}
}

void jl_creator_release(struct jl_creator *c)
{
	struct jl_init *in = &c->init;
	if (in->has_seccomp)
		jl_seccomp_prog_free(&in->seccomp);
	in->has_seccomp = false;
	free(in->envp);
	free(in->argv);
	in->envp = in->argv = NULL;
	jl_rootfs_plan_free(&in->rootfs);
	cg_bpf_prog_free(&c->devices);
	free(c->state_created);
	spec_free(c->spec);
	free(c->config_text);
	c->state_created = c->config_text = NULL;
	c->spec = NULL;
	in->spec = NULL;
	in->process = NULL;
}

void jl_creator_free(struct jl_creator *c)
{
	struct jl_init *in = &c->init;
	for (int t = 0; t < NS__COUNT; t++)
		if (in->join_fd[t] >= 0)
			close(in->join_fd[t]);
	if (in->fifo_fd >= 0)
		close(in->fifo_fd);
	if (in->err_fd >= 0)
		close(in->err_fd);
	if (c->err_read >= 0)
		close(c->err_read);
	if (in->console_fd >= 0)
		close(in->console_fd);
	jl_creator_release(c);
	if (c->sync_fd >= 0)
		close(c->sync_fd);
	if (c->devices_fd >= 0)
		close(c->devices_fd);
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->master >= 0)
		close(c->master);
	if (c->dirfd >= 0)
		close(c->dirfd);
	cg_handle_close(&c->cg);
	cg_sd_scope_free(&c->scope);
	free(c->sd_slice);
	free(c->sd_unit);
	cg_sd_props_free(&c->sd_extra);
	jl_state_free(&c->state);
	free(c->bundle);
	free(c->pid_file);
	free(c->console_socket);
	memset(c, 0, sizeof(*c));
}

int jl_container_create(const struct jl_global *g, const struct jl_create_opts *o,
			struct jl_err **err)
{
	struct jl_creator c = {.g = g, .o = o};
	int r = jl_creator_create(&c, err);
	/* The init now waits on the fifo, reparented to our caller's
	 * subreaper once we exit. */
	jl_creator_free(&c);
	return r;
}
