/* An OCI image layout directory (image-spec image-layout.md): oci-layout,
 * index.json, blobs/<alg>/<hex>.  Only the blobs the chosen manifest
 * reaches are read, each copied into the store through the hash that
 * verifies it.  Blob paths come from validated digests and are resolved
 * inside the layout (openat2 RESOLVE_IN_ROOT): a symlinked blob cannot
 * make the import read outside it. */
#include <string.h>
#include <sys/stat.h>

#include "image/import_internal.h"
#include "image/oci_read.h"
#include "runtime/paths.h"

static int layout_fetch(struct import *im, const struct img_descriptor *d, const char *role,
			struct jl_err **err)
{
	char path[96], sh[IMG_DIGEST_SHORT_MAX];
	snprintf(path, sizeof(path), "blobs/sha256/%s", img_digest_hex(d->digest));
	cleanup_close int fd = jl_open_in_root(im->layout_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd == -ENOENT)
		return jl_err_code(err, ENOENT, "%s: blob %s is missing", role,
				   img_digest_short(d->digest, sh));
	if (fd < 0)
		return jl_err_set(err, -fd, "%s: open \"%s\"", role, path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return jl_err_sys(err, "%s: stat \"%s\"", role, path);
	/* a FIFO or a device would block or never end */
	if (!S_ISREG(st.st_mode))
		return jl_err_code(err, EINVAL, "%s: \"%s\" is not a regular file", role, path);
	int r = img_blob_put_fd(im->s, fd, d->digest, d->size, im->p, NULL, err);
	return r < 0 ? jl_err_wrap(err, "%s", role) : 0;
}

/* oci-layout: {"imageLayoutVersion": "1.0.0"}; any 1.x reads the same. */
int import_check_layout_file(const char *text, size_t len, struct jl_err **err)
{
	jl_json_val doc = NULL;
	int r = oci_json_tree(text, len, "oci-layout", &doc, err);
	if (r < 0)
		return r;
	const char *v;
	r = oci_get_string(doc, "imageLayoutVersion", true, "oci-layout", "", &v, err);
	if (r == 0 && !jl_str_has_prefix(v, "1.")) {
		char q[IMG_QUOTE_MAX];
		r = jl_err_code(err, ENOTSUP, "oci-layout: imageLayoutVersion \"%s\" is not "
				"supported (1.x)", img_quote(v, q));
	}
	jl_json_free(doc);
	return r;
}

static int read_doc(int dirfd, const char *name, char **text, size_t *len, struct jl_err **err)
{
	cleanup_close int fd = jl_open_in_root(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd == -ENOENT)
		return jl_err_code(err, ENOENT, "not an OCI image layout: no %s", name);
	if (fd < 0)
		return jl_err_set(err, -fd, "open \"%s\"", name);
	return import_read_fd(fd, name, text, len, err);
}

int import_layout(struct import *im, const char *dir, struct jl_err **err)
{
	im->layout_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (im->layout_fd < 0)
		return jl_err_sys(err, "open");
	im->fetch = layout_fetch;
	cleanup_free char *layout = NULL, *index = NULL;
	size_t layout_len = 0, index_len = 0;
	int r = read_doc(im->layout_fd, "oci-layout", &layout, &layout_len, err);
	if (r == 0)
		r = import_check_layout_file(layout, layout_len, err);
	if (r == 0)
		r = read_doc(im->layout_fd, "index.json", &index, &index_len, err);
	if (r == 0)
		r = import_from_index(im, index, index_len, "index.json", err);
	return r;
}
