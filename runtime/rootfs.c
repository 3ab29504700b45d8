#include "runtime/rootfs.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/log.h"
#include "runtime/paths.h"
#include "runtime/util.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

/* glibc 2.36 has no wrappers for the new mount API. */
static int sys_open_tree(int dfd, const char *path, unsigned int flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}
static int sys_move_mount(int from, const char *from_path, int to, const char *to_path,
			  unsigned int flags)
{
	return (int)syscall(SYS_move_mount, from, from_path, to, to_path, flags);
}
static int sys_mount_setattr(int dfd, const char *path, unsigned int flags,
			     struct mount_attr *attr)
{
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, sizeof(*attr));
}
static int sys_pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

/* --- plan (parent) -------------------------------------------------------- */

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

static int plan_mount(const struct spec_mount *m, size_t i, const char *bundle,
		      struct jl_mount_entry *e, struct jl_err **err)
{
	char where[64];
	snprintf(where, sizeof(where), "config.json: mounts[%zu].options", i);
	int r = jl_mount_opts_parse(&m->options, where, &e->opts, err);
	if (r < 0)
		return r;
	e->index = i;
	e->destination = m->destination;
	e->type = m->type;
	e->kind = kind_of(m, &e->opts);
	if (e->opts.idmap || m->uid_mappings.n || m->gid_mappings.n)
		return jl_err_set(err, EOPNOTSUPP,
				  "config.json: mounts[%zu]: id-mapped mounts are not supported yet",
				  i);
	if (e->kind == JL_MOUNT_BIND)
		return plan_bind_source(m, i, bundle, e, err);
	if (e->kind == JL_MOUNT_FS && !m->type)
		return jl_err_set(err, 0, "config.json: mounts[%zu]: missing required field \"type\"",
				  i);
	e->source = xstrdup(m->source ? m->source : m->type ? m->type : "none");
	return 0;
}

int jl_rootfs_plan_build(const struct spec *s, const char *bundle, bool no_pivot,
			 const char *cgroup_dir, struct jl_rootfs_plan *p, struct jl_err **err)
{
	memset(p, 0, sizeof(*p));
	p->spec = s;
	p->no_pivot = no_pivot;
	p->readonly = s->root.readonly;
	p->userns = spec_find_namespace(s, NS_USER) != NULL;
	p->cgroupns = spec_find_namespace(s, NS_CGROUP) != NULL;
	p->cgroup_source = cgroup_dir ? xstrdup(cgroup_dir) : NULL;
	int r = resolve_rootfs(s, bundle, &p->rootfs, err);
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
		r = plan_mount(&s->mounts[i], i, bundle, &p->mounts[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

void jl_rootfs_plan_free(struct jl_rootfs_plan *p)
{
	for (size_t i = 0; i < p->n_mounts; i++) {
		free(p->mounts[i].source);
		jl_mount_opts_free(&p->mounts[i].opts);
	}
	free(p->mounts);
	free(p->rootfs);
	free(p->cgroup_source);
	memset(p, 0, sizeof(*p));
}

/* --- mounting (init) ------------------------------------------------------ */

/* MS_* flags of a bind as mount_setattr attributes (set, clear). */
static void flags_to_attr(unsigned long set, unsigned long clear, struct mount_attr *a)
{
	static const struct {
		unsigned long ms;
		uint64_t attr;
	} map[] = {
		{MS_RDONLY, MOUNT_ATTR_RDONLY},	    {MS_NOSUID, MOUNT_ATTR_NOSUID},
		{MS_NODEV, MOUNT_ATTR_NODEV},	    {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
		{MS_NODIRATIME, MOUNT_ATTR_NODIRATIME}, {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		if (set & map[i].ms)
			a->attr_set |= map[i].attr;
		if (clear & map[i].ms)
			a->attr_clr |= map[i].attr;
	}
	/* The atime modes are one field: clear it, then pick one. */
	if (set & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)) {
		a->attr_clr |= MOUNT_ATTR__ATIME;
		if (set & MS_NOATIME)
			a->attr_set |= MOUNT_ATTR_NOATIME;
		else if (set & MS_STRICTATIME)
			a->attr_set |= MOUNT_ATTR_STRICTATIME;
		else
			a->attr_set |= MOUNT_ATTR_RELATIME;
	}
}

static int set_recursive_attrs(int fd, const struct jl_mount_opts *o)
{
	if (!o->rattr_set && !o->rattr_clr)
		return 0;
	struct mount_attr a = {.attr_set = o->rattr_set, .attr_clr = o->rattr_clr};
	if (a.attr_set & (MOUNT_ATTR_NOATIME | MOUNT_ATTR_STRICTATIME | MOUNT_ATTR_RELATIME))
		a.attr_clr |= MOUNT_ATTR__ATIME;
	return sys_mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a) < 0 ? -errno : 0;
}

/* Propagation and recursive attributes act on the mount now at dest, so the
 * target is resolved again: the first fd still names the covered inode. */
static int after_mount(int rootfd, const struct jl_mount_entry *m, bool rattrs,
		       struct jl_err **err)
{
	const struct jl_mount_opts *o = &m->opts;
	rattrs = rattrs && (o->rattr_set || o->rattr_clr);
	if (!o->propagation && !rattrs)
		return 0;
	cleanup_close int fd = jl_open_in_root(rootfd, m->destination, O_PATH);
	if (fd < 0)
		return jl_err_set(err, -fd, "mounts[%zu]: reopen \"%s\"", m->index, m->destination);
	char fdp[JL_FD_PATH_MAX];
	if (o->propagation && mount(NULL, jl_fd_path(fd, fdp), NULL, o->propagation, NULL) < 0)
		return jl_err_sys(err, "mounts[%zu]: set propagation of \"%s\"", m->index,
				  m->destination);
	int r = rattrs ? set_recursive_attrs(fd, o) : 0;
	if (r < 0)
		return jl_err_set(err, -r, "mounts[%zu]: set recursive attributes of \"%s\"",
				  m->index, m->destination);
	return 0;
}

static int bind_tree(const char *source, bool recursive, int target,
		     const struct jl_mount_opts *o, const char *what, struct jl_err **err)
{
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
	cleanup_close int tree = sys_open_tree(AT_FDCWD, source, flags);
	if (tree < 0)
		return jl_err_sys(err, "%s: bind \"%s\"", what, source);
	struct mount_attr a = {0};
	flags_to_attr(o->flags, o->clear, &a);
	if ((a.attr_set || a.attr_clr) && sys_mount_setattr(tree, "", AT_EMPTY_PATH, &a) < 0)
		return jl_err_sys(err, "%s: set options of bind \"%s\"", what, source);
	int r = set_recursive_attrs(tree, o);
	if (r < 0)
		return jl_err_set(err, -r, "%s: set recursive options of \"%s\"", what, source);
	if (sys_move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0)
		return jl_err_sys(err, "%s: attach bind of \"%s\"", what, source);
	return 0;
}

static int mount_bind(int rootfd, const struct jl_mount_entry *m, struct jl_err **err)
{
	cleanup_close int target =
		jl_mkpath_in_root(rootfd, m->destination, !m->source_is_dir, 0644, err);
	if (target < 0)
		return jl_err_wrap(err, "mounts[%zu]", m->index);
	char what[64];
	snprintf(what, sizeof(what), "mounts[%zu] on \"%.32s\"", m->index, m->destination);
	int r = bind_tree(m->source, m->opts.recursive, target, &m->opts, what, err);
	if (r < 0)
		return r;
	/* Recursive attributes went onto the detached tree already. */
	return after_mount(rootfd, m, false, err);
}

/* procfs and sysfs on a symlinked destination is how CVE-2019-19921-style
 * attacks redirect them; refuse instead of following the link. */
static bool needs_no_symlinks(const char *type)
{
	return jl_streq(type, "proc") || jl_streq(type, "sysfs");
}

static int fs_target(int rootfd, const struct jl_mount_entry *m, struct jl_err **err)
{
	if (needs_no_symlinks(m->type)) {
		cleanup_close int probe = jl_mkpath_in_root(rootfd, m->destination, false, 0755, err);
		if (probe < 0)
			return jl_err_wrap(err, "mounts[%zu]", m->index);
		struct stat st;
		if (fstatat(probe, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISDIR(st.st_mode))
			return jl_err_set(err, ENOTDIR, "mounts[%zu]: \"%s\" is not a directory",
					  m->index, m->destination);
		int fd = jl_open_in_root(rootfd, m->destination, O_PATH | O_NOFOLLOW);
		if (fd == -ELOOP)
			return jl_err_set(err, ELOOP,
					  "mounts[%zu]: destination \"%s\" is a symlink: refusing to "
					  "mount %s there",
					  m->index, m->destination, m->type);
		return fd < 0 ? jl_err_set(err, -fd, "mounts[%zu]: \"%s\"", m->index, m->destination)
			      : fd;
	}
	int fd = jl_mkpath_in_root(rootfd, m->destination, false, 0755, err);
	return fd < 0 ? jl_err_wrap(err, "mounts[%zu]", m->index) : fd;
}

static int mount_fs(int rootfd, const struct jl_mount_entry *m, const struct jl_rootfs_plan *p,
		    struct jl_err **err)
{
	cleanup_close int target = fs_target(rootfd, m, err);
	if (target < 0)
		return target;
	char fdp[JL_FD_PATH_MAX];
	unsigned long flags = m->opts.flags & ~MS_REMOUNT;
	if (mount(m->source, jl_fd_path(target, fdp), m->type, flags, m->opts.data) < 0) {
		/* Without its own network namespace a user namespace may not
		 * mount sysfs; the host's, read-only as asked, is what runc
		 * gives there too. */
		if (errno == EPERM && p->userns && jl_streq(m->type, "sysfs")) {
			struct jl_mount_opts o = m->opts;
			o.flags |= MS_RDONLY;
			return bind_tree("/sys", true, target, &o, "sysfs", err);
		}
		return jl_err_sys(err, "mounts[%zu]: mount %s on \"%s\"%s%s", m->index, m->type,
				  m->destination, m->opts.data ? " with " : "",
				  m->opts.data ? m->opts.data : "");
	}
	return after_mount(rootfd, m, true, err);
}

static int mount_cgroup(int rootfd, const struct jl_mount_entry *m,
			const struct jl_rootfs_plan *p, struct jl_err **err)
{
	if (!p->cgroupns && p->cgroup_source) {
		/* Without a cgroup namespace, cgroup2 would show the host's whole
		 * tree: give the container only its own cgroup. */
		cleanup_close int target = jl_mkpath_in_root(rootfd, m->destination, false, 0755, err);
		if (target < 0)
			return jl_err_wrap(err, "mounts[%zu]", m->index);
		return bind_tree(p->cgroup_source, false, target, &m->opts, "cgroup", err);
	}
	struct jl_mount_entry e = *m;
	e.type = "cgroup2";
	e.opts.data = NULL; /* v1 options (controllers) mean nothing to cgroup2 */
	e.source = (char *)"cgroup2"; /* a copy of the plan entry: nothing to free */
	return mount_fs(rootfd, &e, p, err);
}

static int prepare_propagation(const struct jl_rootfs_plan *p, struct jl_err **err)
{
	/* Nothing mounted below may propagate back to the host: start from
	 * rslave (or rprivate when asked), whatever rootfsPropagation says. */
	unsigned long base = (p->root_propagation & MS_PRIVATE) ? MS_PRIVATE : MS_SLAVE;
	if (mount(NULL, "/", NULL, MS_REC | base, NULL) < 0)
		return jl_err_sys(err, "make \"/\" %s", base == MS_PRIVATE ? "rprivate" : "rslave");
	/* pivot_root needs new_root to be a mount point. */
	if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return jl_err_sys(err, "bind rootfs \"%s\"", p->rootfs);
	return 0;
}

int jl_rootfs_mount_all(const struct jl_rootfs_plan *p, struct jl_err **err)
{
	int r = prepare_propagation(p, err);
	if (r < 0)
		return r;
	cleanup_close int rootfd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return jl_err_sys(err, "open rootfs \"%s\"", p->rootfs);
	for (size_t i = 0; i < p->n_mounts; i++) {
		const struct jl_mount_entry *m = &p->mounts[i];
		if (m->kind == JL_MOUNT_BIND)
			r = mount_bind(rootfd, m, err);
		else if (m->kind == JL_MOUNT_CGROUP)
			r = mount_cgroup(rootfd, m, p, err);
		else
			r = mount_fs(rootfd, m, p, err);
		if (r < 0)
			return r;
	}
	return jl_dev_setup(rootfd, p->spec, p->userns, err);
}

/* --- pivot ---------------------------------------------------------------- */

static int move_root(const struct jl_rootfs_plan *p, struct jl_err **err)
{
	/* --no-pivot (rootfs on a ramfs initramfs): MS_MOVE + chroot.  Weaker:
	 * the old root stays reachable to whoever can escape a chroot. */
	if (chdir(p->rootfs) < 0)
		return jl_err_sys(err, "chdir \"%s\"", p->rootfs);
	if (mount(p->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return jl_err_sys(err, "move rootfs \"%s\" to \"/\"", p->rootfs);
	if (chroot(".") < 0)
		return jl_err_sys(err, "chroot \"%s\"", p->rootfs);
	return 0;
}

static int pivot(const struct jl_rootfs_plan *p, struct jl_err **err)
{
	cleanup_close int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	cleanup_close int newroot = open(p->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0 || newroot < 0)
		return jl_err_sys(err, "open the old and new roots");
	if (fchdir(newroot) < 0)
		return jl_err_sys(err, "chdir \"%s\"", p->rootfs);
	/* pivot_root(".", ".") stacks the old root on top of the new one, so
	 * no directory for it is needed inside the container. */
	if (sys_pivot_root(".", ".") < 0)
		return jl_err_sys(err, "pivot_root \"%s\"", p->rootfs);
	if (fchdir(oldroot) < 0)
		return jl_err_sys(err, "chdir to the old root");
	/* rslave first: the detach must not propagate to the host's mounts. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return jl_err_sys(err, "make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return jl_err_sys(err, "detach the old root");
	return 0;
}

int jl_rootfs_pivot(const struct jl_rootfs_plan *p, struct jl_err **err)
{
	int r = p->no_pivot ? move_root(p, err) : pivot(p, err);
	if (r < 0)
		return r;
	if (chdir("/") < 0)
		return jl_err_sys(err, "chdir \"/\"");
	if (p->root_propagation && mount(NULL, "/", NULL, p->root_propagation, NULL) < 0)
		return jl_err_sys(err, "linux.rootfsPropagation: set \"%s\" on \"/\"",
				  p->spec->lnx.rootfs_propagation);
	return 0;
}

/* --- after pivot: masked, read-only --------------------------------------- */

static int mask_path(int rootfd, const char *path, struct jl_err **err)
{
	cleanup_close int fd = jl_open_in_root(rootfd, path, O_PATH);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return jl_err_set(err, -fd, "linux.maskedPaths: \"%s\"", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return jl_err_sys(err, "linux.maskedPaths: stat \"%s\"", path);
	char fdp[JL_FD_PATH_MAX];
	/* A directory gets an empty read-only tmpfs, anything else /dev/null. */
	int r = S_ISDIR(st.st_mode)
			? mount("tmpfs", jl_fd_path(fd, fdp), "tmpfs", MS_RDONLY, NULL)
			: mount("/dev/null", jl_fd_path(fd, fdp), NULL, MS_BIND, NULL);
	if (r < 0)
		return jl_err_sys(err, "linux.maskedPaths: mask \"%s\"", path);
	return 0;
}

static int readonly_path(int rootfd, const char *path, struct jl_err **err)
{
	cleanup_close int fd = jl_open_in_root(rootfd, path, O_PATH);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return jl_err_set(err, -fd, "linux.readonlyPaths: \"%s\"", path);
	cleanup_close int tree =
		sys_open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
	if (tree < 0)
		return jl_err_sys(err, "linux.readonlyPaths: bind \"%s\"", path);
	struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
	if (sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a) < 0)
		return jl_err_sys(err, "linux.readonlyPaths: make \"%s\" read-only", path);
	if (sys_move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return jl_err_sys(err, "linux.readonlyPaths: attach \"%s\"", path);
	return 0;
}

int jl_rootfs_finish(const struct jl_rootfs_plan *p, struct jl_err **err)
{
	const struct spec_linux *l = &p->spec->lnx;
	cleanup_close int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return jl_err_sys(err, "open \"/\"");
	for (size_t i = 0; i < l->readonly_paths.n; i++) {
		int r = readonly_path(rootfd, l->readonly_paths.v[i], err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < l->masked_paths.n; i++) {
		int r = mask_path(rootfd, l->masked_paths.v[i], err);
		if (r < 0)
			return r;
	}
	if (p->readonly) {
		/* Only the root mount: /proc, /dev, volumes keep their own modes. */
		struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
		if (sys_mount_setattr(rootfd, "", AT_EMPTY_PATH, &a) < 0)
			return jl_err_sys(err, "root.readonly: remount \"/\" read-only");
	}
	return 0;
}
