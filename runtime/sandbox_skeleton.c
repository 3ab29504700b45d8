/* The root of a sandbox without binds and without an image is the same for
 * every such sandbox on this host: mount points and merged-/usr links, which
 * the container mounts over and then makes read-only.  So root's sandboxes
 * share one, made once per boot as /run/jaula-sbxroot-<key> (key: the
 * host's layout, sbx_rootfs_layout), instead of making and removing a tree
 * each (a tenth of a short sandbox's time).
 *
 * Only for root: the tree is root's, 0755, in root's /run, and a sandbox of
 * root runs as SBX_ROOT_HOST_ID, which can write none of it even through a
 * writable bind of /run -- so no sandbox can leave anything there for the
 * next one (an /etc/ld.so.preload, say).  An ordinary user's sandbox runs as
 * that user, who owns its own directories: it keeps a tree of its own. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/log.h"
#include "runtime/sandbox_internal.h"

#define SKELETON_PARENT "/run"
#define SKELETON_PREFIX "jaula-sbxroot-"

/* Ours and as we made it: a directory of root's, not a link, writable by
 * root alone. */
static bool trusted(const char *path)
{
	cleanup_close int fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	return fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == 0 && (st.st_mode & 07777) == 0755;
}

/* Made aside and renamed into place: a sandbox never sees half a tree, and
 * of two made at once one wins and the other is removed. */
static int build(const char *path, const struct sbx_plan *p, struct jl_err **err)
{
	cleanup_free char *tmp = xasprintf("%s.XXXXXX", path);
	if (!mkdtemp(tmp))
		return jl_err_sys(err, "create \"%s\"", tmp);
	cleanup_close int fd = open(tmp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r = fd < 0 ? jl_err_sys(err, "open \"%s\"", tmp) : 0;
	if (r == 0 && chmod(tmp, 0755) < 0)
		r = jl_err_sys(err, "chmod \"%s\"", tmp);
	if (r == 0)
		r = sbx_rootfs_prepare(fd, p, err);
	if (r == 0 && rename(tmp, path) < 0 && errno != EEXIST && errno != ENOTEMPTY)
		r = jl_err_sys(err, "rename \"%s\"", tmp);
	if (r < 0 || access(tmp, F_OK) == 0) /* failed, or lost the race */
		jl_remove_tree_at(AT_FDCWD, tmp, NULL);
	return r;
}

char *sbx_skeleton(const struct sbx_plan *p)
{
	if (geteuid() != 0 || p->n_binds > 0 || p->from_image)
		return NULL;
	struct jl_buf layout = {0};
	sbx_rootfs_layout(&p->host, &layout);
	char key[65];
	img_sha256_hex(layout.data ? layout.data : "", layout.len, key);
	jl_buf_free(&layout);
	key[16] = 0;
	char *path = xasprintf(SKELETON_PARENT "/" SKELETON_PREFIX "%s", key);
	if (trusted(path))
		return path;
	struct jl_err *e = NULL;
	if (access(path, F_OK) < 0 && build(path, p, &e) == 0 && trusted(path))
		return path;
	/* Someone else's, or it could not be made: a tree of our own will do. */
	jl_debug("sandbox: no shared root at \"%s\"%s%s", path, e ? ": " : "", e ? e->msg : "");
	jl_err_free(&e);
	free(path);
	return NULL;
}
