#include "runtime/procfs.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/util.h"

static bool is_procfs(int fd)
{
	struct statfs st;
	return fstatfs(fd, &st) == 0 && st.f_type == PROC_SUPER_MAGIC;
}

int jl_procfs_open(struct jl_procfs *h, struct jl_err **err)
{
	h->private_fd = -1;
	h->fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (h->fd < 0)
		return jl_err_sys(err, "open /proc");
	if (!is_procfs(h->fd)) {
		jl_procfs_close(h);
		return jl_err_set(err, EMEDIUMTYPE, "/proc is not a procfs mount");
	}
	return 0;
}

void jl_procfs_close(struct jl_procfs *h)
{
	if (h->fd >= 0)
		close(h->fd);
	if (h->private_fd >= 0)
		close(h->private_fd);
	h->fd = h->private_fd = -1;
}

/* A procfs of our own, with no submounts and no read-only binds: the
 * fallback when the shared /proc has mounts on the way to a file.  ~90 µs,
 * so only on demand. */
static int private_instance(struct jl_procfs *h)
{
	if (h->private_fd >= 0)
		return h->private_fd;
	int fs = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	int fd = -1;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		fd = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
				  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	int e = errno;
	close(fs);
	if (fd < 0)
		return -e;
	h->private_fd = fd;
	return fd;
}

/* "self/x" as "<pid>/x" of that instance: its "self" link says which pid we
 * are there, and the walk below follows no link. */
static int resolve_self(int root, const char *path, char *out, size_t n)
{
	if (strncmp(path, "self/", 5)) {
		snprintf(out, n, "%s", path);
		return 0;
	}
	char pid[32];
	ssize_t len = readlinkat(root, "self", pid, sizeof(pid) - 1);
	if (len <= 0)
		return len < 0 ? -errno : -ENOENT;
	pid[len] = '\0';
	snprintf(out, n, "%s/%s", pid, path + 5);
	return 0;
}

static int open_in(int root, const char *path)
{
	char rel[512];
	int r = resolve_self(root, path, rel, sizeof(rel));
	if (r < 0)
		return r;
	struct open_how how = {
		.flags = O_WRONLY | O_CLOEXEC | O_NOCTTY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};
	int fd;
	do
		fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	if (fd < 0)
		return -errno;
	/* RESOLVE_NO_XDEV already keeps binds out; this is the last word. */
	if (!is_procfs(fd)) {
		close(fd);
		return -EXDEV;
	}
	return fd;
}

int jl_procfs_open_file(struct jl_procfs *h, const char *path, struct jl_err **err)
{
	int fd = open_in(h->fd, path);
	/* A mount in the way (EXDEV), a read-only /proc/sys (EROFS), a /proc
	 * that hides what we need (ENOENT, EACCES): try a private instance. */
	if (fd == -EXDEV || fd == -EROFS || fd == -ENOENT || fd == -EACCES) {
		int priv = private_instance(h);
		if (priv >= 0)
			fd = open_in(priv, path);
	}
	if (fd < 0)
		return jl_err_set(err, -fd, "open \"/proc/%s\"", path);
	return fd;
}

int jl_procfs_write(struct jl_procfs *h, const char *path, const char *data, size_t n,
		    struct jl_err **err)
{
	cleanup_close int fd = jl_procfs_open_file(h, path, err);
	if (fd < 0)
		return fd;
	int r = jl_write_all(fd, data, n);
	if (r < 0)
		return jl_err_set(err, -r, "write \"/proc/%s\"", path);
	return 0;
}
