/* Metadata of unpacked entries: owner, mode (set-id and sticky bits
 * included), xattrs and mtimes with nanoseconds.  Always on an fd of the
 * entry itself or with *at calls that do not follow its last component, so
 * a symlink is changed itself and never what it points to.
 *
 * Order matters: chown(2) clears set-id bits and file capabilities, so the
 * owner comes first, then the mode, then xattrs (security.capability), then
 * the times (which every other change would bump). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/unpack_internal.h"
#include "runtime/log.h"

/* Newer than Debian 12's kernel headers; the same number on every
 * architecture (the unified syscall table). */
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_setxattrat
#define SYS_setxattrat 463
#endif

struct up_xattr_args { /* struct xattr_args, Linux 6.13 */
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

/* --- owner ------------------------------------------------------------------------ */

/* A new inode belongs to our fsuid and to our fsgid, or to the directory's
 * group when the directory is set-gid: then chown(2) can be skipped, which
 * is most entries of most images (root-owned). */
static bool owner_needed(const struct unpack *u, const struct stat *pst, bool fresh)
{
	if (!fresh)
		return true;
	gid_t g = pst->st_mode & S_ISGID ? pst->st_gid : u->egid;
	return u->e->uid != u->euid || u->e->gid != g;
}

static int chown_failed(struct unpack *u, int errnum, struct jl_err **err)
{
	/* Without privilege, owners cannot be kept (as with tar as a user). */
	if (errnum == EPERM && u->euid != 0) {
		jl_debug("%s: entry \"%.200s\": owner %u:%u not kept: %s", u->what, u->e->path,
			 u->e->uid, u->e->gid, strerror(errnum));
		return 0;
	}
	return up_fail(u, err, errnum, "set owner %u:%u", u->e->uid, u->e->gid);
}

/* --- xattrs ------------------------------------------------------------------------ */

/* overlayfs reads its own metadata (opaque, redirect, metacopy, origin,
 * whiteout) from trusted.overlay.* (user.overlay.* with userxattr): a layer
 * that brought its own would forge what the lower layers look like. */
static bool xattr_forbidden(const char *name)
{
	return jl_str_has_prefix(name, "trusted.overlay.") ||
	       jl_str_has_prefix(name, "user.overlay.");
}

/* What the filesystem cannot store (a namespace it lacks, a value too big)
 * is skipped; anything else is an error. */
static int xattr_failed(struct unpack *u, const char *name, int errnum, struct jl_err **err)
{
	if (errnum == EOPNOTSUPP || errnum == E2BIG) {
		jl_debug("%s: entry \"%.200s\": xattr %s not stored: %s", u->what, u->e->path, name,
			 strerror(errnum));
		return 0;
	}
	return up_fail(u, err, errnum, "set xattr %.100s", name);
}

/* setxattr on pfd/name without following it.  Before Linux 6.13 (no
 * setxattrat): lsetxattr through /proc/self/fd/N, which resolves to exactly
 * the directory fd N and then looks up name without following it. */
static int setxattr_at(int pfd, const char *name, const struct img_tar_xattr *x)
{
	struct up_xattr_args a = {.value = (uintptr_t)x->value, .size = (uint32_t)x->size};
	if (x->size > UINT32_MAX) {
		errno = E2BIG;
		return -1;
	}
	if (syscall(SYS_setxattrat, pfd, name, AT_SYMLINK_NOFOLLOW, x->name, &a, sizeof(a)) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", pfd, name);
	return lsetxattr(path, x->name, x->value, x->size, 0);
}

/* fd >= 0: on fd; else on pfd/name. */
static int set_xattrs(struct unpack *u, int fd, int pfd, const char *name, struct jl_err **err)
{
	for (size_t i = 0; i < u->e->n_xattrs; i++) {
		const struct img_tar_xattr *x = &u->e->xattrs[i];
		if (xattr_forbidden(x->name)) {
			jl_debug("%s: entry \"%.200s\": xattr %s dropped", u->what, u->e->path, x->name);
			continue;
		}
		int r = fd >= 0 ? fsetxattr(fd, x->name, x->value, x->size, 0)
				: setxattr_at(pfd, name, x);
		if (r < 0 && xattr_failed(u, x->name, errno, err) < 0)
			return -1;
	}
	return 0;
}

/* --- the entry ---------------------------------------------------------------------- */

static void entry_times(const struct unpack *u, struct timespec ts[2])
{
	ts[0].tv_sec = ts[1].tv_sec = (time_t)u->e->mtime_sec;
	ts[0].tv_nsec = ts[1].tv_nsec = u->e->mtime_nsec;
}

int up_meta_fd(struct unpack *u, int fd, const struct stat *pst, bool fresh, bool is_dir,
	       struct jl_err **err)
{
	const struct img_tar_entry *e = u->e;
	if (owner_needed(u, pst, fresh) && fchown(fd, e->uid, e->gid) < 0 &&
	    chown_failed(u, errno, err) < 0)
		return jl_err_status(*err);
	if (fchmod(fd, e->mode) < 0)
		return up_fail(u, err, errno, "set mode %04o", (unsigned)e->mode);
	if (set_xattrs(u, fd, -1, NULL, err) < 0)
		return jl_err_status(*err);
	if (is_dir) /* at the end: its entries change it */
		return 0;
	struct timespec ts[2];
	entry_times(u, ts);
	if (futimens(fd, ts) < 0)
		return up_fail(u, err, errno, "set mtime");
	return 0;
}

/* chmod that never follows name.  Before Linux 6.6 (no fchmodat2): name was
 * made by mknodat a moment ago in a directory only this process writes,
 * so it is that node, not a symlink. */
static int chmod_at(int pfd, const char *name, mode_t mode)
{
	if (syscall(SYS_fchmodat2, pfd, name, mode, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	return fchmodat(pfd, name, mode, 0);
}

int up_meta_at(struct unpack *u, int pfd, const char *name, const struct stat *pst,
	       bool is_symlink, struct jl_err **err)
{
	const struct img_tar_entry *e = u->e;
	if (owner_needed(u, pst, true) &&
	    fchownat(pfd, name, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    chown_failed(u, errno, err) < 0)
		return jl_err_status(*err);
	if (!is_symlink && chmod_at(pfd, name, e->mode) < 0)
		return up_fail(u, err, errno, "set mode %04o", (unsigned)e->mode);
	if (set_xattrs(u, -1, pfd, name, err) < 0)
		return jl_err_status(*err);
	struct timespec ts[2];
	entry_times(u, ts);
	if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return up_fail(u, err, errno, "set mtime");
	return 0;
}

/* --- directories' times, at the end ------------------------------------------------- */

/* Recorded by inode, not by path: a layer's paths can be long and many (a
 * path each would let a hostile layer take gigabytes of memory), and a
 * directory a later entry replaced or moved behind a symlink is simply not
 * met again.  The walk at the end finds each recorded inode where it is. */
void up_dir_later(struct unpack *u, const struct stat *st)
{
	if (u->n_dirs == u->cap_dirs) {
		u->cap_dirs = u->cap_dirs ? 2 * u->cap_dirs : 256;
		u->dirs = xrealloc(u->dirs, u->cap_dirs * sizeof(*u->dirs));
	}
	u->dirs[u->n_dirs] = (struct up_dir){
		.ino = st->st_ino,
		.seq = u->n_dirs,
		.sec = u->e->mtime_sec,
		.nsec = u->e->mtime_nsec,
	};
	u->n_dirs++;
}

static int dir_cmp(const void *a, const void *b)
{
	const struct up_dir *x = a, *y = b;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int ino_cmp(const void *key, const void *elem)
{
	ino_t k = *(const ino_t *)key, e = ((const struct up_dir *)elem)->ino;
	return k < e ? -1 : k > e;
}

/* Sorted by inode, one record per inode: the last entry of a directory wins. */
static void dirs_index(struct unpack *u)
{
	qsort(u->dirs, u->n_dirs, sizeof(*u->dirs), dir_cmp);
	size_t n = 0;
	for (size_t i = 0; i < u->n_dirs; i++) {
		if (n > 0 && u->dirs[n - 1].ino == u->dirs[i].ino)
			n--;
		u->dirs[n++] = u->dirs[i];
	}
	u->n_dirs = n;
}

static int set_dir_time(struct unpack *u, int fd, ino_t ino, const char *name,
			struct jl_err **err)
{
	const struct up_dir *d = bsearch(&ino, u->dirs, u->n_dirs, sizeof(*d), ino_cmp);
	if (!d)
		return 0;
	struct timespec ts[2] = {{(time_t)d->sec, d->nsec}, {(time_t)d->sec, d->nsec}};
	if (futimens(fd, ts) < 0)
		return jl_err_sys(err, "%s: directory \"%.200s\": set mtime", u->what, name);
	return 0;
}

/* Depth-first over the directories under dfd (never through a symlink). */
static int walk_dirs(struct unpack *u, int dfd, struct jl_err **err)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return jl_err_sys(err, "%s: read a directory to set its times", u->what);
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (errno = 0, de = readdir(d))) {
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		int sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			if (errno != ENOTDIR && errno != ELOOP)
				r = jl_err_sys(err, "%s: directory \"%.200s\": open", u->what,
					       de->d_name);
			continue;
		}
		r = walk_dirs(u, sub, err);
		if (r == 0)
			r = set_dir_time(u, sub, de->d_ino, de->d_name, err);
		close(sub);
	}
	if (r == 0 && errno)
		r = jl_err_sys(err, "%s: read a directory to set its times", u->what);
	closedir(d);
	return r;
}

int up_dir_times(struct unpack *u, struct jl_err **err)
{
	if (!u->n_dirs)
		return 0;
	dirs_index(u);
	int r = walk_dirs(u, u->rootfd, err);
	if (r == 0)
		r = set_dir_time(u, u->rootfd, u->root_st.st_ino, "/", err);
	return r;
}

void up_dirs_free(struct unpack *u)
{
	free(u->dirs);
	u->dirs = NULL;
	u->n_dirs = u->cap_dirs = 0;
}
