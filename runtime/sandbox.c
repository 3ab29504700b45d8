/* `jaula sandbox`, end to end: a private temporary bundle (a rootfs of
 * mount points and the config of sandbox_spec.c) and a private state root,
 * the container created and released as `run` does it, the watchdog until
 * pid 1 exits, then nothing left behind.  The sandbox being a container of
 * its own pid namespace, its pid 1 dying takes every process with it: no
 * daemonized grandchild outlives the verdict. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroups/cgroup.h"
#include "runtime/container.h"
#include "runtime/create.h"
#include "runtime/log.h"
#include "runtime/sandbox_internal.h"
#include "runtime/sync.h"

struct sandbox {
	char *dir;   /* the temporary directory: bundle and state root */
	char *state; /* dir/state */
	int lock; /* held for the sandbox's life: see sandbox_reclaim.c */
	char id[48];
	struct jl_global g;
	struct jl_create_opts opts;
	struct jl_creator c;
	bool created;
	struct sbx_image img; /* --image */
	const char *store;    /* the plan's, absolute: --image, --net */
	int netns_fd;         /* --net: the attached namespace, or -1 */
	bool net_up;
	sigset_t saved_mask; /* the caller's, restored at the end */
	bool mask_saved;
};

/* Where the temporary bundle goes.  Root's sandbox runs as an unmapped
 * host id that must walk down to its rootfs, which a 0700 directory on the
 * way (a TMPDIR below a private home, bats' test directories) would stop:
 * so /run, root's own and world-searchable.  An ordinary user's sandbox
 * runs as that user, who can reach its own runtime or temporary dir. */
static const char *bundle_parent(void)
{
	if (geteuid() == 0)
		return "/run";
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *tmp = getenv("TMPDIR");
	if (xdg && xdg[0] == '/')
		return xdg;
	return tmp && tmp[0] == '/' ? tmp : "/tmp";
}

/* The bundle: mode 0711 so the sandbox's root (an unprivileged host id
 * when we are root) can reach its rootfs, and nothing can be listed. */
static int make_bundle(struct sandbox *s, struct sbx_plan *p, struct jl_err **err)
{
	const char *parent = bundle_parent();
	s->dir = xasprintf("%s/" SBX_DIR_PREFIX "XXXXXX", parent);
	if (!mkdtemp(s->dir)) {
		free(s->dir);
		s->dir = NULL;
		return jl_err_sys(err, "create a temporary directory in \"%s\"", parent);
	}
	/* The directory's random part names the container (and its cgroup):
	 * unique while the directory exists, unlike our pid. */
	snprintf(s->id, sizeof(s->id), "sandbox-%s", strrchr(s->dir, '-') + 1);
	s->state = xasprintf("%s/state", s->dir);
	cleanup_close int dirfd = open(s->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return jl_err_sys(err, "open \"%s\"", s->dir);
	s->lock = sbx_lock_take(dirfd, err);
	if (s->lock < 0)
		return jl_err_wrap(err, "\"%s\"", s->dir);
	p->root_path = p->network ? NULL : sbx_skeleton(p);
	if (chmod(s->dir, 0711) < 0 || (!p->root_path && mkdirat(dirfd, "rootfs", 0755) < 0))
		return jl_err_sys(err, "prepare \"%s\"", s->dir);
	int r = 0;
	/* Before anything is made in the store: what reclaim reads. */
	if (p->store)
		r = jl_write_atomic_at(dirfd, SBX_STORE_FILE, p->store, strlen(p->store), 0600, err);
	if (r < 0)
		return r;
	cleanup_free char *rootfs = xasprintf("%s/rootfs", s->dir);
	cleanup_close int rootfd =
		p->root_path ? -1 : openat(dirfd, "rootfs", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (!p->root_path && rootfd < 0)
		return jl_err_sys(err, "open \"%s\"", rootfs);
	s->store = p->store;
	if (p->network) {
		r = sbx_net_up(p->store, s->id, p->network, &s->netns_fd, err);
		s->net_up = r == 0;
		if (r == 0)
			snprintf(p->netns_path, sizeof(p->netns_path), "/proc/self/fd/%d", s->netns_fd);
		if (r == 0)
			r = sbx_net_names(p->store, s->id, s->dir, p, err);
	}
	if (r == 0 && p->from_image)
		r = sbx_image_mount(&s->img, s->id, rootfs, p, err);
	else if (r == 0 && !p->root_path)
		r = sbx_rootfs_prepare(rootfd, p, err);
	if (r < 0)
		return r;
	struct jl_buf b = {0};
	sbx_config_json(p, &b);
	/* 0600: it holds the caller's environment, and /run is listable. */
	r = jl_write_atomic_at(dirfd, "config.json", b.data, b.len, 0600, err);
	jl_buf_free(&b);
	return r;
}

/* Absolute: the reclaim of a killed sandbox may run from anywhere. */
static int store_path(const char *store, struct sbx_plan *p, struct jl_err **err)
{
	int r = jl_mkdir_p(jl_store_path(store), 0700, err);
	if (r < 0)
		return r;
	p->store = realpath(jl_store_path(store), NULL);
	return p->store ? 0 : jl_err_sys(err, "image store \"%s\"", jl_store_path(store));
}

static void remove_bundle(struct sandbox *s)
{
	if (!s->dir)
		return;
	struct jl_err *e = NULL;
	if (jl_remove_tree_at(AT_FDCWD, s->dir, &e) < 0)
		jl_warn("remove \"%s\": %s", s->dir, e->msg);
	jl_err_free(&e);
}

/* Can cgroup v2 hold the sandbox's memory and pids?  Not on a hybrid host
 * (no such controllers in the v2 hierarchy), not for an ordinary user (no
 * cgroup of its own to write).  Then say so, once: the rlimits and the
 * watchdog do it alone. */
static bool cgroup_limits_available(void)
{
	struct cg_root root;
	const char *why = "no cgroup of its own for an ordinary user";
	if (geteuid() == 0) {
		why = "this host's cgroup v2 has no memory and pids controllers";
		if (cg_detect(&root, NULL) == 0 && root.mode != CG_MODE_LEGACY) {
			cleanup_free char *path = xasprintf("%s/cgroup.controllers", root.mount);
			cleanup_free char *text = NULL;
			size_t len;
			if (jl_read_file_at(AT_FDCWD, path, 4096, &text, &len, NULL) == 0 &&
			    strstr(text, "memory") && strstr(text, "pids"))
				return true;
		}
	}
	fprintf(stderr,
		"jaula: sandbox: memory, pid and CPU limits are enforced with rlimits and a "
		"watchdog (%s)\n",
		why);
	return false;
}

/* The kernel's OOM killer acting on the cgroup's memory.max is the memory
 * limit too, when the watchdog did not get there first. */
static void judge_cgroup(struct sandbox *s, const struct sbx_plan *p,
			 struct jl_sandbox_result *res)
{
	char size[32];
	if (!p->cgroup_limits || res->reason || res->signal != SIGKILL || s->c.cg.fd < 0 ||
	    cg_read_oom_kills(&s->c.cg) <= 0)
		return;
	sbx_format_size(p->lim.memory, size);
	res->reason = xasprintf("memory limit %s exceeded", size);
}

static int create(struct sandbox *s, struct jl_err **err)
{
	s->g = (struct jl_global){.root = s->state, .cgroup_disabled = geteuid() != 0};
	s->opts = (struct jl_create_opts){.id = s->id, .bundle = s->dir};
	s->c = (struct jl_creator){.g = &s->g, .o = &s->opts, .run_mode = true};
	s->c.init.reaper = true;
	/* As run does: a signal during the start must reach the program (the
	 * watchdog forwards it), not kill us and orphan the sandbox. */
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &s->saved_mask);
	s->mask_saved = true;
	int r = jl_creator_create(&s->c, err);
	if (r < 0) {
		jl_creator_free(&s->c); /* already undone: only memory is left */
		return jl_err_wrap(err, "sandbox");
	}
	s->created = true;
	r = sync_send(s->c.sync_fd, SYNC_START, 0, NULL, 0, -1);
	if (r < 0)
		return jl_err_set(err, -r, "sandbox: start the program");
	close(s->c.dirfd); /* unlocked: as run, the state may be read meanwhile */
	s->c.dirfd = -1;
	return 0;
}

/* After pid 1 exited: an exec that failed after the release says why
 * ("exec \"prog\": No such file"), and the reaper pid 1 hands over the
 * program's wait status (none when the watchdog killed pid 1 first). */
static void read_late_messages(struct sandbox *s, const struct sbx_limits *l,
			       struct jl_sandbox_result *res)
{
	struct sync_msg m;
	fcntl(s->c.sync_fd, F_SETFL, O_NONBLOCK);
	while (sync_recv(s->c.sync_fd, &m) == 0) {
		if (m.type == SYNC_ERROR && m.data)
			jl_error("%s", m.data);
		if (m.type == SYNC_EXIT_STATUS)
			sbx_watch_settle(l, m.errnum, res);
		sync_msg_clear(&m);
	}
}

static void destroy(struct sandbox *s)
{
	if (s->created) {
		struct jl_err *e = NULL;
		/* pid 1 is gone; its pid namespace went with it. */
		syscall(SYS_pidfd_send_signal, s->c.pidfd, SIGKILL, NULL, 0);
		waitpid(s->c.pid, NULL, WNOHANG);
		int dirfd = jl_state_dir_open(s->g.root, s->id, true, &e);
		if (dirfd >= 0) {
			jl_container_cleanup(&s->g, &s->c.state, &e);
			close(dirfd);
		}
		if (e)
			jl_warn("sandbox cleanup: %s", e->msg);
		jl_err_free(&e);
		jl_creator_free(&s->c);
	}
	sbx_image_release(&s->img);
	/* Our hold on the namespace first: the kernel takes the veth with it. */
	if (s->netns_fd >= 0)
		close(s->netns_fd);
	if (s->net_up)
		sbx_net_down(s->store, s->id);
	remove_bundle(s);
	if (s->lock >= 0)
		close(s->lock); /* last: the directory is gone */
	free(s->dir);
	free(s->state);
	if (s->mask_saved)
		sigprocmask(SIG_SETMASK, &s->saved_mask, NULL);
}

int jl_sandbox_run(const struct jl_sandbox_opts *o, struct jl_sandbox_result *res,
		   struct jl_err **err)
{
	memset(res, 0, sizeof(*res));
	struct sbx_plan plan;
	struct sandbox s = {.lock = -1, .netns_fd = -1};
	/* The creator moves into the bundle; --json's path is the caller's. */
	cleanup_close int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = sbx_plan_build(o, &plan, err);
	/* What killed sandboxes left, before we add ours. */
	if (r == 0)
		sbx_reclaim_stale(bundle_parent());
	if (r == 0 && o->image)
		r = sbx_image_open(o->store, o->image, &s.img, err);
	if (r == 0 && (o->image || plan.network))
		r = store_path(o->store, &plan, err);
	if (r == 0) {
		plan.cgroup_limits = cgroup_limits_available();
		r = make_bundle(&s, &plan, err);
	}
	if (r == 0)
		r = create(&s, err);
	if (r == 0) {
		struct sbx_watch w = {.pid = s.c.pid, .pidfd = s.c.pidfd, .master = s.c.master,
				      .lim = &plan.lim};
		r = sbx_watch_run(&w, res, err);
		if (r == 0)
			read_late_messages(&s, &plan.lim, res);
		if (r == 0)
			judge_cgroup(&s, &plan, res);
	}
	if (cwd >= 0 && fchdir(cwd) < 0)
		jl_warn("return to the working directory: %s", strerror(errno));
	destroy(&s);
	if (r == 0 && o->json_file)
		r = sbx_result_write_json(o->json_file, res, err);
	sbx_plan_free(&plan);
	return r;
}
