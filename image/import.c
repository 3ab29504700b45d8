/* img_import: which kind of source src is, then the steps every kind ends
 * with -- the chosen manifest's blobs present with the sizes it says, the
 * config read and checked against it, each layer unpacked once (by chain
 * id) with its diff_id verified, and only then the name.  A failure leaves
 * no name and no temporary file; verified blobs may stay (content-
 * addressed, prune takes them), and the layers this import made are taken
 * back when no other import is running that might share them. */
#include <string.h>
#include <sys/stat.h>

#include "image/import_internal.h"

/* Nested indexes (an index pointing at an index) are followed this deep. */
#define INDEX_DEPTH 4

void import_note_created(struct import *im, const char *chain)
{
	im->created = xrealloc(im->created, (im->n_created + 1) * sizeof(*im->created));
	snprintf(im->created[im->n_created++], IMG_DIGEST_MAX, "%s", chain);
}

int import_read_fd(int fd, const char *name, char **text, size_t *len, struct jl_err **err)
{
	return jl_read_fd(fd, name, IMPORT_DOC_MAX, text, len, err);
}

int import_fetch_present(struct import *im, const struct img_descriptor *d, const char *role,
			 struct jl_err **err)
{
	int64_t have;
	char sh[IMG_DIGEST_SHORT_MAX];
	if (img_blob_size(im->s, d->digest, &have) < 0)
		return jl_err_code(err, ENOENT, "%s: blob %s is missing", role,
				   img_digest_short(d->digest, sh));
	if (have != d->size)
		return jl_err_code(err, EINVAL, "%s: size mismatch: the descriptor says %lld bytes, "
				   "blob %s has %lld", role, (long long)d->size,
				   img_digest_short(d->digest, sh), (long long)have);
	return 0;
}

/* --- index -> manifest ---------------------------------------------------------- */

static int pick(const struct img_index *x, const char *what, const struct img_descriptor **d,
		struct jl_err **err)
{
	if (img_index_pick(x, d) == 0)
		return 0;
	struct jl_buf b = {0};
	img_index_describe(x, &b);
	int r = jl_err_code(err, ENOENT, "%s: no image for linux/%s (it has: %s)", what,
			    img_machine_arch(), b.data);
	jl_buf_free(&b);
	return r;
}

static bool is_index(const char *mt)
{
	return !strcmp(mt, IMG_MT_OCI_INDEX) || !strcmp(mt, IMG_MT_DOCKER_LIST);
}

/* The manifest's own mediaType, when it has one, must be the one its
 * descriptor announced (image-spec descriptor.md). */
static int check_announced(struct import *im, const struct img_descriptor *d, const char *role,
			   struct jl_err **err)
{
	cleanup_free char *text = NULL;
	size_t len;
	int r = img_blob_read(im->s, d->digest, IMPORT_DOC_MAX, &text, &len, err);
	if (r < 0)
		return r;
	char sh[IMG_DIGEST_SHORT_MAX], what[48];
	snprintf(what, sizeof(what), "manifest %s", img_digest_short(d->digest, sh));
	struct img_manifest m;
	r = img_manifest_parse(text, len, what, &m, err);
	if (r < 0)
		return r;
	if (m.media_type && strcmp(m.media_type, d->media_type))
		r = jl_err_code(err, EINVAL, "%s: mediaType \"%s\" but the manifest says \"%s\"",
				role, d->media_type, m.media_type);
	img_manifest_free(&m);
	return r;
}

int import_from_index(struct import *im, const char *text, size_t len, const char *what,
		      struct jl_err **err)
{
	cleanup_free char *owned = NULL;
	char name[64];
	snprintf(name, sizeof(name), "%s", what);
	for (int depth = 0; depth < INDEX_DEPTH; depth++) {
		struct img_index x;
		const struct img_descriptor *d;
		int r = img_index_parse(text, len, name, &x, err);
		if (r == 0)
			r = pick(&x, name, &d, err);
		char role[96], sh[IMG_DIGEST_SHORT_MAX];
		if (r == 0) {
			snprintf(role, sizeof(role), "%s: manifests[%zu]", name,
				 (size_t)(d - x.manifests));
			r = im->fetch(im, d, role, err);
		}
		if (r < 0) {
			img_index_free(&x);
			return r;
		}
		bool nested = is_index(d->media_type);
		snprintf(im->manifest, sizeof(im->manifest), "%s", d->digest);
		if (!nested)
			r = check_announced(im, d, role, err);
		img_index_free(&x);
		if (!nested || r < 0)
			return r;
		free(owned);
		owned = NULL;
		r = img_blob_read(im->s, im->manifest, IMPORT_DOC_MAX, &owned, &len, err);
		if (r < 0)
			return r;
		text = owned;
		snprintf(name, sizeof(name), "index %s", img_digest_short(im->manifest, sh));
	}
	return jl_err_code(err, ELOOP, "%s: indexes nested deeper than %d", what, INDEX_DEPTH);
}

/* --- the common end ----------------------------------------------------------------- */

static int fetch_all(struct import *im, struct jl_err **err)
{
	cleanup_free char *text = NULL;
	size_t len;
	int r = img_blob_read(im->s, im->manifest, IMPORT_DOC_MAX, &text, &len, err);
	if (r < 0)
		return r;
	char sh[IMG_DIGEST_SHORT_MAX], what[48], role[96];
	snprintf(what, sizeof(what), "manifest %s", img_digest_short(im->manifest, sh));
	struct img_manifest m;
	r = img_manifest_parse(text, len, what, &m, err);
	if (r < 0)
		return r;
	if (m.n_layers == 0)
		r = jl_err_code(err, EINVAL, "%s: layers: an image needs at least one layer", what);
	if (r == 0) {
		snprintf(role, sizeof(role), "%s: config", what);
		r = im->fetch(im, &m.config, role, err);
	}
	for (size_t i = 0; r == 0 && i < m.n_layers; i++) {
		snprintf(role, sizeof(role), "%s: layers[%zu]", what, i);
		r = im->fetch(im, &m.layers[i], role, err);
	}
	img_manifest_free(&m);
	return r;
}

/* An image of another machine would import, then fail to run with
 * "exec format error"; say so now. */
static int check_platform(const struct img_loaded *l, struct jl_err **err)
{
	char sh[IMG_DIGEST_SHORT_MAX];
	const char *cfg = img_digest_short(l->manifest.config.digest, sh);
	char q[IMG_QUOTE_MAX];
	if (strcmp(l->config.os, "linux"))
		return jl_err_code(err, EINVAL, "config %s: os \"%s\" is not linux", cfg,
				   img_quote(l->config.os, q));
	if (strcmp(l->config.architecture, img_machine_arch()))
		return jl_err_code(err, EINVAL, "config %s: architecture \"%s\" cannot run on this "
				   "machine (%s)", cfg, img_quote(l->config.architecture, q),
				   img_machine_arch());
	return 0;
}

static int unpack_all(struct import *im, const struct img_loaded *l, struct jl_err **err)
{
	for (size_t i = 0; i < l->manifest.n_layers; i++) {
		bool created = false;
		int r = img_layer_unpack_ex(im->s, l->chains[i], l->manifest.layers[i].digest,
					    l->config.diff_ids[i], im->p, &created, err);
		if (created)
			import_note_created(im, l->chains[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int finish(struct import *im, struct jl_err **err)
{
	int r = fetch_all(im, err);
	if (r < 0)
		return r;
	struct img_loaded l;
	r = img_load(im->s, im->manifest, &l, err);
	if (r < 0)
		return r;
	r = check_platform(&l, err);
	if (r == 0)
		r = unpack_all(im, &l, err);
	img_loaded_free(&l);
	if (r == 0)
		r = img_names_set(im->s, im->ref, im->manifest, err);
	return r;
}

/* --- sources ------------------------------------------------------------------------ */

static int import_file(struct import *im, const char *src, struct jl_err **err)
{
	cleanup_close int fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return jl_err_sys(err, "open");
	im->fetch = import_fetch_present;
	int r = import_archive(im, fd, err);
	if (r == 1)
		r = import_rootfs(im, fd, err);
	return r;
}

static int import_any(struct import *im, const char *src, struct jl_err **err)
{
	struct stat st;
	if (stat(src, &st) < 0)
		return jl_err_sys(err, "stat");
	int r = S_ISDIR(st.st_mode) ? import_layout(im, src, err) : import_file(im, src, err);
	if (r == 0)
		r = finish(im, err);
	return r;
}

/* Layers this import made and no image uses are taken back -- only when
 * no other import or commit runs (gc.lock free), since one of those may
 * have found them present and be about to name an image with them. */
static void undo_layers(struct import *im)
{
	if (!im->n_created || !img_store_gc_try_exclusive(im->s))
		return;
	struct jl_err *e = NULL;
	img_layers_drop_unused(im->s, im->created, im->n_created, &e);
	jl_err_free(&e);
}

int img_import(struct img_store *s, const char *src, const char *ref,
	       const struct img_progress *p, char **digest, struct jl_err **err)
{
	char q[IMG_QUOTE_MAX];
	cleanup_free char *norm = NULL;
	int r = img_ref_normalise(ref, &norm, err);
	if (r < 0)
		return r;
	if (strchr(norm, '@'))
		return jl_err_code(err, EINVAL, "image reference \"%s\": a digest reference cannot "
				   "name an image (NAME[:TAG])", norm);
	if (!src || !*src)
		return jl_err_code(err, EINVAL, "import: no source");
	struct import im = {.s = s, .ref = norm, .p = p, .layout_fd = -1};
	r = img_store_gc_hold(s, err);
	if (r < 0)
		return r;
	r = import_any(&im, src, err);
	if (r < 0) {
		jl_err_wrap(err, "import \"%s\"", img_quote(src, q));
		undo_layers(&im);
	}
	img_store_gc_release(s);
	if (im.layout_fd >= 0)
		close(im.layout_fd);
	free(im.created);
	if (r == 0 && digest)
		*digest = xstrdup(im.manifest);
	return r;
}
