/* The xattrs of an upper directory's entry: the ones a layer carries, and
 * overlayfs' own markers read back (opaque, xattr whiteouts) or refused
 * (redirect, metacopy: they describe content in a lower layer, which a tar
 * of the upper alone cannot hold; jaula's mounts never enable them).
 * jaula mounts overlayfs without userxattr, so the markers are trusted.*. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "image/commit_internal.h"
#include "runtime/paths.h"

#define OVL_XATTR "trusted.overlay."

void img_commit_xattrs_free(struct img_commit_xattrs *x)
{
	for (size_t i = 0; i < x->n; i++)
		free((void *)x->v[i].value);
	free(x->v);
	free(x->names);
}

/* What a layer carries: user.* and file capabilities.  trusted.* is the
 * host's (overlayfs' bookkeeping, above all), security.selinux and friends
 * belong to the host's policy, not the image. */
static bool xattr_kept(const char *name)
{
	return jl_str_has_prefix(name, "user.") || strcmp(name, "security.capability") == 0;
}

/* "/proc/self/fd/DIR/NAME": the l*xattr calls then act on NAME in the
 * directory already open, without following NAME if it is a symlink. */
static char *node_proc_path(int dirfd, const char *name)
{
	char fdp[JL_FD_PATH_MAX];
	return xasprintf("%s/%s", jl_fd_path(dirfd, fdp), name);
}

static int get_value(const char *p, const char *name, void **val, size_t *len)
{
	for (;;) {
		ssize_t n = lgetxattr(p, name, NULL, 0);
		if (n < 0)
			return -errno;
		void *buf = xmalloc((size_t)n + 1);
		ssize_t k = lgetxattr(p, name, buf, (size_t)n);
		if (k >= 0) {
			*val = buf;
			*len = (size_t)k;
			return 0;
		}
		free(buf);
		if (errno != ERANGE)
			return -errno;
	}
}

static int list_names(const char *p, char **names, size_t *len)
{
	for (;;) {
		ssize_t n = llistxattr(p, NULL, 0);
		if (n < 0)
			return errno == ENOTSUP ? 0 : -errno;
		if (n == 0)
			return 0;
		char *buf = xmalloc((size_t)n);
		ssize_t k = llistxattr(p, buf, (size_t)n);
		if (k >= 0) {
			*names = buf;
			*len = (size_t)k;
			return 0;
		}
		free(buf);
		if (errno != ERANGE)
			return -errno;
	}
}

/* Read overlayfs' markers of this node, refusing what cannot be
 * represented; keep the xattrs the layer carries. */
static int overlay_xattr(const char *what, const char *path, const char *p, const char *name,
			 struct img_commit_xattrs *x, struct jl_err **err)
{
	const char *key = name + strlen(OVL_XATTR);
	if (strcmp(key, "redirect") == 0 || strcmp(key, "metacopy") == 0)
		return jl_err_code(err, ENOTSUP, "%s: \"%s\": overlayfs %s is not supported",
				   what, path, key);
	if (strcmp(key, "whiteout") == 0)
		x->whiteout = true;
	if (strcmp(key, "opaque") == 0) {
		cleanup_free void *v = NULL;
		size_t n = 0;
		if (get_value(p, name, &v, &n) < 0)
			return jl_err_sys(err, "%s: \"%s\": read %s", what, path, name);
		/* "y": opaque; "x": only "has xwhiteouts in it" (lower layers) */
		x->opaque = n == 1 && *(char *)v == 'y';
	}
	return 0;
}

static int cmp_xattr(const void *a, const void *b)
{
	return strcmp(((const struct img_tar_xattr *)a)->name,
		      ((const struct img_tar_xattr *)b)->name);
}

int img_commit_xattrs(int dirfd, const char *name, const char *what, const char *path,
		      struct img_commit_xattrs *x, struct jl_err **err)
{
	cleanup_free char *p = node_proc_path(dirfd, name);
	size_t len = 0;
	int r = list_names(p, &x->names, &len);
	if (r < 0)
		return jl_err_set(err, -r, "%s: \"%s\": list xattrs", what, path);
	for (size_t off = 0; off < len; off += strlen(x->names + off) + 1) {
		const char *n = x->names + off;
		if (jl_str_has_prefix(n, OVL_XATTR)) {
			r = overlay_xattr(what, path, p, n, x, err);
			if (r < 0)
				return r;
			continue;
		}
		if (!xattr_kept(n))
			continue;
		void *v = NULL;
		size_t vlen = 0;
		r = get_value(p, n, &v, &vlen);
		if (r == -ENODATA) /* removed since listed */
			continue;
		if (r < 0)
			return jl_err_set(err, -r, "%s: \"%s\": read xattr %s", what, path, n);
		x->v = xrealloc(x->v, (x->n + 1) * sizeof(*x->v));
		x->v[x->n++] = (struct img_tar_xattr){.name = n, .value = v, .size = vlen};
	}
	if (x->n > 1)
		qsort(x->v, x->n, sizeof(*x->v), cmp_xattr);
	return 0;
}
