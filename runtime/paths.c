#include "runtime/paths.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/util.h"

int jl_open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	int fd;
	do
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN);
	return fd < 0 ? -errno : fd;
}

const char *jl_fd_path(int fd, char buf[JL_FD_PATH_MAX])
{
	snprintf(buf, JL_FD_PATH_MAX, "/proc/self/fd/%d", fd);
	return buf;
}

/* Create the last component of prefix (a path under rootfd whose parent
 * exists).  mkdirat and O_CREAT|O_EXCL never follow a symlink in the last
 * component, so a planted link cannot redirect the creation. */
static int create_component(int rootfd, char *prefix, bool dir, mode_t mode)
{
	char *slash = strrchr(prefix, '/');
	const char *name = slash ? slash + 1 : prefix;
	int parent;
	if (slash) {
		*slash = '\0';
		parent = jl_open_in_root(rootfd, *prefix ? prefix : "/", O_PATH | O_DIRECTORY);
		*slash = '/';
		if (parent < 0)
			return parent;
	} else {
		parent = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
		if (parent < 0)
			return -errno;
	}
	int r = 0;
	if (dir) {
		if (mkdirat(parent, name, mode) < 0 && errno != EEXIST)
			r = -errno;
	} else {
		int fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				mode);
		if (fd >= 0)
			close(fd);
		else if (errno != EEXIST)
			r = -errno;
	}
	close(parent);
	return r;
}

int jl_mkpath_in_root(int rootfd, const char *path, bool file, mode_t mode,
		      struct jl_err **err)
{
	int fd = jl_open_in_root(rootfd, path, O_PATH);
	if (fd >= 0 || fd != -ENOENT) {
		if (fd < 0)
			return jl_err_set(err, -fd, "resolve \"%s\" in the container", path);
		return fd;
	}
	cleanup_free char *copy = xstrdup(path);
	char *p = copy;
	while (*p == '/')
		p++;
	for (char *c = p;; c++) {
		if (*c != '/' && *c != '\0')
			continue;
		bool last = *c == '\0';
		char saved = *c;
		*c = '\0';
		int probe = jl_open_in_root(rootfd, p, O_PATH);
		if (probe == -ENOENT) {
			int r = create_component(rootfd, p, !(last && file), last ? mode : 0755);
			if (r < 0)
				return jl_err_set(err, -r, "create \"/%s\" in the container", p);
		} else if (probe < 0) {
			return jl_err_set(err, -probe, "resolve \"/%s\" in the container", p);
		} else {
			close(probe);
		}
		*c = saved;
		if (last)
			break;
	}
	fd = jl_open_in_root(rootfd, path, O_PATH);
	if (fd < 0)
		return jl_err_set(err, -fd, "resolve \"%s\" in the container", path);
	return fd;
}
