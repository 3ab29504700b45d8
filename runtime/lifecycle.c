/* start, state, kill, delete, list: operations on an existing container,
 * each reading state.json and the live process instead of trusting a
 * stored status. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "cgroups/systemd.h"
#include "runtime/container.h"
#include "runtime/create.h"
#include "runtime/hooks.h"
#include "runtime/netbundle.h"
#include "runtime/log.h"
#include "runtime/notify.h"
#include "runtime/rootfs.h"
#include "runtime/spec.h"
#include "runtime/state.h"
#include "runtime/util.h"

static int open_container(const struct jl_global *g, const char *id, bool lock,
			  struct jl_state *st, struct jl_err **err)
{
	if (!jl_id_valid(id))
		return jl_err_code(err, EINVAL, "invalid container id \"%s\"", id);
	int dirfd = jl_state_dir_open(g->root, id, lock, err);
	if (dirfd < 0)
		return dirfd;
	int r = jl_state_read(dirfd, id, st, err);
	if (r < 0) {
		close(dirfd);
		return r;
	}
	return dirfd;
}

static int open_cgroup(const struct jl_state *st, struct cg_root *root, struct cg_handle *h,
		       struct jl_err **err)
{
	root->mode = CG_MODE_UNIFIED;
	snprintf(root->mount, sizeof(root->mount), "%s", st->cgroup_mount);
	return cg_open(root, st->cgroup_path, h, err);
}

/* Hooks named in the container's saved config (parsed only when needed),
 * poststart and poststop: runtime-spec makes their failures warnings, and
 * the remaining hooks and the lifecycle go on. */
static void run_saved_hooks(int dirfd, const struct jl_state *st, enum spec_hook_kind kind,
			    enum jl_status status)
{
	if (!(st->hooks_mask & (1u << kind)))
		return;
	cleanup_free char *text = NULL;
	size_t len;
	cleanup_spec struct spec *s = NULL;
	struct jl_err *e = NULL;
	if (jl_read_file_at(dirfd, JL_CONFIG_COPY, SPEC_MAX_BYTES, &text, &len, &e) < 0 ||
	    spec_parse(text, len, "config.json", &s, &e) < 0) {
		jl_warn("%s hooks not run: %s", spec_hook_name(kind), e->msg);
		jl_err_free(&e);
		return;
	}
	cleanup_free char *state = jl_state_json_with(st, status);
	jl_hooks_run_warn(s, kind, state);
}

/* --- start ---------------------------------------------------------------- */

/* A fifo's writer sees POLLERR once no reader is left: the init closed its
 * end, by execve (it is close-on-exec) or by dying. */
static void wait_reader_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = 0};
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
}

/* The read end of the waiting init's failure pipe, opened through
 * /proc/PID/fd: the init is non-dumpable, so only the host's root gets
 * there.  pidfd was checked against the saved start time; the init still
 * being alive after the open means the pid was still ours. */
static int open_init_errors(const struct jl_state *st, int pidfd)
{
	if (st->init_err_fd < 0 || pidfd < 0)
		return -1;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)st->pid, st->init_err_fd);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	if (fd >= 0 && poll(&p, 1, 0) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Everything the init writes there before execve closes it (or it dies). */
static char *read_init_errors(int fd)
{
	struct jl_buf b = {0};
	char buf[4096];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || b.len > (1u << 16))
			break;
		jl_buf_add(&b, buf, (size_t)n);
	}
	return jl_buf_steal(&b);
}

static int release_init(int dirfd, const struct jl_state *st, int *fifo, int *errs,
			struct jl_err **err)
{
	enum jl_status status = jl_state_status_locked(dirfd, st);
	if (status == JL_STATUS_STOPPED)
		return jl_err_set(err, 0, "cannot start a container that has stopped");
	if (status != JL_STATUS_CREATED)
		return jl_err_set(err, 0, "cannot start an already %s container",
				  jl_status_name(status));
	cleanup_close int pidfd = jl_state_open_pidfd(st);
	*errs = open_init_errors(st, pidfd);
	*fifo = openat(dirfd, JL_FIFO_FILE, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (*fifo < 0)
		return jl_err_code(err, ESRCH, "container \"%s\": container not running", st->id);
	if (write(*fifo, "0", 1) != 1)
		return jl_err_sys(err, "start container \"%s\"", st->id);
	/* Gone with the start: status is "running" from here on. */
	unlinkat(dirfd, JL_FIFO_FILE, 0);
	return 0;
}

/* An init that failed after its release (a startContainer hook, the
 * execve) says why on its failure pipe before exiting. */
static int await_exec(const char *id, int fifo, int errs, struct jl_err **err)
{
	if (errs < 0) {
		wait_reader_gone(fifo);
		return 0;
	}
	cleanup_free char *msg = read_init_errors(errs);
	if (!msg || !*msg)
		return 0;
	return jl_err_code(err, EIO, "start container \"%s\": %s", id, msg);
}

/* NOTIFY_SOCKET: the container's socket (*fd, or -1 when there is none to
 * relay), bound before the container is released. */
static int bind_notify(int dirfd, int *fd, struct jl_err **err)
{
	*fd = -1;
	if (!jl_notify_host_socket())
		return 0;
	int r = jl_notify_bind(dirfd, err);
	if (r == -ENOENT)
		return 0; /* created without NOTIFY_SOCKET */
	if (r < 0)
		return r;
	*fd = r;
	return 0;
}

/* Until READY=1 (or its end), with the lock given back: `state`, `kill`
 * and `delete` must work meanwhile. */
static int relay_notify(int *dirfd, int notify, const struct jl_state *st, struct jl_err **err)
{
	close(*dirfd);
	*dirfd = -1;
	cleanup_close int pidfd = jl_state_open_pidfd(st);
	if (pidfd < 0)
		return 0;
	return jl_notify_relay(notify, jl_notify_host_socket(), st->pid, pidfd, err);
}

int jl_container_start(const struct jl_global *g, const char *id, struct jl_err **err)
{
	struct jl_state st;
	cleanup_close int dirfd = open_container(g, id, true, &st, err);
	if (dirfd < 0)
		return dirfd;
	cleanup_close int fifo = -1;
	cleanup_close int errs = -1;
	cleanup_close int notify = -1;
	int r = bind_notify(dirfd, &notify, err);
	if (r == 0)
		r = release_init(dirfd, &st, &fifo, &errs, err);
	if (r == 0)
		r = await_exec(id, fifo, errs, err);
	if (r == 0)
		run_saved_hooks(dirfd, &st, SPEC_HOOK_POSTSTART, JL_STATUS_RUNNING);
	if (r == 0 && notify >= 0)
		r = relay_notify(&dirfd, notify, &st, err);
	jl_state_free(&st);
	return r;
}

/* --- state ---------------------------------------------------------------- */

int jl_container_state(const struct jl_global *g, const char *id, struct jl_buf *out,
		       struct jl_err **err)
{
	struct jl_state st;
	cleanup_close int dirfd = open_container(g, id, false, &st, err);
	if (dirfd < 0)
		return dirfd;
	jl_state_to_json(&st, jl_state_status(dirfd, &st), out);
	jl_state_free(&st);
	return 0;
}

/* --- kill ----------------------------------------------------------------- */

static int kill_all(const struct jl_state *st, int sig, struct jl_err **err)
{
	struct cg_root root;
	struct cg_handle h = CG_HANDLE_INIT;
	int r = open_cgroup(st, &root, &h, err);
	if (r == 0 && st->cgroup_owned)
		r = cg_kill(&h, sig, err);
	/* A joined cgroup: only the init's tree, and only while the init is
	 * the one we started (its pid could name a neighbour by now). */
	else if (r == 0 && jl_state_init_alive(st))
		r = cg_kill_tree(&h, st->pid, sig, err);
	cg_handle_close(&h);
	return r < 0 ? r : 0;
}

static int kill_init(const struct jl_state *st, int sig, struct jl_err **err)
{
	cleanup_close int pidfd = jl_state_open_pidfd(st);
	if (pidfd < 0)
		return jl_err_code(err, ESRCH, "container \"%s\": container not running", st->id);
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return jl_err_sys(err, "container \"%s\": send signal %d", st->id, sig);
	return 0;
}

int jl_container_kill(const struct jl_global *g, const char *id, int sig, bool all,
		      struct jl_err **err)
{
	struct jl_state st;
	cleanup_close int dirfd = open_container(g, id, false, &st, err);
	if (dirfd < 0)
		return dirfd;
	int r;
	bool stopped = jl_state_status(dirfd, &st) == JL_STATUS_STOPPED;
	if (all && st.cgroup_path) {
		r = kill_all(&st, sig, err);
		/* A stopped container whose cgroup is gone has nothing left. */
		if (r == -ENOENT && stopped) {
			jl_err_free(err);
			r = 0;
		}
	} else if (stopped && all) {
		/* The runc shim sends kill --all after the init of a container
		 * that shares a pid namespace (a Kubernetes pod) exits, to reap
		 * what it left; like runc, nothing to find is a success.
		 * Without a cgroup jaula cannot find those processes. */
		r = 0;
	} else if (stopped) {
		r = jl_err_code(err, ESRCH, "container \"%s\": container not running", id);
	} else {
		r = kill_init(&st, sig, err);
	}
	jl_state_free(&st);
	return r;
}

/* --- delete --------------------------------------------------------------- */

/* Kill everything and wait until it is gone: the init through its pidfd,
 * the rest through the cgroup (cgroup.kill also reaches frozen tasks). */
static int kill_and_wait(const struct jl_state *st, struct jl_err **err)
{
	cleanup_close int pidfd = jl_state_open_pidfd(st);
	if (st->cgroup_path && !st->cgroup_owned && pidfd >= 0) {
		/* Joined: the init's tree goes, whatever else runs there stays. */
		struct cg_root root;
		struct cg_handle h = CG_HANDLE_INIT;
		if (open_cgroup(st, &root, &h, NULL) == 0)
			cg_kill_tree(&h, st->pid, SIGKILL, NULL);
		cg_handle_close(&h);
	} else if (st->cgroup_path && st->cgroup_owned) {
		struct cg_root root;
		struct cg_handle h = CG_HANDLE_INIT;
		int r = open_cgroup(st, &root, &h, err);
		if (r == 0) {
			r = cg_kill(&h, SIGKILL, err);
			if (r == 0)
				r = cg_wait_empty(&h, 10000, err);
		}
		cg_handle_close(&h);
		if (r < 0 && r != -ENOENT)
			return r;
		jl_err_free(err);
	}
	if (pidfd >= 0) {
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		if (poll(&p, 1, 10000) == 0)
			return jl_err_code(err, ETIMEDOUT, "container \"%s\": init did not exit",
					  st->id);
	}
	return 0;
}

/* An emptied scope is stopped by systemd itself, cgroup and all: only one
 * whose cgroup is still there needs asking (and waiting for).  Its slice
 * (the cgroup's parent directory) may be one to collect. */
static int stop_scope(const struct cg_root *root, const struct jl_state *st,
		      struct jl_err **err)
{
	cleanup_free char *dir = xstrdup(st->cgroup_path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	const char *slice = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : "";
	bool live = cg_exists(root, st->cgroup_path) == 1;
	return cg_sd_stop(root, live ? st->systemd_unit : NULL, *slice ? slice : "-.slice", err);
}

int jl_container_cleanup(const struct jl_global *g, const struct jl_state *st,
			 struct jl_err **err)
{
	if (st->shared_mounts && st->rootfs) {
		int r = jl_rootfs_detach_below(st->rootfs, err);
		if (r < 0)
			return r;
	}
	if (st->cgroup_path && st->cgroup_owned) {
		struct cg_root root = {.mode = CG_MODE_UNIFIED};
		snprintf(root.mount, sizeof(root.mount), "%s", st->cgroup_mount);
		int r = st->systemd_unit ? stop_scope(&root, st, err) : 0;
		if (r == 0)
			r = cg_destroy(&root, st->cgroup_path, err);
		if (r < 0)
			return r;
	}
	cleanup_close int dirfd = (st->hooks_mask & (1u << SPEC_HOOK_POSTSTOP))
					  ? jl_state_dir_open(g->root, st->id, false, NULL)
					  : -1;
	if (jl_netbundle_wanted(st->annotations))
		jl_netbundle_detach(g, st->id);
	if (dirfd >= 0)
		run_saved_hooks(dirfd, st, SPEC_HOOK_POSTSTOP, JL_STATUS_STOPPED);
	return jl_state_dir_remove(g->root, st->id, err);
}

int jl_container_delete(const struct jl_global *g, const char *id, bool force,
			struct jl_err **err)
{
	if (!jl_id_valid(id))
		return jl_err_code(err, EINVAL, "invalid container id \"%s\"", id);
	cleanup_close int dirfd = jl_state_dir_open(g->root, id, true, err);
	if (dirfd == -ENOENT && force) {
		/* runc and crun: --force makes a missing container a success.
		 * podman and conmon delete --force after every failed create,
		 * and an error here would bury the create's real one. */
		jl_err_free(err);
		return 0;
	}
	if (dirfd < 0)
		return dirfd;
	struct jl_state st;
	int r = jl_state_read(dirfd, id, &st, err);
	if (r == -ENOENT) {
		/* No state.json although we hold the lock: a create killed
		 * half-way.  Nothing runs; only the directory is left. */
		jl_err_free(err);
		return jl_state_dir_remove(g->root, id, err);
	}
	if (r < 0)
		return r;
	enum jl_status status = jl_state_status_locked(dirfd, &st);
	if ((status == JL_STATUS_RUNNING || status == JL_STATUS_PAUSED) && !force)
		r = jl_err_code(err, EBUSY, "cannot delete container \"%s\" that is not stopped: %s",
			       id, jl_status_name(status));
	else if (status != JL_STATUS_STOPPED)
		/* A created container is deleted by killing its waiting init:
		 * containerd deletes never-started tasks this way. */
		r = kill_and_wait(&st, err);
	if (r == 0)
		r = jl_container_cleanup(g, &st, err);
	jl_state_free(&st);
	return r;
}

/* --- list ----------------------------------------------------------------- */

static bool read_entry(const struct jl_global *g, const char *id, struct jl_state *st,
		       enum jl_status *status)
{
	int dirfd = jl_state_dir_open(g->root, id, false, NULL);
	if (dirfd < 0)
		return false;
	bool ok = jl_state_read(dirfd, id, st, NULL) == 0;
	if (ok)
		*status = jl_state_status(dirfd, st);
	close(dirfd);
	return ok;
}

typedef void (*list_fn)(const struct jl_state *st, enum jl_status status, void *arg);

static int for_each_container(const struct jl_global *g, list_fn fn, void *arg,
			      struct jl_err **err)
{
	cleanup_dir DIR *d = opendir(g->root);
	if (!d)
		return errno == ENOENT ? 0 : jl_err_sys(err, "open state directory \"%s\"", g->root);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !jl_id_valid(de->d_name))
			continue;
		struct jl_state st;
		enum jl_status status;
		if (!read_entry(g, de->d_name, &st, &status))
			continue; /* being created or deleted right now */
		fn(&st, status, arg);
		jl_state_free(&st);
	}
	return 0;
}

struct info_list {
	struct jl_container_info *v;
	size_t n, cap;
};

static void add_info(const struct jl_state *st, enum jl_status status, void *arg)
{
	struct info_list *l = arg;
	if (l->n == l->cap)
		l->v = xrealloc(l->v, (l->cap = l->cap ? 2 * l->cap : 16) * sizeof(*l->v));
	l->v[l->n++] = (struct jl_container_info){
		.id = xstrdup(st->id),
		.pid = status == JL_STATUS_STOPPED ? 0 : st->pid,
		.status = status,
		.bundle = xstrdup(st->bundle ? st->bundle : ""),
		.created = xstrdup(st->created ? st->created : ""),
		.owner = xstrdup(st->owner ? st->owner : ""),
	};
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct jl_container_info *)a)->id,
		      ((const struct jl_container_info *)b)->id);
}

int jl_container_list(const struct jl_global *g, struct jl_container_info **out, size_t *n,
		      struct jl_err **err)
{
	struct info_list l = {0};
	int r = for_each_container(g, add_info, &l, err);
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), by_id);
	*out = l.v;
	*n = l.n;
	return r;
}

void jl_container_info_free(struct jl_container_info *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].bundle);
		free(v[i].created);
		free(v[i].owner);
	}
	free(v);
}

static void add_json(const struct jl_state *st, enum jl_status status, void *arg)
{
	struct jl_buf *b = arg;
	if (b->len > 1)
		jl_buf_puts(b, ",");
	jl_state_to_json(st, status, b);
}

int jl_container_list_json(const struct jl_global *g, struct jl_buf *out, struct jl_err **err)
{
	jl_buf_puts(out, "[");
	int r = for_each_container(g, add_json, out, err);
	jl_buf_puts(out, "]");
	return r;
}
