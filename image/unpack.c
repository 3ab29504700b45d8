/* Applying a layer tar to an empty directory, as one overlayfs lower layer
 * (image-spec layer.md): every entry type tar has, whiteouts as overlayfs
 * whiteouts, and nothing ever written outside the layer root whatever the
 * archive says.
 *
 * libarchive only reads (tar.c); files are made here with *at calls
 * relative to a directory fd resolved inside the root (unpack_path.c), each
 * refusing to follow the entry's own name: O_CREAT|O_EXCL|O_NOFOLLOW,
 * mkdirat, symlinkat, mknodat, linkat without AT_SYMLINK_FOLLOW.  Whatever
 * is already at a name (an earlier entry of the same path) is removed first,
 * never written through.  Metadata: unpack_meta.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/unpack_internal.h"
#include "runtime/log.h"
#include "runtime/paths.h"

#define PROGRESS_STEP (16ULL << 20)
#define WH_PREFIX ".wh."
#define WH_META_PREFIX ".wh..wh."
#define WH_OPAQUE ".wh..wh..opq"
#define OVERLAY_OPAQUE "trusted.overlay.opaque"

int up_fail(struct unpack *u, struct jl_err **err, int errnum, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	const char *name = u->e ? u->e->path : "";
	bool cut = strlen(name) > 200;
	int r;
	if (errnum)
		r = jl_err_set(err, errnum, "%s: entry \"%.200s%s\": %s", u->what, name,
			       cut ? "..." : "", text ? text : "");
	else
		r = jl_err_code(err, EINVAL, "%s: entry \"%.200s%s\": %s", u->what, name,
				cut ? "..." : "", text ? text : "");
	free(text);
	return r;
}

/* --- each entry type --------------------------------------------------------------- */

/* The data buffer grows with the largest file so far, up to UP_BUF: a
 * layer of small files needs no megabyte. */
static void size_buffer(struct unpack *u, int64_t size)
{
	size_t want = size >= UP_BUF ? UP_BUF : size < 65536 ? 65536 : (size_t)size;
	if (want <= u->buf_size)
		return;
	free(u->buf);
	u->buf = xmalloc(want);
	u->buf_size = want;
}

static int write_data(struct unpack *u, int fd, struct jl_err **err)
{
	size_buffer(u, u->e->size);
	for (;;) {
		ssize_t n = img_tar_read(u->tar, u->buf, u->buf_size, err);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return 0;
		if (jl_write_all(fd, u->buf, (size_t)n) < 0)
			return up_fail(u, err, errno, "write");
	}
}

static int make_file(struct unpack *u, int pfd, const char *name, const struct stat *pst,
		     struct jl_err **err)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	cleanup_close int fd = openat(pfd, name, flags, 0600);
	if (fd < 0 && errno == EEXIST) {
		int r = up_replace(u, pfd, name, false, err);
		if (r < 0)
			return r;
		fd = openat(pfd, name, flags, 0600);
	}
	if (fd < 0)
		return up_fail(u, err, errno, "create file");
	int r = write_data(u, fd, err);
	if (r < 0)
		return r;
	return up_meta_fd(u, fd, pst, true, false, err);
}

static int make_dir(struct unpack *u, int pfd, const char *name, const char *path,
		    const struct stat *pst, struct jl_err **err)
{
	bool fresh = true;
	if (mkdirat(pfd, name, 0700) < 0) {
		if (errno != EEXIST)
			return up_fail(u, err, errno, "create directory");
		/* A directory over a directory keeps it (and what is in it). */
		int r = up_replace(u, pfd, name, true, err);
		if (r < 0)
			return r;
		fresh = r == 0;
		if (fresh && mkdirat(pfd, name, 0700) < 0)
			return up_fail(u, err, errno, "create directory");
	}
	int fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return up_fail(u, err, errno, "open directory");
	struct stat st;
	int r = up_meta_fd(u, fd, pst, fresh, true, err);
	if (r == 0 && fstat(fd, &st) < 0)
		r = up_fail(u, err, errno, "stat directory");
	if (r < 0) {
		close(fd);
		return r;
	}
	up_dir_later(u, &st);
	/* Its entries usually come next: it is their parent. */
	up_cache_set(u, path, fd, &st);
	return 0;
}

static int make_symlink(struct unpack *u, int pfd, const char *name, const struct stat *pst,
			struct jl_err **err)
{
	/* The target is stored as written: it is resolved later inside the
	 * container's root, never by the unpacker. */
	if (!*u->e->link || strnlen(u->e->link, PATH_MAX) >= PATH_MAX)
		return up_fail(u, err, EINVAL, "symlink target empty or too long");
	int r = symlinkat(u->e->link, pfd, name);
	if (r < 0 && errno == EEXIST) {
		if ((r = up_replace(u, pfd, name, false, err)) < 0)
			return r;
		r = symlinkat(u->e->link, pfd, name);
	}
	if (r < 0)
		return up_fail(u, err, errno, "create symlink");
	return up_meta_at(u, pfd, name, pst, true, err);
}

static int make_node(struct unpack *u, int pfd, const char *name, const struct stat *pst,
		     struct jl_err **err)
{
	const struct img_tar_entry *e = u->e;
	mode_t type = e->type == IMG_TAR_CHAR ? S_IFCHR : e->type == IMG_TAR_BLOCK ? S_IFBLK : S_IFIFO;
	dev_t dev = type == S_IFIFO ? 0 : makedev(e->rdev_major, e->rdev_minor);
	int r = mknodat(pfd, name, type | 0600, dev);
	if (r < 0 && errno == EEXIST) {
		if ((r = up_replace(u, pfd, name, false, err)) < 0)
			return r;
		r = mknodat(pfd, name, type | 0600, dev);
	}
	if (r < 0)
		return up_fail(u, err, errno, "create %s", type == S_IFIFO ? "fifo" : "device node");
	return up_meta_at(u, pfd, name, pst, false, err);
}

/* A hardlink's target is an archive path: resolved inside the root like
 * any name ("/etc/x" is root/etc/x), and it must be something this layer
 * made (the root started empty).  linkat without AT_SYMLINK_FOLLOW links
 * a symlink itself, never what it points to.  The link shares the target's
 * inode, so its own header's metadata is not applied. */
static int make_hardlink(struct unpack *u, int pfd, const char *parent, const char *name,
			 const char *path, struct jl_err **err)
{
	char target[PATH_MAX];
	if (up_clean(u->e->link, target) < 0)
		return up_fail(u, err, ENAMETOOLONG, "hardlink target");
	if (!*target)
		return up_fail(u, err, 0, "hardlink to the layer root");
	if (!strcmp(target, path))
		return up_fail(u, err, 0, "hardlink to itself");
	const char *tparent, *tname;
	up_split(target, &tparent, &tname);
	cleanup_close int own = -1;
	int tfd = pfd;
	if (strcmp(tparent, parent) != 0) {
		own = jl_open_in_root(u->rootfd, tparent, O_PATH | O_DIRECTORY);
		if (own < 0)
			return up_fail(u, err, own == -ENOENT ? 0 : -own,
				       "hardlink target \"%.200s\" is not in this layer", u->e->link);
		tfd = own;
	}
	int r = linkat(tfd, tname, pfd, name, 0);
	if (r < 0 && errno == EEXIST) {
		if ((r = up_replace(u, pfd, name, false, err)) < 0)
			return r;
		r = linkat(tfd, tname, pfd, name, 0);
	}
	if (r < 0 && errno == ENOENT)
		return up_fail(u, err, 0, "hardlink target \"%.200s\" is not in this layer",
			       u->e->link);
	if (r < 0)
		return up_fail(u, err, errno, "hardlink to \"%.200s\"", u->e->link);
	return 0;
}

/* --- whiteouts (image-spec layer.md "Whiteouts") ---------------------------------- */

/* .wh.NAME hides NAME of the layers below: overlayfs's form of it is a
 * character device 0:0 named NAME.  .wh..wh..opq hides everything below
 * in its directory: overlayfs's trusted.overlay.opaque=y.  Other .wh..wh.
 * names are AUFS bookkeeping (.wh..wh.plnk, .wh..wh.aufs): nothing. */
static int apply_whiteout(struct unpack *u, const char *parent, const char *name,
			  struct jl_err **err)
{
	if (jl_str_has_prefix(name, WH_META_PREFIX) && strcmp(name, WH_OPAQUE) != 0) {
		jl_debug("%s: entry \"%.200s\": AUFS metadata, ignored", u->what, u->e->path);
		return 0;
	}
	const char *target = name + strlen(WH_PREFIX);
	if (strcmp(name, WH_OPAQUE) != 0 &&
	    (!*target || !strcmp(target, ".") || !strcmp(target, "..")))
		return up_fail(u, err, 0, "a whiteout must name an entry of its directory");
	const struct stat *pst;
	int pfd = up_parent(u, parent, true, &pst, err);
	if (pfd < 0)
		return pfd;
	if (!strcmp(name, WH_OPAQUE)) {
		if (fsetxattr(pfd, OVERLAY_OPAQUE, "y", 1, 0) < 0)
			return up_fail(u, err, errno, "make the directory opaque");
		return 0;
	}
	int r = mknodat(pfd, target, S_IFCHR, makedev(0, 0));
	if (r < 0 && errno == EEXIST) {
		if ((r = up_replace(u, pfd, target, false, err)) < 0)
			return r;
		r = mknodat(pfd, target, S_IFCHR, makedev(0, 0));
	}
	if (r < 0)
		return up_fail(u, err, errno, "create whiteout");
	return 0;
}

/* --- one entry --------------------------------------------------------------------- */

/* "./" and the like: the layer root's own metadata; anything but a
 * directory there (a symlink named ".") would replace the root itself. */
static int apply_root(struct unpack *u, struct jl_err **err)
{
	if (u->e->type != IMG_TAR_DIR)
		return up_fail(u, err, 0, "names the layer root but is not a directory");
	int r = up_meta_fd(u, u->rootfd, &u->root_st, false, true, err);
	if (r < 0)
		return r;
	if (fstat(u->rootfd, &u->root_st) < 0)
		return up_fail(u, err, errno, "stat the layer root");
	up_dir_later(u, &u->root_st);
	return 0;
}

static int apply_entry(struct unpack *u, struct jl_err **err)
{
	const struct img_tar_entry *e = u->e;
	char path[PATH_MAX], split[PATH_MAX];
	if (up_clean(e->path, path) < 0)
		return up_fail(u, err, ENAMETOOLONG, "name");
	if (!*path)
		return apply_root(u, err);
	memcpy(split, path, strlen(path) + 1);
	const char *parent, *name;
	up_split(split, &parent, &name);
	if (jl_str_has_prefix(path, WH_META_PREFIX) && strcmp(path, WH_OPAQUE) != 0) {
		/* AUFS's own directories at the top (.wh..wh.plnk, .wh..wh.orph) */
		jl_debug("%s: entry \"%.200s\": AUFS metadata, ignored", u->what, e->path);
		return 0;
	}
	if (jl_str_has_prefix(name, WH_PREFIX))
		return apply_whiteout(u, parent, name, err);
	if (e->type == IMG_TAR_OTHER)
		return up_fail(u, err, 0, "unsupported entry type (a socket?)");
	const struct stat *pst;
	int pfd = up_parent(u, parent, true, &pst, err);
	if (pfd < 0)
		return pfd;
	switch (e->type) {
	case IMG_TAR_FILE: return make_file(u, pfd, name, pst, err);
	case IMG_TAR_DIR: return make_dir(u, pfd, name, path, pst, err);
	case IMG_TAR_SYMLINK: return make_symlink(u, pfd, name, pst, err);
	case IMG_TAR_HARDLINK: return make_hardlink(u, pfd, parent, name, path, err);
	case IMG_TAR_CHAR:
	case IMG_TAR_BLOCK:
	case IMG_TAR_FIFO: return make_node(u, pfd, name, pst, err);
	default: return up_fail(u, err, 0, "unsupported entry type");
	}
}

/* --- the layer ---------------------------------------------------------------------- */

static void progress(struct unpack *u, const struct img_unpack_opts *o, bool last)
{
	if (!o || !o->progress || !o->progress->fn)
		return;
	uint64_t done = img_tar_bytes(u->tar);
	if (!last && done < u->next_progress)
		return;
	u->next_progress = done + PROGRESS_STEP;
	o->progress->fn(o->progress->arg, u->what, done, 0);
}

static int apply_all(struct unpack *u, const struct img_unpack_opts *o, struct jl_err **err)
{
	for (;;) {
		struct img_tar_entry e;
		int r = img_tar_next(u->tar, &e, err);
		if (r <= 0)
			return r;
		u->e = &e;
		r = apply_entry(u, err);
		u->e = NULL;
		if (r < 0)
			return r;
		progress(u, o, false);
	}
}

int img_unpack_layer(int rootfd, int fd, const struct img_unpack_opts *o,
		     char diff_id[IMG_DIGEST_MAX], struct jl_err **err)
{
	struct unpack u = {
		.what = o && o->what ? o->what : "layer",
		.cache_fd = -1,
		.euid = geteuid(),
		.egid = getegid(),
	};
	/* Our own readable fd of the root: the caller's may be O_PATH, and
	 * the opaque xattr and the root entry's metadata need a real one. */
	u.rootfd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (u.rootfd < 0 || fstat(u.rootfd, &u.root_st) < 0) {
		int r = jl_err_sys(err, "%s: open the layer root", u.what);
		if (u.rootfd >= 0)
			close(u.rootfd);
		return r;
	}
	int r = img_tar_open(fd, u.what, o ? &o->limits : NULL, &u.tar, err);
	if (r == 0)
		r = apply_all(&u, o, err);
	if (r == 0)
		r = img_tar_finish(u.tar, err);
	if (r == 0)
		r = up_dir_times(&u, err);
	if (r == 0) {
		img_tar_diff_id(u.tar, diff_id);
		progress(&u, o, true);
	}
	img_tar_close(u.tar);
	up_cache_forget(&u);
	if (u.cache_fd >= 0)
		close(u.cache_fd);
	up_dirs_free(&u);
	free(u.buf);
	close(u.rootfd);
	return r;
}
