/* /dev inside the container: the default nodes every program expects,
 * linux.devices, the standard symlinks and ptmx.  Nodes are created with
 * mknod; inside a user namespace mknod is not allowed, so the host's node is
 * bind-mounted onto an empty file instead (what runc and crun do too).
 *
 * Nothing is ever created through a mount jaula did not make: a config that
 * bind-mounts a host directory at /dev (or below it), or mounts the host's
 * one devtmpfs, would otherwise get our nodes and links on the host -- a
 * /dev/ptmx symlink there breaks every pty of the machine.  A node goes
 * only into the rootfs itself or a tmpfs jaula mounted (jl_dev_allow). */
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/log.h"
#include "runtime/paths.h"
#include "runtime/rootfs.h"
#include "runtime/util.h"

struct node {
	const char *path; /* for messages; the name is the last component */
	char type; /* 'c', 'b', 'u', 'p' */
	unsigned major, minor;
	mode_t mode;
	uid_t uid;
	gid_t gid;
};

static const struct node default_nodes[] = {
	{"/dev/null", 'c', 1, 3, 0666, 0, 0},    {"/dev/zero", 'c', 1, 5, 0666, 0, 0},
	{"/dev/full", 'c', 1, 7, 0666, 0, 0},    {"/dev/random", 'c', 1, 8, 0666, 0, 0},
	{"/dev/urandom", 'c', 1, 9, 0666, 0, 0}, {"/dev/tty", 'c', 5, 0, 0666, 0, 0},
};

static mode_t type_bits(char t)
{
	switch (t) {
	case 'b':
		return S_IFBLK;
	case 'p':
		return S_IFIFO;
	default: /* 'c' and 'u' (unbuffered character) */
		return S_IFCHR;
	}
}

int jl_mount_id(int fd, uint64_t *id)
{
	struct statx stx;
	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &stx) < 0)
		return -errno;
	if (!(stx.stx_mask & STATX_MNT_ID))
		return -ENOSYS;
	*id = stx.stx_mnt_id;
	return 0;
}

static bool allowed(const struct jl_dev_allow *a, int dirfd)
{
	uint64_t id;
	if (jl_mount_id(dirfd, &id) < 0)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->ids[i] == id)
			return true;
	return false;
}

/* The parent directory of path under rootfd (created if missing) and the
 * last component, so mknodat acts on a safely resolved directory. */
static int open_parent(int rootfd, const char *path, const char **base, struct jl_err **err)
{
	const char *slash = strrchr(path, '/');
	*base = slash ? slash + 1 : path;
	if (!**base)
		return jl_err_set(err, EINVAL, "device path \"%s\" has no name", path);
	cleanup_free char *dir = slash && slash != path ? strndup(path, (size_t)(slash - path))
							: xstrdup("/");
	return jl_mkpath_in_root(rootfd, dir, false, 0755, err);
}

static int bind_host_node(int dirfd, const char *base, const struct node *n,
			  struct jl_err **err)
{
	int fd = openat(dirfd, base, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0000);
	if (fd < 0)
		return jl_err_sys(err, "create \"%s\" for a bind mount", n->path);
	close(fd);
	cleanup_close int tree = (int)syscall(SYS_open_tree, AT_FDCWD, n->path,
					      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	cleanup_close int target = openat(dirfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	/* A device node needs neither set-id bits nor exec (runc's flags). */
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC};
	if (tree < 0 || target < 0 ||
	    syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0 ||
	    syscall(SYS_move_mount, tree, "", target, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return jl_err_sys(err, "bind the host's \"%s\"", n->path);
	return 0;
}

/* n in directory dirfd (already checked to be one of ours). */
static int make_node_at(int dirfd, const char *base, const struct node *n, bool userns,
			struct jl_err **err)
{
	if (userns && n->type != 'p')
		return bind_host_node(dirfd, base, n, err);
	dev_t dev = n->type == 'p' ? 0 : makedev(n->major, n->minor);
	if (mknodat(dirfd, base, type_bits(n->type) | (n->mode & 07777), dev) < 0) {
		if (errno != EEXIST)
			return jl_err_sys(err, "mknod \"%s\"", n->path);
		/* An image's placeholder: replace it with the real node. */
		if (unlinkat(dirfd, base, 0) < 0 ||
		    mknodat(dirfd, base, type_bits(n->type) | (n->mode & 07777), dev) < 0)
			return jl_err_sys(err, "mknod \"%s\"", n->path);
	}
	if (fchownat(dirfd, base, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return jl_err_sys(err, "chown \"%s\" to %u:%u", n->path, n->uid, n->gid);
	return 0;
}

static bool config_has(const struct spec *s, const char *path)
{
	for (size_t i = 0; i < s->lnx.n_devices; i++)
		if (!strcmp(s->lnx.devices[i].path, path))
			return true;
	return false;
}

static int config_node(int rootfd, const struct jl_dev_allow *a, size_t i,
		       const struct spec_device *d, bool userns, struct jl_err **err)
{
	struct node n = {
		.path = d->path,
		.type = d->type,
		.major = (unsigned)d->major,
		.minor = (unsigned)d->minor,
		.mode = d->has_file_mode ? d->file_mode : 0666,
		.uid = d->has_uid ? d->uid : 0,
		.gid = d->has_gid ? d->gid : 0,
	};
	const char *base;
	cleanup_close int dirfd = open_parent(rootfd, n.path, &base, err);
	if (dirfd < 0)
		return jl_err_wrap(err, "linux.devices[%zu]", i);
	if (!allowed(a, dirfd))
		return jl_err_set(err, EXDEV,
				  "linux.devices[%zu]: \"%s\": its directory is on a mount jaula did "
				  "not make (a bind mount?): refusing to create a device node "
				  "outside the container",
				  i, n.path);
	int r = make_node_at(dirfd, base, &n, userns, err);
	return r < 0 ? jl_err_wrap(err, "linux.devices[%zu]", i) : 0;
}

static int make_link(int devfd, const char *target, const char *name, struct jl_err **err)
{
	if (symlinkat(target, devfd, name) < 0 && errno != EEXIST)
		return jl_err_sys(err, "symlink \"/dev/%s\" -> \"%s\"", name, target);
	return 0;
}

static int setup_links(int devfd, struct jl_err **err)
{
	static const char *const links[][2] = {
		{"/proc/self/fd", "fd"},	 {"/proc/self/fd/0", "stdin"},
		{"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		int r = make_link(devfd, links[i][0], links[i][1], err);
		if (r < 0)
			return r;
	}
	if (access("/proc/kcore", F_OK) == 0) {
		int r = make_link(devfd, "/proc/kcore", "core", err);
		if (r < 0)
			return r;
	}
	/* The container's devpts instance owns its ptmx; /dev/ptmx must lead
	 * there rather than to the host's multiplexer. */
	if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
		return jl_err_sys(err, "remove /dev/ptmx");
	return make_link(devfd, "pts/ptmx", "ptmx", err);
}

/* The default nodes and links, when /dev is ours to fill. */
static int setup_defaults(int rootfd, const struct spec *s, const struct jl_dev_allow *a,
			  bool userns, struct jl_err **err)
{
	cleanup_close int devfd = jl_mkpath_in_root(rootfd, "/dev", false, 0755, err);
	if (devfd < 0)
		return jl_err_wrap(err, "/dev");
	if (!allowed(a, devfd)) {
		jl_debug("/dev is a mount jaula did not make: creating nothing in it");
		return 0;
	}
	int r = 0;
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(default_nodes); i++)
		if (!config_has(s, default_nodes[i].path))
			r = make_node_at(devfd, default_nodes[i].path + 5, &default_nodes[i], userns,
					 err);
	return r < 0 ? r : setup_links(devfd, err);
}

int jl_dev_setup(int rootfd, const struct spec *s, const struct jl_dev_allow *a, bool userns,
		 struct jl_err **err)
{
	mode_t old = umask(0);
	int r = setup_defaults(rootfd, s, a, userns, err);
	for (size_t i = 0; r == 0 && i < s->lnx.n_devices; i++)
		r = config_node(rootfd, a, i, &s->lnx.devices[i], userns, err);
	umask(old);
	return r;
}

int jl_dev_bind_console(const char *slave_path, struct jl_err **err)
{
	int fd = open("/dev/console", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return jl_err_sys(err, "create /dev/console");
	close(fd);
	if (mount(slave_path, "/dev/console", NULL, MS_BIND, NULL) < 0)
		return jl_err_sys(err, "bind \"%s\" on /dev/console", slave_path);
	return 0;
}
