/* `jaula run IMAGE [CMD...]`: a container made from an image of the store.
 *
 *   resolve the image -> containers/<id> (upper, work, merged, image,
 *   meta.json) -> unshare a private mount namespace -> overlay at merged ->
 *   the image's user, environment and working directory -> bundle/config.json
 *   from jaula's default spec -> jl_container_run
 *
 * The overlay is mounted in a mount namespace of this process only: the
 * container's namespace is cloned from it (and holds the overlay while the
 * container lives, also after `run -d` returned), the host's never sees it.
 * When the last process of the container is gone, so is the mount: nothing
 * can leak onto the host, whatever kills `run` or the container. */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/imagerun.h"
#include "runtime/log.h"
#include "runtime/paths.h"
#include "runtime/state.h"
#include "runtime/util.h"

struct ir_run {
	const struct jl_global *g;
	const struct jl_image_run_opts *o;
	struct img_store *store;
	struct img_image im;
	char *id;
	struct ir_plan plan;
	struct img_rootfs rfs;
	bool prepared, mounted;
	struct img_user user;
	int saved_stdio[3];
	int netns_fd; /* the attached network namespace, or -1 */
	char netns_path[40];
};

const char *jl_store_path(const char *store)
{
	return store && *store ? store : IMG_DEFAULT_STORE;
}

/* --- before anything is made ------------------------------------------------ */

static int check_flags(const struct jl_image_run_opts *o, struct jl_err **err)
{
	if (o->detach && o->tty && !o->console_socket)
		return jl_err_code(err, EINVAL,
				   "run: -t with -d needs --console-socket (a detached container "
				   "has nobody to relay its terminal to)");
	if (o->detach && o->interactive)
		return jl_err_code(err, EINVAL, "run: -i with -d: a detached container's stdin is "
						 "/dev/null");
	return 0;
}

static int make_id(const struct ir_run *x, char **out, struct jl_err **err)
{
	if (x->o->name) {
		if (!jl_id_valid(x->o->name))
			return jl_err_code(err, EINVAL,
					   "--name \"%s\": invalid name (letters, digits, _ + . -)",
					   x->o->name);
		*out = xstrdup(x->o->name);
	} else {
		unsigned char b[6];
		if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
			return jl_err_sys(err, "getrandom");
		*out = xasprintf("%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
	}
	/* A bundle container of that id would make `run` fail late; say it now. */
	int fd = jl_state_dir_open(x->g->root, *out, false, NULL);
	if (fd >= 0) {
		close(fd);
		return jl_err_code(err, EEXIST, "container name \"%s\" is already in use", *out);
	}
	return 0;
}

static int open_image(struct ir_run *x, struct jl_err **err)
{
	const char *path = jl_store_path(x->o->store);
	int r = img_store_open(path, &x->store, err);
	if (r == 0)
		r = img_resolve(x->store, x->o->image, &x->im, err);
	return r;
}

/* --- the root filesystem ---------------------------------------------------- */

/* A mount namespace of our own, private: the overlay below never reaches
 * the host's, and whatever the host mounts later never reaches ours. */
static int enter_private_mntns(struct jl_err **err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return jl_err_sys(err, "unshare the mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return jl_err_sys(err, "make the mount namespace private");
	return 0;
}

/* User, environment and working directory come from the image's files,
 * read inside the merged root (never following a link out of it). */
static int resolve_in_root(struct ir_run *x, struct jl_err **err)
{
	cleanup_close int rootfd = open(x->rfs.merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return jl_err_sys(err, "open %s", x->rfs.merged);
	const char *user = x->o->user ? x->o->user : x->im.config.user;
	int r = img_resolve_user(rootfd, user, &x->user, err);
	if (r == 0)
		r = ir_plan_env(&x->plan, x->o, &x->im, &x->user, err);
	if (r < 0 || !strcmp(x->plan.cwd, "/"))
		return r;
	/* As docker and podman: a missing working directory is made (in the
	 * container's upper directory; the layers stay untouched). */
	int fd = jl_mkpath_in_root(rootfd, x->plan.cwd, false, 0755, err);
	if (fd < 0)
		return jl_err_wrap(err, "working directory \"%s\"", x->plan.cwd);
	close(fd);
	return 0;
}

/* --- the bundle ------------------------------------------------------------- */

static void console_size(struct jl_spec_overrides *ov)
{
	struct winsize ws;
	for (int fd = 0; fd < 3; fd++)
		if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
			ov->console_height = ws.ws_row;
			ov->console_width = ws.ws_col;
			return;
		}
}

static void fill_overrides(const struct ir_run *x, struct jl_spec_overrides *ov)
{
	const struct ir_plan *p = &x->plan;
	*ov = (struct jl_spec_overrides){
		.terminal = x->o->tty,
		.args = (const char *const *)p->args,
		.env = (const char *const *)p->env,
		.cwd = p->cwd,
		.uid = x->user.uid,
		.gid = x->user.gid,
		.groups = x->user.groups,
		.n_groups = x->user.n_groups,
		.root_path = x->rfs.merged,
		.root_writable = !x->o->read_only,
		.hostname = p->hostname,
		.host_network = p->host_network,
		.netns_path = x->netns_fd >= 0 ? x->netns_path : NULL,
		.binds = p->binds,
		.n_binds = p->n_binds,
		.memory_limit = p->memory,
		.cpu_quota = p->cpu_quota,
		.cpu_period = p->cpu_period,
		.pids_limit = p->pids,
		.annotations = (const char *const *)p->annotations,
	};
	if (x->o->tty)
		console_size(ov);
}

static int write_bundle(const struct ir_run *x, char **bundle, struct jl_err **err)
{
	cleanup_free char *dir = xasprintf("%s/bundle", x->rfs.dir);
	if (mkdir(dir, 0700) < 0)
		return jl_err_sys(err, "mkdir %s", dir);
	cleanup_close int fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return jl_err_sys(err, "open %s", dir);
	struct jl_spec_overrides ov;
	fill_overrides(x, &ov);
	struct jl_buf json = {0};
	jl_spec_json(&ov, &json);
	int r = jl_write_atomic_at(fd, "config.json", json.data, json.len, 0600, err);
	jl_buf_free(&json);
	if (r == 0)
		*bundle = steal_ptr(&dir);
	return r;
}

/* --- stdio ------------------------------------------------------------------ */

/* The init inherits our fds 0-2.  -d: stdin /dev/null, stdout and stderr
 * the log (a regular file opened here, append-only: the container can add
 * to its own log and nothing else).  Without -i: stdin /dev/null. */
static int redirect_stdio(struct ir_run *x, struct jl_err **err)
{
	for (int i = 0; i < 3; i++)
		x->saved_stdio[i] = -1;
	if (!x->o->detach && x->o->interactive)
		return 0;
	cleanup_close int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return jl_err_sys(err, "open /dev/null");
	cleanup_close int log = -1;
	if (x->o->detach) {
		cleanup_free char *path = xasprintf("%s/log", x->rfs.dir);
		log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (log < 0)
			return jl_err_sys(err, "open %s", path);
	}
	int n = x->o->detach ? 3 : 1;
	for (int i = 0; i < n; i++) {
		x->saved_stdio[i] = fcntl(i, F_DUPFD_CLOEXEC, 3);
		if (dup2(i == 0 ? null : log, i) < 0)
			return jl_err_sys(err, "redirect fd %d", i);
	}
	return 0;
}

static void restore_stdio(struct ir_run *x)
{
	for (int i = 0; i < 3; i++)
		if (x->saved_stdio[i] >= 0) {
			dup2(x->saved_stdio[i], i);
			close(x->saved_stdio[i]);
			x->saved_stdio[i] = -1;
		}
}

/* --- run -d --rm ------------------------------------------------------------ */

/* Nobody waits for a detached container, so --rm needs a watcher: a child
 * in its own session that waits for the init through a pidfd and removes
 * the container and its files. */
static void spawn_remover(struct ir_run *x)
{
	struct jl_state st;
	cleanup_close int dirfd = jl_state_dir_open(x->g->root, x->id, false, NULL);
	if (dirfd < 0 || jl_state_read(dirfd, x->id, &st, NULL) < 0)
		return;
	cleanup_close int pidfd = jl_state_open_pidfd(&st);
	jl_state_free(&st);
	pid_t pid = fork();
	if (pid != 0) {
		if (pid < 0)
			jl_warn("run --rm: cannot watch container \"%s\": %s", x->id, strerror(errno));
		return;
	}
	setsid();
	int null = open("/dev/null", O_RDWR);
	for (int i = 0; i < 3; i++)
		dup2(null, i);
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	while (pidfd >= 0 && poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	jl_container_delete(x->g, x->id, true, NULL);
	ir_net_down(jl_store_path(x->o->store), x->id);
	img_rootfs_remove(x->store, x->id, NULL);
	_exit(0);
}

/* --- run -------------------------------------------------------------------- */

static int create_rootfs(struct ir_run *x, struct jl_err **err)
{
	cleanup_free char *cmdline = ir_command_line(x->plan.args);
	int r = img_rootfs_prepare(x->store, &x->im, x->id, cmdline, &x->rfs, err);
	if (r < 0)
		return r;
	x->prepared = true;
	static const char *const name_files[] = {"etc/hosts", "etc/resolv.conf", "etc/hostname",
						 NULL};
	if (x->plan.network)
		r = img_rootfs_add_stubs(&x->rfs, name_files, err);
	if (r == 0)
		r = img_rootfs_mount(x->store, &x->im, &x->rfs, err);
	if (r < 0)
		return r;
	x->mounted = true;
	return resolve_in_root(x, err);
}

/* After the root: the name files go into the container's directory. */
static int attach_network(struct ir_run *x, struct jl_err **err)
{
	int r = ir_net_up(jl_store_path(x->o->store), x->id, x->rfs.dir, x->o, &x->plan,
			  &x->netns_fd, err);
	/* The runtime opens it in this process, before the init exists. */
	if (r == 0 && x->netns_fd >= 0)
		snprintf(x->netns_path, sizeof(x->netns_path), "/proc/self/fd/%d", x->netns_fd);
	return r;
}

static int run_container(struct ir_run *x, int *status, struct jl_err **err)
{
	cleanup_free char *bundle = NULL;
	int r = write_bundle(x, &bundle, err);
	if (r == 0)
		r = redirect_stdio(x, err);
	if (r < 0) {
		restore_stdio(x);
		return r;
	}
	struct jl_create_opts c = {
		.id = x->id,
		.bundle = bundle,
		.pid_file = x->o->pid_file,
		.console_socket = x->o->console_socket,
		.no_new_keyring = x->o->no_new_keyring,
		.preserve_fds = x->o->preserve_fds,
		.detach = x->o->detach,
		/* A stopped container stays for logs, commit and rm, unless --rm. */
		.keep = !x->o->rm,
	};
	r = jl_container_run(x->g, &c, status, err);
	restore_stdio(x);
	return r;
}

/* Our namespace's copy of the overlay is no longer needed: the container
 * holds its own. */
static void unmount_here(struct ir_run *x)
{
	if (x->mounted && umount2(x->rfs.merged, MNT_DETACH) < 0)
		jl_debug("umount %s: %s", x->rfs.merged, strerror(errno));
	x->mounted = false;
}

static void ir_run_free(struct ir_run *x)
{
	unmount_here(x);
	if (x->netns_fd >= 0)
		close(x->netns_fd);
	img_user_free(&x->user);
	img_rootfs_free(&x->rfs);
	ir_plan_free(&x->plan);
	img_image_free(&x->im);
	if (x->store)
		img_store_close(x->store);
	free(x->id);
}

int jl_image_run(const struct jl_global *g, const struct jl_image_run_opts *o, char **id,
		 int *exit_status, struct jl_err **err)
{
	struct ir_run x = {.g = g, .o = o, .netns_fd = -1};
	*exit_status = 0;
	*id = NULL;
	int r = check_flags(o, err);
	/* First: everything below (the store's fds included) lives in it. */
	if (r == 0)
		r = enter_private_mntns(err);
	if (r == 0)
		r = open_image(&x, err);
	if (r == 0)
		r = make_id(&x, &x.id, err);
	if (r == 0)
		r = ir_plan_make(o, &x.im, x.id, &x.plan, err);
	if (r == 0)
		r = create_rootfs(&x, err);
	if (r == 0)
		r = attach_network(&x, err);
	if (r == 0)
		r = run_container(&x, exit_status, err);
	unmount_here(&x);
	/* A stopped container's address and ports go back at once (docker
	 * and podman do the same); a running one keeps them until stop/rm.
	 * Our hold on its namespace goes first, so that the kernel takes
	 * the veth with it. */
	if (x.netns_fd >= 0 && (r < 0 || !o->detach))
		closep(&x.netns_fd);
	if (x.plan.network && (r < 0 || !o->detach))
		ir_net_down(jl_store_path(o->store), x.id);
	if (r < 0 && x.prepared) {
		/* containers/<id> goes; the runtime undid its own part (a
		 * failed create leaves nothing, a failed start is deleted). */
		img_rootfs_remove(x.store, x.id, NULL);
	} else if (r == 0 && o->rm && o->detach) {
		spawn_remover(&x);
	} else if (r == 0 && o->rm) {
		struct jl_err *e = NULL;
		if (img_rootfs_remove(x.store, x.id, &e) < 0)
			jl_warn("run --rm: %s", e->msg);
		jl_err_free(&e);
	}
	if (r == 0)
		*id = steal_ptr(&x.id);
	ir_run_free(&x);
	return r;
}
