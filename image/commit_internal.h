/* Private to commit*.c: the upper-directory walk that makes a commit's
 * layer, and the xattrs it reads. */
#ifndef JAULA_IMAGE_COMMIT_INTERNAL_H
#define JAULA_IMAGE_COMMIT_INTERNAL_H

#include <stdint.h>

#include "image/image_internal.h"

/* Write the layer that upperfd (an overlayfs upper directory) stands for
 * as an uncompressed tar to out_fd; diff_id and *size describe what was
 * written.  `what` prefixes errors ("container \"x\": upper"). */
int img_commit_write_layer(int upperfd, const char *what, int out_fd,
			   char diff_id[IMG_DIGEST_MAX], uint64_t *size, struct jl_err **err);

/* commit_xattr.c: what name (in dirfd) carries into a layer -- user.* and
 * security.capability, sorted by name -- and overlayfs' markers on it.
 * Redirects and metacopy are errors.  what/path name the entry in errors. */
struct img_commit_xattrs {
	struct img_tar_xattr *v;
	size_t n;
	char *names; /* llistxattr's buffer: v[].name point in it */
	bool opaque;   /* trusted.overlay.opaque = "y" */
	bool whiteout; /* trusted.overlay.whiteout (Linux 6.7 xattr whiteouts) */
};
int img_commit_xattrs(int dirfd, const char *name, const char *what, const char *path,
		      struct img_commit_xattrs *x, struct jl_err **err);
void img_commit_xattrs_free(struct img_commit_xattrs *x);

#endif
