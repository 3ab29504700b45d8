/* CVE-2019-5736: a container process that can reach /proc/PID/exe of the
 * runtime (while it execs the container's init, or joins for `exec`) could
 * open the runtime binary for writing and replace it for the next caller.
 *
 * So before any container work the runtime re-executes itself from a file
 * that cannot be written through that link:
 *  1. fast: a read-only, detached clone of the mount holding our own binary
 *     (open_tree(OPEN_TREE_CLONE) of /proc/self/exe + MOUNT_ATTR_RDONLY, then
 *     execveat of it): /proc/PID/exe then names a file on a mount nobody
 *     can make writable again -- it is in no namespace, owned by the host's
 *     user namespace.  No copy, three syscalls.
 *  2. fallback (no new mount API, no CAP_SYS_ADMIN): a sealed memfd copy.
 * A binary already on a read-only mount, or already a sealed memfd, needs
 * neither. */
#include <fcntl.h>
#include <linux/memfd.h>
#include <linux/mount.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "runtime/container.h"
#include "runtime/util.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static bool already_safe(int exe)
{
	int seals = fcntl(exe, F_GET_SEALS);
	if (seals >= 0 && (seals & SEALS) == SEALS)
		return true;
	struct statvfs st;
	return fstatvfs(exe, &st) == 0 && (st.f_flag & ST_RDONLY);
}

static void exec_read_only_clone(char **argv)
{
	extern char **environ;
	int tree = (int)syscall(SYS_open_tree, AT_FDCWD, "/proc/self/exe",
				OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return;
	struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &a, sizeof(a)) == 0)
		syscall(SYS_execveat, tree, "", argv, environ, AT_EMPTY_PATH);
	close(tree); /* fall back to the copy */
}

static int make_copy(int exe, struct jl_err **err)
{
	/* MFD_EXEC: kernels with vm.memfd_noexec would otherwise refuse to
	 * execute it; older kernels reject the flag, so retry without. */
	int fd = memfd_create("jaula", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("jaula", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return jl_err_sys(err, "memfd_create");
	struct stat st;
	if (fstat(exe, &st) < 0) {
		close(fd);
		return jl_err_sys(err, "stat /proc/self/exe");
	}
	off_t off = 0;
	while (off < st.st_size) {
		ssize_t n = sendfile(fd, exe, &off, (size_t)(st.st_size - off));
		if (n <= 0) {
			int r = jl_err_set(err, n < 0 ? errno : EIO, "copy the runtime binary");
			close(fd);
			return r;
		}
	}
	if (fcntl(fd, F_ADD_SEALS, SEALS) < 0) {
		close(fd);
		return jl_err_sys(err, "seal the runtime copy");
	}
	return fd;
}

bool jl_selfexec_unwritable_by(uid_t uid)
{
	struct stat st;
	if (stat("/proc/self/exe", &st) < 0 || st.st_uid == uid || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return false;
	/* An access ACL could grant it to uid all the same: then none must
	 * be there. */
	return getxattr("/proc/self/exe", "system.posix_acl_access", NULL, 0) < 0 &&
	       errno == ENODATA;
}

int jl_selfexec_sealed(int argc, char **argv, struct jl_err **err)
{
	(void)argc;
	cleanup_close int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		return jl_err_sys(err, "open /proc/self/exe");
	if (already_safe(exe))
		return 0;
	exec_read_only_clone(argv);
	cleanup_close int copy = make_copy(exe, err);
	if (copy < 0)
		return copy;
	extern char **environ;
	syscall(SYS_execveat, copy, "", argv, environ, AT_EMPTY_PATH);
	return jl_err_sys(err, "re-execute from the sealed copy");
}
