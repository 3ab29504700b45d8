/* `docker save` archives before docker 25: manifest.json lists, per image,
 * its config file and its layer files (uncompressed tars, whose digests
 * are their diff_ids; a layer repeated in one archive is a symlink to its
 * first copy).  There is no OCI manifest: jaula writes one, with the
 * config as an OCI config (the same document) and each layer as the OCI
 * layer type its bytes are (sniffed: newer dockers may compress them). */
#include <string.h>

#include "image/import_internal.h"
#include "image/oci_read.h"

#define WHAT "manifest.json"

int import_sniff_compression(struct img_store *s, const char *digest, struct jl_err **err)
{
	cleanup_close int fd = img_blob_open(s, digest, err);
	if (fd < 0)
		return fd;
	unsigned char m[4] = {0};
	ssize_t n = pread(fd, m, sizeof(m), 0);
	if (n < 0)
		return jl_err_sys(err, "read blob");
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return 'g';
	if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return 'z';
	return 0;
}

/* The entry for our ref: the only one, or the one tagged with it. */
static int choose(jl_json_val doc, const char *ref, jl_json_val *out, struct jl_err **err)
{
	size_t n = jl_json_len(doc);
	if (n == 0)
		return jl_err_code(err, EINVAL, WHAT ": no images");
	if (n == 1) {
		*out = jl_json_at(doc, 0);
		return 0;
	}
	struct jl_buf tags = {0};
	for (size_t i = 0; i < n; i++) {
		jl_json_val t = jl_json_get(jl_json_at(doc, i), "RepoTags");
		for (size_t k = 0; k < jl_json_len(t); k++) {
			const char *tag = jl_json_string(jl_json_at(t, k));
			char *norm = NULL;
			struct jl_err *e = NULL;
			bool match = tag && img_ref_normalise(tag, &norm, &e) == 0 && !strcmp(norm, ref);
			jl_err_free(&e);
			free(norm);
			if (match) {
				jl_buf_free(&tags);
				*out = jl_json_at(doc, i);
				return 0;
			}
			char q[IMG_QUOTE_MAX];
			jl_buf_printf(&tags, "%s%s", tags.len ? ", " : "", tag ? img_quote(tag, q) : "?");
		}
	}
	int r = jl_err_code(err, ENOENT, WHAT ": %zu images, none tagged %s (it has: %s)", n, ref,
			    tags.len ? tags.data : "no tags");
	jl_buf_free(&tags);
	return r;
}

static int member(const struct archive *a, jl_json_val v, const char *path,
		  const struct archive_member **out, struct jl_err **err)
{
	const char *name = jl_json_string(v);
	if (!name)
		return oci_type_error(err, WHAT, path, v, "string");
	cleanup_free char *clean = archive_clean(NULL, name);
	*out = archive_find(a, clean);
	if (!*out) {
		char q[IMG_QUOTE_MAX];
		return jl_err_code(err, ENOENT, WHAT ": %s: \"%s\" is not in the archive", path,
				   img_quote(name, q));
	}
	return 0;
}

static int layers(struct import *im, const struct archive *a, jl_json_val entry,
		  struct img_manifest *m, struct jl_err **err)
{
	jl_json_val v = jl_json_get(entry, "Layers");
	if (jl_json_type(v) != JL_JSON_ARRAY)
		return oci_type_error(err, WHAT, "Layers", v, "array");
	size_t n = jl_json_len(v);
	if (n > OCI_MAX_LAYERS)
		return jl_err_code(err, E2BIG, WHAT ": Layers: more than %d", OCI_MAX_LAYERS);
	m->layers = xcalloc(n ? n : 1, sizeof(*m->layers));
	for (size_t i = 0; i < n; i++) {
		char path[32];
		snprintf(path, sizeof(path), "Layers[%zu]", i);
		const struct archive_member *l;
		int r = member(a, jl_json_at(v, i), path, &l, err);
		if (r < 0)
			return r;
		int comp = import_sniff_compression(im->s, l->digest, err);
		if (comp < 0)
			return comp;
		struct img_descriptor *d = &m->layers[m->n_layers++];
		d->media_type = xstrdup(img_layer_media_type(comp));
		d->digest = xstrdup(l->digest);
		d->size = l->size;
	}
	return 0;
}

static int build_manifest(struct import *im, const struct archive *a, jl_json_val entry,
			  struct jl_err **err)
{
	if (jl_json_type(entry) != JL_JSON_OBJECT)
		return oci_type_error(err, WHAT, "[]", entry, "object");
	const struct archive_member *cfg;
	int r = member(a, jl_json_get(entry, "Config"), "Config", &cfg, err);
	if (r < 0)
		return r;
	struct img_manifest m = {0};
	m.config.media_type = xstrdup(IMG_MT_OCI_CONFIG);
	m.config.digest = xstrdup(cfg->digest);
	m.config.size = cfg->size;
	r = layers(im, a, entry, &m, err);
	if (r == 0) {
		struct jl_buf b = {0};
		img_manifest_write(&m, &b);
		r = img_blob_put_mem(im->s, b.data, b.len, im->manifest, err);
		jl_buf_free(&b);
	}
	img_manifest_free(&m);
	return r;
}

int import_docker(struct import *im, const struct archive *a, struct jl_err **err)
{
	jl_json_val doc = NULL;
	int r = oci_json_value(a->manifest.data, a->manifest.len, WHAT, &doc, err);
	if (r < 0)
		return r;
	jl_json_val entry = NULL;
	if (jl_json_type(doc) != JL_JSON_ARRAY)
		r = jl_err_code(err, EINVAL, WHAT ": expected an array, got %s",
				jl_json_type_name(jl_json_type(doc)));
	if (r == 0)
		r = choose(doc, im->ref, &entry, err);
	if (r == 0)
		r = build_manifest(im, a, entry, err);
	jl_json_free(doc);
	return r;
}
