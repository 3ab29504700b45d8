/* Paths that come from a config or an image are resolved under an fd of
 * the container's root with openat2(RESOLVE_IN_ROOT): symlinks are followed
 * as if the rootfs were "/", so "../../etc" or a link to "/etc" can never
 * reach the host.  Every mount target and device node goes through here. */
#ifndef JAULA_PATHS_H
#define JAULA_PATHS_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/error.h"

/* openat2(rootfd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS).
 * Returns the fd or -errno (no error object: callers decide if ENOENT is one). */
int jl_open_in_root(int rootfd, const char *path, int flags);
/* The same by an fd walk (paths_walk.c), where openat2 answers ENOSYS
 * (kernels before 5.6, seccomp filters that do not know it). */
int jl_open_in_root_walk(int rootfd, const char *path, int flags);

/* Make sure path exists under rootfd, creating missing parents as
 * directories and the last component as a directory or (file) an empty
 * regular file, then return an O_PATH fd of it. */
int jl_mkpath_in_root(int rootfd, const char *path, bool file, mode_t mode,
		      struct jl_err **err);

/* "/proc/self/fd/N": the name mount(2) is given to act on exactly the inode
 * that was resolved safely (no second lookup by path). */
#define JL_FD_PATH_MAX 32
const char *jl_fd_path(int fd, char buf[JL_FD_PATH_MAX]);

#endif
