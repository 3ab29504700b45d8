/* `jaula sandbox`, end to end: a root (shared, or a temporary rootfs of
 * mount points), the config of sandbox_spec.c in memory, an ephemeral
 * container (no state directory: nothing else can name it) created and
 * released as `run` does it, the watchdog until pid 1 exits, then nothing
 * left behind.  The sandbox being a container of
 * its own pid namespace, its pid 1 dying takes every process with it: no
 * daemonized grandchild outlives the verdict. */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
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
	char *dir; /* the temporary directory, or NULL: none was needed */
	int lock;  /* held for the sandbox's life: see sandbox_reclaim.c */
	char id[48];
	struct jl_global g;
	struct jl_create_opts opts;
	struct jl_creator c;
	struct spec *spec; /* the config, handed to the creator */
	bool created;
	struct sbx_image img; /* --image */
	const char *store;    /* the plan's, absolute: --image, --net */
	int netns_fd;         /* --net: the attached namespace, or -1 */
	bool net_up;
	sigset_t saved_mask; /* the caller's, restored at the end */
	bool mask_saved;
	cpu_set_t cpus; /* the caller's CPUs, while the start keeps to one */
	bool pinned;
};

/* Where the temporary directory goes.  Root's sandbox runs as an unmapped
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

/* The cgroup holds the limits where cgroup v2 has the controllers, and the
 * device filter.  With no limits to hold and nothing of the caller's in the
 * root, that filter has nothing to deny: the root's only device nodes are
 * the six bound from the host's /dev and a devpts of its own, and in a user
 * namespace no other can be made (mknod of a device needs CAP_MKNOD in the
 * initial namespace) or opened on the new mounts (the kernel makes them
 * nodev).  The caller's binds and an image can bring nodes: they keep the
 * filter.  (--net's /etc files, bound later, are ours.) */
static bool wants_cgroup(const struct sbx_plan *p)
{
	return geteuid() == 0 && (p->cgroup_limits || p->n_binds > 0 || p->from_image);
}

/* A directory is only needed for what a killed sandbox leaves for the next
 * to reclaim (sandbox_reclaim.c: a rootfs, a cgroup, the store's records).
 * Root's plain sandbox, on the shared root and with no limits in a cgroup,
 * has none: it makes nothing on disk at all. */
static bool wants_dir(const struct sbx_plan *p)
{
	return !p->root_path || p->store || p->cgroup;
}

/* The name of a sandbox without a directory: as random as mkdtemp's. */
static int random_id(struct sandbox *s, struct jl_err **err)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char b[6];
	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return jl_err_sys(err, "getrandom");
	char *o = s->id + sprintf(s->id, "sandbox-");
	for (size_t i = 0; i < sizeof(b); i++)
		*o++ = set[b[i] % (sizeof(set) - 1)];
	*o = 0;
	return 0;
}

/* The directory: mode 0711 so the sandbox's root (an unprivileged host id
 * when we are root) can reach its rootfs, and nothing can be listed. */
static int make_dir(struct sandbox *s, const struct sbx_plan *p, int *dirfd, struct jl_err **err)
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
	*dirfd = open(s->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return jl_err_sys(err, "open \"%s\"", s->dir);
	s->lock = sbx_lock_take(*dirfd, err);
	if (s->lock < 0)
		return jl_err_wrap(err, "\"%s\"", s->dir);
	if (chmod(s->dir, 0711) < 0 || (!p->root_path && mkdirat(*dirfd, "rootfs", 0755) < 0))
		return jl_err_sys(err, "prepare \"%s\"", s->dir);
	/* Before anything is made in the store: what reclaim reads. */
	if (p->store)
		return jl_write_atomic_at(*dirfd, SBX_STORE_FILE, p->store, strlen(p->store), 0600,
					  err);
	return 0;
}

/* The sandbox's root (the shared one, a rootfs of mount points, or an
 * image's), its network, and its config, kept in memory for the creator. */
static int make_bundle(struct sandbox *s, struct sbx_plan *p, struct jl_err **err)
{
	p->root_path = p->network ? NULL : sbx_skeleton(p);
	cleanup_close int dirfd = -1;
	int r = wants_dir(p) ? make_dir(s, p, &dirfd, err) : random_id(s, err);
	if (r < 0)
		return r;
	cleanup_free char *rootfs = s->dir ? xasprintf("%s/rootfs", s->dir) : NULL;
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
	if (r == 0)
		r = sbx_spec_build(p, &s->spec, err);
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
	/* jl_warn, one write: stderr's fprintf formats through 8 KiB of stack. */
	jl_warn("sandbox: memory, pid and CPU limits are enforced with rlimits and a watchdog (%s)",
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

/* The start of a sandbox with no cgroup is a relay with nothing to
 * overlap: we clone the init and wait for it, the init builds the root,
 * vforks the program and waits for its execve.  Each hand-over to a
 * process woken on the other, idle, CPU costs an interprocessor interrupt
 * (0.1-0.5 ms to wake a halted virtual CPU), more than any work it could
 * overlap: so until the program runs, the start keeps to the CPU we are on
 * (clone3 and vfork children inherit that), and the program, the init and
 * we get the caller's CPUs back as soon as it execs.  With a cgroup there
 * is work to overlap (the device program is loaded while the init builds
 * the root): no pinning then.  Measured in tests/bench/analysis.md. */
static void keep_to_one_cpu(struct sandbox *s, const struct sbx_plan *p)
{
	int cpu = sched_getcpu();
	if (p->cgroup || cpu < 0 || sched_getaffinity(0, sizeof(s->cpus), &s->cpus) < 0 ||
	    CPU_COUNT(&s->cpus) < 2 || !CPU_ISSET(cpu, &s->cpus))
		return;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0)
		return;
	s->pinned = true;
	s->c.init.cpus = &s->cpus;
}

static void all_cpus_again(struct sandbox *s)
{
	if (s->pinned)
		sched_setaffinity(0, sizeof(s->cpus), &s->cpus);
	s->pinned = false;
}

static int create(struct sandbox *s, struct sbx_plan *p, struct jl_err **err)
{
	/* Nothing below g.root is made: the container is ephemeral. */
	s->g = (struct jl_global){.root = s->dir ? s->dir : p->root_path,
				  .cgroup_disabled = !p->cgroup};
	s->opts = (struct jl_create_opts){.id = s->id, .bundle = s->dir ? s->dir : p->root_path};
	s->c = (struct jl_creator){.g = &s->g, .o = &s->opts, .run_mode = true, .ephemeral = true};
	s->c.spec = s->spec;
	s->spec = NULL;
	s->c.init.reaper = true;
	if (p->has_seccomp_prog) {
		s->c.init.seccomp = p->seccomp_prog;
		s->c.init.has_seccomp = true;
		p->seccomp_prog = (struct jl_seccomp_prog){0};
		p->has_seccomp_prog = false;
	}
	/* As run does: a signal during the start must reach the program (the
	 * watchdog forwards it), not kill us and orphan the sandbox. */
	sigset_t all;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &s->saved_mask);
	s->mask_saved = true;
	keep_to_one_cpu(s, p);
	int r = jl_creator_create(&s->c, err);
	all_cpus_again(s);
	if (r < 0) {
		jl_creator_free(&s->c); /* already undone: only memory is left */
		return jl_err_wrap(err, "sandbox");
	}
	s->created = true;
	/* A miss: the program made from the text, for the next sandbox. */
	if (p->seccomp && s->c.init.has_seccomp)
		sbx_seccomp_remember(p, &s->c.init.seccomp);
	r = s->c.init.wait == JL_WAIT_NONE ? 0 : sync_send(s->c.sync_fd, SYNC_START, 0, NULL, 0, -1);
	if (r < 0)
		return jl_err_set(err, -r, "sandbox: start the program");
	/* Now, while the program starts on the other CPU, not after it. */
	jl_creator_release(&s->c);
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
		if (s->c.cg_created && cg_destroy(&s->c.cgroot, s->c.cg.path, &e) < 0)
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
	spec_free(s->spec);
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
		plan.cgroup = wants_cgroup(&plan);
		r = make_bundle(&s, &plan, err);
	}
	if (r == 0)
		r = create(&s, &plan, err);
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
