/* Shared by the files of the layer unpacker (unpack.c: the entry loop and
 * the creation of each entry type; unpack_path.c: names and directories
 * inside the layer root; unpack_meta.c: owners, modes, xattrs, times).
 * Only those files include this. */
#ifndef JAULA_IMAGE_UNPACK_INTERNAL_H
#define JAULA_IMAGE_UNPACK_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "image/image_internal.h"

/* A directory whose mtime is set once everything inside it was written
 * (creating an entry in it changes it): see up_dir_later. */
struct up_dir {
	ino_t ino;
	size_t seq; /* entry order: of two records for one inode, the later wins */
	int64_t sec;
	long nsec;
};

struct unpack {
	int rootfd; /* a readable fd of the layer root (not O_PATH: fsetxattr) */
	struct stat root_st;
	const char *what;
	struct img_tar *tar;
	const struct img_tar_entry *e; /* the entry being applied */
	char *buf;                     /* file data on its way (size_buffer) */
	size_t buf_size;
	/* The parent directory of the last entry, by clean path: tar streams
	 * list a directory's entries together, so most entries need no lookup
	 * at all.  Forgotten whenever something is replaced (a cached path may
	 * then lead elsewhere). */
	char *cache_path; /* NULL: nothing cached */
	int cache_fd;
	struct stat cache_st;
	struct up_dir *dirs;
	size_t n_dirs, cap_dirs;
	uid_t euid;
	gid_t egid;
	uint64_t next_progress;
};

#define UP_BUF (1 << 20)

/* An error about the current entry: "<what>: entry \"<name>\": <text>[: strerror]". */
int up_fail(struct unpack *u, struct jl_err **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* --- unpack_path.c ------------------------------------------------------------- */

/* The archive path as a clean relative name under the root: no leading
 * "/", no "." or empty components, ".." taken off lexically and never above
 * the root (so "../../x" and "/x" both mean "x").  "" is the root itself.
 * -ENAMETOOLONG when the name or a component is too long. */
int up_clean(const char *in, char out[PATH_MAX]);
/* Split a clean name in place into parent ("" for the root) and last component. */
void up_split(char *clean, const char **parent, const char **name);

/* An fd (owned by u, valid until the next up_parent) of the directory at
 * clean path `dir`, resolved inside the root: symlinks met on the way are
 * followed as if the root were "/" (openat2 RESOLVE_IN_ROOT), so none leads
 * out.  Missing directories are created when `create`; *st describes it. */
int up_parent(struct unpack *u, const char *dir, bool create, const struct stat **st,
	      struct jl_err **err);
/* Make the directory fd (owned by the cache from now on) the cached parent for `path`. */
void up_cache_set(struct unpack *u, const char *path, int fd, const struct stat *st);
void up_cache_forget(struct unpack *u);

/* Make room for a new entry at pfd/name: a directory is removed with its
 * contents, anything else unlinked (a symlink there is replaced, never
 * followed).  With keep_dir, an existing directory stays: returns 1. */
int up_replace(struct unpack *u, int pfd, const char *name, bool keep_dir, struct jl_err **err);

/* --- unpack_meta.c ------------------------------------------------------------- */

/* Owner, mode and xattrs (and, for a non-directory, mtime) from u->e on an
 * open fd of what was just made in a directory described by pst; `fresh`:
 * created now (its owner is then known without asking). */
int up_meta_fd(struct unpack *u, int fd, const struct stat *pst, bool fresh, bool is_dir,
	       struct jl_err **err);
/* The same for pfd/name, never following it: symlinks (no mode), device
 * nodes and fifos (which must not be opened). */
int up_meta_at(struct unpack *u, int pfd, const char *name, const struct stat *pst,
	       bool is_symlink, struct jl_err **err);
/* Remember the directory (st: its stat) for the current entry's mtime;
 * up_dir_times sets them all at the end, on a walk of the root. */
void up_dir_later(struct unpack *u, const struct stat *st);
int up_dir_times(struct unpack *u, struct jl_err **err);
void up_dirs_free(struct unpack *u);

#endif
