#include "runtime/paths.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
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
	/* Once ENOSYS, always: the fallback walk from then on. */
	static bool no_openat2;
	int fd = -1;
	errno = ENOSYS;
	while (!no_openat2 && (fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how))) < 0 &&
	       errno == EAGAIN)
		;
	if (fd < 0 && errno == ENOSYS) {
		no_openat2 = true;
		return jl_open_in_root_walk(rootfd, path, flags);
	}
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

/* The same bound on symlinks the kernel has (MAXSYMLINKS). */
#define MAX_LINKS 40

/* A walk of a path under the root: `done` is the part already resolved, with
 * no symlink and no "..", so opening it under RESOLVE_IN_ROOT takes no
 * detour; `todo` is what is left, rewritten when a symlink is met. */
struct walk {
	char done[PATH_MAX];
	size_t len;
	char *todo;
	int links;
};

static int walk_push(struct walk *w, const char *name, size_t n)
{
	if (w->len + 1 + n >= sizeof(w->done))
		return -ENAMETOOLONG;
	w->done[w->len++] = '/';
	memcpy(w->done + w->len, name, n);
	w->len += n;
	w->done[w->len] = '\0';
	return 0;
}

static void walk_pop(struct walk *w)
{
	while (w->len > 0 && w->done[w->len - 1] != '/')
		w->len--;
	if (w->len > 0)
		w->len--; /* ".." at the root stays at the root, as in the kernel */
	w->done[w->len] = '\0';
}

/* The link at w->done (fd): walk its target before the rest of the path.  An
 * absolute target starts again at the container's root, never the host's. */
static int walk_follow(struct walk *w, int fd, const char *rest)
{
	if (++w->links > MAX_LINKS)
		return -ELOOP;
	char target[PATH_MAX];
	ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	free(w->todo);
	w->todo = xasprintf("%s/%s", target, rest);
	if (target[0] == '/')
		w->len = 0;
	else
		walk_pop(w); /* relative to the directory holding the link */
	w->done[w->len] = '\0';
	return 1;
}

/* One component: descend into it, create it, or follow it.  Returns 1 when
 * todo was rewritten by a symlink, 0 to go on with rest. */
static int walk_step(struct walk *w, int rootfd, const char *name, const char *rest, bool file,
		     mode_t mode)
{
	if (!strcmp(name, "."))
		return 0;
	if (!strcmp(name, "..")) {
		walk_pop(w);
		return 0;
	}
	bool last = *rest == '\0';
	int r = walk_push(w, name, strlen(name));
	if (r < 0)
		return r;
	cleanup_close int fd = jl_open_in_root(rootfd, w->done, O_PATH | O_NOFOLLOW);
	if (fd == -ENOENT)
		return create_component(rootfd, w->done, !(last && file), last ? mode : 0755);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (S_ISLNK(st.st_mode))
		return walk_follow(w, fd, rest);
	if (!last && !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return 0;
}

/* Resolve path the way RESOLVE_IN_ROOT does, creating what is missing on the
 * way.  A symlink whose target does not exist yet (an image's /var/run ->
 * /run, or a planted link to a host path such as /tmp/x) gets that target
 * made inside the rootfs, as runc's securejoin.MkdirAll does; the host's
 * path is never looked at. */
static int walk_create(struct walk *w, int rootfd, bool file, mode_t mode)
{
	for (;;) {
		const char *p = w->todo;
		while (*p == '/')
			p++;
		if (!*p)
			return 0;
		const char *end = strchrnul(p, '/');
		cleanup_free char *name = strndup(p, (size_t)(end - p));
		while (*end == '/')
			end++;
		char *rest = xstrdup(end);
		int r = walk_step(w, rootfd, name, rest, file, mode);
		if (r == 0) {
			free(w->todo);
			w->todo = rest;
			continue;
		}
		free(rest);
		if (r < 0)
			return r;
	}
}

int jl_mkpath_in_root(int rootfd, const char *path, bool file, mode_t mode,
		      struct jl_err **err)
{
	int fd = jl_open_in_root(rootfd, path, O_PATH);
	if (fd >= 0)
		return fd;
	if (fd != -ENOENT)
		return jl_err_set(err, -fd, "resolve \"%s\" in the container", path);
	struct walk w = {.todo = xstrdup(path)};
	int r = walk_create(&w, rootfd, file, mode);
	free(w.todo);
	if (r < 0)
		return jl_err_set(err, -r, "create \"%s\" in the container (at \"%s\")", path,
				  w.len ? w.done : "/");
	fd = jl_open_in_root(rootfd, w.len ? w.done : "/", O_PATH);
	if (fd < 0)
		return jl_err_set(err, -fd, "resolve \"%s\" in the container", path);
	return fd;
}
