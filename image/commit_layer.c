/* A container's upper directory as a layer tar (image-spec layer.md
 * "Representing Changes"): files, directories, links, devices and fifos as
 * they are, with modes (set-id and sticky too), owners, mtimes and the
 * xattrs an image may carry; overlayfs' own metadata translated back:
 *   - a whiteout (char device 0:0, or on kernels with "xwhiteouts" a
 *     zero-size file with trusted.overlay.whiteout) -> an empty file .wh.NAME
 *   - an opaque directory (trusted.overlay.opaque="y") -> the directory,
 *     then DIR/.wh..wh..opq, before its children
 *   - redirect_dir and metacopy (trusted.overlay.redirect / .metacopy)
 *     describe content that lives in a lower layer: a tar of the upper
 *     alone would be wrong, so they are refused (jaula never enables them).
 * The walk is depth-first with names in byte order, so the same upper
 * directory always gives the same tar. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "image/commit_internal.h"
#include "runtime/log.h"
#include "runtime/paths.h"

/* One open directory fd per level: deeper trees are refused rather than
 * running the process out of descriptors. */
#define MAX_DEPTH 256
#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

/* (dev, ino) -> archive path of the first link seen: later links to the
 * same inode become hardlink entries to it. */
struct link_seen {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct walk {
	struct img_tarw *w;
	const char *what;
	struct jl_buf path; /* archive path of the current entry */
	struct link_seen *links;
	size_t n_links, cap_links;
};

/* --- directory listing ---------------------------------------------------- */

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int sorted_names(int dirfd, char ***out, size_t *n, struct jl_err **err)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return jl_err_sys(err, "dup");
	cleanup_dir DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return jl_err_sys(err, "fdopendir");
	}
	rewinddir(d);
	char **v = NULL;
	size_t len = 0, cap = 0;
	struct dirent *de;
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (len == cap) {
			cap = cap ? 2 * cap : 32;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[len++] = xstrdup(de->d_name);
		errno = 0;
	}
	if (errno) {
		int r = jl_err_sys(err, "readdir");
		names_free(v, len);
		return r;
	}
	if (len > 1)
		qsort(v, len, sizeof(*v), cmp_name);
	*out = v;
	*n = len;
	return 0;
}

/* --- entries -------------------------------------------------------------- */

static void path_set_len(struct jl_buf *b, size_t len)
{
	b->len = len;
	if (b->data)
		b->data[len] = '\0';
}

/* Mode, owner and mtime of st.  The mtime in whole seconds, as moby and
 * containers/storage write layers: nanoseconds would cost a pax header
 * (1 KiB) for nearly every entry. */
static struct img_tar_entry entry_from_stat(const char *path, const struct stat *st)
{
	return (struct img_tar_entry){
		.path = path,
		.mode = st->st_mode & 07777,
		.uid = st->st_uid,
		.gid = st->st_gid,
		.mtime_sec = st->st_mtim.tv_sec,
	};
}

/* Open addressing over (dev, ino): a layer may hold many thousands of
 * hardlinks (a copied-up toolchain), so no linear search per link. */
static size_t link_slot(const struct link_seen *v, size_t cap, dev_t dev, ino_t ino)
{
	size_t i = (size_t)(((uint64_t)ino * UINT64_C(0x9E3779B97F4A7C15)) ^ (uint64_t)dev);
	for (i &= cap - 1; v[i].path; i = (i + 1) & (cap - 1))
		if (v[i].dev == dev && v[i].ino == ino)
			break;
	return i;
}

static void links_grow(struct walk *k)
{
	size_t cap = k->cap_links ? 2 * k->cap_links : 64;
	struct link_seen *v = xcalloc(cap, sizeof(*v));
	for (size_t i = 0; i < k->cap_links; i++)
		if (k->links[i].path)
			v[link_slot(v, cap, k->links[i].dev, k->links[i].ino)] = k->links[i];
	free(k->links);
	k->links = v;
	k->cap_links = cap;
}

/* The archive path of an inode already written, or NULL. */
static const char *link_find(const struct walk *k, const struct stat *st)
{
	if (!k->cap_links)
		return NULL;
	return k->links[link_slot(k->links, k->cap_links, st->st_dev, st->st_ino)].path;
}

/* Remember st's inode as written under the current path. */
static void link_add(struct walk *k, const struct stat *st)
{
	if (2 * (k->n_links + 1) > k->cap_links)
		links_grow(k);
	struct link_seen *e = &k->links[link_slot(k->links, k->cap_links, st->st_dev, st->st_ino)];
	*e = (struct link_seen){.dev = st->st_dev, .ino = st->st_ino, .path = xstrdup(k->path.data)};
	k->n_links++;
}

/* An empty regular file named .wh.NAME beside where NAME was. */
static int add_whiteout(struct walk *k, size_t parent_len, const char *name,
			const struct stat *st, struct jl_err **err)
{
	path_set_len(&k->path, parent_len);
	jl_buf_printf(&k->path, WH_PREFIX "%s", name);
	struct img_tar_entry e = entry_from_stat(k->path.data, st);
	e.type = IMG_TAR_FILE;
	e.mode = 0;
	return img_tarw_add(k->w, &e, -1, NULL, err);
}

/* An entry gone between readdir and its use: a running container deleted
 * or renamed it meanwhile.  The layer is then as if the commit had read
 * that directory a moment later -- one of the states a commit without a
 * pause may catch.  1: skipped (the add_* functions' "nothing written"). */
static int vanished(struct walk *k)
{
	jl_debug("%s: \"%s\" vanished during the commit", k->what, k->path.data);
	return 1;
}

/* A regular file's content, from an fd checked to be the inode lstat saw
 * (a running container may have swapped the name meanwhile). */
static int add_file(struct walk *k, int dirfd, const char *name, struct img_tar_entry *e,
		    const struct stat *st, struct jl_err **err)
{
	cleanup_close int fd =
		openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		return vanished(k);
	if (fd < 0)
		return jl_err_sys(err, "%s: open \"%s\"", k->what, k->path.data);
	struct stat now;
	if (fstat(fd, &now) < 0)
		return jl_err_sys(err, "%s: stat \"%s\"", k->what, k->path.data);
	if (now.st_ino != st->st_ino || now.st_dev != st->st_dev || !S_ISREG(now.st_mode))
		return jl_err_code(err, EAGAIN, "%s: \"%s\" was replaced while read", k->what,
				   k->path.data);
	e->type = IMG_TAR_FILE;
	e->size = now.st_size;
	return img_tarw_add(k->w, e, fd, NULL, err);
}

static int add_symlink(struct walk *k, int dirfd, const char *name, struct img_tar_entry *e,
		       const struct stat *st, struct jl_err **err)
{
	size_t cap = (size_t)st->st_size + 1;
	cleanup_free char *target = xmalloc(cap + 1);
	ssize_t n = readlinkat(dirfd, name, target, cap);
	if (n < 0 && errno == ENOENT)
		return vanished(k);
	if (n < 0)
		return jl_err_sys(err, "%s: readlink \"%s\"", k->what, k->path.data);
	if ((size_t)n >= cap)
		return jl_err_code(err, EAGAIN, "%s: \"%s\" changed while read", k->what,
				   k->path.data);
	target[n] = '\0';
	e->type = IMG_TAR_SYMLINK;
	e->link = target;
	return img_tarw_add(k->w, e, -1, NULL, err);
}

static int walk_dir(struct walk *k, int dirfd, int depth, struct jl_err **err);

static int add_dir(struct walk *k, int dirfd, const char *name, struct img_tar_entry *e,
		   const struct img_commit_xattrs *x, int depth, struct jl_err **err)
{
	if (depth >= MAX_DEPTH)
		return jl_err_code(err, ELOOP, "%s: \"%s\": deeper than %d directories", k->what,
				   k->path.data, MAX_DEPTH);
	cleanup_close int fd =
		openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return vanished(k);
	if (fd < 0)
		return jl_err_sys(err, "%s: open \"%s\"", k->what, k->path.data);
	jl_buf_puts(&k->path, "/");
	e->type = IMG_TAR_DIR;
	e->path = k->path.data;
	int r = img_tarw_add(k->w, e, -1, NULL, err);
	if (r < 0)
		return r;
	size_t len = k->path.len;
	if (x->opaque) {
		jl_buf_puts(&k->path, WH_OPAQUE);
		struct img_tar_entry o = *e;
		o.path = k->path.data;
		o.type = IMG_TAR_FILE;
		o.mode = 0;
		o.xattrs = NULL;
		o.n_xattrs = 0;
		r = img_tarw_add(k->w, &o, -1, NULL, err);
		path_set_len(&k->path, len);
		if (r < 0)
			return r;
	}
	return walk_dir(k, fd, depth + 1, err);
}

static int add_special(struct walk *k, struct img_tar_entry *e, const struct stat *st,
		       struct jl_err **err)
{
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		e->type = S_ISCHR(st->st_mode) ? IMG_TAR_CHAR : IMG_TAR_BLOCK;
		e->rdev_major = major(st->st_rdev);
		e->rdev_minor = minor(st->st_rdev);
	} else if (S_ISFIFO(st->st_mode)) {
		e->type = IMG_TAR_FIFO;
	} else {
		/* sockets: tar has no type for them, and a socket of a
		 * container's process means nothing in an image */
		jl_warn("%s: \"%s\": a socket, left out of the layer", k->what, k->path.data);
		return 1;
	}
	return img_tarw_add(k->w, e, -1, NULL, err);
}

static bool is_whiteout(const struct stat *st, const struct img_commit_xattrs *x)
{
	if (S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0))
		return true;
	return S_ISREG(st->st_mode) && st->st_size == 0 && x->whiteout;
}

/* Any node but a whiteout: a hardlink to an inode already written, or the
 * node itself.  0: written; 1: skipped. */
static int add_typed(struct walk *k, int dirfd, const char *name, const struct stat *st,
		     const struct img_commit_xattrs *x, int depth, struct jl_err **err)
{
	struct img_tar_entry e = entry_from_stat(k->path.data, st);
	e.xattrs = x->v;
	e.n_xattrs = x->n;
	bool linkable = !S_ISDIR(st->st_mode) && st->st_nlink > 1;
	const char *first = linkable ? link_find(k, st) : NULL;
	if (first) {
		e.type = IMG_TAR_HARDLINK;
		e.link = first;
		return img_tarw_add(k->w, &e, -1, NULL, err);
	}
	if (S_ISDIR(st->st_mode))
		return add_dir(k, dirfd, name, &e, x, depth, err);
	int r;
	if (S_ISREG(st->st_mode))
		r = add_file(k, dirfd, name, &e, st, err);
	else if (S_ISLNK(st->st_mode))
		r = add_symlink(k, dirfd, name, &e, st, err);
	else
		r = add_special(k, &e, st, err);
	/* only what was written: a later link to a skipped node (a socket,
	 * a file that vanished) must not name it */
	if (r == 0 && linkable)
		link_add(k, st);
	return r;
}

static int add_node(struct walk *k, int dirfd, const char *name, int depth, struct jl_err **err)
{
	size_t parent_len = k->path.len;
	jl_buf_puts(&k->path, name);
	struct img_commit_xattrs x = {0};
	struct stat st;
	int r;
	if (jl_str_has_prefix(name, WH_PREFIX))
		r = jl_err_code(err, EINVAL, "%s: \"%s\": a name starting with \"" WH_PREFIX
				"\" would read as a whiteout in a layer", k->what, k->path.data);
	else if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		r = errno == ENOENT ? vanished(k)
				    : jl_err_sys(err, "%s: stat \"%s\"", k->what, k->path.data);
	else if ((r = img_commit_xattrs(dirfd, name, k->what, k->path.data, &x, err)) == -ENOENT) {
		jl_err_free(err);
		r = vanished(k);
	} else if (r >= 0 && is_whiteout(&st, &x))
		r = add_whiteout(k, parent_len, name, &st, err);
	else if (r >= 0)
		r = add_typed(k, dirfd, name, &st, &x, depth, err);
	img_commit_xattrs_free(&x);
	path_set_len(&k->path, parent_len);
	return r < 0 ? r : 0;
}

static int walk_dir(struct walk *k, int dirfd, int depth, struct jl_err **err)
{
	char **names = NULL;
	size_t n = 0;
	int r = sorted_names(dirfd, &names, &n, err);
	if (r < 0)
		return jl_err_wrap(err, "%s: \"%s\"", k->what, k->path.len ? k->path.data : ".");
	for (size_t i = 0; i < n && r >= 0; i++)
		r = add_node(k, dirfd, names[i], depth, err);
	names_free(names, n);
	return r;
}

/* "./" first: the root's mode, owner, mtime and xattrs.  The merged root
 * is the upper directory's inode, so a container's chmod of "/" is there;
 * without this entry the image's root would be whatever its unpacker made. */
static int add_root(struct walk *k, int upperfd, struct jl_err **err)
{
	struct stat st;
	if (fstat(upperfd, &st) < 0)
		return jl_err_sys(err, "%s: stat", k->what);
	jl_buf_puts(&k->path, "./");
	struct img_commit_xattrs x = {0};
	int r = img_commit_xattrs(upperfd, ".", k->what, k->path.data, &x, err);
	if (r >= 0) {
		struct img_tar_entry e = entry_from_stat(k->path.data, &st);
		e.type = IMG_TAR_DIR;
		e.xattrs = x.v;
		e.n_xattrs = x.n;
		r = img_tarw_add(k->w, &e, -1, NULL, err);
	}
	img_commit_xattrs_free(&x);
	path_set_len(&k->path, 0);
	return r;
}

int img_commit_write_layer(int upperfd, const char *what, int out_fd,
			   char diff_id[IMG_DIGEST_MAX], uint64_t *size, struct jl_err **err)
{
	struct walk k = {.w = img_tarw_new(out_fd), .what = what};
	jl_buf_puts(&k.path, "");
	int r = add_root(&k, upperfd, err);
	if (r >= 0)
		r = walk_dir(&k, upperfd, 0, err);
	if (r >= 0)
		r = img_tarw_finish(k.w, diff_id, size, err);
	for (size_t i = 0; i < k.cap_links; i++)
		free(k.links[i].path);
	free(k.links);
	jl_buf_free(&k.path);
	img_tarw_free(k.w);
	return r;
}
