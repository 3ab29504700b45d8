#include "runtime/rootfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "namespaces/ns.h"
#include "runtime/log.h"
#include "runtime/mountapi.h"
#include "runtime/paths.h"
#include "runtime/util.h"

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

/* Options first, on the detached tree, so the mount is never visible
 * without them; then attach it at target. */
static int attach_tree(int tree, const char *source, int target, const struct jl_mount_opts *o,
		       const char *what, struct jl_err **err)
{
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

static int bind_tree(const char *source, bool recursive, int target,
		     const struct jl_mount_opts *o, const char *what, struct jl_err **err)
{
	unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
	cleanup_close int tree = sys_open_tree(AT_FDCWD, source, flags);
	if (tree < 0)
		return jl_err_sys(err, "%s: bind \"%s\"", what, source);
	return attach_tree(tree, source, target, o, what, err);
}

static int mount_bind(int rootfd, const struct jl_mount_entry *m, struct jl_err **err)
{
	cleanup_close int target =
		jl_mkpath_in_root(rootfd, m->destination, !m->source_is_dir, 0644, err);
	if (target < 0)
		return jl_err_wrap(err, "mounts[%zu]", m->index);
	char what[64];
	snprintf(what, sizeof(what), "mounts[%zu] on \"%.32s\"", m->index, m->destination);
	int r = m->tree >= 0
			? attach_tree(m->tree, m->source, target, &m->opts, what, err)
			: bind_tree(m->source, m->opts.recursive, target, &m->opts, what, err);
	if (r < 0)
		return r;
	/* Recursive attributes went onto the detached tree already. */
	return after_mount(rootfd, m, false, err);
}

static bool needs_no_symlinks(const char *type)
{
	return jl_streq(type, "proc") || jl_streq(type, "sysfs");
}

/* The destination of proc or sysfs, which must be a real directory.  The
 * last component is checked before anything is created, so a refusal leaves
 * the rootfs as it was. */
static int no_symlink_target(int rootfd, const struct jl_mount_entry *m, struct jl_err **err)
{
	cleanup_close int fd = jl_open_in_root(rootfd, m->destination, O_PATH | O_NOFOLLOW);
	if (fd == -ENOENT) {
		fd = jl_mkpath_in_root(rootfd, m->destination, false, 0755, err);
		if (fd < 0)
			return jl_err_wrap(err, "mounts[%zu]", m->index);
		close(fd);
		fd = jl_open_in_root(rootfd, m->destination, O_PATH | O_NOFOLLOW);
	}
	if (fd < 0)
		return jl_err_set(err, -fd, "mounts[%zu]: \"%s\"", m->index, m->destination);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return jl_err_sys(err, "mounts[%zu]: stat \"%s\"", m->index, m->destination);
	if (S_ISLNK(st.st_mode))
		return jl_err_set(err, ELOOP,
				  "mounts[%zu]: destination \"%s\" is a symlink: refusing to mount %s "
				  "there",
				  m->index, m->destination, m->type);
	if (!S_ISDIR(st.st_mode))
		return jl_err_set(err, ENOTDIR, "mounts[%zu]: \"%s\" is not a directory", m->index,
				  m->destination);
	return steal_fd(&fd);
}

static int fs_target(int rootfd, const struct jl_mount_entry *m, struct jl_err **err)
{
	/* procfs and sysfs on a symlinked destination is how CVE-2019-19921
	 * style attacks redirect them: refuse instead of following the link. */
	if (needs_no_symlinks(m->type))
		return no_symlink_target(rootfd, m, err);
	int fd = jl_mkpath_in_root(rootfd, m->destination, false, 0755, err);
	return fd < 0 ? jl_err_wrap(err, "mounts[%zu]", m->index) : fd;
}

/* --- tmpcopyup (runc and crun's extension) ---------------------------------
 * A tmpfs over a directory of the image starts with that directory's
 * content: entries are copied with their modes and owners, symlinks as
 * links, never followed (every open is O_NOFOLLOW relative to a dir fd). */

#define COPYUP_MAX_DEPTH 64

static int copy_children(int src, int dst, int depth);

static int copy_file(int src, int dst, const char *name, mode_t perm)
{
	cleanup_close int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -errno;
	cleanup_close int out =
		openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, perm);
	if (out < 0)
		return -errno;
	for (;;) {
		ssize_t n = sendfile(out, in, NULL, 1 << 20);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

static int copy_dir(int src, int dst, const char *name, int depth)
{
	if (depth >= COPYUP_MAX_DEPTH)
		return -ELOOP;
	if (mkdirat(dst, name, 0700) < 0)
		return -errno;
	cleanup_close int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s < 0 || d < 0)
		return -errno;
	return copy_children(s, d, depth + 1);
}

static int copy_entry(int src, int dst, const char *name, int depth)
{
	struct stat st;
	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	mode_t perm = st.st_mode & 07777;
	char target[PATH_MAX];
	ssize_t n;
	int r = 0;
	switch (st.st_mode & S_IFMT) {
	case S_IFDIR:
		r = copy_dir(src, dst, name, depth);
		break;
	case S_IFREG:
		r = copy_file(src, dst, name, perm);
		break;
	case S_IFLNK:
		n = readlinkat(src, name, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (symlinkat(target, dst, name) < 0)
			return -errno;
		break;
	case S_IFSOCK:
		return 0; /* a socket is no content: whoever listened is not here */
	default:
		if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0)
			return -errno;
	}
	if (r < 0)
		return r;
	if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	/* After chown, which clears set-id bits; a link has no mode of its own. */
	if (!S_ISLNK(st.st_mode) && fchmodat(dst, name, perm, 0) < 0)
		return -errno;
	return 0;
}

static int copy_children(int src, int dst, int depth)
{
	int fd = fcntl(src, F_DUPFD_CLOEXEC, 3);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			r = copy_entry(src, dst, de->d_name, depth);
	closedir(d);
	return r;
}

/* What a fresh tmpfs gets before it may turn read-only: the content of the
 * directory it covers (tmpcopyup), or that directory's mode when the
 * options name none (runc: a tmpfs keeps its mount point's mode rather
 * than tmpfs's own 1777). */
struct tmpfs_fill {
	int under; /* tmpcopyup: the covered directory, or -1 */
	bool keep_mode;
	mode_t mode;
	bool ro; /* mounted read-write for the filling; read-only after */
};

static bool has_data_option(const char *data, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = data; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, name, n) && p[n] == '=')
			return true;
	return false;
}

static void plan_fill(int rootfd, const struct jl_mount_entry *m, struct tmpfs_fill *f)
{
	*f = (struct tmpfs_fill){.under = -1};
	if (!jl_streq(m->type, "tmpfs") || has_data_option(m->opts.data, "mode"))
		return;
	cleanup_close int fd = jl_open_in_root(rootfd, m->destination, O_PATH);
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		f->keep_mode = true;
		f->mode = st.st_mode & 07777;
	}
}

static int fill_tmpfs(int rootfd, const struct jl_mount_entry *m, const struct tmpfs_fill *f,
		      struct jl_err **err)
{
	cleanup_close int top = jl_open_in_root(rootfd, m->destination, O_RDONLY | O_DIRECTORY);
	if (top < 0)
		return jl_err_set(err, -top, "mounts[%zu]: reopen \"%s\"", m->index, m->destination);
	int r = f->under >= 0 ? copy_children(f->under, top, 0) : 0;
	if (r < 0)
		return jl_err_set(err, -r, "mounts[%zu]: tmpcopyup into \"%s\"", m->index,
				  m->destination);
	if (f->keep_mode && fchmod(top, f->mode) < 0)
		return jl_err_sys(err, "mounts[%zu]: chmod \"%s\" %o", m->index, m->destination,
				  (unsigned)f->mode);
	struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
	if (f->ro && sys_mount_setattr(top, "", AT_EMPTY_PATH, &a) < 0)
		return jl_err_sys(err, "mounts[%zu]: make \"%s\" read-only", m->index,
				  m->destination);
	return 0;
}

static int mount_fs(int rootfd, const struct jl_mount_entry *m, const struct jl_rootfs_plan *p,
		    struct jl_err **err)
{
	struct tmpfs_fill f;
	plan_fill(rootfd, m, &f);
	cleanup_close int target = fs_target(rootfd, m, err);
	if (target < 0)
		return target;
	char fdp[JL_FD_PATH_MAX];
	unsigned long flags = m->opts.flags & ~MS_REMOUNT;
	cleanup_close int under = -1;
	if (m->opts.tmpcopyup) {
		/* The fd keeps the covered directory reachable after the mount. */
		under = open(jl_fd_path(target, fdp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (under < 0)
			return jl_err_sys(err, "mounts[%zu]: open \"%s\"", m->index, m->destination);
		f.under = under;
	}
	f.ro = (flags & MS_RDONLY) && (f.under >= 0 || f.keep_mode);
	if (f.ro || m->ro_at_finish)
		flags &= ~MS_RDONLY;
	if (mount(m->source, jl_fd_path(target, fdp), m->type, flags, m->opts.data) < 0) {
		/* Without its own network namespace a user namespace may not
		 * mount sysfs; the host's, read-only as asked, is what runc
		 * gives there too (recursive: a user namespace may not
		 * clone a mount without the children locked onto it). */
		if (errno == EPERM && p->userns && jl_streq(m->type, "sysfs")) {
			struct jl_mount_opts o = m->opts;
			o.flags |= MS_RDONLY;
			return bind_tree("/sys", true, target, &o, "sysfs", err);
		}
		return jl_err_sys(err, "mounts[%zu]: mount %s on \"%s\"%s%s", m->index, m->type,
				  m->destination, m->opts.data ? " with " : "",
				  m->opts.data ? m->opts.data : "");
	}
	int r = f.under >= 0 || f.keep_mode ? fill_tmpfs(rootfd, m, &f, err) : 0;
	return r < 0 ? r : after_mount(rootfd, m, true, err);
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
	int r = mount_fs(rootfd, &e, p, err);
	if (r != -EBUSY)
		return r;
	/* The kernel refuses a superblock on the root of a mount of the same
	 * superblock: that is what the host's cgroup2 at /sys/fs/cgroup is when
	 * /sys came in as a bind (the sysfs fallback above).  A tmpfs between
	 * the two keeps the host's hierarchy covered. */
	jl_err_free(err);
	struct jl_mount_entry t = *m;
	t.type = "tmpfs";
	t.source = (char *)"tmpfs";
	t.opts = (struct jl_mount_opts){.flags = MS_NOSUID | MS_NODEV | MS_NOEXEC,
					.data = (char *)"mode=0755,size=0"};
	r = mount_fs(rootfd, &t, p, err);
	return r < 0 ? r : mount_fs(rootfd, &e, p, err);
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

static int mount_notify(int rootfd, const struct jl_rootfs_plan *p, struct jl_err **err)
{
	if (!p->notify_dir)
		return 0;
	cleanup_close int target = jl_mkpath_in_root(rootfd, "/run/notify", false, 0755, err);
	if (target < 0)
		return jl_err_wrap(err, "NOTIFY_SOCKET");
	struct jl_mount_opts o = {.flags = MS_NOSUID | MS_NODEV | MS_NOEXEC};
	return p->notify_tree >= 0
		       ? attach_tree(p->notify_tree, p->notify_dir, target, &o, "NOTIFY_SOCKET", err)
		       : bind_tree(p->notify_dir, false, target, &o, "NOTIFY_SOCKET", err);
}

/* A tmpfs jaula just mounted is a fresh filesystem of the container's own:
 * device nodes may go there (see dev.c). */
static void allow_devices_on(int rootfd, const struct jl_mount_entry *m, struct jl_dev_allow *a)
{
	if (!jl_streq(m->type, "tmpfs") || a->n == ARRAY_SIZE(a->ids))
		return;
	cleanup_close int fd = jl_open_in_root(rootfd, m->destination, O_PATH);
	if (fd >= 0 && jl_mount_id(fd, &a->ids[a->n]) == 0)
		a->n++;
}

int jl_rootfs_mount_all(const struct jl_rootfs_plan *p, struct jl_err **err)
{
	/* Without a mount namespace of our own, "/" is the runtime's: its
	 * propagation is not ours to change, and chroot needs no mount point. */
	int r = p->mntns ? prepare_propagation(p, err) : 0;
	if (r < 0)
		return r;
	cleanup_close int rootfd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return jl_err_sys(err, "open rootfs \"%s\"", p->rootfs);
	struct jl_dev_allow allow = {.n = 1};
	if (jl_mount_id(rootfd, &allow.ids[0]) < 0)
		return jl_err_sys(err, "statx rootfs \"%s\"", p->rootfs);
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
		if (m->kind == JL_MOUNT_FS)
			allow_devices_on(rootfd, m, &allow);
	}
	r = mount_notify(rootfd, p, err);
	return r < 0 ? r : jl_dev_setup(rootfd, p->spec, &allow, p->userns, err);
}

/* --- pivot ---------------------------------------------------------------- */

/* A full procfs or sysfs that cannot be detached (a user namespace locks
 * the mounts it was handed) stops being "fully visible" to the kernel once
 * a non-empty directory of it is covered: then no user namespace below may
 * mount a new one. */
static int cover_pseudo(const char *path, struct jl_err **err)
{
	static const char *const dirs[] = {"sys", "kernel"}; /* procfs, sysfs */
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		cleanup_free char *sub = xasprintf("%s/%s", path, dirs[i]);
		if (mount("tmpfs", sub, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=0") == 0)
			return 0;
	}
	return jl_err_sys(err, "--no-pivot: cover the host's \"%s\"", path);
}

static int detach_host_mounts(const struct jl_rootfs_plan *p, struct jl_err **err)
{
	for (size_t i = p->n_host_mounts; i-- > 0;) {
		const struct jl_host_mount *m = &p->host_mounts[i];
		/* ENOENT: gone with a parent detached before it. */
		if (umount2(m->path, MNT_DETACH) == 0 || errno == ENOENT)
			continue;
		if (m->pseudo) { /* locked (user namespace), or on the way to the rootfs */
			int r = cover_pseudo(m->path, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int move_root(const struct jl_rootfs_plan *p, struct jl_err **err)
{
	/* --no-pivot (rootfs on a ramfs initramfs): MS_MOVE + chroot.  Weaker:
	 * the old root stays reachable to whoever can escape a chroot, so
	 * nothing else of the runtime's namespace stays with it. */
	int r = detach_host_mounts(p, err);
	if (r < 0)
		return r;
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

/* No mount namespace of its own: runc's chroot.  Nothing of the runtime's
 * mounts may be moved or detached, they are everybody's. */
static int chroot_root(const struct jl_rootfs_plan *p, struct jl_err **err)
{
	if (chdir(p->rootfs) < 0)
		return jl_err_sys(err, "chdir \"%s\"", p->rootfs);
	if (chroot(".") < 0)
		return jl_err_sys(err, "chroot \"%s\"", p->rootfs);
	return 0;
}

int jl_rootfs_pivot(const struct jl_rootfs_plan *p, struct jl_err **err)
{
	int r = !p->mntns ? chroot_root(p, err) : p->no_pivot ? move_root(p, err) : pivot(p, err);
	if (r < 0)
		return r;
	if (chdir("/") < 0)
		return jl_err_sys(err, "chdir \"/\"");
	return 0;
}

int jl_rootfs_detach_below(const char *rootfs, struct jl_err **err)
{
	cleanup_file FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return jl_err_sys(err, "read /proc/self/mountinfo");
	char *line = NULL;
	size_t cap = 0, n = 0, max = 0;
	char **below = NULL;
	while (getline(&line, &cap, f) > 0) {
		struct jl_mountinfo m;
		if (!jl_mountinfo_parse(line, &m) || !jl_path_below(m.mountpoint, rootfs))
			continue;
		if (n == max)
			below = xrealloc(below, (max = max ? 2 * max : 16) * sizeof(*below));
		below[n++] = xstrdup(m.mountpoint);
	}
	free(line);
	/* Children come after their parents in mountinfo: undo backwards. */
	int r = 0;
	while (n-- > 0) {
		if (umount2(below[n], MNT_DETACH) < 0 && errno != ENOENT && errno != EINVAL && !r)
			r = jl_err_sys(err, "detach \"%s\"", below[n]);
		free(below[n]);
	}
	free(below);
	return r;
}

/* --- after pivot: masked, read-only --------------------------------------- */

/* An empty read-only tmpfs, detached: the mask for directories.  The
 * first one is made; later ones are clones of it (two syscalls each). */
static int mask_dir_tree(int *first)
{
	if (*first >= 0)
		return sys_open_tree(*first, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	int fd = -1;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", "0", 0) == 0 &&
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		fd = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
				  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					  MOUNT_ATTR_NOEXEC);
	int e = errno;
	close(fs);
	errno = e;
	return fd;
}

/* A directory gets an empty read-only tmpfs, anything else /dev/null.  Both
 * are attached by fd: no path through the container's /proc, which its own
 * mounts could have shadowed, decides where a mask lands. */
static int mask_path(int rootfd, const char *path, int *first_dir, struct jl_err **err)
{
	cleanup_close int fd = jl_open_in_root(rootfd, path, O_PATH);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return jl_err_set(err, -fd, "linux.maskedPaths: \"%s\"", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return jl_err_sys(err, "linux.maskedPaths: stat \"%s\"", path);
	bool dir = S_ISDIR(st.st_mode);
	cleanup_close int tree = dir ? mask_dir_tree(first_dir)
				     : sys_open_tree(AT_FDCWD, "/dev/null",
						     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0 || sys_move_mount(tree, "", fd, "",
				       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return jl_err_sys(err, "linux.maskedPaths: mask \"%s\"", path);
	/* Now attached: later masks clone it. */
	if (dir && *first_dir < 0)
		*first_dir = steal_fd(&tree);
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
	cleanup_close int first_dir = -1;
	for (size_t i = 0; i < l->masked_paths.n; i++) {
		int r = mask_path(rootfd, l->masked_paths.v[i], &first_dir, err);
		if (r < 0)
			return r;
	}
	/* A read-only /dev now that its nodes and submounts exist (runc). */
	for (size_t i = 0; i < p->n_mounts; i++) {
		if (!p->mounts[i].ro_at_finish)
			continue;
		cleanup_close int dev = jl_open_in_root(rootfd, p->mounts[i].destination, O_PATH);
		struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
		if (dev < 0 || sys_mount_setattr(dev, "", AT_EMPTY_PATH, &a) < 0)
			return jl_err_sys(err, "mounts[%zu]: make \"%s\" read-only", p->mounts[i].index,
					  p->mounts[i].destination);
	}
	if (p->readonly) {
		/* Only the root mount: /proc, /dev, volumes keep their own modes. */
		struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
		if (sys_mount_setattr(rootfd, "", AT_EMPTY_PATH, &a) < 0)
			return jl_err_sys(err, "root.readonly: remount \"/\" read-only");
	}
	/* Last: "runbindable" would make the binds above (readonly paths, the
	 * console) fail with EINVAL, as an unbindable mount cannot be cloned. */
	if (p->root_propagation && mount(NULL, "/", NULL, p->root_propagation, NULL) < 0)
		return jl_err_sys(err, "linux.rootfsPropagation: set \"%s\" on \"/\"",
				  p->spec->lnx.rootfs_propagation);
	return 0;
}
