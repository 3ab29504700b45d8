/* RESOLVE_IN_ROOT without openat2: for kernels before 5.6, and for hosts
 * whose seccomp filter answers openat2 with ENOSYS (jaula inside an older
 * container engine, valgrind).  One component at a time, each opened with
 * O_NOFOLLOW relative to the directory before it; a symlink's text is
 * resolved again from there (or from the root when absolute), and ".."
 * goes back to the directory it came from, held open on a stack, never up
 * through the filesystem: a directory renamed mid-walk cannot take the walk
 * above the root.  Magic links are read as text, never followed. */
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/paths.h"
#include "runtime/util.h"

#define WALK_DEPTH 256 /* directories held open (PATH_MAX / 2 would be "a/a/..") */
#define WALK_LINKS 40  /* symlinks followed, as the kernel's ELOOP limit */

struct walk {
	int fds[WALK_DEPTH]; /* fds[0]: the root */
	int depth;
	int links;
	char path[PATH_MAX * 2]; /* what is left to resolve */
};

static void walk_pop_to(struct walk *w, int depth)
{
	while (w->depth > depth)
		close(w->fds[w->depth--]);
}

/* Replace the component just taken by the link's text: text + "/" + rest. */
static int splice_link(struct walk *w, int linkfd, const char *rest)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(linkfd, "", target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	if (++w->links > WALK_LINKS)
		return -ELOOP;
	if ((size_t)n + strlen(rest) + 2 > sizeof(w->path))
		return -ENAMETOOLONG;
	/* rest may point into w->path: move it right, then put the text before. */
	size_t rl = strlen(rest);
	memmove(w->path + n + 1, rest, rl + 1);
	memcpy(w->path, target, (size_t)n);
	w->path[n] = '/';
	if (target[0] == '/')
		walk_pop_to(w, 0);
	return 0;
}

enum step { STEP_DIR, STEP_LINK, STEP_DONE };

/* Take the next component: a directory pushed (STEP_DIR), a symlink whose
 * text is now spliced in (STEP_LINK), or, last, the result in *out. */
static int walk_step(struct walk *w, const char *name, const char *rest, bool last, int flags,
		     int *out)
{
	int cur = w->fds[w->depth];
	cleanup_close int fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && !(last && errno == ENOENT && (flags & O_CREAT)))
		return -errno;
	if (fd >= 0) {
		struct stat st;
		if (fstat(fd, &st) < 0)
			return -errno;
		if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
			int r = splice_link(w, fd, rest);
			return r < 0 ? r : STEP_LINK;
		}
		if (!last) {
			if (!S_ISDIR(st.st_mode))
				return -ENOTDIR;
			if (w->depth + 1 >= WALK_DEPTH)
				return -ENAMETOOLONG;
			w->fds[++w->depth] = steal_fd(&fd);
			return STEP_DIR;
		}
		if ((flags & O_PATH) && (flags & O_NOFOLLOW)) {
			*out = steal_fd(&fd);
			return STEP_DONE;
		}
	}
	/* The last component, opened for real; O_NOFOLLOW: had it become a
	 * symlink since, this fails rather than following it. */
	*out = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC, 0644);
	return *out < 0 ? -errno : STEP_DONE;
}

/* The next component of w->path, moved out into name; rest is what stays. */
static bool next_component(struct walk *w, char name[NAME_MAX + 1], char **rest, int *err)
{
	char *p = w->path;
	while (*p == '/')
		p++;
	if (!*p)
		return false;
	size_t len = strcspn(p, "/");
	if (len > NAME_MAX) {
		*err = -ENAMETOOLONG;
		return false;
	}
	memcpy(name, p, len);
	name[len] = '\0';
	*rest = p + len;
	while (**rest == '/')
		(*rest)++;
	return true;
}

/* Nothing left to resolve ("/", "a/..", a link to "/"): the directory
 * reached is the result, opened as asked. */
static int open_reached(struct walk *w, int flags)
{
	int fd = openat(w->fds[w->depth], ".", (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int walk(struct walk *w, int flags)
{
	for (;;) {
		char name[NAME_MAX + 1], left[PATH_MAX * 2];
		char *rest = NULL;
		int err = 0;
		if (!next_component(w, name, &rest, &err))
			return err ? err : open_reached(w, flags);
		snprintf(left, sizeof(left), "%s", rest);
		int r = STEP_DIR, out = -1;
		if (!strcmp(name, ".."))
			walk_pop_to(w, w->depth > 0 ? w->depth - 1 : 0);
		else if (strcmp(name, "."))
			r = walk_step(w, name, left, !*left, flags, &out);
		if (r < 0 || r == STEP_DONE)
			return r < 0 ? r : out;
		if (r == STEP_DIR)
			memmove(w->path, left, strlen(left) + 1);
	}
}

int jl_open_in_root_walk(int rootfd, const char *path, int flags)
{
	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	struct walk *w = xcalloc(1, sizeof(*w));
	w->fds[0] = fcntl(rootfd, F_DUPFD_CLOEXEC, 3);
	int r = w->fds[0] < 0 ? -errno : 0;
	if (r == 0) {
		snprintf(w->path, sizeof(w->path), "%s", path);
		r = walk(w, flags);
		walk_pop_to(w, 0);
		close(w->fds[0]);
	}
	free(w);
	return r;
}
