/* A root filesystem tarball (.tar, .tar.gz, .tar.zst) as a one-layer image,
 * as `podman import` makes one: the file itself is the layer blob (with
 * the media type of its compression), its diff_id is what unpacking it
 * yields, and jaula writes the config (this machine, PATH set) and the
 * manifest. */
#include <string.h>
#include <sys/stat.h>

#include "image/import_internal.h"

static int write_docs(struct import *im, const char *blob, int64_t size, int comp,
		      const char *diff_id, struct jl_err **err)
{
	const char *ids[] = {diff_id};
	struct jl_buf cfg = {0};
	img_config_write_new(ids, 1, "jaula image import", &cfg);
	char cfg_digest[IMG_DIGEST_MAX];
	int r = img_blob_put_mem(im->s, cfg.data, cfg.len, cfg_digest, err);
	struct img_descriptor layer = {
		.media_type = (char *)img_layer_media_type(comp),
		.digest = (char *)blob,
		.size = size,
	};
	struct img_manifest m = {
		.config = {.media_type = IMG_MT_OCI_CONFIG, .digest = cfg_digest,
			   .size = (int64_t)cfg.len},
		.layers = &layer,
		.n_layers = 1,
	};
	jl_buf_free(&cfg);
	if (r < 0)
		return r;
	struct jl_buf man = {0};
	img_manifest_write(&m, &man);
	r = img_blob_put_mem(im->s, man.data, man.len, im->manifest, err);
	jl_buf_free(&man);
	return r;
}

static ssize_t import_read(void *arg, void *buf, size_t n, struct jl_err **err)
{
	for (;;) {
		ssize_t r = read(*(int *)arg, buf, n);
		if (r >= 0 || errno != EINTR)
			return r >= 0 ? r : jl_err_sys(err, "read");
	}
}

int import_rootfs(struct import *im, int fd, struct jl_err **err)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return jl_err_sys(err, "stat");
	/* read twice: its first entries told what it is, then it is copied */
	if (!S_ISREG(st.st_mode) || lseek(fd, 0, SEEK_SET) < 0)
		return jl_err_code(err, EINVAL, "a root filesystem tarball must be a regular file");
	char blob[IMG_DIGEST_MAX], diff_id[IMG_DIGEST_MAX];
	/* The size is the one it had when the import began: a file growing
	 * under the copy fails it instead of storing a blob nobody checked. */
	int64_t size = (int64_t)st.st_size;
	int r = img_blob_put_stream(im->s, import_read, &fd, NULL, size, "rootfs tarball", im->p,
				    blob, err);
	if (r < 0)
		return r;
	int64_t have;
	if (img_blob_size(im->s, blob, &have) < 0)
		return jl_err_code(err, EIO, "blob %s vanished from the store", blob);
	int comp = import_sniff_compression(im->s, blob, err);
	if (comp < 0)
		return comp;
	bool created = false;
	if (comp == 0) {
		/* uncompressed: the blob is the layer, its digest the diff_id (and a
		 * base layer's chain id) -- an import of it again unpacks nothing */
		snprintf(diff_id, sizeof(diff_id), "%s", blob);
		r = img_layer_unpack_ex(im->s, blob, blob, blob, im->p, &created, err);
	} else {
		r = img_layer_unpack_base(im->s, blob, im->p, diff_id, &created, err);
	}
	if (created)
		import_note_created(im, diff_id);
	if (r < 0)
		return r;
	return write_docs(im, blob, have, comp, diff_id, err);
}
