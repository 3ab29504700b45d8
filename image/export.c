/* `jaula image export REF FILE`: an oci-archive, i.e. a tar of an OCI image
 * layout (image-spec image-layout.md): oci-layout, index.json naming the
 * manifest, blobs/sha256/<hex> for the manifest, the config and every
 * layer.  skopeo (oci-archive:FILE), umoci (after extracting) and
 * `podman load` read it.  The same image always gives the same bytes (the
 * entries are fixed: owner 0, mtime 0, blobs in digest order).  FILE
 * appears whole or not at all: written as FILE.tmp, renamed when done. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "image/store_internal.h"
#include "runtime/json.h"

struct export_blob {
	const char *digest;
	int64_t size; /* from the descriptor that names it */
};

struct export {
	struct img_store *s;
	struct img_tarw *w;
	struct img_loaded im;
	int64_t manifest_size;
};

static int add_entry(struct img_tarw *w, const char *path, enum img_tar_type type, mode_t mode,
		     int64_t size, int fd, const void *data, struct jl_err **err)
{
	struct img_tar_entry e = {.path = path, .type = type, .mode = mode, .size = size};
	return img_tarw_add(w, &e, fd, data, err);
}

static int add_text(struct img_tarw *w, const char *path, const char *text, size_t len,
		    struct jl_err **err)
{
	return add_entry(w, path, IMG_TAR_FILE, 0644, (int64_t)len, -1, text, err);
}

/* "name:tag" -> its tag: after the last ':' that follows the last '/' (a
 * registry host may carry a port: "host:5000/x:tag"). */
static const char *ref_tag(const char *ref)
{
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(slash ? slash : ref, ':');
	return colon ? colon + 1 : NULL;
}

/* The platform the config declares, so clients choosing by platform
 * (containerd's import) need not open the manifest to decide. */
static void write_platform(struct jl_json_writer *w, const struct img_config_doc *c)
{
	if (!c->os || !c->architecture)
		return;
	jl_jw_key(w, "platform");
	jl_jw_begin_object(w);
	jl_jw_kv_str(w, "architecture", c->architecture);
	jl_jw_kv_str(w, "os", c->os);
	if (c->variant)
		jl_jw_kv_str(w, "variant", c->variant);
	jl_jw_end_object(w);
}

/* index.json: one manifest, named by the tag (org.opencontainers.image.ref.name,
 * what skopeo and umoci look up) and the full name (io.containerd.image.name,
 * which containerd's import and `podman load` prefer). */
static void write_index(const struct export *x, const char *name, struct jl_buf *out)
{
	struct jl_json_writer w = {.out = out};
	jl_jw_begin_object(&w);
	jl_jw_kv_int(&w, "schemaVersion", 2);
	jl_jw_kv_str(&w, "mediaType", IMG_MT_OCI_INDEX);
	jl_jw_key(&w, "manifests");
	jl_jw_begin_array(&w);
	jl_jw_begin_object(&w);
	const struct img_manifest *m = &x->im.manifest;
	jl_jw_kv_str(&w, "mediaType", m->media_type ? m->media_type : IMG_MT_OCI_MANIFEST);
	jl_jw_kv_str(&w, "digest", x->im.digest);
	jl_jw_kv_int(&w, "size", x->manifest_size);
	if (name && ref_tag(name)) {
		jl_jw_key(&w, "annotations");
		jl_jw_begin_object(&w);
		jl_jw_kv_str(&w, "io.containerd.image.name", name);
		jl_jw_kv_str(&w, IMG_ANNOTATION_REF_NAME, ref_tag(name));
		jl_jw_end_object(&w);
	}
	write_platform(&w, &x->im.config);
	jl_jw_end_object(&w);
	jl_jw_end_array(&w);
	jl_jw_end_object(&w);
}

static int cmp_blob(const void *a, const void *b)
{
	return strcmp(((const struct export_blob *)a)->digest,
		      ((const struct export_blob *)b)->digest);
}

/* One blob's bytes, refusing a blob whose size is not the descriptor's. */
static int add_blob(struct export *x, const struct export_blob *b, struct jl_err **err)
{
	cleanup_close int fd = img_blob_open(x->s, b->digest, err);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0)
		return jl_err_sys(err, "blob %s: stat", b->digest);
	if (st.st_size != b->size)
		return jl_err_code(err, EINVAL, "blob %s: %lld bytes, its descriptor says %lld",
				   b->digest, (long long)st.st_size, (long long)b->size);
	cleanup_free char *path = xasprintf("blobs/sha256/%s", img_digest_hex(b->digest));
	return add_entry(x->w, path, IMG_TAR_FILE, 0644, b->size, fd, NULL, err);
}

/* blobs/, blobs/sha256/ and each distinct blob once, in digest order. */
static int add_blobs(struct export *x, struct jl_err **err)
{
	const struct img_manifest *m = &x->im.manifest;
	size_t n = 0;
	cleanup_free struct export_blob *v = xcalloc(m->n_layers + 2, sizeof(*v));
	v[n++] = (struct export_blob){x->im.digest, x->manifest_size};
	v[n++] = (struct export_blob){m->config.digest, m->config.size};
	for (size_t i = 0; i < m->n_layers; i++)
		v[n++] = (struct export_blob){m->layers[i].digest, m->layers[i].size};
	qsort(v, n, sizeof(*v), cmp_blob);
	int r = add_entry(x->w, "blobs/", IMG_TAR_DIR, 0755, 0, -1, NULL, err);
	if (r >= 0)
		r = add_entry(x->w, "blobs/sha256/", IMG_TAR_DIR, 0755, 0, -1, NULL, err);
	for (size_t i = 0; i < n && r >= 0; i++)
		if (i == 0 || strcmp(v[i].digest, v[i - 1].digest) != 0)
			r = add_blob(x, &v[i], err);
	return r;
}

static int write_archive(struct export *x, const char *name, struct jl_err **err)
{
	static const char layout[] = IMG_OCI_LAYOUT_JSON;
	struct jl_buf index = {0};
	write_index(x, name, &index);
	int r = add_text(x->w, "oci-layout", layout, sizeof(layout) - 1, err);
	if (r >= 0)
		r = add_text(x->w, "index.json", index.data, index.len, err);
	jl_buf_free(&index);
	if (r >= 0)
		r = add_blobs(x, err);
	char total[IMG_DIGEST_MAX];
	if (r >= 0)
		r = img_tarw_finish(x->w, total, NULL, err);
	return r;
}

/* FILE.tmp, created afresh: O_EXCL|O_NOFOLLOW so a link planted at that
 * name (in a shared directory) cannot point the write elsewhere. */
static int open_tmp(const char *tmp, struct jl_err **err)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd = open(tmp, flags, 0644);
	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0) /* a crashed export's */
		fd = open(tmp, flags, 0644);
	return fd >= 0 ? fd : jl_err_sys(err, "create \"%s\"", tmp);
}

static int export_to(struct export *x, const char *name, const char *file, struct jl_err **err)
{
	cleanup_free char *tmp = xasprintf("%s.tmp", file);
	int fd = open_tmp(tmp, err);
	if (fd < 0)
		return fd;
	x->w = img_tarw_new(fd);
	int r = write_archive(x, name, err);
	if (r >= 0 && fsync(fd) < 0)
		r = jl_err_sys(err, "fsync \"%s\"", tmp);
	if (close(fd) < 0 && r >= 0)
		r = jl_err_sys(err, "close \"%s\"", tmp);
	if (r >= 0 && rename(tmp, file) < 0)
		r = jl_err_sys(err, "rename \"%s\" to \"%s\"", tmp, file);
	if (r < 0)
		unlink(tmp);
	return r;
}

int img_export(struct img_store *s, const char *ref, const char *file, struct jl_err **err)
{
	char digest[IMG_DIGEST_MAX];
	cleanup_free char *name = NULL; /* NULL when ref was a digest: no tag to give */
	int r = img_lookup(s, ref, digest, &name, err);
	if (r < 0)
		return r;
	/* prune waits until every blob is read */
	r = img_store_gc_hold(s, err);
	if (r < 0)
		return r;
	struct export x = {.s = s};
	r = img_load(s, digest, &x.im, err);
	if (r >= 0 && (r = img_blob_size(s, digest, &x.manifest_size)) < 0)
		r = jl_err_set(err, -r, "manifest %s", digest);
	if (r >= 0)
		r = export_to(&x, name, file, err);
	if (r < 0)
		jl_err_wrap(err, "export %s to \"%s\"", ref, file);
	img_tarw_free(x.w);
	img_loaded_free(&x.im);
	img_store_gc_release(s);
	return r;
}
