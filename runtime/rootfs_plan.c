/* The container's root, planned in the runtime (the parent) before the
 * clone: the rootfs path, each mount's kind, options and source (bind
 * sources resolved here, id-mapped trees made here), and for --no-pivot the
 * host mounts the init must detach.  rootfs.c carries the plan out in the
 * init. */
#include "runtime/rootfs.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "namespaces/ns.h"
#include "runtime/log.h"
#include "runtime/mountapi.h"
#include "runtime/paths.h"
#include "runtime/util.h"

static int resolve_rootfs(const struct spec *s, const char *bundle, char **out,
			  struct jl_err **err)
{
	if (!s->has_root || !s->root.path)
		return jl_err_set(err, 0, "config.json: missing required field \"root\"");
	cleanup_free char *joined = s->root.path[0] == '/'
					    ? xstrdup(s->root.path)
					    : xasprintf("%s/%s", bundle, s->root.path);
	char *real = realpath(joined, NULL);
	if (!real)
		return jl_err_sys(err, "config.json: root.path: \"%s\"", joined);
	struct stat st;
	if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(real);
		return jl_err_set(err, ENOTDIR, "config.json: root.path: \"%s\"", joined);
	}
	*out = real;
	return 0;
}

static enum jl_mount_kind kind_of(const struct spec_mount *m, const struct jl_mount_opts *o)
{
	if (o->bind || jl_streq(m->type, "bind"))
		return JL_MOUNT_BIND;
	if (jl_streq(m->type, "cgroup") || jl_streq(m->type, "cgroup2"))
		return JL_MOUNT_CGROUP;
	return JL_MOUNT_FS;
}

static int plan_bind_source(const struct spec_mount *m, size_t i, const char *bundle,
			    struct jl_mount_entry *e, struct jl_err **err)
{
	if (!m->source)
		return jl_err_set(err, 0, "config.json: mounts[%zu]: a bind mount needs a \"source\"",
				  i);
	/* runtime-spec: a relative source is relative to the bundle. */
	e->source = m->source[0] == '/' ? xstrdup(m->source)
					: xasprintf("%s/%s", bundle, m->source);
	struct stat st;
	if (stat(e->source, &st) < 0)
		return jl_err_sys(err, "config.json: mounts[%zu].source: \"%s\"", i, e->source);
	e->source_is_dir = S_ISDIR(st.st_mode);
	return 0;
}

/* --- id-mapped mounts (parent) ---------------------------------------------
 *
 * An id-mapped mount (runtime-spec 1.2 "idmap"/"ridmap") shows a file whose
 * owner on disk is K as owned by the id K maps to in a user namespace's
 * uid_map/gid_map, and writes through it the other way round.
 * mount_setattr(MOUNT_ATTR_IDMAP) takes that mapping as a user namespace fd,
 * and the kernel allows it only to a holder of CAP_SYS_ADMIN in the user
 * namespace of the filesystem (the host's) and only on a detached tree that
 * was never visible.  A container init in its own user namespace gets EPERM,
 * so the parent does it before clone: a throwaway user namespace carrying the
 * mount's maps, an open_tree clone of the source, the idmap attribute.  The
 * init only sets the other options on that tree and attaches it (move_mount
 * of a detached tree works from a less privileged user namespace). */

/* A user namespace with these maps, held by a child that exists only for the
 * time it takes to write the maps and open /proc/PID/ns/user: the fd keeps
 * the namespace alive after the child is gone. */
static int userns_with_maps(const struct spec_id_maps *uids, const struct spec_id_maps *gids,
			    const char *what, struct jl_err **err)
{
	int hold[2];
	if (pipe2(hold, O_CLOEXEC) < 0)
		return jl_err_sys(err, "%s: pipe", what);
	struct clone_args a = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
	pid_t pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
	if (pid == 0) {
		/* Wait for EOF: the parent closes its end when done or when
		 * it dies, so this child never outlives it. */
		char c;
		close(hold[1]);
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(hold[0]);
	if (pid < 0) {
		close(hold[1]);
		return jl_err_sys(err, "%s: clone a user namespace for the id map", what);
	}
	int fd = ns_write_id_maps(pid, uids->v, uids->n, gids->v, gids->n, false, err);
	if (fd == 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fd = jl_err_sys(err, "%s: open \"%s\"", what, path);
	} else {
		fd = jl_err_wrap(err, "%s: uidMappings/gidMappings", what);
	}
	close(hold[1]);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fd;
}

/* The maps of mount i: its own, or (runc's rule; runtime-spec 1.2 allows a
 * mount to leave them out) the container's user namespace maps. */
static int idmap_maps(const struct spec *s, const struct spec_mount *m, size_t i,
		      const struct jl_mount_opts *o, const struct spec_id_maps **uids,
		      const struct spec_id_maps **gids, struct jl_err **err)
{
	*uids = &m->uid_mappings;
	*gids = &m->gid_mappings;
	if ((*uids)->n || (*gids)->n) {
		if (!(*uids)->n || !(*gids)->n)
			return jl_err_set(err, 0,
					  "config.json: mounts[%zu]: an id-mapped mount needs both "
					  "uidMappings and gidMappings",
					  i);
		return 0;
	}
	*uids = &s->lnx.uid_mappings;
	*gids = &s->lnx.gid_mappings;
	if (!(*uids)->n || !(*gids)->n)
		return jl_err_set(err, 0,
				  "config.json: mounts[%zu]: \"%s\" without uidMappings/gidMappings "
				  "of its own needs the container's linux.uidMappings and gidMappings",
				  i, o->ridmap ? "ridmap" : "idmap");
	return 0;
}

/* Mappings without the option are an idmap too: that is how they were
 * written before runtime-spec 1.2 named the options. */
static int plan_idmap(const struct spec *s, const struct spec_mount *m, size_t i,
		      struct jl_mount_entry *e, struct jl_err **err)
{
	if (!e->opts.idmap && !m->uid_mappings.n && !m->gid_mappings.n)
		return 0;
	if (e->kind != JL_MOUNT_BIND)
		return jl_err_set(err, EOPNOTSUPP,
				  "config.json: mounts[%zu]: id-mapped mounts are only supported for "
				  "bind mounts",
				  i);
	const struct spec_id_maps *uids, *gids;
	int r = idmap_maps(s, m, i, &e->opts, &uids, &gids, err);
	if (r < 0)
		return r;
	char what[48];
	snprintf(what, sizeof(what), "config.json: mounts[%zu]", i);
	cleanup_close int userns = userns_with_maps(uids, gids, what, err);
	if (userns < 0)
		return userns;
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
	cleanup_close int tree =
		sys_open_tree(AT_FDCWD, e->source, flags | (e->opts.recursive ? AT_RECURSIVE : 0));
	if (tree < 0)
		return jl_err_sys(err, "%s: bind \"%s\"", what, e->source);
	/* ridmap maps every mount of an rbind; idmap only the top one. */
	struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
	unsigned int at = AT_EMPTY_PATH | (e->opts.ridmap ? AT_RECURSIVE : 0);
	if (sys_mount_setattr(tree, "", at, &a) < 0)
		return jl_err_code(err, errno, "%s: id-map \"%s\": %s%s", what, e->source,
				   strerror(errno),
				   errno == EINVAL ? " (does its filesystem support id-mapped mounts?)"
						   : "");
	e->tree = steal_fd(&tree);
	return 0;
}

static int plan_mount(const struct spec *s, const struct spec_mount *m, size_t i,
		      const char *bundle, struct jl_mount_entry *e, struct jl_err **err)
{
	e->tree = -1;
	char where[64];
	snprintf(where, sizeof(where), "config.json: mounts[%zu].options", i);
	int r = jl_mount_opts_parse(&m->options, where, &e->opts, err);
	if (r < 0)
		return r;
	e->index = i;
	e->destination = m->destination;
	e->type = m->type;
	e->kind = kind_of(m, &e->opts);
	if (e->opts.tmpcopyup && (e->kind != JL_MOUNT_FS || !jl_streq(m->type, "tmpfs")))
		return jl_err_set(err, 0, "config.json: mounts[%zu]: tmpcopyup needs a tmpfs mount",
				  i);
	if (e->kind == JL_MOUNT_BIND) {
		r = plan_bind_source(m, i, bundle, e, err);
		return r < 0 ? r : plan_idmap(s, m, i, e, err);
	}
	if (m->uid_mappings.n || m->gid_mappings.n || e->opts.idmap)
		return plan_idmap(s, m, i, e, err); /* refused: not a bind */
	if (e->kind == JL_MOUNT_FS && !m->type)
		return jl_err_set(err, 0, "config.json: mounts[%zu]: missing required field \"type\"",
				  i);
	e->source = xstrdup(m->source ? m->source : m->type ? m->type : "none");
	return 0;
}

/* --- --no-pivot (parent) ---------------------------------------------------
 * MS_MOVE + chroot leaves every other mount of our namespace in the
 * container's, under its root.  Whatever is still there is reachable by a
 * chroot escape, and a full procfs or sysfs among them is what lets the
 * kernel grant a fresh, unmasked procfs or sysfs to a container process
 * that makes itself a user namespace.  So the init detaches every mount
 * that is neither the rootfs, below it, nor on the way to it.  The list is
 * read here, from the namespace the init's is a copy of. */

static int plan_host_mounts(struct jl_rootfs_plan *p, struct jl_err **err)
{
	cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return jl_err_sys(err, "--no-pivot: read /proc/self/mountinfo");
	char *line = NULL;
	size_t cap = 0, n = 0;
	while (getline(&line, &cap, f) > 0) {
		struct jl_mountinfo m;
		if (!jl_mountinfo_parse(line, &m) || !strcmp(m.mountpoint, p->rootfs) ||
		    jl_path_below(m.mountpoint, p->rootfs))
			continue;
		bool pseudo = (!strcmp(m.fstype, "proc") || !strcmp(m.fstype, "sysfs")) &&
			      !strcmp(m.root, "/");
		/* "/" and the mounts on the way to the rootfs stay (the move
		 * needs them); only a pseudo filesystem among them is handled. */
		if (jl_path_below(p->rootfs, m.mountpoint) && !pseudo)
			continue;
		if (n == p->n_host_mounts)
			p->host_mounts = xrealloc(p->host_mounts, (n = n ? 2 * n : 32) *
								  sizeof(*p->host_mounts));
		p->host_mounts[p->n_host_mounts++] =
			(struct jl_host_mount){.path = xstrdup(m.mountpoint), .pseudo = pseudo};
	}
	free(line);
	return 0;
}

/* In a user namespace the init is root only there: a bind source that only
 * the host's root may open (a 0700 directory) would be out of its reach.
 * So the parent, still host root, clones it; the init only attaches the
 * detached tree (as for id-mapped mounts). */
static int plan_host_tree(struct jl_mount_entry *e, struct jl_err **err)
{
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
	e->tree = sys_open_tree(AT_FDCWD, e->source, flags | (e->opts.recursive ? AT_RECURSIVE : 0));
	if (e->tree < 0)
		return jl_err_sys(err, "config.json: mounts[%zu]: bind \"%s\"", e->index, e->source);
	return 0;
}

int jl_rootfs_plan_notify(struct jl_rootfs_plan *p, char *dir, struct jl_err **err)
{
	p->notify_dir = dir;
	if (!p->userns)
		return 0;
	/* The state directory is root's alone: see plan_host_tree. */
	p->notify_tree = sys_open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	return p->notify_tree < 0 ? jl_err_sys(err, "NOTIFY_SOCKET: bind \"%s\"", dir) : 0;
}

/* dest, cleaned lexically, is "/dev". */
static bool is_dev_destination(const char *dest)
{
	int depth = 0;
	bool first_is_dev = false; /* the component at depth 1 */
	for (const char *p = dest; *p;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (!n)
			break;
		if (n == 2 && !strncmp(p, "..", 2)) {
			depth = depth > 0 ? depth - 1 : 0;
		} else if (!(n == 1 && *p == '.')) {
			if (++depth == 1)
				first_is_dev = n == 3 && !strncmp(p, "dev", 3);
		}
		p += n;
	}
	return depth == 1 && first_is_dev;
}

int jl_rootfs_plan_build(const struct spec *s, const char *bundle, bool no_pivot,
			 const char *cgroup_dir, struct jl_rootfs_plan *p, struct jl_err **err)
{
	memset(p, 0, sizeof(*p));
	p->notify_tree = -1;
	p->spec = s;
	p->no_pivot = no_pivot;
	p->mntns = spec_find_namespace(s, NS_MNT) != NULL;
	p->readonly = s->root.readonly;
	p->userns = spec_find_namespace(s, NS_USER) != NULL;
	p->cgroupns = spec_find_namespace(s, NS_CGROUP) != NULL;
	p->cgroup_source = cgroup_dir ? xstrdup(cgroup_dir) : NULL;
	int r = resolve_rootfs(s, bundle, &p->rootfs, err);
	if (r == 0 && no_pivot && p->mntns)
		r = plan_host_mounts(p, err);
	if (r < 0)
		return r;
	const char *prop = s->lnx.rootfs_propagation;
	if (prop && *prop) {
		p->root_propagation = jl_propagation_from_name(prop);
		if (!p->root_propagation)
			return jl_err_set(err, 0,
					  "config.json: linux.rootfsPropagation: unknown value \"%s\"",
					  prop);
	}
	p->mounts = xcalloc(s->n_mounts, sizeof(*p->mounts));
	for (size_t i = 0; i < s->n_mounts; i++) {
		p->n_mounts = i + 1;
		struct jl_mount_entry *e = &p->mounts[i];
		r = plan_mount(s, &s->mounts[i], i, bundle, e, err);
		/* An unprivileged caller cannot clone a tree of its own mount
		 * namespace (EPERM), and its init, mapped to the caller's uid,
		 * reaches exactly what the caller does: the init binds. */
		if (r == 0 && e->kind == JL_MOUNT_BIND && e->tree < 0 && p->userns &&
		    geteuid() == 0)
			r = plan_host_tree(e, err);
		if (r < 0)
			return r;
		e->ro_at_finish = e->kind == JL_MOUNT_FS && (e->opts.flags & MS_RDONLY) &&
				  is_dev_destination(e->destination);
	}
	return 0;
}

void jl_rootfs_plan_free(struct jl_rootfs_plan *p)
{
	for (size_t i = 0; i < p->n_mounts; i++) {
		free(p->mounts[i].source);
		jl_mount_opts_free(&p->mounts[i].opts);
		if (p->mounts[i].tree >= 0)
			close(p->mounts[i].tree);
	}
	free(p->mounts);
	for (size_t i = 0; i < p->n_host_mounts; i++)
		free(p->host_mounts[i].path);
	free(p->host_mounts);
	free(p->rootfs);
	free(p->cgroup_source);
	free(p->notify_dir);
	if (p->notify_tree >= 0)
		close(p->notify_tree);
	memset(p, 0, sizeof(*p));
	p->notify_tree = -1;
}

