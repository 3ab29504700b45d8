/* `jaula image commit CONTAINER NAME[:TAG]`: the container's image plus
 * one layer made of its upper directory (commit_layer.c), stored
 * uncompressed (application/vnd.oci.image.layer.v1.tar, so the blob
 * digest is the diff_id), with the base config plus that diff_id and a
 * history entry, and a new OCI manifest.  The layer is unpacked at once so
 * the new image runs without an import.
 *
 * A running container is not paused: its upper directory is read as it
 * is, so writes it makes during the commit may or may not be in the layer
 * (as `podman commit` without --pause).  An entry deleted meanwhile is
 * left out; a file that changes size or is replaced while it is read fails
 * the commit instead of tearing the layer. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "image/commit_internal.h"
#include "image/store_internal.h"

/* A container id names one directory under containers/: never a path. */
static bool id_valid(const char *id)
{
	return id && *id && !strchr(id, '/') && strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

static int open_container(struct img_store *s, const char *id, struct jl_err **err)
{
	if (!id_valid(id))
		return jl_err_code(err, EINVAL, "container \"%s\": not a valid id", id ? id : "");
	cleanup_free char *rel = xasprintf("containers/%s", id);
	int fd = openat(img_store_fd(s), rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return jl_err_code(err, ENOENT, "container \"%s\" does not exist", id);
	if (fd < 0)
		return jl_err_sys(err, "container \"%s\": open", id);
	return fd;
}

/* containers/<id>/image: the manifest digest the container was made from. */
static int read_image_digest(int ctrfd, const char *id, char out[IMG_DIGEST_MAX],
			     struct jl_err **err)
{
	cleanup_free char *text = NULL;
	size_t len = 0;
	int r = jl_read_file_at(ctrfd, "image", 256, &text, &len, err);
	if (r < 0)
		return jl_err_wrap(err, "container \"%s\"", id);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	if (!img_digest_valid(text))
		return jl_err_code(err, EINVAL, "container \"%s\": image: not a digest", id);
	memcpy(out, text, len + 1);
	return 0;
}

/* An anonymous file under blobs/tmp (the blobs' filesystem); a named one,
 * unlinked at once, where O_TMPFILE is not supported. */
static int open_tmp(struct img_store *s, struct jl_err **err)
{
	int fd = openat(img_store_fd(s), "blobs/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd >= 0 ? fd : jl_err_sys(err, "create a file in blobs/tmp");
	char name[IMG_TMPNAME_MAX];
	img_tmpname("blobs/tmp/commit-", name);
	fd = openat(img_store_fd(s), name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC | O_NOFOLLOW,
		    0600);
	if (fd < 0)
		return jl_err_sys(err, "create \"%s\"", name);
	unlinkat(img_store_fd(s), name, 0);
	return fd;
}

/* The layer blob; *size its bytes, diff_id its digest (uncompressed). */
static int write_layer(struct img_store *s, int ctrfd, const char *id,
		       char diff_id[IMG_DIGEST_MAX], int64_t *size, struct jl_err **err)
{
	cleanup_close int upper =
		openat(ctrfd, "upper", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (upper < 0)
		return jl_err_sys(err, "container \"%s\": open upper", id);
	cleanup_close int tmp = open_tmp(s, err);
	if (tmp < 0)
		return tmp;
	cleanup_free char *what = xasprintf("container \"%s\": upper", id);
	uint64_t n = 0;
	int r = img_commit_write_layer(upper, what, tmp, diff_id, &n, err);
	if (r < 0)
		return r;
	if (lseek(tmp, 0, SEEK_SET) < 0)
		return jl_err_sys(err, "%s: rewind layer", what);
	char stored[IMG_DIGEST_MAX];
	r = img_blob_put_fd(s, tmp, diff_id, (int64_t)n, NULL, stored, err);
	if (r < 0)
		return jl_err_wrap(err, "%s: store layer", what);
	*size = (int64_t)n;
	return 0;
}

/* Docker's layer media types name the same bytes as OCI's. */
static const struct {
	const char *docker, *oci;
} layer_types[] = {
	{"application/vnd.docker.image.rootfs.diff.tar", IMG_MT_OCI_LAYER},
	{"application/vnd.docker.image.rootfs.diff.tar.gzip", IMG_MT_OCI_LAYER_GZIP},
	{"application/vnd.docker.image.rootfs.diff.tar.zstd", IMG_MT_OCI_LAYER_ZSTD},
	{"application/vnd.docker.image.rootfs.foreign.diff.tar",
	 "application/vnd.oci.image.layer.nondistributable.v1.tar"},
	{"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
	 "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"},
};

static const char *oci_layer_type(const char *media_type)
{
	if (jl_str_has_prefix(media_type, "application/vnd.oci.image.layer."))
		return media_type;
	for (size_t i = 0; i < ARRAY_SIZE(layer_types); i++)
		if (strcmp(media_type, layer_types[i].docker) == 0)
			return layer_types[i].oci;
	return NULL;
}

/* An OCI manifest (whatever the base's was: a docker manifest cannot name
 * an OCI layer) of the new config, the base layers and the new one. */
static int write_manifest(const struct img_loaded *b, const char *cfg_digest, size_t cfg_len,
			  const char *diff_id, int64_t size, struct jl_buf *out,
			  struct jl_err **err)
{
	size_t n = b->manifest.n_layers;
	cleanup_free struct img_descriptor *layers = xcalloc(n + 1, sizeof(*layers));
	for (size_t i = 0; i < n; i++) {
		layers[i] = b->manifest.layers[i];
		layers[i].media_type = (char *)oci_layer_type(layers[i].media_type);
		layers[i].ref_name = NULL;
		if (!layers[i].media_type)
			return jl_err_code(err, EINVAL, "manifest %s: layers[%zu]: media type "
					   "\"%s\" has no OCI spelling", b->digest, i,
					   b->manifest.layers[i].media_type);
	}
	layers[n] = (struct img_descriptor){
		.media_type = IMG_MT_OCI_LAYER, .digest = (char *)diff_id, .size = size};
	struct img_manifest m = {
		.media_type = IMG_MT_OCI_MANIFEST,
		.config = {.media_type = IMG_MT_OCI_CONFIG, .digest = (char *)cfg_digest,
			   .size = (int64_t)cfg_len},
		.layers = layers,
		.n_layers = n + 1,
	};
	img_manifest_write(&m, out);
	return 0;
}

/* The new config and manifest blobs; the manifest digest into out. */
static int write_documents(struct img_store *s, const struct img_loaded *b, const char *id,
			   const char *diff_id, int64_t size, char out[IMG_DIGEST_MAX],
			   struct jl_err **err)
{
	cleanup_free char *created_by = xasprintf("jaula image commit %s", id);
	cleanup_free char *what = xasprintf("config %s", b->manifest.config.digest);
	struct jl_buf cfg = {0}, man = {0};
	char cfg_digest[IMG_DIGEST_MAX];
	int r = img_config_append_layer(b->config_text, b->config_len, what, diff_id, NULL,
					created_by, &cfg, err);
	if (r >= 0)
		r = img_blob_put_mem(s, cfg.data, cfg.len, cfg_digest, err);
	if (r >= 0)
		r = write_manifest(b, cfg_digest, cfg.len, diff_id, size, &man, err);
	if (r >= 0)
		r = img_blob_put_mem(s, man.data, man.len, out, err);
	jl_buf_free(&cfg);
	jl_buf_free(&man);
	return r;
}

/* Layer, config and manifest blobs, the layer unpacked under its chain id,
 * the name: from here on `jaula run NAME` works. */
static int make_image(struct img_store *s, int ctrfd, const struct img_loaded *b,
		      const char *id, const char *name, char manifest[IMG_DIGEST_MAX],
		      struct jl_err **err)
{
	char diff_id[IMG_DIGEST_MAX], chain[IMG_DIGEST_MAX];
	int64_t size = 0;
	int r = write_layer(s, ctrfd, id, diff_id, &size, err);
	if (r < 0)
		return r;
	r = write_documents(s, b, id, diff_id, size, manifest, err);
	if (r >= 0) {
		size_t n = b->manifest.n_layers;
		if (n)
			img_chain_id(b->chains[n - 1], diff_id, chain);
		else
			memcpy(chain, diff_id, IMG_DIGEST_MAX);
		/* the blob is the uncompressed layer: its digest is the diff_id */
		r = img_layer_unpack(s, chain, diff_id, diff_id, NULL, err);
	}
	if (r >= 0)
		r = img_names_set(s, name, manifest, err);
	return r < 0 ? jl_err_wrap(err, "commit container \"%s\"", id) : 0;
}

int img_commit(struct img_store *s, const char *id, const char *ref, char **digest,
	       struct jl_err **err)
{
	cleanup_free char *name = NULL;
	int r = img_ref_normalise(ref, &name, err);
	if (r < 0)
		return r;
	cleanup_close int ctrfd = open_container(s, id, err);
	if (ctrfd < 0)
		return ctrfd;
	char base_digest[IMG_DIGEST_MAX], manifest[IMG_DIGEST_MAX];
	r = read_image_digest(ctrfd, id, base_digest, err);
	if (r < 0)
		return r;
	/* prune must not take the blobs of an image not yet named */
	r = img_store_gc_hold(s, err);
	if (r < 0)
		return r;
	struct img_loaded base = {0};
	r = img_load(s, base_digest, &base, err);
	if (r >= 0)
		r = make_image(s, ctrfd, &base, id, name, manifest, err);
	img_loaded_free(&base);
	img_store_gc_release(s);
	if (r < 0)
		return r;
	if (digest)
		*digest = xstrdup(manifest);
	return 0;
}
