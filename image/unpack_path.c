/* Names of a layer's entries and the directories that hold them, always
 * inside the layer root.
 *
 * An archive name is cleaned lexically first ("/etc/x", "../../etc/x" and
 * "./etc/x" all become "etc/x", as containerd's applier does), then its
 * parent directory is opened with openat2(RESOLVE_IN_ROOT): a symlink the
 * layer planted on the way ("link/x" with link -> /etc or ../../..) is
 * followed as if the layer root were "/", so it lands inside the root.  The
 * last component is only ever handled with *at calls relative to that
 * directory fd that do not follow it (see unpack.c). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/unpack_internal.h"
#include "runtime/log.h"
#include "runtime/paths.h"

int up_clean(const char *in, char out[PATH_MAX])
{
	if (strnlen(in, PATH_MAX) >= PATH_MAX)
		return -ENAMETOOLONG;
	size_t len = 0;
	for (const char *p = in; *p;) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			/* ".." at the root stays at the root, as in the kernel */
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
		} else if (!(n == 1 && p[0] == '.')) {
			if (n > NAME_MAX)
				return -ENAMETOOLONG;
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
		}
		p = end;
	}
	out[len] = '\0'; /* len <= strlen(in) < PATH_MAX */
	return 0;
}

void up_split(char *clean, const char **parent, const char **name)
{
	char *slash = strrchr(clean, '/');
	if (!slash) {
		*parent = "";
		*name = clean;
		return;
	}
	*slash = '\0';
	*parent = clean;
	*name = slash + 1;
}

void up_cache_forget(struct unpack *u)
{
	/* The fd stays open until the cache is set again: the caller may be
	 * using it as the directory of the entry being applied. */
	free(u->cache_path);
	u->cache_path = NULL;
}

void up_cache_set(struct unpack *u, const char *path, int fd, const struct stat *st)
{
	up_cache_forget(u);
	if (u->cache_fd >= 0)
		close(u->cache_fd);
	u->cache_path = xstrdup(path);
	u->cache_fd = fd;
	u->cache_st = *st;
}

/* Missing directories on the way are made inside the root; a symlink met
 * while making them is followed inside the root too (jl_mkpath_in_root). */
static int make_dirs(struct unpack *u, const char *dir)
{
	struct jl_err *e = NULL;
	int fd = jl_mkpath_in_root(u->rootfd, dir, false, 0755, &e);
	int r = fd < 0 ? jl_err_status(e) : 0;
	jl_err_free(&e);
	if (fd < 0)
		return r;
	close(fd);
	return jl_open_in_root(u->rootfd, dir, O_RDONLY | O_DIRECTORY);
}

int up_parent(struct unpack *u, const char *dir, bool create, const struct stat **st,
	      struct jl_err **err)
{
	if (!*dir) {
		*st = &u->root_st;
		return u->rootfd;
	}
	if (u->cache_path && !strcmp(u->cache_path, dir)) {
		*st = &u->cache_st;
		return u->cache_fd;
	}
	int fd = jl_open_in_root(u->rootfd, dir, O_RDONLY | O_DIRECTORY);
	if (fd == -ENOENT && create)
		fd = make_dirs(u, dir);
	if (fd < 0)
		return up_fail(u, err, -fd, "directory \"%.200s\"", dir);
	struct stat s;
	if (fstat(fd, &s) < 0) {
		int e = errno;
		close(fd);
		return up_fail(u, err, e, "directory \"%.200s\"", dir);
	}
	up_cache_set(u, dir, fd, &s);
	*st = &u->cache_st;
	return fd;
}

int up_replace(struct unpack *u, int pfd, const char *name, bool keep_dir, struct jl_err **err)
{
	struct stat st;
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : up_fail(u, err, errno, "look at what is there");
	if (S_ISDIR(st.st_mode) && keep_dir)
		return 1;
	/* A later entry wins, as with tar; whatever was there may have been a
	 * step of a cached path. */
	up_cache_forget(u);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(pfd, name, 0) < 0 && errno != ENOENT)
			return up_fail(u, err, errno, "remove what is there");
		return 0;
	}
	jl_debug("%s: replacing directory \"%.200s\" and its contents", u->what, u->e->path);
	int r = jl_remove_tree_at(pfd, name, err);
	if (r < 0)
		return jl_err_wrap(err, "%s: entry \"%.200s\": replace a directory", u->what,
				   u->e->path);
	return 0;
}
